/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the fuzzer's calls name: block devices (by number) and snapshot
 * ids, and the files and loop devices it makes for them.  Shared by the
 * threads under world->lock, which no ioctl to the module is made under.
 *
 * Devices come in kinds.  Only the devices given with --device, the loop
 * devices the fuzzer makes and the snapshot images it finds may get a
 * filter attached (and so join snapshots and be frozen by takes); every
 * other device of the machine, numbers of removed devices and made-up
 * numbers get only requests that cannot change them: control commands
 * and detaches (the fuzzer starts only when no filter is attached
 * anywhere it can see, so any filter is its own), and attaches that fail
 * their argument checks.  Difference storage goes only to files in the
 * fuzzer's own directories, to its loop devices and to the devices given
 * with --storage-device: a storage file is truncated, a storage device
 * overwritten.
 */
#ifndef BLKSNAP_FUZZ_WORLD_H
#define BLKSNAP_FUZZ_WORLD_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/blksnap.h>
#include "fuzz_rand.h"

#define WORLD_DEVS_MAX		256
#define WORLD_DIRS_MAX		4
#define WORLD_STORAGE_DEVS_MAX	4
/* Live snapshots the fuzzer keeps at most: each may hold memory. */
#define WORLD_SNAPSHOTS_MAX	16
/* Destroyed ids remembered, to be named again. */
#define WORLD_GONE_MAX		16
/* Loop devices of its own at once. */
#define WORLD_LOOPS_MAX		4

enum dev_kind {
	DEV_GIVEN,	/* --device: may be attached */
	DEV_LOOP,	/* a loop device of its own: may be attached, removed */
	DEV_IMAGE,	/* a snapshot image it saw: may be attached */
	DEV_OTHER,	/* any other device of the machine: never attached */
	DEV_REMOVED,	/* a number whose device the fuzzer removed */
};

struct fuzz_dev {
	uint32_t major, minor;
	enum dev_kind kind;
	/* A filter was attached here by us at some time: detach at exit. */
	bool ever_attached;
	/* Its data is no one's: random writes may go there (copy on write). */
	bool writable;
	/* From the last CBTINFO that answered, 0 before. */
	uint32_t block_count;
	uint64_t capacity_sect;
	/* DEV_LOOP: its number, the open device (for LOOP_CLR_FD). */
	int loop_nr;
	int loop_fd;
	/* DEV_LOOP: being made or removed by a thread right now. */
	bool busy;
};

/* How a call names a device. */
struct fuzz_target {
	struct blksnap_bdev bdev;
	/* The number is of a device that may be attached. */
	bool attachable;
	/* Its last known map size (0 unknown), capacity in sectors. */
	uint32_t block_count;
	uint64_t capacity_sect;
	/*
	 * Those stay true while the call runs (a --device); a loop's or an
	 * image's number may be another device's by then.
	 */
	bool stable;
};

struct fuzz_world {
	pthread_mutex_t lock;
	struct fuzz_dev devs[WORLD_DEVS_MAX];
	unsigned int nr_devs;
	struct blksnap_uuid live[WORLD_SNAPSHOTS_MAX];
	unsigned int nr_live;
	struct blksnap_uuid gone[WORLD_GONE_MAX];
	unsigned int nr_gone, gone_next;
	/* The fuzzer's own directories, made at start, removed at exit. */
	char dirs[WORLD_DIRS_MAX][PATH_MAX];
	unsigned int nr_dirs;
	char storage_devs[WORLD_STORAGE_DEVS_MAX][PATH_MAX];
	unsigned int nr_storage_devs;
	/* A file in the last directory for MAP_SHARED buffers. */
	int shared_fd;
	/* What the world did, for the report. */
	unsigned long loops_made, loops_removed, loop_failures;
};

/* The command line's lists. */
struct world_args {
	char **dirs;		/* --dir: at least one */
	unsigned int nr_dirs;
	char **given;		/* --device: attachable */
	unsigned int nr_given;
	char **storage;		/* --storage-device */
	unsigned int nr_storage;
	char **writes;		/* --write-device: attachable and writable */
	unsigned int nr_writes;
};

/*
 * Sets up the world: makes a directory of its own in each directory,
 * notes the devices of the machine and those of @args.  0 or a negative
 * errno, with a message on stderr.
 */
int world_init(struct fuzz_world *w, const struct world_args *args);
/* Removes the files, directories and loop devices it made. */
void world_done(struct fuzz_world *w);

/* A device number to name, of any kind (@attach: for an attach). */
void world_pick_target(struct fuzz_world *w, struct fuzz_rng *r,
		       struct fuzz_target *t);
void world_attached(struct fuzz_world *w, const struct blksnap_bdev *bdev);
/* What a CBTINFO said of a device. */
void world_cbtinfo(struct fuzz_world *w, const struct blksnap_bdev *bdev,
		   uint32_t block_count, uint64_t capacity_bytes);
/* An image device a SNAPSHOTINFO named. */
void world_image(struct fuzz_world *w, uint32_t major, uint32_t minor);

/* A snapshot id: live, destroyed, nearly live, or made up. */
void world_pick_id(struct fuzz_world *w, struct fuzz_rng *r,
		   struct blksnap_uuid *id);
/* Whether another live snapshot may be made. */
bool world_room_for_snapshot(struct fuzz_world *w);
void world_created(struct fuzz_world *w, const struct blksnap_uuid *id);
void world_destroyed(struct fuzz_world *w, const struct blksnap_uuid *id);

/*
 * A storage path for @kind into @buf (PATH_MAX): one of its files or
 * directories, its loop devices, the storage devices, or a wrong one.
 */
void world_storage_path(struct fuzz_world *w, struct fuzz_rng *r,
			unsigned int kind, char *buf);

/*
 * Writes @len bytes of @buf (aligned for direct I/O) to a random place of
 * a writable device (its loop devices, images, --write-device): 0 or
 * -errno.  So that snapshots copy on write, fill and overflow their
 * storage, and send events.
 */
int world_write(struct fuzz_world *w, struct fuzz_rng *r, const void *buf,
		size_t len);

/* Makes a loop device over a file of its own, or removes one: 0 or -errno. */
int world_loop_add(struct fuzz_world *w, struct fuzz_rng *r);
int world_loop_remove(struct fuzz_world *w, struct fuzz_rng *r);

/*
 * At exit, with no other thread running: destroys every snapshot (none
 * existed before the run) and detaches every filter it attached.
 * Returns how many could not be (0 when the module is as it was).
 */
int world_release(struct fuzz_world *w, int ctl_fd);
/* Whether a filter or snapshot exists that the fuzzer could disturb. */
int world_check_clean(struct fuzz_world *w, int ctl_fd);

#endif /* BLKSNAP_FUZZ_WORLD_H */

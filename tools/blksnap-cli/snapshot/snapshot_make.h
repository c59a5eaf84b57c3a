/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Making one snapshot of the devices behind some TARGETs, all or nothing:
 * what 'snapshot create' does and what 'backup' does first.  Resolves the
 * TARGETs, chooses and checks the difference storage, creates the
 * snapshot, adds each device (attaching its filter if needed) and takes
 * it.  A failure undoes what this code did, and only that.
 *
 * Every function reports its failures itself and returns an exit code.
 */
#ifndef BLKSNAP_CLI_SNAPSHOT_MAKE_H
#define BLKSNAP_CLI_SNAPSHOT_MAKE_H

#include <stdbool.h>
#include <stdint.h>
#include <blksnap/blksnap.h>
#include "common/generation.h"
#include "target/storage.h"
#include "target/target.h"

struct snapshot_member {
	struct target t;
	bool attached;		/* by this command: detach on failure */
	struct blksnap_snapshotinfo info;
	/* With c->read_cbt: the change tracking just before and after the take. */
	struct blksnap_cbtinfo cbt_before, cbt;
	bool cbt_before_ok;
};

/* Another live snapshot: its id, for the owners of its devices. */
struct snapshot_other {
	char id[GENERATION_STR_LEN];
};

struct snapshot_make {
	const char *cmd;
	struct blksnap_ctx *ctx;
	struct target_resolver r;	/* TARGETs and the storage's place */
	const char *storage;
	enum blksnap_storage_kind kind;
	bool storage_missing;	/* a FILE storage to create */
	bool storage_created;	/* by this command: remove on failure */
	/*
	 * The storage's directory when chosen here (no --storage) or on the
	 * snapshotted filesystem; c->storage then points to its path.
	 */
	struct storage_choice place;
	bool chosen;		/* place is the default chosen here */
	/*
	 * In the ext4 or xfs filesystem of a device of this snapshot, the one
	 * at storage_dev: the module preallocates the whole limit there.
	 */
	bool same_fs;
	dev_t storage_dev;
	uint64_t limit;		/* 0 until chosen */
	unsigned int percent;	/* --limit N%: of the devices' total size */
	struct snapshot_member *m;
	size_t n;		/* devices, TARGETs on one device merged */
	/* The devices the storage must stay off: ours, then the others'. */
	struct storage_owner *owners;
	size_t nowners;
	struct snapshot_other *others;
	struct blksnap_uuid id;
	bool created;
	char id_str[GENERATION_STR_LEN];
	bool read_cbt;		/* fill each member's cbt around the take */
	/*
	 * --exact (or blksnap.conf's exact): the images show the free space
	 * of the devices' filesystems as it is, copied on write, instead of
	 * zeros that need no copy.  Not for the filesystem that holds the
	 * storage, whose image reads the storage as zeros anyway.
	 */
	bool exact;
	/*
	 * Called before the take, right after the snapshot is created (@m
	 * NULL) and after each device is added to it (m->attached says
	 * whether this code attached its filter): what a caller records to
	 * clean up after a run killed from here on.  An exit code; nonzero
	 * (reported by the hook) stops the take.
	 */
	int (*made)(void *arg, const struct snapshot_make *c,
		    const struct snapshot_member *m);
	void *made_arg;		/* also the take hooks' */
	/*
	 * Called right before the take, every device added (an exit code;
	 * nonzero, reported by the hook, stops the take), and, once that
	 * returned 0, right after the take with whether it succeeded.
	 */
	int (*before_take)(void *arg, const struct snapshot_make *c);
	void (*after_take)(void *arg, const struct snapshot_make *c, bool taken);
};

/* Start with no storage, no limit: the defaults apply. */
void snapshot_make_init(struct snapshot_make *c, const char *cmd);

/* --limit SIZE|N%: a usage error of c->cmd if @arg is neither. */
int snapshot_make_limit(struct snapshot_make *c, const char *arg);

/*
 * Resolve @args, open the control node and settle the storage, saying
 * on stderr which default directory was chosen.  Makes nothing yet.
 * The same as snapshot_make_resolve() then snapshot_make_storage().
 */
int snapshot_make_prepare(struct snapshot_make *c, char **args, size_t n);

/* Read the configuration and resolve @args into c->m. */
int snapshot_make_resolve(struct snapshot_make *c, char **args, size_t n);

/*
 * Open the control node and settle the storage and its limit.  The
 * chosen default directory is said on stderr unless @quiet and it is off
 * the snapshot's devices with room for the limit (a backup under cron
 * prints its summary only); storage on the snapshotted filesystem is
 * always said, with the size preallocated there.
 */
int snapshot_make_storage(struct snapshot_make *c, bool quiet);

/*
 * Create, fill and take the snapshot; each member's info holds its image
 * after.  With c->read_cbt, each member's cbt is read right after the
 * take, before anything else can switch its change number, and
 * cbt_before right before it when the device is tracked.  On failure the
 * caller calls snapshot_make_undo().
 */
int snapshot_make_take(struct snapshot_make *c);

/* Destroy the snapshot if made, keep the filters: the end of a backup. */
int snapshot_make_destroy(struct snapshot_make *c);

/*
 * Destroy snapshot @id, retrying a while as long as it is busy (udev may
 * still probe an image just made).  0 or -errno, unreported.
 */
int snapshot_destroy_patient(struct blksnap_ctx *ctx,
			     const struct blksnap_uuid *id);

/* Undo, newest first, what this code did; report what cannot be. */
void snapshot_make_undo(struct snapshot_make *c);

/* Close the control node and free; the snapshot, if any, stays. */
void snapshot_make_free(struct snapshot_make *c);

#endif /* BLKSNAP_CLI_SNAPSHOT_MAKE_H */

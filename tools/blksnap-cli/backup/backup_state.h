/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state file of a backup destination: which device was copied there,
 * and up to which change of its tracking (GENERATION:NUMBER of the
 * snapshot taken for that copy).  The next backup copies only what changed
 * after that point, if the state still describes the device and DEST;
 * otherwise it says why in one line and copies everything.
 *
 * The file is a small JSON object.  It is replaced atomically (temporary
 * file, fsync, rename, fsync of the directory) so that a crash leaves the
 * old state or the new one, never a mix.  Concurrent backups of one state
 * are kept apart by flock() on a "<state>.lock" file beside it: the state
 * itself is replaced by rename, so a lock on it would be on a dead inode.
 */
#ifndef BLKSNAP_CLI_BACKUP_STATE_H
#define BLKSNAP_CLI_BACKUP_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/blksnap.h>

#define BACKUP_STATE_FORMAT	1
#define BACKUP_UUID_LEN		64	/* libblkid's UUIDs fit with room */

/* What a device was at a backup's take, and is now. */
struct backup_identity {
	char device[PATH_MAX];		/* /dev/NAME */
	uint64_t size;			/* bytes */
	char fs_uuid[BACKUP_UUID_LEN];	/* filesystem UUID, "" if none */
	char part_uuid[BACKUP_UUID_LEN];	/* partition UUID, "" if none */
};

/*
 * Which DEST the last copy wrote, so that a DEST replaced or written by
 * anything else since is not taken for that backup.
 */
enum backup_dest_kind {
	BACKUP_DEST_UNKNOWN,	/* a state from before blksnap recorded it */
	/*
	 * st_dev, st_ino, st_mtim after the copy, and the UUID of the
	 * filesystem DEST is on: with it, the inode on that filesystem is
	 * DEST wherever the disk is plugged (st_dev changes with the port).
	 */
	BACKUP_DEST_FILE,
	BACKUP_DEST_BDEV,	/* st_rdev */
	BACKUP_DEST_EXTERNAL,	/* --ranges-out: the caller writes DEST */
};

struct backup_dest_id {
	enum backup_dest_kind kind;
	uint64_t dev, ino;	/* FILE */
	int64_t mtime_ns;	/* FILE */
	/* FILE: its filesystem's; BDEV: its blksnap area's; "" if unknown */
	char fs_uuid[BACKUP_UUID_LEN];
	uint64_t rdev;		/* BDEV */
};

struct backup_state {
	struct backup_identity id;
	struct blksnap_uuid generation;
	uint8_t number;		/* change number of the backup's take */
	int64_t time;		/* the take, seconds since the epoch */
	char dest[PATH_MAX];	/* the destination the copy went to */
	uint64_t dest_size;	/* its size then */
	struct backup_dest_id dest_id;
	/*
	 * Not in the state file: "STATE.writing" says that a run from this
	 * very state was interrupted while it wrote DEST, whose mtime is
	 * then that run's (see backup_state_mark_writing()).
	 */
	bool dest_writing;
};

/* Room for any of the messages below. */
#define BACKUP_WHY_LEN	(2 * PATH_MAX + 256)

/*
 * Parse @len bytes of state file text into @st.  0, or -EBADMSG with @why
 * saying what is wrong (truncated, not JSON, a member missing or out of
 * range, an unknown format).
 */
int backup_state_parse(const char *text, size_t len, struct backup_state *st,
		       char *why, size_t whysize);

/* @st as state file text, a new string to free(); NULL if out of memory. */
char *backup_state_format(const struct backup_state *st);

/*
 * Read state file @path into @st.  0; -ENOENT if there is none; -EBADMSG
 * if it cannot be used, with @why; another -errno if it cannot be read.
 */
int backup_state_read(const char *path, struct backup_state *st,
		       char *why, size_t whysize);

/*
 * Replace @path with @st atomically and durably.  0 or -errno; on failure
 * @path is as it was and no temporary file is left.
 */
int backup_state_write(const char *path, const struct backup_state *st);

/* What the destination is now: its path and size (0 if missing). */
struct backup_dest_now {
	const char *path;
	bool exists;
	uint64_t size;
	bool is_bdev;		/* a block device: its size may exceed the copy's */
	struct backup_dest_id id;	/* FILE or BDEV, when it exists */
};

struct stat;

/* @st's identity as the state records it: a block device or a file. */
void backup_dest_id_from_stat(const struct stat *st, struct backup_dest_id *id);

/*
 * Whether @a and @b are the same file or device (not: unmodified).  Two
 * files with the filesystem UUID known on both sides are compared by it
 * and the inode, not by the device number.
 */
bool backup_dest_id_same(const struct backup_dest_id *a,
			 const struct backup_dest_id *b);

/*
 * Whether an incremental copy may continue from @st: the same device
 * (path, size, UUIDs known on both sides), the same tracking generation
 * with a change number not ahead of @number_now, and the DEST the last
 * copy went to, still of its size, the same file (device and inode) or
 * block device, and a file not modified since (its mtime, unless
 * @st->dest_writing).  A state that does not record DEST's identity is
 * not usable.  True, or false with @why in one line.
 */
bool backup_state_usable(const struct backup_state *st,
			 const struct backup_identity *now,
			 const struct blksnap_uuid *generation_now,
			 uint8_t number_now,
			 const struct backup_dest_now *dest,
			 char *why, size_t whysize);

/*
 * Say beside state @path ("@path.writing") that a run from @st is about to
 * write DEST, before its first write; backup_state_read() then sets
 * dest_writing while @path still holds @st.  0 or -errno.
 */
int backup_state_mark_writing(const char *path, const struct backup_state *st);

/* Remove what backup_state_mark_writing() left; 0 or -errno. */
int backup_state_clear_writing(const char *path);

/*
 * Lock the state at @path for this process: flock() on "@path.lock",
 * created if missing.  With @wait, sleeps until another holder is done;
 * without, -EWOULDBLOCK at once.  *@fd is to close() when done.
 */
int backup_state_lock(const char *path, bool wait, int *fd);

/*
 * The default state file of destination @dest (an absolute path) in
 * @dir: "@dir/<dest with '%' as %25 and '/' as %2F>.state".  0, or
 * -ENAMETOOLONG.
 */
int backup_state_default_path(const char *dir, const char *dest,
			      char *out, size_t size);

#endif /* BLKSNAP_CLI_BACKUP_STATE_H */

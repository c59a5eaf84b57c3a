/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The record of the snapshot a backup run holds for an image DEST, in
 * "DEST.blksnap/snapshot": what lets the next run of DEST destroy the
 * snapshot of a run that was killed (SIGKILL, OOM) and would otherwise
 * block it, and never one a live run still uses.
 *
 * The run makes the record right after the snapshot exists and holds an
 * flock() on it as long as it lives; the kernel drops the lock when the
 * process dies, however it dies.  So a record that can be locked belongs
 * to a dead run.  (DEST.blksnap/lock will not do: a run holds it only
 * while it writes DEST, not from the take to the destroy.)  The run
 * removes the record when it destroys the snapshot or hands it over
 * (--keep-snapshot), then lets the lock go.
 *
 * Text, one fact a line, only ever appended, each append fsynced: the
 * locked inode never changes (a rename would leave the lock on a dead
 * one) and a torn last line, never ended, is ignored.
 *
 *   blksnap-snapshot-record 1
 *   snapshot UUID          the snapshot, once
 *   attached MAJ:MIN       a filter the run attached
 *   advanced MAJ:MIN       a device whose state the run advanced: its
 *                          filter stays, as the run itself leaves it
 *
 * The file and its directory are made before the snapshot's first
 * byte is copied, mode 0600 and 0700.  Functions return 0 or -errno.
 */
#ifndef BLKSNAP_CLI_SNAPSHOT_RECORD_H
#define BLKSNAP_CLI_SNAPSHOT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/blksnap.h>

#define SNAPSHOT_RECORD_NAME	"snapshot"
#define SNAPSHOT_RECORD_WHY_LEN	160

/* A device of the recorded snapshot's run. */
struct snapshot_record_dev {
	dev_t dev;
	bool attached;		/* its filter attached by that run */
	bool advanced;		/* its state advanced by that run */
};

struct snapshot_record {
	struct blksnap_uuid id;
	struct snapshot_record_dev *devs;
	size_t n;
};

/*
 * Make @dest's record of snapshot @id, locked; DEST.blksnap is made if
 * it is not there.  The open, locked record in *@fd, for the appends and
 * snapshot_record_remove().  -EEXIST if a record is there already (the
 * next run's check comes first).
 */
int snapshot_record_create(const char *dest, const struct blksnap_uuid *id,
			   int *fd);

/* Append "attached" (@advanced false) or "advanced" for @dev, fsynced. */
int snapshot_record_add(int fd, dev_t dev, bool advanced);

/*
 * Remove @dest's record, durably, and DEST.blksnap with it if nothing
 * else is in it; then close @fd (the lock goes last).
 */
int snapshot_record_remove(const char *dest, int fd);

/*
 * Take @dest's record for a run that is gone: lock it and read it into
 * @rec (snapshot_record_free() after).  The open, locked record in *@fd
 * for snapshot_record_remove(), on success and on -EBADMSG.  -ENOENT if
 * there is none, -EBUSY if a live run holds it, -EBADMSG if it is not a
 * record (garbage, no snapshot line) with @why.
 */
int snapshot_record_claim(const char *dest, struct snapshot_record *rec,
			  int *fd, char *why, size_t whysize);

/*
 * Whether the dead run would have detached device @i's filter itself,
 * as an interrupted run does: it attached it, and did not advance the
 * device's state (a filter whose state advanced keeps its tracking for
 * the next incremental copy).
 */
bool snapshot_record_detach(const struct snapshot_record *rec, size_t i);

void snapshot_record_free(struct snapshot_record *rec);

#endif /* BLKSNAP_CLI_SNAPSHOT_RECORD_H */

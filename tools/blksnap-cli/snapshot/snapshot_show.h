/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Snapshots as 'snapshot create', 'info' and 'list' print them: a table
 * with a row per device (ID, DEVICE, IMAGE, MOUNTPOINT, STATE, AGE, USED,
 * LIMIT; AGE since the take, USED and LIMIT of the snapshot's difference
 * storage, the same on every row of a snapshot), or with --json
 *
 *   {"id": ID, "taken": T, "age": A, "storage-used": U, "storage-limit": L,
 *    "devices": [{"device": D, "image": I, "error": E,
 *                 "mountpoint": M, "state": S}, ...]}
 *
 * for one snapshot ('create' has only "id" and "devices" with "device" and
 * "image", the shape scripts rely on), and {"snapshots": [that object,
 * ...]} for 'list'.  T is seconds since the epoch, A seconds, U and L
 * bytes; all null when the module does not tell them (an older module, or
 * T and A before the take).  STATE is "active", or "corrupted" with the
 * errno in ERROR.
 */
#ifndef BLKSNAP_CLI_SNAPSHOT_SHOW_H
#define BLKSNAP_CLI_SNAPSHOT_SHOW_H

#include <stdbool.h>
#include <limits.h>
#include <blksnap/blksnap.h>
#include "common/generation.h"

struct snapshot_image {
	char device[PATH_MAX];		/* as given, or /dev/NAME, or MAJ:MIN */
	char image[BLKSNAP_IMAGE_NAME_LEN + 5];	/* "/dev/NAME", "" if none */
	int error;			/* 0, or the -errno that corrupted it */
	bool gone;			/* the device went away: no info */
	char mountpoint[PATH_MAX];	/* where the device is mounted, "" */
	bool has_free;			/* free_at_take was read */
	uint64_t free_at_take;		/* bytes free at the take, never copied */
};

struct snapshot_view {
	char id[GENERATION_STR_LEN];
	bool has_status;			/* status below was read */
	struct blksnap_snapshot_status status;
	int64_t now;				/* when it was read, for AGE */
	struct snapshot_image *images;
	size_t count;
};

enum snapshot_show {
	SHOW_CREATED,	/* one snapshot, no error column */
	SHOW_ONE,	/* one snapshot */
	SHOW_LIST,	/* any number */
};

/*
 * Read snapshot @id's devices and each one's state into @v.  Reports
 * failures itself and returns an exit code; with @gone_ok, a snapshot
 * that no longer exists sets *@gone instead.  Free @v with
 * snapshot_view_free(), also after failure.
 */
int snapshot_view_load(struct blksnap_ctx *ctx, const struct blksnap_uuid *id,
		       struct snapshot_view *v, bool gone_ok, bool *gone);

void snapshot_view_free(struct snapshot_view *v);

/* Print @n snapshots to stdout; returns an exit code. */
int snapshot_print(const struct snapshot_view *v, size_t n,
		   enum snapshot_show how, bool json);

#endif /* BLKSNAP_CLI_SNAPSHOT_SHOW_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test double for libblksnap's blksnap__ioctl() and blksnap__bdev_ioctl():
 * records, in one log, what the library would have sent to the kernel, with copies of the payloads the pointers
 * lead to, and answers with a chosen result.
 */
#ifndef BLKSNAP_TEST_IOCTL_STUB_H
#define BLKSNAP_TEST_IOCTL_STUB_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/blksnap.h>
#include "native-blkfilter.h"

#define STUB_MAX_CALLS	16

struct stub_call {
	unsigned long req;
	/* For requests on a block device (blksnap__bdev_ioctl), which one. */
	dev_t bdev;
	union {
		struct blksnap_filter_attach attach;
		struct blksnap_filter_detach detach;
		struct blksnap_filter_ctl ctl;
		struct blksnap_snapshot_create create;
		struct blksnap_uuid uuid;		/* TAKE, DESTROY */
		struct blksnap_snapshot_collect collect;
		struct blksnap_native_attach native_attach;
		struct blksnap_native_detach native_detach;
		struct {				/* WAIT_EVENT's inputs */
			struct blksnap_uuid id;
			__u32 timeout_ms;
		} wait;
	};
	/* The CTL payload as it was at the call, for the commands that have one. */
	union {
		struct blksnap_cbtmap cbtmap;
		struct blksnap_cbtdirty cbtdirty;
		struct blksnap_snapshotadd snapshotadd;
	};
	char path[64];		/* CREATE's diff_storage_path string */
};

struct ioctl_stub {
	unsigned int ncalls;
	struct stub_call calls[STUB_MAX_CALLS];
	int result;				/* returned by every call... */
	int result_at[STUB_MAX_CALLS];		/* ...but call i's, if nonzero */
	struct blksnap_version version;		/* IOCTL_BLKSNAP_VERSION answer */
	struct blksnap_cbtinfo cbtinfo;		/* CBTINFO answer */
	uint8_t map_fill;			/* CBTMAP fills windows with it */
	struct blksnap_uuid created_id;		/* SNAPSHOT_CREATE answer */
	struct blksnap_snapshotinfo snapinfo;	/* SNAPSHOTINFO answer */
	/*
	 * SNAPSHOT_COLLECT: the module has collect_have snapshots, ids
	 * { i + 1, 0, ... }; after a count-only request, collect_grow more
	 * appear, as if created meanwhile.
	 */
	unsigned int collect_have;
	unsigned int collect_grow;
	struct blksnap_snapshot_event event;	/* WAIT_EVENT answer */
};

/* The stub's state; tests reset it in their setup. */
extern struct ioctl_stub stub;

void ioctl_stub_reset(void);

#endif /* BLKSNAP_TEST_IOCTL_STUB_H */

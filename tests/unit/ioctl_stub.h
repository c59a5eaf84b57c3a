/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test double for libblksnap's blksnap__ioctl(): records what the library
 * would have sent to the module, with copies of the payloads the pointers
 * lead to, and answers with a chosen result.
 */
#ifndef BLKSNAP_TEST_IOCTL_STUB_H
#define BLKSNAP_TEST_IOCTL_STUB_H

#include <stdint.h>
#include <linux/blksnap.h>

#define STUB_MAX_CALLS	16

struct stub_call {
	unsigned long req;
	union {
		struct blksnap_filter_attach attach;
		struct blksnap_filter_detach detach;
		struct blksnap_filter_ctl ctl;
	};
	/* The CTL payload as it was at the call, for the commands that have one. */
	union {
		struct blksnap_cbtmap cbtmap;
		struct blksnap_cbtdirty cbtdirty;
	};
};

struct ioctl_stub {
	unsigned int ncalls;
	struct stub_call calls[STUB_MAX_CALLS];
	int result;				/* returned by every call */
	struct blksnap_version version;		/* IOCTL_BLKSNAP_VERSION answer */
	struct blksnap_cbtinfo cbtinfo;		/* CBTINFO answer */
	uint8_t map_fill;			/* CBTMAP fills windows with it */
};

/* The stub's state; tests reset it in their setup. */
extern struct ioctl_stub stub;

void ioctl_stub_reset(void);

#endif /* BLKSNAP_TEST_IOCTL_STUB_H */

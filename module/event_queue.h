/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A snapshot's events for userspace (low free space, corrupted): a short
 * FIFO that IOCTL_BLKSNAP_SNAPSHOT_WAIT_EVENT reads.  Events may be sent
 * from the I/O path (no sleeping); at most EVENT_QUEUE_MAX are kept, the
 * oldest dropped first, so a snapshot nobody watches stays bounded.
 */
#ifndef __BLKSNAP_EVENT_QUEUE_H
#define __BLKSNAP_EVENT_QUEUE_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/types.h>

#define EVENT_QUEUE_MAX		64

struct event {
	struct list_head link;
	ktime_t time;
	unsigned int code;
	size_t data_size;
	u8 data[];
};

struct event_queue {
	/* Protects list and count. */
	spinlock_t lock;
	struct list_head list;
	unsigned int count;
	bool closed;
	wait_queue_head_t wait;
};

void event_queue_init(struct event_queue *eq);
void event_queue_done(struct event_queue *eq);
/* Wakes every waiter with -ENOENT from now on (the snapshot is going). */
void event_queue_close(struct event_queue *eq);
void event_queue_send(struct event_queue *eq, unsigned int code,
		      const void *data, size_t size);
/* Waits up to @timeout_ms; returns the event (kfree it) or an ERR_PTR. */
struct event *event_queue_wait(struct event_queue *eq,
			       unsigned long timeout_ms);

#endif /* __BLKSNAP_EVENT_QUEUE_H */

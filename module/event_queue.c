// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME "-event_queue: " fmt
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include "event_queue.h"

void event_queue_init(struct event_queue *eq)
{
	spin_lock_init(&eq->lock);
	INIT_LIST_HEAD(&eq->list);
	init_waitqueue_head(&eq->wait);
}

void event_queue_done(struct event_queue *eq)
{
	struct event *ev, *next;

	list_for_each_entry_safe(ev, next, &eq->list, link)
		kfree(ev);
}

void event_queue_close(struct event_queue *eq)
{
	unsigned long flags;

	spin_lock_irqsave(&eq->lock, flags);
	eq->closed = true;
	spin_unlock_irqrestore(&eq->lock, flags);
	wake_up_all(&eq->wait);
}

void event_queue_send(struct event_queue *eq, unsigned int code,
		      const void *data, size_t size)
{
	struct event *ev, *old = NULL;
	unsigned long flags;

	/*
	 * May run in the I/O path; losing an event beats blocking a write,
	 * and the state it reports (corrupted) is also in SNAPSHOTINFO.
	 */
	ev = kzalloc(struct_size(ev, data, size), GFP_NOWAIT);
	if (!ev)
		return;
	ev->time = ktime_get();
	ev->code = code;
	ev->data_size = size;
	memcpy(ev->data, data, size);

	spin_lock_irqsave(&eq->lock, flags);
	if (eq->count == EVENT_QUEUE_MAX) {
		old = list_first_entry(&eq->list, struct event, link);
		list_del(&old->link);
		eq->count--;
	}
	list_add_tail(&ev->link, &eq->list);
	eq->count++;
	spin_unlock_irqrestore(&eq->lock, flags);
	kfree(old);
	wake_up(&eq->wait);
}

static struct event *take_first(struct event_queue *eq)
{
	struct event *ev = NULL;
	unsigned long flags;

	spin_lock_irqsave(&eq->lock, flags);
	if (eq->closed) {
		ev = ERR_PTR(-ENOENT);
	} else if (!list_empty(&eq->list)) {
		ev = list_first_entry(&eq->list, struct event, link);
		list_del(&ev->link);
		eq->count--;
	}
	spin_unlock_irqrestore(&eq->lock, flags);
	return ev;
}

struct event *event_queue_wait(struct event_queue *eq,
			       unsigned long timeout_ms)
{
	struct event *ev = NULL;
	long ret;

	ret = wait_event_interruptible_timeout(eq->wait,
					       (ev = take_first(eq)) != NULL,
					       msecs_to_jiffies(timeout_ms));
	if (ret < 0)
		return ERR_PTR(ret);
	if (!ev)
		return ERR_PTR(-ENOENT);
	return ev;
}

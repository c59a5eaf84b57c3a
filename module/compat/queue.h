/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Freezing a disk's queue: no new bio enters it, and the freeze returns
 * once every request already issued has completed.  Since 6.15 the plain
 * freeze also enters a NOIO memory scope and returns its flags; the
 * callers here manage their own scope.
 */
#ifndef __BLKSNAP_COMPAT_QUEUE_H
#define __BLKSNAP_COMPAT_QUEUE_H

#include <linux/blk-mq.h>
#include "compat/compat.h"

static inline void compat_queue_freeze(struct request_queue *q)
{
#if defined(HAVE_BLK_MQ_FREEZE_QUEUE_NOMEMSAVE)
	blk_mq_freeze_queue_nomemsave(q);
#else
	blk_mq_freeze_queue(q);
#endif
}

static inline void compat_queue_unfreeze(struct request_queue *q)
{
#if defined(HAVE_BLK_MQ_FREEZE_QUEUE_NOMEMSAVE)
	blk_mq_unfreeze_queue_nomemrestore(q);
#else
	blk_mq_unfreeze_queue(q);
#endif
}

/*
 * A freeze in two halves, so that a take can start the freezes of all its
 * devices' queues and then wait for them together: their grace periods
 * and drains overlap.  compat_queue_unfreeze() ends either kind.
 */
static inline void compat_queue_freeze_start(struct request_queue *q)
{
	blk_freeze_queue_start(q);
}

/* Whether the freeze completed within @timeout jiffies. */
static inline bool compat_queue_freeze_wait_timeout(struct request_queue *q,
						    unsigned long timeout)
{
	return blk_mq_freeze_queue_wait_timeout(q, timeout) > 0;
}

#endif /* __BLKSNAP_COMPAT_QUEUE_H */

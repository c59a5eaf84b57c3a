/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Waiting until every request already issued to a disk's queue has
 * completed: freeze the queue and thaw it again at once.
 */
#ifndef __BLKSNAP_COMPAT_QUEUE_H
#define __BLKSNAP_COMPAT_QUEUE_H

#include <linux/blk-mq.h>
#include "compat/compat.h"

static inline void compat_queue_drain(struct request_queue *q)
{
#if defined(HAVE_BLK_MQ_FREEZE_QUEUE_NOMEMSAVE)
	blk_mq_freeze_queue_nomemsave(q);
	blk_mq_unfreeze_queue_nomemrestore(q);
#else
	blk_mq_freeze_queue(q);
	blk_mq_unfreeze_queue(q);
#endif
}

#endif /* __BLKSNAP_COMPAT_QUEUE_H */

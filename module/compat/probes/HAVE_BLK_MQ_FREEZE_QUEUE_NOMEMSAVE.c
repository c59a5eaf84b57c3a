// SPDX-License-Identifier: GPL-2.0
/* blk_mq_freeze_queue() returns memalloc flags and the plain freeze is
 * blk_mq_freeze_queue_nomemsave() (6.15+).
 */
#include <linux/blk-mq.h>

static __maybe_unused void probe(struct request_queue *q)
{
	blk_mq_freeze_queue_nomemsave(q);
	blk_mq_unfreeze_queue_nomemrestore(q);
}

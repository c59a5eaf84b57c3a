/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Atomic writes (REQ_ATOMIC, 6.11+): the device writes all of such a bio
 * or none of it, so the block layer never splits one; bio_split() refuses
 * it (-EINVAL since 6.14).  Before 6.11 no bio is atomic.
 */
#ifndef __BLKSNAP_COMPAT_ATOMIC_H
#define __BLKSNAP_COMPAT_ATOMIC_H

#include <linux/bio.h>
#include "compat/compat.h"

static inline bool compat_bio_is_atomic(const struct bio *bio)
{
#if defined(HAVE_REQ_ATOMIC)
	return bio->bi_opf & REQ_ATOMIC;
#else
	return false;
#endif
}

/* Ends an atomic @bio that would have to be split, as bio_split() does. */
static inline void compat_bio_refuse_atomic(struct bio *bio)
{
#if defined(HAVE_REQ_ATOMIC)
	bio->bi_status = BLK_STS_INVAL;
#else
	bio->bi_status = BLK_STS_NOTSUPP;
#endif
	bio_endio(bio);
}

#endif /* __BLKSNAP_COMPAT_ATOMIC_H */

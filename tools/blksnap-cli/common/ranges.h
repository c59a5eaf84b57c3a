/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Changed byte ranges of a device, from its CBT map.  Pure logic, no I/O.
 *
 * A map holds one byte per tracking block: the change number in which the
 * block was last written, 0 if never since attach.  Runs of blocks newer
 * than a threshold become one byte range each, the last block clipped to
 * the device's capacity.
 */
#ifndef BLKSNAP_CLI_RANGES_H
#define BLKSNAP_CLI_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct byte_range {
	uint64_t offset;
	uint64_t length;
};

struct cbt_range_iter {
	const uint8_t *map;
	size_t count;		/* entries in @map */
	size_t pos;		/* next entry to look at */
	uint32_t block_size;	/* bytes per entry */
	uint64_t capacity;	/* device size in bytes */
	uint8_t above;		/* a block is changed if its entry exceeds this */
};

/* Start walking @map; @above is 0 for "changed at all since attach". */
void cbt_range_iter_init(struct cbt_range_iter *it, const uint8_t *map,
			 size_t count, uint32_t block_size, uint64_t capacity,
			 uint8_t above);

/* Store the next changed range in @r; false when there is none left. */
bool cbt_range_next(struct cbt_range_iter *it, struct byte_range *r);

/*
 * Ranges in batches of at most @max bytes in all, a range longer than
 * that cut into pieces: a backup saves the old contents of a whole batch
 * for one fsync of its undo file (restore_point.h) before it copies it.
 */
struct range_batcher {
	const struct byte_range *v;
	size_t n;
	size_t i;		/* the range the next piece comes from */
	uint64_t done;		/* bytes of v[i] already batched */
	uint64_t max;
};

void range_batcher_init(struct range_batcher *b, const struct byte_range *v,
			size_t n, uint64_t max);

/*
 * The next batch: at most @cap pieces in @out, together at most the
 * batcher's max bytes (and at least one byte); returns how many, 0 when
 * all are batched.  Empty ranges are skipped.
 */
size_t range_batch_next(struct range_batcher *b, struct byte_range *out,
			size_t cap);

#endif /* BLKSNAP_CLI_RANGES_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The free space of a mounted filesystem, as FS_IOC_GETFSMAP reports it
 * (linux/fsmap.h: records owned by FMR_OWN_FREE), in sectors of its
 * device: what the difference storage on that filesystem may grow into
 * after the take (blksnap_snapshot_free_space(3)).
 */
#ifndef BLKSNAP_CLI_FREE_SPACE_H
#define BLKSNAP_CLI_FREE_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/fsmap.h>
#include <linux/blksnap.h>

/*
 * Ranges handed on per call of the sink: the module's most per command
 * (BLKSNAP_SNAPSHOT_FREE_RANGES_MAX of libblksnap).
 */
#define FREE_SPACE_BATCH	4096

/*
 * Whether record @r of an answer whose header says @oflags is free space
 * on device @dev, by dev_t (records of other devices, such as an xfs log or
 * realtime device, are not); its whole sectors in *@out (none is false).
 */
bool free_space_record(const struct fsmap *r, uint32_t oflags, dev_t dev,
		       struct blksnap_sectors *out);

/*
 * Reads the free space of the filesystem mounted at (or holding) @dir,
 * whose device is @dev, and hands it to @sink(@arg, ranges, n) in batches
 * of at most FREE_SPACE_BATCH, in ascending order, once all of it is
 * read; *@bytes gets the total.  0, -errno of open(2) or the ioctl
 * (-ENOTTY, -EOPNOTSUPP: the filesystem has no GETFSMAP), -EOPNOTSUPP
 * for a map that names files' own blocks (xfs with rmapbt, which shows
 * blocks an extent swap moves as free for an instant), -ENOMEM, or the
 * sink's error; the sink is not called unless the whole map was read.
 */
int free_space_read(const char *dir, dev_t dev,
		    int (*sink)(void *arg, const struct blksnap_sectors *ranges,
				size_t n),
		    void *arg, uint64_t *bytes);

#endif /* BLKSNAP_CLI_FREE_SPACE_H */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libblksnap - C API over the blksnap kernel module's ioctls.
 *
 * One function per kernel operation.  Every function returns 0 or a negative
 * errno, never prints and never exits; out-parameters come last.  A handle may
 * be used by one thread at a time; separate handles are independent.  The
 * structures are the module's own, from <linux/blksnap.h>.
 */
#ifndef BLKSNAP_BLKSNAP_H
#define BLKSNAP_BLKSNAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/blksnap.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An open connection to the module's control node. */
struct blksnap_ctx;

/*
 * Version of this library, e.g. "0.1.0".  Static storage; never NULL.
 */
extern const char *blksnap_library_version(void);

/*
 * Open /dev/blksnap-control.  On success *ctx is a new handle to free with
 * blksnap_close().  -ENOENT usually means the module is not loaded, -EACCES
 * that the caller is not root.  On failure *ctx is set to NULL.
 */
extern int blksnap_open(struct blksnap_ctx **ctx);

/*
 * As blksnap_open(), but open @path instead of the standard node.  Meant for
 * tests and for systems that place the node elsewhere.
 */
extern int blksnap_open_path(const char *path, struct blksnap_ctx **ctx);

/*
 * Close the node and free @ctx.  NULL is accepted and ignored.
 */
extern void blksnap_close(struct blksnap_ctx *ctx);

/*
 * Get the loaded module's version into @ver.  -EPERM without CAP_SYS_ADMIN;
 * -ENOTTY if the node is not a blksnap control node.
 */
extern int blksnap_version(struct blksnap_ctx *ctx, struct blksnap_version *ver);

/*
 * Find the device number of the block device at @path (symlinks followed)
 * into @out.  -ENOTBLK if @path is not a block device, else stat()'s -errno.
 * Needs no handle and no privileges.
 */
extern int blksnap_dev_from_path(const char *path, dev_t *out);

/*
 * Attach the blksnap filter to block device @dev (a disk or a partition)
 * and start change tracking.  -EALREADY if it already has a filter,
 * -ENODEV if there is no such device.
 */
extern int blksnap_attach(struct blksnap_ctx *ctx, dev_t dev);

/*
 * Detach the blksnap filter from @dev, dropping its change tracking.
 * -ENOENT if @dev has no blksnap filter.
 */
extern int blksnap_detach(struct blksnap_ctx *ctx, dev_t dev);

/*
 * Get the change-tracking state of @dev into @out: capacity, tracking block
 * size and count, generation and change number.  -ENOENT if not attached.
 */
extern int blksnap_cbt_info(struct blksnap_ctx *ctx, dev_t dev,
			    struct blksnap_cbtinfo *out);

/*
 * Read the first @len entries of @dev's change map (one byte per tracking
 * block) into @buf.  Size @buf from blksnap_cbt_info()'s block_count.  Reads
 * in windows of at most 1 MiB; -EINVAL if @len exceeds the map's 32-bit
 * index range.  On failure @buf holds an unspecified prefix of the map.
 */
extern int blksnap_cbt_read_map(struct blksnap_ctx *ctx, dev_t dev,
				uint8_t *buf, size_t len);

/*
 * Mark @count ranges of sectors of @dev as changed, e.g. blocks a backup
 * could not read.  @count 0 does nothing and succeeds.
 */
extern int blksnap_cbt_mark_dirty(struct blksnap_ctx *ctx, dev_t dev,
				  const struct blksnap_sectors *ranges,
				  size_t count);

/*
 * Freeze @dev's write map into its read map and advance the change number,
 * as a snapshot take does, without taking a snapshot.
 */
extern int blksnap_cbt_switch(struct blksnap_ctx *ctx, dev_t dev);

#ifdef __cplusplus
}
#endif

#endif /* BLKSNAP_BLKSNAP_H */

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

/*
 * Snapshots.  The life of one: blksnap_snapshot_create() an empty snapshot
 * with its difference storage, blksnap_snapshot_add() each device,
 * blksnap_snapshot_take(), read the images (/dev/<image>), then
 * blksnap_snapshot_destroy().  Destroying leaves the devices' filters, and
 * so their change tracking, attached.
 */

/*
 * Create an empty snapshot whose copy-on-write data goes to @storage_path,
 * a path the module opens: with BLKSNAP_STORAGE_FILE an existing regular
 * file that the module grows up to @limit_bytes, with BLKSNAP_STORAGE_DIR a
 * directory for an anonymous file released at destroy, with
 * BLKSNAP_STORAGE_BDEV a block device used from its first sector.  The new
 * id goes to @id.  -EINVAL if @limit_bytes is not a positive multiple of 512.
 */
extern int blksnap_snapshot_create(struct blksnap_ctx *ctx,
				   const char *storage_path,
				   enum blksnap_storage_kind kind,
				   uint64_t limit_bytes,
				   struct blksnap_uuid *id);

/*
 * Add block device @dev to snapshot @id (before it is taken).  Attaches the
 * filter first if @dev has none; if the add then fails, detaches it again,
 * so a failure leaves @dev as it was.  -EBUSY if @dev is in a snapshot.
 */
extern int blksnap_snapshot_add(struct blksnap_ctx *ctx,
				const struct blksnap_uuid *id, dev_t dev);

/*
 * Tell the snapshot @dev is in that @count ranges of sectors of @dev are
 * free space of its filesystem now (FS_IOC_GETFSMAP's FMR_OWN_FREE
 * records, in sectors of @dev), at most BLKSNAP_SNAPSHOT_FREE_RANGES_MAX
 * per call; repeat for more.  For any device of the snapshot, between
 * blksnap_snapshot_add() and blksnap_snapshot_take().  Chunks wholly
 * inside them and not written in between were free at the take: the
 * image reads them as zeros and writes there need no copy; where the
 * snapshot's difference storage is on @dev, the storage grows into them
 * after the take (without this call only into chunks it has copied).
 * -ENOENT if @dev is in no snapshot, -EALREADY after the take, -ENOMEM if
 * the module had no memory for @dev's map at the add (its image stays
 * exact), -ERANGE for a range beyond @dev, -EINVAL for more ranges than allowed.  (An
 * older module answers -EOPNOTSUPP where the storage is not on @dev.)
 */
#define BLKSNAP_SNAPSHOT_FREE_RANGES_MAX 4096
extern int blksnap_snapshot_free_space(struct blksnap_ctx *ctx, dev_t dev,
				       const struct blksnap_sectors *ranges,
				       size_t count);

/*
 * Take snapshot @id of all its devices at once: filesystems are frozen,
 * change maps switched (as blksnap_cbt_switch()), images appear.
 * -ENOENT if there is no such snapshot.
 */
extern int blksnap_snapshot_take(struct blksnap_ctx *ctx,
				 const struct blksnap_uuid *id);

/*
 * Destroy snapshot @id and its images.  -EBUSY while an image is open,
 * -ENOENT if there is no such snapshot.
 */
extern int blksnap_snapshot_destroy(struct blksnap_ctx *ctx,
				    const struct blksnap_uuid *id);

/*
 * List the ids of all snapshots into a new array *@ids of *@count entries,
 * to free with free(); *@ids is NULL when *@count is 0.  Retries if
 * snapshots appear meanwhile; -EAGAIN if they keep appearing.
 */
extern int blksnap_snapshot_collect(struct blksnap_ctx *ctx,
				    struct blksnap_uuid **ids, size_t *count);

/*
 * Get the snapshot state of device @dev into @out: the image's name
 * (NUL-terminated) and number, and error_code, nonzero once the snapshot
 * is corrupted.  -ENOENT if @dev is in no snapshot.
 */
extern int blksnap_snapshot_info(struct blksnap_ctx *ctx, dev_t dev,
				 struct blksnap_snapshotinfo *out);

/*
 * Wait up to @timeout_ms for the next event of snapshot @id and store it in
 * @ev (code, time_label, data as in <linux/blksnap.h>).  -ENOENT both on
 * timeout and when the snapshot is destroyed; blksnap_snapshot_collect()
 * tells the two apart.
 */
extern int blksnap_snapshot_wait_event(struct blksnap_ctx *ctx,
				       const struct blksnap_uuid *id,
				       uint32_t timeout_ms,
				       struct blksnap_snapshot_event *ev);

/* What blksnap_snapshot_status() tells of a snapshot. */
struct blksnap_snapshot_status {
	int64_t taken;		/* seconds since the epoch; 0: not taken yet */
	uint64_t storage_used;	/* bytes of difference storage reserved */
	uint64_t storage_limit;	/* bytes it may grow to */
};

/*
 * Get the take time and the difference storage use of snapshot @id into
 * @st.  Reads sysfs (/sys, or $BLKSNAP_SYSFS if set): -ENOENT if there is
 * no such snapshot, or the module is older and does not show these;
 * -EOPNOTSUPP if the module shows no snapshots in sysfs; -EBADMSG if it
 * shows something unreadable.
 */
extern int blksnap_snapshot_status(struct blksnap_ctx *ctx,
				   const struct blksnap_uuid *id,
				   struct blksnap_snapshot_status *st);

/* A device of a snapshot, as blksnap_snapshot_devices() lists them. */
struct blksnap_snapshot_device {
	dev_t dev;				/* the original device */
	char image[BLKSNAP_IMAGE_NAME_LEN];	/* its image, /dev/<image> */
};

/*
 * List the devices of snapshot @id into a new array *@devs of *@count
 * entries, to free with free(); *@devs is NULL when *@count is 0.  Reads
 * sysfs (/sys, or $BLKSNAP_SYSFS if set): -ENOENT if there is no such
 * snapshot, -EOPNOTSUPP if the module shows no snapshots in sysfs, -EBADMSG
 * if it shows something unreadable.
 */
extern int blksnap_snapshot_devices(struct blksnap_ctx *ctx,
				    const struct blksnap_uuid *id,
				    struct blksnap_snapshot_device **devs,
				    size_t *count);

/*
 * How many bytes of @dev, a device of taken snapshot @id, were free space
 * of its filesystem at the take (blksnap_snapshot_free_space()): the image
 * reads them as zeros and no write copies them.  0 before the take and
 * where no free space was handed over.  Reads sysfs (/sys, or
 * $BLKSNAP_SYSFS if set): -ENOENT if there is no such snapshot or @dev is
 * not in it (or the module does not tell), -EBADMSG if it reads what it
 * cannot parse.
 */
extern int blksnap_snapshot_free_at_take(struct blksnap_ctx *ctx,
					 const struct blksnap_uuid *id,
					 dev_t dev, uint64_t *bytes);

#ifdef __cplusplus
}
#endif

#endif /* BLKSNAP_BLKSNAP_H */

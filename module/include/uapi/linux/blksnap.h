/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * blksnap: change-block tracking and copy-on-write snapshots of live block
 * devices.  The one ABI header shared by blksnap.ko and libblksnap.
 *
 * The shape follows the blkfilter/blksnap proposal reviewed upstream (v7,
 * 2024): one filter per block device, CTL commands for CBT and snapshots,
 * and a control node carrying the snapshot lifecycle.  Differences from that
 * proposal, all caused by living outside the kernel tree:
 *
 * 1. An out-of-tree module cannot add ioctls to block devices.  The
 *    BLKFILTER_ATTACH / DETACH / CTL requests therefore go to the control
 *    node (/dev/blksnap-control) as IOCTL_BLKSNAP_FILTER_ATTACH / _DETACH /
 *    _CTL, and each names its target by device number (struct blksnap_bdev)
 *    instead of being issued on the target's own file descriptor.  The
 *    filter name, the CTL command codes and their payloads are upstream's.
 *    A module built on a kernel's native blkfilter refuses the control
 *    node's ATTACH and DETACH with EOPNOTSUPP: there the kernel's own
 *    requests on the device attach and detach; CTL works both ways.
 * 2. Every structure has explicit padding so that its layout is the same for
 *    32-bit and 64-bit callers; upstream relied on natural alignment in a
 *    few places (struct blksnap_cbtinfo, struct blksnap_cbtdirty).
 * 3. struct blksnap_snapshotinfo carries the image device's dev_t in
 *    addition to its name, so that callers need not parse sysfs.
 * 4. IOCTL_BLKSNAP_SNAPSHOT_CREATE takes a storage kind and a path
 *    (file, directory for an anonymous O_TMPFILE, or block device) where
 *    upstream took only a file name.
 *
 * All requests need CAP_SYS_ADMIN.  Numbers of sectors are 512-byte units.
 */
#ifndef _UAPI_LINUX_BLKSNAP_H
#define _UAPI_LINUX_BLKSNAP_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define BLKSNAP_CTL		"blksnap-control"
#define BLKSNAP_IMAGE_NAME	"blksnap-image"
#define BLKSNAP_FILTER_NAME	"blksnap"
#define BLKSNAP			'V'

#define BLKFILTER_NAME_LENGTH	32
#define BLKSNAP_IMAGE_NAME_LEN	32

/**
 * struct blksnap_uuid - A 128-bit identifier (snapshot id, CBT generation).
 * @b: The bytes, in RFC 4122 order.
 */
struct blksnap_uuid {
	__u8 b[16];
};

/**
 * struct blksnap_bdev - Names a block device by number (difference 1).
 * @major: Major number of the device, as in stat(2) st_rdev.
 * @minor: Minor number of the device.
 */
struct blksnap_bdev {
	__u32 major;
	__u32 minor;
};

/*
 * Filter interface: the CTL commands of the "blksnap" filter.
 */

/**
 * enum blkfilter_ctl_blksnap - Commands for IOCTL_BLKSNAP_FILTER_CTL.
 *
 * @BLKFILTER_CTL_BLKSNAP_CBTINFO:
 *	Get CBT information into &struct blksnap_cbtinfo.
 * @BLKFILTER_CTL_BLKSNAP_CBTMAP:
 *	Read a window of the CBT read map, described by &struct blksnap_cbtmap.
 * @BLKFILTER_CTL_BLKSNAP_CBTDIRTY:
 *	Mark ranges of sectors changed, described by &struct blksnap_cbtdirty.
 * @BLKFILTER_CTL_BLKSNAP_SNAPSHOTADD:
 *	Add the device to a snapshot, &struct blksnap_snapshotadd.
 * @BLKFILTER_CTL_BLKSNAP_SNAPSHOTINFO:
 *	Get the image of the device, &struct blksnap_snapshotinfo.
 * @BLKFILTER_CTL_BLKSNAP_CBTSWITCH:
 *	Not upstream: freeze the write map into the read map and advance the
 *	change number, as a snapshot take() does.  No payload.
 * @BLKFILTER_CTL_BLKSNAP_SNAPSHOTFREE:
 *	Not upstream: ranges of the device that are free space of its
 *	filesystem now, &struct blksnap_snapshotfree; for a device of the
 *	snapshot, between SNAPSHOTADD and the take, as often as needed.
 *	Chunks wholly inside, and not written from the add to the take,
 *	read as zeros in the image and are never copied.
 */
enum blkfilter_ctl_blksnap {
	BLKFILTER_CTL_BLKSNAP_CBTINFO,
	BLKFILTER_CTL_BLKSNAP_CBTMAP,
	BLKFILTER_CTL_BLKSNAP_CBTDIRTY,
	BLKFILTER_CTL_BLKSNAP_SNAPSHOTADD,
	BLKFILTER_CTL_BLKSNAP_SNAPSHOTINFO,
	BLKFILTER_CTL_BLKSNAP_CBTSWITCH,
	BLKFILTER_CTL_BLKSNAP_SNAPSHOTFREE,
};

/**
 * struct blksnap_cbtinfo - Result of BLKFILTER_CTL_BLKSNAP_CBTINFO.
 * @device_capacity: Device capacity in bytes.
 * @block_size: Tracking block size in bytes.
 * @block_count: Number of tracking blocks (entries of the map).
 * @generation_id: Changes whenever the map cannot be trusted to continue
 *	the previous history (attach, resize, allocation failure).
 * @changes_number: Change number of the read map; a map entry equal to
 *	N means the block was written after take() number N - 1.
 * @padding: Zero.
 */
struct blksnap_cbtinfo {
	__u64 device_capacity;
	__u32 block_size;
	__u32 block_count;
	struct blksnap_uuid generation_id;
	__u8 changes_number;
	__u8 padding[7];
};

/**
 * struct blksnap_cbtmap - Parameter of BLKFILTER_CTL_BLKSNAP_CBTMAP.
 * @offset: First map entry to read.
 * @length: Number of entries to read (bytes at @buffer).
 * @buffer: User pointer receiving one byte per tracking block.
 */
struct blksnap_cbtmap {
	__u32 offset;
	__u32 length;
	__u64 buffer;
};

/**
 * struct blksnap_sectors - A range of sectors.
 * @offset: First sector.
 * @count: Number of sectors.
 */
struct blksnap_sectors {
	__u64 offset;
	__u64 count;
};

/**
 * struct blksnap_cbtdirty - Parameter of BLKFILTER_CTL_BLKSNAP_CBTDIRTY.
 * @count: Number of &struct blksnap_sectors at @dirty_sectors.
 * @padding: Zero.
 * @dirty_sectors: User pointer to the ranges.
 */
struct blksnap_cbtdirty {
	__u32 count;
	__u32 padding;
	__u64 dirty_sectors;
};

/**
 * struct blksnap_snapshotadd - Parameter of BLKFILTER_CTL_BLKSNAP_SNAPSHOTADD.
 * @id: Snapshot the device joins.
 */
struct blksnap_snapshotadd {
	struct blksnap_uuid id;
};

/**
 * struct blksnap_snapshotfree - Parameter of BLKFILTER_CTL_BLKSNAP_SNAPSHOTFREE.
 * @count: Number of &struct blksnap_sectors at @free_sectors, at most 4096
 *	(-E2BIG).
 * @padding: Zero.
 * @free_sectors: User pointer to the ranges, in sectors of the device, as
 *	FS_IOC_GETFSMAP reports the filesystem's free space (FMR_OWN_FREE).
 *
 * When the difference storage lives on the snapshotted filesystem itself,
 * it grows after the take into space the filesystem gives it then.  Such
 * space may hold what a file had at the take and deleted since, which the
 * image must still show.  The chunks wholly in these ranges and not
 * written between SNAPSHOTADD and the take (the take's freeze writes back
 * every allocation) were free at the take: the image reads them as zeros,
 * writes to them pass without a copy, and the storage may grow into them.
 * Change tracking counts as changed up to the take every chunk whose image
 * turns from data to zeros or back since the device's last take (all the
 * free chunks if that take had no such ranges), so that an incremental
 * backup stays identical to the image.
 * Without this command the image shows free space as it was, and a
 * growth uses only chunks the snapshot had copied already.  Errors:
 * -EALREADY after the take, -EBUSY while an add is under way, -ENOENT if
 * the device is in no snapshot, -ENOMEM if the add found no memory for
 * the device's map (its image stays exact), -ERANGE for a range beyond
 * the device, -E2BIG for more than 4096 ranges.
 */
struct blksnap_snapshotfree {
	__u32 count;
	__u32 padding;
	__u64 free_sectors;
};

/**
 * struct blksnap_snapshotinfo - Result of BLKFILTER_CTL_BLKSNAP_SNAPSHOTINFO.
 * @error_code: Zero, or the negative errno that corrupted the snapshot.
 * @image_major: Major number of the image device (difference 3).
 * @image_minor: Minor number of the image device.
 * @image: Name of the image device, NUL-terminated: "blksnap-" and the
 *	origin's name, e.g. "blksnap-vda1".
 * @padding: Zero.
 */
struct blksnap_snapshotinfo {
	__s32 error_code;
	__u32 image_major;
	__u32 image_minor;
	__u8 image[BLKSNAP_IMAGE_NAME_LEN];
	__u32 padding;
};

/*
 * Control node interface: /dev/blksnap-control.
 */

/**
 * enum blksnap_ioctl - Request numbers of the control node.
 *
 * The first six are upstream's; the filter requests (difference 1) follow.
 */
enum blksnap_ioctl {
	blksnap_ioctl_version,
	blksnap_ioctl_snapshot_create,
	blksnap_ioctl_snapshot_destroy,
	blksnap_ioctl_snapshot_take,
	blksnap_ioctl_snapshot_collect,
	blksnap_ioctl_snapshot_wait_event,
	blksnap_ioctl_filter_attach = 64,
	blksnap_ioctl_filter_detach,
	blksnap_ioctl_filter_ctl,
};

/**
 * struct blksnap_version - Module version.
 * @major: Incompatible interface changes.
 * @minor: Compatible additions.
 * @revision: Fixes.
 * @build: Build number, zero for release builds.
 */
struct blksnap_version {
	__u16 major;
	__u16 minor;
	__u16 revision;
	__u16 build;
};

/**
 * define IOCTL_BLKSNAP_VERSION - Get the module version.
 *
 * Always succeeds for a caller with CAP_SYS_ADMIN.
 */
#define IOCTL_BLKSNAP_VERSION							\
	_IOR(BLKSNAP, blksnap_ioctl_version, struct blksnap_version)

/**
 * enum blksnap_storage_kind - Where the difference storage lives.
 * @BLKSNAP_STORAGE_FILE: A regular file, grown with fallocate up to the limit.
 * @BLKSNAP_STORAGE_DIR: A directory; an anonymous O_TMPFILE is made there
 *	and released at destroy.
 * @BLKSNAP_STORAGE_BDEV: A whole block device, used from sector 0.
 */
enum blksnap_storage_kind {
	BLKSNAP_STORAGE_FILE,
	BLKSNAP_STORAGE_DIR,
	BLKSNAP_STORAGE_BDEV,
};

/**
 * struct blksnap_snapshot_create - Parameter of IOCTL_BLKSNAP_SNAPSHOT_CREATE.
 * @diff_storage_limit_sect: Largest size the storage may grow to, in sectors.
 * @diff_storage_path: User pointer to a NUL-terminated path.
 * @storage_kind: One of &enum blksnap_storage_kind (difference 4).
 * @padding: Zero.
 * @id: Out: the new snapshot's id.
 */
struct blksnap_snapshot_create {
	__u64 diff_storage_limit_sect;
	__u64 diff_storage_path;
	__u32 storage_kind;
	__u32 padding;
	struct blksnap_uuid id;
};

/**
 * define IOCTL_BLKSNAP_SNAPSHOT_CREATE - Create an empty snapshot.
 *
 * Devices join with BLKFILTER_CTL_BLKSNAP_SNAPSHOTADD before the take.
 */
#define IOCTL_BLKSNAP_SNAPSHOT_CREATE						\
	_IOWR(BLKSNAP, blksnap_ioctl_snapshot_create,				\
	      struct blksnap_snapshot_create)

/**
 * define IOCTL_BLKSNAP_SNAPSHOT_DESTROY - Release a snapshot and its images.
 *
 * Parameter: &struct blksnap_uuid.  -EBUSY while an image is open.
 */
#define IOCTL_BLKSNAP_SNAPSHOT_DESTROY						\
	_IOW(BLKSNAP, blksnap_ioctl_snapshot_destroy, struct blksnap_uuid)

/**
 * define IOCTL_BLKSNAP_SNAPSHOT_TAKE - Take the snapshot of all its devices.
 *
 * Parameter: &struct blksnap_uuid.  Freezes every filesystem, switches the
 * CBT maps, starts copy-on-write and thaws, atomically across devices.
 */
#define IOCTL_BLKSNAP_SNAPSHOT_TAKE						\
	_IOW(BLKSNAP, blksnap_ioctl_snapshot_take, struct blksnap_uuid)

/**
 * struct blksnap_snapshot_collect - Parameter of IOCTL_BLKSNAP_SNAPSHOT_COLLECT.
 * @count: In: room at @ids; out: number of snapshots.  With @ids zero,
 *	only the count is returned.
 * @padding: Zero.
 * @ids: User pointer to an array of &struct blksnap_uuid.
 */
struct blksnap_snapshot_collect {
	__u32 count;
	__u32 padding;
	__u64 ids;
};

/**
 * define IOCTL_BLKSNAP_SNAPSHOT_COLLECT - List the snapshots' ids.
 *
 * -ENODATA if @count is too small; @count then holds the number needed.
 */
#define IOCTL_BLKSNAP_SNAPSHOT_COLLECT						\
	_IOWR(BLKSNAP, blksnap_ioctl_snapshot_collect,				\
	      struct blksnap_snapshot_collect)

/**
 * enum blksnap_event_codes - Codes of &struct blksnap_snapshot_event.
 * @blksnap_event_code_low_free_space: The storage is running out of room;
 *	data is &struct blksnap_event_low_free_space.
 * @blksnap_event_code_corrupted: The snapshot can no longer be trusted;
 *	data is &struct blksnap_event_corrupted.
 * @blksnap_event_code_no_space: Not upstream: the storage reached its limit
 *	and the snapshot is corrupted; data as for corrupted.
 */
enum blksnap_event_codes {
	blksnap_event_code_low_free_space,
	blksnap_event_code_corrupted,
	blksnap_event_code_no_space,
};

/**
 * struct blksnap_snapshot_event - Parameter of IOCTL_BLKSNAP_SNAPSHOT_WAIT_EVENT.
 * @id: In: the snapshot.
 * @timeout_ms: In: how long to wait.  -ENOENT on timeout.
 * @code: Out: one of &enum blksnap_event_codes.
 * @time_label: Out: ktime of the event, in nanoseconds.
 * @data: Out: the event's payload.
 */
struct blksnap_snapshot_event {
	struct blksnap_uuid id;
	__u32 timeout_ms;
	__u32 code;
	__u64 time_label;
	__u8 data[4096 - 32];
};

/**
 * struct blksnap_event_low_free_space - Payload of a low free space event.
 * @requested_nr_sect: Sectors the storage should grow by.
 */
struct blksnap_event_low_free_space {
	__u64 requested_nr_sect;
};

/**
 * struct blksnap_event_corrupted - Payload of a corrupted event.
 * @dev_id_mj: Major number of the origin device.
 * @dev_id_mn: Minor number of the origin device.
 * @err_code: Negative errno.
 */
struct blksnap_event_corrupted {
	__u32 dev_id_mj;
	__u32 dev_id_mn;
	__s32 err_code;
};

/**
 * define IOCTL_BLKSNAP_SNAPSHOT_WAIT_EVENT - Wait for a snapshot's event.
 */
#define IOCTL_BLKSNAP_SNAPSHOT_WAIT_EVENT					\
	_IOWR(BLKSNAP, blksnap_ioctl_snapshot_wait_event,			\
	      struct blksnap_snapshot_event)

/*
 * Filter requests on the control node (difference 1).
 */

/**
 * struct blksnap_filter_attach - Parameter of IOCTL_BLKSNAP_FILTER_ATTACH.
 * @bdev: The device to filter: a whole disk or a partition.
 * @name: Filter name, "blksnap".
 * @opt: User pointer to filter options, or zero.
 * @optlen: Bytes at @opt.
 * @padding: Zero.
 *
 * -EALREADY if the device already has a filter, -ENODEV if there is no
 * such device, -EINVAL for an unknown filter name.
 */
struct blksnap_filter_attach {
	struct blksnap_bdev bdev;
	__u8 name[BLKFILTER_NAME_LENGTH];
	__u64 opt;
	__u32 optlen;
	__u32 padding;
};

#define IOCTL_BLKSNAP_FILTER_ATTACH						\
	_IOW(BLKSNAP, blksnap_ioctl_filter_attach, struct blksnap_filter_attach)

/**
 * struct blksnap_filter_detach - Parameter of IOCTL_BLKSNAP_FILTER_DETACH.
 * @bdev: The filtered device.
 * @name: Filter name, "blksnap".
 *
 * -ENOENT if the device has no such filter.
 */
struct blksnap_filter_detach {
	struct blksnap_bdev bdev;
	__u8 name[BLKFILTER_NAME_LENGTH];
};

#define IOCTL_BLKSNAP_FILTER_DETACH						\
	_IOW(BLKSNAP, blksnap_ioctl_filter_detach, struct blksnap_filter_detach)

/**
 * struct blksnap_filter_ctl - Parameter of IOCTL_BLKSNAP_FILTER_CTL.
 * @bdev: The filtered device.
 * @name: Filter name, "blksnap".
 * @cmd: One of &enum blkfilter_ctl_blksnap.
 * @optlen: In: bytes at @opt; out: bytes the command used or needs.
 * @opt: User pointer to the command's payload.
 */
struct blksnap_filter_ctl {
	struct blksnap_bdev bdev;
	__u8 name[BLKFILTER_NAME_LENGTH];
	__u32 cmd;
	__u32 optlen;
	__u64 opt;
};

#define IOCTL_BLKSNAP_FILTER_CTL						\
	_IOWR(BLKSNAP, blksnap_ioctl_filter_ctl, struct blksnap_filter_ctl)

#endif /* _UAPI_LINUX_BLKSNAP_H */

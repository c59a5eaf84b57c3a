# The everyday setup: ext4 on a partition, mounted and written through the
# page cache with its journal and lazy inode-table init at work, and the
# difference storage on another disk's ext4 (a file, round 1) or xfs (a
# directory, round 2).  Issue 9, failure 1: the copy used to run the
# storage's filesystem inside ext4's own bio submission, under its jbd2
# handle (kernel BUG in jbd2__journal_start with ext4 storage, a handle
# silently overwritten with xfs).  The image must stay as at take and
# mount with the files of take time.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe ext4
modprobe xfs
partition_disk1 160MiB
origin=${DISK1}1
printf 'label: gpt\nsize=400MiB\nsize=400MiB\n' | sfdisk -q $DISK0
for i in $(seq 50); do [ -b ${DISK0}2 ] && break; sleep 0.1; done
mkfs.ext4 -q ${DISK0}1
mkfs.xfs -q -f ${DISK0}2
mkdir -p /mnt/st-ext4 /mnt/st-xfs /mnt/origin /mnt/image
mount ${DISK0}1 /mnt/st-ext4
mount ${DISK0}2 /mnt/st-xfs

for storage in /mnt/st-ext4/diff /mnt/st-xfs; do
	# Default mke2fs: the inode tables are zeroed after mount, by bios
	# that ext4lazyinit submits under a journal handle.
	mkfs.ext4 -q -F $origin
	mount $origin /mnt/origin
	dd if=/dev/urandom of=/mnt/origin/before bs=1M count=8 status=none
	sync
	before=$(sha256sum < /mnt/origin/before)
	# --exact: the new file under the jbd2 handle must be copied (free
	# space at the take would need no copy, blksnap(8)).
	snapshot_create /tmp/snap.json --exact --storage $storage --limit 512M $origin
	img=$IMAGES
	# Past the page cache: a second buffered read would come from the
	# cache and hide a change of the image.
	at_take=$(dd if=$img bs=1M iflag=direct status=none | sha256sum)

	dd if=/dev/zero of=/mnt/origin/big bs=1M count=96 status=none
	sync
	dd if=/dev/urandom of=/mnt/origin/before bs=64k count=32 conv=notrunc status=none
	rm /mnt/origin/big
	sync
	ok "96 MiB written, a file overwritten in place, then removed ($storage)"
	expect_eq "$(dd if=$img bs=1M iflag=direct status=none | sha256sum)" "$at_take" \
		"image of $origin unchanged (storage $storage)"
	mount -o ro,noload $img /mnt/image
	expect_eq "$(sha256sum < /mnt/image/before)" "$before" "file in the image as at take"
	[ ! -e /mnt/image/big ] || fail "the image shows a file made after take"
	umount /mnt/image
	blksnap snapshot destroy $SNAP_ID
	umount /mnt/origin
	blksnap detach $origin
done
umount /mnt/st-ext4
umount /mnt/st-xfs

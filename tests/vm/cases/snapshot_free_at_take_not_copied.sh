# Issue 21, free space needs no copy: an ext4 and an xfs origin about 30%
# full on an aged disk (its free space holds old data, 0xff), backed up by
# `blksnap backup` with the storage a directory on another ext4.  By
# default the CLI hands each filesystem's GETFSMAP free space to the
# module after the add; chunks free at the take read as zeros in the
# image and writes there are never copied.  Checked:
#  - snapshot info's free-at-take is most of the free space; the image's
#    zero bytes cover it while the device holds 0xff there;
#  - files written by the pre-snapshot hook, after the free space was
#    read and before the take (one O_DIRECT and fsynced, one left in the
#    page cache for the take's freeze to write), are in the image whole:
#    a block written between the map read and the take is still copied;
#  - the full backup reads from the device little more than the used
#    space; DEST is byte-identical to the image;
#  - 96 MiB of new files and 24 MiB of overwrites after the take copy
#    about the overwrites only (storage used), and the image is unchanged;
#    with --exact (ext4) the same new files are copied;
#  - the image's take-time files are exact and fsck -n is clean;
#  - the incremental after a file deleted and new files written is
#    byte-identical to the next image: chunks whose image turned from data
#    to zeros (the deleted file) count as changed although no write marked
#    them.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"
. "$BLKSNAP_SRC/tests/vm/guest/backup_lib.sh"

backup_setup
modprobe xfs
partition_disk1 384MiB
dev=${DISK1}1
part=$(basename $dev)
mkdir -p /srv/o /mnt/backup/st /mnt/image
STORAGE=/mnt/backup/st

# sectors_read: sectors the origin's partition has read since boot.
sectors_read() {
	awk '{ print $3 }' /sys/class/block/$part/stat
}

# zero_bytes DEV: bytes of DEV in 64 KiB blocks that are all zeros.
zero_bytes() {
	python3 - "$1" <<'PY'
import sys
z, n = bytes(65536), 0
with open(sys.argv[1], "rb", buffering=0) as f:
	while True:
		b = f.read(65536)
		if not b:
			break
		if b == z[:len(b)]:
			n += len(b)
print(n)
PY
}

# storage_used ID: bytes of the difference storage the snapshot uses.
storage_used() {
	awk '{ print $1 }' /sys/class/misc/blksnap-control/snapshots/$1/storage
}

# fsck_image FS IMAGE: a read-only check of the image's filesystem.
fsck_image() {
	if [ $1 = ext4 ]; then
		e2fsck -fn $2 > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "e2fsck -fn $2"; }
	else
		xfs_repair -n -f $2 > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "xfs_repair -n $2"; }
	fi
	ok "$1: the image's filesystem checks clean"
}

for fs in ext4 xfs; do
	age_device $dev
	if [ $fs = ext4 ]; then
		# nodiscard: a discard would zero the aged free space.
		mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 $dev
		image_opts=ro,noload
	else
		mkfs.xfs -q -f -K $dev
		image_opts=ro,norecovery,nouuid
	fi
	mount $dev /srv/o
	for i in 1 2 3; do
		dd if=/dev/urandom of=/srv/o/before$i bs=1M count=36 status=none
	done
	sync
	used=$(used_kib /srv/o)
	avail=$(df --output=avail -k /srv/o | tail -n 1 | tr -d ' ')
	echo "$fs: ${used} KiB used, ${avail} KiB available"

	# Written after the free space was read, before the take.
	pre="dd if=/dev/urandom of=/srv/o/between-direct bs=1M count=8 oflag=direct conv=fsync status=none &&
dd if=/dev/urandom of=/srv/o/between-cached bs=1M count=8 status=none &&
cd /srv/o && sha256sum before* between-* > /tmp/take.sum"
	reads0=$(sectors_read)
	blksnap backup --json --keep-snapshot --storage $STORAGE --pre "$pre" \
		--to /mnt/backup/$fs.img /srv/o > /tmp/full.json || fail "$fs: full backup"
	reads1=$(sectors_read)
	snap=$(jq -er .snapshot /tmp/full.json)
	img=$(jq -er '.backups[0].image' /tmp/full.json)
	expect_eq "$(jq -er '.backups[0].mode' /tmp/full.json)" full "$fs: first backup mode"

	free=$(blksnap snapshot info --json $snap | jq -er '.devices[0]["free-at-take"]')
	echo "$fs: free at take $((free >> 20)) MiB of $((avail >> 10)) MiB available"
	[ $free -ge $(( (avail - 16 * 1024 - 32 * 1024) * 1024 * 9 / 10 )) ] ||
		fail "$fs: only $free bytes free at the take"
	zeros_img=$(zero_bytes $img)
	zeros_dev=$(zero_bytes $dev)
	echo "$fs: zero 64 KiB blocks: image $((zeros_img >> 20)) MiB, device $((zeros_dev >> 20)) MiB"
	[ $zeros_img -ge $free ] || fail "$fs: the image's free space does not read as zeros"
	[ $zeros_dev -lt $((free / 2)) ] || fail "$fs: the aged device's free space reads zeros: nothing proven"

	# Only what was not free at the take: data, the hook's files and the
	# metadata df does not count (journal, inode tables).
	read_mib=$(( (reads1 - reads0) >> 11 ))
	size=$(blockdev --getsize64 $dev)
	echo "FIGURE $fs full backup: read ${read_mib} MiB of the device ($((size >> 20)) MiB, $(( (size - free) >> 20 )) MiB not free at the take; df: $((used >> 10)) MiB used before the hook's 16 MiB)"
	[ $read_mib -le $(( ((size - free) >> 20) + 16 )) ] ||
		fail "$fs: the full backup read $read_mib MiB, more than what was not free at the take"
	cmp $img /mnt/backup/$fs.img || fail "$fs: DEST differs from the image"
	ok "$fs: DEST is byte-identical to the image"
	at_take=$(md5sum < $img)

	# After the take: new files in free space, overwrites in place.
	used0=$(storage_used $snap)
	for i in 1 2 3; do
		dd if=/dev/urandom of=/srv/o/new$i bs=1M count=32 status=none
	done
	dd if=/dev/urandom of=/srv/o/before1 bs=1M count=24 conv=notrunc status=none
	sync
	used1=$(storage_used $snap)
	echo "FIGURE $fs: 96 MiB of new files and 24 MiB overwritten copied $(( (used1 - used0) >> 20 )) MiB to the storage"
	[ $((used1 - used0)) -le $(( (24 + 24) << 20 )) ] ||
		fail "$fs: writes into free space were copied ($((used1 - used0)) bytes)"
	[ $((used1 - used0)) -ge $((24 << 20)) ] || fail "$fs: the overwrites were not copied"
	expect_eq "$(md5sum < $img)" "$at_take" "$fs: the image is as at take"
	mount -o $image_opts $img /mnt/image
	(cd /mnt/image && sha256sum -c --quiet /tmp/take.sum) ||
		fail "$fs: the image's files are not those of the take"
	[ ! -e /mnt/image/new1 ] || fail "$fs: the image shows a file made after the take"
	umount /mnt/image
	ok "$fs: the image holds the take's files, the hook's two among them"
	fsck_image $fs $img
	blksnap snapshot destroy $snap

	if [ $fs = ext4 ]; then
		# The same new files with --exact: copied, as before the change.
		rm /srv/o/new*
		sync
		snapshot_create /tmp/exact.json --exact --storage $STORAGE /srv/o
		dd if=/dev/urandom of=/srv/o/new1 bs=1M count=32 status=none
		sync
		copied=$(storage_used $SNAP_ID)
		echo "FIGURE ext4 --exact: 32 MiB of new files copied $((copied >> 20)) MiB"
		free=$(blksnap snapshot info --json $SNAP_ID | jq -er '.devices[0]["free-at-take"]')
		expect_eq "$free" 0 "ext4 --exact: nothing free at take"
		[ $copied -ge $((32 << 20)) ] || fail "ext4 --exact: new files were not copied"
		blksnap snapshot destroy $SNAP_ID
	fi

	# A deleted file's blocks read zeros in the next image, unwritten.
	rm /srv/o/before2
	dd if=/dev/urandom of=/srv/o/new4 bs=1M count=8 status=none
	sync
	(cd /srv/o && sha256sum before* between-* new*) > /tmp/take2.sum
	blksnap backup --json --keep-snapshot --storage $STORAGE \
		--to /mnt/backup/$fs.img /srv/o > /tmp/incr.json || fail "$fs: incremental backup"
	snap=$(jq -er .snapshot /tmp/incr.json)
	img=$(jq -er '.backups[0].image' /tmp/incr.json)
	expect_eq "$(jq -er '.backups[0].mode' /tmp/incr.json)" incremental "$fs: second backup mode"
	echo "FIGURE $fs incremental: $(( $(jq -er '.backups[0]["bytes-copied"]' /tmp/incr.json) >> 20 )) MiB copied"
	cmp $img /mnt/backup/$fs.img || fail "$fs: the incremental DEST differs from the image"
	ok "$fs: the incremental DEST is byte-identical to the image"
	mount -o $image_opts $img /mnt/image
	(cd /mnt/image && sha256sum -c --quiet /tmp/take2.sum) ||
		fail "$fs: the second image's files are not those of its take"
	umount /mnt/image
	blksnap snapshot destroy $snap
	umount /srv/o
	blksnap detach $dev
	rm -f /mnt/backup/$fs.img
done

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
#  - the full backup reads from the device no more than what was not free
#    at the take;
#  - 64 MiB of new files and 16 MiB of overwrites after the take copy
#    about the overwrites only (storage used); DEST stays byte-identical
#    to the image, whose take-time files are exact and whose fsck -n is
#    clean;
#  - the incremental after a file deleted is byte-identical to the next
#    image: chunks whose image turned from data to zeros count as changed
#    although no write marked them;
#  - with --exact (ext4) new files are copied and nothing is free.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"
. "$BLKSNAP_SRC/tests/vm/guest/backup_lib.sh"

backup_setup
modprobe xfs
partition_disk1 256MiB
dev=${DISK1}1
part=$(basename $dev)
mkdir -p /srv/o /mnt/backup/st /mnt/image
STORAGE=/mnt/backup/st
# Once: mkfs must not discard (-E nodiscard, -K), so the free space of
# both filesystems holds old data (0xff, or what ext4 left for xfs).
age_device $dev

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

# backup_json OUT ARGS...: one `blksnap backup --json --keep-snapshot` of
# /srv/o to $fs.img; sets snap and img.
backup_json() {
	local out=$1
	shift
	blksnap backup --json --keep-snapshot --storage $STORAGE "$@" \
		--to /mnt/backup/$fs.img /srv/o > $out || fail "$fs: backup $*"
	snap=$(jq -er .snapshot $out)
	img=$(jq -er '.backups[0].image' $out)
}

for fs in ext4 xfs; do
	if [ $fs = ext4 ]; then
		mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 $dev
		image_opts=ro,noload
	else
		# No rmapbt: with it the CLI cannot trust xfs's free space.
		# The variables fstests sets let mkfs.xfs make a small filesystem.
		TEST_DIR=/tmp TEST_DEV=$dev QA_CHECK_FS=1 mkfs.xfs -q -f -K -m rmapbt=0 $dev
		image_opts=ro,norecovery,nouuid
	fi
	mount $dev /srv/o
	for i in 1 2 3; do
		dd if=/dev/urandom of=/srv/o/before$i bs=1M count=24 status=none
	done
	sync
	avail=$(df --output=avail -k /srv/o | tail -n 1 | tr -d ' ')

	# Written after the free space was read, before the take.
	pre="dd if=/dev/urandom of=/srv/o/between-direct bs=1M count=4 oflag=direct conv=fsync status=none &&
dd if=/dev/urandom of=/srv/o/between-cached bs=1M count=4 status=none &&
cd /srv/o && sha256sum before* between-* > /tmp/take.sum"
	reads0=$(sectors_read)
	backup_json /tmp/full.json --pre "$pre"
	reads1=$(sectors_read)
	expect_eq "$(jq -er '.backups[0].mode' /tmp/full.json)" full "$fs: first backup mode"

	free=$(blksnap snapshot info --json $snap | jq -er '.devices[0]["free-at-take"]')
	echo "$fs: free at take $((free >> 20)) MiB, $((avail >> 10)) MiB available before the hook's 8 MiB"
	[ $free -ge $(( (avail - 8 * 1024 - 16 * 1024) * 1024 * 9 / 10 )) ] ||
		fail "$fs: only $free bytes free at the take"
	zeros_img=$(zero_bytes $img)
	zeros_dev=$(zero_bytes $dev)
	echo "$fs: zero 64 KiB blocks: image $((zeros_img >> 20)) MiB, device $((zeros_dev >> 20)) MiB"
	[ $zeros_img -ge $free ] || fail "$fs: the image's free space does not read as zeros"
	[ $zeros_dev -lt $((free / 2)) ] || fail "$fs: the device's free space reads zeros: nothing proven"

	# Only what was not free at the take: data, the hook's files and the
	# metadata df does not count (journal, inode tables).
	read_mib=$(( (reads1 - reads0) >> 11 ))
	size=$(blockdev --getsize64 $dev)
	echo "FIGURE $fs full backup: read ${read_mib} MiB of the device ($((size >> 20)) MiB, $(( (size - free) >> 20 )) MiB not free at the take)"
	[ $read_mib -le $(( ((size - free) >> 20) + 16 )) ] ||
		fail "$fs: the full backup read $read_mib MiB, more than what was not free at the take"

	# After the take: new files in free space, overwrites in place.
	used0=$(storage_used $snap)
	for i in 1 2; do
		dd if=/dev/urandom of=/srv/o/new$i bs=1M count=32 status=none
	done
	dd if=/dev/urandom of=/srv/o/before1 bs=1M count=16 conv=notrunc status=none
	sync
	used1=$(storage_used $snap)
	echo "FIGURE $fs: 64 MiB of new files and 16 MiB overwritten copied $(( (used1 - used0) >> 20 )) MiB to the storage"
	[ $((used1 - used0)) -le $(( (16 + 16) << 20 )) ] ||
		fail "$fs: writes into free space were copied ($((used1 - used0)) bytes)"
	[ $((used1 - used0)) -ge $((16 << 20)) ] || fail "$fs: the overwrites were not copied"
	cmp $img /mnt/backup/$fs.img || fail "$fs: DEST differs from the image"
	ok "$fs: DEST is byte-identical to the image after the writes"
	mount -o $image_opts $img /mnt/image
	(cd /mnt/image && sha256sum -c --quiet /tmp/take.sum) ||
		fail "$fs: the image's files are not those of the take"
	[ ! -e /mnt/image/new1 ] || fail "$fs: the image shows a file made after the take"
	umount /mnt/image
	ok "$fs: the image holds the take's files, the hook's two among them"
	if [ $fs = ext4 ]; then
		e2fsck -fn $img > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "e2fsck -fn $img"; }
	else
		# The freeze leaves a log record xfs_repair -n will not read past:
		# replay it on a copy of DEST (identical to the image) first.
		cp --sparse=always /mnt/backup/$fs.img /mnt/backup/check.img
		mount -o loop,nouuid /mnt/backup/check.img /mnt/image
		umount /mnt/image
		xfs_repair -n -f /mnt/backup/check.img > /tmp/fsck.out 2>&1 ||
			{ cat /tmp/fsck.out; fail "xfs_repair -n of the image's copy"; }
		rm /mnt/backup/check.img
	fi
	ok "$fs: the image's filesystem checks clean"
	blksnap snapshot destroy $snap

	# A deleted file's blocks read zeros in the next image, unwritten.
	rm /srv/o/before2
	sync
	backup_json /tmp/incr.json
	expect_eq "$(jq -er '.backups[0].mode' /tmp/incr.json)" incremental "$fs: second backup mode"
	echo "FIGURE $fs incremental: $(( $(jq -er '.backups[0]["bytes-copied"]' /tmp/incr.json) >> 20 )) MiB copied"
	cmp $img /mnt/backup/$fs.img || fail "$fs: the incremental DEST differs from the image"
	ok "$fs: the incremental DEST is byte-identical to the image"
	blksnap snapshot destroy $snap

	if [ $fs = ext4 ]; then
		# With --exact new files are copied, as before.
		snapshot_create /tmp/exact.json --exact --storage $STORAGE /srv/o
		dd if=/dev/urandom of=/srv/o/new3 bs=1M count=16 status=none
		sync
		copied=$(storage_used $SNAP_ID)
		echo "FIGURE ext4 --exact: 16 MiB of new files copied $((copied >> 20)) MiB"
		expect_eq "$(blksnap snapshot info --json $SNAP_ID | jq -er '.devices[0]["free-at-take"]')" \
			0 "ext4 --exact: nothing free at the take"
		[ $copied -ge $((16 << 20)) ] || fail "ext4 --exact: new files were not copied"
		blksnap snapshot destroy $SNAP_ID
	fi
	umount /srv/o
	blksnap detach $dev
	rm -rf /mnt/backup/$fs.img*
done

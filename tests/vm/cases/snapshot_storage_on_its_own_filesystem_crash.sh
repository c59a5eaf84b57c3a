# Issue 18: a crash (power cut) while a snapshot keeps its difference
# storage on the snapshotted filesystem leaves nothing behind: at the next
# mount the filesystem frees the anonymous storage file itself (ext4's
# orphan list, xfs's unlinked inode list) and a check finds it clean.
# The crash is the disk as it is at one instant: the filesystem lives on a
# dm-linear device, `dmsetup suspend --noflush` stops its I/O there, the
# partition under it is copied, and the copy is what a reboot would mount.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

unset BLKSNAP_CONFIG
load_blksnap
modprobe ext4
modprobe xfs
modprobe dm-mod
partition_disk1 320MiB
part=${DISK1}1
sectors=$(blockdev --getsz $part)
mkdir -p /mnt/c /mnt/copy

for fs in ext4 xfs; do
	dmsetup create crashdev --table "0 $sectors linear $part 0"
	dmsetup mknodes crashdev
	dev=/dev/mapper/crashdev
	if [ $fs = ext4 ]; then
		mkfs.ext4 -q -F $dev
		opts=
	else
		TEST_DIR=/tmp TEST_DEV=$dev QA_CHECK_FS=1 mkfs.xfs -q -f $dev
		opts=nouuid
	fi
	mount $dev /mnt/c
	dd if=/dev/urandom of=/mnt/c/data bs=1M count=32 status=none
	sync
	used_before=$(used_kib /mnt/c)
	run_capture rc out err blksnap snapshot create --json --storage /mnt/c --limit 96M /mnt/c
	echo "$err"
	expect_eq "$rc" 0 "snapshot create, storage on $fs itself"
	id=$(jq -er .id <<< "$out")
	# Copies in flight when the power goes.
	dd if=/dev/urandom of=/mnt/c/data bs=1M count=32 conv=notrunc status=none &
	writer=$!
	sleep 2
	dmsetup suspend --noflush crashdev
	dd if=$part of=$DISK0 bs=1M iflag=direct oflag=direct status=none
	dmsetup resume crashdev
	wait $writer
	ok "$fs: the disk copied at one instant, snapshot live, writes in flight"
	blksnap snapshot destroy $id
	umount /mnt/c
	blksnap detach $dev
	dmsetup remove crashdev

	# The reboot: the copy mounted (journal replay, orphan cleanup).
	mount ${opts:+-o $opts} $DISK0 /mnt/copy
	used_after=$(used_kib /mnt/copy)
	echo "$fs: used ${used_before} KiB before the snapshot, ${used_after} KiB after the crash and mount"
	[ $used_after -le $((used_before + 4096)) ] ||
		fail "$fs: the storage's space did not come back after the crash"
	umount /mnt/copy
	if [ $fs = ext4 ]; then
		e2fsck -fn $DISK0 > /tmp/check.out 2>&1 || { cat /tmp/check.out; fail "e2fsck after the crash"; }
	else
		xfs_repair -n $DISK0 > /tmp/check.out 2>&1 || { cat /tmp/check.out; fail "xfs_repair -n after the crash"; }
	fi
	ok "$fs: space back and the check is clean after the crash"
done

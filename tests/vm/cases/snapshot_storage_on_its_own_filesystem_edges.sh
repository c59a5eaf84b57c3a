# Issue 18, the storage on the snapshotted filesystem at the edges of the
# swap file mapper: ext4 with 1 KiB blocks (extents that do not start on a
# page: the mapper leaves the partial pages out) works, image exact; an
# xfs realtime file, which the mapper maps on the realtime device, is
# refused and the data device is untouched (a fresh review found the
# storage written over the data device's first 64 MiB, superblock and
# all, and the image showing zeros there).
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

unset BLKSNAP_CONFIG
load_blksnap
modprobe ext4
modprobe xfs
partition_disk1 256MiB
dev=${DISK1}1
mkdir -p /mnt/one /mnt/image

# 1 KiB blocks, and fragmented free space: the storage's extents are
# odd-sized and need not start on a page boundary.
mkfs.ext4 -q -F -b 1024 $dev
mount $dev /mnt/one
for i in $(seq 40); do
	dd if=/dev/urandom of=/mnt/one/f$i bs=3k count=97 status=none
done
rm -f /mnt/one/f*[02468]
dd if=/dev/urandom of=/mnt/one/keep bs=1M count=16 status=none
sync
before=$(sha256sum < /mnt/one/keep)
run_capture rc out err blksnap snapshot create --json --storage /mnt/one --limit 64M /mnt/one
echo "$err"
expect_eq "$rc" 0 "snapshot create with the storage on 1 KiB-block ext4"
SNAP_ID=$(jq -er .id <<< "$out")
img=$(jq -er '.devices[0].image' <<< "$out")
dmesg | grep "difference storage on it" | tail -n 1
at_take=$(dd if=$img bs=1M iflag=direct status=none | md5sum)
dd if=/dev/urandom of=/mnt/one/keep bs=1M count=16 conv=notrunc status=none
dd if=/dev/urandom of=/mnt/one/new bs=1M count=24 status=none
sync
expect_eq "$(dd if=$img bs=1M iflag=direct status=none | md5sum)" "$at_take" \
	"the image of 1 KiB-block ext4 is as at take"
mount -o ro,noload $img /mnt/image
expect_eq "$(sha256sum < /mnt/image/keep)" "$before" "a file in the image as at take"
umount /mnt/image
blksnap snapshot destroy $SNAP_ID
umount /mnt/one
e2fsck -fn $dev > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "e2fsck after destroy"; }
ok "1 KiB-block ext4: e2fsck clean after destroy"
blksnap detach $dev

# xfs with a realtime device: files in a directory with the rtinherit
# flag live there, the storage's too.
# The variables fstests sets let mkfs.xfs make a small test filesystem.
TEST_DIR=/tmp TEST_DEV=$dev QA_CHECK_FS=1 mkfs.xfs -q -f -r rtdev=$DISK0 $dev
mount -o rtdev=$DISK0 $dev /mnt/one
mkdir /mnt/one/st
xfs_io -c 'chattr +t' /mnt/one/st
sb=$(dd if=$dev bs=512 count=1 status=none | sha256sum)
run_capture rc out err blksnap snapshot create --storage /mnt/one/st --limit 64M /mnt/one
echo "exit $rc: $err"
expect_eq "$rc" 1 "the storage as an xfs realtime file is refused"
expect_eq "$(blksnap snapshot list --json | jq '.snapshots | length')" 0 "snapshots left"
expect_eq "$(dd if=$dev bs=512 count=1 status=none | sha256sum)" "$sb" "the data device's superblock is untouched"
umount /mnt/one
xfs_repair -n -r $DISK0 $dev > /tmp/repair.out 2>&1 || { cat /tmp/repair.out; fail "xfs_repair -n after the refusal"; }
ok "xfs realtime: refused, filesystem clean"
blksnap detach $dev 2>/dev/null || true

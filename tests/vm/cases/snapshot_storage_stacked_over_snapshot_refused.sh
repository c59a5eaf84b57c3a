# A storage stacked over a live snapshot's device (ext4 on dm-linear over
# it, as LVM would) or on a live snapshot's image is refused, naming the
# way down: its storing would be copied on write by the other snapshot,
# and with a small memory bound both used to wait for each other forever
# (found in review).  The CLI walks dm/md slaves and loop backing files;
# the module refuses an image by itself.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap chunk_maximum_in_flight=2
modprobe dm-mod
modprobe ext4
partition_disk1 128MiB 128MiB
dmsetup create lin --table "0 $(blockdev --getsz ${DISK1}1) linear ${DISK1}1 0"
dmsetup mknodes lin
mkfs.ext4 -q /dev/mapper/lin
mkdir -p /mnt/lin /mnt/i
mount /dev/mapper/lin /mnt/lin
snapshot_create /tmp/s1.json --storage /tmp --limit 256M ${DISK1}1
s1=$SNAP_ID img1=$IMAGES
run_capture rc out err blksnap snapshot create --storage /mnt/lin/diff --limit 64M ${DISK1}2
echo "storage on dm-linear over ${DISK1}1: exit $rc: $err"
expect_eq "$rc" 1 "exit code of a storage stacked over a snapshotted device"
expect_match "$err" "/mnt/lin/diff: .*${DISK1}1" "the error names the way down to ${DISK1}1"
[ ! -e /mnt/lin/diff ] || fail "the refused create left /mnt/lin/diff behind"
umount /mnt/lin

mount $img1 /mnt/i
run_capture rc out err blksnap snapshot create --storage /mnt/i/diff --limit 64M ${DISK1}2
echo "storage on the image of ${DISK1}1: exit $rc: $err"
expect_eq "$rc" 1 "exit code of a storage on a snapshot's image"
expect_match "$err" "/mnt/i/diff" "the error names the storage"
expect_eq "$(blksnap snapshot list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["snapshots"]))')" 1 "snapshots left"
dd if=/dev/urandom of=${DISK1}2 bs=1M count=16 oflag=direct status=none
ok "writes to ${DISK1}2 go on"
umount /mnt/i
blksnap snapshot destroy $s1
blksnap detach ${DISK1}1
dmsetup remove lin

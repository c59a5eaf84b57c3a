# A storage that a snapshot would copy on write is refused: on a device of
# a live snapshot, and the other way round (adding the device that holds a
# live snapshot's storage).  Issue 9, failure 2: S2's storage on S1's
# origin made S2's copies nest under S1's, and writers hung.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe ext4
partition_disk1 128MiB 128MiB
mkfs.ext4 -q ${DISK1}1
mkdir -p /mnt/a
mount ${DISK1}1 /mnt/a
snapshot_create /tmp/s1.json --storage /tmp --limit 64M ${DISK1}1
s1=$SNAP_ID
run_capture rc out err blksnap snapshot create --storage /mnt/a/diff --limit 64M ${DISK1}2
echo "exit $rc: $err"
expect_eq "$rc" 1 "exit code of a storage on a snapshotted device"
expect_match "$err" "/mnt/a/diff" "the error names the storage"
[ ! -e /mnt/a/diff ] || fail "the refused create left /mnt/a/diff behind"
blksnap detach ${DISK1}2 2>/dev/null || true
# The module refuses it too, whatever its caller checked before.
r=$(python3 "$BLKSNAP_SRC/tests/vm/guest/raw_ioctl.py" snapshot-create dir /mnt/a 131072)
expect_eq "$r" ELOOP "the module's answer to a storage on a snapshotted device"
blksnap snapshot destroy $s1

# The other way: S1's storage is on vdb2; vdb2 cannot join a snapshot.
mkfs.ext4 -q -F ${DISK1}2
mkdir -p /mnt/b
mount ${DISK1}2 /mnt/b
snapshot_create /tmp/s1.json --storage /mnt/b --limit 64M ${DISK1}1
s1=$SNAP_ID
run_capture rc out err blksnap snapshot create --storage /tmp --limit 64M ${DISK1}2
echo "exit $rc: $err"
expect_eq "$rc" 1 "exit code of a snapshot of a device holding a storage"
expect_match "$err" "${DISK1}2" "the error names the device"
expect_eq "$(blksnap snapshot list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["snapshots"]))')" 1 "snapshots left"
dd if=/dev/urandom of=/mnt/a/f bs=1M count=16 oflag=direct status=none
ok "writes to the first snapshot's origin go on"
blksnap snapshot destroy $s1
blksnap detach ${DISK1}2 2>/dev/null || true
umount /mnt/b
umount /mnt/a
blksnap detach ${DISK1}1

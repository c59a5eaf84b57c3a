# Destroy refuses while an image is open and works under load after; a
# create that fails (storage on the device itself) leaves no snapshot and
# no filter behind; a device in a snapshot cannot be detached.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe ext4
partition_disk1 64MiB 64MiB
dev=${DISK1}1
mkfs.ext4 -q ${DISK1}2
mkdir -p /mnt/storage
mount ${DISK1}2 /mnt/storage

run_capture rc out err blksnap snapshot create --storage /mnt/storage/diff --limit 16M ${DISK1}2
echo "storage on the origin: rc=$rc: $err"
[ "$rc" -ne 0 ] || fail "a snapshot with its storage on the origin was created"
expect_eq "$(blksnap snapshot list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["snapshots"]))')" 0 "snapshots after the failed create"
run_capture rc out err blksnap cbt info ${DISK1}2
expect_match "$err" "not attached" "no filter left on ${DISK1}2"
[ ! -e /mnt/storage/diff ] || fail "the failed create left /mnt/storage/diff"
ok "the failed create left nothing behind"

snapshot_create /tmp/snap.json --storage /mnt/storage/diff --limit 32M $dev
img=$IMAGES
run_capture rc out err blksnap detach $dev
echo "detach in a snapshot: rc=$rc: $err"
[ "$rc" -ne 0 ] || fail "detach of a device in a snapshot succeeded"

exec 3< $img
run_capture rc out err blksnap snapshot destroy $SNAP_ID
echo "destroy with the image open: rc=$rc: $err"
[ "$rc" -ne 0 ] || fail "destroy succeeded with $img open"
exec 3<&-

fio --name=load --filename=$dev --rw=randwrite --bs=4k --direct=1 --ioengine=libaio \
	--iodepth=16 --time_based --runtime=20 --output=/dev/null &
load=$!
sleep 5
blksnap snapshot destroy $SNAP_ID || fail "destroy under load"
ok "destroyed under load"
wait $load || fail "fio failed across the destroy"
blksnap detach $dev
umount /mnt/storage

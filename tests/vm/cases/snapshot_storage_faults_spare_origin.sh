# Difference storage on a device that starts failing its writes (dm-flakey):
# the snapshot is marked corrupted and its image fails with EIO, while
# every write to the origin succeeds and reads back correctly.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe dm-flakey
partition_disk1 128MiB 256MiB
dev=${DISK1}1
sectors=$(blockdev --getsz ${DISK1}2)
# Healthy for 3 s, then failing every write for 60 s.
dmsetup create flaky --table "0 $sectors flakey ${DISK1}2 0 3 60 1 error_writes"
# No udev in the guest: make the /dev/mapper node by hand.
dmsetup mknodes flaky
[ -b /dev/mapper/flaky ] || fail "/dev/mapper/flaky is not a block device"
snapshot_create /tmp/snap.json --storage /dev/mapper/flaky $dev
img=$IMAGES
sleep 4
fio --name=origin --filename=$dev --rw=randwrite --bs=64k --direct=1 --size=64M \
	--verify=crc32c --do_verify=1 --output=/tmp/fio.out || fail "origin writes failed"
ok "64 MiB written and verified on the origin while the storage fails"
info=$(blksnap snapshot info --json $SNAP_ID)
echo "$info"
expect_match "$info" '"error": "E[A-Z]+"' "the snapshot is marked corrupted"
if dd if=$img of=/dev/null bs=1M count=64 iflag=direct 2>/tmp/dd.err; then
	fail "reading the corrupted image succeeded"
fi
ok "image read fails: $(tail -n1 /tmp/dd.err)"
blksnap snapshot destroy $SNAP_ID
dmsetup remove flaky
blksnap detach $dev

# A difference storage too small for the writes: the snapshot is marked
# corrupted (event, image reads fail with EIO), while every origin write
# succeeds and reads back correctly.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
partition_disk1 128MiB
dev=${DISK1}1
$STAMP fill $dev 1 before
snapshot_create /tmp/snap.json --storage /tmp/diff --limit 8M $dev
img=$IMAGES
blksnap snapshot watch $SNAP_ID > /tmp/watch.out 2>&1 &
watcher=$!

fio --name=overflow --filename=$dev --rw=write --bs=1M --direct=1 --size=64M \
	--verify=crc32c --do_verify=1 --output=/tmp/fio.out || fail "origin writes failed"
ok "64 MiB written and verified on the origin through an 8 MiB storage"

expect_overflowed $img $SNAP_ID

blksnap snapshot destroy $SNAP_ID
wrc=0
wait $watcher || wrc=$?
echo "watch said (exit $wrc): $(cat /tmp/watch.out)"
expect_eq "$wrc" 1 "exit code of watch after the snapshot failed"
expect_match "$(cat /tmp/watch.out)" ': difference storage full, the snapshot of [0-9]+:[0-9]+ is corrupted \(No space left on device\)' "watch reported the failure"
blksnap detach $dev

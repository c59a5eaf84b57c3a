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

if dd if=$img of=/dev/null bs=1M count=16 iflag=direct 2>/tmp/dd.err; then
	fail "reading the corrupted image succeeded"
fi
expect_match "$(cat /tmp/dd.err)" "Input/output error" "image read error"
info=$(blksnap snapshot info --json $SNAP_ID)
echo "$info"
expect_match "$info" '"error": "ENOSPC"' "snapshot info shows the failure"
expect_match "$info" '"state": "corrupted"' "snapshot info shows the image corrupted"

blksnap snapshot destroy $SNAP_ID
wrc=0
wait $watcher || wrc=$?
echo "watch said (exit $wrc): $(cat /tmp/watch.out)"
expect_eq "$wrc" 1 "exit code of watch after the snapshot failed"
expect_match "$(cat /tmp/watch.out)" ': difference storage full, the snapshot of [0-9]+:[0-9]+ is corrupted \(No space left on device\)' "watch reported the failure"
blksnap detach $dev

# A block device storage used no further than --limit, with the low-space
# event first and the no-space failure at the limit.  Issue 9, failure 4:
# a 64 MiB partition with --limit 8M took 32 MiB of copies silently.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
partition_disk1 128MiB 64MiB
dev=${DISK1}1
dd if=/dev/zero of=${DISK1}2 bs=1M count=64 oflag=direct status=none
snapshot_create /tmp/snap.json --storage ${DISK1}2 --limit 8M $dev
blksnap snapshot watch $SNAP_ID > /tmp/watch.out 2>&1 &
watcher=$!
fio --name=fill --filename=$dev --rw=write --bs=1M --direct=1 --size=32M \
	--output=/tmp/fio.out || fail "origin writes failed"
ok "32 MiB written to the origin"
info=$(blksnap snapshot info --json $SNAP_ID)
echo "$info"
expect_match "$info" "ENOSPC|-28|space" "the snapshot failed for lack of space"
# Nothing past the limit was written: the storage's tail is still zeros.
past=$(dd if=${DISK1}2 bs=1M skip=8 count=56 iflag=direct status=none | tr -d '\0' | wc -c)
expect_eq "$past" 0 "bytes written to the storage past the 8 MiB limit"
blksnap snapshot destroy $SNAP_ID
wait $watcher || true
echo "watch: $(cat /tmp/watch.out)"
expect_match "$(cat /tmp/watch.out)" "low" "a low-space event came first"
expect_match "$(cat /tmp/watch.out)" "space" "the no-space event came"
blksnap detach $dev

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
expect_match "$info" '"error": "ENOSPC"' "the snapshot failed for lack of space"
# Nothing past the limit was written: the storage's tail is still zeros.
# (pipefail: a failed read fails here, it does not count as 0 bytes.)
past=$(dd if=${DISK1}2 bs=1M skip=8 count=56 iflag=direct status=none | tr -d '\0' | wc -c)
expect_eq "$past" 0 "bytes written to the storage past the 8 MiB limit"
blksnap snapshot destroy $SNAP_ID
wrc=0
wait $watcher || wrc=$?
echo "watch (exit $wrc):"
cat /tmp/watch.out
expect_eq "$wrc" 1 "exit code of watch after the storage ran full"
# One line each, in this order: low space, then full.
low=$(awk '/: difference storage running low; / { print NR; exit }' /tmp/watch.out)
full=$(awk '/: difference storage full, the snapshot of .* is corrupted \(No space left on device\)/ { print NR; exit }' \
	/tmp/watch.out)
[ -n "$low" ] || fail "no low-space event"
[ -n "$full" ] || fail "no storage-full event"
[ "$low" -lt "$full" ] || fail "the low-space event (line $low) came after the storage-full one (line $full)"
ok "the low-space event (line $low) came before the storage-full one (line $full)"
blksnap detach $dev

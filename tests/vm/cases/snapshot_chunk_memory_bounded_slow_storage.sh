# Copy-on-write memory stays under its bound (chunk_maximum_in_flight
# chunks) when the storage is slower than the writers: writers wait, none
# fails, nothing runs out of memory, and the image stays exact.  Storage:
# dm-delay with 100 ms on each write, over a raw partition.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap chunk_maximum_in_flight=16
modprobe dm-delay
partition_disk1 64MiB
dev=${DISK1}1
sectors=$(blockdev --getsz $DISK0)
dmsetup create slowstore --table "0 $sectors delay $DISK0 0 0 $DISK0 0 100"
dmsetup mknodes slowstore
$STAMP fill $dev 1 before
snapshot_create /tmp/snap.json --storage /dev/mapper/slowstore $dev
img=$IMAGES
read -r _ _ limit _ < /sys/class/misc/blksnap-control/chunk_memory
echo "chunk memory bound: $limit bytes"
kmsg_mark

fio --name=direct --filename=$dev --rw=randwrite --bs=4k --direct=1 --ioengine=libaio \
	--iodepth=32 --size=48M --time_based --runtime=10 \
	--name=big --filename=$dev --offset=48M --size=16M --rw=write --bs=1M \
	--direct=1 --ioengine=libaio --iodepth=4 --time_based --runtime=10 \
	--output=/tmp/fio.out || fail "writes to the origin failed"
grep -E 'WRITE:' /tmp/fio.out
read -r used peak limit pooled < /sys/class/misc/blksnap-control/chunk_memory
echo "chunk memory: peak $peak of $limit bytes ($(( peak * 100 / limit ))%), $used in use now, $pooled pooled"
[ "$peak" -le "$limit" ] || fail "chunk memory peaked at $peak bytes, over the bound of $limit"
[ "$peak" -ge $(( limit / 2 )) ] || fail "peak $peak never came near the bound: the storage was not slow enough to test it"
ok "chunk memory stayed within its bound, and reached it"
kmsg_since_mark > /tmp/klog
if grep -Ei 'out of memory|oom-kill|page allocation failure' /tmp/klog; then
	fail "memory ran out"
fi
ok "no allocation failure, no OOM"
dmsetup suspend slowstore
dmsetup reload slowstore --table "0 $sectors delay $DISK0 0 0 $DISK0 0 0"
dmsetup resume slowstore
$STAMP verify $img 1 before || fail "the image shows data written after take"
ok "every sector of $img is as at take"
# Freed chunks' pages are kept for the next copies (no zeroing of fresh
# pages), within the bound, and given back with the last snapshot.
read -r _ _ _ pooled < /sys/class/misc/blksnap-control/chunk_memory
[ "$pooled" -gt 0 ] && [ "$pooled" -le "$limit" ] ||
	fail "$pooled bytes of freed chunks' pages kept: want some, at most the bound $limit"
blksnap snapshot destroy $SNAP_ID
read -r used _ _ pooled < /sys/class/misc/blksnap-control/chunk_memory
[ "$used" = 0 ] && [ "$pooled" = 0 ] ||
	fail "after the last snapshot went: $used bytes of chunk memory in use, $pooled kept; want 0 and 0"
ok "$((limit / 1048576)) MiB bound: freed chunks' pages kept while the snapshot lived, none after it"
blksnap detach $dev
dmsetup remove slowstore

# A write to a chunk not yet copied never overtakes the read of its old
# data, however slow that read: the origin is dm-delay with a 400 ms read
# delay and none on writes, so a write let go before its chunk's read
# completed would land first and the read would copy the new data.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe dm-delay
partition_disk1 32MiB
sectors=$(blockdev --getsz ${DISK1}1)
dmsetup create slowread --table "0 $sectors delay ${DISK1}1 0 400 ${DISK1}1 0 0"
dmsetup mknodes slowread
dev=/dev/mapper/slowread
$STAMP fill $dev 1 before
snapshot_create /tmp/snap.json --storage /tmp --limit 128M $dev
img=$IMAGES

t0=$(date +%s%N)
dd if=/dev/urandom of=$dev bs=4k count=1 seek=100 oflag=direct conv=notrunc status=none
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "first write to an uncopied chunk took $ms ms"
[ $ms -ge 400 ] || fail "the write did not wait for the 400 ms read of its chunk"
ok "the write waited for the read of its chunk's old data"

fio --name=overwrite --filename=$dev --rw=randwrite --bsrange=512-1m --blockalign=512 \
	--direct=1 --ioengine=libaio --iodepth=16 --size=32M --time_based --runtime=8 \
	--output=/tmp/fio.out || fail "writes to the origin failed"
grep -E 'WRITE:' /tmp/fio.out
# Reads fast again for the check; the snapshot and its filter stay.
dmsetup suspend slowread
dmsetup reload slowread --table "0 $sectors delay ${DISK1}1 0 0 ${DISK1}1 0 0"
dmsetup resume slowread
$STAMP verify $img 1 before || fail "the image shows data written after take"
ok "every sector of $img is as at take"
blksnap snapshot destroy $SNAP_ID
blksnap detach $dev
dmsetup remove slowread

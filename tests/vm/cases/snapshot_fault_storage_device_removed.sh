# The difference storage's disk goes away under a live snapshot: a
# scsi_debug disk as storage, deleted (echo 1 > .../device/delete) after
# chunks were copied to it, while its image is mounted.  Every origin
# write afterwards succeeds and reads back right; the snapshot is marked
# corrupted (snapshot info, the event, a kernel log line) and its image
# fails reads with EIO, never serving what it no longer has; the image
# unmounts, the snapshot is destroyed, the origin detached, scsi_debug
# and the module unload.  The failure must not read as a full storage
# (ENOSPC, "create a new one with a larger --limit"): the device went.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

M=$((1 << 20))
load_blksnap
modprobe ext4
scsi_debug_disk dev_size_mb=48
sd=$SD
storage=/dev/$sd

partition_disk1 128MiB
origin=${DISK1}1
mkfs.ext4 -q -b 4096 $origin
mkdir -p /mnt/origin /mnt/image
mount $origin /mnt/origin
dd if=/dev/urandom of=/mnt/origin/a bs=1M count=8 conv=fsync status=none
dd if=/dev/urandom of=/mnt/origin/b bs=1M count=8 conv=fsync status=none
sync
a_old=$(sha256sum < /mnt/origin/a)
b_old=$(sha256sum < /mnt/origin/b)
dd if=/dev/urandom of=/tmp/a.new bs=1M count=8 status=none
dd if=/dev/urandom of=/tmp/b.new bs=1M count=8 status=none
a_new=$(sha256sum < /tmp/a.new)
b_new=$(sha256sum < /tmp/b.new)
image_sum() {
	dd if=/mnt/image/$1 bs=1M iflag=direct status=none | sha256sum
}

# --exact: fio's new blocks must be copied (free space at the take
# would need no copy, blksnap(8)).
snapshot_create /tmp/snap.json --exact --storage $storage /mnt/origin
img=$IMAGES
blksnap snapshot watch $SNAP_ID > /tmp/watch.out 2>&1 &
watcher=$!
mount -o ro,noload $img /mnt/image
expect_eq "$(image_sum a)" "$a_old" "a in the image at the take"
dd if=/tmp/a.new of=/mnt/origin/a bs=1M conv=notrunc,fsync oflag=direct status=none
sync
expect_eq "$(image_sum a)" "$a_old" "a in the image, copied to $storage"
echo "storage: $(cat /sys/class/misc/blksnap-control/snapshots/$SNAP_ID/storage) (used, limit)"

kmsg_mark
echo 1 > /sys/block/$sd/device/delete
for i in $(seq 50); do [ -e /sys/block/$sd ] || break; sleep 0.1; done
[ ! -e /sys/block/$sd ] || fail "$sd is still there after its deletion"
ok "deleted the storage disk $sd under the live snapshot"

# The origin goes on: b's chunks need copies the storage can no longer take.
dd if=/tmp/b.new of=/mnt/origin/b bs=1M conv=notrunc,fsync oflag=direct status=none ||
	fail "the overwrite of b failed: an origin write was failed by the snapshot"
fio --name=c --filename=/mnt/origin/c --rw=write --bs=256k --direct=1 --size=16M \
	--verify=crc32c --do_verify=1 --output=/tmp/fio.out || fail "fio's writes to the origin failed"
ok "b overwritten and 16 MiB written and verified on the origin after the storage went"
expect_eq "$(dd if=/mnt/origin/a bs=1M iflag=direct status=none | sha256sum)" "$a_new" "a on the origin"
expect_eq "$(dd if=/mnt/origin/b bs=1M iflag=direct status=none | sha256sum)" "$b_new" "b on the origin"

info=$(blksnap snapshot info --json $SNAP_ID)
echo "$info"
expect_match "$info" '"state": "corrupted"' "the snapshot is marked corrupted"
expect_match "$info" '"error": "E[A-Z]+"' "snapshot info names the error"
if dd if=/mnt/image/a of=/dev/null bs=1M iflag=direct 2>/tmp/dd.err; then
	fail "the image served a, whose copies were on the removed storage"
fi
expect_match "$(cat /tmp/dd.err)" "Input/output error" "a's read from the image"
if dd if=$img of=/dev/null bs=1M count=4 iflag=direct 2>/tmp/dd.err; then
	fail "reading the corrupted image succeeded"
fi
expect_match "$(cat /tmp/dd.err)" "Input/output error" "the image's first 4 MiB"
log=$(kmsg_since_mark)
expect_match "$log" "blksnap-diff_area: ${origin#/dev/}: snapshot corrupted \(error -[0-9]+\)" "the kernel log names the corrupted snapshot"

umount /mnt/image
blksnap snapshot destroy $SNAP_ID || fail "destroy after the storage went"
wrc=0
wait $watcher || wrc=$?
echo "watch said (exit $wrc): $(cat /tmp/watch.out)"
expect_eq "$wrc" 1 "exit code of watch after the snapshot failed"
expect_match "$(cat /tmp/watch.out)" "(corrupted by an error on|the snapshot of) [0-9]+:[0-9]+" "watch reported the failure"
umount /mnt/origin
blksnap detach $origin
rmmod scsi_debug || fail "scsi_debug does not unload: the removed storage is still held"
ok "the removed storage is released"
# Last, after the cleanup: a vanished storage device is no full storage.
# The storage on a block device is never written past its size, so an
# ENOSPC from such a write means the device went (del_gendisk sets its
# capacity to 0); "difference storage full ... a larger --limit" would
# send the administrator the wrong way.
err=$(jq -r '.devices[0].error' <<< "$info")
[ "$err" != ENOSPC ] || fail "the removed storage device is reported as a full storage (ENOSPC)"
expect_eq "$err" ENODEV "the error of the snapshot whose storage device went"
expect_match "$(cat /tmp/watch.out)" "corrupted by an error on [0-9]+:[0-9]+" "the event names an error, not a full storage"

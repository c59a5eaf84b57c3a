# The origin's disk goes away while its image is mounted: ext4 on a
# scsi_debug partition, mounted and being written (O_DIRECT, so copies are
# in flight), is deleted (echo 1 > .../device/delete).  No oops, no hang:
# the writer ends; the image's reads that need the origin fail with EIO
# and none returns other data than at the take; the image unmounts, the
# snapshot is destroyed, the filter of the gone partition is detached by
# number (blksnap detach MAJ:MIN), scsi_debug and the module unload; and
# `snapshot list` still lists the snapshot, so that it can be found and
# destroyed.  (Without native blkfilter the module hears nothing of the
# removal: the snapshot is corrupted only if a copy's read of the gone
# disk failed, as the writer's did on 6.1 and 6.12 (ENODEV); on 7.2 the
# filesystem shut down first and the copies of a still served the image.)
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe ext4
scsi_debug_disk dev_size_mb=64
sd=$SD
printf 'label: dos\nstart=2048, size=60MiB\n' | sfdisk -q /dev/$sd
part=/dev/${sd}1
for i in $(seq 50); do [ -b $part ] && break; sleep 0.1; done
[ -b $part ] || fail "$part did not appear"
majmin=$(cat /sys/class/block/${sd}1/dev)

mkfs.ext4 -q -b 4096 $part
partition_disk1 128MiB
mkfs.ext4 -q ${DISK1}1
mkdir -p /mnt/origin /mnt/store /mnt/image
mount $part /mnt/origin
mount ${DISK1}1 /mnt/store
dd if=/dev/urandom of=/mnt/origin/a bs=1M count=8 conv=fsync status=none
dd if=/dev/urandom of=/mnt/origin/b bs=1M count=8 conv=fsync status=none
sync
a_old=$(sha256sum < /mnt/origin/a)
b_old=$(sha256sum < /mnt/origin/b)
image_sum() {
	dd if=/mnt/image/$1 bs=1M iflag=direct status=none | sha256sum
}

# --exact: the writer's new blocks must be copied (free space at the
# take would need no copy, blksnap(8)).
snapshot_create /tmp/snap.json --exact --storage /mnt/store /mnt/origin
img=$IMAGES
mount -o ro,noload $img /mnt/image
expect_eq "$(image_sum a)" "$a_old" "a in the image at the take"
expect_eq "$(image_sum b)" "$b_old" "b in the image at the take"
# a's chunks are copied to the storage; b's stay on the origin only.
dd if=/dev/urandom of=/mnt/origin/a bs=1M count=8 conv=notrunc,fsync oflag=direct status=none
sync
expect_eq "$(image_sum a)" "$a_old" "a in the image, from the storage"

# A writer with copies in flight when the disk goes.
dd if=/dev/urandom of=/mnt/origin/c bs=256k count=128 oflag=direct status=none 2>/tmp/writer.err &
writer=$!
sleep 1
kmsg_mark
echo 1 > /sys/block/$sd/device/delete
for i in $(seq 50); do [ -e /sys/block/$sd ] || break; sleep 0.1; done
[ ! -e /sys/block/$sd ] || fail "$sd is still there after its deletion"
ok "deleted the origin's disk $sd ($part is $majmin) with its image mounted"
for i in $(seq 300); do kill -0 $writer 2>/dev/null || break; sleep 0.1; done
kill -0 $writer 2>/dev/null && fail "the origin's writer has not ended 30 s after the disk went"
wrc=0
wait $writer || wrc=$?
echo "the writer ended (exit $wrc): $(tail -n 1 /tmp/writer.err)"

# b was never copied: the image needs the origin for it.
if dd if=/mnt/image/b of=/dev/null bs=1M iflag=direct 2>/tmp/dd.err; then
	fail "the image served b, which only the removed origin holds"
fi
expect_match "$(cat /tmp/dd.err)" "Input/output error" "b's read from the image"
if dd if=$img of=/dev/null bs=1M iflag=direct 2>/tmp/dd.err; then
	fail "reading the whole image succeeded without its origin"
fi
expect_match "$(cat /tmp/dd.err)" "Input/output error" "the whole image's read"
# a is in the storage: served as at the take, or failed; never other data.
if sum=$(image_sum a 2>/tmp/dd.err); then
	expect_eq "$sum" "$a_old" "a in the image, served from the storage"
else
	expect_match "$(cat /tmp/dd.err)" "Input/output error" "a's read from the image"
fi
# What the CLI can still tell of it (its device's number is gone).
run_capture rc out err blksnap snapshot info --json $SNAP_ID
echo "snapshot info: rc=$rc: $out $err"
run_capture list_rc list_out list_err blksnap snapshot list --json
echo "snapshot list: rc=$list_rc: $list_out $list_err"
echo "kernel log since the removal (blksnap):"
kmsg_since_mark | grep blksnap | tail -n 8 || true

umount /mnt/image || fail "the image does not unmount"
blksnap snapshot destroy $SNAP_ID || fail "destroy after the origin went"
blksnap detach $majmin || fail "detach by number $majmin after the origin went"
ok "image unmounted, snapshot destroyed, $majmin detached"
umount /mnt/origin || umount -l /mnt/origin
umount /mnt/store
rmmod scsi_debug || fail "scsi_debug does not unload: the removed origin is still held"
ok "the removed origin is released"
# Last, after the cleanup: the administrator finds the snapshot to
# destroy with `snapshot list`, which must not fail because one of its
# devices is gone (the runner's own cleanup relies on it too).
[ "$list_rc" = 0 ] || fail "snapshot list fails while a snapshot's device is gone: $list_err"
expect_match "$list_out" "$SNAP_ID" "snapshot list shows the snapshot of the removed device"
expect_eq "$rc" 0 "exit code of snapshot info while its device is gone"
expect_match "$out" '"state": "gone"' "snapshot info says the device is gone"
expect_match "$out" '"error": "ENODEV"' "snapshot info names ENODEV"

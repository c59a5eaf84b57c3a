# Issue 20, finding 6: an atomic write (RWF_ATOMIC, REQ_ATOMIC; 6.11+)
# through a whole disk's node that runs into a filtered partition would
# have to be cut at the partition's edge, and cut it is no longer all or
# nothing.  It is refused whole with EINVAL, as the block layer refuses an
# atomic write that needs a split, and none of it reaches the disk (the
# old module cut it: 6.12 wrote both pieces as two writes, 7.2's
# bio_split() refused and the write failed with EIO).  One wholly inside
# the partition needs no cut: it passes whole, is copied for the
# snapshot first, and the partition's change map marks exactly it.  The
# disk is scsi_debug with atomic writes; a kernel without them skips.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

# grep reads all (no -q): modinfo killed by SIGPIPE fails the pipeline.
if ! modinfo -p scsi_debug 2>/dev/null | grep '^atomic_wr:' > /dev/null; then
	# A kernel with atomic writes shows their limits on every disk.
	[ ! -e /sys/block/$(basename $DISK0)/queue/atomic_write_unit_max_bytes ] ||
		fail "this kernel has atomic writes, but its scsi_debug no atomic_wr"
	skip "this kernel has no atomic writes (its scsi_debug has no atomic_wr)"
fi
K=1024
M=$((1 << 20))
ATOMIC="python3 $BLKSNAP_SRC/tests/vm/guest/atomic_write.py"
load_blksnap
scsi_debug_disk dev_size_mb=64 atomic_wr=1
sd=$SD
q=/sys/block/$sd/queue
echo "$sd: atomic write units $(cat $q/atomic_write_unit_min_bytes)..$(cat $q/atomic_write_unit_max_bytes) bytes"
[ "$(cat $q/atomic_write_unit_min_bytes)" -le $((8 * K)) ] &&
	[ "$(cat $q/atomic_write_unit_max_bytes)" -ge $((8 * K)) ] ||
	fail "$sd takes no 8 KiB atomic writes"
sd=/dev/$sd
# Partition 2 starts 4 KiB past the 16 MiB mark (sector 32776), so an
# 8 KiB atomic write at 16 MiB (aligned to its length, as an atomic
# write must be) runs from the gap between the partitions into it.
printf 'label: gpt\nstart=2048, size=30720\nstart=32776, size=65536\n' | sfdisk -q $sd 2>/dev/null
p2=${sd}2
for i in $(seq 50); do [ -b $p2 ] && break; sleep 0.1; done
[ -b $p2 ] || fail "$p2 did not appear"
expect_eq "$(cat /sys/class/block/$(basename $p2)/start)" 32776 "partition 2's first sector"
dd if=/dev/urandom of=$sd bs=64K count=4 seek=$((16 * M)) oflag=direct,seek_bytes conv=notrunc status=none
edge_sum() { dd if=$sd bs=64K count=1 skip=$((16 * M)) iflag=direct,skip_bytes status=none | md5sum; }
before=$(edge_sum)

mkfs.ext4 -q -F $DISK0
mkdir -p /mnt/st
mount $DISK0 /mnt/st
snapshot_create /tmp/snap.json --storage /mnt/st $p2
img=$IMAGES
img_sum() { dd if=$img bs=64K count=3 iflag=direct status=none | md5sum; }
img_before=$(img_sum)

# Across the edge: refused whole.
head -c $((8 * K)) /dev/urandom > /tmp/across
out=$($ATOMIC $sd $((16 * M)) $((8 * K)) /tmp/across)
echo "atomic write of 8 KiB at 16 MiB of $sd, across $p2's edge: $out"
expect_eq "$out" "error EINVAL" "an atomic write across the partition's edge"
expect_eq "$(edge_sum)" "$before" "the disk after the refused atomic write"
expect_eq "$(img_sum)" "$img_before" "the image after the refused atomic write"

# Wholly inside the partition (its bytes 124 KiB..132 KiB, tracking
# blocks 1 and 2 of 64 KiB; the refused write's part would be in block
# 0): one write, copied first, tracked.
head -c $((8 * K)) /dev/urandom > /tmp/inside
out=$($ATOMIC $sd $((16 * M + 128 * K)) $((8 * K)) /tmp/inside)
echo "atomic write of 8 KiB at 16 MiB + 128 KiB of $sd, inside $p2: $out"
expect_eq "$out" "wrote $((8 * K))" "an atomic write inside the partition"
expect_eq "$(dd if=$p2 bs=8K count=1 skip=$((124 * K)) iflag=direct,skip_bytes status=none | md5sum)" \
	"$(md5sum < /tmp/inside)" "the partition reads the atomic write"
expect_eq "$(img_sum)" "$img_before" "the image keeps what was there at take"
cbt_expect_exact $p2 $((124 * K)):$((8 * K))

blksnap snapshot destroy $SNAP_ID
blksnap detach $p2
umount /mnt/st
echo 1 > /sys/block/$(basename $sd)/device/delete
rmmod scsi_debug
ok "atomic writes: refused whole across the edge, passed whole inside"

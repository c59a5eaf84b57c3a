# A write through a whole disk's node across the edge of a filtered
# partition is cut there by the module: the piece inside goes through the
# partition's filter (which counts it), the piece outside is counted by no
# filter.  Here the outside piece is held 8 s below the disk (the disk is
# a loop device over a dm table whose first MiB is dm-delay), while the
# partition's filter is detached and the module unloaded.  Before, module
# exit freed the bio_set the pieces come from and the piece freed itself
# into the unloaded module when it completed: the guest panicked ("unable
# to handle page fault") seconds after rmmod had returned (issue 20,
# finding 3).  Now each piece holds a module reference: rmmod is refused
# while it is in flight (a wait could last for ever: a device may hold a
# bio), and succeeds once it has completed; the write completes whole.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe dm-delay
modprobe loop
K=$((1 << 10))
M=$((1 << 20))
# The partition table on the disk below, read through the loop device.
printf 'label: gpt\nstart=2048, size=32MiB\n' | sfdisk -q $DISK1
sz=$(blockdev --getsz $DISK1)
# Writes to the first MiB (before the partition) 8 s late; the rest at once.
dmsetup create wd_slow_head --table "0 2048 delay $DISK1 0 0 $DISK1 0 8000
2048 $((sz - 2048)) linear $DISK1 2048"
dmsetup mknodes wd_slow_head
loop=$(losetup -f --show -P --direct-io=on /dev/mapper/wd_slow_head)
cleanup() {
	set +e
	[ -n "${writer:-}" ] && wait $writer
	grep -q '^blksnap ' /proc/modules && blksnap detach ${loop}p1 2>/dev/null
	losetup -d $loop
	dmsetup remove wd_slow_head
	true
}
trap cleanup EXIT
for i in $(seq 50); do [ -b ${loop}p1 ] && break; sleep 0.1; done
[ -b ${loop}p1 ] || fail "${loop}p1 did not appear"
# The two pieces stay two requests (merged, the inside one would wait for
# the outside one, and so would the partition's detach).
echo 2 > /sys/block/$(basename $loop)/queue/nomerges

blksnap attach ${loop}p1
# One write of 128 KiB from 64 KiB before the partition: one piece each
# side of its edge.
dd if=/dev/urandom of=/tmp/new bs=128K count=1 status=none
dd if=/tmp/new of=$loop bs=128K seek=$((M - 64 * K)) oflag=direct,seek_bytes \
	conv=notrunc status=none &
writer=$!
sleep 1
grep -q '^State:.*D' /proc/$writer/status ||
	fail "the write is not in flight after 1 s: the case proves nothing"
blksnap detach ${loop}p1
err=$(rmmod blksnap 2>&1) && fail "rmmod succeeded while a piece outside the partition was in flight"
expect_match "$err" "in use" "rmmod while the piece is in flight is refused"
grep -q '^State:.*D' /proc/$writer/status ||
	fail "the write completed before rmmod was tried: the case proves nothing"
ok "the module stays while the piece outside the partition is in flight"
rc=0
wait $writer || rc=$?
writer=
expect_eq "$rc" 0 "exit status of the write through the whole disk"
dd if=$loop of=/tmp/got bs=128K count=1 skip=$((M - 64 * K)) \
	iflag=direct,skip_bytes status=none
cmp -s /tmp/new /tmp/got || fail "the write through the whole disk is not on the disk whole"
ok "the write through the whole disk landed whole, both pieces"
rmmod blksnap || fail "rmmod after the piece completed"
ok "rmmod succeeds once the piece has completed"

# Two devices in one snapshot are taken at one instant: a writer stamps a
# counter on A, then on B, over and over, while take() happens; the images
# must show B == A or B == A - 1 (never a B from after A's instant).
# kernels: every
# cpus: 2
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
partition_disk1 32MiB 32MiB
a=${DISK1}1 b=${DISK1}2
# The writer goes on until told to stop, some time after the take: its
# last count is above the take's, so images that showed the live origin
# (no copy-on-write) would show that last count, and fail below.
rm -f /tmp/counter.stop /tmp/counter.started
python3 - $a $b > /tmp/counter.log 2>&1 <<'PY' &
import mmap, os, sys, time
fds = [os.open(d, os.O_WRONLY | os.O_DIRECT | os.O_SYNC) for d in sys.argv[1:3]]
buf = mmap.mmap(-1, 4096)
end = time.time() + 120
i = 0
while time.time() < end and not os.path.exists("/tmp/counter.stop"):
    i += 1
    for fd in fds:
        buf[:16] = b"COUNTER\0" + i.to_bytes(8, "little")
        os.pwritev(fd, [buf], 0)
    if i == 1:
        open("/tmp/counter.started", "w").close()
print("writes", i)
PY
writer=$!
for i in $(seq 300); do [ -e /tmp/counter.started ] && break; sleep 0.1; done
[ -e /tmp/counter.started ] || fail "the writer did not start: $(cat /tmp/counter.log)"
sleep 1
snapshot_create /tmp/snap.json --storage /tmp/diff --limit 256M $a $b
sleep 2
touch /tmp/counter.stop
wait $writer || fail "the writer failed: $(cat /tmp/counter.log)"
cat /tmp/counter.log
final=$(sed -n 's/^writes //p' /tmp/counter.log)
set -- $IMAGES
# read_counter DEV: the count at DEV's start, read past the page cache
# (dd and od: a python start costs a second of guest CPU).
read_counter() {
	dd if="$1" of=/tmp/counter.blk bs=4096 count=1 iflag=direct status=none
	# (on stderr: stdout is the caller's $(...))
	[ "$(head -c 7 /tmp/counter.blk)" = COUNTER ] ||
		{ echo "FAIL: $1: no counter at its start" >&2; exit 1; }
	od -An -t u8 -j 8 -N 8 /tmp/counter.blk | tr -d ' '
}
ca=$(read_counter $1)
cb=$(read_counter $2)
oa=$(read_counter $a)
ob=$(read_counter $b)
echo "image of A shows $ca, image of B shows $cb; the origins show $oa and $ob; the writer's last count $final"
expect_eq "$oa $ob" "$final $final" "the origins' counters after the writer"
[ "$ca" -lt "$final" ] || fail "the image of A shows $ca, not below the last count $final: it follows the origin"
[ "$cb" -lt "$final" ] || fail "the image of B shows $cb, not below the last count $final: it follows the origin"
ok "both images kept a count from before the writer's last ($ca, $cb < $final)"
[ "$cb" -eq "$ca" ] || [ "$cb" -eq $((ca - 1)) ] || fail "images are not from one instant"
ok "both images are from the same instant"
blksnap snapshot destroy $SNAP_ID
blksnap detach $a
blksnap detach $b

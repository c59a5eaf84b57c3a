# Two devices in one snapshot are taken at one instant: a writer stamps a
# counter on A, then on B, over and over, while take() happens; the images
# must show B == A or B == A - 1 (never a B from after A's instant).
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
partition_disk1 32MiB 32MiB
a=${DISK1}1 b=${DISK1}2
python3 - $a $b > /tmp/counter.log 2>&1 <<'PY' &
import mmap, os, sys, time
fds = [os.open(d, os.O_WRONLY | os.O_DIRECT | os.O_SYNC) for d in sys.argv[1:3]]
buf = mmap.mmap(-1, 4096)
end = time.time() + 25
i = 0
while time.time() < end:
    i += 1
    for fd in fds:
        buf[:16] = b"COUNTER\0" + i.to_bytes(8, "little")
        os.pwritev(fd, [buf], 0)
print("writes", i)
PY
writer=$!
sleep 5
snapshot_create /tmp/snap.json --storage /tmp/diff --limit 256M $a $b
wait $writer
cat /tmp/counter.log
set -- $IMAGES
read_counter() {
	python3 -c 'import sys; d=open(sys.argv[1],"rb").read(16); assert d[:8]==b"COUNTER\0", d; print(int.from_bytes(d[8:16],"little"))' "$1"
}
ca=$(read_counter $1) cb=$(read_counter $2)
echo "image of A shows $ca, image of B shows $cb"
[ "$cb" -eq "$ca" ] || [ "$cb" -eq $((ca - 1)) ] || fail "images are not from one instant"
ok "both images are from the same instant"
blksnap snapshot destroy $SNAP_ID
blksnap detach $a
blksnap detach $b

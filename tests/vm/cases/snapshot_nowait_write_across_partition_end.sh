# A RWF_NOWAIT write through the whole disk's node that crosses the end of
# a snapshotted partition, with and without the whole disk tracked too,
# gets EAGAIN whole before any part of it is written (as the block layer
# refuses a REQ_NOWAIT bio it would have to split), or is written whole.
# Found in review: the whole disk's clone completed with 0 over the
# partition piece's BLK_STS_AGAIN, so the caller was told "written" while
# the partition's part never reached the disk; without the whole disk
# tracked, the p2 part was written and the caller got EAGAIN.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
partition_disk1 64MiB 64MiB
M=$((1 << 20))
dd if=/dev/zero of=$DISK1 bs=1M count=140 oflag=direct status=none
# Write 128 KiB at disk offset 65 MiB - 64 KiB: 64 KiB at the end of p1,
# 64 KiB at the start of p2.
off=$((65 * M - 65536))
nowait() {
	timeout 20 python3 - "$1" "$2" <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_DIRECT)
buf = mmap.mmap(-1, 131072)
buf.write(b'\xab' * 131072)
try:
    n = os.pwritev(fd, [buf], int(sys.argv[2]), os.RWF_NOWAIT)
    print("written", n)
except BlockingIOError:
    print("EAGAIN")
PY
}
check_disk() {
	python3 - "$DISK1" "$off" <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 131072)
os.preadv(fd, [buf], int(sys.argv[2]))
a = buf[:65536].count(b'\xab'); b = buf[65536:].count(b'\xab')
print("p1-part 0xab bytes:", a, " p2-part 0xab bytes:", b)
PY
}

for whole in no yes; do
	dd if=/dev/zero of=$DISK1 bs=64K count=2 seek=$((off / 65536)) oflag=direct status=none
	[ $whole = yes ] && blksnap attach $DISK1
	snapshot_create /tmp/snap.json --storage /tmp --limit 64M ${DISK1}1
	r=$(nowait $DISK1 $off) || fail "RWF_NOWAIT write hung or failed"
	d=$(check_disk)
	echo "whole disk tracked=$whole: pwritev2 -> $r; on disk: $d"
	blksnap snapshot destroy $SNAP_ID
	blksnap detach ${DISK1}1 || true
	[ $whole = yes ] && blksnap detach $DISK1
	case $r in
	EAGAIN) case $d in *"p1-part 0xab bytes: 0 "*"p2-part 0xab bytes: 0") ok "whole=$whole: EAGAIN, nothing written" ;;
		*) fail "whole=$whole: pwritev2 reported EAGAIN but part of the write is on disk" ;; esac ;;
	"written 131072") case $d in *"p1-part 0xab bytes: 65536 "*"p2-part 0xab bytes: 65536") ok "whole=$whole: written and on disk" ;;
		*) fail "whole=$whole: pwritev2 reported success but the write is not all on disk (lost write)" ;; esac ;;
	*) fail "whole=$whole: unexpected result '$r'" ;;
	esac
done

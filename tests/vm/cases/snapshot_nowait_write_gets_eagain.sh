# A RWF_NOWAIT write to a chunk that must be copied first returns EAGAIN
# at once instead of waiting; once the chunk is copied it succeeds.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
partition_disk1 64MiB
dev=${DISK1}1
snapshot_create /tmp/snap.json --storage /tmp/diff --limit 64M $dev
nowait() {
	timeout 20 python3 - "$dev" "$1" <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_DIRECT)
buf = mmap.mmap(-1, 4096)
try:
    os.pwritev(fd, [buf], int(sys.argv[2]), os.RWF_NOWAIT)
    print("written")
except BlockingIOError:
    print("EAGAIN")
PY
}
r=$(nowait $((8 << 20))) || fail "RWF_NOWAIT write hung or failed"
expect_eq "$r" EAGAIN "RWF_NOWAIT write to an uncopied chunk"
dd if=/dev/zero of=$dev bs=4096 count=1 seek=$((8 << 20)) oflag=direct,seek_bytes conv=notrunc status=none
r=$(nowait $((8 << 20))) || fail "RWF_NOWAIT write hung or failed"
expect_eq "$r" written "RWF_NOWAIT write to a copied chunk"
blksnap snapshot destroy $SNAP_ID
blksnap detach $dev

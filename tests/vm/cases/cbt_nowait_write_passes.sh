# A RWF_NOWAIT write to a filtered device completes (or says EAGAIN) and
# never hangs; when it completes, its block is marked.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
dev=$DISK0
blksnap attach $dev
blksnap cbt switch $dev
result=$(timeout 20 python3 - "$dev" <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_DIRECT)
buf = mmap.mmap(-1, 4096)
buf.write(b"n" * 4096)
try:
    n = os.pwritev(fd, [buf], 5 << 20, os.RWF_NOWAIT)
    print("written" if n == 4096 else f"short {n}")
except BlockingIOError:
    print("EAGAIN")
PY
) || fail "RWF_NOWAIT write did not return (rc $?)"
echo "RWF_NOWAIT write: $result"
case $result in
written) cbt_expect_exact $dev $((5 << 20)):4096 ;;
EAGAIN) ok "EAGAIN is an allowed answer" ;;
*) fail "unexpected result '$result'" ;;
esac
blksnap detach $dev

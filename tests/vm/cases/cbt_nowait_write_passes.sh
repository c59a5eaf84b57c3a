# A RWF_NOWAIT write to a filtered device with no snapshot completes (it
# has nothing to wait for: EAGAIN would be a refusal) and never hangs; its
# block is marked.
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
expect_eq "$result" written "RWF_NOWAIT write to a tracked device with no snapshot"
dd if=$dev of=/tmp/got bs=4096 count=1 skip=$(((5 << 20) / 4096)) iflag=direct status=none
head -c 4096 /dev/zero | tr '\0' n > /tmp/want
cmp /tmp/want /tmp/got || fail "the RWF_NOWAIT write is not on the device"
ok "the RWF_NOWAIT write is on the device"
cbt_expect_exact $dev $((5 << 20)):4096
blksnap detach $dev

# A parameter outside its documented bounds stops the load with a kernel
# message naming the parameter, and leaves nothing behind.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

if modprobe blksnap chunk_minimum_shift=40 2>/dev/null; then
	fail "modprobe blksnap chunk_minimum_shift=40 succeeded"
fi
ok "modprobe with chunk_minimum_shift=40 refused"
grep -q '^blksnap ' /proc/modules && fail "module stayed loaded"
[ ! -e /dev/blksnap-control ] || fail "control node left behind"
msg=$(dmesg | grep 'blksnap-params' || true)
expect_match "$msg" 'chunk_minimum_shift=40 is out of range 12\.\.26' "kernel message"

load_blksnap chunk_minimum_shift=20
expect_eq "$(cat /sys/module/blksnap/parameters/chunk_minimum_shift)" 20 "in-range chunk_minimum_shift accepted"

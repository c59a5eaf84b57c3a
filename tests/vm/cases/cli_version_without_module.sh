# With the module not loaded, `blksnap version` says so in one line, tells
# how to load it, and exits 1.
# kernels: first
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

grep -q '^blksnap ' /proc/modules && rmmod blksnap
run_capture rc out err blksnap version
echo "stderr: $err"
expect_eq "$rc" 1 "exit code without the module"
expect_eq "$(printf '%s\n' "$err" | wc -l)" 1 "stderr line count"
expect_match "$err" 'not loaded' "message says the module is not loaded"
expect_match "$err" 'modprobe blksnap' "message says how to load it"

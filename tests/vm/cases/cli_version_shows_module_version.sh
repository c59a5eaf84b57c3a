# `blksnap version` reports tool, library and module versions from a real
# ioctl round trip, as text and as JSON.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
run_capture rc out err blksnap version
echo "$out"
expect_eq "$rc" 0 "exit code of 'blksnap version'"
expect_match "$out" 'TOOL +LIBRARY +MODULE' "table header"
expect_match "$out" '^0\.1\.0 +0\.1\.0 +0\.1\.0$' "tool, library and module versions"

run_capture rc out err blksnap version --json
echo "$out"
expect_eq "$rc" 0 "exit code of 'blksnap version --json'"
module=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["version"][0]["module"])')
expect_eq "$module" 0.1.0 "JSON key module"

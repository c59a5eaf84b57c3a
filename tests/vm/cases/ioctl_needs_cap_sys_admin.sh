# An unprivileged user cannot open the control node, and root without
# CAP_SYS_ADMIN can open it but every ioctl fails with EPERM; the CLI says
# "permission denied" in both cases.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap

run_capture rc out err setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$BLKSNAP_CLI" version
echo "as nobody: rc=$rc stderr: $err"
[ "$rc" -ne 0 ] || fail "blksnap version succeeded as nobody"
expect_match "$err" '[Pp]ermission denied' "message as nobody"

# Root keeps DAC access to its 0600 node, so this reaches the ioctl check.
nocap="setpriv --inh-caps=-sys_admin --ambient-caps=-sys_admin --bounding-set=-sys_admin"
run_capture rc out err $nocap "$BLKSNAP_CLI" version
echo "as root without CAP_SYS_ADMIN: rc=$rc stderr: $err"
[ "$rc" -ne 0 ] || fail "blksnap version succeeded without CAP_SYS_ADMIN"
expect_match "$err" '[Pp]ermission denied' "message without CAP_SYS_ADMIN"

errno=$($nocap python3 "$BLKSNAP_SRC/tests/vm/guest/raw_ioctl.py" version)
expect_eq "$errno" EPERM "raw VERSION ioctl without CAP_SYS_ADMIN"

# Requests the module does not know, or with a wrong size, fail with
# ENOTTY; a well-formed request of the ABI is answered.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
py="python3 $BLKSNAP_SRC/tests/vm/guest/raw_ioctl.py"
expect_eq "$($py version)" OK "raw VERSION ioctl as root"
expect_eq "$($py unknown)" ENOTTY "unknown request number"
expect_eq "$($py wrong-size-version)" ENOTTY "VERSION with a wrong size"
expect_eq "$($py snapshot-collect)" OK "SNAPSHOT_COLLECT asking only for the count"

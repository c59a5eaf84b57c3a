# Requests the module does not know fail with ENOTTY; requests the ABI
# declares but this version does not implement fail with EOPNOTSUPP.
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
py="python3 $BLKSNAP_SRC/tests/vm/guest/raw_ioctl.py"
expect_eq "$($py version)" OK "raw VERSION ioctl as root"
expect_eq "$($py unknown)" ENOTTY "unknown request number"
expect_eq "$($py wrong-size-version)" ENOTTY "VERSION with a wrong size"
expect_eq "$($py snapshot-collect)" EOPNOTSUPP "declared but unimplemented SNAPSHOT_COLLECT"

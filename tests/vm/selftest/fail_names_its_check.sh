# Not a test of blksnap: a case that fails one check, for the harness
# (tests/vm/run.sh --selftest).  Its verdict line must read
# "FAIL fail_names_its_check ...: script exited 1: the check's own words",
# so that a report showing only the head of a long log still names it.
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

ok "a check that passes"
echo "some output"
expect_eq "actual" "wanted" "the check's own words"

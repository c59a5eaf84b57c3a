# Not a test of blksnap: a case that hangs in the kernel, for the
# harness's watchdog (tests/vm/run.sh --selftest).  A direct write to a
# suspended dm device sleeps uninterruptibly until the device resumes, so
# the case's own timeout cannot kill it (the case execs it: its timeout
# waits for that process); the runner must fail this case by
# name after its timeout plus 60 s, show the blocked tasks, and stop.
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

dmsetup create selftest_hang --table "0 2048 linear $DISK0 0"
dmsetup mknodes selftest_hang
dmsetup suspend selftest_hang
echo "writing to a suspended device; this never returns"
exec dd if=/dev/zero of=/dev/mapper/selftest_hang bs=4096 count=1 oflag=direct

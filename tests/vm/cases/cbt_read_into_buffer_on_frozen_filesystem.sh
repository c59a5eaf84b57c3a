# The CBT commands copy to and from userspace without the tracker's lock:
# a map read into a MAP_SHARED buffer on a frozen filesystem waits in its
# page fault, and everything else on the device (cbt info here, a take's
# CBT switch in real life, which freezes that filesystem first) goes on.
# Before, CBTMAP held the lock across copy_to_user(): cbt info hung until
# the thaw, and a take deadlocked.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
mkfs.ext4 -q -F $DISK0
mkdir -p /mnt/frozen
mount $DISK0 /mnt/frozen
dd if=/dev/zero of=/mnt/frozen/buffer bs=4096 count=1 status=none
sync
blksnap attach $DISK1
cleanup() {
	set +e
	fsfreeze -u /mnt/frozen 2>/dev/null
	[ -n "${reader:-}" ] && wait $reader
	blksnap detach $DISK1
	umount /mnt/frozen
	true
}
trap cleanup EXIT

# Pages of a freshly mapped file are write-faulted by the copy.
echo 3 > /proc/sys/vm/drop_caches
fsfreeze -f /mnt/frozen
python3 "$BLKSNAP_SRC/tests/vm/guest/raw_ioctl.py" cbtmap-mmap $DISK1 /mnt/frozen/buffer \
	> /tmp/reader.out &
reader=$!
sleep 2
grep -q '^State:.*D' /proc/$reader/status 2>/dev/null ||
	echo "note: the reader is not waiting in its page fault: $(grep ^State /proc/$reader/status 2>&1)"
if ! timeout 20 "$BLKSNAP_CLI" cbt info $DISK1 > /dev/null; then
	fail "cbt info on $DISK1 waited for a map read faulting on a frozen filesystem (tracker lock held across copy_to_user)"
fi
ok "cbt info answers while a map read waits in a page fault"
kill -0 $reader 2>/dev/null || fail "the map read did not wait for the frozen filesystem; the case proves nothing"
fsfreeze -u /mnt/frozen
wait $reader
reader=
expect_eq "$(cat /tmp/reader.out)" OK "the map read after the thaw"

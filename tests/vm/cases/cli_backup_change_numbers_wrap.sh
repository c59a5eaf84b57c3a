# The upstream ABI's change numbers are 8 bits wide: the module begins a
# new generation of change tracking when they would wrap (every 254 takes:
# ten days of hourly backups).  The backup after the wrap cannot ask what
# changed since its last take; it compares the whole device with the
# image DEST holds and writes only what differs, and its summary says why
# (issue 19).  Here the numbers are run up with CBT switches (each one a
# take's switch without a snapshot, from raw_ioctl.py) so that one backup
# is taken at 254 and the next one wraps.  What is proved is the CLI's
# (the state, the reason, the compare); the wrap itself is cbt_map.c's,
# the same code on every kernel, and the switch ioctl is
# cbt_mark_dirty_and_generations's on all.
# kernels: first
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"
. "$BLKSNAP_SRC/tests/vm/guest/backup_lib.sh"

backup_setup_data
dev=${DISK1}1
dest=/mnt/backup/data.img
mutate /srv/data 1
blksnap backup --json --to $dest /srv/data > /tmp/b0.json || fail "the first backup"
expect_eq "$(jget /tmp/b0.json mode)" full "the first backup's mode"
gen0=$(cbt_field $dev generation)
n=$(cbt_field $dev changes)
echo "after the first backup: generation $gen0, change number $n"
expect_eq "$(python3 $BLKSNAP_SRC/tests/vm/guest/raw_ioctl.py cbt-switch $dev $((253 - n)))" OK \
	"$((253 - n)) switches of the change map"
expect_eq "$(cbt_field $dev changes)" 253 "change number after the switches"
mutate /srv/data 2
blksnap backup --json --to $dest /srv/data > /tmp/b1.json || fail "the backup at 254"
expect_eq "$(jget /tmp/b1.json mode)" incremental "the backup at 254"
expect_eq "$(cbt_field $dev changes)" 254 "change number of the backup at 254"
# Little changes: the compare must write that little, not the device.
dd if=/dev/urandom of=/srv/data/r2/new2 bs=4k count=4 seek=1 conv=notrunc status=none
sync
checksums /srv/data > /tmp/wrap.2.sums
blksnap backup --json --to $dest /srv/data > /tmp/b2.json 2> /tmp/b2.err ||
	{ cat /tmp/b2.err; fail "the backup after the wrap"; }
cat /tmp/b2.err
gen1=$(cbt_field $dev generation)
[ "$gen1" != "$gen0" ] || fail "no new generation after the wrap"
expect_eq "$(cbt_field $dev changes)" 1 "change number after the wrap"
expect_match "$(cat /tmp/b2.err) $(cat /tmp/b2.json)" "8-bit change numbers ran out" \
	"the run says why it compares"
written=$(jget /tmp/b2.json bytes-written)
total=$(jget /tmp/b2.json bytes-total)
echo "after the wrap: $written of $total bytes written"
[ "$written" -le $((4 * M)) ] || fail "the compare after the wrap wrote $written bytes, more than the changes"
[ "$written" -ge 16384 ] || fail "the compare after the wrap wrote $written bytes, less than the 16 KiB changed"
ok "the backup after the wrap compared the device and wrote $written of $total bytes"
check_dest wrap ext4 2 $dest
umount /srv/data
blksnap detach $dev

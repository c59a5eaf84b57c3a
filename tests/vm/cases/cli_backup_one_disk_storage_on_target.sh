# Issue 18: backups of a one-disk machine to a second disk, the difference
# storage on the backed-up filesystem itself (the default when nothing
# else qualifies).  A snapshot kept live while 96 MiB are overwritten
# copies those 96 MiB into its storage; the next incremental must count
# the real changes only (at most 1.4x), not the storage's copies nor the
# zeros destroy writes back.  Each DEST must stay byte-identical to the
# snapshot image it was copied from, run after run: the storage's sectors
# are zeros in the image, marked changed up to the take, zeroed at
# destroy.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

# The machine's default storage choice, not caselib's tmpfs.
unset BLKSNAP_CONFIG
load_blksnap
modprobe ext4
M=$((1 << 20))
partition_disk1 480MiB
dev=${DISK1}1
mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 $dev
mkdir -p /mnt/one /mnt/backup
mount $dev /mnt/one
mkdir -p /mnt/one/var-tmp
mount --bind /mnt/one/var-tmp /var/tmp
mkfs.ext4 -q -F $DISK0
mount $DISK0 /mnt/backup
mkdir -p /mnt/backup/state
printf '[backup]\nstate-directory = /mnt/backup/state\n' > /tmp/one.conf
export BLKSNAP_CONFIG=/tmp/one.conf
dest=/mnt/backup/one.img

for i in 1 2 3; do
	dd if=/dev/urandom of=/mnt/one/data$i bs=1M count=32 status=none
done
# Free space that held data once, as on any used disk: the storage lands
# on it, and the image shows zeros there.
dd if=/dev/urandom of=/mnt/one/gone bs=1M count=320 status=none
rm /mnt/one/gone
sync

# backup R: a kept-snapshot backup; checks DEST against its image and
# leaves the run's figures in COPIED and SNAP.
backup() {
	local r=$1 out
	run_capture rc out err blksnap backup --json --keep-snapshot --to $dest /mnt/one
	echo "$err" | grep -v '^$' || true
	expect_eq "$rc" 0 "round $r: backup of /mnt/one"
	SNAP=$(jq -er .snapshot <<< "$out")
	COPIED=$(jq -er '.backups[0]["bytes-copied"]' <<< "$out")
	local img mode
	img=$(jq -er '.backups[0].image' <<< "$out")
	mode=$(jq -er '.backups[0].mode' <<< "$out")
	echo "round $r: $mode, $((COPIED / M)) MiB copied"
	cmp $img $dest || fail "round $r: $dest differs from the snapshot image"
	ok "round $r: $dest is byte-identical to the snapshot image"
}

backup 1
expect_match "$(dmesg | tail -n 20)" "difference storage on it" "the storage went to the backed-up filesystem"
# 96 MiB of overwrites while the snapshot lives: 96 MiB of copies in the
# storage, on this same disk.
for i in 1 2 3; do
	dd if=/dev/urandom of=/mnt/one/data$i bs=1M count=32 conv=notrunc status=none
done
sync
used=$(awk '{ print $1 }' /sys/class/misc/blksnap-control/snapshots/$SNAP/storage)
echo "storage used: $((used * 512 / M)) MiB"
[ $((used * 512)) -ge $((96 * M)) ] || fail "the overwrites were not copied into the storage"
blksnap snapshot destroy $SNAP

backup 2
dmesg | grep "sectors of the storage held data" | tail -n 3
echo "FIGURE one-disk incremental: $((COPIED / M)) MiB copied for 96 MiB changed"
[ $COPIED -ge $((96 * M)) ] || fail "round 2 missed changes: $COPIED bytes"
[ $COPIED -le $((96 * 14 / 10 * M)) ] || fail "round 2 copied the storage's writes too: $COPIED bytes"
dd if=/dev/urandom of=/mnt/one/data2 bs=1M count=16 conv=notrunc status=none
sync
blksnap snapshot destroy $SNAP

backup 3
[ $COPIED -le $((16 * 14 / 10 * M)) ] || fail "round 3 copied more than the 16 MiB changed: $COPIED bytes"
blksnap snapshot destroy $SNAP
umount /var/tmp
umount /mnt/one /mnt/backup
blksnap detach $dev

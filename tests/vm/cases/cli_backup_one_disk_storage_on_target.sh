# Issue 18: backups of a one-disk machine to a second disk, the difference
# storage on the backed-up filesystem itself (the default when nothing
# else qualifies).  A snapshot kept live while 96 MiB are overwritten
# copies those 96 MiB into its storage; the next incremental must count
# the real changes (at most 1.4x) and, where the next storage lands on
# free space that still holds old data, that data (which the image shows
# as zeros), but not the storage's copies nor the zeros destroy writes
# back.  Each DEST must stay byte-identical to the
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
xfs_io -f -c 'pwrite -q -S 0xa5 -b 1m 0 320m' /mnt/one/gone
rm /mnt/one/gone
sync

# backup R: a kept-snapshot backup; checks DEST against its image and
# leaves the run's figures in COPIED and SNAP.
backup() {
	local r=$1 out
	kmsg_mark
	run_capture rc out err blksnap backup --json --keep-snapshot --to $dest /mnt/one
	echo "$err" | grep -v '^$' || true
	expect_eq "$rc" 0 "round $r: backup of /mnt/one"
	SNAP=$(jq -er .snapshot <<< "$out")
	COPIED=$(jq -er '.backups[0]["bytes-copied"]' <<< "$out")
	local img mode
	img=$(jq -er '.backups[0].image' <<< "$out")
	mode=$(jq -er '.backups[0].mode' <<< "$out")
	# What the module found holding old data where the storage went,
	# zeroed and marked changed: the image shows zeros there.
	MARKED=$(kmsg_since_mark | sed -n 's/.*: \([0-9]*\) sectors of the storage held data.*/\1/p' | tail -n 1)
	MARKED=$(( ${MARKED:-0} * 512 ))
	echo "round $r: $mode, $((COPIED / M)) MiB copied; storage placed on $((MARKED / M)) MiB of old data"
	cmp $img $dest || fail "round $r: $dest differs from the snapshot image"
	ok "round $r: $dest is byte-identical to the snapshot image"
}

backup 1
expect_match "$(kmsg_since_mark)" "difference storage on it" "the storage went to the backed-up filesystem"
# 96 MiB of overwrites while the snapshot lives: 96 MiB of copies in the
# storage, on this same disk.
for i in 1 2 3; do
	dd if=/dev/urandom of=/mnt/one/data$i bs=1M count=32 conv=notrunc status=none
done
sync
used=$(awk '{ print $1 }' /sys/class/misc/blksnap-control/snapshots/$SNAP/storage)
echo "storage used: $((used / M)) MiB"
[ $used -ge $((96 * M)) ] || fail "the overwrites were not copied into the storage"
blksnap snapshot destroy $SNAP

backup 2
echo "FIGURE one-disk incremental: $((COPIED / M)) MiB copied for 96 MiB changed" \
	"($((MARKED / M)) MiB of it old data under the new storage)"
[ $COPIED -ge $((96 * M)) ] || fail "round 2 missed changes: $COPIED bytes"
# Beyond the changes only what the new storage covered of old data (the
# image shows zeros there): the storage's copies and the zeros destroy
# wrote back count nothing.
[ $COPIED -le $((96 * 14 / 10 * M + MARKED)) ] ||
	fail "round 2 copied more than 1.4x the changes and the old data under the storage: $COPIED bytes"
dd if=/dev/urandom of=/mnt/one/data2 bs=1M count=16 conv=notrunc status=none
sync
blksnap snapshot destroy $SNAP

backup 3
echo "FIGURE one-disk incremental: $((COPIED / M)) MiB copied for 16 MiB changed" \
	"($((MARKED / M)) MiB of it old data under the new storage)"
[ $COPIED -le $((16 * 14 / 10 * M + MARKED)) ] ||
	fail "round 3 copied more than the changes and the storage's old data: $COPIED bytes"
blksnap snapshot destroy $SNAP
umount /var/tmp
umount /mnt/one /mnt/backup
blksnap detach $dev

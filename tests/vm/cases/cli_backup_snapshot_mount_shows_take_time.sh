# 'blksnap snapshot mount ID TARGET DIR' shows TARGET's files as at the
# snapshot (read-only) while the origin changes; 'snapshot umount DIR'
# undoes it and refuses a directory where no snapshot image is mounted.
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe ext4
modprobe loop
M=$((1 << 20))
# A failed check must not leave mounts that break the next case.
# (set -e holds in the trap too: every command there may fail.)
trap 'for m in /mnt/check /mnt/then /srv/data /srv/small /srv/xfs /mnt/backup /srv; do
	umount -l $m 2>/dev/null || true; done
      vgchange -q -an bk >/dev/null 2>&1 || true' EXIT
partition_disk1 64MiB
mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 ${DISK1}1
# Backups go to ext4 on the other disk; the guest's root is the host's,
# read-only, so mount points live on tmpfs.
mount -t tmpfs srv /srv
mkdir -p /mnt/backup
mkfs.ext4 -q $DISK0
mount $DISK0 /mnt/backup
# The state directory and limit come from blksnap.conf(5).
mkdir -p /mnt/backup/state
printf '[snapshot]\nlimit = 256M\n[backup]\nstate-directory = /mnt/backup/state\n' > /tmp/blksnap.conf
export BLKSNAP_CONFIG=/tmp/blksnap.conf
mkdir -p /srv/data
mount ${DISK1}1 /srv/data
echo "t=${SECONDS}s: filesystems made"

echo "take time" > /srv/data/file
sync
run_capture rc out err blksnap snapshot create --json /srv/data
expect_eq "$rc" 0 "snapshot create of /srv/data"
id=$(printf '%s\n' "$out" | sed -n 's/^ *"id": "\(.*\)",*$/\1/p')
echo "later" > /srv/data/file
sync
mkdir -p /mnt/then
blksnap snapshot mount "$id" /srv/data /mnt/then
expect_eq "$(cat /mnt/then/file)" "take time" "the mounted image shows the file as at take"
expect_match "$(findmnt -n -o OPTIONS /mnt/then)" "(^|,)ro(,|$)" "the image is mounted read-only"
run_capture rc out err blksnap snapshot umount /srv/data
echo "umount of the origin: rc=$rc: $err"
expect_eq "$rc" 1 "snapshot umount of a directory that holds no image"
expect_match "$err" "^blksnap: /srv/data: .*not a snapshot image" "the refusal names the directory"
findmnt /srv/data >/dev/null || fail "snapshot umount unmounted the origin"
blksnap snapshot umount /mnt/then
findmnt /mnt/then >/dev/null && fail "/mnt/then is still mounted"
ok "snapshot umount unmounted the image"
blksnap snapshot destroy "$id"
umount /srv/data /mnt/backup /srv
blksnap detach ${DISK1}1

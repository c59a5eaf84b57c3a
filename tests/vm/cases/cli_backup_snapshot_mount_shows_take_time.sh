# 'blksnap snapshot mount ID TARGET DIR' shows TARGET's files as at the
# snapshot (read-only) while the origin changes; 'snapshot umount DIR'
# undoes it and refuses a directory where no snapshot image is mounted.
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"
. "$BLKSNAP_SRC/tests/vm/guest/backup_lib.sh"

backup_setup
partition_disk1 64MiB
mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 ${DISK1}1
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
umount /srv/data
blksnap detach ${DISK1}1

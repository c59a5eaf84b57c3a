# 'blksnap snapshot mount ID TARGET DIR' shows TARGET's files as at the
# snapshot (read-only) while the origin changes; 'snapshot umount DIR'
# undoes it and refuses a directory where no snapshot image is mounted.
# 'snapshot info' tells the take time, the age and the difference storage
# used (grown by the copy-on-write of the change) and its limit;
# 'snapshot list' shows them, and the space free at the take (FREE).
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"
. "$BLKSNAP_SRC/tests/vm/guest/backup_lib.sh"

backup_setup_data

echo "take time" > /srv/data/file
# Overwritten in place after the take: copies.  (A new file would land in
# space free at the take, which is never copied.)
head -c $((4 * M)) /dev/urandom > /srv/data/file2
sync
before=$(date +%s)
run_capture rc out err blksnap snapshot create --json /srv/data
after=$(date +%s)
expect_eq "$rc" 0 "snapshot create of /srv/data"
id=$(printf '%s\n' "$out" | sed -n 's/^ *"id": "\(.*\)",*$/\1/p')
blksnap snapshot info --json "$id" > /tmp/info0.json
used0=$(jget /tmp/info0.json storage-used)
echo "later" > /srv/data/file
dd if=/dev/urandom of=/srv/data/file2 bs=1M count=4 conv=notrunc status=none
sync
# The storage write comes after the origin's (a kernel worker stores the
# copied chunks): storage used grows within moments, not at once.
for i in $(seq 100); do
	blksnap snapshot info --json "$id" > /tmp/info1.json
	used1=$(jget /tmp/info1.json storage-used)
	[ "$used1" -gt "$used0" ] && break
	sleep 0.1
done
taken=$(jget /tmp/info1.json taken) age=$(jget /tmp/info1.json age)
limit=$(jget /tmp/info1.json storage-limit)
echo "taken $taken (create ran $before..$after), age ${age}s, storage used $used0 -> $used1 of $limit"
[ "$taken" -ge "$before" ] && [ "$taken" -le "$after" ] ||
	fail "take time $taken is not within the create command's run"
[ "$age" -ge 0 ] && [ "$age" -le $(( $(date +%s) - before + 1 )) ] || fail "age $age"
[ "$used1" -gt "$used0" ] || fail "storage used did not grow with the copy-on-write"
expect_eq "$limit" $((256 * M)) "storage limit (the configured default, 256M)"
blksnap snapshot list | tee /tmp/list.txt
free=$(jget /tmp/info1.json free-at-take)
echo "free at the take: $free bytes"
[ "${free:-0}" -gt 0 ] || fail "snapshot info shows no space free at the take"
expect_match "$(head -n 1 /tmp/list.txt)" "AGE +USED +LIMIT +FREE$" "snapshot list columns"
expect_match "$(sed -n 2p /tmp/list.txt)" " 256M +[0-9.]+[KMG]$" "snapshot list shows the limit and the space free at the take"
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

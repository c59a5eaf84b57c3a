# A backup killed by SIGTERM in the middle of its copy destroys its
# snapshot, leaves the state file as it was, and the next run (an
# incremental from the old state) ends byte-identical.  A second backup of
# a locked state with --no-wait fails at once with one line.
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"
. "$BLKSNAP_SRC/tests/vm/guest/backup_lib.sh"

backup_setup_data

mutate /srv/data 0
backup_round data /srv/data ${DISK1}1 ext4 0

# --- a second backup of a locked state fails at once with --no-wait ----
state=$(ls /mnt/backup/state/*data.img.state)
# Held by this shell itself: a background holder's children would keep
# the lock (and /mnt/backup busy) after it is killed.
exec {lockfd}> "$state.lock"
flock -n $lockfd || fail "cannot lock $state.lock"
run_capture rc out err blksnap backup --no-wait --to /mnt/backup/data.img /srv/data
echo "locked state: rc=$rc: $err"
expect_eq "$rc" 1 "exit code with the state locked"
expect_match "$err" "another backup" "message names the other backup"
exec {lockfd}>&-

# --- SIGTERM mid-copy leaves the state; the next run repairs DEST --------
head -c $((24 * M)) /dev/urandom > /srv/data/big
sync
sum_state=$(sha256sum < "$state")
sum_dest=$(sha256sum < /mnt/backup/data.img)
# The binary itself, not caselib's blksnap function: SIGTERM must reach it,
# not a subshell that would die and leave it running.
"$BLKSNAP_CLI" backup --bwlimit 8M --to /mnt/backup/data.img /srv/data \
	> /tmp/killed.out 2> /tmp/killed.err &
pid=$!
# Kill it once it has read 4 MiB of the image: mid-copy for sure, as
# --bwlimit stretches the 24 MiB changed over three seconds.  (Waiting for
# the snapshot alone is not enough: the program may still be starting.)
for i in $(seq 600); do
	rchar=$(sed -n 's/^rchar: //p' /proc/$pid/io 2>/dev/null || echo 0)
	[ "${rchar:-0}" -ge $((4 * M)) ] && break
	sleep 0.1
done
[ "${rchar:-0}" -ge $((4 * M)) ] ||
	fail "the backup read only ${rchar:-0} bytes in a minute: not copying"
echo "killing the backup after it read $rchar bytes"
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
echo "killed run: rc=$rc: $(cat /tmp/killed.err)"
expect_eq "$rc" 143 "exit status of the run killed by SIGTERM"
expect_match "$(cat /tmp/killed.err)" "interrupted; its state is unchanged" "the run says what it left"
expect_eq "$(sha256sum < "$state")" "$sum_state" "state file after the killed run"
[ "$(sha256sum < /mnt/backup/data.img)" != "$sum_dest" ] || fail "the killed run had not started copying"
ok "the killed run had written part of DEST"
n=$(ls /sys/class/misc/blksnap-control/snapshots | wc -l)
expect_eq "$n" 0 "snapshots left by the killed run"
backup_round data /srv/data ${DISK1}1 ext4 1

umount /srv/data
blksnap detach ${DISK1}1

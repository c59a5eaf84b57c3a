# A backup killed by SIGTERM in the middle of its copy destroys its
# snapshot, leaves the state file as it was, and the next run (an
# incremental from the old state) ends byte-identical.  A second backup of
# a locked state with --no-wait fails at once with one line.  --ranges-out
# copies nothing, lists the changed ranges and leaves the snapshot.
# kernels: first
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

# --- --ranges-out: the ranges of one 1 MiB write, the snapshot left ------
dd if=/dev/urandom of=/srv/data/big bs=1M count=1 seek=5 conv=notrunc,fsync status=none
sum_dest=$(sha256sum < /mnt/backup/data.img)
run_capture rc out err blksnap backup --ranges-out /tmp/ranges.txt --json \
	--to /mnt/backup/data.img /srv/data
expect_eq "$rc" 0 "backup --ranges-out"
snap=$(printf '%s\n' "$out" | sed -n 's/^ *"snapshot": "\(.*\)",*$/\1/p')
expect_eq "$(ls /sys/class/misc/blksnap-control/snapshots)" "$snap" "the snapshot left for the caller"
expect_eq "$(sha256sum < /mnt/backup/data.img)" "$sum_dest" "DEST after --ranges-out (nothing copied)"
listed=$(awk '{ n += $2 } END { print n + 0 }' /tmp/ranges.txt)
echo "ranges listed: $(wc -l < /tmp/ranges.txt) lines, $listed bytes"
awk 'NF != 2 || $1 !~ /^[0-9]+$/ || $2 !~ /^[0-9]+$/ || $2 == 0 { exit 1 }' /tmp/ranges.txt ||
	fail "a line of the ranges file is not OFFSET LENGTH"
[ "$listed" -ge $M ] && [ "$listed" -lt $((16 * M)) ] ||
	fail "ranges list $listed bytes for a 1 MiB write (and its metadata)"
# The file's new data is inside the listed ranges: its blocks on the disk.
# LOGICAL PHYSICAL LENGTH per extent, in 4 KiB blocks.
filefrag -e -b4096 /srv/data/big | awk -F'[: .]+' '/^ *[0-9]+:/ { print $3, $5, $7 }' \
	> /tmp/extents.txt
python3 - /tmp/ranges.txt /tmp/extents.txt <<'PY' || fail "the written blocks are not all in the ranges"
import sys
ranges = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
want = [(p + i) * 4096
        for l, p, n in (map(int, e.split()) for e in open(sys.argv[2]))
        for i in range(n) if 5 << 20 <= (l + i) * 4096 < 6 << 20]
assert len(want) == 256, len(want)
missing = [b for b in want if not any(a <= b < a + n for a, n in ranges)]
assert not missing, (missing[:4], ranges[:4])
PY
ok "the ranges hold the physical blocks of the 1 MiB write"
blksnap snapshot destroy "$snap"

umount /srv/data
blksnap detach ${DISK1}1

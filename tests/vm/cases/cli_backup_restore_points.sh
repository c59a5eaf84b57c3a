# blksnap backup writes an image file through its restore points (issue
# 19).  Three rounds of ext4 on /srv/data give three complete points in
# `backup list --json`, one per round, at the take times the runs'
# --json named; the oldest, restored with --at, shows round 0's files.  A
# run SIGKILLed in the middle of its copy (after it wrote part of DEST)
# leaves an interrupted run: `backup restore` without --at rolls DEST back
# first and gives exactly the last complete round, byte for byte; the
# next normal run destroys the snapshot the killed run left (and no
# other: a snapshot of a loop device stays), says so in one line and in
# --json, and succeeds (incremental, byte-identical, restorable).  Killed
# again, the next run rolls the killed one back and destroys its snapshot
# itself, says both in a line each and in --json, and succeeds.  The
# filter a killed first run attached (a loop device) is detached by the
# next run, which then backs the device up whole.  --keep 2 leaves two
# points, the older restorable.  A restore after a kill needs no state
# directory.  `backup verify` finds one flipped byte of DEST (its 64 KiB
# chunk; both points taken); after the module is unloaded the next run
# loads it itself and says so, and its full copy writes
# and saves only the chunks that changed, the damaged one among them, and
# says so; verify then finds the latest whole and round 5 not (it was
# saved with the damaged chunk), and restore refuses round 5 naming it.
# Killed (by strace) before any DEST write, at the commit and after it,
# restore without the state directory gives the last complete point and
# the next run succeeds.  `verify --source` leaves out what changed since
# the latest point and names a flipped byte of DEST.  A first image stays, whole and restorable, when
# only the state write fails; the next run writes nothing ("compared").
# kernels: first
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"
. "$BLKSNAP_SRC/tests/vm/guest/backup_lib.sh"

backup_setup_data
dest=/mnt/backup/data.img

# list_points: TIME COMPLETE LATEST per point, oldest first, and the count
# of all points first.
list_points() {
	blksnap backup list --json $dest > /tmp/list.json
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
p = d["restore-points"]
print(len(p))
for x in p:
    print(x["time"], str(x["complete"]).lower(), str(x["latest"]).lower())' \
		/tmp/list.json
}

# expect_points TIME...: the points are these, oldest first, all complete,
# the last the latest.
expect_points() {
	local want="$#" got i=0 t c l
	list_points > /tmp/points.txt
	got=$(head -n 1 /tmp/points.txt)
	expect_eq "$got" "$want" "restore points listed"
	while read -r t c l; do
		i=$((i + 1))
		expect_eq "$t" "${!i}" "time of point $i"
		expect_eq "$c" true "point $i complete"
		expect_eq "$l" "$([ $i = $want ] && echo true || echo false)" "point $i latest"
	done < <(tail -n +2 /tmp/points.txt)
	ok "$want complete points: $*"
}

declare -a when
for r in 0 1 2; do
	mutate /srv/data $r
	backup_round data /srv/data ${DISK1}1 ext4 $r
	when[$r]=$(jget /tmp/data.$r.json restore-point)
	[ -n "${when[$r]}" ] || fail "round $r: no restore-point in --json"
	expect_eq "$(jget /tmp/data.$r.json restore-points)" $((r + 1)) "round $r: points kept"
	expect_eq "$(jget /tmp/data.$r.json keep)" 7 "round $r: the default --keep"
done
expect_points "${when[@]}"
[ "$(stat -c %a $dest.blksnap)" = 700 ] || fail "$dest.blksnap is not mode 0700"
for f in $dest $dest.blksnap/*; do
	[ "$f" = $dest.blksnap/lock ] && continue
	expect_eq "$(stat -c %a $f)" 600 "mode of $f"
done

# --- the oldest point, restored with --at, shows round 0's files --------
blksnap backup restore --at "${when[0]}" --to /mnt/backup/r0.img $dest ||
	fail "backup restore --at ${when[0]}"
check_dest data ext4 0 /mnt/backup/r0.img
rm -f /mnt/backup/r0.img

# --- SIGKILL in the middle of a run --------------------------------------
mutate /srv/data 3
head -c $((24 * M)) /dev/urandom > /srv/data/big
sync
sum_latest=$(sha256sum < $dest | cut -d' ' -f1)
"$BLKSNAP_CLI" backup --bwlimit 8M --to $dest /srv/data \
	> /tmp/killed.out 2> /tmp/killed.err &
pid=$!
# Killed once it has written 6 MiB (undo file and DEST; or BYTES): a 4 MiB
# batch's old contents are saved and DEST is being written, the 24 MiB
# changed far from done.  (Reads count DEST's too, compared before it is
# written.)
kill_when_written() {
	local i want=${2:-$((6 * M))}
	for i in $(seq 600); do
		wchar=$(sed -n 's/^wchar: //p' /proc/$1/io 2>/dev/null || echo 0)
		[ "${wchar:-0}" -ge $want ] && break
		sleep 0.1
	done
	[ "${wchar:-0}" -ge $want ] ||
		fail "the backup wrote only ${wchar:-0} bytes in a minute: not copying"
	kill -KILL $1
}
kill_when_written $pid
set +e; wait $pid; rc=$?; set -e
echo "killed the backup after it wrote $wchar bytes: rc=$rc"
expect_eq "$rc" 137 "exit status of the run killed by SIGKILL"
[ "$(sha256sum < $dest | cut -d' ' -f1)" != "$sum_latest" ] ||
	fail "the killed run had not written DEST: it proves nothing"
ok "the killed run had written part of DEST"
n=$(ls $dest.blksnap | grep -c '^undo-' || true)
expect_eq "$n" 3 "undo files: rounds 1 and 2, and the killed run's"

# From the backup medium alone: no state directory.
mv /mnt/backup/state /mnt/backup/state.away
run_capture rc out err blksnap backup restore --to /mnt/backup/latest.img $dest
mv /mnt/backup/state.away /mnt/backup/state
echo "restore after the kill, without the state directory: rc=$rc: $err"
expect_eq "$rc" 0 "backup restore after the kill"
expect_match "$err" "rolled back the interrupted run" "restore says it rolled the run back"
expect_eq "$(sha256sum < /mnt/backup/latest.img | cut -d' ' -f1)" "$sum_latest" \
	"the restored image against DEST at round 2"
expect_eq "$(sha256sum < $dest | cut -d' ' -f1)" "$sum_latest" "DEST rolled back to round 2"
check_dest data ext4 2 /mnt/backup/latest.img
rm -f /mnt/backup/latest.img
expect_points "${when[@]}"

# --- the next run destroys the killed run's snapshot, and only it -------
# The killed run's snapshot outlives it, named in the record it left.
stale=$(ls /sys/class/misc/blksnap-control/snapshots)
expect_eq "$(wc -w <<< "$stale")" 1 "snapshots the killed run left"
expect_eq "$(sed -n 2p $dest.blksnap/snapshot)" "snapshot $stale" \
	"the killed run's record names its snapshot"
expect_eq "$(stat -c %a $dest.blksnap/snapshot)" 600 "mode of the record"
# Another snapshot, of a device no backup knows, that must stay.
truncate -s 16M /srv/other.raw
loop=$(losetup -f --show /srv/other.raw)
snapshot_create /tmp/other.json --storage /tmp --limit 16M $loop
other=$SNAP_ID

# The next normal run succeeds, an incremental from round 2's state (so
# the killed run, which had attached no filter, detached none).
backup_round data /srv/data ${DISK1}1 ext4 3
when[3]=$(jget /tmp/data.3.json restore-point)
expect_eq "$(cat /tmp/data.3.err)" \
	"blksnap: $dest: destroyed snapshot $stale, left by a killed backup run" \
	"the next run's stderr"
expect_eq "$(jget /tmp/data.3.json stale-snapshot-destroyed)" "$stale" \
	"the next run's --json names the snapshot it destroyed"
expect_eq "$(ls /sys/class/misc/blksnap-control/snapshots)" "$other" \
	"snapshots left: the loop device's only"
[ ! -e $dest.blksnap/snapshot ] || fail "the record outlived a normal run"
ok "no record left after a normal run"
blksnap snapshot destroy $other
blksnap detach $loop
losetup -d $loop
rm /srv/other.raw
expect_points "${when[@]}"
blksnap backup restore --to /mnt/backup/r3.img $dest || fail "backup restore of round 3"
check_dest data ext4 3 /mnt/backup/r3.img
rm -f /mnt/backup/r3.img

# --- killed again: the next run rolls it back itself and goes on ---------
mutate /srv/data 4
rm /srv/data/big
head -c $((16 * M)) /dev/urandom > /srv/data/big2
sync
"$BLKSNAP_CLI" backup --bwlimit 8M --to $dest /srv/data \
	> /tmp/killed2.out 2> /tmp/killed2.err &
pid=$!
kill_when_written $pid
set +e; wait $pid; set -e
echo "killed the second backup after it wrote $wchar bytes"
expect_eq "$(ls $dest.blksnap | grep -c '^undo-')" 4 "undo files: rounds 1-3, and the killed run's"
stale=$(ls /sys/class/misc/blksnap-control/snapshots)
expect_eq "$(wc -w <<< "$stale")" 1 "snapshots the second killed run left"
backup_round data /srv/data ${DISK1}1 ext4 4
when[4]=$(jget /tmp/data.4.json restore-point)
expect_match "$(jget /tmp/data.4.json recovered)" "rolled back the interrupted run" \
	"the next run's --json says it rolled the killed run back"
expect_eq "$(jget /tmp/data.4.json stale-snapshot-destroyed)" "$stale" \
	"the next run's --json names the snapshot it destroyed"
expect_eq "$(wc -l < /tmp/data.4.err)" 2 "lines on the next run's stderr"
expect_match "$(sed -n 1p /tmp/data.4.err)" "^blksnap: $dest: rolled back the interrupted run" \
	"its first line: the roll-back"
expect_eq "$(sed -n 2p /tmp/data.4.err)" \
	"blksnap: $dest: destroyed snapshot $stale, left by a killed backup run" \
	"its second line: the snapshot destroyed"
expect_eq "$(ls /sys/class/misc/blksnap-control/snapshots)" "" "snapshots left"
expect_points "${when[@]}"

# --- --keep 2: the two latest points stay, the older one restorable -----
mutate /srv/data 5
checksums /srv/data > /tmp/data.5.sums
run_capture rc out err blksnap backup --keep 2 --to $dest /srv/data
echo "backup --keep 2: rc=$rc: $out"
expect_eq "$rc" 0 "backup --keep 2"
expect_eq "$err" "" "stderr of a run with nothing to roll back"
expect_match "$out" "restore point .*, 2 of --keep 2 kept" "the summary names the point and the count"
when[5]=$(list_points | tail -n 1 | cut -d' ' -f1)
expect_points "${when[4]}" "${when[5]}"
check_dest data ext4 5 $dest
blksnap backup restore --at "${when[4]}" --to /mnt/backup/r4.img $dest ||
	fail "backup restore --at ${when[4]}"
check_dest data ext4 4 /mnt/backup/r4.img
rm -f /mnt/backup/r4.img

# --- backup verify finds one flipped byte -------------------------------
run_capture rc out err blksnap backup verify --json $dest
expect_eq "$rc" 0 "backup verify of a whole medium"
echo "$out" > /tmp/verify.json
expect_eq "$(jget /tmp/verify.json ok)" true "verify --json ok"
flip_at=$((5 * M + 12345))
byte=$(od -An -tu1 -j $flip_at -N1 $dest | tr -d ' ')
printf "\\$(printf %o $(( (byte ^ 1) & 255 )))" |
	dd of=$dest bs=1 seek=$flip_at conv=notrunc status=none
run_capture rc out err blksnap backup verify --json $dest
echo "verify after one byte flipped at $flip_at: rc=$rc: $err"
expect_eq "$rc" 1 "backup verify of DEST with a flipped byte"
echo "$out" > /tmp/verify.json
expect_eq "$(jget /tmp/verify.json ok)" false "verify --json ok"
expect_eq "$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s:%d+%d" % (x["file"], x["offset"], x["length"]) for x in d["damaged"]))
print(" ".join(str(p["ok"]).lower() for p in d["restore-points"]))' /tmp/verify.json)" \
	"$dest:$((5 * M))+65536
false false" "the damaged range (the flipped byte's 64 KiB chunk) and both points"
expect_match "$err" "the next 'blksnap backup --full' to it rewrites" "verify's advice"

# --- after a module reload, a full copy writes only what changed --------
# (and rewrites the damaged chunk: it differs from the source)
mutate /srv/data 6
checksums /srv/data > /tmp/data.6.sums
blksnap detach ${DISK1}1
rmmod blksnap
# Not loaded again by hand: the run loads it (libkmod), as the first run
# after a boot has to.
blksnap backup --keep 2 --json --to $dest /srv/data > /tmp/data.6.json 2> /tmp/data.6.err ||
	{ cat /tmp/data.6.err; fail "round 6: backup after the module reload"; }
expect_eq "$(sed -n 1p /tmp/data.6.err)" \
	"blksnap: loaded the blksnap module (/dev/blksnap-control was missing)" \
	"round 6 loads the module and says so first"
expect_match "$(cat /tmp/data.6.err)" "full copy: change tracking restarted" \
	"round 6 says why it copies everything"
expect_match "$(cat /tmp/data.6.err)" "$dest: 64K of it did not match their checksums" \
	"round 6 says it rewrote a damaged chunk"
expect_eq "$(jget /tmp/data.6.json bytes-damaged)" 65536 "round 6 bytes-damaged"
expect_eq "$(jget /tmp/data.6.json mode)" full "round 6 mode"
total=$(jget /tmp/data.6.json bytes-total)
copied=$(jget /tmp/data.6.json bytes-copied)
written=$(jget /tmp/data.6.json bytes-written)
unchanged=$(jget /tmp/data.6.json bytes-unchanged)
undo=$(jget /tmp/data.6.json undo-bytes)
echo "FIGURE data full over the chain: $copied of $total copied, $written written," \
	"$unchanged unchanged, $undo bytes of old contents saved"
expect_eq "$copied" "$total" "a full copy reads everything"
# Round 6 adds about 2 MiB of files and rewrites a few blocks.
[ "$written" -gt 0 ] && [ "$written" -lt $((8 * M)) ] ||
	fail "round 6: $written bytes written for a few MiB changed"
[ "$undo" -lt $((8 * M)) ] || fail "round 6: $undo bytes saved for a few MiB changed"
[ "$unchanged" -gt $((48 * M)) ] || fail "round 6: only $unchanged bytes found unchanged"
check_dest data ext4 6 $dest
# The latest is whole again; round 5 keeps the damaged chunk it was
# saved with, and says so rather than restore it as round 5's.
run_capture rc out err blksnap backup verify --json $dest
echo "verify after round 6: rc=$rc"
echo "$out" > /tmp/verify.json
expect_eq "$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(str(p["ok"]).lower() for p in d["restore-points"]))' /tmp/verify.json)" \
	"true false" "after round 6: the latest whole, round 5 not"
expect_match "$(cat /tmp/verify.json)" "bytes $((5 * M))-$((5 * M + 65535)) of the point of ${when[5]} were damaged or changed" \
	"verify names round 5's lost chunk"
run_capture rc out err blksnap backup restore --at "${when[5]}" --to /mnt/backup/r5.img $dest
echo "restore of round 5: rc=$rc: $err"
expect_eq "$rc" 1 "restore of round 5, whose chunk was lost"
expect_match "$err" "the first at byte $((5 * M))" "restore names the lost chunk"
[ ! -e /mnt/backup/r5.img ] || fail "a refused restore left its file"

run_capture rc out err blksnap backup restore --at "${when[2]}" --to /mnt/backup/r2.img $dest
[ "$rc" != 0 ] || fail "the point --keep removed was restored"
echo "restore of a removed point: rc=$rc: $err"

# --- SIGKILL at three more points of a run --------------------------------
# strace kills the run at a chosen system call: its first fsync (the
# snapshot's record, before any write of DEST), its first rename (DEST
# written and fsynced, the new checksum file not yet renamed in: the
# commit) and its second (committed, the state not yet renamed in).  Each
# time `backup restore`, with the state directory moved away, gives the
# last complete point exactly, and the next normal run succeeds and
# leaves every kept point whole.
killed_at() {	# killed_at ROUND SYSCALL N: round ROUND's run killed at SYSCALL #N
	mutate /srv/data $1
	checksums /srv/data > /tmp/data.$1.sums
	sync
	sum_before=$(sha256sum < $dest | cut -d' ' -f1)
	set +e
	strace -f -qq -o /dev/null -e trace=$2 -e inject=$2:signal=KILL:when=$3 \
		"$BLKSNAP_CLI" backup --keep 2 --to $dest /srv/data > /dev/null 2>&1
	rc=$?
	set -e
	[ $rc -ne 0 ] || fail "round $1: the run was not killed at $2 #$3"
	mv /mnt/backup/state /mnt/backup/state.away
	run_capture rc out err blksnap backup restore --to /mnt/backup/k.img $dest
	mv /mnt/backup/state.away /mnt/backup/state
	echo "round $1, killed at $2 #$3: restore without the state directory: rc=$rc: $err"
	expect_eq "$rc" 0 "round $1: restore after the kill at $2 #$3"
}
next_run_ok() {	# next_run_ok ROUND
	run_capture rc out err blksnap backup --keep 2 --to $dest /srv/data
	echo "round $1: the next run: rc=$rc: $out"
	expect_eq "$rc" 0 "round $1: the next run"
	check_dest data ext4 $1 $dest
	run_capture rc out err blksnap backup verify $dest
	expect_eq "$rc" 0 "round $1: verify after the next run ($out)"
}
killed_at 7 fsync 1
expect_eq "$(sha256sum < /mnt/backup/k.img | cut -d' ' -f1)" "$sum_before" \
	"round 7: the restore is the point before the killed run"
rm /mnt/backup/k.img
next_run_ok 7
killed_at 8 rename 1
expect_eq "$(sha256sum < /mnt/backup/k.img | cut -d' ' -f1)" "$sum_before" \
	"round 8: the restore is the point before the run killed at its commit"
expect_match "$err" "rolled back the interrupted run" "round 8: the restore rolled it back"
rm /mnt/backup/k.img
next_run_ok 8
killed_at 9 rename 2
check_dest data ext4 9 /mnt/backup/k.img
rm /mnt/backup/k.img
next_run_ok 9

# --- verify --source: DEST against a snapshot of the source taken now ----
# A byte of DEST flipped where nothing changed since the latest point is
# named as differing from the source; what changed since that point is
# left out (change tracking says where).
flip_byte() {	# flip_byte FILE OFFSET
	local byte
	byte=$(od -An -tu1 -j $2 -N1 $1 | tr -d ' ')
	printf "\\$(printf %o $(( (byte ^ 1) & 255 )))" |
		dd of=$1 bs=1 seek=$2 conv=notrunc status=none
}
flip_at=$((40 * M + 4321))
flip_byte $dest $flip_at
run_capture rc out err blksnap backup verify --source /srv/data --json $dest
echo "$out" > /tmp/verify.json
echo "verify --source after a flipped byte at $flip_at: rc=$rc: $err"
expect_eq "$rc" 1 "verify --source of DEST with a flipped byte"
expect_match "$(cat /tmp/verify.json)" "differs from the source, which change tracking says did not change there" \
	"the source comparison names the flipped chunk"
expect_eq "$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%d+%d" % (x["offset"], x["length"]) for x in d["damaged"]
               if "source" in x["why"]))' /tmp/verify.json)" "$((40 * M))+65536" \
	"the differing range is the flipped byte's 64 KiB chunk"
expect_eq "$(ls /sys/class/misc/blksnap-control/snapshots)" "" "snapshots left by verify --source"
flip_byte $dest $flip_at
mutate /srv/data 10
sync
run_capture rc out err blksnap backup verify --source /srv/data --json $dest
echo "$out" > /tmp/verify.json
echo "verify --source after round 10's changes: rc=$rc: $err"
expect_eq "$rc" 0 "verify --source, the source changed since the latest point"
compared=$(jget /tmp/verify.json bytes-compared-with-source)
echo "FIGURE verify --source compared $compared bytes"
[ "$compared" -gt $((32 * M)) ] || fail "verify --source compared only $compared bytes"

# --- a killed first run's filter: detached by the next run ---------------
# A device no backup knew: the killed run attached its filter and advanced
# no state, so the next run detaches it (as an interrupted run would have)
# before it attaches its own: the change tracking's generation is new.
# Not while the killed run's image is open.
head -c $((16 * M)) /dev/urandom > /srv/other.raw
loop=$(losetup -f --show /srv/other.raw)
"$BLKSNAP_CLI" backup --bwlimit 2M --to /mnt/backup/other.img $loop \
	> /tmp/killed3.out 2> /tmp/killed3.err &
pid=$!
kill_when_written $pid $((2 * M))
set +e; wait $pid; set -e
echo "killed the first backup of $loop after it wrote $wchar bytes"
stale=$(ls /sys/class/misc/blksnap-control/snapshots)
expect_eq "$(wc -w <<< "$stale")" 1 "snapshots the killed first run left"
expect_eq "$(sed -n 3p /mnt/backup/other.img.blksnap/snapshot)" \
	"attached $(lsblk -dno MAJ:MIN $loop | tr -d ' ')" \
	"the killed run's record names the filter it attached"
gen_killed=$(cbt_field $loop generation)
# While its image is open the snapshot is not destroyed: the run names it
# and stops, and the record stays for the run after.
img=/dev/$(awk '{ print $2 }' /sys/class/misc/blksnap-control/snapshots/$stale/devices)
exec 9< $img
run_capture rc out err blksnap backup --to /mnt/backup/other.img $loop
exec 9<&-
echo "a backup of $loop while $img is open: rc=$rc: $err"
expect_eq "$rc" 1 "a backup while the killed run's image is open"
expect_match "$err" "^blksnap: /mnt/backup/other.img: snapshot $stale, left by a killed backup run, is in use" \
	"it names the snapshot in use"
expect_eq "$(ls /sys/class/misc/blksnap-control/snapshots)" "$stale" "the snapshot in use stays"
[ -e /mnt/backup/other.img.blksnap/snapshot ] || fail "the record of the snapshot in use was removed"
ok "the record of the snapshot in use stays"
run_capture rc out err blksnap backup --json --to /mnt/backup/other.img $loop
echo "the next backup of $loop: rc=$rc: $err"
expect_eq "$rc" 0 "the next backup of $loop"
expect_match "$err" "^blksnap: /mnt/backup/other.img: destroyed snapshot $stale, left by a killed backup run; detached the filter it attached on $loop\$" \
	"its stderr names the snapshot destroyed and the filter detached"
gen_next=$(cbt_field $loop generation)
[ "$gen_next" != "$gen_killed" ] ||
	fail "$loop: generation $gen_next as the killed run's: its filter was not detached"
ok "$loop: change tracking restarted ($gen_killed, then $gen_next)"
expect_eq "$(ls /sys/class/misc/blksnap-control/snapshots)" "" "snapshots left"
cmp $loop /mnt/backup/other.img || fail "/mnt/backup/other.img differs from $loop"
ok "/mnt/backup/other.img is byte-identical to $loop"
blksnap detach $loop
losetup -d $loop

# --- a first image stays when only the state write fails ----------------
# An immutable state directory (its lock file made before): the state
# cannot be written after the image is committed as a restore point.
head -c $((4 * M)) /dev/urandom > /srv/first.raw
truncate -s $((16 * M)) /srv/first.raw
loop=$(losetup -f --show /srv/first.raw)
first=/mnt/backup/first.img
mkdir /mnt/backup/ro-state
touch /mnt/backup/ro-state/first.state.lock
chattr +i /mnt/backup/ro-state
run_capture rc out err blksnap backup --state /mnt/backup/ro-state/first.state --to $first $loop
chattr -i /mnt/backup/ro-state
echo "a first backup whose state cannot be written: rc=$rc: $err"
expect_eq "$rc" 1 "a first backup whose state cannot be written"
expect_match "$err" "first.state: cannot write: .*; check the state directory; the backup itself is a complete restore point" \
	"it says the backup is complete all the same"
[ -f $first ] || fail "$first was removed"
cmp $loop $first || fail "$first differs from $loop"
ok "$first stays, byte-identical to $loop"
expect_eq "$(ls /sys/class/misc/blksnap-control/snapshots)" "" "snapshots left"
blksnap backup verify $first > /dev/null || fail "backup verify $first"
blksnap backup restore --to /mnt/backup/first.out $first || fail "backup restore $first"
cmp $loop /mnt/backup/first.out || fail "the restored first image differs from $loop"
rm /mnt/backup/first.out
ok "$first verifies and restores"
# The next run has no state: a full copy, compared, that writes nothing.
run_capture rc out err blksnap backup --state /mnt/backup/ro-state/first.state --to $first $loop
echo "the next backup of $loop: rc=$rc: $out"
expect_eq "$rc" 0 "the next backup of $loop"
expect_match "$out" "full to $first: compared: 16M read, 0 written in " "its summary line"
blksnap detach $loop
losetup -d $loop

umount /srv/data
blksnap detach ${DISK1}1

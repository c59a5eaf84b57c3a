# blksnap backup onto a block device larger than the source keeps restore
# points in the device's own blksnap area, past the copy (issue 19).  A
# full and two incremental runs of ext4 on /srv/data (32 MiB) to a 64 MiB
# partition give three complete points in `backup list --json`; the
# device's first 32 MiB stay a plain copy (mounted read-only: the files
# of the last round); the oldest point, restored with --at, is round 0's
# image byte for byte and shows its files.  A run SIGKILLed in the middle
# of its copy leaves an interrupted run that `backup list` shows not
# complete (read-only: nothing repaired); `backup restore`, without the
# state directory, gives the last
# complete round exactly; the next run rolls the killed one back, says so
# in one line, destroys its snapshot and succeeds.  One flipped byte of
# the device is found by `backup verify` (its 64 KiB chunk).  A device
# without room for the area is refused in one line naming it and the fix.
# kernels: first
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"
. "$BLKSNAP_SRC/tests/vm/guest/backup_lib.sh"

backup_setup
partition_disk1 32MiB 64MiB 34MiB
mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 ${DISK1}1
mkdir -p /srv/data
mount ${DISK1}1 /srv/data
dest=${DISK1}2
size=$(blockdev --getsize64 ${DISK1}1)
echo "t=${SECONDS}s: source $size bytes, DEST $(blockdev --getsize64 $dest) bytes"

image_sum() {	# image_sum DEV|FILE: sha256 of its first $size bytes
	head -c $size "$1" | sha256sum | cut -d' ' -f1
}

# points: COUNT, then TIME COMPLETE LATEST per point, oldest first.
points() {
	blksnap backup list --json $dest > /tmp/list.json
	python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))["restore-points"]
print(len(p))
for x in p:
    print(x["time"], str(x["complete"]).lower(), str(x["latest"]).lower())' \
		/tmp/list.json
}

# --- full + two incrementals: three points --------------------------------
declare -a when sum
for r in 0 1 2; do
	mutate /srv/data $r
	checksums /srv/data > /tmp/data.$r.sums
	blksnap backup --json --to $dest /srv/data > /tmp/data.$r.json \
		2> /tmp/data.$r.err || { cat /tmp/data.$r.err; fail "round $r: backup"; }
	when[$r]=$(jget /tmp/data.$r.json restore-point)
	sum[$r]=$(image_sum $dest)
	echo "FIGURE round $r: $(jget /tmp/data.$r.json mode)," \
		"$(jget /tmp/data.$r.json bytes-copied) bytes copied," \
		"point ${when[$r]} (t=${SECONDS}s)"
	[ -n "${when[$r]}" ] || fail "round $r: no restore-point in --json"
	expect_eq "$(jget /tmp/data.$r.json restore-points)" $((r + 1)) "round $r: points kept"
done
expect_eq "$(jget /tmp/data.1.json mode)" incremental "round 1 mode"
expect_eq "$(jget /tmp/data.2.json mode)" incremental "round 2 mode"
points > /tmp/points.txt
expect_eq "$(cat /tmp/points.txt)" "3
${when[0]} true false
${when[1]} true false
${when[2]} true true" "backup list: three complete points"
[ ! -e $dest.blksnap ] || fail "a directory $dest.blksnap was made in /dev"
ok "three complete points, kept on $dest itself"

# The device's first bytes: a plain copy, mountable.
mkdir -p /mnt/check
mount -o ro,noload $dest /mnt/check
checksums /mnt/check > /tmp/dev.sums
umount /mnt/check
cmp -s /tmp/data.2.sums /tmp/dev.sums || fail "$dest mounted does not show round 2's files"
ok "$dest mounts as a plain copy of round 2"

# --- the oldest point, restored with --at ---------------------------------
blksnap backup restore --at "${when[0]}" --to /mnt/backup/r0.img $dest ||
	fail "backup restore --at ${when[0]}"
expect_eq "$(stat -c %s /mnt/backup/r0.img)" $size "size of the restored oldest point"
expect_eq "$(image_sum /mnt/backup/r0.img)" "${sum[0]}" \
	"the oldest point against the device right after round 0"
check_dest data ext4 0 /mnt/backup/r0.img
rm -f /mnt/backup/r0.img

# --- SIGKILL in the middle of a run ---------------------------------------
mutate /srv/data 3
head -c $((12 * M)) /dev/urandom > /srv/data/big
sync
"$BLKSNAP_CLI" backup --bwlimit 8M --to $dest /srv/data \
	> /tmp/killed.out 2> /tmp/killed.err &
pid=$!
for i in $(seq 600); do
	wchar=$(sed -n 's/^wchar: //p' /proc/$pid/io 2>/dev/null || echo 0)
	[ "${wchar:-0}" -ge $((6 * M)) ] && break
	sleep 0.1
done
[ "${wchar:-0}" -ge $((6 * M)) ] || fail "the backup wrote only ${wchar:-0} bytes in a minute"
kill -KILL $pid
set +e; wait $pid; rc=$?; set -e
echo "killed the backup after it wrote $wchar bytes: rc=$rc"
expect_eq "$rc" 137 "exit status of the run killed by SIGKILL"
[ "$(image_sum $dest)" != "${sum[2]}" ] || fail "the killed run had not written $dest"
ok "the killed run had written part of $dest"
# Read-only, as a medium plugged into another machine may be: list and
# restore must not repair it, and read it as it is.
blockdev --setro $dest
points > /tmp/points.txt 2> /tmp/list.err
cat /tmp/list.err
expect_eq "$(head -n 1 /tmp/points.txt)" 4 "points listed after the kill"
expect_eq "$(tail -n 1 /tmp/points.txt | cut -d' ' -f2)" false \
	"the killed run's point is not complete"
expect_eq "$(sed -n 4p /tmp/points.txt)" "${when[2]} true true" \
	"round 2 still the latest complete point"

# From the backup medium alone: no state directory.
mv /mnt/backup/state /mnt/backup/state.away
run_capture rc out err blksnap backup restore --to /mnt/backup/latest.img $dest
mv /mnt/backup/state.away /mnt/backup/state
blockdev --setrw $dest
echo "restore after the kill, read-only, without the state directory: rc=$rc: $err"
expect_eq "$rc" 0 "backup restore after the kill"
expect_eq "$(image_sum /mnt/backup/latest.img)" "${sum[2]}" \
	"the restored latest point against the device after round 2"
check_dest data ext4 2 /mnt/backup/latest.img
rm -f /mnt/backup/latest.img
[ "$(image_sum $dest)" != "${sum[2]}" ] || fail "restore repaired the read-only device"

# The next normal run repairs and goes on.
checksums /srv/data > /tmp/data.3.sums
blksnap backup --json --to $dest /srv/data > /tmp/data.3.json 2> /tmp/data.3.err ||
	{ cat /tmp/data.3.err; fail "round 3: the run after the kill"; }
cat /tmp/data.3.err
when[3]=$(jget /tmp/data.3.json restore-point)
echo "FIGURE round 3 (after the kill): $(jget /tmp/data.3.json mode)," \
	"$(jget /tmp/data.3.json bytes-copied) bytes copied (t=${SECONDS}s)"
expect_eq "$(grep -c 'rolled back the interrupted run' /tmp/data.3.err)" 1 \
	"the next run says the roll-back in one line"
expect_match "$(cat /tmp/data.3.err)" "destroyed snapshot .*, left by a killed backup run" \
	"the next run destroys the killed run's snapshot"
expect_eq "$(ls /sys/class/misc/blksnap-control/snapshots)" "" "snapshots left"
mount -o ro,noload $dest /mnt/check
checksums /mnt/check > /tmp/dev.sums
umount /mnt/check
cmp -s /tmp/data.3.sums /tmp/dev.sums || fail "$dest does not show round 3's files"
points > /tmp/points.txt
expect_eq "$(cat /tmp/points.txt)" "4
${when[0]} true false
${when[1]} true false
${when[2]} true false
${when[3]} true true" "backup list after the repair: four complete points"

# --- backup verify finds one flipped byte ---------------------------------
run_capture rc out err blksnap backup verify $dest
expect_eq "$rc" 0 "backup verify of a whole device"
flip_at=$((5 * M + 12345))
byte=$(od -An -tu1 -j $flip_at -N1 $dest | tr -d ' ')
printf "\\$(printf %o $(( (byte ^ 1) & 255 )))" |
	dd of=$dest bs=1 seek=$flip_at conv=notrunc status=none
sync
run_capture rc out err blksnap backup verify --json $dest
echo "verify after one byte flipped at $flip_at: rc=$rc: $err"
expect_eq "$rc" 1 "backup verify of a device with a flipped byte"
echo "$out" > /tmp/verify.json
expect_eq "$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s:%d+%d" % (x["file"], x["offset"], x["length"]) for x in d["damaged"]))' \
	/tmp/verify.json)" "$dest:$((5 * M))+65536" "the damaged range: the flipped byte's chunk"

# --- no room for the area: refused in one line ----------------------------
run_capture rc out err blksnap backup --to ${DISK1}3 /srv/data
echo "backup to a device without room: rc=$rc: $err"
expect_eq "$rc" 1 "exit status without room for the area"
expect_eq "$(wc -l <<< "$err")" 1 "lines of the refusal"
expect_match "$err" "^blksnap: ${DISK1}3: .*no room past a copy of /srv/data .* give a device of at least .* or an image file, or --in-place" \
	"the refusal names the device and the fix"
umount /srv/data
blksnap detach ${DISK1}1
echo "t=${SECONDS}s: done"

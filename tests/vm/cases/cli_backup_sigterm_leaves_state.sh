# A backup killed by SIGTERM in the middle of its copy destroys its
# snapshot, leaves the state file as it was, and the next run (an
# incremental from the old state) ends byte-identical.  A second backup of
# a locked state with --no-wait fails at once with one line.
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

# mutate DIR ROUND: creates, deletes, in-place random writes, zeros
mutate() {
	local dir=$1 r=$2 i
	mkdir -p $dir/r$r
	for i in 1 2 3 4; do
		head -c $(( (i * 150 + r * 50) * 1024 )) /dev/urandom > $dir/r$r/new$i
	done
	if [ $r -gt 1 ]; then
		rm -f $dir/r$((r - 1))/new1
		dd if=/dev/urandom of=$dir/r$((r - 1))/new2 bs=4k count=8 seek=3 \
			conv=notrunc status=none
		# Data turned to zeros must reach the image too.
		dd if=/dev/zero of=$dir/r$((r - 1))/new3 bs=64k count=4 \
			conv=notrunc status=none
	fi
	sync
}

checksums() {	# checksums DIR: relative names and sha256s, sorted
	(cd $1 && find . -type f ! -path './lost+found/*' -print0 | sort -z |
		xargs -0 -r sha256sum)
}

# jget FILE KEY: a member of the pretty JSON summary, one per line.
# Programs start slowly in the guest (its root is 9p), so no python here.
jget() {
	sed -n "s/^ *\"$2\": \"*\([^\",]*\)\"*,*$/\1/p" "$1" | head -n 1
}

# backup_round NAME TARGET DEV FSTYPE ROUND: one run, checked
backup_round() {
	local name=$1 target=$2 dev=$3 fs=$4 r=$5 dest=/mnt/backup/$1.img
	local js=/tmp/$name.$r.json mode copied total secs img snap since cbt_bytes
	checksums $target > /tmp/$name.$r.sums
	blksnap backup --json --keep-snapshot --to $dest $target > $js ||
		fail "$name round $r: backup"
	mode=$(jget $js mode) copied=$(jget $js bytes-copied)
	total=$(jget $js bytes-total) secs=$(jget $js seconds)
	img=$(jget $js image) snap=$(jget $js snapshot) since=$(jget $js since)
	cmp $img $dest || fail "$name round $r: $dest differs from the snapshot image"
	ok "$name round $r: $dest is byte-identical to the snapshot image"
	rate=$(awk "BEGIN { printf \"%.1f\", $copied / $M / ($secs + 1e-6) }")
	if [ $r = 0 ]; then
		expect_eq "$mode" full "$name round $r mode"
		alloc=$(( $(stat -c %b $dest) * 512 ))
		echo "FIGURE $name full: $copied of $total bytes in ${secs}s, $rate MiB/s;" \
			"image allocates $alloc bytes"
		[ $alloc -lt $total ] || fail "$name: the full image is not sparse"
	else
		expect_eq "$mode" incremental "$name round $r mode"
		# The snapshot is kept, so the map is the one this run read.
		cbt_bytes=$(blksnap cbt map --since "$since" $dev |
			awk 'NR > 1 { n += $2 } END { print n + 0 }')
		echo "FIGURE $name incremental $r: $copied bytes copied, CBT changed" \
			"$cbt_bytes, of $total: ratio" \
			"$(awk "BEGIN { printf \"%.4f\", $copied / $total }") in ${secs}s, $rate MiB/s"
		[ "$copied" -le "$cbt_bytes" ] || fail "$name: copied more than CBT changed"
		[ "$copied" -lt "$total" ] || fail "$name: incremental copied everything"
	fi
	blksnap snapshot destroy $snap
	mkdir -p /mnt/check
	if [ $fs = xfs ]; then
		mount -o loop,ro,norecovery,nouuid $dest /mnt/check
	else
		mount -o loop,ro,noload $dest /mnt/check
	fi
	checksums /mnt/check > /tmp/$name.$r.dest.sums
	umount /mnt/check
	cmp -s /tmp/$name.$r.sums /tmp/$name.$r.dest.sums ||
		fail "$name round $r: files in the image differ from the checksums at take"
	ok "$name round $r: mounted image shows the $(wc -l < /tmp/$name.$r.sums) checksums of take time (t=${SECONDS}s)"
}

for r in $(seq 0 0); do
	mutate /srv/data $r
	backup_round data /srv/data ${DISK1}1 ext4 $r
done

# --- a second backup of a locked state fails at once with --no-wait ----
state=$(ls /mnt/backup/state/*data.img.state)
flock "$state.lock" sleep 600 &
holder=$!
sleep 0.5
run_capture rc out err blksnap backup --no-wait --to /mnt/backup/data.img /srv/data
echo "locked state: rc=$rc: $err"
expect_eq "$rc" 1 "exit code with the state locked"
expect_match "$err" "another backup" "message names the other backup"
kill $holder 2>/dev/null || true
wait $holder 2>/dev/null || true

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

umount /srv/data /mnt/backup /srv
blksnap detach ${DISK1}1

# SPDX-License-Identifier: GPL-2.0
# Helpers for the cli_backup_* cases (sourced after caselib.sh): the
# backup destination filesystem, file mutations, and one checked backup
# run.  Backups go to ext4 on DISK0 mounted at /mnt/backup; the guest's
# root is the host's, read-only, so mount points live on a tmpfs at /srv.

M=$((1 << 20))

# A failed check must not leave mounts or a volume group that break the
# next case.  (set -e holds in the trap too: every command may fail.)
backup_cleanup() {
	local m
	for m in /mnt/check /mnt/then /srv/data /srv/small /srv/xfs /mnt/backup /srv; do
		umount -l $m 2>/dev/null || true
	done
	vgchange -q -an bk >/dev/null 2>&1 || true
}

# backup_setup: the destination filesystem, its state directory, and a
# blksnap.conf(5) that names that state directory and the default limit.
backup_setup() {
	load_blksnap
	modprobe ext4
	modprobe loop
	trap backup_cleanup EXIT
	mount -t tmpfs srv /srv
	mkdir -p /mnt/backup
	mkfs.ext4 -q $DISK0
	mount $DISK0 /mnt/backup
	mkdir -p /mnt/backup/state
	# /var/tmp named: see caselib.sh (BLKSNAP_CONFIG).
	printf '[snapshot]\nstorage-directories = /var/tmp\nlimit = 256M\n[backup]\nstate-directory = /mnt/backup/state\n' \
		> /tmp/blksnap.conf
	export BLKSNAP_CONFIG=/tmp/blksnap.conf
}

# backup_setup_data: backup_setup, and ext4 on a 64 MiB partition of DISK1
# mounted at /srv/data, the target of the cases that need one filesystem.
backup_setup_data() {
	backup_setup
	partition_disk1 64MiB
	mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 ${DISK1}1
	mkdir -p /srv/data
	mount ${DISK1}1 /srv/data
	echo "t=${SECONDS}s: filesystems made"
}

# mutate DIR ROUND: creates; from round 2 on also a delete, an in-place
# random write and data rewritten as zeros in the previous round's files.
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
	sed -n "/^ *\"$2\": /{s/^ *\"$2\": \"*\([^\",]*\)\"*,*$/\1/p;q}" "$1"
}

# check_dest NAME FSTYPE ROUND DEST: DEST, mounted read-only, shows the
# checksums recorded in /tmp/NAME.ROUND.sums at take time.
check_dest() {
	local name=$1 fs=$2 r=$3 dest=$4
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

# check_copy NAME DEV ROUND MODE COPIED TOTAL SECONDS IMAGE DEST SINCE: a
# run's figures and DEST against the snapshot image it copied (the
# snapshot still exists): byte-identical; a full copy left DEST sparse; an
# incremental copied no more than `cbt map --since SINCE` lists.
check_copy() {
	local name=$1 dev=$2 r=$3 mode=$4 copied=$5 total=$6 secs=$7 img=$8 dest=$9
	local since=${10} rate alloc cbt_bytes
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
		cbt_bytes=$(blksnap cbt map --since "$since" $dev |
			awk 'NR > 1 { n += $2 } END { print n + 0 }')
		echo "FIGURE $name incremental $r: $copied bytes copied, CBT changed" \
			"$cbt_bytes, of $total: ratio" \
			"$(awk "BEGIN { printf \"%.4f\", $copied / $total }") in ${secs}s, $rate MiB/s"
		[ "$copied" -le "$cbt_bytes" ] || fail "$name: copied more than CBT changed"
		[ "$copied" -lt "$total" ] || fail "$name: incremental copied everything"
	fi
}

# backup_round NAME TARGET DEV FSTYPE ROUND: one `blksnap backup` of
# TARGET to /mnt/backup/NAME.img, full in round 0 and incremental after.
# DEST must be byte-identical to the snapshot image the run copied and,
# mounted, show the checksums of take time; a full copy leaves DEST
# sparse; an incremental copies no more than the blocks `cbt map --since`
# lists for that take.  Prints FIGURE lines (bytes, MiB/s, ratio).  The
# run's stderr is printed and kept in /tmp/NAME.ROUND.err.
backup_round() {
	local name=$1 target=$2 dev=$3 fs=$4 r=$5 dest=/mnt/backup/$1.img
	local js=/tmp/$name.$r.json mode copied total secs img snap since
	checksums $target > /tmp/$name.$r.sums
	blksnap backup --json --keep-snapshot --to $dest $target > $js \
		2> /tmp/$name.$r.err || { cat /tmp/$name.$r.err; fail "$name round $r: backup"; }
	cat /tmp/$name.$r.err
	mode=$(jget $js mode) copied=$(jget $js bytes-copied)
	total=$(jget $js bytes-total) secs=$(jget $js seconds)
	img=$(jget $js image) snap=$(jget $js snapshot) since=$(jget $js since)
	check_copy $name $dev $r "$mode" $copied $total $secs $img $dest "$since"
	blksnap snapshot destroy $snap
	check_dest $name $fs $r $dest
}

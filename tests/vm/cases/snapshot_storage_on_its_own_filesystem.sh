# Issue 18, one-disk machines: with no --storage and no other disk
# filesystem, the difference storage goes to the snapshotted filesystem
# itself (ext4, then xfs), as an anonymous file the module preallocates,
# maps and pins before the take and writes with bios.  The image must hold
# the take-time contents exactly under 208 MiB of overwrites and new files
# (it must not change as copies fill the storage's own sectors); the
# storage's writes are neither copied nor marked in CBT; memory (Shmem)
# does not grow with the copies; nobody can change the file by handle or
# move it (xfs_fsr); after destroy the space is back.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

# The machine's defaults, not the config caselib gives other cases.
unset BLKSNAP_CONFIG
load_blksnap
modprobe ext4
modprobe xfs
partition_disk1 640MiB
dev=${DISK1}1
mkdir -p /mnt/one /mnt/image

shmem_kib() {
	awk '/^Shmem:/ { print $2 }' /proc/meminfo
}

for fs in ext4 xfs; do
	if [ $fs = ext4 ]; then
		mkfs.ext4 -q -F $dev
		mount $dev /mnt/one
		image_opts=ro,noload
	else
		mkfs.xfs -q -f $dev
		mount $dev /mnt/one
		image_opts=ro,norecovery,nouuid
	fi
	# As on a one-disk machine: /var/tmp is on this filesystem.  /tmp
	# stays tmpfs (Debian 13), which must not be chosen unasked.
	mkdir -p /mnt/one/var-tmp
	mount --bind /mnt/one/var-tmp /var/tmp
	for i in 1 2 3; do
		dd if=/dev/urandom of=/mnt/one/before$i bs=1M count=32 status=none
	done
	sync
	(cd /mnt/one && sha256sum before*) > /tmp/before.sum
	used_before=$(used_kib /mnt/one)

	run_capture rc out err blksnap snapshot create --json /mnt/one
	echo "$err"
	expect_eq "$rc" 0 "snapshot create /mnt/one with no --storage ($fs)"
	expect_match "$err" "snapshotted filesystem" "the one line says where the storage went ($fs)"
	SNAP_ID=$(jq -er .id <<< "$out")
	img=$(jq -er '.devices[0].image' <<< "$out")
	pin=$(dmesg | grep -o "$(basename $dev): difference storage on it: inode [0-9]* generation [0-9]*" | tail -1)
	[ -n "$pin" ] || fail "the module did not say it mapped a storage on $dev"
	ino=$(awk '{ print $7 }' <<< "$pin")
	gen=$(awk '{ print $9 }' <<< "$pin")
	at_take=$(dd if=$img bs=1M iflag=direct status=none | md5sum)
	# Before the writes, so that it has little else to move: xfs_fsr finds
	# inodes by bulkstat, the storage's too.
	if [ $fs = xfs ]; then
		xfs_fsr -v /mnt/one > /tmp/fsr.out 2>&1 || true
		tail -3 /tmp/fsr.out
	fi
	shmem0=$(shmem_kib)
	# The take's change number: --since it lists what was written after.
	since="$(cbt_field $dev generation):$(cbt_field $dev changes)"

	# 96 MiB overwritten in place, 112 MiB of new files.
	for i in 1 2 3; do
		dd if=/dev/urandom of=/mnt/one/before$i bs=1M count=32 conv=notrunc status=none
	done
	for i in 1 2 3 4; do
		dd if=/dev/urandom of=/mnt/one/new$i bs=1M count=28 status=none
	done
	sync
	ok "208 MiB written on $fs"
	cat /sys/class/misc/blksnap-control/snapshots/$SNAP_ID/storage 2>/dev/null || true

	python3 "$BLKSNAP_SRC/tests/vm/guest/pin_check.py" /mnt/one "$ino" "$gen" ||
		fail "the storage file could be changed, or not opened by handle ($fs)"

	expect_eq "$(dd if=$img bs=1M iflag=direct status=none | md5sum)" "$at_take" \
		"the image of $dev is as at take ($fs)"
	mount -o $image_opts $img /mnt/image
	(cd /mnt/image && sha256sum -c --quiet /tmp/before.sum) ||
		fail "the files in the image are not those of take time ($fs)"
	[ ! -e /mnt/image/new1 ] || fail "the image shows a file made after take ($fs)"
	umount /mnt/image
	ok "the image mounts with the take-time files ($fs)"

	shmem1=$(shmem_kib)
	echo "Shmem: ${shmem0} KiB at take, ${shmem1} KiB after the copies"
	[ $((shmem1 - shmem0)) -lt 32768 ] || fail "Shmem grew by $((shmem1 - shmem0)) KiB with the copies ($fs)"

	blksnap snapshot destroy $SNAP_ID
	# The map read is the one frozen by the last switch (the take's).
	blksnap cbt switch $dev
	# Written 208 MiB after the take, in 208 MiB of blocks (overwrites in
	# place, new files in free space); the storage's own copies (as much
	# again) and the zeros written back at destroy must not count.  Read
	# --since the take: the whole map since attach also holds what the
	# take marked (chunks free at the take), where xfs_fsr may have moved
	# a file before the overwrites (a CI run counted 92 MiB of new marks
	# that way).
	changed=$(CBT_SINCE=$since cbt_bytes $dev)
	echo "CBT: $((changed >> 20)) MiB changed since the take ($since) for 208 MiB written"
	[ $changed -ge $((208 << 20)) ] || fail "CBT misses writes: $changed bytes ($fs)"
	[ $changed -le $((208 * 14 / 10 << 20)) ] || fail "CBT counts the storage's writes: $changed bytes ($fs)"
	CBT_SINCE=$since expect_cbt_covers $dev /mnt/one/new* /mnt/one/before*

	rm /mnt/one/new*
	sync
	expect_space_back /mnt/one $used_before 8192 "the storage's space did not come back ($fs)"
	umount /var/tmp
	umount /mnt/one
	blksnap detach $dev
	ok "$fs: no file left, space back"
done

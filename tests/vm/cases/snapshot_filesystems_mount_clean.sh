# ext4 and xfs, mounted and busy: files checksummed just before take show
# exactly those checksums in the mounted image; the image's filesystem
# checks clean; ext4 mounts read-write too (journal replay into the storage)
# and the origin is untouched by it.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe ext4
modprobe xfs
partition_disk1 200MiB 300MiB
mkdir -p /mnt/origin /mnt/image

check_fs() {
	local fs=$1 dev=$2 mopt=$3
	echo "--- $fs on $dev"
	mkfs.$fs -q $([ $fs = xfs ] && echo -f) $dev
	mount $dev /mnt/origin
	for i in $(seq 20); do
		head -c $((i * 65536)) /dev/urandom > /mnt/origin/file$i
	done
	sync
	(cd /mnt/origin && sha256sum file*) > /tmp/sums
	# A busy writer across the take.
	(while :; do head -c 1048576 /dev/urandom > /mnt/origin/busy.$((RANDOM % 8)); done) &
	busy=$!
	sleep 1
	# --exact: the busy writer's new blocks must be copied (free space
	# at the take would need no copy, blksnap(8)).
	snapshot_create /tmp/snap.json --exact --storage /tmp/diff-$fs --limit 256M $dev
	img=$IMAGES
	sleep 2
	# The origin moves on after take.
	for i in $(seq 20); do
		head -c 4096 /dev/urandom >> /mnt/origin/file$i
	done
	sync
	kill $busy
	wait $busy 2>/dev/null || true

	mount -o ro$mopt $img /mnt/image
	(cd /mnt/image && sha256sum -c --quiet /tmp/sums) || fail "$fs: files in the image differ from take time"
	ok "$fs: 20 files in the image match their checksums at take"
	umount /mnt/image
	if [ $fs = ext4 ]; then
		e2fsck -fn $img > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "e2fsck -fn $img"; }
		ok "e2fsck -fn $img is clean"
		# The origin's device, frozen still and read past the page cache
		# (the mounted origin's caches would not show a write that went
		# to its device), is the same before and after the image's writes.
		trap 'fsfreeze -u /mnt/origin 2>/dev/null || true' EXIT
		fsfreeze -f /mnt/origin
		origin_sum=$(dd if=$dev bs=1M iflag=direct status=none | sha256sum)
		mount $img /mnt/image
		echo written-into-the-image > /mnt/image/new-file
		umount /mnt/image
		ok "ext4 image mounted read-write and written"
		after_sum=$(dd if=$dev bs=1M iflag=direct status=none | sha256sum)
		fsfreeze -u /mnt/origin
		trap - EXIT
		[ "$after_sum" = "$origin_sum" ] || fail "the origin's device changed when the image was written"
		ok "the origin does not see the image's writes"
	else
		# A frozen xfs leaves its log to replay: mount read-write once
		# (the replay lands in the storage), then check.
		mount -o nouuid $img /mnt/image
		(cd /mnt/image && sha256sum -c --quiet /tmp/sums) || fail "xfs: files differ after log replay"
		umount /mnt/image
		xfs_repair -n $img > /tmp/repair.out 2>&1 || { cat /tmp/repair.out; fail "xfs_repair -n $img"; }
		ok "xfs_repair -n $img is clean after the image's log replay"
	fi
	blksnap snapshot destroy $SNAP_ID
	umount /mnt/origin
	blksnap detach $dev
}

check_fs ext4 ${DISK1}1 ""
check_fs xfs ${DISK1}2 ",nouuid,norecovery"

# Issue 18, growth: the difference storage on the snapshotted filesystem
# itself starts at one growth step (16 MiB here, diff_storage_minimum at
# modprobe) and grows by another anonymous file per step, up to its limit
# (80 MiB), while the snapshot keeps working.  The disk is aged: its free
# space holds old data (not zeros), as on a disk never trimmed.  The CLI
# hands the free space over (GETFSMAP), so a new file written after the
# take costs no storage, and under 52 MiB of in-place overwrites the
# storage grows at least twice into free space, each growth keeping most
# of its step; the image stays exactly as at take (the new files' blocks
# never show copies through it); the snapshot is not corrupted; CBT counts
# the writes (and the old data zeroed under the first step), not the grown
# storage; after destroy every file is gone (space back) and the
# filesystem checks clean.  ext4, then xfs.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

step_mib=16
limit_mib=80
# A fresh load: the step is a load-time parameter.
! grep -q '^blksnap ' /proc/modules || rmmod blksnap
load_blksnap diff_storage_minimum=$((step_mib << 11))
expect_eq "$(cat /sys/module/blksnap/parameters/diff_storage_minimum)" \
	"$((step_mib << 11))" "growth step (sectors)"
modprobe ext4
modprobe xfs
partition_disk1 320MiB
dev=${DISK1}1
mkdir -p /mnt/one /mnt/image

for fs in ext4 xfs; do
	age_device $dev
	if [ $fs = ext4 ]; then
		mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 $dev
		image_opts=ro,noload
	else
		mkfs.xfs -q -f $dev
		image_opts=ro,norecovery,nouuid
	fi
	mount $dev /mnt/one
	for i in 1 2 3 4; do
		dd if=/dev/urandom of=/mnt/one/before$i bs=1M count=13 status=none
	done
	sync
	(cd /mnt/one && sha256sum before*) > /tmp/before.sum
	used_before=$(used_kib /mnt/one)

	kmsg_mark
	run_capture rc out err blksnap snapshot create --json --storage /mnt/one \
		--limit ${limit_mib}M /mnt/one
	echo "$err"
	expect_eq "$rc" 0 "snapshot create --storage /mnt/one --limit ${limit_mib}M ($fs)"
	SNAP_ID=$(jq -er .id <<< "$out")
	img=$(jq -er '.devices[0].image' <<< "$out")
	kmsg_since_mark | grep "difference storage on it" || fail "no storage mapped ($fs)"
	mapped=$(kmsg_since_mark | sed -n 's/.*difference storage on it: .*, \([0-9]*\) sectors in.*/\1/p')
	echo "mapped at add: $mapped sectors"
	[ "$mapped" -le $((step_mib << 11)) ] ||
		fail "more than a step mapped at add: $mapped sectors ($fs)"
	free_chunks=$(kmsg_since_mark | sed -n 's/.*: \([0-9]*\) chunks free at the take.*/\1/p')
	echo "chunks free at the take: $free_chunks"
	[ "${free_chunks:-0}" -gt 0 ] || fail "no free space handed over ($fs)"
	at_take=$(dd if=$img bs=1M iflag=direct status=none | md5sum)
	# The take's change number: --since it lists what was written after.
	since="$(cbt_field $dev generation):$(cbt_field $dev changes)"

	# A new file lands in free space: no copy, no storage.
	storage_used() {
		cut -d' ' -f1 /sys/class/misc/blksnap-control/snapshots/$SNAP_ID/storage
	}
	used0=$(storage_used)
	dd if=/dev/urandom of=/mnt/one/new bs=1M count=32 status=none
	sync
	echo "storage used: $used0 before, $(storage_used) after a new 32 MiB file"
	[ $(( $(storage_used) - used0 )) -le $((8 << 20)) ] ||
		fail "a new file in free space took storage ($fs)"
	rm /mnt/one/new
	sync

	# 52 MiB of old data overwritten in place: copies need 52 MiB.
	for i in 1 2 3 4; do
		dd if=/dev/urandom of=/mnt/one/before$i bs=1M count=13 conv=notrunc status=none
	done
	sync
	ok "52 MiB overwritten on $fs"
	storage=$(cat /sys/class/misc/blksnap-control/snapshots/$SNAP_ID/storage)
	echo "storage used/limit: $storage"

	kmsg_since_mark | grep "difference storage grown" || true
	grown=$(kmsg_since_mark | grep -c "difference storage grown" || true)
	grown_sectors=$(kmsg_since_mark |
		sed -n 's/.*difference storage grown: inode [0-9]*, \([0-9]*\) of .*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }')
	echo "grown $grown times, $((grown_sectors >> 11)) MiB"
	[ "$grown" -ge 2 ] || fail "the storage grew $grown times, not at least twice ($fs)"
	# Into free space of old data, a growth keeps most of its step.
	[ $grown_sectors -ge $(( grown * (step_mib << 11) / 2 )) ] ||
		fail "$grown growths kept only $grown_sectors sectors ($fs)"
	kmsg_since_mark | grep -E "not grown|full while it grows" && fail "a growth failed ($fs)"

	info=$(blksnap snapshot info --json $SNAP_ID)
	if [ "$(jq -r '.devices[0].error' <<< "$info")" != null ]; then
		echo "$info"
		fail "the snapshot is corrupted ($fs)"
	fi
	ok "the snapshot is intact after growing ($fs)"

	expect_eq "$(dd if=$img bs=1M iflag=direct status=none | md5sum)" "$at_take" \
		"the image of $dev is as at take after $grown growths ($fs)"
	mount -o $image_opts $img /mnt/image
	(cd /mnt/image && sha256sum -c --quiet /tmp/before.sum) ||
		fail "the files in the image are not those of take time ($fs)"
	umount /mnt/image
	ok "the image mounts with the take-time files ($fs)"

	blksnap snapshot destroy $SNAP_ID
	blksnap cbt switch $dev
	changed=$(CBT_SINCE=$since cbt_bytes $dev)
	echo "CBT: $((changed >> 20)) MiB changed since the take ($since) for 52+32 MiB written and $((grown_sectors >> 11)) MiB grown"
	# Every block written after the take, the new file's in free space
	# too (which the take itself marked in the map before it).
	[ $changed -ge $((84 << 20)) ] || fail "CBT misses writes: $changed bytes ($fs)"
	# The grown storage took free space at the take, zeros in the image
	# and again after destroy: neither it nor the copies count.
	[ $changed -le $((84 * 14 / 10 << 20)) ] ||
		fail "CBT counts more than the writes: $changed bytes ($fs)"

	sync
	expect_space_back /mnt/one $used_before 8192 "the storage's space did not come back ($fs)"
	umount /mnt/one
	if [ $fs = ext4 ]; then
		e2fsck -fn $dev > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "e2fsck after destroy"; }
	else
		xfs_repair -n $dev > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "xfs_repair -n after destroy"; }
	fi
	blksnap detach $dev
	ok "$fs: grew $grown times, image exact, no file left, space back, fsck clean"
done

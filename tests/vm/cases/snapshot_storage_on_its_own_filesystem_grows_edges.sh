# Issue 18, growth at its edges, on an aged ext4 with a 16 MiB step:
#  - a file deleted after the take leaves its blocks free, and the next
#    storage file may get them: the image must still show that file as
#    it was (a growth keeps only chunks stored already or free at the
#    take; the rest of its file stays untouched);
#  - a growth the filesystem has no room for: the storage's runs are used
#    up, then the snapshot fails (no-space event, image EIO), every
#    origin write succeeds and reads back right, and after destroy the
#    space is back and e2fsck is clean;
#  - a growth needed while the filesystem is frozen: tried again every
#    second, the copies wait, and it grows after the thaw;
#  - steps of 1 MiB: dozens of growths, copies often waiting for one in
#    flight; the image stays exact.
# The kernel interfaces growth uses (O_TMPFILE, fallocate, swap_activate,
# FS_IOC_GETFSMAP on ext4 and xfs) are the grows case's, on every kernel;
# these are the module's own logic at its edges, on the first.
# kernels: first
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

step_mib=16
! grep -q '^blksnap ' /proc/modules || rmmod blksnap
# 16 chunks in flight: a growth starts at half a step left (twice what
# they hold, 8 MiB), after the first copies, not at the take.
load_blksnap diff_storage_minimum=$((step_mib << 11)) chunk_maximum_in_flight=16
modprobe ext4
partition_disk1 256MiB
dev=${DISK1}1
mkdir -p /mnt/one /mnt/image

avail_kib() {
	df --output=avail -k /mnt/one | tail -1 | tr -d ' '
}

# aged_ext4 MIB [MKFS_OPTION...]: a fresh ext4 on the aged disk, mounted at
# /mnt/one, with four take-time files before1..4 of MIB MiB each.
aged_ext4() {
	local mib=$1 i
	shift
	age_device $dev
	# Inode tables and journal written now: ext4lazyinit zeroing them
	# in the background after the take made up to 16 MiB of copies at
	# its own pace, and a loaded host's growth raced part 2's fill.
	mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$@" $dev
	mount $dev /mnt/one
	for i in 1 2 3 4; do
		dd if=/dev/urandom of=/mnt/one/before$i bs=1M count=$mib status=none
	done
}

# 1. A file deleted after the take.
aged_ext4 10
dd if=/dev/urandom of=/mnt/one/gone bs=1M count=64 status=none
sync
(cd /mnt/one && sha256sum before* gone) > /tmp/before.sum
echo "free before create: $(avail_kib) KiB"

kmsg_mark
run_capture rc out err blksnap snapshot create --json --storage /mnt/one --limit 64M /mnt/one
echo "$err"
expect_eq "$rc" 0 "snapshot create --limit 64M with $((step_mib))M steps"
SNAP_ID=$(jq -er .id <<< "$out")
img=$(jq -er '.devices[0].image' <<< "$out")
at_take=$(dd if=$img bs=1M iflag=direct status=none | md5sum)

# The free space left is taken (without writing data), then the file's
# blocks are freed: they are all the storage can grow into.
fallocate -l $(( ($(avail_kib) - 1024) * 1024 )) /mnt/one/pad
rm /mnt/one/gone
sync
echo "free after rm: $(avail_kib) KiB"
dd if=/dev/urandom of=/mnt/one/before1 bs=1M count=10 conv=notrunc status=none
sync
kmsg_since_mark | grep "difference storage grown" ||
	fail "the storage did not grow after 10 MiB of copies"
usable=$(kmsg_since_mark |
	sed -n 's/.*difference storage grown: inode [0-9]*, \([0-9]*\) of \([0-9]*\) .*/\1 \2/p' |
	awk '{ u += $1; t += $2 } END { print u + 0, t + 0 }')
echo "growth: $usable (sectors usable, sectors grown)"
# Its data is what the deleted file held: nearly none of it may take copies.
[ $(awk '{ print ($1 < $2 / 8) }' <<< "$usable") = 1 ] ||
	fail "the growth kept blocks of the deleted file: $usable"
info=$(blksnap snapshot info --json $SNAP_ID)
echo "storage: $(jq -r '.["storage-used"]' <<< "$info") bytes used of $(jq -r '.["storage-limit"]' <<< "$info")"
usable=$(kmsg_since_mark | sed -n 's/.*grown: inode [0-9]*, \([0-9]*\) of \([0-9]*\) sectors usable.*/\1 \2/p' |
	awk '{ u += $1; t += $2 } END { print u + 0, t + 0 }')
echo "growths: $usable (sectors usable, sectors of their files after trimming)"
[ "$(jq -r '.devices[0].error' <<< "$info")" = null ] || { echo "$info"; fail "the snapshot failed"; }
expect_eq "$(dd if=$img bs=1M iflag=direct status=none | md5sum)" "$at_take" \
	"the image is as at take, the deleted file's blocks under the grown storage"
mount -o ro,noload $img /mnt/image
(cd /mnt/image && sha256sum -c --quiet /tmp/before.sum) ||
	fail "the image does not show the files of take time, the deleted one included"
umount /mnt/image
ok "the deleted file reads in the image as at take"
blksnap snapshot destroy $SNAP_ID
umount /mnt/one
e2fsck -fn $dev > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "e2fsck after destroy (1)"; }
blksnap detach $dev

# 2. No room for a growth: the filesystem is filled (without writing
# data) after the take.  No blocks reserved for root: the module's own
# growth could use them (as root's fallocate can), more than a step here.
aged_ext4 13 -m 0
sync
used_before=$(used_kib /mnt/one)
kmsg_mark
run_capture rc out err blksnap snapshot create --json --storage /mnt/one --limit 64M /mnt/one
expect_eq "$rc" 0 "snapshot create --limit 64M"
SNAP_ID=$(jq -er .id <<< "$out")
img=$(jq -er '.devices[0].image' <<< "$out")
blksnap snapshot watch $SNAP_ID > /tmp/watch.out 2>&1 &
watcher=$!
fallocate -l $(( ($(avail_kib) - 8192) * 1024 )) /mnt/one/fill ||
	fail "the fill did not get the free space (a growth took it first?)"
sync
echo "free after the fill: $(avail_kib) KiB"
kmsg_since_mark | grep "difference storage grown" && fail "a growth came before the fill"
fio --name=nogrowth --filename=/mnt/one/before2 --rw=write --bs=1M --direct=1 --size=13M \
	--verify=crc32c --do_verify=1 --output=/tmp/fio.out || { cat /tmp/fio.out; fail "origin writes failed"; }
fio --name=nogrowth2 --filename=/mnt/one/before3 --rw=write --bs=1M --direct=1 --size=13M \
	--verify=crc32c --do_verify=1 --output=/tmp/fio.out || { cat /tmp/fio.out; fail "origin writes failed"; }
ok "26 MiB overwritten and verified with a 16 MiB storage that cannot grow"
kmsg_since_mark | grep "difference storage not grown" || fail "no growth was refused"
kmsg_since_mark | grep "difference storage grown" && fail "a growth succeeded on a full filesystem"
if dd if=$img of=/dev/null bs=1M count=16 iflag=direct 2>/tmp/dd.err; then
	fail "reading the image of an overflowed snapshot succeeded"
fi
expect_match "$(cat /tmp/dd.err)" "Input/output error" "image read error"
info=$(blksnap snapshot info --json $SNAP_ID)
expect_match "$info" '"error": "ENOSPC"' "snapshot info shows the failure"
# watch exits on the overflow event; a destroy before it has read the
# event drops it with the snapshot (a loaded CI host was that slow).
for i in $(seq 60); do
	kill -0 $watcher 2>/dev/null || break
	sleep 0.5
done
blksnap snapshot destroy $SNAP_ID
wait $watcher || true
echo "watch said: $(cat /tmp/watch.out)"
expect_match "$(cat /tmp/watch.out)" 'difference storage full' "watch reported the overflow"
rm /mnt/one/fill
sync
expect_space_back /mnt/one $used_before 1024 "the storage's space did not come back"
umount /mnt/one
e2fsck -fn $dev > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "e2fsck after destroy (2)"; }
blksnap detach $dev
ok "a growth refused: snapshot failed with ENOSPC, origin intact, space back, e2fsck clean"

# 4. A growth needed while the filesystem is frozen (raw writes over the
# take-time files, 24 MiB of copies through a 16 MiB first step): the
# module tries again every second and the copies wait for it; after the
# thaw the storage grows and the snapshot lives on, its image as taken.
# 4 KiB blocks (mkfs picks 1 KiB on a disk this small): the raw writes
# below go to the files' blocks, by filefrag, and nowhere else.
aged_ext4 13 -b 4096
sync
used_before=$(used_kib /mnt/one)
kmsg_mark
run_capture rc out err blksnap snapshot create --json --storage /mnt/one --limit 64M /mnt/one
expect_eq "$rc" 0 "snapshot create --limit 64M (frozen growth)"
SNAP_ID=$(jq -er .id <<< "$out")
img=$(jq -er '.devices[0].image' <<< "$out")
at_take=$(dd if=$img bs=1M iflag=direct status=none | md5sum)
# The files' first extents, in 4 KiB blocks of the device.
extent() {
	filefrag -v "$1" | awk '$1 == "0:" { sub(/\.\./, "", $4); sub(/:/, "", $6); print $4, $6 }'
}
# Up to 6 MiB of each file's first extent: 24 MiB when all four have that.
writes=()
total=0
for i in 1 2 3 4; do
	read start len <<< "$(extent /mnt/one/before$i)"
	n=$(( len < 1536 ? len : 1536 ))
	echo "before$i at block $start ($len blocks): $n written"
	writes+=("$start $n")
	total=$((total + n))
done
[ $total -ge 5120 ] || fail "the files' first extents hold only $total blocks, under 20 MiB"
fsfreeze -f /mnt/one
( for w in "${writes[@]}"; do
	read start n <<< "$w"
	dd if=/dev/urandom of=$dev bs=4096 seek=$start count=$n oflag=direct conv=notrunc status=none || exit 1
  done ) &
writer=$!
# The first step fills at the speed of the copies: a loaded host takes
# longer than a quiet one to get there.
for i in $(seq 120); do
	kmsg_since_mark | grep -q "the filesystem is frozen; tried again" && break
	kill -0 $writer 2>/dev/null || break
	sleep 0.5
done
kmsg_since_mark | grep "the filesystem is frozen; tried again" ||
	{ fsfreeze -u /mnt/one; fail "no growth was tried on the frozen filesystem"; }
info=$(blksnap snapshot info --json $SNAP_ID)
[ "$(jq -r '.devices[0].error' <<< "$info")" = null ] ||
	{ fsfreeze -u /mnt/one; echo "$info"; fail "the snapshot failed while the filesystem was frozen"; }
fsfreeze -u /mnt/one
wait $writer || fail "raw writes across the freeze failed"
kmsg_since_mark | grep "difference storage grown" || fail "no growth after the thaw"
info=$(blksnap snapshot info --json $SNAP_ID)
echo "storage: $(jq -r '.["storage-used"]' <<< "$info") bytes used of $(jq -r '.["storage-limit"]' <<< "$info")"
usable=$(kmsg_since_mark | sed -n 's/.*grown: inode [0-9]*, \([0-9]*\) of \([0-9]*\) sectors usable.*/\1 \2/p' |
	awk '{ u += $1; t += $2 } END { print u + 0, t + 0 }')
echo "growths: $usable (sectors usable, sectors of their files after trimming)"
[ "$(jq -r '.devices[0].error' <<< "$info")" = null ] || { echo "$info"; fail "the snapshot failed"; }
expect_eq "$(dd if=$img bs=1M iflag=direct status=none | md5sum)" "$at_take" \
	"the image is as at take after a growth that waited for a thaw"
ok "a growth on a frozen filesystem waited for the thaw; the snapshot lived on"
# Destroy while the filesystem is frozen, grown files and all: it returns
# (their eviction waits for the thaw elsewhere), as a tool that freezes,
# destroys and only then thaws needs.
fsfreeze -f /mnt/one
blksnap snapshot destroy $SNAP_ID &
destroyer=$!
for i in $(seq 150); do
	kill -0 $destroyer 2>/dev/null || break
	sleep 0.2
done
if kill -0 $destroyer 2>/dev/null; then
	fsfreeze -u /mnt/one
	wait $destroyer
	fail "destroy waited for the thaw"
fi
wait $destroyer || { fsfreeze -u /mnt/one; fail "destroy failed on a frozen filesystem"; }
fsfreeze -u /mnt/one
sync
expect_space_back /mnt/one $used_before 1024 "the storage's space did not come back after the thaw"
umount /mnt/one
blksnap detach $dev
ok "destroy returned while the filesystem was frozen; the space came back after the thaw"

# 3. Steps of 1 MiB (4 chunks): the storers catch up with the growth.
# The limit leaves room: on this aged 1 KiB-block ext4 a 1 MiB file's
# runs often start off a chunk's edge, and trimming them to whole chunks
# keeps 3 of its 4 (48 MiB mapped held 36 MiB of chunks in a CI run,
# short of 32 MiB of copies and the journal's and growths' metadata).
rmmod blksnap
load_blksnap diff_storage_minimum=2048
aged_ext4 8
sync
(cd /mnt/one && sha256sum before*) > /tmp/before.sum
kmsg_mark
run_capture rc out err blksnap snapshot create --json --storage /mnt/one --limit 64M /mnt/one
expect_eq "$rc" 0 "snapshot create --limit 64M with 1 MiB steps"
SNAP_ID=$(jq -er .id <<< "$out")
img=$(jq -er '.devices[0].image' <<< "$out")
at_take=$(dd if=$img bs=1M iflag=direct status=none | md5sum)
for i in 1 2 3 4; do
	dd if=/dev/urandom of=/mnt/one/before$i bs=1M count=8 conv=notrunc status=none &
done
wait
sync
grown=$(kmsg_since_mark | grep -c "difference storage grown" || true)
echo "grown $grown times in 1 MiB steps"
# used, peak, bound: metadata writes may go to twice the bound during a growth
echo "chunk memory: $(cat /sys/class/misc/blksnap-control/chunk_memory)"
kmsg_since_mark | grep -E "not grown|full while it grows" && fail "a growth failed or came too late"
[ "$grown" -ge 16 ] || fail "32 MiB of copies grew the storage only $grown times"
info=$(blksnap snapshot info --json $SNAP_ID)
echo "storage: $(jq -r '.["storage-used"]' <<< "$info") bytes used of $(jq -r '.["storage-limit"]' <<< "$info")"
usable=$(kmsg_since_mark | sed -n 's/.*grown: inode [0-9]*, \([0-9]*\) of \([0-9]*\) sectors usable.*/\1 \2/p' |
	awk '{ u += $1; t += $2 } END { print u + 0, t + 0 }')
echo "growths: $usable (sectors usable, sectors of their files after trimming)"
[ "$(jq -r '.devices[0].error' <<< "$info")" = null ] || { echo "$info"; fail "the snapshot failed"; }
expect_eq "$(dd if=$img bs=1M iflag=direct status=none | md5sum)" "$at_take" \
	"the image is as at take after $grown growths of 1 MiB"
blksnap snapshot destroy $SNAP_ID
umount /mnt/one
e2fsck -fn $dev > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "e2fsck after destroy (3)"; }
blksnap detach $dev
ok "1 MiB steps: $grown growths, image exact, e2fsck clean"

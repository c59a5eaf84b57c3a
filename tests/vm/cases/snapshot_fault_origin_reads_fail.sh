# The origin's reads fail under a copy-on-write: a scsi_debug disk whose
# partition holds a mounted ext4 starts answering MEDIUM ERROR for sectors
# of a file after the take, so the first write to those chunks cannot read
# their old data.  The write must still go on, whole: it succeeds and,
# once the disk reads again, reads back exactly.  The snapshot must never
# show what it could not copy: it is marked corrupted with the read's error
# (snapshot info, the corrupted event, a kernel log line) and its image
# fails reads with EIO; destroy, detach and unload work after it.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

K=1024
M=$((1 << 20))
load_blksnap
modprobe ext4
scsi_debug_disk dev_size_mb=48
sd=$SD
printf 'label: dos\nstart=2048, size=44MiB\n' | sfdisk -q /dev/$sd
part=/dev/${sd}1
for i in $(seq 50); do [ -b $part ] && break; sleep 0.1; done
[ -b $part ] || fail "$part did not appear"
part_start=$(cat /sys/class/block/${sd}1/start)
sdebug=/sys/module/scsi_debug/parameters
sdebug_opts=/sys/bus/pseudo/drivers/scsi_debug/opts

mkfs.ext4 -q -b 4096 $part
partition_disk1 128MiB
mkfs.ext4 -q ${DISK1}1
mkdir -p /mnt/origin /mnt/store /mnt/image
mount $part /mnt/origin
mount ${DISK1}1 /mnt/store
dd if=/dev/urandom of=/mnt/origin/a bs=1M count=8 conv=fsync status=none
dd if=/dev/urandom of=/mnt/origin/b bs=1M count=8 conv=fsync status=none
sync
a_old=$(sha256sum < /mnt/origin/a)
b_old=$(sha256sum < /mnt/origin/b)
dd if=/dev/urandom of=/tmp/a.new bs=1M count=8 status=none
a_new=$(sha256sum < /tmp/a.new)

snapshot_create /tmp/snap.json --storage /mnt/store /mnt/origin
img=$IMAGES
blksnap snapshot watch $SNAP_ID > /tmp/watch.out 2>&1 &
watcher=$!
mount -o ro,noload $img /mnt/image
# Direct reads: past the page cache; they also load the image's metadata
# for the files, so that nothing but their data is read later.
expect_eq "$(dd if=/mnt/image/a bs=1M iflag=direct status=none | sha256sum)" "$a_old" "a in the image before the fault"
expect_eq "$(dd if=/mnt/image/b bs=1M iflag=direct status=none | sha256sum)" "$b_old" "b in the image before the fault"

# Eight whole 256 KiB chunks inside a's first extent become unreadable.
chunk=$((256 * K))
read -r pstart plen < <(filefrag -v /mnt/origin/a |
	awk '$1 == "0:" { gsub(/[.:]/, " "); print $4, $6 }') || fail "no extent of a found"
first=$(( (pstart * 4096 + chunk - 1) / chunk ))
[ $(( (first + 8) * chunk )) -le $(( (pstart + plen) * 4096 )) ] ||
	fail "a's first extent (block $pstart, $plen blocks) holds no 8 whole chunks"
bad_start=$(( part_start + first * chunk / 512 ))
bad_count=$(( 8 * chunk / 512 ))
echo $bad_start > $sdebug/medium_error_start || fail "cannot set scsi_debug's medium_error_start"
echo $bad_count > $sdebug/medium_error_count || fail "cannot set scsi_debug's medium_error_count"
echo 2 > $sdebug_opts || fail "cannot set scsi_debug's opts"
if dd if=$part of=/dev/null bs=$chunk skip=$first count=1 iflag=direct status=none 2>/dev/null; then
	fail "the medium error is not in place"
fi
ok "$sd sectors $bad_start..+$bad_count (chunks $first..$((first + 7)) of $part, inside a) fail reads"

kmsg_mark
# Over the whole of a: the writes to the failing chunks need their old data.
dd if=/tmp/a.new of=/mnt/origin/a bs=1M conv=notrunc,fsync oflag=direct status=none ||
	fail "the overwrite of a failed: an origin write was failed by the snapshot"
ok "8 MiB overwrite of a succeeded while its chunks' old data could not be read"
echo 0 > $sdebug_opts
expect_eq "$(dd if=/mnt/origin/a bs=1M iflag=direct status=none | sha256sum)" "$a_new" "a on the origin, read back once the disk reads again"
expect_eq "$(dd if=/mnt/origin/b bs=1M iflag=direct status=none | sha256sum)" "$b_old" "b on the origin"

info=$(blksnap snapshot info --json $SNAP_ID)
echo "$info"
expect_match "$info" '"state": "corrupted"' "the snapshot is marked corrupted"
expect_match "$info" '"error": "E[A-Z]+"' "snapshot info names the error"
err=$(jq -r '.devices[0].error' <<< "$info")
[ "$err" != ENOSPC ] || fail "an origin read error reported as a full storage (ENOSPC)"
# Wrong data would be worse than none: every image read now fails.
if dd if=/mnt/image/a of=/dev/null bs=1M iflag=direct 2>/tmp/dd.err; then
	fail "the image served a although its old data could not be copied"
fi
expect_match "$(cat /tmp/dd.err)" "Input/output error" "a's read from the image"
if dd if=$img of=/dev/null bs=1M count=4 iflag=direct 2>/tmp/dd.err; then
	fail "reading the corrupted image succeeded"
fi
expect_match "$(cat /tmp/dd.err)" "Input/output error" "the image's first 4 MiB"
log=$(kmsg_since_mark)
expect_match "$log" "blksnap-diff_area: ${sd}1: snapshot corrupted \(error -[0-9]+\)" "the kernel log names the corrupted snapshot"

umount /mnt/image
blksnap snapshot destroy $SNAP_ID
wrc=0
wait $watcher || wrc=$?
echo "watch said (exit $wrc): $(cat /tmp/watch.out)"
expect_eq "$wrc" 1 "exit code of watch after the snapshot failed"
expect_match "$(cat /tmp/watch.out)" ": corrupted by an error on [0-9]+:[0-9]+ \(" "watch reported the failure"
umount /mnt/origin
blksnap detach $part
umount /mnt/store
rmmod scsi_debug

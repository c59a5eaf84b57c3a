# The difference storage's reads fail: a scsi_debug disk as storage starts
# answering MEDIUM ERROR for the sectors that hold the chunks copied so
# far.  Reading the image where it needs such a chunk fails (EIO, or
# ENODATA as the storage's own medium error), never with other data (not
# the origin's new data, not zeros); the origin is untouched by it.  What
# the module does: only those reads fail, as a disk's bad sectors fail
# only their reads.  The snapshot is not marked corrupted: untouched
# chunks and chunks copied after the fault (stored past it) read as at the
# take, and once the storage reads again so do the failed ones; destroy,
# detach and unload work after it.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

M=$((1 << 20))
load_blksnap
modprobe ext4
scsi_debug_disk dev_size_mb=48
sd=$SD
storage=/dev/$sd
sdebug=/sys/module/scsi_debug/parameters
sdebug_opts=/sys/bus/pseudo/drivers/scsi_debug/opts

partition_disk1 128MiB
origin=${DISK1}1
mkfs.ext4 -q -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 $origin
mkdir -p /mnt/origin /mnt/image
mount $origin /mnt/origin
# A spacer between a and b: no chunk holds blocks of both, so copies made
# for a never stand in for b.
dd if=/dev/urandom of=/mnt/origin/a bs=1M count=8 conv=fsync status=none
dd if=/dev/urandom of=/mnt/origin/spacer bs=1M count=1 conv=fsync status=none
dd if=/dev/urandom of=/mnt/origin/b bs=1M count=8 conv=fsync status=none
sync
a_old=$(sha256sum < /mnt/origin/a)
b_old=$(sha256sum < /mnt/origin/b)
dd if=/dev/urandom of=/tmp/a.new bs=1M count=8 status=none
dd if=/dev/urandom of=/tmp/b.new bs=1M count=8 status=none
a_new=$(sha256sum < /tmp/a.new)
b_new=$(sha256sum < /tmp/b.new)

# settled: every copied chunk is on the storage, none in memory.
settled() {
	local i inmem
	for i in $(seq 100); do
		read -r inmem _ < /sys/class/misc/blksnap-control/chunk_memory
		[ "$inmem" -eq 0 ] && return 0
		sleep 0.1
	done
	fail "chunks still in memory after 10 s"
}
# image_sum FILE: the file in the mounted image, read past the page cache.
image_sum() {
	dd if=/mnt/image/$1 bs=1M iflag=direct status=none | sha256sum
}
storage_used() {
	cut -d' ' -f1 /sys/class/misc/blksnap-control/snapshots/$SNAP_ID/storage
}

snapshot_create /tmp/snap.json --storage $storage /mnt/origin
img=$IMAGES
mount -o ro,noload $img /mnt/image
# These reads also load the image's metadata for the files, so that later
# only their data is read.
expect_eq "$(image_sum a)" "$a_old" "a in the image at the take"
expect_eq "$(image_sum b)" "$b_old" "b in the image at the take"

dd if=/tmp/a.new of=/mnt/origin/a bs=1M conv=notrunc,fsync oflag=direct status=none
sync
settled
used=$(storage_used)
echo "storage used after a's overwrite: $used bytes"
[ "$used" -ge $((8 * M)) ] || fail "a's 8 MiB of copies are not on the storage"
expect_eq "$(image_sum a)" "$a_old" "a in the image, from the storage, before the fault"

# Every sector holding a copy so far fails its reads from now on.
echo 0 > $sdebug/medium_error_start || fail "cannot set scsi_debug's medium_error_start"
echo $((used / 512)) > $sdebug/medium_error_count || fail "cannot set scsi_debug's medium_error_count"
echo 2 > $sdebug_opts || fail "cannot set scsi_debug's opts"
if dd if=$storage of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null; then
	fail "the medium error is not in place"
fi
ok "$storage sectors 0..+$((used / 512)) (all copies so far) fail reads"

kmsg_mark
if dd if=/mnt/image/a of=/dev/null bs=1M iflag=direct 2>/tmp/dd.err; then
	fail "the image served a although its copies cannot be read"
fi
# A medium error may come back as ENODATA, as a disk's own direct read
# of a bad sector does; any error will do, data will not.
expect_match "$(cat /tmp/dd.err)" "Input/output error|No data available" "a's read from the image"
expect_eq "$(image_sum b)" "$b_old" "b in the image (untouched, from the origin)"
info=$(blksnap snapshot info --json $SNAP_ID)
echo "$info"
expect_match "$info" '"state": "active"' "a failed storage read leaves the snapshot active"
echo "kernel log since the fault:"
kmsg_since_mark | grep -E "blksnap|$sd" | tail -n 8 || true

# The origin goes on; b's copies land on the storage past the failing
# sectors and serve the image.
dd if=/tmp/b.new of=/mnt/origin/b bs=1M conv=notrunc,fsync oflag=direct status=none ||
	fail "the overwrite of b failed"
sync
settled
echo "storage used after b's overwrite: $(storage_used) bytes"
[ "$(storage_used)" -ge $((used + 8 * M)) ] || fail "b's copies are not on the storage"
expect_eq "$(image_sum b)" "$b_old" "b in the image, from the storage past the failing sectors"
expect_eq "$(dd if=/mnt/origin/a bs=1M iflag=direct status=none | sha256sum)" "$a_new" "a on the origin"
expect_eq "$(dd if=/mnt/origin/b bs=1M iflag=direct status=none | sha256sum)" "$b_new" "b on the origin"

# The storage reads again: so does the image, as at the take.
echo 0 > $sdebug_opts
expect_eq "$(image_sum a)" "$a_old" "a in the image once the storage reads again"
info=$(blksnap snapshot info --json $SNAP_ID)
expect_match "$info" '"state": "active"' "the snapshot after the fault"

umount /mnt/image
blksnap snapshot destroy $SNAP_ID
umount /mnt/origin
blksnap detach $origin
rmmod scsi_debug

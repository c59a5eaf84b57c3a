# Two snapshots can never share one storage file.  Issue 9, failure 3: the
# second create reopened and truncated the first one's file, whose image
# then showed the second device's data with no error anywhere.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe ext4
partition_disk1 64MiB 64MiB
mkfs.ext4 -q $DISK0
mkdir -p /mnt/st
mount $DISK0 /mnt/st
# (dd stops the pipe after 64 MiB: no endless tr, whose SIGPIPE would fail it)
head -c 64M /dev/zero | tr '\0' '\252' | dd of=${DISK1}1 bs=1M iflag=fullblock oflag=direct status=none
head -c 64M /dev/zero | tr '\0' '\125' | dd of=${DISK1}2 bs=1M iflag=fullblock oflag=direct status=none
want=$(sha256sum < ${DISK1}1)

snapshot_create /tmp/s1.json --storage /mnt/st/diff --limit 128M ${DISK1}1
s1=$SNAP_ID img1=$IMAGES
dd if=/dev/urandom of=${DISK1}1 bs=1M count=32 oflag=direct status=none
run_capture rc out err blksnap snapshot create --storage /mnt/st/diff --limit 128M ${DISK1}2
echo "second create: exit $rc: $err"
expect_eq "$rc" 1 "exit code of a create with another snapshot's storage file"
expect_match "$err" "/mnt/st/diff: .*(another snapshot|in use)" "the error names the storage"
expect_eq "$(blksnap snapshot list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["snapshots"]))')" 1 "snapshots left"
blksnap detach ${DISK1}2 2>/dev/null || true
dd if=/dev/urandom of=${DISK1}2 bs=1M count=32 oflag=direct status=none
expect_eq "$(sha256sum < $img1)" "$want" "first snapshot's image still as at take"
info=$(blksnap snapshot info --json $s1)
expect_match "$info" '"error": (null|"")|"state": "active"' "first snapshot not failed"
blksnap snapshot destroy $s1
blksnap detach ${DISK1}1
umount /mnt/st

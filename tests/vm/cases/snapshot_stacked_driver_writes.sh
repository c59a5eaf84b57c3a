# Writes that reach the origin from a stacking driver (dm-linear on top of
# it, so current->bio_list is set when the filter sees them) are copied by
# a worker instead of deadlocking, and the image stays at take().
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe dm-mod
partition_disk1 64MiB
dev=${DISK1}1
$STAMP fill $dev 1 stacked
dmsetup create stacked --table "0 $(blockdev --getsz $dev) linear $dev 0"
# No udev in the guest: make the /dev/mapper node by hand.
dmsetup mknodes stacked
[ -b /dev/mapper/stacked ] || fail "/dev/mapper/stacked is not a block device"
snapshot_create /tmp/snap.json --storage /tmp --limit 128M $dev
img=$IMAGES
timeout 120 fio --name=stacked --filename=/dev/mapper/stacked --rw=randwrite \
	--bsrange=4k-256k --direct=1 --ioengine=libaio --iodepth=16 --size=64M \
	--time_based --runtime=15 --output=/tmp/fio.out || fail "writes through dm-linear failed or hung"
grep WRITE: /tmp/fio.out
$STAMP verify $img 1 stacked || fail "the image moved under stacked writes"
ok "image unchanged under writes through dm-linear"
dmsetup remove stacked
blksnap snapshot destroy $SNAP_ID
blksnap detach $dev

# Per-device tables stay bounded on a large device: a snapshot of a 64 TiB
# device (dm-zero) in a 2 GiB guest takes at most a few MiB, because its
# copy-on-write chunks grow with the device (module parameter
# chunk_maximum_count) as the change-tracking blocks do.  Before, the
# chunk table took 8 bytes per 256 KiB chunk, 2 GiB here, and the take
# failed for lack of memory.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
mkfs.ext4 -q -F $DISK0
mkdir -p /mnt/store
mount $DISK0 /mnt/store
dmsetup create bs_huge --table "0 $((1 << 37)) zero"
dmsetup mknodes bs_huge
dev=/dev/mapper/bs_huge
cleanup() {
	set +e
	[ -n "${SNAP_ID:-}" ] && blksnap snapshot destroy $SNAP_ID
	blksnap detach $dev 2>/dev/null
	dmsetup remove bs_huge
	umount /mnt/store
	true
}
trap cleanup EXIT
echo "device: $(blockdev --getsize64 $dev) bytes"
expect_eq "$(cat /sys/module/blksnap/parameters/chunk_maximum_count)" 2097152 "chunk_maximum_count"

avail() { awk '/^MemAvailable/ { print $2 }' /proc/meminfo; }
before=$(avail)
blksnap attach $dev
snapshot_create /tmp/s.json --storage /mnt/store --limit 256M $dev
after=$(avail)
used_kib=$((before - after))
echo "memory taken by attach and take: ${used_kib} KiB"
[ $used_kib -lt $((64 * 1024)) ] || fail "attach and take of a 64 TiB device took ${used_kib} KiB"
ok "attach and take of 64 TiB took less than 64 MiB"

# A write copies one (large) chunk: 64 TiB in 2 Mi chunks is 32 MiB
# each.  The origin reads zeros and so would an image that copied
# nothing: the storage used is what shows the copy.
# (USED LIMIT in bytes, what `blksnap snapshot info` shows as storage-used)
used() { read -r u _ < /sys/class/misc/blksnap-control/snapshots/$SNAP_ID/storage; echo $u; }
used0=$(used)
dd_direct $dev $((40 << 40)) 4096
# The copy is stored by a worker after the write completes.
for i in $(seq 50); do
	used1=$(used)
	[ "$used1" -gt "$used0" ] && break
	sleep 0.1
done
echo "storage used: $used0 bytes before the write, $used1 after"
expect_eq "$((used1 - used0))" $((32 << 20)) "storage taken by the copy of one chunk"
dd if=$IMAGES of=/tmp/got bs=4096 count=1 skip=$(((40 << 40) / 4096)) iflag=direct status=none
cmp -s /tmp/got <(head -c 4096 /dev/zero) || fail "the image of a zero device is not zeros after a write"
ok "image after a write at 40 TiB"
blksnap snapshot destroy $SNAP_ID
SNAP_ID=

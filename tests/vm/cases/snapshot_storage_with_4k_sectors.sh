# Difference storage whose device has 4 KiB logical sectors (4Kn disks,
# LUKS2 with 4 KiB sectors, losetup -b 4096) under an origin with 512-byte
# sectors (issue 20, finding 4).  Direct I/O to such storage must be
# aligned to 4 KiB: chunk space is handed out in whole storage blocks, a
# short last chunk is written rounded up, and image reads and writes
# smaller than a block go through a bounce buffer.  Before, a 512-byte
# O_DIRECT image read inside a copied chunk failed with EIO, and copying
# the device's short last chunk failed the snapshot.  Storage: the 4 KiB
# device itself, and a directory on ext4 on it; the origin is a partition
# 64 MiB + 3 sectors long (its last chunk short, not a whole 4 KiB).
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe loop
printf 'label: gpt\nsize=131075\n' | sfdisk -q $DISK1
for i in $(seq 50); do [ -b ${DISK1}1 ] && break; sleep 0.1; done
dev=${DISK1}1
[ "$(blockdev --getss $dev)" = 512 ] || fail "$dev: not 512-byte sectors"
truncate -s 256M /tmp/store4k.img
store=$(losetup -b 4096 --show -f /tmp/store4k.img)
[ "$(blockdev --getss $store)" = 4096 ] || fail "$store: not 4 KiB sectors"

# check_sectors IMAGE OFFSET...: 512-byte O_DIRECT reads at each byte
# OFFSET hold the stamp of generation 1 (as at take).
check_sectors() {
	python3 - "$@" <<'PY' || fail "512-byte direct reads of the image"
import mmap, os, sys
sys.path.insert(0, os.environ["BLKSNAP_SRC"] + "/tests/vm/guest")
import stamp
img = sys.argv[1]
fd = os.open(img, os.O_RDONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 4096)
bad = 0
for off in map(int, sys.argv[2:]):
    try:
        n = os.preadv(fd, [memoryview(buf)[:512]], off)
    except OSError as e:
        print(f"read of 512 bytes at {off}: {e}")
        bad += 1
        continue
    if n != 512 or bytes(buf[:512]) != stamp.stamp(off, 1, "before"):
        print(f"sector at {off}: not as at take")
        bad += 1
print(f"{len(sys.argv) - 2} reads of 512 bytes, {bad} wrong")
sys.exit(1 if bad else 0)
PY
}

round() {
	local what=$1 storage=$2 size last
	$STAMP fill $dev 1 before
	snapshot_create /tmp/snap.json --storage $storage --limit 64M $dev
	img=$IMAGES
	size=$(blockdev --getsize64 $dev)
	last=$((size - 512))
	# Copies: 1 KiB at odd sectors (chunks copied whole), and the short
	# last chunk's last sector.
	for off in 1536 1049088 5243392 $last; do
		dd if=/dev/urandom of=$dev bs=512 seek=$((off / 512)) count=2 \
			oflag=direct conv=notrunc status=none 2>/dev/null ||
		dd if=/dev/urandom of=$dev bs=512 seek=$((off / 512)) count=1 \
			oflag=direct conv=notrunc status=none
	done
	info=$(blksnap snapshot info --json $SNAP_ID)
	[ "$(jq -r '.devices[0].error' <<< "$info")" = null ] ||
		{ echo "$info"; fail "$what: the snapshot failed"; }
	check_sectors $img 1536 2048 1049088 1049600 5243392 5243904 $((last - 512)) $last
	ok "$what: 512-byte direct reads inside copied chunks, and of the short last chunk, as at take"
	$STAMP verify $img 1 before || fail "$what: the image is not as at take"
	ok "$what: every sector of $img as at take"
	# An image write smaller than the storage's block, then read back.
	python3 - $img <<'PY' || fail "$what: a 512-byte image write"
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_DIRECT)
buf = mmap.mmap(-1, 4096)
buf[:512] = b"\x5a" * 512
os.pwritev(fd, [memoryview(buf)[:512]], 2560)
back = mmap.mmap(-1, 4096)
os.preadv(fd, [memoryview(back)[:1536]], 2048)
assert bytes(back[512:1024]) == b"\x5a" * 512, "written sector"
os.close(fd)
PY
	check_sectors $img 2048 3072 1536
	ok "$what: a 512-byte image write reads back, its neighbours as at take"
	blksnap snapshot destroy $SNAP_ID
	blksnap detach $dev
}

round "storage: a 4 KiB-sector device" $store
mkfs.ext4 -q -F $store
mkdir -p /mnt/store4k
mount $store /mnt/store4k
round "storage: a directory on ext4 on a 4 KiB-sector device" /mnt/store4k
umount /mnt/store4k
losetup -d $store
rm /tmp/store4k.img

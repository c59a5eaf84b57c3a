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

# check_reads IMAGE OFFSET:LENGTH...: O_DIRECT reads of LENGTH bytes at
# byte OFFSET of the image hold the stamps of generation 1 (as at take).
# The image's own buffer is cut at chunk ends: a read that starts a sector
# before a copied chunk hands the storage a piece at a 512-byte offset of
# a page, which a 4 KiB device takes only through the bounce buffer too.
check_reads() {
	python3 - "$@" <<'PY' || fail "$what: direct reads of the image"
import mmap, os, sys
sys.path.insert(0, os.environ["BLKSNAP_SRC"] + "/tests/vm/guest")
import stamp
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 65536)
bad = 0
for spec in sys.argv[2:]:
    off, ln = map(int, spec.split(":"))
    try:
        n = os.preadv(fd, [memoryview(buf)[:ln]], off)
    except OSError as e:
        print(f"read of {ln} bytes at {off}: {e}")
        bad += 1
        continue
    want = b"".join(stamp.stamp(o, 1, "before") for o in range(off, off + ln, 512))
    if n != ln or bytes(buf[:ln]) != want:
        print(f"read of {ln} bytes at {off}: not as at take")
        bad += 1
print(f"{len(sys.argv) - 2} direct reads, {bad} wrong")
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
	# 1 MiB is a chunk boundary whatever the chunk size (64 KiB to 1 MiB).
	check_reads $img 1536:512 2048:512 1049088:512 1049600:512 \
		5243392:512 5243904:512 $((last - 512)):512 $last:512 \
		1048064:4608 1048064:8704 1047552:5120 1049088:4096
	ok "$what: 512-byte direct reads inside copied chunks, reads across into one, and the short last chunk, as at take"
	$STAMP verify $img 1 before || fail "$what: the image is not as at take"
	ok "$what: every sector of $img as at take"
	# Image writes smaller than the storage's block, and one across into a
	# copied chunk, then read back.
	python3 - $img <<'PY' || fail "$what: image writes"
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_DIRECT)
buf = mmap.mmap(-1, 8192)
back = mmap.mmap(-1, 8192)
for off, ln in ((2560, 512), (5242368, 4608)):
    buf[:ln] = b"\x5a" * ln
    os.pwritev(fd, [memoryview(buf)[:ln]], off)
    os.preadv(fd, [memoryview(back)[:ln]], off)
    assert bytes(back[:ln]) == b"\x5a" * ln, f"write of {ln} at {off} read back"
os.close(fd)
PY
	check_reads $img 2048:512 3072:512 1536:512 5241856:512 5246976:512
	ok "$what: image writes of 512 bytes and across into a copied chunk read back, their neighbours as at take"
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

# The soak (first listed kernel only, four rounds in CI): everyday
# origins under mixed writers, snapshots of one to three devices taken
# and destroyed over and over, with readers of the snapshots' state in
# parallel.  Writers: files on ext4 and xfs (buffered, fsync), O_DIRECT
# through a dm-linear, discards through a partition, and writes through
# the whole disk's node into a snapshotted partition.  Each round checks
# that every image reads the same at the end of the round as right after
# the take, that the filesystem images check clean, and that the CBT
# answers; every few rounds the module is unloaded and loaded again.
# The runner fails it on any WARN, BUG, oops or hung task (30 s) in the
# kernel log; leaks show as a failed unload, chunk memory still in use,
# or files left in the storage directory.  It prints the rounds done.
# kernels: first
# cpus: 2
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

# run.sh --soak-seconds N (make soak) sets the length; in CI it is
# ROUNDS_WANTED rounds, however long they take (65 s each in a CI run
# with three other guests' load; 120 s there held only 2), which covers
# one unload and load of the module.
SECONDS_WANTED=$(sed -n 's/.*blksnap_soak_seconds=\([0-9]*\).*/\1/p' /proc/cmdline)
: "${SECONDS_WANTED:=0}"
ROUNDS_WANTED=4
M=$((1 << 20))
load_blksnap
printf 'label: gpt\nsize=128MiB\nsize=300MiB\nsize=400MiB\n' | sfdisk -q $DISK0
partition_disk1 128MiB 128MiB
for i in $(seq 50); do [ -b ${DISK0}3 ] && break; sleep 0.1; done
A=${DISK0}1 B=${DISK0}2 STORE=${DISK0}3 C=${DISK1}1 D=${DISK1}2
mkfs.ext4 -q -F $A
mkfs.xfs -q -f $B
mkfs.ext4 -q -F $STORE
mkdir -p /mnt/a /mnt/b /mnt/store
mount $A /mnt/a
mount $B /mnt/b
mount $STORE /mnt/store
# Writers copy this instead of reading /dev/urandom: the guest's CPU
# goes to the module, not to the random generator.
dd if=/dev/urandom of=/tmp/rnd bs=256K count=4 status=none
# Past the page cache and before the dm-linear holds C open: a buffered
# write's close would not flush it then, and its writeback would reach C
# under the dm-linear, where no filter of the dm-linear sees it (stop
# 30's rehearsal: the dm-linear's image "changed after take").
dd if=/tmp/rnd of=$C bs=1M count=1 oflag=direct status=none
dmsetup create soak_lin --table "0 $(blockdev --getsz $C) linear $C 0"
dmsetup mknodes soak_lin
L=/dev/mapper/soak_lin
d_start=$(( $(cat /sys/class/block/$(basename $D)/start) * 512 ))
d_size=$(blockdev --getsize64 $D)
TRACKED="$A $B $L $D $DISK1"
stop=/tmp/soak.stop
# A failed origin write is a failure (the origin never fails because of a
# snapshot): each writer notes its failures here, each round reads it.
errors=/tmp/soak.errors
rm -f $stop $errors
pids=
cleanup() {
	set +e
	touch $stop
	[ -n "$pids" ] && wait $pids
	for id in $("$BLKSNAP_CLI" snapshot list --json 2>/dev/null |
		    python3 -c 'import json,sys; [print(s["id"]) for s in json.load(sys.stdin)["snapshots"]]'); do
		"$BLKSNAP_CLI" snapshot destroy "$id"
	done
	for dev in $TRACKED; do "$BLKSNAP_CLI" detach $dev 2>/dev/null; done
	umount /mnt/a /mnt/b /mnt/store
	dmsetup remove soak_lin
	true
}
trap cleanup EXIT

# Writers, until $stop exists.
file_writer() {
	local dir=$1 n=0 out
	while [ ! -e $stop ]; do
		out=$(dd if=/tmp/rnd of=$dir/f$((n % 8)) bs=256K count=$((1 + n % 4)) \
			conv=fsync status=none 2>&1) || echo "write to $dir: $out" >> $errors
		sleep 0.1
		[ $((n % 5)) -eq 0 ] && rm -f $dir/f$(((n + 3) % 8))
		n=$((n + 1))
	done
}
direct_writer() {
	local size n=0 out
	size=$(blockdev --getsize64 $L)
	while [ ! -e $stop ]; do
		out=$(dd if=/tmp/rnd of=$L bs=64K count=1 skip=$((n % 16)) \
			seek=$(( (RANDOM * 7 + n) % (size / 65536) )) oflag=direct status=none 2>&1) ||
			echo "O_DIRECT write to $L: $out" >> $errors
		sleep 0.05
		n=$((n + 1))
	done
}
disk_writer() {
	local n=0 off out
	while [ ! -e $stop ]; do
		off=$(( (RANDOM % (d_size / M - 1)) * M ))
		if [ $((n % 3)) -eq 0 ]; then
			# (-f says "Operation forced" on stderr, also when it works)
			out=$(blkdiscard -f -o $off -l $M $D 2>&1) ||
				echo "discard of $D: $out" >> $errors
		else
			# through the whole disk's node, into D's sectors
			out=$(dd if=/tmp/rnd of=$DISK1 bs=64K count=4 seek=$((d_start + off)) \
				oflag=direct,seek_bytes status=none 2>&1) ||
				echo "write through $DISK1: $out" >> $errors
		fi
		n=$((n + 1))
		sleep 0.1
	done
}
readers() {
	while [ ! -e $stop ]; do
		cat /sys/class/misc/blksnap-control/snapshots/*/devices >/dev/null 2>&1
		"$BLKSNAP_CLI" snapshot list >/dev/null 2>&1
		for dev in $A $B $D; do
			"$BLKSNAP_CLI" snapshot info $dev >/dev/null 2>&1
		done
		sleep 0.1
	done
}
file_writer /mnt/a & pids="$pids $!"
file_writer /mnt/b & pids="$pids $!"
direct_writer & pids="$pids $!"
disk_writer & pids="$pids $!"
readers & pids="$pids $!"

# image_pieces SAVE|CHECK DIR JSON: per image of the snapshot in JSON,
# its first MiB and eight MiB-sized pieces spread over it (the same ones
# every call), read past the page cache, in one process.  Whole images
# would take minutes each round here.  SAVE keeps them in DIR; CHECK
# compares, and for a piece that changed prints where, and what the
# bytes were and are (zeros, or the origin's contents now): a copy that
# was missed reads as the origin, a chunk wrongly thought free as zeros.
image_pieces() {
	python3 - "$@" <<'PY'
import json, mmap, os, sys
mode, where, snap = sys.argv[1:4]
buf = mmap.mmap(-1, 1 << 20)
def pieces(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    mib = os.lseek(fd, 0, os.SEEK_END) >> 20
    for i in range(9):
        off = (i * (mib - 1) // 8) << 20
        n = os.preadv(fd, [buf], off)
        yield off, bytes(buf[:n])
    os.close(fd)
def runs(a, b):
    out, i = [], 0
    while i < len(a):
        if a[i:i + 4096] != b[i:i + 4096]:
            j = i
            while j < len(a) and a[j:j + 4096] != b[j:j + 4096]:
                j += 4096
            out.append((i, j))
            i = j
        else:
            i += 4096
    return out
bad = 0
for d in json.load(open(snap))["devices"]:
    img, dev = d["image"], d["device"]
    for k, (off, data) in enumerate(pieces(img)):
        f = os.path.join(where, "%s.%d" % (os.path.basename(img), k))
        if mode == "SAVE":
            open(f, "wb").write(data)
            continue
        old = open(f, "rb").read()
        if old == data:
            continue
        bad += 1
        orig = dict(pieces(dev))[off]
        for a, b in runs(old, data):
            kind = lambda x: "zeros" if not x.strip(b"\0") else \
                   "the origin now" if x == orig[a:b] else "other data"
            print("%s (%s): bytes %d-%d changed: were %s, are %s" %
                  (img, dev, off + a, off + b, kind(old[a:b]), kind(data[a:b])))
sys.exit(1 if bad else 0)
PY
}

# "$DISK1 $D": a whole disk and its partition in one take.
sets=("$A" "$B $L" "$A $B $D" "$D $L" "$DISK1 $D")
round=0
start=$(date +%s)
while [ $round -lt $ROUNDS_WANTED ] || [ $(( $(date +%s) - start )) -lt "$SECONDS_WANTED" ]; do
	round=$((round + 1))
	for dev in $TRACKED; do blksnap attach $dev; done
	devs=${sets[$((round % ${#sets[@]}))]}
	# shellcheck disable=SC2086
	snapshot_create /tmp/soak.json --storage /mnt/store --limit 256M $devs > /dev/null
	rm -rf /tmp/pieces && mkdir /tmp/pieces
	image_pieces SAVE /tmp/pieces /tmp/soak.json
	for dev in $devs; do
		blksnap cbt map $dev > /dev/null || fail "round $round: cbt map $dev"
	done
	sleep 2
	image_pieces CHECK /tmp/pieces /tmp/soak.json ||
		fail "round $round: an image of {$devs} changed after take"
	# Which image holds which filesystem, by device number.
	python3 -c '
import json, os, sys
kind = {os.stat(sys.argv[2]).st_rdev: "ext4", os.stat(sys.argv[3]).st_rdev: "xfs"}
for d in json.load(open(sys.argv[1]))["devices"]:
    print(d["image"], kind.get(os.stat(d["device"]).st_rdev, "-"))
' /tmp/soak.json $A $B > /tmp/soak.kinds
	while read -r img kind; do
		case $kind in
		ext4) e2fsck -fn $img > /tmp/fsck.log 2>&1 ||
			{ cat /tmp/fsck.log; fail "round $round: the ext4 image $img is not clean"; } ;;
		xfs)
			# A frozen xfs keeps its log: mount the image (its writes
			# go to the storage) to replay it, then check.
			mkdir -p /mnt/check
			mount -o nouuid $img /mnt/check ||
				fail "round $round: the xfs image $img does not mount"
			umount /mnt/check
			xfs_repair -n $img > /tmp/fsck.log 2>&1 ||
				{ cat /tmp/fsck.log; fail "round $round: the xfs image $img is not clean"; } ;;
		esac
	done < /tmp/soak.kinds
	blksnap snapshot destroy $SNAP_ID
	read -r used _ _ pooled < /sys/class/misc/blksnap-control/chunk_memory
	[ "$used" = 0 ] || fail "round $round: $used bytes of chunk memory in use after destroy"
	[ "$pooled" = 0 ] || fail "round $round: $pooled bytes of freed chunks' pages kept after the last snapshot"
	left=$(ls -A /mnt/store | grep -v '^lost+found$' || true)
	[ -z "$left" ] || fail "round $round: left in the storage directory: $left"
	for dev in $TRACKED; do blksnap detach $dev; done
	[ ! -s $errors ] || fail "round $round: origin writes failed: $(head -n 5 $errors)"
	if [ $((round % 4)) -eq 0 ]; then
		rmmod blksnap || fail "round $round: rmmod after everything was detached"
		load_blksnap
	fi
	echo "round $round: {$devs} ok"
done
touch $stop
wait $pids || true
pids=
[ ! -s $errors ] || fail "origin writes failed: $(head -n 5 $errors)"
echo "soak: $round rounds in $(( $(date +%s) - start )) s"

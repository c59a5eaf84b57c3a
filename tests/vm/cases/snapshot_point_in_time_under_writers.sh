# Point in time: every sector of the image equals its stamp at take()
# while writers of every kind hammer the origin: random sizes 512 B-1 MiB at
# random 512-byte alignment (chunk-straddling), O_DIRECT and buffered with
# fsync, FUA, discard and write-zeroes.  Two rounds with different seeds,
# of 60 s and 30 s.
# Buffered and direct writers get separate regions: mixing them on one
# range makes the kernel fail direct writes (page cache invalidation), with
# or without blksnap.  The storage is a file on another disk's ext4.
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe ext4
partition_disk1 128MiB 700MiB
dev=${DISK1}1
mkfs.ext4 -q ${DISK1}2
mkdir -p /mnt/storage
mount ${DISK1}2 /mnt/storage
runtime=$(sed -n "s/.*blksnap_stress=\([0-9]*\).*/\1/p" /proc/cmdline)
: "${runtime:=60}"

for round in 1 2; do
	seed=$((round * 7919))
	[ $round -eq 2 ] && runtime=$((runtime / 2))
	$STAMP fill $dev $round "r$round"
	snapshot_create /tmp/snap.json --storage /mnt/storage/diff$round --limit 256M $dev
	img=$IMAGES

	fio --output=/tmp/fio.out --randseed=$seed --time_based --runtime="$runtime" \
		--filename=$dev --group_reporting \
		--name=direct --offset=0 --size=80M --rw=randwrite --bsrange=512-1m \
		--blockalign=512 --direct=1 --ioengine=libaio --iodepth=8 \
		--name=buffered --offset=80M --size=32M --rw=randwrite \
		--bsrange=512-256k --blockalign=512 --fsync=4 \
		--name=fua --offset=112M --size=16M --rw=randwrite --bs=4k \
		--direct=1 --sync=1 &
	fio_pid=$!
	end=$(( $(date +%s) + runtime - 2 ))
	n=0
	while [ "$(date +%s)" -lt "$end" ]; do
		off=$(( (RANDOM * 32768 + RANDOM) % 250000 * 512 ))
		blkdiscard -o $off -l 65536 $dev 2>/dev/null || true
		blkdiscard -z -o $(( (off + 12345 * 512) % (120 << 20) )) -l 8192 $dev
		n=$((n + 1))
		sleep 0.2
	done
	wait $fio_pid || { dmesg | tail -n 40; fail "fio failed on the origin"; }
	grep -E 'WRITE:' /tmp/fio.out
	ok "round $round: ${runtime}s of writers, $n discard+zeroout pairs"

	$STAMP verify $img $round "r$round" || fail "round $round: the image moved"
	ok "round $round: every sector of $img is as at take()"
	blksnap snapshot destroy $SNAP_ID
	[ ! -e "$img" ] || fail "$img still exists after destroy"
	rm /mnt/storage/diff$round
done
blksnap detach $dev
umount /mnt/storage

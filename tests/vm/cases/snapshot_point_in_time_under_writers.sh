# Point in time: every sector of the image equals its stamp at take()
# while writers of every kind hammer the origin: random sizes 512 B-1 MiB at
# random 512-byte alignment (chunk-straddling), O_DIRECT and buffered with
# fsync, FUA, discard and write-zeroes.  One round per kind of difference
# storage: a file on ext4, a directory on xfs, a raw partition, tmpfs; each
# round with its own seed, 10 s of writers (blksnap_stress= sets it).
# Buffered and direct writers get separate regions: mixing them on one
# range makes the kernel fail direct writes (page cache invalidation), with
# or without blksnap.
# kernels: every
# cpus: 2
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe ext4
modprobe xfs
partition_disk1 64MiB
dev=${DISK1}1
printf 'label: gpt\nsize=300MiB\nsize=300MiB\nsize=300MiB\n' | sfdisk -q $DISK0
for i in $(seq 50); do [ -b ${DISK0}3 ] && break; sleep 0.1; done
mkfs.ext4 -q ${DISK0}1
mkfs.xfs -q -f ${DISK0}2
mkdir -p /mnt/st-ext4 /mnt/st-xfs
mount ${DISK0}1 /mnt/st-ext4
mount ${DISK0}2 /mnt/st-xfs
runtime=$(sed -n "s/.*blksnap_stress=\([0-9]*\).*/\1/p" /proc/cmdline)
: "${runtime:=10}"

round=0
for storage in /mnt/st-ext4/diff /mnt/st-xfs ${DISK0}3 /tmp; do
	round=$((round + 1))
	seed=$((round * 7919))
	$STAMP fill $dev $round "r$round"
	snapshot_create /tmp/snap.json --storage $storage --limit 256M $dev
	img=$IMAGES

	# Each job logs its writes: the origin's check below needs them.
	# (fio appends to a log: each round starts its own.)
	rm -f /tmp/io.direct /tmp/io.buffered /tmp/io.fua
	fio --output=/tmp/fio.out --randseed=$seed --time_based --runtime="$runtime" \
		--filename=$dev --group_reporting \
		--name=direct --offset=0 --size=40M --rw=randwrite --bsrange=512-1m \
		--blockalign=512 --direct=1 --ioengine=libaio --iodepth=8 \
		--write_iolog=/tmp/io.direct \
		--name=buffered --offset=40M --size=16M --rw=randwrite \
		--bsrange=512-256k --blockalign=512 --fsync=4 \
		--write_iolog=/tmp/io.buffered \
		--name=fua --offset=56M --size=8M --rw=randwrite --bs=4k \
		--direct=1 --sync=1 --write_iolog=/tmp/io.fua &
	fio_pid=$!
	end=$(( $(date +%s) + runtime - 2 ))
	n=0
	: > /tmp/discarded
	: > /tmp/zeroed
	while [ "$(date +%s)" -lt "$end" ]; do
		off=$(( (RANDOM * 32768 + RANDOM) % 120000 * 512 ))
		blkdiscard -o $off -l 65536 $dev
		echo "$off 65536" >> /tmp/discarded
		zoff=$(( (off + 12345 * 512) % (60 << 20) ))
		blkdiscard -z -o $zoff -l 8192 $dev
		echo "$zoff 8192" >> /tmp/zeroed
		n=$((n + 1))
		sleep 0.2
	done
	wait $fio_pid || { dmesg | tail -n 40; fail "fio failed on the origin"; }
	grep -E 'WRITE:' /tmp/fio.out
	ok "round $round (storage $storage): ${runtime}s of writers, $n discard+zeroout pairs"

	# The origin holds the writes: every sector written (or zeroed) no
	# longer holds its stamp, every other one does.  A discarded sector
	# may read either way (discard is advisory), and so may one that was
	# discarded or zeroed in the buffered writer's range: truncating the
	# page cache there races with its writes (its pages go back whole).
	blockdev --flushbufs $dev
	cat /tmp/discarded /tmp/zeroed |
		awk -v lo=$((40 << 20)) -v hi=$((56 << 20)) '{
			a = $1 > lo ? $1 : lo; e = $1 + $2 < hi ? $1 + $2 : hi
			if (e > a) print a, e - a }' > /tmp/racy
	$STAMP origin $dev $round "r$round" maybe:/tmp/discarded changed:/tmp/io.direct \
		changed:/tmp/io.buffered changed:/tmp/io.fua changed:/tmp/zeroed maybe:/tmp/racy ||
		fail "round $round: the origin does not hold what was written to it"
	ok "round $round: the origin holds every write, and nothing else changed"

	$STAMP verify $img $round "r$round" || fail "round $round: the image moved"
	ok "round $round: every sector of $img is as at take()"
	blksnap snapshot destroy $SNAP_ID
	[ ! -e "$img" ] || fail "$img still exists after destroy"
	[ -f /mnt/st-ext4/diff ] && rm /mnt/st-ext4/diff
done
blksnap detach $dev
umount /mnt/st-ext4
umount /mnt/st-xfs

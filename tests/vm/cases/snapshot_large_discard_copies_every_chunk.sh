# A discard over every chunk of the device during a snapshot (mkfs, fstrim
# or blkdiscard of a whole disk) parks on each chunk in turn while its old
# data is read: each time it looks again from the chunk it waited for,
# not from its first (issue 20, finding 7: each look rescanned every chunk
# before, under the lock writers need).  A chunk skipped by a wrong resume
# point would let the discard through before its copy: the image must
# still be as at take.  Twice: with chunk memory for the whole discard,
# and with 16 chunks on a slow storage, where the discard also waits for
# memory and resumes from where it starved.  The discard's time and the
# worst latency of a writer beside it are printed, not judged (tests/perf
# has the benchmarks).
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

modprobe dm-delay
partition_disk1 64MiB
dev=${DISK1}1
sectors=$(blockdev --getsz $DISK0)

round() {
	local what=$1 storage=$2 t0 ms
	$STAMP fill $dev 1 before
	snapshot_create /tmp/snap.json --storage $storage $dev
	img=$IMAGES
	# The writer runs 10 s, the discard a few seconds of them.
	fio --name=beside --filename=$dev --rw=randwrite --bs=4k --direct=1 \
		--ioengine=libaio --iodepth=4 --offset=56M --size=8M --time_based \
		--runtime=10 --output-format=json --output=/tmp/fio.json &
	local writer=$!
	sleep 1
	t0=$(date +%s%N)
	blkdiscard -l 56MiB $dev || { wait $writer; fail "blkdiscard during the snapshot failed"; }
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	wait $writer || fail "$what: the writer beside the discard failed"
	echo "$what: 56 MiB discarded in $ms ms; writer beside it: max latency $(jq '.jobs[0].write.lat_ns.max / 1000000 | floor' /tmp/fio.json) ms"
	$STAMP verify $img 1 before || fail "$what: the image shows the discard or the writes after take"
	ok "$what: every sector of $img is as at take"
	blksnap snapshot destroy $SNAP_ID
	blksnap detach $dev
}

load_blksnap
round "chunk memory for all" $DISK0
rmmod blksnap
load_blksnap chunk_maximum_in_flight=16
dmsetup create slowstore --table "0 $sectors delay $DISK0 0 0 $DISK0 0 20"
dmsetup mknodes slowstore
round "16 chunks in memory, slow storage" /dev/mapper/slowstore
dmsetup remove slowstore

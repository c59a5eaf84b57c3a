# Benchmark: 4k random writes, QD16, O_DIRECT, on a disk with and without
# the blksnap filter tracking changes (no snapshot).  Runs alternate so
# that drift in the emulated machine hits both sides; prints each run and
# the ratio tracked/unfiltered.  A report, not a gate: the goal is >= 0.97.
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
dev=$DISK0
runtime=${PERF_RUNTIME:-15}
rounds=${PERF_ROUNDS:-3}

iops() {
	fio --name=perf --filename=$dev --rw=randwrite --bs=4k --direct=1 \
		--ioengine=libaio --iodepth=16 --size=1G --time_based \
		--runtime="$runtime" --randrepeat=0 --output-format=json |
		python3 -c 'import json,sys; print(round(json.load(sys.stdin)["jobs"][0]["write"]["iops"]))'
}

# Warm the emulated disk's backing file once.
fio --name=warm --filename=$dev --rw=write --bs=1M --direct=1 --size=1G \
	--output=/dev/null

base_sum=0 tracked_sum=0
for r in $(seq "$rounds"); do
	base=$(iops)
	blksnap attach $dev
	tracked=$(iops)
	blksnap detach $dev
	echo "round $r: unfiltered $base IOPS, tracked $tracked IOPS"
	base_sum=$((base_sum + base))
	tracked_sum=$((tracked_sum + tracked))
done
python3 -c "print('cbt tracking-only ratio: %.3f (%d rounds of ${runtime}s, goal >= 0.97)' % ($tracked_sum / $base_sum, $rounds))"

# Attaching and detaching over and over under a 4k random-write storm is
# safe (no oops, no hang), and a map taken under load is complete: every
# write fio logged is marked.
# kernels: every
# cpus: 2
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
dev=$DISK0
storm="fio --name=storm --filename=$dev --rw=randwrite --bs=4k --direct=1 \
	--ioengine=libaio --iodepth=16 --size=1G --time_based --output=/tmp/storm.out"

$storm --runtime=30 &
fio_pid=$!
cycles=0
end=$(( $(date +%s) + 28 ))
while [ "$(date +%s)" -lt "$end" ]; do
	blksnap attach $dev
	blksnap cbt info $dev > /dev/null
	blksnap detach $dev
	cycles=$((cycles + 1))
done
wait $fio_pid || fail "fio failed during the attach/detach storm"
ok "$cycles attach/detach cycles under fio randwrite"
grep -m 2 -E 'WRITE:|iops' /tmp/storm.out

# Completeness: attach, baseline, then every logged write must be marked.
blksnap attach $dev
blksnap cbt switch $dev
$storm --runtime=10 --write_iolog=/tmp/storm.iolog
blksnap cbt switch $dev
bs=$(cbt_field $dev block-size)
blksnap cbt map --json $dev > /tmp/map.json
python3 "$BLKSNAP_SRC/tests/vm/guest/cbt_check.py" covers "$bs" /tmp/map.json /tmp/storm.iolog ||
	fail "the map misses blocks fio wrote"
ok "the map covers every logged write"
blksnap detach $dev

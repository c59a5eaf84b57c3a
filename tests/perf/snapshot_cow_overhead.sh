# Benchmark: copy-on-write cost of a blksnap snapshot against no snapshot
# and against dm-snapshot with the same chunk size (256 KiB), both with
# their copies on a disk partition; image read speed; take() time for 1
# and 4 devices.  Prints figures and ratios; goals (issue 5): second pass
# >= 0.95 x no snapshot, first pass >= 2 x dm-snapshot, image read >= 0.9 x
# origin read, take of 4 devices <= 50 ms.  A report, not a gate.
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe dm-snapshot
partition_disk1 384MiB 384MiB 32MiB 32MiB 32MiB 32MiB
origin=${DISK1}1 cow=${DISK1}2
size=256M

# run NAME DEVICE RW BS: one pass over $size, each block written once
run() {
	fio --name="$1" --filename="$2" --rw="$3" --bs="$4" --size=$size \
		--direct=1 --ioengine=libaio --iodepth=16 --randrepeat=1 \
		--output-format=json |
		python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; d=j["write"] if j["write"]["io_bytes"] else j["read"]; print("%.1f" % (d["bw_bytes"] / 1048576))'
}
ratio() {
	python3 -c "print('%.2f' % ($1 / $2))"
}
report() {
	printf '%-44s %8s MiB/s\n' "$1" "$2"
}

fio --name=warm --filename=$origin --rw=write --bs=1M --direct=1 --output=/dev/null
for pattern in "randwrite 4k" "write 1M"; do
	set -- $pattern
	rw=$1 bs=$2
	base=$(run base $origin $rw $bs)
	report "$rw $bs, no snapshot" $base

	blksnap snapshot create --json --storage $cow $origin > /tmp/snap.json
	id=$(python3 -c 'import json; print(json.load(open("/tmp/snap.json"))["id"])')
	first=$(run first $origin $rw $bs)
	second=$(run second $origin $rw $bs)
	blksnap snapshot destroy $id
	report "$rw $bs, blksnap first pass (COW)" $first
	report "$rw $bs, blksnap second pass" $second

	sectors=$(blockdev --getsz $origin)
	dmsetup create perf-origin --table "0 $sectors snapshot-origin $origin"
	dmsetup create perf-snap --table "0 $sectors snapshot $origin $cow N 512"
	dmsetup mknodes
	dmfirst=$(run dmfirst /dev/mapper/perf-origin $rw $bs)
	dmsecond=$(run dmsecond /dev/mapper/perf-origin $rw $bs)
	dmsetup remove perf-snap
	dmsetup remove perf-origin
	report "$rw $bs, dm-snapshot first pass" $dmfirst
	report "$rw $bs, dm-snapshot second pass" $dmsecond
	echo "ratio $rw $bs: second pass / no snapshot = $(ratio $second $base) (goal >= 0.95)"
	echo "ratio $rw $bs: first pass / dm-snapshot first pass = $(ratio $first $dmfirst) (goal >= 2)"
done

blksnap snapshot create --json --storage $cow $origin > /tmp/snap.json
id=$(python3 -c 'import json; print(json.load(open("/tmp/snap.json"))["id"])')
img=$(python3 -c 'import json; print(json.load(open("/tmp/snap.json"))["devices"][0]["image"])')
# Half the image from the storage, half from the origin.
fio --name=dirty --filename=$origin --rw=write --bs=1M --size=128M --direct=1 --output=/dev/null
oread=$(run oread $origin read 1M)
iread=$(run iread $img read 1M)
blksnap snapshot destroy $id
report "seq read 1M, origin" $oread
report "seq read 1M, image (half copied)" $iread
echo "ratio image read / origin read = $(ratio $iread $oread) (goal >= 0.9)"

for devs in "${DISK1}3" "${DISK1}3 ${DISK1}4 ${DISK1}5 ${DISK1}6"; do
	n=$(echo $devs | wc -w)
	dmesg -C
	t0=$(date +%s%N)
	blksnap snapshot create --json --storage /tmp/take-diff --limit 64M $devs > /tmp/snap.json
	t1=$(date +%s%N)
	id=$(python3 -c 'import json; print(json.load(open("/tmp/snap.json"))["id"])')
	held=$(dmesg | sed -n 's/.*writes held for \([0-9]*\) us.*/\1/p')
	blksnap snapshot destroy $id
	echo "take of $n device(s): create command $(( (t1 - t0) / 1000000 )) ms wall, writes held for ${held} us (goal for 4: <= 50 ms)"
	for d in $devs; do blksnap detach $d; done
	rm -f /tmp/take-diff
done
blksnap detach $origin

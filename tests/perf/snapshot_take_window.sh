# Benchmark (issues 20 and 21): how long a take holds writes, by the
# module's own "writes held for N us" line, for snapshots of 1, 4, 16 and
# 64 devices (dm-linear devices of 1 MiB over the second disk, each with
# its own filter).  Three takes each; the median is the figure.  Goals
# (issue 21): 1 device <= 20 ms, 4 <= 50 ms, 64 <= 200 ms.  Each device
# used to cost an RCU grace period with writes held (finding 8).
# A report, not a gate.
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe dm-mod

made=()
for i in $(seq 0 63); do
	name=take-$i
	dmsetup create $name --table "0 2048 linear $DISK1 $((i * 2048))"
	made+=($name)
done
dmsetup mknodes

printf '%-10s %10s %10s %10s %10s  %s\n' devices try1_us try2_us try3_us median_us goal
for n in 1 4 16 64; do
	devs=()
	for i in $(seq 0 $((n - 1))); do
		devs+=(/dev/mapper/take-$i)
	done
	held=()
	for try in 1 2 3; do
		dmesg -C
		blksnap snapshot create --json --storage /tmp/take-diff --limit 64M "${devs[@]}" > /tmp/snap.json
		id=$(jq -er .id /tmp/snap.json)
		held+=("$(dmesg | sed -n 's/.*writes held for \([0-9]*\) us.*/\1/p')")
		blksnap snapshot destroy $id
		rm -f /tmp/take-diff
	done
	median=$(printf '%s\n' "${held[@]}" | sort -n | sed -n 2p)
	case $n in
	1) goal="<= 20000" ;; 4) goal="<= 50000" ;; 64) goal="<= 200000" ;; *) goal=- ;;
	esac
	printf '%-10s %10s %10s %10s %10s  %s\n' $n "${held[@]}" $median "$goal"
	for d in "${devs[@]}"; do blksnap detach $d; done
done
for name in "${made[@]}"; do
	dmsetup remove $name
done

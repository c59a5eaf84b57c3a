# A take of a loop device whose backing file lives on a
# filtered (tracked) device, under O_DIRECT writes to the loop device,
# completes: a take holds writes to its own devices only.  Found in review:
# with one gate for all filtered devices the take waited for loop0's queue
# to drain, whose requests waited at that gate to write to vda: forever.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe loop
mkfs.ext4 -q -F $DISK0
mkdir -p /mnt/a
mount $DISK0 /mnt/a
fallocate -l 256M /mnt/a/img
loop=$(losetup -f --show /mnt/a/img)
echo "loop: $loop"
blksnap attach $DISK0 || fail "attach $DISK0"
ok "$DISK0 tracked (CBT only)"
fio --name=lw --filename=$loop --rw=randwrite --bs=64k --direct=1 \
	--ioengine=libaio --iodepth=16 --size=200M --time_based --runtime=20 --fsync=2 \
	--numjobs=2 --output=/tmp/fio.out &
fiopid=$!
sleep 3
for i in 1 2 3; do
	t0=$(date +%s%N)
	"$BLKSNAP_CLI" snapshot create --json --storage /tmp --limit 256M $loop > /tmp/take.json 2>/tmp/take.err &
	tp=$!
	for s in $(seq 60); do kill -0 $tp 2>/dev/null || break; sleep 1; done
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	if kill -0 $tp 2>/dev/null; then
		echo "take $i still running after $ms ms; blocked tasks:"
		echo w > /proc/sysrq-trigger; sleep 1
		dmesg | grep -A25 -E 'task:(blksnap|loop|kworker|fio)' | grep -E 'task:|^\s*\[.*\] +[a-z_0-9]+\+0x' | head -80 || true
		fail "take of $loop hung"
	fi
	wait $tp || fail "take $i failed: $(cat /tmp/take.err)"
	echo "take $i: done after $ms ms"
	id=$(python3 -c 'import json,sys; print(json.load(open("/tmp/take.json"))["id"])')
	sleep 2
	blksnap snapshot destroy $id
done
wait $fiopid || true
ok "takes of a loop device over a tracked device completed"
blksnap detach $loop || true
losetup -d $loop
blksnap detach $DISK0 || true
umount /mnt/a

# One snapshot of a loop device and of the disk whose filesystem holds
# the loop's backing file, with writes to the loop device in flight: the
# take freezes that filesystem, then waits for the loop's queue, whose
# requests wait for the frozen filesystem: never.  Before, that wait was
# uninterruptible: the take hung for ever with the filesystem frozen,
# and a signal did nothing (issue 20, finding 1).  Now a signal cancels
# it, and so does the module's own limit (take_drain_timeout, 8 s here);
# either way the filesystem is thawed and nothing is left.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
# The limit changes without a reload (which would end change histories),
# within 1..100 s.
P=/sys/module/blksnap/parameters/take_drain_timeout
expect_eq "$(cat $P)" 60 "take_drain_timeout by default"
echo 101 > $P 2>/dev/null && fail "take_drain_timeout accepted 101 (most is 100)"
echo 8 > $P || fail "cannot set take_drain_timeout at run time"
expect_eq "$(cat $P)" 8 "take_drain_timeout after writing 8"
modprobe loop
mkfs.ext4 -q -F $DISK0
mkdir -p /mnt/a
mount $DISK0 /mnt/a
fallocate -l 256M /mnt/a/img
loop=$(losetup -f --show /mnt/a/img)
fio --name=lw --filename=$loop --rw=randwrite --bs=64k --direct=1 \
	--ioengine=libaio --iodepth=16 --size=200M --time_based --runtime=300 \
	--output=/tmp/fio.out &
fiopid=$!
cleanup() {
	set +e
	kill $fiopid 2>/dev/null
	wait $fiopid
	for id in $("$BLKSNAP_CLI" snapshot list --json 2>/dev/null | jq -r '.snapshots[].id'); do
		"$BLKSNAP_CLI" snapshot destroy "$id"
	done
	for dev in $DISK0 $loop; do "$BLKSNAP_CLI" detach $dev 2>/dev/null; done
	losetup -d $loop
	umount /mnt/a
	true
}
trap cleanup EXIT
sleep 3

# stuck_take: starts `snapshot create` of both devices into $creator and
# returns once its take waits for the loop's writes.  A take that found
# no loop write in flight completes; it is undone and tried again.
stuck_take() {
	local try i
	for try in 1 2 3 4 5; do
		"$BLKSNAP_CLI" snapshot create --storage /tmp --limit 256M $DISK0 $loop \
			> /tmp/take.out 2> /tmp/take.err &
		creator=$!
		for i in $(seq 50); do
			case $(cat /proc/$creator/wchan 2>/dev/null) in
			*drain*|*freeze_queue_wait*) return 0 ;;
			esac
			kill -0 $creator 2>/dev/null || break
			sleep 0.1
		done
		wait $creator
		for id in $("$BLKSNAP_CLI" snapshot list --json | jq -r '.snapshots[].id'); do
			blksnap snapshot destroy "$id"
		done
		echo "try $try: the take did not wait for the loop device; again"
	done
	fail "no take waited for the loop device's writes: the case proves nothing"
}

# thawed: the filesystem holding the backing file takes writes again.
thawed() {
	timeout 10 sh -c 'echo x > /mnt/a/probe && sync /mnt/a/probe' ||
		fail "$DISK0's filesystem is still frozen after the cancelled take"
	expect_eq "$("$BLKSNAP_CLI" snapshot list --json | jq '.snapshots | length')" 0 \
		"snapshots left after the cancelled take"
}

# (a) A signal cancels the take.
stuck_take
ok "the take waits for the loop device, whose writes wait for $DISK0's frozen filesystem"
kill -TERM $creator
t0=$(date +%s%N)
rc=0
for i in $(seq 30); do kill -0 $creator 2>/dev/null || break; sleep 0.1; done
kill -0 $creator 2>/dev/null && fail "SIGTERM did not end the take within 3 s"
wait $creator || rc=$?
echo "SIGTERM ended the take in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
cat /tmp/take.err
expect_eq "$rc" 143 "exit status of a create ended by SIGTERM"
expect_match "$(cat /tmp/take.err)" "interrupted while the take waited" "the message says the take was interrupted"
thawed

# (b) Without a signal, the module gives up after take_drain_timeout.
kmsg_mark
stuck_take
t0=$(date +%s%N)
rc=0
wait $creator || rc=$?
s=$(( ($(date +%s%N) - t0) / 1000000000 ))
echo "the take gave up after ${s} s more"
cat /tmp/take.err
expect_eq "$rc" 1 "exit status of a create whose take timed out"
expect_match "$(cat /tmp/take.err)" "gave up waiting for writes issued before it" \
	"the message names the limit"
expect_match "$(kmsg_since_mark)" "the take gave up waiting" "the kernel log says why"
[ "$s" -le 20 ] || fail "the take gave up only after ${s} s (take_drain_timeout=8)"
thawed

# (c) A stop and continue (job control, a debugger, the freezer) is no
# cancel: the take is undone and redone, and ends as a take does (taken
# or, here most likely, given up), never "interrupted".
stuck_take
kill -STOP $creator
sleep 1
kill -CONT $creator
rc=0
wait $creator || rc=$?
cat /tmp/take.err
case $rc in
0)
	for id in $("$BLKSNAP_CLI" snapshot list --json | jq -r '.snapshots[].id'); do
		blksnap snapshot destroy "$id"
	done ;;
1) expect_match "$(cat /tmp/take.err)" "gave up waiting" "after a stop, the take ended by its limit" ;;
*) fail "a stopped and continued take ended with status $rc: $(cat /tmp/take.err)" ;;
esac
ok "a stop and continue did not cancel the take (status $rc)"
thawed
# fio ends by the signal: its status says nothing here.
kill $fiopid
wait $fiopid || true
fiopid=

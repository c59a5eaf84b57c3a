# A write that passed the filter before take but reaches the device after
# it (here held 10 s below the filter by dm-delay, as a stacking driver, a
# throttle or a preempted submitter may hold it) is in the image: take
# waits for it to complete.  Before, take drained only the request queue
# (a bio-based dm device has none to wait on), the image showed the old
# data and then changed under the reader when the write landed.  The same
# holds for a write issued before the filter was attached.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe dm-delay
K=$((1 << 10))
M=$((1 << 20))
# Storage as users set it up: a directory on ext4.
mkfs.ext4 -q -F $DISK0
mkdir -p /mnt/store
mount $DISK0 /mnt/store

# 64 MiB of $DISK1 behind dm-delay: reads at once, writes 10 s late.
dd if=/dev/urandom of=$DISK1 bs=1M count=64 oflag=direct status=none
dmsetup create bs_delay --table "0 $((64 * M / 512)) delay $DISK1 0 0 $DISK1 0 10000"
# No udev in the guest: make the /dev/mapper node by hand.
dmsetup mknodes bs_delay
dev=/dev/mapper/bs_delay
# A failed check must not leave $DISK1 held for the next case.
cleanup() {
	set +e
	[ -n "${SNAP_ID:-}" ] && blksnap snapshot destroy $SNAP_ID
	grep -q '^blksnap ' /proc/modules && blksnap detach $dev 2>/dev/null
	dmsetup remove bs_delay 2>/dev/null
	mountpoint -q /mnt/store && umount /mnt/store
	true
}
trap cleanup EXIT
dd if=/dev/urandom of=/tmp/new bs=64K count=1 status=none

# image_holds_new OFFSET: the image's 64 KiB at OFFSET, read past the
# page cache (a cached copy would hide a change), are /tmp/new.
image_holds_new() {
	dd if=$IMAGES of=/tmp/got bs=64K count=1 skip=$(($1 / (64 * K))) iflag=direct status=none
	cmp -s /tmp/new /tmp/got
}

# A write issued before the filter was attached, as `snapshot create`
# attaches a device an instant before its take: the filter never counted
# it, and dm (iostats off by default on 6.1) counts it nowhere the take
# could see.  Attach waits for it (the module suspends and resumes the dm
# device inside dm).  Before, nothing did, and the write landed under the
# image after the take without a copy.
off=$((40 * M))
dd if=/tmp/new of=$dev bs=64K seek=$((off / (64 * K))) oflag=direct \
	conv=notrunc status=none &
writer=$!
sleep 1
grep -q '^State:.*D' /proc/$writer/status ||
	fail "the write before attach is not in flight: the case proves nothing"
t0=$(date +%s%N)
blksnap attach $dev
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "attach with a write in flight took ${ms} ms"
snapshot_create /tmp/s.json --storage /mnt/store --limit 64M $dev
image_holds_new $off ||
	fail "the image at take lacks a write issued before attach"
wait $writer
image_holds_new $off || fail "the image changed when a write issued before attach landed"
ok "attach waited for a write issued before it; the image holds it"
blksnap snapshot destroy $SNAP_ID
SNAP_ID=

for round in 1; do
	off=$(( round * 8 * M ))
	dd if=/tmp/new of=$dev bs=64K seek=$((off / (64 * K))) oflag=direct \
		conv=notrunc status=none &
	writer=$!
	sleep 1
	grep -q '^State:.*D' /proc/$writer/status 2>/dev/null && ok "round $round: the writer waits below the filter"
	t0=$(date +%s%N)
	kmsg_mark
	snapshot_create /tmp/s.json --storage /mnt/store --limit 64M $dev
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	# The take itself held writes while it waited: proof that the write
	# was still in flight when it began.
	kmsg_since_mark > /tmp/klog
	held=$(sed -n 's/.*writes held for \([0-9]*\) us.*/\1/p' /tmp/klog | tail -n 1)
	echo "round $round: create took ${ms} ms, the take held writes ${held} us"
	image_holds_new $off ||
		fail "round $round: the image at take lacks a write issued before take (it was still in flight)"
	[ "${held:-0}" -ge 500000 ] ||
		fail "round $round: the write landed before the take began; the case proves nothing (slow guest?)"
	ok "round $round: the image holds the write issued before take"
	wait $writer
	image_holds_new $off ||
		fail "round $round: the image changed when a pre-take write landed"
	# A write after take is copied on write, also through the delay.
	dd_direct $dev $off 4096
	image_holds_new $off || fail "round $round: image changed after a post-take write"
	ok "round $round: the image stays as it was at take"
	blksnap snapshot destroy $SNAP_ID
	SNAP_ID=
done

# A take that waits too long is cancelled by a signal (SIGTERM here: a
# background job ignores SIGINT): nothing is left.
dmsetup suspend bs_delay
dmsetup reload bs_delay --table "0 $((64 * M / 512)) delay $DISK1 0 0 $DISK1 0 20000"
dmsetup resume bs_delay
dd if=/tmp/new of=$dev bs=64K seek=$((24 * M / (64 * K))) oflag=direct conv=notrunc status=none &
writer=$!
sleep 1
"$BLKSNAP_CLI" snapshot create --storage /mnt/store --limit 64M $dev > /tmp/cancel.out 2> /tmp/cancel.err &
creator=$!
waiting=
for i in $(seq 150); do
	case $(cat /proc/$creator/wchan 2>/dev/null) in
	*writes_drain*) waiting=1; break ;;
	esac
	sleep 0.1
done
[ -n "$waiting" ] || fail "the take did not wait for the write in flight ($(cat /proc/$creator/wchan 2>/dev/null))"
kill -TERM $creator
rc=0
wait $creator || rc=$?
cat /tmp/cancel.err
expect_eq "$rc" 143 "exit status of a create ended by SIGTERM"
expect_match "$(cat /tmp/cancel.err)" "interrupted while the take waited" "the message says the take was interrupted"
expect_eq "$(blksnap snapshot list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["snapshots"]))')" 0 "snapshots left after the cancelled take"
wait $writer
ok "the delayed write completed after the cancelled take"

blksnap detach $dev
dmsetup remove bs_delay
left=$(ls -A /mnt/store | grep -v '^lost+found$' || true)
expect_eq "$left" "" "files left in the storage directory"

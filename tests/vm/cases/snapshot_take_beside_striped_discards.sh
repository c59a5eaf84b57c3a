# A stacking driver that sends several bios down in one call (dm-stripe
# splits a discard into one bio per stripe) while a take holds its member
# devices: the bios already sent are counted by their filters and wait on
# the submitting task's list until the call returns.  Before, the next
# bio of that call slept at its device's gate, so the take's drain waited
# for bios that could only go down after it (issue 20, finding 5): the
# take timed out (take_drain_timeout, 5 s here) or stalled.  Now such a
# bio is parked and sent again when the gate opens.  Takes of both stripe
# members over and over while discards spanning both stripes run; every
# take must succeed, and every discard complete.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
echo 5 > /sys/module/blksnap/parameters/take_drain_timeout
partition_disk1 64MiB 64MiB
a=${DISK1}1 b=${DISK1}2
dmsetup create striped --table "0 262144 striped 2 128 $a 0 $b 0"
dmsetup mknodes striped
blksnap attach $a
blksnap attach $b
stop=/tmp/stop-discards
rm -f $stop
# The whole striped device each time: after a take every chunk is
# untouched, and the first member's bio starts copies for all of its
# chunks before the call gets to the second member's bio, a window of
# milliseconds for the next take to close the gates in.  --force: no
# exclusive open, which the takes' attach and detach would race with.
discarder() {
	local n=0
	while [ ! -e $stop ]; do
		blkdiscard -f /dev/mapper/striped || return 1
		n=$((n + 1))
	done
	echo $n > /tmp/discards
}
discarder & d1=$!
failed=0
for i in $(seq 30); do
	if blksnap snapshot create --json --storage $DISK0 $a $b > /tmp/snap.json 2>/tmp/err; then
		blksnap snapshot destroy "$(jq -er .id /tmp/snap.json)"
	else
		failed=$((failed + 1))
		cat /tmp/err
	fi
done
touch $stop
wait $d1 || fail "a discard through dm-stripe failed"
echo "discards of all 128 MiB over both stripes: $(cat /tmp/discards)"
expect_eq "$failed" 0 "takes that failed out of 30"
dmsetup remove striped
blksnap detach $a
blksnap detach $b

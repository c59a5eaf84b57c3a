# Polled O_DIRECT writes (io_uring with IOPOLL, fio --hipri) to a tracked
# device complete.  Found in review: the tracker's clone kept REQ_POLLED,
# its request sat on a poll queue that nobody polled (the submitter polls
# the original bio), and the writes timed out.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe null_blk queue_mode=2 poll_queues=1 submit_queues=2 memory_backed=1 gb=1 nr_devices=1 || fail "null_blk"
dev=/dev/nullb0
[ -b $dev ] || { mknod $dev b $(cat /sys/block/nullb0/dev | tr : ' '); }
# Without a poll queue the block layer drops the polled flag and nothing
# below would be polled: the case would prove nothing.
expect_eq "$(cat /sys/block/nullb0/queue/io_poll)" 1 "io_poll of $dev (poll_queues=1)"
run() {
	timeout -s KILL 40 fio --name=p --filename=$dev --rw=randwrite --bs=4k --direct=1 \
		--ioengine=io_uring --hipri=1 --iodepth=4 --size=64M --io_size=16M \
		--output=/tmp/fio.$1 >/dev/null 2>&1
	echo $?
}
r=$(run plain)
echo "untracked: fio rc=$r $(grep -o 'IOPS=[^,]*' /tmp/fio.plain)"
[ "$r" = 0 ] || fail "polled fio fails without blksnap (setup)"
blksnap attach $dev
r=$(run tracked)
echo "tracked: fio rc=$r $(grep -o 'IOPS=[^,]*' /tmp/fio.tracked 2>/dev/null)"
[ "$r" = 0 ] || fail "polled O_DIRECT writes hang (fio killed after 40 s) on a tracked device"
blksnap detach $dev
ok "polled writes complete on a tracked device"
rmmod null_blk

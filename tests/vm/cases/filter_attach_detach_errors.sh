# Attach and detach say clearly what is wrong: a second attach, a detach of
# an unfiltered device, a path that is not a block device, a file on a
# filesystem without one, a zoned device.  Unload is
# refused while a device is filtered (so tracking history is never dropped
# silently) and works once it is detached.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
dev=$DISK0
blksnap attach $dev
ok "attached $dev"

run_capture rc out err blksnap attach $dev
echo "second attach: rc=$rc: $err"
expect_eq "$rc" 1 "exit code of a second attach"
expect_match "$err" "$dev.*already" "second attach message"

run_capture rc out err blksnap detach $DISK1
echo "detach unfiltered: rc=$rc: $err"
expect_eq "$rc" 1 "exit code of detaching an unfiltered device"
expect_match "$err" "$DISK1.*not attached" "detach message"

run_capture rc out err blksnap attach /dev/null
echo "attach a character device: rc=$rc: $err"
expect_eq "$rc" 1 "exit code of attaching a character device"
expect_match "$err" "/dev/null.*not a block device" "not-a-block-device message"

# A file names the filesystem that holds it; on tmpfs there is no device.
touch /tmp/file
run_capture rc out err blksnap attach /tmp/file
echo "attach a file on tmpfs: rc=$rc: $err"
expect_eq "$rc" 1 "exit code of attaching a file on tmpfs"
expect_match "$err" "/tmp/file.*tmpfs" "no-device message"

# Zone append, reset and finish are not followed: a zoned device is refused.
modprobe null_blk nr_devices=1 zoned=1 gb=1 zone_size=64
for i in $(seq 50); do [ -b /dev/nullb0 ] && break; sleep 0.1; done
expect_eq "$(cat /sys/block/nullb0/queue/zoned)" host-managed "null_blk zone model"
run_capture rc out err blksnap attach /dev/nullb0
echo "attach a zoned device: rc=$rc: $err"
expect_eq "$rc" 1 "exit code of attaching a zoned device"
expect_match "$err" "/dev/nullb0.*zoned" "zoned-device message"
rmmod null_blk

run_capture rc out err blksnap cbt info $DISK1
echo "cbt info unfiltered: rc=$rc: $err"
expect_eq "$rc" 1 "exit code of cbt info on an unfiltered device"
expect_match "$err" "$DISK1.*not attached" "cbt info message"

if rmmod blksnap 2>/tmp/rmmod.err; then
	fail "rmmod succeeded while $dev is filtered"
fi
ok "rmmod refused while attached: $(cat /tmp/rmmod.err)"
expect_eq "$(cat /sys/module/blksnap/refcnt)" 1 "module references with one filter"

blksnap detach $dev
expect_eq "$(cat /sys/module/blksnap/refcnt)" 0 "module references after detach"
rmmod blksnap || fail "rmmod after detach"
ok "rmmod after detach"

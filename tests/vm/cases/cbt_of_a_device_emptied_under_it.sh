# A tracked loop device whose backing file is let go (losetup -d clears it
# to 0 sectors while the filter stays): the next CBT request renews the
# map for the new capacity, and for 0 sectors allocated nothing with
# vzalloc(0), which warns in the kernel log (found by the ioctl fuzzer,
# issue 20).  Now the request fails with ENODEV, nothing warns, and the
# filter detaches.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe loop
truncate -s 64M /tmp/emptied.img
loop=$(losetup --show -f /tmp/emptied.img)
blksnap attach $loop
blksnap cbt info $loop > /dev/null || fail "cbt info on $loop"
losetup -d $loop
for i in $(seq 50); do
	[ "$(blockdev --getsz $loop 2>/dev/null || echo 0)" = 0 ] && break
	sleep 0.1
done
if blksnap cbt info $loop > /tmp/info.out 2> /tmp/info.err; then
	cat /tmp/info.out
	fail "cbt info of a device emptied to 0 sectors succeeded"
fi
cat /tmp/info.err
ok "cbt info of the emptied device fails: $(head -c 200 /tmp/info.err)"
blksnap detach $loop || fail "detach of the emptied device"
rm -f /tmp/emptied.img

# Removing a filtered device (a loop partition, a SCSI disk) is safe: no
# oops, the filter stops applying, it can be detached by number, and a new
# device that reuses the number is not tracked by the old filter.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
M=$((1 << 20))
modprobe loop
truncate -s 256M /tmp/loop.img
printf 'label: dos\nstart=2048, size=200MiB\n' | sfdisk -q /tmp/loop.img
loop=$(losetup -f --show -P /tmp/loop.img)
part=${loop}p1
for i in $(seq 50); do [ -b $part ] && break; sleep 0.1; done
[ -b $part ] || fail "$part did not appear"
majmin=$(( $(stat -c 0x%t $part) )):$(( $(stat -c 0x%T $part) ))
blksnap attach $part
dd_direct $part $M 4096
losetup -d $loop
for i in $(seq 50); do [ -b $part ] || break; sleep 0.1; done
ok "loop device $loop with filtered $part detached (partition gone: $([ -b $part ] && echo no || echo yes))"

run_capture rc out err blksnap cbt info $majmin
echo "cbt info on the removed partition: rc=$rc: $err"
[ "$rc" -ne 0 ] || fail "cbt info succeeded on a removed device"

# The same number comes back for a new device: the old filter must not
# apply (attach succeeds, and the new map is fresh).
loop=$(losetup -f --show -P /tmp/loop.img)
for i in $(seq 50); do [ -b ${loop}p1 ] && break; sleep 0.1; done
echo "new ${loop}p1 is $(( $(stat -c 0x%t ${loop}p1) )):$(( $(stat -c 0x%T ${loop}p1) ))"
blksnap attach ${loop}p1
cbt_expect_exact ${loop}p1
blksnap detach ${loop}p1
losetup -d $loop
run_capture rc out err blksnap detach $majmin
echo "detach by number after the device went: rc=$rc: $err"

# A SCSI disk deleted under the filter.
scsi_debug_disk dev_size_mb=64
sd=/dev/$SD
sdnum=$(( $(stat -c 0x%t $sd) )):$(( $(stat -c 0x%T $sd) ))
blksnap attach $sd
dd_direct $sd 0 4096
echo 1 > /sys/block/$(basename $sd)/device/delete
ok "deleted $sd ($sdnum) while filtered"
blksnap detach $sdnum || fail "detach by number $sdnum after deletion"
ok "detached the removed disk's filter by number"
rmmod scsi_debug
rmmod blksnap || fail "rmmod blksnap after removals"
ok "module unloads after the removals"

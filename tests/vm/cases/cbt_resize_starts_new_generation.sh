# Growing a filtered device starts a new generation sized to the new
# capacity, never a silently short map; writes then track as usual.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
M=$((1 << 20))
modprobe loop
truncate -s 64M /tmp/resize.img
loop=$(losetup -f --show /tmp/resize.img)
blksnap attach $loop
gen1=$(cbt_field $loop generation)
expect_eq "$(cbt_field $loop capacity)" $((64 * M)) "capacity before"
dd_direct $loop $M 4096

truncate -s 128M /tmp/resize.img
losetup -c $loop
expect_eq "$(blockdev --getsize64 $loop)" $((128 * M)) "loop device grown"
# A write beyond the old end is what the map could not have held.
dd_direct $loop $((100 * M)) 4096
gen2=$(cbt_field $loop generation)
expect_eq "$(cbt_field $loop capacity)" $((128 * M)) "capacity after"
echo "generations: $gen1 then $gen2"
[ "$gen1" != "$gen2" ] || fail "resize kept generation $gen1"
ok "resize started a new generation"

cbt_expect_exact $loop
dd_direct $loop $((120 * M)) 4096
cbt_expect_exact $loop $((120 * M)):4096
blksnap detach $loop
losetup -d $loop

# The module loads, creates /dev/blksnap-control as a root-only character
# device, shows its parameters to modinfo, and unloads cleanly.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
node=/dev/blksnap-control
[ -c $node ] || fail "$node is not a character device"
expect_eq "$(stat -c %a $node)" 600 "mode of $node"
expect_eq "$(stat -c %U $node)" root "owner of $node"
expect_eq "$(cat /sys/module/blksnap/version)" 0.1.0 "/sys/module/blksnap/version"

params=$(modinfo -F parm blksnap)
for p in tracking_block_minimum_shift tracking_block_maximum_count \
	 chunk_minimum_shift chunk_maximum_in_flight diff_storage_minimum; do
	expect_match "$params" "^$p:.+" "modinfo parameter $p has a description"
	[ -r /sys/module/blksnap/parameters/$p ] || fail "/sys/module/blksnap/parameters/$p missing"
done
expect_eq "$(cat /sys/module/blksnap/parameters/chunk_minimum_shift)" 18 "default chunk_minimum_shift"

rmmod blksnap || fail "rmmod blksnap"
[ ! -e $node ] || fail "$node still exists after rmmod"
ok "unloaded, $node removed"

# mark-dirty adds ranges to the map (a request with non-zero padding is
# refused); detach and attach again starts a new generation, and --since
# with the old one is refused.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
dev=$DISK0
M=$((1 << 20))
blksnap attach $dev
blksnap cbt switch $dev
blksnap cbt mark-dirty $dev $((3 * M)):4096 $((40 * M)):$((2 * M))
# Marked in the frozen read map at once, and in the write map too.
bs=$(cbt_field $dev block-size)
blksnap cbt map --json $dev > /tmp/map.json
python3 "$BLKSNAP_SRC/tests/vm/guest/cbt_check.py" exact "$bs" /tmp/map.json \
	$((3 * M)):4096 $((40 * M)):$((2 * M)) || fail "mark-dirty ranges in the read map"
ok "mark-dirty ranges show in the current map"
cbt_expect_exact $dev $((3 * M)):4096 $((40 * M)):$((2 * M))

run_capture rc out err blksnap cbt mark-dirty $dev 100:4096
echo "unaligned mark-dirty: rc=$rc: $err"
expect_eq "$rc" 2 "exit code of an unaligned range"

# The structure's padding must be zero (the UAPI says so, and a later
# version may give it a meaning): refused, and nothing marked (the map
# lists every block marked since attach).
RAW="python3 $BLKSNAP_SRC/tests/vm/guest/raw_ioctl.py"
expect_eq "$($RAW cbt-dirty $dev $((60 * M / 512)) 8 1)" EINVAL "CBTDIRTY with non-zero padding"
expect_eq "$($RAW cbt-dirty $dev $((61 * M / 512)) 8 0)" OK "CBTDIRTY with zero padding"
cbt_expect_exact $dev $((3 * M)):4096 $((40 * M)):$((2 * M)) $((61 * M)):4096

gen1=$(cbt_field $dev generation)
blksnap detach $dev
blksnap attach $dev
gen2=$(cbt_field $dev generation)
echo "generations: $gen1 then $gen2"
[ "$gen1" != "$gen2" ] || fail "reattach kept generation $gen1"
ok "reattach started a new generation"

run_capture rc out err blksnap cbt map --since "$gen1:1" $dev
echo "--since old generation: rc=$rc: $err"
expect_eq "$rc" 3 "exit code of --since with an old generation (history lost)"
expect_match "$err" "generation|restarted" "message names the generation change"
blksnap detach $dev

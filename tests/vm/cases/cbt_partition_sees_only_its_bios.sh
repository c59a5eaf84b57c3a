# A filter on a partition sees only the bios addressed to it, in
# partition-relative offsets; a neighbour's writes never appear.  A filter
# on the whole disk sees its partitions' writes at disk offsets.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
M=$((1 << 20))
printf 'label: gpt\nstart=2048, size=400MiB\nsize=400MiB\n' | sfdisk -q $DISK1
udevadm settle 2>/dev/null || true
p1=${DISK1}1 p2=${DISK1}2
for i in $(seq 50); do [ -b $p2 ] && break; sleep 0.1; done
[ -b $p2 ] || fail "$p2 did not appear"
p1_start=$(( $(cat /sys/class/block/$(basename $p1)/start) * 512 ))
p2_start=$(( $(cat /sys/class/block/$(basename $p2)/start) * 512 ))
echo "partitions start at $p1_start and $p2_start"

blksnap attach $p1
cbt_expect_exact $p1
dd_direct $p1 $((5 * M)) 4096
dd_direct $p2 $((5 * M)) 4096
dd_direct $p2 $((7 * M)) $M
dd_direct $p1 $((399 * M)) $M
cbt_expect_exact $p1 $((5 * M)):4096 $((399 * M)):$M
blksnap detach $p1

blksnap attach $DISK1
cbt_expect_exact $DISK1
dd_direct $p1 $((6 * M)) 4096
dd_direct $p2 $((9 * M)) 4096
dd_direct $DISK1 $((900 * M)) 4096
cbt_expect_exact $DISK1 $((p1_start + 6 * M)):4096 $((p2_start + 9 * M)):4096 $((900 * M)):4096
blksnap detach $DISK1

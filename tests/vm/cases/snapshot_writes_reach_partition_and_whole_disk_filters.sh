# A filter sees every write to its sectors, whichever node it came
# through (blksnap(8), "Partitions and whole disks").
# (a), (b): a write to a partition reaches the whole disk's filter too,
# also when the partition's copy-on-write held it back first: the whole
# disk's CBT map marks it, and a snapshot of the whole disk taken beside
# the partition's copies it.  Found in review: a write the partition's
# COW parked was sent on past every filter.
# (c): a write through the whole disk's node to a partition's sectors
# (a bootloader installer, blkdiscard of the disk) reaches the
# partition's filter: its image keeps the data at take and its map marks
# the blocks.  Before, such writes bypassed the partition's filter: its
# image changed and an incremental backup missed them.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
M=$((1 << 20))
printf 'label: gpt\nstart=2048, size=32MiB\nsize=32MiB\n' | sfdisk -q $DISK1
p1=${DISK1}1
for i in $(seq 50); do [ -b ${DISK1}2 ] && break; sleep 0.1; done
p1_start=$(( $(cat /sys/class/block/$(basename $p1)/start) * 512 ))
dd if=/dev/urandom of=$p1 bs=1M count=32 oflag=direct status=none
dd if=$p1 of=/tmp/p1.before bs=1M iflag=direct status=none

# (a) CBT of the whole disk while the partition is snapshotted
blksnap attach $DISK1
cbt_expect_exact $DISK1
snapshot_create /tmp/s1.json --storage /tmp --limit 16M $p1
S1=$SNAP_ID IMG1=$IMAGES
dd_direct $p1 $((6 * M)) 4096
dd_direct $p1 $((20 * M)) 4096
dd_direct $p1 $((6 * M + 8192)) 4096
echo "whole-disk map after writes to $p1 at 6M, 20M, 6M+8k (disk offset of p1: $p1_start):"
blksnap cbt switch $DISK1
bs=$(cbt_field $DISK1 block-size)
blksnap cbt map --json $DISK1 > /tmp/map.json
if python3 "$BLKSNAP_SRC/tests/vm/guest/cbt_check.py" exact "$bs" /tmp/map.json \
	$((p1_start + 6 * M)):4096 $((p1_start + 20 * M)):4096 $((p1_start + 6 * M + 8192)):4096; then
	ok "whole-disk CBT saw the partition's parked writes"
else
	echo "whole-disk CBT missed partition writes that were parked for COW"
	cbtfail=1
fi

# (b) snapshot of the whole disk beside the partition's snapshot
run_capture rc out err "$BLKSNAP_CLI" snapshot create --json --storage /tmp --limit 16M $DISK1
echo "whole-disk snapshot beside the partition's: rc=$rc $err"
expect_eq "$rc" 0 "a snapshot of the whole disk beside its partition's"
if [ "$rc" = 0 ]; then
	S2=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	IMG2=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["devices"][0]["image"])')
	dd if=$IMG2 of=/tmp/p1.at_s2 bs=1M skip=$((p1_start / M)) count=32 iflag=direct status=none
	# chunks of p1 untouched so far: 24M.., fresh writes get parked by p1's COW
	for off in 24 25 26 28 31; do dd_direct $p1 $((off * M)) 65536; done
	dd if=$IMG2 of=/tmp/p1.img2 bs=1M skip=$((p1_start / M)) count=32 iflag=direct status=none
	if cmp /tmp/p1.at_s2 /tmp/p1.img2; then
		ok "whole-disk image unchanged under partition writes"
	else
		echo "the whole-disk image changed after take (a partition write parked by the partition's COW skipped the disk's COW)"
		imgfail=1
	fi
	blksnap snapshot destroy $S2
fi

# (c) writes through the whole disk's node to p1's sectors, with p1 in
# snapshot S1 and the whole disk attached too
for off in 2 4; do
	dd if=/dev/zero of=$DISK1 bs=64K count=1 seek=$(((p1_start + off * M) / 65536)) \
		oflag=direct status=none
done
# across p1's end into p2: p1's part is p1's
dd if=/dev/zero of=$DISK1 bs=64K count=1 seek=$((p1_start + 32 * M - 32768)) \
	oflag=direct,seek_bytes status=none
blkdiscard -f -o $((p1_start + 8 * M)) -l $M $DISK1
ok "wrote through $DISK1 at p1+2M, p1+4M, across p1's end, discarded p1+8M..9M"
cbt_expect_exact $p1 $((6 * M)):4096 $((20 * M)):4096 $((6 * M + 8192)):4096 \
	$((24 * M)):65536 $((25 * M)):65536 $((26 * M)):65536 $((28 * M)):65536 \
	$((31 * M)):65536 $((2 * M)):65536 $((4 * M)):65536 $((32 * M - 32768)):32768 \
	$((8 * M)):$M
# the whole disk's map holds every write to its sectors since its attach
cbt_expect_exact $DISK1 $((p1_start + 6 * M)):4096 $((p1_start + 20 * M)):4096 \
	$((p1_start + 6 * M + 8192)):4096 $((p1_start + 24 * M)):65536 $((p1_start + 25 * M)):65536 \
	$((p1_start + 26 * M)):65536 $((p1_start + 28 * M)):65536 $((p1_start + 31 * M)):65536 \
	$((p1_start + 2 * M)):65536 $((p1_start + 4 * M)):65536 \
	$((p1_start + 32 * M - 32768)):65536 $((p1_start + 8 * M)):$M
dd if=$IMG1 of=/tmp/p1.img1 bs=1M iflag=direct status=none
cmp /tmp/p1.before /tmp/p1.img1 || fail "partition image moved"
ok "partition image at take"
blksnap snapshot destroy $S1
blksnap detach $DISK1
blksnap detach $p1 || true
[ -z "${cbtfail:-}${imgfail:-}" ] || fail "whole-disk filter missed parked partition writes (cbt=${cbtfail:-0} image=${imgfail:-0})"

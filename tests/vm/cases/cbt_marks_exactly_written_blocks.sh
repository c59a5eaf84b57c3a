# Every kind of write marks exactly the tracking blocks it touches, on a
# whole disk: O_DIRECT of odd sizes and alignments (also straddling blocks),
# buffered + fsync, discard, write-zeroes (BLKZEROOUT and fallocate).  Reads
# and flushes mark nothing.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
dev=$DISK0
blksnap attach $dev
bs=$(cbt_field $dev block-size)
expect_eq "$bs" 65536 "tracking block size of a 1 GiB disk"
expect_eq "$(cbt_field $dev blocks)" 16384 "tracking blocks"

# Nothing written since attach: the first switch shows an empty map.
cbt_expect_exact $dev

M=$((1 << 20))
dd_direct $dev 0 4096
dd_direct $dev $((65536 - 512)) 1024                 # straddles blocks 0 and 1
dd_direct $dev $((10 * M)) $M                         # 16 whole blocks
dd_direct $dev $((500 * M + 4096)) 512
dd_direct $dev $((1024 * M - 512)) 512                # the last sector
dd if=/dev/urandom of=$dev bs=8192 count=1 seek=$((700 * M)) oflag=seek_bytes \
	conv=notrunc,fsync status=none                      # buffered + fsync
blkdiscard -o $((800 * M)) -l $M $dev                 # discard
blkdiscard -z -o $((810 * M + 65536)) -l 131072 $dev  # BLKZEROOUT
fallocate -z -o $((820 * M)) -l 4096 $dev             # write-zeroes
# Reads and flushes only.
dd if=$dev of=/dev/null bs=1M count=64 skip=100 iflag=direct status=none
dd if=$dev of=/dev/null bs=1M count=64 skip=200 status=none
blockdev --flushbufs $dev
sync

cbt_expect_exact $dev 0:4096 $((65536 - 512)):1024 $((10 * M)):$M \
	$((500 * M + 4096)):512 $((1024 * M - 512)):512 $((700 * M)):8192 \
	$((800 * M)):$M $((810 * M + 65536)):131072 $((820 * M)):4096
expect_eq "$(cbt_field $dev changes)" 2 "change number after two switches"

# The next switch starts afresh for --since: only what came after.
gen=$(cbt_field $dev generation)
dd_direct $dev $((300 * M)) 4096
blksnap cbt switch $dev
blksnap cbt map --json --since "$gen:2" $dev > /tmp/since.json
python3 "$BLKSNAP_SRC/tests/vm/guest/cbt_check.py" exact 65536 /tmp/since.json \
	$((300 * M)):4096 || fail "--since $gen:2 is not just the last write"
ok "--since GEN:2 shows only the write after the second switch"

blksnap detach $dev

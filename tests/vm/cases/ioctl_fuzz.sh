# The ioctl fuzzer (tests/fuzz, issue 20): 100000 random and edge requests
# to the control node from four threads with a fixed seed: every ioctl and
# every filter CTL command with bad, unaligned and kernel pointers, zero
# and huge lengths and counts, unterminated names and paths, wrong,
# removed and reused device numbers (the scratch disks, their partitions,
# an ext4 that holds storage, loop devices it makes and removes, the
# images it finds), live, destroyed and made-up snapshot ids, and two
# threads racing destroy, take, wait_event, detach and add.  Writes to a
# partition, the loop devices and the images make the snapshots copy,
# fill and overflow their storage and send events meanwhile.  It must end
# with status 0 (everything it made released, no request that must fail
# succeeded), the kernel log clean, no snapshot and no filter left, the
# module's objects, its vmalloc areas, the bio slabs and the kmalloc
# caches back where they were, and the module unloadable.  It prints the
# calls, the seconds and each request's errno counts.
#
# First kernel only: its point is length (a soak of the request paths:
# the argument checks of ctl.c, blksnap_filter.c and tracker.c, which are
# the same code on every kernel), and every interface it reaches - attach,
# detach, take, destroy, images, CBT commands, events - has its own
# "every" case on each kernel already; the kernel-specific code under it
# (compat/: bdev pins, freeze, the interception) runs in those.  Longer
# runs by hand: BLKSNAP_FUZZ_CALLS and BLKSNAP_FUZZ_SEED below, or the
# fuzzer itself (blksnap-ioctl-fuzz --help).
# kernels: first
# cpus: 2
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

FUZZ=$BLKSNAP_BUILD/tests/fuzz/blksnap-ioctl-fuzz
CALLS=${BLKSNAP_FUZZ_CALLS:-100000}
SEED=${BLKSNAP_FUZZ_SEED:-20}
# A bound on the run whatever the guest's speed, inside the case timeout.
LIMIT=${BLKSNAP_FUZZ_SECONDS:-150}
[ -x "$FUZZ" ] || fail "$FUZZ is missing: the userspace build has no tests/fuzz (make userspace)"

modprobe loop
# 2 MiB storage steps: storage files on tmpfs take memory as they grow.
load_blksnap diff_storage_minimum=4096
# A device number with no device makes the kernel run modprobe for
# block-major-N on every open (legacy autoload), about 100 ms a call
# under TCG: no modprobe while the fuzzer runs.
modprobe_path=$(cat /proc/sys/kernel/modprobe)
# A take that waits for writes gives up after 5 s, not 60.
echo 5 > /sys/module/blksnap/parameters/take_drain_timeout
partition_disk1 256MiB 512MiB
mkfs.ext4 -q -F ${DISK1}2
mkdir -p /mnt/fuzz
mount ${DISK1}2 /mnt/fuzz

CONTROL=/sys/class/misc/blksnap-control

# fresh_loop: the loop driver as just loaded.  The fuzzer makes and
# removes loop devices, and opening a number of loop's major makes one
# too (loop_probe); those it leaves hold memory that is not the module's.
fresh_loop() {
	losetup -D
	if rmmod loop 2>/dev/null; then
		modprobe loop
	else
		echo "loop is busy: its devices stay in the figures"
	fi
}

# counters: one "NAME VALUE" line per figure compared after the run, each
# slab counted after every cache gave back its per-CPU slabs (SLUB counts
# those as in use otherwise).
counters() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	for s in /sys/kernel/slab/*/shrink; do echo 1 > "$s" 2>/dev/null || true; done
	echo "module_refcnt $(cat /sys/module/blksnap/refcnt)"
	echo "snapshots $(find $CONTROL/snapshots -mindepth 1 -maxdepth 1 | wc -l)"
	echo "chunk_memory_used $(cut -d' ' -f1 $CONTROL/chunk_memory)"
	echo "chunk_pages_pooled $(cut -d' ' -f4 $CONTROL/chunk_memory)"
	echo "vmalloc_areas_of_blksnap $(grep -c '\[blksnap\]' /proc/vmallocinfo || true)"
	awk '$1 ~ /^bio-/ { print "slab_" $1, $2 }' /proc/slabinfo
	awk '$1 ~ /^kmalloc-/ { n += $2 } END { print "kmalloc_objects", n }' /proc/slabinfo
}

# The kernel log of the run, read as it comes: 100000 requests log more
# than the 128 KiB ring buffer keeps, and a WARN must not scroll away.
kmsg_mark
cat /dev/kmsg > /tmp/fuzz-kmsg &
kmsg_reader=$!
# Warnings to the serial console too: they reach the host's log even if
# the guest hangs or the case is killed.
dmesg -n 5
echo > /proc/sys/kernel/modprobe
trap 'dmesg -n 1; echo "$modprobe_path" > /proc/sys/kernel/modprobe' EXIT

# A first run settles what only the first use allocates (the loop
# driver's devices, the first image's disk queue, ext4's caches);
# the figures compared are those after it.
"$FUZZ" --seed $((SEED + 1)) --calls 300 --threads 2 --dir /var/tmp \
	--device $DISK1 > /tmp/fuzz-warmup.out 2>&1 || {
	cat /tmp/fuzz-warmup.out
	fail "the warm-up run of the fuzzer failed"
}
fresh_loop
counters > /tmp/before

t0=$(date +%s.%N)
set +e
"$FUZZ" --seed $SEED --calls "$CALLS" --seconds "$LIMIT" --threads 4 \
	--dir /var/tmp --dir /mnt/fuzz \
	--device $DISK0 --device $DISK1 --write-device ${DISK1}1 --device ${DISK1}2 \
	--storage-device $DISK0 > /tmp/fuzz.out 2> /tmp/fuzz.err
rc=$?
set -e
t1=$(date +%s.%N)
cat /tmp/fuzz.out
tail -n 20 /tmp/fuzz.err
echo "fuzzer: seed $SEED, $(awk '/^calls/ { print $2 " calls in " $4 " s" }' /tmp/fuzz.out), $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s with its cleanup"
expect_eq "$rc" 0 "fuzzer exit status"

sleep 1
kill $kmsg_reader
wait $kmsg_reader 2>/dev/null || true
awk -v m="$KMSG_MARK" 'seen { print } index($0, m) { seen = 1 }' /tmp/fuzz-kmsg > /tmp/fuzz-kmsg.run
echo "kernel log of the run: $(wc -l < /tmp/fuzz-kmsg.run) lines"
trouble='WARNING:|BUG:|Oops|general protection|blocked for more than|hung_task|list_add corruption|list_del corruption|Call Trace|UBSAN|refcount_t:|kernel BUG'
if grep -Eq "$trouble" /tmp/fuzz-kmsg.run; then
	grep -E -B 5 -A 40 -m 1 "$trouble" /tmp/fuzz-kmsg.run | sed 's/^/    kmsg| /'
	fail "the kernel log shows trouble during the run"
fi
ok "kernel log clean"
calls=$(awk '/^calls/ { print $2 }' /tmp/fuzz.out)
[ "$calls" -ge "$CALLS" ] || fail "only $calls calls in the ${LIMIT}s limit"

expect_eq "$(blksnap snapshot list --json | jq '.snapshots | length')" 0 "snapshots listed"
for d in /sys/class/block/*; do
	if blksnap cbt info "/dev/$(basename "$d")" > /dev/null 2>&1; then
		fail "/dev/$(basename "$d") still has a filter"
	fi
done
ok "no device has a filter"

fresh_loop
counters > /tmp/after
paste /tmp/before /tmp/after | awk '{ printf "  %-28s %10s -> %s\n", $1, $2, $4 }'
value() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
for k in module_refcnt snapshots chunk_memory_used chunk_pages_pooled vmalloc_areas_of_blksnap; do
	expect_eq "$(value /tmp/after $k)" "$(value /tmp/before $k)" "$k after the run"
done
# A leak grows a bio slab; fewer objects after (a cache's reserve gone
# with a device) is none.
for k in $(awk '/^slab_bio-/ { print $1 }' /tmp/before); do
	a=$(value /tmp/after "$k") b=$(value /tmp/before "$k")
	[ "${a:-0}" -le "${b:-0}" ] || fail "$k grew over the run: $b before, $a after"
	ok "$k: $b before, $a after"
done
# kmalloc caches serve the whole kernel: clean runs of 100000 requests
# moved them by 44 and 437 objects.  A leak of one object per hundred
# requests (1000 here) stands out from that.
KMALLOC_NOISE=1000
kb=$(value /tmp/before kmalloc_objects)
ka=$(value /tmp/after kmalloc_objects)
echo "kmalloc objects: $kb before, $ka after ($((ka - kb)))"
[ $((ka - kb)) -le $KMALLOC_NOISE ] || fail "kmalloc objects grew by $((ka - kb)) (> $KMALLOC_NOISE)"
ok "kmalloc objects within $KMALLOC_NOISE of before"

umount /mnt/fuzz
rmmod blksnap || fail "rmmod blksnap after the run"
ok "rmmod blksnap"

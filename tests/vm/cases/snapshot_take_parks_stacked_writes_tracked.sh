# Writes through a stacking driver (dm-linear over the snapshotted disk)
# meet a take's held gate inside dm's own submission: they are parked and
# sent on when the gate opens (issue 20, finding 5).  Sent on from the
# module with a plain submit_bio_noacct(), which the interception lets
# through unfiltered, they missed change tracking and the copy: about one
# block per take (10 of 16384 in 11 takes, review of finding 5).  A writer
# writes 4 KiB into each CBT block once, through dm-linear, while takes
# of the disk run back to back; every block written must be in the CBT
# map.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
dev=$DISK1
sectors=$(blockdev --getsz $dev)
# A quarter of the disk: 4096 blocks of 64 KiB, several takes long.
dmsetup create linear-over --table "0 $((sectors / 4)) linear $dev 0"
dmsetup mknodes linear-over
blksnap attach $dev
bs=$(cbt_field $dev block-size)
echo "cbt block $bs"
stop=/tmp/stop-writer
rm -f $stop /tmp/written
# One pass over the blocks, each written once (a block's later write
# would hide a missed one), paced to last about 20 s: a dozen takes,
# each of whose windows catches some of its writes.
python3 - /dev/mapper/linear-over $bs $stop <<'PY' &
import mmap, os, sys, time
path, bs, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fd = os.open(path, os.O_WRONLY | os.O_DIRECT)
blocks = os.lseek(fd, 0, os.SEEK_END) // bs
buf = mmap.mmap(-1, 4096)
buf[:] = b"\x77" * 4096
n = 0
for i in range(blocks):
    if os.path.exists(stop):
        break
    os.pwrite(fd, buf, i * bs)
    n += 1
    time.sleep(0.004)
with open("/tmp/written.tmp", "w") as log:
    log.write(str(n))
os.rename("/tmp/written.tmp", "/tmp/written")
PY
w=$!
takes=0 failed=0
for i in $(seq 12); do
	[ -e /tmp/written ] && break
	if blksnap snapshot create --json --storage /tmp/take-diff --limit 64M $dev > /tmp/snap.json 2>/tmp/err; then
		blksnap snapshot destroy "$(jq -er .id /tmp/snap.json)"
		takes=$((takes + 1))
	else
		failed=$((failed + 1)); cat /tmp/err
	fi
	rm -f /tmp/take-diff
done
touch $stop
wait $w || fail "writer failed"
n=$(cat /tmp/written)
echo "takes $takes (failed $failed), blocks written $n"
blksnap cbt switch $dev
blksnap cbt map --json $dev > /tmp/map.json
python3 - $bs $n <<'PY' || fail "blocks written through dm-linear missing from the CBT map"
import json, sys
bs, n = int(sys.argv[1]), int(sys.argv[2])
got = set()
for r in json.load(open("/tmp/map.json"))["ranges"]:
    got.update(range(r["offset"] // bs, (r["offset"] + r["length"]) // bs))
missing = [i for i in range(n) if i not in got]
print(f"{n} blocks written, {len(missing)} not in the map: {missing[:20]}")
sys.exit(1 if missing else 0)
PY
ok "every written block is in the CBT map"
dmsetup remove linear-over
blksnap detach $dev

# Benchmark (issue 21, free space needs no copy): a new file written into
# the free space of a 30%-full ext4 during a snapshot, beside the same
# write with no snapshot and with an --exact snapshot (every chunk copied
# on first write, as before), rounds alternating.  fio writes a new 384 MiB
# file, 1M sequential QD4 O_DIRECT; the storage is a directory on another
# disk's ext4.  Then a full backup of the filesystem 10% full: how much of
# the device it reads.  Goals: new file >= 0.9 of no snapshot; the full
# backup reads <= 15% of the device.  A report, not a gate.
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe ext4
partition_disk1 1000MiB
dev=${DISK1}1
part=$(basename $dev)
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 $dev
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 $DISK0
mkdir -p /mnt/fs /mnt/other
mount $dev /mnt/fs
mount $DISK0 /mnt/other
mkdir -p /mnt/other/st /mnt/other/state
rounds=${PERF_ROUNDS:-3}

# new_file_mibs: MiB/s of writing a new 384 MiB file, then its removal.
new_file_mibs() {
	fio --name=job --filename=/mnt/fs/new --size=384M --rw=write --bs=1M \
		--iodepth=4 --direct=1 --ioengine=libaio --output-format=json |
		jq -r '.jobs[0].write.bw_bytes / 1048576 | . * 10 | floor / 10'
	rm /mnt/fs/new
	sync
}

# with ARGS...: new_file_mibs during a snapshot made with ARGS; prints the
# figure and the MiB the storage took.
with() {
	local id mibs used
	blksnap snapshot create --json --storage /mnt/other/st --limit 900M "$@" /mnt/fs > /tmp/snap.json
	id=$(jq -er .id /tmp/snap.json)
	mibs=$(new_file_mibs)
	used=$(awk '{ print int($1 / 1048576) }' /sys/class/misc/blksnap-control/snapshots/$id/storage)
	blksnap snapshot destroy $id
	echo "$mibs $used"
}
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }

# 30% full: 300 MiB of files.
for i in 1 2 3; do
	dd if=/dev/urandom of=/mnt/fs/old$i bs=1M count=100 status=none
done
sync
echo "ext4 on $dev: $(( $(used_kib /mnt/fs) >> 10 )) MiB used of $(( $(blockdev --getsize64 $dev) >> 20 )) MiB"
new_file_mibs > /dev/null
printf '%-6s %10s %10s %10s %8s %8s %12s %12s\n' round "none" "free" "--exact" \
	free/none exact/none "free copied" "exact copied"
free_sum=0 exact_sum=0 base_sum=0
for r in $(seq $rounds); do
	base=$(new_file_mibs)
	read -r free free_used < <(with)
	read -r exact exact_used < <(with --exact)
	printf '%-6s %10s %10s %10s %8s %8s %10s M %10s M\n' $r $base $free $exact \
		$(ratio $free $base) $(ratio $exact $base) $free_used $exact_used
	base_sum=$(awk "BEGIN { print $base_sum + $base }")
	free_sum=$(awk "BEGIN { print $free_sum + $free }")
	exact_sum=$(awk "BEGIN { print $exact_sum + $exact }")
done
echo "new 384 MiB file during a snapshot, $rounds rounds: free-space $(ratio $free_sum $base_sum) of no snapshot (goal >= 0.9), --exact $(ratio $exact_sum $base_sum)"

# 10% full: a full backup reads what the filesystem uses.
rm /mnt/fs/old2 /mnt/fs/old3
sync
# DEST in memory: the second disk cannot hold a 1000 MiB image and its
# undo room, and a sparse image of 100 MiB of data costs 100 MiB there.
mkdir -p /mnt/dest
mount -t tmpfs -o size=2g dest /mnt/dest
printf '[snapshot]\nstorage-directories = /mnt/other/st\nlimit = 256M\n[backup]\nstate-directory = /mnt/dest\n' > /tmp/perf.conf
size=$(blockdev --getsize64 $dev)
for mode in free exact; do
	opt=
	[ $mode = exact ] && opt=--exact
	reads0=$(awk '{ print $3 }' /sys/class/block/$part/stat)
	BLKSNAP_CONFIG=/tmp/perf.conf blksnap backup --full $opt --to /mnt/dest/full-$mode.img /mnt/fs > /dev/null
	reads1=$(awk '{ print $3 }' /sys/class/block/$part/stat)
	read_bytes=$(( (reads1 - reads0) * 512 ))
	echo "full backup ($mode) of ext4 $(( $(used_kib /mnt/fs) >> 10 )) MiB used: read $((read_bytes >> 20)) MiB of $((size >> 20)) MiB, $(ratio $read_bytes $size) of the device (goal <= 0.15 by default)"
done
umount /mnt/fs /mnt/other /mnt/dest
blksnap detach $dev

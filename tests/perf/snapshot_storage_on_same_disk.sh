# Benchmark (issue 18): copy-on-write with the difference storage on the
# snapshotted filesystem itself (the one-disk default: a preallocated,
# pinned file written with bios) beside the storage in a directory on
# another disk's ext4 (a file written through that filesystem), in the
# same boot.  fio writes into a 384 MiB file on ext4 (a partition of the
# first scratch disk), O_DIRECT; ratios are to the no-snapshot baseline of
# the same fio line:
#   4k randwrite QD16 libaio, 30 s, first pass after take
#   1M sequential write QD4, first touch of every chunk
# and the same-disk figure over the other-disk one.  A report, not a gate.
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

unset BLKSNAP_CONFIG
load_blksnap
modprobe ext4
partition_disk1 1000MiB
dev=${DISK1}1
mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 $dev
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 $DISK0
mkdir -p /mnt/one /mnt/other
mount $dev /mnt/one
mount $DISK0 /mnt/other
file=/mnt/one/data
runtime=30

# fio_mibs ARGS...: one job on $file, prints MiB/s of its writes
fio_mibs() {
	fio --name=job --filename=$file --size=384M --direct=1 --ioengine=libaio \
		--randrepeat=1 --output-format=json "$@" |
		jq -r '.jobs[0].write.bw_bytes / 1048576 | . * 10 | floor / 10'
}
rand4k() { fio_mibs --rw=randwrite --bs=4k --iodepth=16 --time_based --runtime=$runtime; }
seq1m() { fio_mibs --rw=write --bs=1M --iodepth=4; }
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }
row() { printf '%-42s %9s %9s %9s %7s %7s %9s\n' "$@"; }

# with STORAGE CMD: CMD's figure with a snapshot of /mnt/one whose storage
# is STORAGE (a directory), taken right before.
with() {
	local storage=$1 id
	shift
	blksnap snapshot create --json --storage $storage --limit 420M /mnt/one > /tmp/snap.json
	id=$(jq -er .id /tmp/snap.json)
	"$@"
	blksnap snapshot destroy $id
}

seq1m > /dev/null
sync
base_rand=$(rand4k)
base_seq=$(seq1m)
same_rand=$(with /mnt/one rand4k)
other_rand=$(with /mnt/other rand4k)
same_seq=$(with /mnt/one seq1m)
other_seq=$(with /mnt/other seq1m)

row "figure (MiB/s; ratios to baseline)" baseline same-fs other-fs same-fs other-fs same/other
row "4k randwrite QD16, first pass after take" $base_rand $same_rand $other_rand \
	$(ratio $same_rand $base_rand) $(ratio $other_rand $base_rand) $(ratio $same_rand $other_rand)
row "1M seq write QD4, first touch" $base_seq $same_seq $other_seq \
	$(ratio $same_seq $base_seq) $(ratio $other_seq $base_seq) $(ratio $same_seq $other_seq)
umount /mnt/one /mnt/other
blksnap detach $dev

# Issue 18: an add that maps a storage on its device's filesystem
# (fallocate, then a read of all of it, zeros where old data was) holds up
# no command on other devices.  A second review found `snapshot list`,
# `cbt info` and `detach` of other devices stuck behind such an add (the
# filters' lock held across the mapping), until the thaw when the
# filesystem was frozen.  The lock is our code, the same on every kernel.
# kernels: first
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

unset BLKSNAP_CONFIG
load_blksnap
modprobe ext4
partition_disk1 64MiB
dev=${DISK1}1
mkdir -p /mnt/one
# The filesystem is the whole of $DISK0, its free space old data: 800 MiB
# to read and zero make the add's window long enough to tell.
mkfs.ext4 -q -F $DISK0
mount $DISK0 /mnt/one
xfs_io -f -c 'pwrite -q -S 0xa5 -b 1m 0 800m' /mnt/one/gone
rm /mnt/one/gone
sync
blksnap attach $dev
kmsg_mark
"$BLKSNAP_CLI" snapshot create --json --storage /mnt/one --limit 800M /mnt/one \
	> /tmp/slow.json 2> /tmp/slow.err &
creator=$!
# (No grep -q on a pipe: its early exit would fail the pipeline.)
mapping() { [[ $(kmsg_since_mark) == *"difference storage on it"* ]]; }
for i in $(seq 200); do
	mapping && break
	sleep 0.05
done
mapping || fail "the add did not start mapping"
# The add now reads and zeros 800 MiB; a command on another device must
# answer before it is done.
$BLKSNAP_CLI cbt info $dev > /dev/null || fail "cbt info of another device during the add"
if [[ $(kmsg_since_mark) == *"held data"* ]]; then
	fail "cbt info of $dev waited for the add that maps its storage"
fi
ok "cbt info of $dev answered while the add mapped its storage"
wait $creator || fail "snapshot create with an 800 MiB storage on its filesystem: $(cat /tmp/slow.err)"
kmsg_since_mark | grep "held data" || true
blksnap snapshot destroy "$(jq -er .id /tmp/slow.json)"
blksnap detach $dev
umount /mnt/one
blksnap detach $DISK0


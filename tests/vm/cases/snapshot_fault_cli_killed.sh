# `kill -9` of the CLI at each step of `blksnap snapshot create` and of
# `blksnap snapshot destroy`: strace sends SIGKILL on entry to ioctl #N
# (so ioctls 1..N-1 ran and #N did not), for every N up to the number of
# ioctls the command makes.  After each kill the origin's filesystem goes
# on (not frozen: writes complete and read back), what is left is at most
# one snapshot, which `snapshot list` shows and `snapshot destroy`
# removes, and a filter that `detach` removes; after that cleanup the
# module unloads (checked after every kill, not only at the end).
# kernels: first
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe ext4
partition_disk1 64MiB 64MiB
origin=${DISK1}1
mkfs.ext4 -q ${DISK1}1
mkfs.ext4 -q ${DISK1}2
mkdir -p /mnt/origin /mnt/store
mount $origin /mnt/origin
mount ${DISK1}2 /mnt/store
dd if=/dev/urandom of=/mnt/origin/a bs=1M count=4 conv=fsync status=none
dd if=/dev/urandom of=/tmp/probe bs=64k count=4 status=none
probe_sum=$(sha256sum < /tmp/probe)
create=(snapshot create --json --storage /mnt/store /mnt/origin)

# ioctls CMD...: the ioctls the CLI makes for CMD, one a line, in order,
# named (raw: strace would name blksnap's 'V' numbers after V4L2's).
ioctls() {
	local cmd
	strace -f -qq -o /tmp/trace -e trace=ioctl -e raw=ioctl "$BLKSNAP_CLI" "$@" > /tmp/out.json ||
		fail "blksnap $* under strace"
	for cmd in $(sed -n 's/.*ioctl([0-9a-fx]*, \(0x[0-9a-f]*\).*/\1/p' /tmp/trace); do
		if [ $(( (cmd >> 8) & 0xff )) -ne $(printf %d "'V") ]; then
			echo "other:$cmd"
			continue
		fi
		case $(( cmd & 0xff )) in
		0) echo VERSION ;;
		1) echo SNAPSHOT_CREATE ;;
		2) echo SNAPSHOT_DESTROY ;;
		3) echo SNAPSHOT_TAKE ;;
		4) echo SNAPSHOT_COLLECT ;;
		5) echo SNAPSHOT_WAIT_EVENT ;;
		64) echo FILTER_ATTACH ;;
		65) echo FILTER_DETACH ;;
		66) echo FILTER_CTL ;;
		*) echo "blksnap:$cmd" ;;
		esac
	done
}
# snapshots: the ids `snapshot list` shows.
snapshots() {
	blksnap snapshot list --json | jq -r '.snapshots[].id'
}

# released WHAT: after a killed command, nothing is stuck and whatever is
# left can be removed by the CLI; then the module unloads.
released() {
	local what=$1 left= id
	# A filesystem left frozen would hang here: timeout.
	timeout 30 dd if=/tmp/probe of=/mnt/origin/probe bs=64k conv=fsync status=none ||
		fail "$what: the origin's filesystem does not take a write"
	expect_eq "$(dd if=/mnt/origin/probe bs=64k iflag=direct status=none | sha256sum)" \
		"$probe_sum" "$what: a write to the origin reads back"
	for id in $(snapshots); do
		left="$left snapshot $id"
		blksnap snapshot destroy $id || fail "$what: snapshot $id left behind, destroy fails"
	done
	[ -z "$(snapshots)" ] || fail "$what: snapshots still listed after destroy: $(snapshots)"
	if blksnap cbt info $origin > /dev/null 2>&1; then
		left="$left attached"
		blksnap detach $origin || fail "$what: $origin left attached, detach fails"
	fi
	! blksnap cbt info $origin > /dev/null 2>&1 || fail "$what: $origin still attached after detach"
	! compgen -G '/sys/block/blksnap-*' > /dev/null || fail "$what: an image is left: $(ls /sys/block)"
	rmmod blksnap || fail "$what: the module does not unload after the cleanup"
	load_blksnap
	echo "$what: left${left:- nothing}; cleaned up, module unloaded"
}

# killed N CMD...: CMD killed on entry to its ioctl #N.
killed() {
	local n=$1 rc=0
	shift
	strace -f -qq -o /dev/null -e trace=ioctl -e inject=ioctl:signal=KILL:when=$n \
		"$BLKSNAP_CLI" "$@" > /dev/null 2>&1 || rc=$?
	expect_eq "$rc" 137 "exit status of blksnap $1 $2 killed at ioctl #$n"
}

ioctls "${create[@]}" > /tmp/create.ioctls
SNAP_ID=$(jq -er .id /tmp/out.json)
ioctls snapshot destroy $SNAP_ID > /tmp/destroy.ioctls
blksnap detach $origin
n_create=$(wc -l < /tmp/create.ioctls)
n_destroy=$(wc -l < /tmp/destroy.ioctls)
echo "snapshot create makes $n_create ioctls: $(tr '\n' ' ' < /tmp/create.ioctls)"
echo "snapshot destroy makes $n_destroy ioctls: $(tr '\n' ' ' < /tmp/destroy.ioctls)"
# At least version, create, attach, add and take; destroy at least its own.
[ "$n_create" -ge 5 ] || fail "create makes only $n_create ioctls: the trace missed some"
[ "$n_destroy" -ge 1 ] || fail "destroy makes no ioctl: the trace missed it"
released "after the traced runs"

for n in $(seq $n_create); do
	killed $n "${create[@]}"
	released "create killed at ioctl #$n ($(sed -n ${n}p /tmp/create.ioctls))"
done
for n in $(seq $n_destroy); do
	snapshot_create /tmp/snap.json --storage /mnt/store /mnt/origin
	killed $n snapshot destroy $SNAP_ID
	released "destroy killed at ioctl #$n ($(sed -n ${n}p /tmp/destroy.ioctls))"
done
umount /mnt/origin
umount /mnt/store

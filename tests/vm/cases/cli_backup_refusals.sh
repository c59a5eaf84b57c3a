# Refused targets and destinations of blksnap backup: a tmpfs path, an
# overlay mount, a missing path, a device already in a snapshot, a DEST on the device being backed up, a block device
# smaller than the target, a DEST in a missing directory.  Each gets one
# line naming it and the fix, exit 1, and leaves nothing behind: no
# snapshot, no filter attached, no storage file, no DEST.
# kernels: first
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"
. "$BLKSNAP_SRC/tests/vm/guest/backup_lib.sh"

backup_setup_data

# --- refusals first, while nothing is attached -------------------------
# The places a refused run could leave something: the default storage
# directories (/tmp among them) and the destination's filesystem.
places() {
	ls -A /var/tmp /var/lib/blksnap /tmp /mnt/backup /mnt/backup/state 2>/dev/null || true
}
nothing_left() {	# nothing_left WHAT LISTING-BEFORE
	local n
	n=$(ls /sys/class/misc/blksnap-control/snapshots | wc -l)
	expect_eq "$n" 0 "$1: snapshots left"
	run_capture rc out err blksnap cbt info ${DISK1}1
	[ "$rc" -ne 0 ] || fail "$1: the filter stayed attached"
	expect_match "$err" "not attached" "$1: cbt info of ${DISK1}1"
	[ "$(places)" = "$2" ] ||
		fail "$1: files left behind: $(diff <(echo "$2") <(places) | grep '^>' || true)"
	ok "$1: no snapshot, no filter, no storage file, no DEST left"
}
refuse() {	# refuse WHAT REGEX ARGS...
	local what=$1 re=$2
	shift 2
	before=$(places)
	run_capture rc out err blksnap backup "$@"
	echo "$what: rc=$rc: $err"
	expect_eq "$rc" 1 "$what: exit code"
	expect_eq "$(printf '%s\n' "$err" | wc -l)" 1 "$what: lines of message"
	expect_match "$err" "$re" "$what: message"
	nothing_left "$what" "$before"
}
refuse "tmpfs target" "^blksnap: /tmp: .*tmpfs" --to /mnt/backup/t.img /tmp
mkdir -p /srv/lower /srv/upper /srv/work /srv/ov
modprobe overlay
mount -t overlay ov -o lowerdir=/srv/lower,upperdir=/srv/upper,workdir=/srv/work /srv/ov
refuse "overlay target" "^blksnap: /srv/ov: .*overlay" --to /mnt/backup/t.img /srv/ov
umount /srv/ov
refuse "missing target" "^blksnap: /nonexistent: " --to /mnt/backup/t.img /nonexistent
refuse "DEST on the backed-up device" "^blksnap: /srv/data/self.img: is on " \
	--to /srv/data/self.img /srv/data
[ -e /srv/data/self.img ] && fail "a refused DEST was created"
truncate -s 1M /tmp/small.raw
small=$(losetup -f --show /tmp/small.raw)
refuse "DEST device too small" "^blksnap: $small: .*smaller than" --to $small /srv/data
losetup -d $small
refuse "DEST in a missing directory" "^blksnap: /mnt/backup/no/x.img: " --to /mnt/backup/no/x.img /srv/data


# A device in a snapshot made by someone else: refused, and that snapshot
# and its filter are left as they were.
run_capture rc out err blksnap snapshot create --json /srv/data
expect_eq "$rc" 0 "snapshot create of /srv/data"
id=$(printf '%s\n' "$out" | sed -n 's/^ *"id": "\(.*\)",*$/\1/p')
run_capture rc out err blksnap backup --to /mnt/backup/t.img /srv/data
echo "device in a snapshot: rc=$rc: $err"
expect_eq "$rc" 1 "device in a snapshot: exit code"
expect_match "$err" "^blksnap: .*already in a snapshot" "device in a snapshot: message"
[ -e /mnt/backup/t.img ] && fail "device in a snapshot: DEST was created"
expect_eq "$(ls /sys/class/misc/blksnap-control/snapshots)" "$id" "the other snapshot is untouched"
blksnap snapshot destroy "$id"
umount /srv/data
blksnap detach ${DISK1}1

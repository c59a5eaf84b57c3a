# Refused targets and destinations of blksnap backup: a tmpfs path, an
# overlay mount, a missing path, a device already in a snapshot, a DEST on the device being backed up, a block device
# smaller than the target, a DEST in a missing directory, a DEST that holds
# a filesystem or swap that no blksnap backup wrote (unless --force), and a
# difference storage that fills up during the copy, and a second backup of a
# device a backup is running on (named, or waited for).  Also: an xfs DEST
# disk plugged back under another device number is the same DEST
# (incremental; three points, the oldest restored with --at),
# and pre/post-snapshot hooks run around the take (a failing or hung pre
# hook takes nothing).  Each refusal gets one
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

# --- a DEST that holds something blksnap did not write -------------------
# An image file with swap on it, and a device with ext4 on it: refused
# without --force, one line naming what it holds, DEST untouched and no
# snapshot made.  With --force the device is written, and the run says it
# now carries /srv/data's UUID; its next run needs no --force (its state
# names it) and says nothing of the UUID (no full copy).
foreign() {	# foreign WHAT DEST REGEX
	local sum
	sum=$(md5sum < $2)
	run_capture rc out err blksnap backup --to $2 /srv/data
	echo "$1: rc=$rc: $err"
	expect_eq "$rc" 1 "$1: exit code"
	expect_eq "$(printf '%s\n' "$err" | wc -l)" 1 "$1: lines of message"
	expect_match "$err" "$3" "$1: message"
	expect_eq "$(md5sum < $2)" "$sum" "$1: DEST untouched"
	expect_eq "$(ls /sys/class/misc/blksnap-control/snapshots)" "" "$1: snapshots left"
	[ ! -e $2.blksnap ] || fail "$1: restore points made beside DEST"
	ok "$1: refused, DEST untouched"
}
truncate -s 16M /mnt/backup/swap.img
mkswap -q /mnt/backup/swap.img
foreign "DEST file holding swap" /mnt/backup/swap.img \
	"^blksnap: /mnt/backup/swap.img: holds swap \\(UUID [0-9a-f-]*\\), and no blksnap backup wrote it .*; check that it is the file you mean, then give --force to overwrite it\$"
rm /mnt/backup/swap.img
truncate -s 80M /tmp/other-disk.raw
mkfs.ext4 -q /tmp/other-disk.raw
other=$(losetup -f --show /tmp/other-disk.raw)
foreign "DEST device holding ext4" $other \
	"^blksnap: $other: holds ext4 \\(UUID [0-9a-f-]*\\), and no blksnap backup wrote it .*the device you mean, then give --force"
uuid=$(blkid -o value -s UUID ${DISK1}1)
run_capture rc out err blksnap backup --force --to $other /srv/data
echo "backup --force to $other: rc=$rc: $err"
expect_eq "$rc" 0 "backup --force to a device holding ext4"
expect_match "$err" "^blksnap: $other: now carries the filesystem UUID $uuid of /srv/data as well; mount it by its path" \
	"the run says the device carries /srv/data's UUID"
expect_eq "$(blkid -o value -s UUID $other)" "$uuid" "UUID of $other after the backup"
run_capture rc out err blksnap backup --to $other /srv/data
echo "the next backup to $other: rc=$rc: $out"
expect_eq "$rc" 0 "the next backup to $other, without --force"
expect_match "$out" "^/srv/data: incremental to $other" "the next backup is incremental"
expect_eq "$err" "" "the next backup's stderr"
losetup -d $other
rm /tmp/other-disk.raw

# --- the difference storage fills up during a backup ----------------------
# 24 MiB of /srv/data overwritten in place through an 8 MiB storage while
# the copy reads slowly: the run names the full storage and its limit, not
# the EIO its reads got, and leaves no snapshot.  The file is there before
# the take: a new file would land in space free at the take, which is
# never copied (blksnap(8), --exact).
dd if=/dev/urandom of=/srv/data/fill bs=1M count=24 conv=fsync status=none
blksnap backup --limit 8M --bwlimit 4M --to /mnt/backup/ovf.img /srv/data \
	> /tmp/ovf.out 2> /tmp/ovf.err &
pid=$!
# Taken, not only made: overwrites before the take need no copy.
for i in $(seq 100); do
	taken=$(cat /sys/class/misc/blksnap-control/snapshots/*/taken 2>/dev/null || true)
	[ "${taken:-0}" != 0 ] && break
	sleep 0.1
done
dd if=/dev/urandom of=/srv/data/fill bs=1M count=24 conv=notrunc,fsync status=none
set +e; wait $pid; rc=$?; set -e
err=$(cat /tmp/ovf.err)
echo "backup through an 8 MiB storage under 24 MiB of writes: rc=$rc: $err"
expect_eq "$rc" 1 "backup whose storage filled up"
expect_match "$err" "^blksnap: /srv/data: difference storage full at 8M while the backup read the snapshot \\(${DISK1}1 took more writes than it holds\\); raise --limit" \
	"it names the full storage and its limit"
expect_eq "$(ls /sys/class/misc/blksnap-control/snapshots)" "" "snapshots left after the overflow"
rm /srv/data/fill

# --- another backup of the same device is running ------------------------
# The second run, to another DEST, is told who has the device (--no-wait),
# or waits for it; not "already in a snapshot; destroy that snapshot".
"$BLKSNAP_CLI" backup --bwlimit 8M --to /mnt/backup/slow.img /srv/data \
	> /tmp/slow.out 2> /tmp/slow.err &
pid=$!
for i in $(seq 100); do
	[ -n "$(ls /sys/class/misc/blksnap-control/snapshots)" ] && break
	sleep 0.1
done
run_capture rc out err blksnap backup --no-wait --to /mnt/backup/fast.img /srv/data
echo "a second backup of /srv/data with --no-wait: rc=$rc: $err"
expect_eq "$rc" 1 "a second backup of the device with --no-wait"
expect_match "$err" "^blksnap: /srv/data: another blksnap backup of ${DISK1}1 is running \\(pid $pid, to /mnt/backup/slow.img\\); try again when it is done, or without --no-wait to wait for it\$" \
	"it names the run that has the device"
[ ! -e /mnt/backup/fast.img ] || fail "the refused run made its DEST"
run_capture rc out err blksnap backup --to /mnt/backup/fast.img /srv/data
echo "a second backup of /srv/data, waiting: rc=$rc: $out"
expect_eq "$rc" 0 "a second backup of the device, waiting for the first"
set +e; wait $pid; rc=$?; set -e
expect_eq "$rc" 0 "the first backup, which the second waited for"
ok "the second backup waited for the first and succeeded"
rm -rf /mnt/backup/slow.img* /mnt/backup/fast.img*

# --- an xfs DEST disk, plugged back in under another device number -------
# A USB disk with xfs in another port: the same filesystem (UUID) and
# inode, so the next run is incremental, not a full copy of a "replaced"
# DEST.  Three rounds on xfs give three points; the oldest, restored with
# --at, shows round 0's files.
modprobe xfs
truncate -s 320M /tmp/usb.raw
mkfs.xfs -q /tmp/usb.raw
usb=$(losetup -f --show /tmp/usb.raw)
mkdir -p /mnt/usb
mount $usb /mnt/usb
mutate /srv/data 0
checksums /srv/data > /tmp/usb.0.sums
blksnap backup --to /mnt/usb/data.img /srv/data > /dev/null || fail "backup to xfs on $usb"
umount /mnt/usb
losetup -d $usb
truncate -s 1M /tmp/hold.raw
hold=$(losetup -f --show /tmp/hold.raw)	# the old number stays taken
usb2=$(losetup -f --show /tmp/usb.raw)
[ "$usb2" != "$usb" ] || fail "the disk came back as $usb again"
mount $usb2 /mnt/usb
mutate /srv/data 1
checksums /srv/data > /tmp/usb.1.sums
run_capture rc out err blksnap backup --to /mnt/usb/data.img /srv/data
echo "backup to the disk back as $usb2 (was $usb): rc=$rc: $out $err"
expect_eq "$rc" 0 "backup to the replugged disk"
expect_match "$out" "^/srv/data: incremental to /mnt/usb/data.img" "it is incremental"
expect_eq "$err" "" "its stderr (no full copy)"
mutate /srv/data 2
checksums /srv/data > /tmp/usb.2.sums
blksnap backup --to /mnt/usb/data.img /srv/data > /dev/null || fail "round 2 to xfs"
expect_eq "$(blksnap backup list --json /mnt/usb/data.img | grep -c '"complete": true')" 3 \
	"complete points on the xfs DEST"
oldest=$(blksnap backup list --json /mnt/usb/data.img | sed -n 's/^ *"time": "\(.*\)",*$/\1/p' | head -n 1)
blksnap backup restore --at "$oldest" --to /tmp/usb-r0.img /mnt/usb/data.img > /dev/null ||
	fail "restore --at $oldest from xfs"
check_dest usb ext4 0 /tmp/usb-r0.img
rm /tmp/usb-r0.img
check_dest usb ext4 2 /mnt/usb/data.img
umount /mnt/usb
losetup -d $usb2
losetup -d $hold
rm /tmp/usb.raw /tmp/hold.raw

# --- pre- and post-snapshot hooks ------------------------------------------
# A hooks directory's hook writes a marker into /srv/data before the take
# (it must be in the image, with the snapshot's id) and removes it after
# (it must be gone from /srv/data).  A failing or hung --pre takes
# nothing, and the directory's post hook runs all the same.
mkdir /tmp/hooks.d
printf 'hooks-directory = /tmp/hooks.d\n' >> /tmp/blksnap.conf
cat > /tmp/hooks.d/10-mark <<'HOOK'
#!/bin/sh
echo "$1 ${BLKSNAP_TAKEN:-}" >> /tmp/hook.log
case $1 in
pre) echo "$BLKSNAP_SNAPSHOT" > /srv/data/hook-marker; sync /srv/data/hook-marker ;;
post) rm -f /srv/data/hook-marker ;;
esac
HOOK
chmod 755 /tmp/hooks.d/10-mark
run_capture rc out err blksnap backup --json --to /mnt/backup/hook.img /srv/data
expect_eq "$rc" 0 "backup with a hook"
expect_eq "$(cat /tmp/hook.log)" "pre 
post 1" "the hook ran pre, then post with BLKSNAP_TAKEN=1"
[ ! -e /srv/data/hook-marker ] || fail "the post hook did not remove the marker"
mkdir -p /mnt/check
mount -o ro,noload /mnt/backup/hook.img /mnt/check
marker=$(cat /mnt/check/hook-marker 2>/dev/null || echo missing)
umount /mnt/check
[ "$marker" != missing ] && [ -n "$marker" ] ||
	fail "the image has no marker: the pre hook did not run before the take"
ok "the image holds what the pre hook wrote before the take (snapshot $marker)"
: > /tmp/hook.log
run_capture rc out err blksnap backup --pre 'exit 7' --to /mnt/backup/hook.img /srv/data
echo "backup with a failing --pre: rc=$rc: $err"
expect_eq "$rc" 1 "backup with a failing pre hook"
expect_match "$err" "^blksnap: --pre 'exit 7': exit status 7; a pre-snapshot hook failed, so nothing was taken" \
	"it names the hook and says nothing was taken"
expect_eq "$(cat /tmp/hook.log)" "pre 
post 0" "the directory's post hook ran after the failure, BLKSNAP_TAKEN=0"
expect_eq "$(ls /sys/class/misc/blksnap-control/snapshots)" "" "snapshots left after a failing pre hook"
expect_eq "$(blksnap backup list --json /mnt/backup/hook.img | grep -c '"time"')" 1 \
	"restore points after the failed run"
run_capture rc out err blksnap backup --hook-timeout 1 --pre 'sleep 30' --to /mnt/backup/hook.img /srv/data
echo "backup with a hung --pre: rc=$rc: $err"
expect_eq "$rc" 1 "backup with a hung pre hook"
expect_match "$err" "^blksnap: --pre 'sleep 30': timed out after 1 s \\(killed\\)" "it says the hook timed out"
rm -rf /tmp/hooks.d /mnt/backup/hook.img*
umount /srv/data
blksnap detach ${DISK1}1

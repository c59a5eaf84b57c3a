# blksnap backup as a cron job runs it, each target named by its mount
# point and each snapshot made with no --storage: ext4 on a partition
# mounted at /srv/data (a full copy, then three incrementals), ext4 with
# 1 KiB blocks (smaller than the 4 KiB zero-run granularity and the
# 64 KiB tracking blocks) and xfs on an LVM logical volume (the dm device
# is the target; a full copy and two incrementals each, the second of
# them after deletes, in-place writes and zeros).  Files are
# created, deleted, written in place at random and rewritten as zeros
# between runs.  Each round is one `blksnap backup --to DIR` of all its
# targets (one snapshot over their devices); check_copy and check_dest
# (backup_lib.sh) check each target's image.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"
. "$BLKSNAP_SRC/tests/vm/guest/backup_lib.sh"

command -v lvcreate >/dev/null || fail "lvm2 is not installed on the host (make deps)"
backup_setup
modprobe dm-mod
modprobe xfs
partition_disk1 64MiB 32MiB 96MiB
mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 ${DISK1}1
mkfs.ext4 -q -b 1024 -E lazy_itable_init=0,lazy_journal_init=0 ${DISK1}2
export DM_DISABLE_UDEV=1
lvmcfg='activation { udev_sync = 0 udev_rules = 0 } backup { backup = 0 archive = 0 }'
# Earlier cases leave filesystem signatures on the disk.
wipefs -qa ${DISK1}3
pvcreate -q -y --config "$lvmcfg" ${DISK1}3 >/dev/null
vgcreate -q --config "$lvmcfg" bk ${DISK1}3 >/dev/null
lvcreate -q --config "$lvmcfg" -y -Zn -L 64M -n xfs bk >/dev/null
[ -b /dev/bk/xfs ] || fail "LV /dev/bk/xfs did not appear"
lv=$(readlink -f /dev/bk/xfs)
# The variables fstests sets let mkfs.xfs make a small test filesystem.
TEST_DIR=/tmp TEST_DEV=/dev/bk/xfs QA_CHECK_FS=1 mkfs.xfs -q -f /dev/bk/xfs
mkdir -p /srv/data /srv/small /srv/xfs
mount ${DISK1}1 /srv/data
mount ${DISK1}2 /srv/small
mount /dev/bk/xfs /srv/xfs
echo "t=${SECONDS}s: filesystems made"

# NAME TARGET DEVICE FSTYPE, one line per filesystem.
cat > /tmp/filesystems <<EOT
data /srv/data ${DISK1}1 ext4
small /srv/small ${DISK1}2 ext4
xfs /srv/xfs $lv xfs
EOT
mkdir -p /mnt/backup/images
for r in 0 1 2 3; do
	# The 1 KiB-block ext4 and xfs in rounds 0-2, ext4 on /srv/data in all.
	targets=
	while read -r name target dev fs; do
		[ $r -le 2 ] || [ $name = data ] || continue
		mutate $target $r
		checksums $target > /tmp/$name.$r.sums
		targets="$targets $target"
	done < /tmp/filesystems
	blksnap backup --json --keep-snapshot --to /mnt/backup/images $targets \
		> /tmp/round.$r.json || fail "round $r: backup of$targets"
	# One line per target: TARGET MODE COPIED TOTAL SECONDS IMAGE DEST SINCE
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["snapshot"])
for b in d["backups"]:
    print(b["target"], b["mode"], b["bytes-copied"], b["bytes-total"],
          b["seconds"], b["image"], b["dest"], b.get("since", "-"))' \
		/tmp/round.$r.json > /tmp/round.$r.txt
	snap=$(head -n 1 /tmp/round.$r.txt)
	rm -f /tmp/dests.$r
	expect_eq "$(tail -n +2 /tmp/round.$r.txt | wc -l)" "$(echo $targets | wc -w)" \
		"round $r: targets in one backup"
	while read -r target mode copied total secs img dest since; do
		read -r name _ dev fs < <(awk -v t=$target '$2 == t' /tmp/filesystems)
		check_copy $name $dev $r $mode $copied $total $secs $img $dest $since
		echo "$name $fs $dest" >> /tmp/dests.$r
	done < <(tail -n +2 /tmp/round.$r.txt)
	blksnap snapshot destroy $snap
	while read -r name fs dest; do
		check_dest $name $fs $r $dest
	done < /tmp/dests.$r
done
umount /srv/data /srv/small /srv/xfs
blksnap detach ${DISK1}1
blksnap detach ${DISK1}2
blksnap detach $lv
vgchange -q --config "$lvmcfg" -an bk >/dev/null

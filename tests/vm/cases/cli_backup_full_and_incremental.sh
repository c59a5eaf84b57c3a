# blksnap backup as a cron job runs it, each target named by its mount
# point and each snapshot made with no --storage: ext4 on a partition
# mounted at /srv/data (a full copy, then three incrementals), ext4 with
# 1 KiB blocks (smaller than the 4 KiB zero-run granularity and the
# 64 KiB tracking blocks) and xfs on an LVM logical volume (the dm device
# is the target; a full copy and two incrementals each, the second of
# them after deletes, in-place writes and zeros).  Files are
# created, deleted, written in place at random and rewritten as zeros
# between runs; backup_round (backup_lib.sh) checks every run.
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

for r in 0 1 2 3; do
	mutate /srv/data $r
	backup_round data /srv/data ${DISK1}1 ext4 $r
	[ $r -le 2 ] || continue
	mutate /srv/small $r
	backup_round small /srv/small ${DISK1}2 ext4 $r
	mutate /srv/xfs $r
	backup_round xfs /srv/xfs $lv xfs $r
done
umount /srv/data /srv/small /srv/xfs
blksnap detach ${DISK1}1
blksnap detach ${DISK1}2
blksnap detach $lv
vgchange -q --config "$lvmcfg" -an bk >/dev/null

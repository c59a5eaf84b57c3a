# SPDX-License-Identifier: GPL-2.0
# The walkthrough `make demo` shows, run as root inside a throwaway guest
# whose scratch disks are /dev/vda and /dev/vdb (1 GiB each, blank): a
# filesystem is made and used, snapshotted by its mount point, the old
# contents looked at through the snapshot, then backed up in full and
# incrementally.  It grows with the product.
set -e
export PATH=$BLKSNAP_BUILD/tools/blksnap-cli:$PATH

show() {
	echo
	echo "# $*"
	"$@"
}

say() {
	echo
	echo "## $*"
}

echo "Guest kernel $(uname -r); the host's root is mounted read-only."
show modprobe blksnap
modprobe ext4
modprobe loop    # for mounting image files (the guest has no udev to load it)
show blksnap version

say "A filesystem in use: ext4 on a 256 MiB partition, mounted at /mnt/data."
printf 'label: gpt\nsize=256MiB\n' | sfdisk -q /dev/vda
for i in $(seq 50); do [ -b /dev/vda1 ] && break; sleep 0.1; done
show mkfs.ext4 -q /dev/vda1
mkdir -p /mnt/data /mnt/then /mnt/backup
show mount /dev/vda1 /mnt/data
echo "quarterly report, draft 1" > /mnt/data/report.txt
head -c 20M /dev/urandom > /mnt/data/photos.bin
show ls -l /mnt/data

say "Snapshot it by its mount point; no --storage: blksnap picks a place."
show blksnap snapshot create /mnt/data
id=$(blksnap snapshot list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["snapshots"][0]["id"])')

say "Work goes on: the file changes, another is deleted."
echo "quarterly report, final" > /mnt/data/report.txt
rm /mnt/data/photos.bin
show cat /mnt/data/report.txt
show ls /mnt/data

say "The snapshot still shows the filesystem as it was at the snapshot."
show blksnap snapshot mount "$id" /mnt/data /mnt/then
show cat /mnt/then/report.txt
show ls -l /mnt/then
show blksnap snapshot list
show blksnap snapshot umount /mnt/then
show blksnap snapshot destroy "$id"

say "Backups go to an image file on another disk (/dev/vdb, at /mnt/backup)."
mkfs.ext4 -q /dev/vdb
mount /dev/vdb /mnt/backup
mkdir -p /mnt/backup/state
printf '[backup]\nstate-directory = /mnt/backup/state\n' > /tmp/blksnap.conf
export BLKSNAP_CONFIG=/tmp/blksnap.conf
show cat /tmp/blksnap.conf
head -c 30M /dev/urandom > /mnt/data/photos.bin
sync

say "The first backup copies the whole device; zeros stay holes in the image."
show blksnap backup /mnt/data --to /mnt/backup/data.img
show du -h --apparent-size /mnt/backup/data.img
show du -h /mnt/backup/data.img

say "A day of work: 2 MiB of photos rewritten, a new file."
dd if=/dev/urandom of=/mnt/data/photos.bin bs=1M count=2 seek=5 conv=notrunc status=none
echo "minutes of the meeting" > /mnt/data/minutes.txt
sync

say "The next backup copies only what changed since the first."
show blksnap backup /mnt/data --to /mnt/backup/data.img
show blksnap backup /mnt/data --to /mnt/backup/data.img --json

say "The image is a plain filesystem image: mount it to restore files."
show mount -o loop,ro,noload /mnt/backup/data.img /mnt/then
show ls -l /mnt/then
show cat /mnt/then/minutes.txt
umount /mnt/then
umount /mnt/data /mnt/backup
show blksnap detach /dev/vda1

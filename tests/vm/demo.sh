# SPDX-License-Identifier: GPL-2.0
# The walkthrough `make demo` shows, run as root inside a throwaway guest
# whose first scratch disk is /dev/vda.  It grows with the product.
export PATH=$BLKSNAP_BUILD/tools/blksnap-cli:$PATH

show() {
	echo
	echo "# $*"
	"$@"
}

write() {
	echo
	echo "# write $2 bytes at offset $1 of /dev/vda"
	dd if=/dev/urandom of=/dev/vda bs="$2" count=1 seek="$1" \
		oflag=direct,seek_bytes conv=notrunc status=none
}

echo "Guest kernel $(uname -r); the host's root is mounted read-only."
show modprobe blksnap
show blksnap version
show blksnap attach /dev/vda
write 10485760 1048576
write 524288000 4096
show blksnap cbt switch /dev/vda
show blksnap cbt info /dev/vda
show blksnap cbt map /dev/vda
gen=$(blksnap cbt info --json /dev/vda |
	python3 -c 'import json,sys; c=json.load(sys.stdin)["cbt"][0]; print("%s:%d" % (c["generation"], c["changes"]))')
echo
echo "# an incremental backup remembers $gen; later writes:"
write 734003200 65536
show blksnap cbt switch /dev/vda
show blksnap cbt map --since "$gen" /dev/vda
show blksnap cbt map --json --since "$gen" /dev/vda
show blksnap detach /dev/vda

echo
echo "# A snapshot of a mounted, busy ext4 filesystem on /dev/vdb:"
modprobe ext4
mkfs.ext4 -q /dev/vdb
mkdir -p /mnt/data /mnt/image
mount /dev/vdb /mnt/data
echo "version 1" > /mnt/data/report.txt
sync
show blksnap snapshot create --storage /tmp /dev/vdb
id=$(blksnap snapshot list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["snapshots"][0]["id"])')
echo "version 2" > /mnt/data/report.txt
sync
show cat /mnt/data/report.txt
show mount -o ro /dev/blksnap-vdb /mnt/image
show cat /mnt/image/report.txt
show blksnap snapshot info "$id"
umount /mnt/image
show blksnap snapshot destroy "$id"
umount /mnt/data
show blksnap detach /dev/vdb
show rmmod blksnap
show blksnap version
echo "(exit code $?: the module is not loaded any more)"

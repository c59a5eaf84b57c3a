# What users type: a mount point, a path inside it, a UUID= tag; several
# targets on one device are one device; --limit as a percentage; no
# --storage picks a directory off the snapshot's devices and says which;
# a tmpfs path, and a whole disk whose partition is mounted, are refused
# with one line and nothing left behind.
# kernels: first
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe ext4
partition_disk1 64MiB
mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 ${DISK1}1
uuid=$(blkid -p -s UUID -o value ${DISK1}1)
mkdir -p /mnt/data
mount ${DISK1}1 /mnt/data
mkdir -p /mnt/data/sub/dir
echo "take-time" > /mnt/data/sub/dir/file

run_capture rc out err blksnap snapshot create --json --limit 20% /mnt/data /mnt/data/sub/dir
echo "$err"
expect_eq "$rc" 0 "snapshot create of a mount point and a path inside it"
expect_match "$err" "difference storage in " "the default storage is named"
id=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
n=$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["devices"]))')
img=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["devices"][0]["image"])')
expect_eq "$n" 1 "devices in the snapshot (two targets on one device)"
expect_eq "$img" /dev/blksnap-vdb1 "the image of the mounted partition"
echo "changed" > /mnt/data/sub/dir/file
sync
mkdir -p /mnt/img
mount -o ro,noload $img /mnt/img
expect_eq "$(cat /mnt/img/sub/dir/file)" "take-time" "the image shows the file as at take"
umount /mnt/img
blksnap snapshot destroy $id

expect_eq "$(blksnap cbt info --json UUID=$uuid >/dev/null 2>&1; echo $?)" 0 "cbt info by UUID= tag"
run_capture rc out err blksnap snapshot create --storage /var/tmp /tmp
echo "$err"
expect_eq "$rc" 1 "exit code for a tmpfs target"
expect_match "$err" "^blksnap: /tmp: .*tmpfs" "the error names the target and its filesystem"
expect_eq "$(blksnap snapshot list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["snapshots"]))')" 0 "snapshots left"
# The whole disk under a mounted partition: its take would not freeze
# that filesystem, so the command names the partition instead.
run_capture rc out err blksnap snapshot create --storage /var/tmp $DISK1
echo "$err"
expect_eq "$rc" 1 "exit code for a whole disk with a mounted partition"
expect_match "$err" "^blksnap: $DISK1: its partition ${DISK1}1 is mounted at /mnt/data" "the error names the mounted partition"
expect_eq "$(blksnap snapshot list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["snapshots"]))')" 0 "snapshots left"
expect_eq "$(blksnap cbt info $DISK1 >/dev/null 2>&1; echo $?)" 1 "$DISK1 left unattached"
umount /mnt/data
blksnap detach ${DISK1}1

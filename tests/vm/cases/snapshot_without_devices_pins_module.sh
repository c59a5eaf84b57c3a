# A snapshot with no device (what a CLI that died between create and add
# leaves) pins the module: rmmod is refused, the snapshot is listed and
# destroyed from the CLI, its storage is released, and then the module
# unloads.  Issue 10, item 6: rmmod used to succeed with a WARNING, the
# storage file left open (its filesystem busy) and the kobject orphaned.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

load_blksnap
modprobe ext4
mkfs.ext4 -q $DISK0
mkdir -p /mnt/st
mount $DISK0 /mnt/st
id=$(python3 "$BLKSNAP_SRC/tests/vm/guest/raw_ioctl.py" snapshot-create-keep dir /mnt/st 131072)
expect_match "$id" '^[0-9a-f]{8}-[0-9a-f-]{27}$' "a snapshot with no device, made through the control node"
if rmmod blksnap 2>/tmp/rmmod.err; then
	fail "rmmod succeeded with a live snapshot"
fi
ok "rmmod refused: $(cat /tmp/rmmod.err)"
expect_match "$(blksnap snapshot list --json)" "$id" "the snapshot is listed"
blksnap snapshot destroy $id
umount /mnt/st || fail "the storage's filesystem is still busy after destroy"
ok "the storage was released with the snapshot"
rmmod blksnap || fail "rmmod failed after the snapshot was destroyed"
ok "the module unloads once no snapshot is left"

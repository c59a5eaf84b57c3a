# Issue 18: the difference storage on the snapshotted filesystem itself
# (no --storage, a one-disk machine) overflows as any storage does: the
# snapshot is marked corrupted (event, image reads fail with EIO), every
# origin write succeeds and reads back right, the filesystem carries on;
# the module cannot be unloaded while the snapshot lives, and after
# destroy and unload the storage's space is back and e2fsck is clean.
# kernels: every
. "$BLKSNAP_SRC/tests/vm/guest/caselib.sh"

unset BLKSNAP_CONFIG
load_blksnap
modprobe ext4
partition_disk1 384MiB
dev=${DISK1}1
mkdir -p /mnt/one

mkfs.ext4 -q -F $dev
mount $dev /mnt/one
dd if=/dev/urandom of=/mnt/one/data bs=1M count=160 status=none
sync
used_before=$(used_kib /mnt/one)

run_capture rc out err blksnap snapshot create --json --limit 64M /mnt/one
echo "$err"
expect_eq "$rc" 0 "snapshot create /mnt/one --limit 64M with no --storage"
expect_match "$err" "snapshotted filesystem" "the storage went to the snapshotted filesystem"
SNAP_ID=$(jq -er .id <<< "$out")
img=$(jq -er '.devices[0].image' <<< "$out")
blksnap snapshot watch $SNAP_ID > /tmp/watch.out 2>&1 &
watcher=$!

# 128 MiB of old data overwritten: twice what the storage holds.
fio --name=overflow --filename=/mnt/one/data --rw=write --bs=1M --direct=1 --size=128M \
	--verify=crc32c --do_verify=1 --output=/tmp/fio.out || { cat /tmp/fio.out; fail "origin writes failed"; }
ok "128 MiB overwritten and verified through a 64 MiB storage on the same filesystem"
dd if=/dev/urandom of=/mnt/one/after bs=1M count=16 conv=fsync status=none ||
	fail "the filesystem does not take new files after the overflow"
after_sum=$(sha256sum < /mnt/one/after)
echo 3 > /proc/sys/vm/drop_caches
expect_eq "$(sha256sum < /mnt/one/after)" "$after_sum" "a file written after the overflow reads back"

expect_overflowed $img $SNAP_ID

if rmmod blksnap 2>/tmp/rmmod.err; then
	fail "rmmod blksnap succeeded with a snapshot alive"
fi
ok "rmmod refused while the snapshot lives: $(cat /tmp/rmmod.err)"

blksnap snapshot destroy $SNAP_ID
wrc=0
wait $watcher || wrc=$?
echo "watch said (exit $wrc): $(cat /tmp/watch.out)"
expect_eq "$wrc" 1 "exit code of watch after the snapshot failed"
expect_match "$(cat /tmp/watch.out)" 'difference storage full' "watch reported the overflow"
blksnap detach $dev
rmmod blksnap || fail "rmmod blksnap after destroy and detach"

rm /mnt/one/after
sync
expect_space_back /mnt/one $used_before 1024 "the storage's space did not come back"
umount /mnt/one
e2fsck -fn $dev > /tmp/fsck.out 2>&1 || { cat /tmp/fsck.out; fail "e2fsck after the overflow"; }
ok "space back, e2fsck clean, nothing left"

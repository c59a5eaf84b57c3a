#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs as PID 1 of the packaged guest (see run.sh), on the Debian 12 root
# the host installed our packages into (host-install.sh: apt install, the
# DKMS build, MOK signing and the checks of those happened there, in a
# chroot; and the upgrade's DKMS build, left as DKMS's prebuilt-module
# tarball for the upgrade's postinst here), from the read-only
# repository disk mounted at /srv/blksnap-repo.  What only the running
# guest kernel can show happens here: modprobe and the module's version,
# backups, a snapshot and its image, copy-on-write, udev, apt install of
# the upgrade's packages under the live snapshot (their postinst runs
# here), the upgraded module loaded after unload, apt purge.
# Disks: vda root, vdb snapshot storage, vdc backup target.  Prints its
# steps between BLKSNAP-PKG-BEGIN/END and "BLKSNAP-PKG-RESULT: PASS|FAIL",
# then powers the guest off.  Every check below can fail; a failed check
# does not stop the later ones unless they depend on it.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive LC_ALL=C HOME=/root
REPO=/srv/blksnap-repo
. $REPO/checks.sh

finish() {
	say "-- done in $(( $(date +%s) - T0 )) s, $fails failed checks"
	echo BLKSNAP-PKG-END
	if [ "$fails" -eq 0 ]; then echo "BLKSNAP-PKG-RESULT: PASS"; else echo "BLKSNAP-PKG-RESULT: FAIL"; fi
	sync
	echo o >/proc/sysrq-trigger
	sleep 60
}
die() { bad "$*"; finish; }
# What the host recorded (host-install.sh): the upgrade's versions, its
# DKMS build's module checksum and srcversion, the prebuilt tarball.
. $REPO/host-facts

echo BLKSNAP-PKG-BEGIN
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/lock /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# What systemd would set up in /dev (dkms needs /dev/fd for <(...)).
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
kver=$(cat $REPO/kernel)
eq "$(uname -r)" "$kver" "running kernel"
eq "$(findmnt -n -o SOURCE /)" /dev/vda "root filesystem is the guest's own disk"

step "udev"
/lib/systemd/systemd-udevd --daemon || die "systemd-udevd does not start"
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
udevadm settle --timeout=60
rootuuid=$(blkid -s UUID -o value /dev/vda)
eq "$(readlink -f /dev/disk/by-uuid/$rootuuid)" /dev/vda "by-uuid link of / before any snapshot"

step "what the host installed, as the guest sees it"
# The install, DKMS's build and signing were checked on the host; here,
# that this disk is that system: the packages' state and the module file.
eq "$(dpkg-query -W -f='${Status} ${Version}' blksnap-dkms 2>&1)" "install ok installed $(cat $REPO/module-version)" "blksnap-dkms"
eq "$(dpkg-query -W -f='${Status}' blksnap-tools 2>&1)" "install ok installed" "blksnap-tools"
ko=$(ls /lib/modules/$kver/updates/dkms/blksnap.ko* 2>/dev/null)
check "module file in /lib/modules/$kver/updates/dkms ($ko)" test -n "$ko"

step "modprobe blksnap"
check "modprobe blksnap" modprobe blksnap
check "module loaded" grep -q '^blksnap ' /proc/modules
eq "$(cat /sys/module/blksnap/version 2>&1)" "$(cat $REPO/module-version)" "module version"
eq "$(cat /sys/module/blksnap/srcversion 2>&1)" "$(modinfo -F srcversion blksnap 2>&1)" "loaded module is the DKMS-installed file (srcversion)"
blksnap version 2>&1 | sed 's/^/     | /'

step "backup of / to /dev/vdc, twice"
# Before the snapshot below: a device is in one snapshot at a time, and
# each backup makes (and destroys) its own.
echo full-backup >/root/marker
sync
for n in 1 2; do
	t=$(date +%s)
	if blksnap backup / --to /dev/vdc >/tmp/backup$n.log 2>&1; then
		ok "blksnap backup / --to /dev/vdc, run $n ($(( $(date +%s) - t )) s)"
	else
		bad "blksnap backup run $n"
	fi
	sed 's/^/     | /' /tmp/backup$n.log | tail -n 5
	echo incremental-backup >/root/marker
	sync
done
if grep -qi full /tmp/backup1.log; then ok "first backup says full"; else bad "first backup does not say it is full"; fi
if grep -qi increment /tmp/backup2.log; then ok "second backup says incremental"; else bad "second backup does not say it is incremental"; fi
mkdir -p /mnt/backup
if mount -o ro,noload /dev/vdc /mnt/backup; then
	eq "$(cat /mnt/backup/root/marker 2>&1)" incremental-backup "the backup on /dev/vdc shows / as at the second backup"
	umount /mnt/backup
else
	bad "mount -o ro,noload /dev/vdc"
fi
rmdir /mnt/backup
# The backup carries /'s UUID too; wiped, so that the checks below see
# only what the image does to /dev/disk and blkid.
wipefs -q -a /dev/vdc
udevadm settle --timeout=60
eq "$(blksnap snapshot list --json | tr -d ' \n')" '{"snapshots":[]}' "no snapshot left by the backups"

step "snapshot of / with storage on /dev/vdb"
# Copy-on-write, made visible (issue 22, item 2): a 4 KiB file is written
# and synced before the take (the take freezes the file system, which
# writes the journal back, so its block is in place on the disk).  After
# the take the same block is overwritten in place with O_DIRECT
# (conv=notrunc: no new block, no truncation), so the only way the image
# can still show the old content is the module's copy of that chunk.  A
# file written anew after the take would not do: its new block and inode
# stay in the journal, and the image, mounted with noload, shows the old
# file whether or not anything was copied.
block() { # block TEXT: TEXT padded to one 4096-byte block
	printf '%-4095s\n' "$1"
}
block before-take >/tmp/before-take.blk
block after-take >/tmp/after-take.blk
dd if=/tmp/before-take.blk of=/root/cow-marker bs=4096 count=1 oflag=direct conv=fsync status=none
sync
phys=$(filefrag -e /root/cow-marker 2>/dev/null | awk '$1 == "0:" { sub(/\.\..*/, "", $4); print $4 }')
bsize=$(stat -f -c %S /)
check "filefrag: /root/cow-marker is in block $phys of /dev/vda" test -n "$phys"
eq "$bsize" 4096 "block size of / (the marker is one block)"
out=$(blksnap snapshot create --json --storage /dev/vdb / 2>/tmp/create.err)
rc=$?
cat /tmp/create.err
say "     $(printf '%s' "$out" | tr -s ' \n' ' ')"
eq "$rc" 0 "blksnap snapshot create --storage /dev/vdb /"
id=$(printf '%s' "$out" | sed -n 's/.*"id"[[:space:]]*:[[:space:]]*"\{0,1\}\([^",}]*\).*/\1/p')
img=$(printf '%s' "$out" | sed -n 's/.*"image"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
eq "$img" /dev/blksnap-vda "image of /"
[ -n "$id" ] && [ -b "$img" ] || die "no snapshot id or image device; cannot go on"
dd if=/tmp/after-take.blk of=/root/cow-marker bs=4096 count=1 oflag=direct conv=notrunc,fsync status=none
eq "$(filefrag -e /root/cow-marker 2>/dev/null | awk '$1 == "0:" { sub(/\.\..*/, "", $4); print $4 }')" "$phys" \
	"the overwrite stayed in block $phys"
# First word of one 4096-byte block read past every cache.
word() { dd if="$1" bs=4096 count=1 skip="${2:-0}" iflag=direct status=none | awk 'NR == 1 { print $1 }'; }
eq "$(word /root/cow-marker)" after-take "the origin's file has the new content"
eq "$(word /dev/vda "$phys")" after-take "the origin's block $phys has it"
udevadm settle --timeout=60
mkdir -p /mnt/img /mnt/uuid
if mount -o ro,noload "$img" /mnt/img; then
	ok "the image mounts"
	eq "$(word /mnt/img/root/cow-marker)" before-take "a block overwritten in place on the origin is as it was at the snapshot on the image"
	check "the image shows the installed system (/usr/sbin/blksnap)" test -x /mnt/img/usr/sbin/blksnap
	say "     $(ls /mnt/img | tr '\n' ' ')"
else
	bad "mount -o ro,noload $img"
fi
eq "$(word "$img" "$phys")" before-take "the image's block $phys is as at the snapshot (copy-on-write)"

step "images do not pass for their origin (udev running)"
eq "$(blkid -p -s UUID -o value "$img")" "$rootuuid" "the image carries the origin's UUID"
eq "$(readlink -f /dev/disk/by-uuid/$rootuuid)" /dev/vda "/dev/disk/by-uuid/UUID"
eq "$(findfs UUID=$rootuuid 2>&1)" /dev/vda "findfs UUID="
eq "$(findfs LABEL=blksnap-root 2>&1)" /dev/vda "findfs LABEL="
eq "$(blkid -U $rootuuid 2>&1)" /dev/vda "blkid -U"
eq "$(blkid -c /dev/null -U $rootuuid 2>&1)" /dev/vda "blkid -c /dev/null -U"
if mount UUID=$rootuuid /mnt/uuid; then
	eq "$(findmnt -n -o SOURCE /mnt/uuid)" /dev/vda "mount UUID= mounts the origin"
	umount /mnt/uuid
else
	bad "mount UUID=$rootuuid"
fi
links=$(find /dev/disk -type l -exec sh -c '[ "$(readlink -f "$1")" = "$2" ] && echo "$1"' sh {} "$img" \; 2>/dev/null)
eq "$links" "" "links in /dev/disk to the image"
props=$(udevadm info -q property -n "$img")
check "udev marks the image for udisks (UDISKS_IGNORE=1)" grep -qx UDISKS_IGNORE=1 <<<"$props"
check "udev marks the image no-automount (UDISKS_AUTO=0)" grep -qx UDISKS_AUTO=0 <<<"$props"
if udevadm info -q property -n /dev/vda | grep -q '^UDISKS_IGNORE='; then bad "origin marked UDISKS_IGNORE"; else ok "origin not marked"; fi
# What remains, reported, not checked: libblkid told to scan instead of
# asking udev's links finds both devices and may answer either.
printf 'EVALUATE=scan\n' >/tmp/blkid-scan.conf
say "     without udev links (EVALUATE=scan): blkid -U -> $(BLKID_CONF=/tmp/blkid-scan.conf blkid -c /dev/null -U $rootuuid 2>&1)"

step "upgrade to $upgrade_version with the snapshot live"
# apt installs the upgrade's two packages here, with the snapshot live
# and its image mounted: dpkg runs the old blksnap-dkms's prerm (dkms
# remove of the old version: its module file goes from /lib/modules),
# unpacks the new files, and the new postinst (dkms common.postinst) loads
# the version, builds it if it is not built, installs it (module file,
# depmod).  The host built this version with the same DKMS, compiler and
# headers and left it as DKMS's prebuilt-module tarball, which the
# postinst loads (`dkms ldtarball`) instead of compiling under TCG
# (host-install.sh says why it has to be that way); which path it took is
# reported below from its output, not checked.  Checked: the running
# module is the old one, untouched and in use, the image and the snapshot
# are as before, DKMS installed the new version, signed.
sum1=$(dd if="$img" bs=1M count=64 iflag=direct 2>/dev/null | md5sum)
src1=$(cat /sys/module/blksnap/srcversion 2>&1)
ref1=$(cat /sys/module/blksnap/refcnt 2>&1)
say "     before: srcversion $src1, refcnt $ref1"
t=$(date +%s)
cd $REPO/upgrade || die "cd $REPO/upgrade"
if timeout 900 apt-get install -y -q --no-install-recommends ./blksnap-dkms_*.deb ./blksnap-tools_*.deb 2>&1 |
	tee /tmp/apt-upgrade.log | grep -E -i "^(Preparing|Setting up|Building|Signing|Error|Deleting|Loading|Removing|Installing|Module build|.*already)" | sed 's/^/     | /'
	[ "${PIPESTATUS[0]}" -eq 0 ]; then
	ok "apt install of the upgrade's packages ($(( $(date +%s) - t )) s)"
else
	tail -n 30 /tmp/apt-upgrade.log
	dmesg | tail -n 40
	bad "upgrade"
fi
cd /
eq "$(dpkg-query -W -f='${Version}' blksnap-dkms)" "$upgrade_version" "blksnap-dkms version"
eq "$(dpkg-query -W -f='${Version}' blksnap-tools)" "$upgrade_version" "blksnap-tools version"
check "module still loaded" grep -q '^blksnap ' /proc/modules
eq "$(cat /sys/module/blksnap/srcversion 2>&1)" "$src1" "the loaded module is the one loaded before the upgrade (srcversion)"
eq "$(cat /sys/module/blksnap/version 2>&1)" "$(cat $REPO/module-version)" "the loaded module's version"
ref2=$(cat /sys/module/blksnap/refcnt 2>&1)
check "the loaded module is still in use by the snapshot (refcnt $ref2)" test "$ref2" -gt 0 2>/dev/null
check "image still there" test -b "$img"
eq "$(dd if="$img" bs=1M count=64 iflag=direct 2>/dev/null | md5sum)" "$sum1" "image content unchanged across the upgrade (first 64 MiB)"
eq "$(word /mnt/img/root/cow-marker)" before-take "mounted image still shows the block as at the snapshot"
check "the snapshot is still listed" sh -c "blksnap snapshot list | grep -q '$id'"
dkst=$(dkms status 2>&1)
say "     dkms status: $dkst"
eq "$dkst" "blksnap/$upgrade_module_version, $kver, x86_64: installed" "dkms status after the upgrade"
ko=$(ls /lib/modules/$kver/updates/dkms/blksnap.ko* 2>/dev/null)
eq "$(modinfo -F version "$ko" 2>&1)" "$upgrade_module_version" "version of the module file in /lib/modules/$kver/updates/dkms"
eq "$(modinfo -F signer "$ko" 2>&1)" "DKMS module signing key" "the upgraded module file is signed"
if grep -q "^Loading tarball for blksnap-$upgrade_module_version" /tmp/apt-upgrade.log &&
	! grep -q '^Building initial module' /tmp/apt-upgrade.log &&
	[ "$(md5sum <"$ko" | cut -d' ' -f1)" = "$upgrade_ko_md5" ]; then
	say "     the postinst loaded the module DKMS built on the host (dkms ldtarball) and installed it"
else
	say "     the postinst did not take the host's build (it compiled here, or the module differs)"
fi
# The tarball was the host's doing, owned by no package: it goes before
# the file lists are compared.
rm -f "$upgrade_tarball"
dpkg -S "${upgrade_tarball%/*}" >/dev/null 2>&1 || rmdir "${upgrade_tarball%/*}"

step "snapshot destroy, detach, unload, the upgraded module"
umount /mnt/img
check "blksnap snapshot destroy $id" blksnap snapshot destroy "$id"
# Destroy leaves the filter attached (change tracking goes on, and the
# backups above continue from it); the module stays in use until detach.
check "blksnap detach /" blksnap detach /
# The last reference may go a moment after destroy (udev's probe of the
# image's removal); wait for udev, then allow 30 s, and say how long.
udevadm settle --timeout=60
t=$(date +%s)
until modprobe -r blksnap 2>/tmp/rmmod.err; do
	[ $(( $(date +%s) - t )) -ge 30 ] && break
	sleep 1
done
if grep -q '^blksnap ' /proc/modules; then
	bad "modprobe -r blksnap: $(cat /tmp/rmmod.err); refcount $(cat /sys/module/blksnap/refcnt 2>&1), holders: $(ls /sys/module/blksnap/holders 2>&1 | tr '\n' ' ')"
else
	ok "modprobe -r blksnap (after $(( $(date +%s) - t )) s)"
fi
check "modprobe blksnap (the upgraded module)" modprobe blksnap
eq "$(cat /sys/module/blksnap/version 2>&1)" "$upgrade_module_version" "version of the loaded module after the upgrade"
eq "$(cat /sys/module/blksnap/srcversion 2>&1)" "$upgrade_ko_srcversion" "srcversion of the loaded module = the upgrade's build"
blksnap version 2>&1 | sed 's/^/     | /'
check "modprobe -r blksnap (the upgraded module)" modprobe -r blksnap
# The test's own files go before the file lists are compared.
rm -f /root/marker /root/cow-marker
rmdir /mnt/img /mnt/uuid

step "apt purge"
installed_files=$( { dpkg -L blksnap-dkms blksnap-tools libblksnap1; } 2>/dev/null | sort -u)
t=$(date +%s)
if apt-get purge -y -q --autoremove blksnap-dkms blksnap-tools libblksnap1 >/tmp/apt-purge.log 2>&1; then
	ok "apt purge --autoremove blksnap-dkms blksnap-tools libblksnap1 ($(( $(date +%s) - t )) s)"
else
	tail -n 30 /tmp/apt-purge.log
	bad "apt purge"
fi
eq "$(dkms status 2>&1)" "" "dkms status after purge"
eq "$(find /lib/modules /usr/src /var/lib/dkms -name '*blksnap*' 2>/dev/null)" "" "blksnap files left in /lib/modules, /usr/src, /var/lib/dkms"
left=
for f in $installed_files; do
	[ -d "$f" ] && continue
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
eq "$left" "" "files of the packages left after purge"
# The list before: taken on the host from the same tree before anything
# was installed (host-install.sh), with the same filelist (checks.sh).
# The DKMS signing key made at the first build stays by design of dkms
# (/var/lib/dkms/mok.*, owned by no package, enrolled keys must not change);
# reported, not failed.
filelist >/tmp/files-after
diff $REPO/files-before /tmp/files-after | grep '^[<>]' |
	grep -v -x -e '> /var/lib/dkms' -e '> /var/lib/dkms/mok.key' -e '> /var/lib/dkms/mok.pub' >/tmp/files-diff
say "     left by dkms itself: $(diff $REPO/files-before /tmp/files-after | grep '^> /var/lib/dkms' | sed 's/^> //' | tr '\n' ' ')"
if [ -s /tmp/files-diff ]; then
	bad "file list before install and after purge differ:"
	sed 's/^/     | /' /tmp/files-diff | head -n 40
else
	ok "file list after purge equals the one before install ($(wc -l <$REPO/files-before) paths)"
fi
finish

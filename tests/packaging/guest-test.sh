#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs as PID 1 of the packaged guest (see run.sh), on its own Debian 12
# root disk, from the read-only repository disk mounted at /srv/blksnap-repo.
# Disks: vda root, vdb snapshot storage, vdc backup target.  Prints its
# steps between BLKSNAP-PKG-BEGIN/END and "BLKSNAP-PKG-RESULT: PASS|FAIL",
# then powers the guest off.  Every check below can fail; a failed check
# does not stop the later ones unless they depend on it.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive LC_ALL=C HOME=/root
REPO=/srv/blksnap-repo
fails=0
T0=$(date +%s)

say() { echo "$*"; }
ok() { say "  ok   $*"; }
bad() { say "  FAIL $*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...
	local d=$1; shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}
eq() { # eq GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok "$3: $1"; else bad "$3: got '$1', want '$2'"; fi
}
step() { say "-- $* (at $(( $(date +%s) - T0 )) s)"; }
finish() {
	say "-- done in $(( $(date +%s) - T0 )) s, $fails failed checks"
	echo BLKSNAP-PKG-END
	if [ "$fails" -eq 0 ]; then echo "BLKSNAP-PKG-RESULT: PASS"; else echo "BLKSNAP-PKG-RESULT: FAIL"; fi
	sync
	echo o >/proc/sysrq-trigger
	sleep 60
}
die() { bad "$*"; finish; }
# The file list compared before installing and after purging: the root
# filesystem without apt's and dpkg's own bookkeeping, logs and caches.
filelist() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
		-o -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache -o -path /var/log \
		-o -path /root/files-before \) -prune -o -print | LC_ALL=C sort
}

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
# No fsync per unpacked file: the root disk is a throw-away overlay.
echo 'Dpkg::Options { "--force-unsafe-io"; };' >/etc/apt/apt.conf.d/99blksnap-test-unsafe-io
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

step "local repository as the only apt source"
rm -f /etc/apt/sources.list.d/*
echo "deb [trusted=yes] file:$REPO ./" >/etc/apt/sources.list
apt-get -q update >/tmp/apt-update.log 2>&1 || { cat /tmp/apt-update.log; die "apt-get update"; }
filelist >/root/files-before

step "apt install linux-headers-$kver ./blksnap-dkms_*.deb ./blksnap-tools_*.deb"
t=$(date +%s)
cd $REPO || die "cd $REPO"
if apt-get install -y -q --no-install-recommends "linux-headers-$kver" \
	./blksnap-dkms_*.deb ./blksnap-tools_*.deb >/tmp/apt-install.log 2>&1; then
	ok "apt install ($(( $(date +%s) - t )) s)"
else
	tail -n 40 /tmp/apt-install.log
	die "apt install"
fi
cd /
grep -E -i "^(Building|Signing|Certificate|Key file|Error|.*dkms)" /tmp/apt-install.log | sed 's/^/     | /' | head -n 12
mlog=$(ls /var/lib/dkms/blksnap/*/"$kver"/*/log/make.log 2>/dev/null | head -n 1)
[ -n "$mlog" ] && say "     DKMS module build: $(( $(stat -c %Y "$mlog") - $(date -d "$(sed -n 2p "$mlog")" +%s) )) s"
dkst=$(dkms status 2>&1)
say "     dkms status: $dkst"
case $dkst in
*"blksnap/"*", $kver, x86_64: installed"*) ok "dkms built and installed the module for $kver" ;;
*) bad "dkms status does not show blksnap installed for $kver"; tail -n 30 /var/lib/dkms/blksnap/*/build/make.log 2>/dev/null ;;
esac
ko=$(ls /lib/modules/$kver/updates/dkms/blksnap.ko* 2>/dev/null)
check "module file in /lib/modules/$kver/updates/dkms ($ko)" test -n "$ko"
eq "$(modinfo -F signer blksnap 2>&1)" "DKMS module signing key" "module signed with DKMS's MOK key (modinfo -F signer)"
check "blksnap command installed" test -x /usr/sbin/blksnap

step "modprobe blksnap"
check "modprobe blksnap" modprobe blksnap
check "module loaded" grep -q '^blksnap ' /proc/modules
eq "$(cat /sys/module/blksnap/version 2>&1)" "$(dpkg-query -W -f='${Version}' blksnap-dkms | sed 's/[-+~].*//')" "module version"
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
echo before-take >/root/marker
sync
out=$(blksnap snapshot create --json --storage /dev/vdb / 2>/tmp/create.err)
rc=$?
cat /tmp/create.err
say "     $out"
eq "$rc" 0 "blksnap snapshot create --storage /dev/vdb /"
id=$(printf '%s' "$out" | sed -n 's/.*"id"[[:space:]]*:[[:space:]]*"\{0,1\}\([^",}]*\).*/\1/p')
img=$(printf '%s' "$out" | sed -n 's/.*"image"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
eq "$img" /dev/blksnap-vda "image of /"
[ -n "$id" ] && [ -b "$img" ] || die "no snapshot id or image device; cannot go on"
echo after-take >/root/marker
sync
udevadm settle --timeout=60
mkdir -p /mnt/img /mnt/uuid
if mount -o ro,noload "$img" /mnt/img; then
	ok "the image mounts"
	eq "$(cat /mnt/img/root/marker 2>&1)" before-take "a file on the image is as it was at the snapshot"
	check "the image shows the installed system (/usr/sbin/blksnap)" test -x /mnt/img/usr/sbin/blksnap
	say "     $(ls /mnt/img | tr '\n' ' ')"
else
	bad "mount -o ro,noload $img"
fi

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

step "upgrade to $(cat $REPO/upgrade-version) with the snapshot live"
sum1=$(dd if="$img" bs=1M count=64 iflag=direct 2>/dev/null | md5sum)
t=$(date +%s)
cd $REPO/upgrade || die "cd $REPO/upgrade"
if timeout 900 apt-get install -y -q --no-install-recommends ./blksnap-dkms_*.deb ./blksnap-tools_*.deb 2>&1 |
	tee /tmp/apt-upgrade.log | grep -E -i "^(Preparing|Setting up|Building|Signing|Error|Deleting)" | sed 's/^/     | /'
	[ "${PIPESTATUS[0]}" -eq 0 ]; then
	ok "apt install of the newer packages ($(( $(date +%s) - t )) s)"
else
	tail -n 30 /tmp/apt-upgrade.log
	dmesg | tail -n 40
	bad "upgrade"
fi
cd /
eq "$(dpkg-query -W -f='${Version}' blksnap-dkms)" "$(cat $REPO/upgrade-version)" "blksnap-dkms version"
check "module still loaded" grep -q '^blksnap ' /proc/modules
check "image still there" test -b "$img"
eq "$(dd if="$img" bs=1M count=64 iflag=direct 2>/dev/null | md5sum)" "$sum1" "image content unchanged across the upgrade"
eq "$(cat /mnt/img/root/marker 2>&1)" before-take "mounted image still readable"
check "the snapshot is still listed" sh -c "blksnap snapshot list | grep -q '$id'"
case $(dkms status 2>&1) in
*", $kver, x86_64: installed"*) ok "dkms rebuilt the module for $kver" ;;
*) bad "dkms status after upgrade: $(dkms status 2>&1)" ;;
esac

step "snapshot destroy, detach, unload"
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
# The test's own files go before the file lists are compared.
rm -f /root/marker
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
filelist >/tmp/files-after
# The DKMS signing key made at the first build stays by design of dkms
# (/var/lib/dkms/mok.*, owned by no package, enrolled keys must not change);
# reported, not failed.
diff /root/files-before /tmp/files-after | grep '^[<>]' |
	grep -v -x -e '> /var/lib/dkms' -e '> /var/lib/dkms/mok.key' -e '> /var/lib/dkms/mok.pub' >/tmp/files-diff
say "     left by dkms itself: $(diff /root/files-before /tmp/files-after | grep '^> /var/lib/dkms' | sed 's/^> //' | tr '\n' ' ')"
if [ -s /tmp/files-diff ]; then
	bad "file list before install and after purge differ:"
	sed 's/^/     | /' /tmp/files-diff | head -n 40
else
	ok "file list after purge equals the one before install ($(wc -l </root/files-before) paths)"
fi
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host half of the packaged test (run.sh runs it under `unshare -m`, in
# a mount namespace of its own: every mount made here dies with it and is
# never seen on the host).  What needs no running guest kernel happens
# here, at native speed, in a chroot on a copy of the Debian 12 root:
#
#   1. an overlay on the cached debootstrap tree (TREE, never written) is
#      the root; its file list is taken now, before anything is
#      installed (the guest compares it with the list after apt purge);
#   2. apt, resolving in the root against its Debian lists, downloads what
#      our packages need that the root lacks (cached in TREE.archives);
#      those and our packages make a local repository, the root's only
#      apt source from then on;
#   3. `apt install linux-headers-VER ./blksnap-dkms_*.deb
#      ./blksnap-tools_*.deb` as README says: dpkg's real maintainer
#      scripts, so blksnap-dkms's postinst (dh_dkms) runs DKMS, which
#      builds the module against the guest kernel's headers, signs it with
#      its own MOK key (made with openssl at this first build) and
#      installs it into /lib/modules/VER/updates/dkms; the checks follow;
#   4. the upgrade's DKMS build, for the postinst that runs in the guest
#      (details at that step below): DKMS builds the upgraded source tree
#      for the guest kernel and packs the result as the prebuilt-module
#      tarball that Debian's dkms common.postinst loads instead of
#      compiling; the DKMS tree is then back to the old version only;
#   5. the root becomes RUN/root.img (mkfs.ext4 -d), the guest's disk.
#
# The chroot has /proc, a private /dev (tmpfs with the few nodes apt, dpkg,
# gcc and openssl use, a devpts instance of its own), tmpfs on /tmp and
# /run, the repository at /srv/blksnap-repo; no /sys (nothing here reads
# it: the module is built, never loaded, on the host).  The chroot's own
# /var/lib/dkms, /lib/modules and apt state are the only ones written (the
# host's are out of its reach).
#
# usage: host-install.sh TREE RUN VER   (RUN/repo/pool holds our .debs,
#        RUN/repo/upgrade the upgrade's).  Prints its steps and checks as
#        the guest does (run.sh counts them); exits non-zero only when no
#        guest disk could be made.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C DEBIAN_FRONTEND=noninteractive
PKG_DIR=$(cd "$(dirname "$0")" && pwd)
. "$PKG_DIR/checks.sh"

tree=$1 run=$2 kver=$3
root=$run/root
repo=$run/repo
in_root() { chroot "$root" "$@" </dev/null; }
apt_opts=(-q -y -o APT::Sandbox::User=root)

die() { bad "$*"; say "-- host: $fails failed checks"; exit 1; }

# A mount namespace of our own, or nothing is mounted at all.
[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] ||
	{ echo "host-install.sh: run it under unshare -m (run.sh does)" >&2; exit 2; }
# Private propagation: nothing mounted here reaches the host's namespace.
mount --make-rprivate / || die "mount --make-rprivate /"

mounted=()
mnt() { # mnt TARGET MOUNT-ARGS...: mount, remember for the unmount.
	local t=$1; shift
	mount "$@" "$t" || return 1
	mounted+=("$t")
}
unmount_all() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount "${mounted[i]}" || umount -l "${mounted[i]}"
	done
	mounted=()
}
trap unmount_all EXIT

step "host: overlay on the cached Debian 12 root"
mkdir -p "$run/upper" "$run/work" "$root" || die "mkdir in $run"
mnt "$root" -t overlay overlay -o "lowerdir=$tree,upperdir=$run/upper,workdir=$run/work" ||
	die "overlay on $tree"
# The "before" list: the root as it is before any of our packages, taken
# here (the guest's root is made from this same tree below) and compared in
# the guest after apt purge.
in_root bash -c "$(declare -f filelist); filelist" >"$repo/files-before" || die "file list of the root"
say "     $(wc -l <"$repo/files-before") paths before the install"

mnt "$root/proc" -t proc proc || die "mount proc"
mnt "$root/dev" -t tmpfs -o mode=755,size=1m devtmpfs || die "tmpfs on /dev"
for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	IFS=: read -r name maj min <<<"$n"
	mknod -m 666 "$root/dev/$name" c "$maj" "$min" || die "mknod /dev/$name"
done
ln -s /proc/self/fd "$root/dev/fd" && ln -s /proc/self/fd/0 "$root/dev/stdin" &&
	ln -s /proc/self/fd/1 "$root/dev/stdout" && ln -s /proc/self/fd/2 "$root/dev/stderr" ||
	die "links in /dev"
mkdir -p "$root/dev/pts" "$root/dev/shm"
# A devpts of its own (newinstance: not the host's ptys), for apt's log.
mnt "$root/dev/pts" -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts || die "devpts"
ln -s pts/ptmx "$root/dev/ptmx" || die "/dev/ptmx"
mnt "$root/tmp" -t tmpfs -o mode=1777 tmpfs || die "tmpfs on /tmp"
mnt "$root/run" -t tmpfs -o mode=755 tmpfs || die "tmpfs on /run"
mkdir -p "$root/run/lock"
mnt "$root/srv/blksnap-repo" --bind "$repo" || die "bind $repo"
mkdir -p "$tree.archives/partial" || die "mkdir $tree.archives"
mkdir -p "$root/var/cache/blksnap-test-archives" || die "mkdir archives in the root"
mnt "$root/var/cache/blksnap-test-archives" --bind "$tree.archives" || die "bind $tree.archives"

step "host: the local repository"
# What our packages need beyond the root (libjson-c, libinih, ...): apt
# resolves in the root, against the Debian lists it got when the tree was
# made, and downloads into a cache kept beside the tree (network only the
# first time).  --no-install-recommends, as README says to install.
deb() { (cd "$repo/$1" && ls ${2}_*.deb) | head -n 1; }
dkms_deb=$(deb pool blksnap-dkms) tools_deb=$(deb pool blksnap-tools) lib_deb=$(deb pool libblksnap1)
up_dkms_deb=$(deb upgrade blksnap-dkms)
[ -n "$dkms_deb" ] && [ -n "$tools_deb" ] && [ -n "$lib_deb" ] && [ -n "$up_dkms_deb" ] ||
	die "packages missing in $repo/pool or $repo/upgrade"
in_root apt-get "${apt_opts[@]}" --no-install-recommends --download-only \
	-o Dir::Cache::archives=/var/cache/blksnap-test-archives \
	install "/srv/blksnap-repo/pool/$dkms_deb" "/srv/blksnap-repo/pool/$tools_deb" \
	"/srv/blksnap-repo/pool/$lib_deb" >"$run/apt-download.log" 2>&1 ||
	{ tail -n 30 "$run/apt-download.log"; die "resolving what the packages need"; }
needed=$(sed -n 's/^Get:[0-9]* http[^ ]* [^ ]* [^ ]* \([^ ]*\) .*/\1/p' "$run/apt-download.log")
for f in "$tree.archives"/*.deb; do
	[ -e "$f" ] || continue
	cp "$f" "$repo/pool/"
done
(cd "$repo" && dpkg-scanpackages -m pool /dev/null >Packages 2>"$run/scanpackages.log") ||
	die "dpkg-scanpackages"
say "     $(ls "$repo/pool" | wc -l) packages in the repository$( [ -n "$needed" ] && echo ", downloaded now: $(echo $needed)")"
# From here on the repository is the root's only apt source, in the host
# chroot and in the guest alike.
rm -f "$root"/etc/apt/sources.list.d/*
echo "deb [trusted=yes] file:/srv/blksnap-repo ./" >"$root/etc/apt/sources.list"
in_root apt-get -q -o APT::Sandbox::User=root update >"$run/apt-update.log" 2>&1 ||
	{ cat "$run/apt-update.log"; die "apt-get update (local repository)"; }

step "host: apt install linux-headers-$kver ./$dkms_deb ./$tools_deb (chroot)"
t=$(date +%s)
if in_root sh -c "cd /srv/blksnap-repo/pool && apt-get -q -y -o APT::Sandbox::User=root \
	--no-install-recommends install linux-headers-$kver ./$dkms_deb ./$tools_deb" \
	>"$run/apt-install.log" 2>&1; then
	ok "apt install ($(( $(date +%s) - t )) s)"
else
	tail -n 40 "$run/apt-install.log"
	die "apt install"
fi
grep -E -i "^(Setting up blksnap|Loading|Building|Signing|Certificate|Key file|Error|It is likely|Module build|.*skipped|.*Installing)" "$run/apt-install.log" |
	sed 's/^/     | /' | head -n 12
mlog=$(ls "$root"/var/lib/dkms/blksnap/*/"$kver"/*/log/make.log 2>/dev/null | head -n 1)
[ -n "$mlog" ] && say "     DKMS module build: $(( $(stat -c %Y "$mlog") - $(date -d "$(sed -n 2p "$mlog")" +%s) )) s"
dkst=$(in_root dkms status 2>&1)
say "     dkms status: $dkst"
ver=$(dpkg-deb -f "$repo/pool/$dkms_deb" Version)
case $dkst in
*"blksnap/${ver%%-*}, $kver, x86_64: installed"*) ok "dkms built and installed blksnap/${ver%%-*} for $kver" ;;
*) bad "dkms status does not show blksnap/${ver%%-*} installed for $kver"
   tail -n 30 "$root"/var/lib/dkms/blksnap/*/build/make.log 2>/dev/null ;;
esac
ko=$(cd "$root" && ls lib/modules/"$kver"/updates/dkms/blksnap.ko* 2>/dev/null)
check "module file in /lib/modules/$kver/updates/dkms (/$ko)" test -n "$ko"
eq "$(in_root modinfo -F signer "/$ko" 2>&1)" "DKMS module signing key" "module signed with DKMS's MOK key (modinfo -F signer)"
check "DKMS's key pair made at the first build (/var/lib/dkms/mok.key, mok.pub)" \
	test -s "$root/var/lib/dkms/mok.key" -a -s "$root/var/lib/dkms/mok.pub"
check "blksnap command installed" test -x "$root/usr/sbin/blksnap"
check "libblksnap1 installed" sh -c "chroot '$root' dpkg-query -W -f='\${Status}' libblksnap1 | grep -q 'install ok installed'"
# For the guest: the version of the module it will load first.
echo "${ver%%[-+~]*}" >"$repo/module-version"

up_ver=$(dpkg-deb -f "$repo/upgrade/$up_dkms_deb" Version)
up_mver=${up_ver%%[-+~]*}
step "host: DKMS build of the upgrade ($up_mver), for its postinst in the guest"
# Debian 12's dkms 3.0.10 common.postinst (which the dh_dkms postinst of
# blksnap-dkms calls) starts with `dkms remove` of the version it installs
# if /var/lib/dkms/NAME/VERSION exists ("We never want to keep an older
# version side by side"), so a version merely built beforehand is thrown
# away and compiled again -- under TCG, 7 to 10 minutes.  What it does use
# is DKMS's own prebuilt-module hook: /usr/share/NAME-dkms/NAME-VERSION.
# dkms.tar.gz, which it loads with `dkms ldtarball` instead of `dkms add`;
# a version so loaded is "built", and the postinst then only runs `dkms
# install`.  So here: the upgrade's source tree exactly as its .deb holds
# it, `dkms add` + `dkms build` for the guest kernel (the same dkms, gcc
# and headers the guest has), `dkms mktarball --binaries-only` to that
# path, and `dkms remove` + the tree deleted again, so that the root holds
# the old version only, plus that tarball (owned by no package; the guest
# deletes it after the upgrade, before the file lists are compared).
src=usr/src/blksnap-$up_mver
tarball=/usr/share/blksnap-dkms/blksnap-$up_mver.dkms.tar.gz
bdir=var/lib/dkms/blksnap/$up_mver/$kver/x86_64
[ ! -e "$root/$src" ] || die "/$src exists before the upgrade"
dpkg-deb --fsys-tarfile "$repo/upgrade/$up_dkms_deb" | tar -C "$root" -x "./$src" ||
	die "unpacking ./$src of $up_dkms_deb"
t=$(date +%s)
if in_root dkms add -m blksnap -v "$up_mver" >"$run/dkms-upgrade.log" 2>&1 &&
	in_root dkms build -m blksnap -v "$up_mver" -k "$kver" >>"$run/dkms-upgrade.log" 2>&1; then
	ok "dkms add + build blksnap/$up_mver for $kver ($(( $(date +%s) - t )) s)"
else
	tail -n 30 "$run/dkms-upgrade.log"
	bad "dkms build of blksnap/$up_mver"
fi
st=$(in_root dkms status -m blksnap -v "$up_mver" -k "$kver" 2>&1)
say "     dkms status: $st"
case $st in
*"blksnap/$up_mver, $kver, x86_64: built"*) ok "blksnap/$up_mver built (not installed) for $kver" ;;
*) bad "blksnap/$up_mver is not in state built for $kver" ;;
esac
eq "$(in_root modinfo -F version "/$bdir/module/blksnap.ko" 2>&1)" "$up_mver" "version of the built upgrade module"
eq "$(in_root modinfo -F signer "/$bdir/module/blksnap.ko" 2>&1)" "DKMS module signing key" "the upgrade module is signed with the same key"
# What the guest compares the upgrade with.
{
	echo "upgrade_version=$up_ver"
	echo "upgrade_module_version=$up_mver"
	echo "upgrade_ko_md5=$(md5sum <"$root/$bdir/module/blksnap.ko" | cut -d' ' -f1)"
	echo "upgrade_ko_srcversion=$(in_root modinfo -F srcversion "/$bdir/module/blksnap.ko" 2>/dev/null)"
	echo "upgrade_tarball=$tarball"
} >"$repo/host-facts"
if in_root dkms mktarball -m blksnap -v "$up_mver" -k "$kver" --binaries-only \
	--archive "$tarball" >>"$run/dkms-upgrade.log" 2>&1 &&
	in_root dkms remove -m blksnap -v "$up_mver" --all >>"$run/dkms-upgrade.log" 2>&1; then
	ok "dkms mktarball --binaries-only to $tarball; dkms remove blksnap/$up_mver"
else
	tail -n 30 "$run/dkms-upgrade.log"
	bad "dkms mktarball / remove of blksnap/$up_mver"
fi
rm -rf --one-file-system "${root:?}/$src"
eq "$(in_root dkms status 2>&1)" "blksnap/${ver%%[-+~]*}, $kver, x86_64: installed" "dkms status the guest starts from"
check "tarball in place ($(du -k "$root$tarball" 2>/dev/null | cut -f1) KiB)" test -s "$root$tarball"

step "host: the guest's disk"
unmount_all
# Only the overlay again, with nothing below it: mkfs.ext4 -d copies the
# tree as it is.
mnt "$root" -t overlay overlay -o "lowerdir=$tree,upperdir=$run/upper,workdir=$run/work" ||
	die "overlay on $tree (again)"
t=$(date +%s)
# As small as leaves room for what the guest writes (the upgrade, the
# test's files): the guest's full backup reads the whole device.
used=$(du -sm -x "$root" | cut -f1)
size=$(( (used * 5 / 4 + 384) / 64 * 64 ))
truncate -s "${size}M" "$run/root.img" &&
	mkfs.ext4 -q -L blksnap-root -d "$root" "$run/root.img" ||
	die "mkfs.ext4 -d of the root"
say "     root.img: $size MiB, $used MiB used ($(du -sm "$run/upper" | cut -f1) MiB written by the install), made in $(( $(date +%s) - t )) s"
unmount_all
say "-- host: $fails failed checks"
exit 0

# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The packaged guest's root filesystem: a minimal Debian 12 made with
# debootstrap, dkms and the kernel headers (pkg_preinstall), plus the guest
# kernel's modules (copied from the VM kernel
# cache, not installed as a package: the test is about our packages, and
# linux-image would pull initramfs-tools in).  Sourced by run.sh.
#
# pkg_rootfs VER -> prints the path of a cached, read-only-used ext4 image
# (the guest writes to a copy-on-write overlay, never to the image).  The
# image is rebuilt only when this file or VER changes: its name carries the
# hash of both.  The debootstrap tree is kept next to it, since the local
# package repository is resolved against it (run.sh), and the packages preinstalled in it in rootfs-HASH.debs/.

PKG_SUITE=bookworm
PKG_MIRROR=${BLKSNAP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PKG_SECURITY_MIRROR=${BLKSNAP_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
# What the test itself uses besides minbase: udev (the rule under test),
# kmod (modprobe).
PKG_INCLUDE=udev,kmod
# Installed into the image on the host, natively: what a machine that builds
# DKMS modules already has -- dkms with its compiler, the running kernel's
# headers, openssl (DKMS makes its signing key with it).  Installing these
# inside the TCG guest took 13 minutes of the CI budget; the local
# repository still holds them, and the guest's apt resolves against it.
pkg_preinstall() { echo "dkms openssl linux-headers-$1"; }

pkg_rootfs() {
	local ver=$1 hash cache dir img kmods
	hash=$( { cat "${BASH_SOURCE[0]}"; echo "$ver"; } | sha256sum | cut -c1-12)
	cache=$BLKSNAP_VM_CACHE/packaging
	dir=$cache/rootfs-$hash
	img=$cache/rootfs-$hash.img
	if [ -f "$img.stamp" ]; then
		printf '%s\n' "$img"
		return 0
	fi
	mkdir -p "$cache" || return 1
	# Older recipes' trees and images are of no further use.
	for old in "$cache"/rootfs-*; do
		case $old in "$dir" | "$dir".*) continue ;; esac
		[ -e "$old" ] && vm_log "removing old $old" && rm -rf --one-file-system -- "$old"
	done
	rm -rf --one-file-system -- "$dir" "$img"
	kmods=$(vm_kernel_dir "$ver")/modules/lib/modules/$ver
	[ -d "$kmods" ] || { vm_log "no $kmods (host_kernel_fetch first)"; return 1; }
	vm_log "debootstrap $PKG_SUITE (minbase + $PKG_INCLUDE) into $dir"
	debootstrap --variant=minbase --include="$PKG_INCLUDE" "$PKG_SUITE" "$dir" "$PKG_MIRROR" \
		>"$cache/debootstrap.log" 2>&1 </dev/null ||
		{ tail -n 30 "$cache/debootstrap.log" >&2; return 1; }
	cat >"$dir/etc/apt/sources.list" <<-SRC
	deb $PKG_MIRROR $PKG_SUITE main
	deb $PKG_MIRROR $PKG_SUITE-updates main
	deb $PKG_SECURITY_MIRROR $PKG_SUITE-security main
	SRC
	# The mirror serves dated snapshots (vm-testing.md).
	echo 'Acquire::Check-Valid-Until "false";' >"$dir/etc/apt/apt.conf.d/99blksnap-test"
	chroot "$dir" apt-get -q update </dev/null >>"$cache/debootstrap.log" 2>&1 ||
		{ tail -n 30 "$cache/debootstrap.log" >&2; return 1; }
	# shellcheck disable=SC2046
	chroot "$dir" env DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends \
		install $(pkg_preinstall "$ver") </dev/null >>"$cache/debootstrap.log" 2>&1 ||
		{ tail -n 30 "$cache/debootstrap.log" >&2; return 1; }
	echo blksnap-guest >"$dir/etc/hostname"
	printf 'LABEL=blksnap-root / ext4 defaults 0 1\n' >"$dir/etc/fstab"
	mkdir -p "$dir/lib/modules" "$dir/srv/blksnap-repo" || return 1
	mkdir -p "$dir/lib/modules/$ver" && cp -a "$kmods/." "$dir/lib/modules/$ver/" || return 1
	rm -rf "$dir/lib/modules/$ver/updates"
	depmod -b "$dir" "$ver" || return 1
	# The preinstalled packages go to the local repository (run.sh), not
	# into the image.
	rm -rf "$dir.debs" && mkdir -p "$dir.debs" || return 1
	mv "$dir"/var/cache/apt/archives/*.deb "$dir.debs/" || return 1
	# The image: 3 GiB sparse, ext4 with a fixed label (the UUID is random).
	truncate -s 3G "$img.tmp" &&
		mkfs.ext4 -q -L blksnap-root -d "$dir" "$img.tmp" ||
		{ rm -f "$img.tmp"; return 1; }
	mv "$img.tmp" "$img" && date -u +%FT%TZ >"$img.stamp" || return 1
	printf '%s\n' "$img"
}

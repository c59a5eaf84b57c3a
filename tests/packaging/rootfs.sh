# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The packaged test's Debian 12 root: a minimal Debian 12 made with
# debootstrap, dkms and the kernel headers (pkg_preinstall), plus the guest
# kernel's modules (copied from the VM kernel cache, not installed as a
# package: the test is about our packages, and linux-image would pull
# initramfs-tools in).  Sourced by run.sh.
#
# pkg_rootfs VER -> prints the path of a cached directory tree.  It is
# never written after it is made: each run (host-install.sh) mounts an
# overlay on it, installs our packages into the overlay in a chroot and
# makes the guest's disk image from the result.  The tree is rebuilt only
# when this file or VER changes: its name carries the hash of both.

PKG_SUITE=bookworm
PKG_MIRROR=${BLKSNAP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PKG_SECURITY_MIRROR=${BLKSNAP_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
# What the test itself uses besides minbase: udev (the rule under test),
# kmod (modprobe), e2fsprogs (filefrag; in minbase already).
PKG_INCLUDE=udev,kmod
# What a machine that builds DKMS modules already has: dkms with its
# compiler, the guest kernel's headers, openssl (DKMS makes its signing key
# with it).  Installed when the tree is made, from the Debian mirror.
pkg_preinstall() { echo "dkms openssl linux-headers-$1"; }
# Module directories (under /lib/modules/VER/kernel) left out of the root.
PKG_PRUNE_MODULES="sound drivers/gpu drivers/media drivers/net/wireless drivers/net/ethernet
	drivers/infiniband drivers/staging drivers/iio drivers/isdn drivers/bluetooth
	net/bluetooth net/mac80211 net/wireless"

pkg_rootfs() {
	local ver=$1 hash cache dir kmods
	hash=$( { cat "${BASH_SOURCE[0]}"; echo "$ver"; } | sha256sum | cut -c1-12)
	cache=$BLKSNAP_VM_CACHE/packaging
	dir=$cache/rootfs-$hash
	if [ -f "$dir.stamp" ]; then
		printf '%s\n' "$dir"
		return 0
	fi
	mkdir -p "$cache" || return 1
	# Older recipes' trees, images and package caches are of no further use.
	for old in "$cache"/rootfs-*; do
		case $old in "$dir" | "$dir".*) continue ;; esac
		[ -e "$old" ] || continue
		vm_log "removing old $old"
		_bvm_rm "$old" || return 1
	done
	# Stage 1 (debootstrap, preinstall: minutes, network) is kept when a
	# later step fails: $dir.base marks it complete.
	if [ ! -f "$dir.base" ]; then
		_bvm_rm "$dir" || return 1
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
		# No fsync per unpacked file: every run's root is a throw-away copy.
		echo 'Dpkg::Options { "--force-unsafe-io"; };' >"$dir/etc/apt/apt.conf.d/99blksnap-test-unsafe-io"
		chroot "$dir" apt-get -q update </dev/null >>"$cache/debootstrap.log" 2>&1 ||
			{ tail -n 30 "$cache/debootstrap.log" >&2; return 1; }
		# shellcheck disable=SC2046
		chroot "$dir" env DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends \
			install $(pkg_preinstall "$ver") </dev/null >>"$cache/debootstrap.log" 2>&1 ||
			{ tail -n 30 "$cache/debootstrap.log" >&2; return 1; }
		chroot "$dir" apt-get -q clean </dev/null || return 1
		date -u +%FT%TZ >"$dir.base" || return 1
	fi
	kmods=$(vm_kernel_dir "$ver")/modules/lib/modules/$ver
	[ -d "$kmods" ] || { vm_log "no $kmods (host_kernel_fetch first)"; return 1; }
	echo blksnap-guest >"$dir/etc/hostname"
	printf 'LABEL=blksnap-root / ext4 defaults 0 1\n' >"$dir/etc/fstab"
	mkdir -p "$dir/srv/blksnap-repo" || return 1
	mkdir -p "$dir/lib/modules/$ver" && cp -a "$kmods/." "$dir/lib/modules/$ver/" || return 1
	rm -rf "$dir/lib/modules/$ver/updates"
	# Drivers for hardware the guest has not (sound, graphics, radios,
	# network cards, ...): a fifth of the root's size, which every run
	# copies into its disk image and the guest's full backup copies again.
	local d
	for d in $PKG_PRUNE_MODULES; do
		rm -rf --one-file-system "$dir/lib/modules/$ver/kernel/$d"
	done
	depmod -b "$dir" "$ver" || return 1
	date -u +%FT%TZ >"$dir.stamp" || return 1
	printf '%s\n' "$dir"
}

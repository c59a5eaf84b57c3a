#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packaged-guest test (issue 12): a minimal Debian 12 root filesystem
# (debootstrap, cached) booted as the guest's real root disk under QEMU,
# with no network; a second disk holds a local package repository with the
# built .debs and everything they pull in.  In the guest (guest-test.sh):
# apt install of blksnap-dkms and blksnap-tools builds the module through
# DKMS, a snapshot of / with storage on another disk, its image, udev's
# view of images, a package upgrade under a live snapshot, apt purge.
#
# usage: tests/packaging/run.sh -k KERNEL --debs DIR
#   -k KERNEL   a kernel listed in tests/vm/kernels with builder "host"
#               (make check-packaging passes the first one)
#   --debs DIR  where make deb left the packages (blksnap-dkms_*.deb, ...)
# Needs root.  Prints the guest's steps, "PASS"/"FAIL" and its minutes.
set -euo pipefail

. "$(dirname "$0")/../vm/lib/common.sh"
. "$VM_DIR/lib/host.sh"
PKG_DIR=$REPO_DIR/tests/packaging
. "$PKG_DIR/rootfs.sh"

ver=
debs=
while [ $# -gt 0 ]; do
	case $1 in
	-k) ver=$2; shift 2 ;;
	--debs) debs=$2; shift 2 ;;
	-h|--help) sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument '$1'; try --help" >&2; exit 2 ;;
	esac
done
[ -n "$ver" ] && [ -n "$debs" ] || vm_die "usage: $0 -k KERNEL --debs DIR"
[ "$(id -u)" -eq 0 ] || vm_die "must run as root (debootstrap, chroot)"
vm_kernel_list | awk -v k="$ver" '$1 == k && $2 == "host" { f = 1 } END { exit !f }' ||
	vm_die "$ver is not a 'host' kernel in tests/vm/kernels"
for p in blksnap-dkms blksnap-tools libblksnap1; do
	ls "$debs"/${p}_*.deb >/dev/null 2>&1 || vm_die "no $debs/${p}_*.deb: run 'make deb' first"
done
command -v debootstrap >/dev/null && command -v dpkg-scanpackages >/dev/null ||
	vm_die "debootstrap and dpkg-dev are needed; run 'make deps'"

t0=$(date +%s)
run=$BLKSNAP_VM_RUNS/packaging-$ver
rm -rf "$run"
mkdir -p "$run"

host_kernel_fetch "$ver" || vm_die "cannot fetch kernel $ver"
rootfs_img=$(pkg_rootfs "$ver") || vm_die "cannot build the guest root filesystem"
rootfs_dir=${rootfs_img%.img}

# The local repository: our packages, the same two repacked as a newer
# version (the upgrade under a live snapshot), and every package apt needs
# to install them and the kernel's headers on a bare debootstrap: those
# preinstalled in the image (rootfs.sh keeps their .debs) and whatever else
# apt, resolving in the debootstrap tree itself, says is needed.
repo=$run/repo
mkdir -p "$repo/upgrade"
cp "$debs"/*.deb "$repo/"
rm -f "$repo"/*-dbgsym_*.deb
up_ver=
for p in blksnap-dkms blksnap-tools; do
	x=$run/repack-$p
	dpkg-deb -R "$repo"/${p}_*.deb "$x"
	v=$(sed -n 's/^Version: //p' "$x/DEBIAN/control")
	up_ver=$v+pkgtest1
	sed -i "s/^Version: .*/Version: $up_ver/" "$x/DEBIAN/control"
	dpkg-deb -b -Zxz "$x" "$repo/upgrade/${p}_${up_ver}_$(dpkg-deb -f "$repo"/${p}_*.deb Architecture).deb" >/dev/null
	rm -rf "$x"
done
tdir=$rootfs_dir/tmp/blksnap-debs
rm -rf "$tdir" && mkdir -p "$tdir" && cp "$repo"/*.deb "$tdir/"
arch_cache=/var/cache/blksnap-test-archives
mkdir -p "$rootfs_dir$arch_cache/partial"
# --no-install-recommends, as the README says to install.  libblksnap1 is
# named because only the repository made here will offer it.
chroot "$rootfs_dir" apt-get -q -y --no-install-recommends --download-only \
	-o Dir::Cache::archives="$arch_cache" -o APT::Sandbox::User=root \
	install "/tmp/blksnap-debs/$(basename "$repo"/blksnap-dkms_*.deb)" \
	"/tmp/blksnap-debs/$(basename "$repo"/blksnap-tools_*.deb)" \
	"/tmp/blksnap-debs/$(basename "$repo"/libblksnap1_*.deb)" \
	</dev/null >"$run/apt-download.log" 2>&1 ||
	{ tail -n 30 "$run/apt-download.log"; vm_die "resolving the packages for the local repository failed"; }
rm -rf "$tdir"
find "$rootfs_dir$arch_cache" "$rootfs_dir.debs" -maxdepth 1 -name '*.deb' -exec cp -t "$repo/" {} +
[ -n "$(ls "$rootfs_dir.debs")" ] || vm_die "no preinstalled packages in $rootfs_dir.debs"
(cd "$repo" && dpkg-scanpackages -m . /dev/null >Packages 2>/dev/null)
cp "$PKG_DIR/guest-test.sh" "$repo/"
echo "$ver" >"$repo/kernel"
echo "$up_ver" >"$repo/upgrade-version"
n=$(ls "$repo"/*.deb | wc -l)
size=$(du -sm "$repo" | cut -f1)
truncate -s $((size * 2 + 64))M "$run/repo.img"
mkfs.ext4 -q -L blksnap-repo -d "$repo" "$run/repo.img"
vm_log "local repository: $n packages, $size MiB"

# initramfs: busybox, the drivers of the root disk, our init.
initrd=$run/initramfs.cpio.gz
stage=$run/initramfs
mkdir -p "$stage"/{bin,dev,proc,sys,newroot,modules}
cp "$(command -v busybox)" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
cp "$PKG_DIR/init" "$stage/init"
chmod 755 "$stage/init"
kmods=$(vm_kernel_dir "$ver")/modules
for mod in virtio_pci virtio_blk ext4; do
	modprobe --show-depends -d "$kmods" -S "$ver" "$mod"
done | while read -r kind path _; do
	[ "$kind" = insmod ] || continue
	m=$(basename "$path"); m=${m%.xz}; m=${m%.zst}
	grep -qx "$m" "$stage/modules/order" 2>/dev/null && continue
	case $path in
	*.xz) xz -dc "$path" >"$stage/modules/$m" ;;
	*.zst) zstd -qdc "$path" >"$stage/modules/$m" ;;
	*) cp "$path" "$stage/modules/$m" ;;
	esac
	echo "$m" >>"$stage/modules/order"
done
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd"

# Disks: vda root (the cached image; snapshot=on: writes go to a
# temporary overlay), vdb snapshot storage, vdc backup target (as large
# as the root disk, sparse), vdd the repository.
truncate -s 1G "$run/storage.img"
truncate -s "$(stat -c %s "$rootfs_img")" "$run/backup.img"
t1=$(date +%s)
vm_log "prepared in $((t1 - t0)) s; booting $ver (TCG)"
timeout -k 10 2700 qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -m 2048 -smp 2 \
	-display none -monitor none -no-reboot -nic none \
	-serial "file:$run/console.log" \
	-kernel "$(vm_kernel_dir "$ver")/vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet loglevel=4" \
	-drive "file=$rootfs_img,if=virtio,format=raw,cache=unsafe,snapshot=on" \
	-drive "file=$run/storage.img,if=virtio,format=raw,cache=unsafe" \
	-drive "file=$run/backup.img,if=virtio,format=raw,cache=unsafe" \
	-drive "file=$run/repo.img,if=virtio,format=raw,cache=unsafe,readonly=on" \
	</dev/null >"$run/qemu.log" 2>&1 || true
t2=$(date +%s)
tr -d '\r' <"$run/console.log" >"$run/console.txt"
sed -n '/^BLKSNAP-PKG-BEGIN/,/^BLKSNAP-PKG-END/{/^BLKSNAP-PKG-/d;p}' "$run/console.txt"
fmt_min() { awk -v s="$1" 'BEGIN { printf "%.1f min", s / 60 }'; }
if grep -q '^BLKSNAP-PKG-RESULT: PASS' "$run/console.txt"; then
	echo "PASS packaged guest $ver: prepare $(fmt_min $((t1 - t0))), guest $(fmt_min $((t2 - t1))), total $(fmt_min $((t2 - t0)))"
	exit 0
fi
if ! grep -q '^BLKSNAP-PKG-RESULT: ' "$run/console.txt"; then
	echo "the guest did not finish; last console lines:"
	tail -n 40 "$run/console.txt"
fi
echo "FAIL packaged guest $ver: prepare $(fmt_min $((t1 - t0))), guest $(fmt_min $((t2 - t1))) (console: $run/console.txt)"
exit 1

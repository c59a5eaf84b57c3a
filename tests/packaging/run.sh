#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packaged test (issue 12): our .debs installed with apt into a
# minimal Debian 12 (debootstrap, cached), then that system booted under
# QEMU for what needs its kernel.  DKMS where it is fast, the kernel where
# it must be:
#
#  on the host (host-install.sh, a chroot on an overlay of the cached
#  tree, in a mount namespace of its own, native speed): the file list
#  before the install; a local apt repository (our packages and what they
#  pull in) as the only source; `apt install linux-headers-VER
#  ./blksnap-dkms_*.deb ./blksnap-tools_*.deb` with the packages' real
#  maintainer scripts, so that DKMS builds, MOK-signs and installs the
#  module for the guest kernel; dkms status, the module file, its signer,
#  the command; then the upgrade's DKMS build (dkms add + build of the
#  upgraded source tree), packed as DKMS's prebuilt-module tarball where
#  Debian's dkms postinst looks for one, and removed from DKMS again; the
#  result becomes the guest's root disk;
#
#  in the guest (guest-test.sh, the Debian 12 root booted as /dev/vda, no
#  network): modprobe and the module's version, backup of / twice (full,
#  incremental), a snapshot of / with storage on another disk, its image
#  mounted, copy-on-write of a block overwritten in place, udev's view of
#  images, apt install of the upgrade's packages under the live snapshot
#  (their postinst loads and installs the version built on the host;
#  the loaded module is untouched), destroy, detach, unload, modprobe of the upgraded
#  module, apt purge and the file list compared with the host's.
#
# usage: tests/packaging/run.sh -k KERNEL --debs DIR
#   -k KERNEL   a kernel listed in tests/vm/kernels with builder "host"
#               (make check-packaging passes the first one)
#   --debs DIR  where make deb left the packages (blksnap-dkms_*.deb, ...)
# Needs root.  Prints the host's and the guest's steps, "PASS"/"FAIL" with
# the minutes of each half, and "packaging: N passed, M failed" (the
# checks' ok and FAIL lines); exits 0 when all passed.
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
	-h|--help) sed -n '3,36p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
for c in debootstrap dpkg-scanpackages unshare mkfs.ext4 qemu-system-x86_64 busybox; do
	command -v "$c" >/dev/null || vm_die "$c is needed; run 'make deps'"
done

t0=$(date +%s)
run=$BLKSNAP_VM_RUNS/packaging-$ver
_bvm_rm "$run" || vm_die "cannot remove the last run's $run"
mkdir -p "$run"
fmt_min() { awk -v s="$1" 'BEGIN { printf "%.1f min", s / 60 }'; }
# The checks' ok/FAIL lines, host's and guest's, for the summary line.
count() { grep -c "^  $1 " "$run/steps.txt" || true; }
summary() {
	echo "packaging: $(count ok) passed, $(count FAIL) failed"
}

host_kernel_fetch "$ver" || vm_die "cannot fetch kernel $ver"
tree=$(pkg_rootfs "$ver") || vm_die "cannot build the Debian 12 root"

# The local repository (RUN/repo, later the guest's disk vdd): pool/ our
# packages (host-install.sh adds what they pull in), upgrade/ the upgrade.
repo=$run/repo
mkdir -p "$repo/pool" "$repo/upgrade"
cp "$debs"/*.deb "$repo/pool/"
rm -f "$repo"/pool/*-dbgsym_*.deb

# The upgrade: our blksnap-dkms and blksnap-tools repacked as version
# MODVER.1, with what `make deb` would have put in a real new version:
# the DKMS tree under /usr/src/blksnap-MODVER.1 with that PACKAGE_VERSION
# in dkms.conf and that module version in module/version.h (so that the
# upgraded module is told from the old one by /sys/module/blksnap/version
# and its srcversion), and the dh_dkms maintainer scripts with that
# DKMS_VERSION.  blksnap-tools gets the new version number only.
v=$(dpkg-deb -f "$repo"/pool/blksnap-dkms_*.deb Version)
mver=${v%%[-+~]*}
up_mver=$mver.1
up_ver=$up_mver
dpkg --compare-versions "$up_ver" gt "$v" || vm_die "upgrade version $up_ver is not newer than $v"
x=$run/repack-blksnap-dkms
dpkg-deb -R "$repo"/pool/blksnap-dkms_*.deb "$x"
[ -d "$x/usr/src/blksnap-$mver" ] || vm_die "no /usr/src/blksnap-$mver in blksnap-dkms"
mv "$x/usr/src/blksnap-$mver" "$x/usr/src/blksnap-$up_mver"
sed -i "s/^PACKAGE_VERSION=\"$mver\"\$/PACKAGE_VERSION=\"$up_mver\"/" "$x/usr/src/blksnap-$up_mver/dkms.conf"
h=$x/usr/src/blksnap-$up_mver/module/version.h
b=$(sed -n 's/^#define[[:space:]]*BLKSNAP_VERSION_BUILD[[:space:]]*\([0-9]*\).*/\1/p' "$h")
sed -i -e "s/^\(#define[[:space:]]*BLKSNAP_VERSION_STR[[:space:]]*\)\"$mver\"/\1\"$up_mver\"/" \
	-e "s/^\(#define[[:space:]]*BLKSNAP_VERSION_BUILD[[:space:]]*\)$b\$/\1$((b + 1))/" "$h"
sed -i "s/^DKMS_VERSION=$mver\$/DKMS_VERSION=$up_mver/" "$x/DEBIAN/postinst" "$x/DEBIAN/prerm"
grep -qx "PACKAGE_VERSION=\"$up_mver\"" "$x/usr/src/blksnap-$up_mver/dkms.conf" &&
	grep -q "BLKSNAP_VERSION_STR[[:space:]]*\"$up_mver\"" "$h" &&
	grep -qx "DKMS_VERSION=$up_mver" "$x/DEBIAN/postinst" &&
	grep -qx "DKMS_VERSION=$up_mver" "$x/DEBIAN/prerm" ||
	vm_die "repacking blksnap-dkms as $up_ver: a version was not where it was expected"
(cd "$x" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort |
	xargs -d '\n' md5sum) >"$x/DEBIAN/md5sums.new" && mv "$x/DEBIAN/md5sums.new" "$x/DEBIAN/md5sums"
for p in blksnap-dkms blksnap-tools; do
	x=$run/repack-$p
	[ -d "$x" ] || dpkg-deb -R "$repo"/pool/${p}_*.deb "$x"
	sed -i "s/^Version: .*/Version: $up_ver/" "$x/DEBIAN/control"
	dpkg-deb -b -Zxz "$x" "$repo/upgrade/${p}_${up_ver}_$(dpkg-deb -f "$repo"/pool/${p}_*.deb Architecture).deb" >/dev/null
	rm -rf "$x"
done

# The host half: in a mount namespace of its own, so that no mount it
# makes (overlay, /proc, /dev, binds) is ever seen on the host or left
# behind, even if it is killed.
vm_log "installing into an overlay on $tree (chroot, host)"
set +e
unshare -m --propagation private -- "$PKG_DIR/host-install.sh" "$tree" "$run" "$ver" 2>&1 |
	tee "$run/host.txt"
hrc=${PIPESTATUS[0]}
set -e
cp "$run/host.txt" "$run/steps.txt"
t1=$(date +%s)
if [ "$hrc" -ne 0 ] || [ ! -s "$run/root.img" ]; then
	echo "FAIL packaged guest $ver: the host install did not make the guest's disk; prepare $(fmt_min $((t1 - t0)))"
	summary
	exit 1
fi
_bvm_rm "$run/root" && rm -rf "$run/upper" "$run/work" ||
	vm_log "could not remove $run/root, upper, work (left for a look)"

# The guest's repository disk: the repository (the upgrade is installed
# from it) plus the test, the host's file list and what the host recorded.
cp "$PKG_DIR/guest-test.sh" "$PKG_DIR/checks.sh" "$repo/"
echo "$ver" >"$repo/kernel"
size=$(du -sm "$repo" | cut -f1)
truncate -s $((size * 2 + 64))M "$run/repo.img"
mkfs.ext4 -q -L blksnap-repo -d "$repo" "$run/repo.img"

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

# Disks: vda the root the host installed into (this run's own image),
# vdb snapshot storage, vdc backup target (the root disk's size and 64 MiB
# for the blksnap area past the copy, where a device DEST keeps its
# restore points; sparse), vdd the repository.
truncate -s 1G "$run/storage.img"
truncate -s $(( $(stat -c %s "$run/root.img") + (64 << 20) )) "$run/backup.img"
t2=$(date +%s)
vm_log "prepared in $((t2 - t0)) s; booting $ver (TCG)"
timeout -k 10 1500 qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -m 2048 -smp "${BLKSNAP_VM_SMP:-1}" \
	-display none -monitor none -no-reboot -nic none \
	-serial "file:$run/console.log" \
	-kernel "$(vm_kernel_dir "$ver")/vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet loglevel=4" \
	-drive "file=$run/root.img,if=virtio,format=raw,cache=unsafe" \
	-drive "file=$run/storage.img,if=virtio,format=raw,cache=unsafe" \
	-drive "file=$run/backup.img,if=virtio,format=raw,cache=unsafe" \
	-drive "file=$run/repo.img,if=virtio,format=raw,cache=unsafe,readonly=on" \
	</dev/null >"$run/qemu.log" 2>&1 || true
t3=$(date +%s)
tr -d '\r' <"$run/console.log" >"$run/console.txt"
sed -n '/^BLKSNAP-PKG-BEGIN/,/^BLKSNAP-PKG-END/{/^BLKSNAP-PKG-/d;p}' "$run/console.txt" |
	tee -a "$run/steps.txt"
times="prepare $(fmt_min $((t2 - t0))), guest $(fmt_min $((t3 - t2))), total $(fmt_min $((t3 - t0)))"
if ! grep -q '^BLKSNAP-PKG-RESULT: ' "$run/console.txt"; then
	echo "the guest did not finish; last console lines:"
	tail -n 40 "$run/console.txt"
	echo "  FAIL the guest finished its steps" | tee -a "$run/steps.txt"
fi
if grep -q '^BLKSNAP-PKG-RESULT: PASS' "$run/console.txt" && [ "$(count FAIL)" -eq 0 ]; then
	# The disks go (the root is 3 GiB sparse); console and logs stay.  A
	# failed run keeps them for a look.
	rm -f "$run/root.img" "$run/backup.img" "$run/storage.img" "$run/repo.img"
	echo "PASS packaged guest $ver: $times"
	summary
	exit 0
fi
echo "FAIL packaged guest $ver: $times (console: $run/console.txt)"
summary
exit 1

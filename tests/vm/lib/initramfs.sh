# SPDX-License-Identifier: GPL-2.0
# Builds a guest initramfs for one kernel: busybox plus the drivers needed
# to reach the 9p root (virtio PCI, virtio block, 9p over virtio).  Which
# of them are modules, their dependencies and their order come from the
# kernel's own modules.dep via modprobe --show-depends.  Sourced.

VM_INITRD_MODULES="virtio_pci virtio_blk 9pnet_virtio 9p"

# initramfs_build VER -> prints the initramfs path
initramfs_build() {
	local ver=$1 kdir root out stage line mod tmp
	kdir=$(vm_kernel_dir "$ver")
	root=$kdir/modules
	out=$kdir/initramfs.cpio.gz
	if [ -f "$out" ] && [ "$out" -nt "$VM_DIR/guest/init" ]; then
		printf '%s\n' "$out"
		return 0
	fi
	command -v busybox >/dev/null || vm_die "busybox is missing; run 'make deps'"

	stage=$(mktemp -d "${TMPDIR:-/tmp}/blksnap-initrd.XXXXXX")
	mkdir -p "$stage"/{bin,dev,proc,sys,newroot,modules}
	cp "$(command -v busybox)" "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh"
	cp "$VM_DIR/guest/init" "$stage/init"
	chmod 755 "$stage/init"

	: > "$stage/modules/order"
	for mod in $VM_INITRD_MODULES; do
		modprobe --show-depends -d "$root" -S "$ver" "$mod" 2>/dev/null ||
			vm_die "$ver: module $mod not found under $root"
	done | while read -r kind line _; do
		# "builtin NAME" needs nothing; "insmod PATH" is copied
		# uncompressed, since busybox insmod may not read .xz/.zst.
		[ "$kind" = insmod ] || continue
		mod=$(basename "$line")
		mod=${mod%.xz}
		mod=${mod%.zst}
		mod=${mod%.gz}
		grep -qx "$mod" "$stage/modules/order" && continue
		case $line in
		*.xz) xz -dc "$line" > "$stage/modules/$mod" ;;
		*.zst) zstd -qdc "$line" > "$stage/modules/$mod" ;;
		*.gz) gzip -dc "$line" > "$stage/modules/$mod" ;;
		*) cp "$line" "$stage/modules/$mod" ;;
		esac
		echo "$mod" >> "$stage/modules/order"
	done

	# Two guests of one kernel (1 and 2 vCPUs) may build it at once: each
	# writes its own file, and the rename makes either one whole.
	tmp=$out.$BASHPID
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$tmp"
	mv "$tmp" "$out" || return 1
	rm -rf "$stage"
	printf '%s\n' "$out"
}

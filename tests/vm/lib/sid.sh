# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016
#
# Kernels from Debian sid (7.2.13+deb14-amd64): their headers need gcc-16 and
# a newer libc than bookworm's, so headers, builds and package handling run
# in a debootstrapped sid chroot at $BLKSNAP_VM_CACHE/sid-chroot.  Sourced:
#
#   source tests/vm/lib/sid.sh          (also sources host.sh beside it)
#   sid_chroot_ensure
#   sid_run CMD [ARGS...]               stdin/stdout/stderr are CMD's own
#   sid_kernel_fetch   VER              -> $BLKSNAP_VM_CACHE/kernels/VER/...
#   sid_kernel_headers VER              -> prints the in-chroot KDIR
#   sid_kernel_newer_abi VER            -> a newer ABI of VER's series, if any
#   sid_module_build   VER SRCDIR OUTDIR [make args...]
#
# Same conventions, cache layout and knobs as host.sh (read its header).
# The host's apt sources are never touched: the sid suite lives only in the
# chroot's own /etc/apt.

_sid_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=host.sh
source "$_sid_lib_dir/host.sh"

SID_MIRROR=${SID_MIRROR:-http://deb.debian.org/debian}
# Bump when the chroot recipe changes: an older chroot is then rebuilt.
_SID_RECIPE=2
# sparse: scripts/check-static.sh runs it on sid kernels too.
_SID_PACKAGES=(make kmod sparse)

_sid_root() { printf '%s/sid-chroot\n' "$(_bvm_cache)"; }
_sid_stamp_ok() {
	local root=${1:-$(_sid_root)}
	[[ -f $root/.blksnap-chroot-stamp ]] &&
		grep -qx "recipe=$_SID_RECIPE" "$root/.blksnap-chroot-stamp"
}

# _sid_exec ROOT CMD...: run CMD chrooted in ROOT, in a private mount
# namespace that has /proc and /dev mounted.  The mounts belong to that
# namespace only: the host never sees them and they vanish when CMD exits,
# whatever way it exits (error, signal, SIGKILL), so there is nothing to
# unmount and concurrent calls do not interfere.  The environment is reset
# (use `env VAR=val CMD` to pass variables).
_sid_exec() {
	local root=$1
	shift
	unshare --mount --propagation private -- /bin/bash -c '
		r=$1; shift
		mount -t proc -o nosuid,nodev,noexec proc "$r/proc" || exit 125
		mount --rbind /dev "$r/dev" || exit 125
		exec chroot "$r" /usr/bin/env -i \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
	' _sid_exec "$root" "$@"
}

# _sid_apt ROOT ARGS...: apt-get in the chroot, unattended, output to stderr.
_sid_apt() {
	local root=$1
	shift
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	_sid_exec "$root" env DEBIAN_FRONTEND=noninteractive \
		apt-get -q "${_bvm_apt_opts[@]}" "$@" </dev/null >&2
}

# _sid_download ROOT DIR PKG...: apt-get download into DIR (chroot path).
_sid_download() {
	local root=$1 dir=$2
	shift 2
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	_sid_exec "$root" sh -c 'cd "$1" && shift && exec "$@"' _ "$dir" \
		apt-get -q "${_bvm_apt_opts[@]}" download "$@" </dev/null >&2
}

_sid_apt_has() {
	local p
	p=$(_sid_exec "$1" apt-cache policy "$2" </dev/null 2>/dev/null) || return 1
	[[ $p == *$'\n  Candidate: '[!\(]* ]]
}

# _sid_pkg_ok ROOT PKG: is PKG fully installed in the chroot?
_sid_pkg_ok() {
	local st
	[[ -d $1/var/lib/dpkg ]] || return 1
	st=$(_sid_exec "$1" dpkg-query -W -f='${Status}' "$2" </dev/null 2>/dev/null) || return 1
	[[ $st == "install ok installed" ]]
}

# _sid_dpkg_recover ROOT: finish what a killed earlier run left
# half-installed (`dpkg --configure -a`).  apt runs dpkg in a session of its
# own, so killing our process group can leave that dpkg running on for a
# while, holding the lock: wait for it (up to 10 minutes).
_sid_dpkg_recover() {
	local root=$1 i
	for ((i = 0; i < 300; i++)); do
		if _sid_exec "$root" env DEBIAN_FRONTEND=noninteractive dpkg --configure -a </dev/null >&2 2>/dev/null; then
			return 0
		fi
		((i == 0)) && _bvm_log "dpkg in the chroot is busy or was interrupted; waiting for it"
		sleep 2
	done
	_bvm_log "WARNING: dpkg --configure -a in the chroot kept failing"
	return 1
}

# _sid_apt_ensure_known ROOT PKG: `apt-get update` in the chroot if PKG is unknown.
_sid_apt_ensure_known() {
	_sid_apt_has "$1" "$2" && return 0
	_bvm_log "sid chroot apt does not know $2; running apt-get update"
	_sid_apt "$1" update || return 1
	_sid_apt_has "$1" "$2" || { _bvm_log "ERROR: package $2 not found in sid"; return 1; }
}

# sid_chroot_ensure
# Create the sid chroot if it is missing or incomplete.  Prints nothing on
# stdout.
sid_chroot_ensure() (
	root=$(_sid_root)
	_sid_stamp_ok "$root" && exit 0
	cache=$(_bvm_cache)
	mkdir -p "$cache" || _bvm_die "cannot create $cache"
	_bvm_lock sid-chroot
	_sid_stamp_ok "$root" && exit 0
	t0=$SECONDS
	if ! command -v debootstrap >/dev/null 2>&1; then
		_bvm_lock host-apt
		_bvm_log "installing debootstrap on the host"
		_bvm_host_apt_ensure_known debootstrap || _bvm_die "debootstrap not available"
		_bvm_host_apt install -y --no-install-recommends debootstrap || _bvm_die "cannot install debootstrap"
	fi
	part=$cache/.sid-chroot.partial
	_bvm_rm "$part" || _bvm_die "cannot remove stale $part"
	trap '_bvm_rm "$part"' EXIT
	_bvm_log "debootstrap sid into $part (mirror $SID_MIRROR)"
	# Own mount namespace: mounts debootstrap makes in the target cannot
	# outlive it, so removing a failed partial tree is safe.
	unshare --mount --propagation private -- \
		debootstrap --variant=minbase --merged-usr sid "$part" "$SID_MIRROR" </dev/null >&2 ||
		_bvm_die "debootstrap failed (log: $part/debootstrap/debootstrap.log if kept)"
	t1=$SECONDS
	cat >"$part/etc/apt/apt.conf.d/99blksnap" <<-'EOF' || _bvm_die "cannot write apt config"
		// blksnap VM tests: the mirror serves dated snapshots, so Release
		// files look expired.
		Acquire::Check-Valid-Until "false";
		Acquire::Check-Date "false";
		APT::Install-Recommends "false";
		APT::Install-Suggests "false";
		Acquire::Languages "none";
	EOF
	printf '#!/bin/sh\nexit 101\n' >"$part/usr/sbin/policy-rc.d" && chmod 755 "$part/usr/sbin/policy-rc.d"
	printf 'deb %s sid main\n' "$SID_MIRROR" >"$part/etc/apt/sources.list"
	_sid_apt "$part" update || _bvm_die "apt-get update in the chroot failed"
	_sid_apt "$part" install -y "${_SID_PACKAGES[@]}" || _bvm_die "cannot install ${_SID_PACKAGES[*]} in the chroot"
	_sid_apt "$part" clean || true
	mkdir -p "$part/build"
	printf 'recipe=%s\nmirror=%s\ndate=%s\n' "$_SID_RECIPE" "$SID_MIRROR" \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$part/.blksnap-chroot-stamp"
	_bvm_rm "$root" || _bvm_die "cannot remove old $root"
	mv -T "$part" "$root" || _bvm_die "cannot move $part to $root"
	trap - EXIT
	_bvm_log "sid chroot ready in $root ($((SECONDS - t0)) s; debootstrap $((t1 - t0)) s)"
)

# sid_run CMD [ARGS...]
# Run CMD inside the sid chroot (created first if needed) with /proc and
# /dev mounted in a private mount namespace (see _sid_exec).  Environment is
# reset to PATH, HOME=/root, LANG=C.UTF-8.  Returns CMD's exit status; 125 if
# the mounts failed.
sid_run() (
	[[ $# -ge 1 ]] || _bvm_die "usage: sid_run CMD [ARGS...]"
	sid_chroot_ensure || exit 1
	_sid_exec "$(_sid_root)" "$@"
)

# sid_kernel_newer_abi VER
# host_kernel_newer_abi (host.sh) with the chroot's apt, as its lists were
# last updated: cheap, no update.  Prints nothing if the chroot does not
# exist yet (it is not built for this).
sid_kernel_newer_abi() (
	ver=${1:?usage: sid_kernel_newer_abi VER}
	_sid_stamp_ok || exit 0
	_bvm_newer_abi "$ver" _sid_exec "$(_sid_root)"
)

# sid_kernel_headers VER
# Ensure linux-headers-VER in the chroot; print the KDIR as seen inside the
# chroot (/usr/src/linux-headers-VER, or /lib/modules/VER/build if that is
# what exists).  Host path: $(_sid_root)<KDIR>.
sid_kernel_headers() (
	ver=${1:?usage: sid_kernel_headers VER}
	sid_chroot_ensure || exit 1
	root=$(_sid_root)
	if ! _sid_pkg_ok "$root" "linux-headers-$ver"; then
		_bvm_lock sid-apt
		if ! _sid_pkg_ok "$root" "linux-headers-$ver"; then
			t0=$SECONDS
			_bvm_log "installing linux-headers-$ver in the sid chroot"
			_sid_dpkg_recover "$root" || true
			_sid_apt_ensure_known "$root" "linux-headers-$ver" || _bvm_die "linux-headers-$ver not available"
			if ! _sid_apt "$root" install -y "linux-headers-$ver"; then
				_bvm_log "install failed; apt-get update and retry once"
				_sid_apt "$root" update || _bvm_die "apt-get update in the chroot failed"
				_sid_apt "$root" install -y "linux-headers-$ver" ||
					_bvm_die "apt-get install linux-headers-$ver in the chroot failed"
			fi
			_sid_apt "$root" clean || true
			_bvm_log "linux-headers-$ver installed in the chroot ($((SECONDS - t0)) s)"
		fi
	fi
	for k in "/usr/src/linux-headers-$ver" "/lib/modules/$ver/build"; do
		if [[ -f $root$k/Makefile ]]; then
			echo "$k"
			exit 0
		fi
	done
	_bvm_die "linux-headers-$ver installed but no Makefile found in the chroot"
)

# sid_kernel_fetch VER
# Ensure $BLKSNAP_VM_CACHE/kernels/VER/{vmlinuz,modules/lib/modules/VER,stamp}
# from sid.  Downloads linux-image-VER plus the packages of that kernel it
# depends on (7.2: linux-binary-VER has the vmlinuz, linux-modules-VER the
# modules), extracts them in the chroot, depmods with the host's kmod (the
# guest runs the host's userspace) and falls back to the chroot's.  Prints
# nothing on stdout.
sid_kernel_fetch() (
	ver=${1:?usage: sid_kernel_fetch VER}
	_bvm_kernel_ready "$ver" && exit 0
	sid_chroot_ensure || exit 1
	cache=$(_bvm_cache)
	root=$(_sid_root)
	mkdir -p "$cache/kernels" || _bvm_die "cannot create $cache/kernels"
	_bvm_lock "kernel-$ver"
	_bvm_kernel_ready "$ver" && exit 0
	_bvm_kernel_clean_partials "$ver"
	t0=$SECONDS
	_bvm_log "fetching kernel $ver (sid)"
	w=/build/kfetch-$ver
	stage=$(mktemp -d "$cache/kernels/.$ver.partial.XXXXXX") || _bvm_die "mktemp failed"
	trap '_bvm_rm "$stage"; _bvm_rm "$root$w"' EXIT
	_bvm_rm "$root$w" || _bvm_die "cannot clean $root$w"
	mkdir -p "$root$w/debs" "$root$w/x" "$stage/modules/lib/modules" || _bvm_die "mkdir failed"
	_sid_apt_ensure_known "$root" "linux-image-$ver" || _bvm_die "linux-image-$ver not in sid"
	if ! _sid_download "$root" "$w/debs" "linux-image-$ver"; then
		_bvm_log "download failed; apt-get update in the chroot and retry once"
		_sid_apt "$root" update || _bvm_die "apt-get update in the chroot failed"
		_sid_download "$root" "$w/debs" "linux-image-$ver" || _bvm_die "apt-get download linux-image-$ver failed"
	fi
	# The image package's dependencies on other packages of the same
	# kernel release (linux-binary-VER, linux-modules-VER, ...).
	deps=$(_sid_exec "$root" sh -c 'dpkg-deb -f "$1"/linux-image-*.deb Depends' _ "$w/debs" </dev/null |
		tr ',|' '\n\n' | sed 's/^ *//; s/ .*//' | grep -E "^linux-[a-z0-9-]+-$(printf '%s' "$ver" | sed 's/[.+]/\\&/g')\$" | sort -u) || true
	if [[ -n $deps ]]; then
		_bvm_log "linux-image-$ver depends on: ${deps//$'\n'/ }"
		# shellcheck disable=SC2086
		_sid_download "$root" "$w/debs" $deps || _bvm_die "apt-get download $deps failed"
	fi
	_sid_exec "$root" sh -c '
		set -e
		for d in "$1"/debs/*.deb; do
			dpkg-deb -x "$d" "$1/x"
			echo "$(dpkg-deb -f "$d" Package) $(dpkg-deb -f "$d" Version)" >>"$1/packages"
		done' _ "$w" </dev/null >&2 || _bvm_die "dpkg-deb -x failed"
	cp "$root$w/packages" "$stage/packages"
	x=$root$w/x
	vml=
	for c in "$x/boot/vmlinuz-$ver" "$x/usr/lib/modules/$ver/vmlinuz" "$x/lib/modules/$ver/vmlinuz"; do
		if [[ -f $c && ! -L $c ]]; then vml=$c; break; fi
	done
	[[ -n $vml ]] || _bvm_die "no vmlinuz for $ver in $(paste -sd' ' "$stage/packages")"
	cp "$vml" "$stage/vmlinuz"
	for f in config System.map; do
		for c in "$x/boot/$f-$ver" "$x/usr/lib/modules/$ver/$f"; do
			if [[ -f $c ]]; then cp "$c" "$stage/$f"; break; fi
		done
	done
	m=$stage/modules/lib/modules/$ver
	# Merge both possible locations (7.2 packages use usr/lib/modules only).
	for d in "$x/usr/lib/modules/$ver" "$x/lib/modules/$ver"; do
		[[ -d $d && ! -L $d ]] || continue
		if [[ ! -e $m ]]; then
			mv -T "$d" "$m" || _bvm_die "cannot move $d"
		else
			cp -a "$d/." "$m/" || _bvm_die "cannot copy $d"
		fi
	done
	mkdir -p "$m"
	rm -f "$m/vmlinuz" "$m/config" "$m/System.map"
	[[ -d $m/kernel ]] || _bvm_die "no modules (kernel/ dir) for $ver in $(paste -sd' ' "$stage/packages")"
	if ! _bvm_depmod_host "$stage/modules" "$ver"; then
		_bvm_log "host depmod cannot handle $ver; running the chroot's depmod"
		rm -f "$m"/modules.*.bin "$m"/modules.dep "$m"/modules.alias "$m"/modules.symbols \
			"$m"/modules.softdep "$m"/modules.devname "$m"/modules.weakdep
		mkdir -p "$root$w/stage/lib/modules"
		mv "$m" "$root$w/stage/lib/modules/$ver"
		_sid_exec "$root" depmod -b "$w/stage" "$ver" </dev/null >&2 || _bvm_die "chroot depmod failed"
		mv "$root$w/stage/lib/modules/$ver" "$m"
	fi
	_bvm_rm "$root$w"
	_bvm_kernel_install "$ver" "$stage" || _bvm_die "cannot install kernel $ver into the cache"
	trap - EXIT
	_bvm_log "kernel $ver ready in $cache/kernels/$ver ($((SECONDS - t0)) s)"
)

# sid_module_build VER SRCDIR OUTDIR [extra make args...]
# Ensure linux-headers-VER in the chroot, copy SRCDIR (without build
# products) to /build/<name>-VER in the chroot, run
#   make -C /build/<name>-VER KDIR=<kdir> W=1 -jN [extra make args...]
# there with the chroot's compiler, copy the *.ko to OUTDIR, check the
# compiler against the kernel's.  Build output: stderr and OUTDIR/build.log.
# Non-zero on failure (no *.ko left in OUTDIR then).  SRCDIR is never written.
sid_module_build() (
	[[ $# -ge 3 ]] || _bvm_die "usage: sid_module_build VER SRCDIR OUTDIR [make args...]"
	ver=$1 src=$2 out=$3
	shift 3
	[[ -d $src ]] || _bvm_die "no source dir $src"
	kdir=$(sid_kernel_headers "$ver") || _bvm_die "no headers for $ver"
	root=$(_sid_root)
	mkdir -p "$out" || _bvm_die "cannot create $out"
	out=$(realpath "$out")
	rm -f "$out"/*.ko
	name=$(basename "$(realpath "$src")")
	# A directory of this build's own: two builds at once must not share one.
	mkdir -p "$root/build" || _bvm_die "cannot create $root/build"
	b=$(mktemp -d "$root/build/$name-$ver.XXXXXX") || _bvm_die "mktemp in the chroot failed"
	b=${b#"$root"}
	trap '_bvm_rm "$root$b"' EXIT
	_bvm_copy_src "$src" "$root$b" || _bvm_die "cannot copy $src into the chroot"
	t0=$SECONDS
	_bvm_log "building $src for $ver (KDIR=$kdir) in the sid chroot at $b"
	_bvm_run_make "$out/build.log" _sid_exec "$root" make -C "$b" KDIR="$kdir" W=1 \
		-j"${BLKSNAP_VM_JOBS:-$(nproc)}" "$@" || _bvm_die "module build for $ver failed"
	_bvm_collect_ko "$root$b" "$out" || _bvm_die "no module built"
	_bvm_cc_check "$root$kdir" "$root$b" _sid_exec "$root" ||
		{ rm -f "$out"/*.ko; _bvm_die "compiler mismatch for $ver"; }
	_bvm_log "module build for $ver done ($((SECONDS - t0)) s)"
)

# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Debian kernels built with the host toolchain (bookworm: 6.1.0-57-amd64,
# 6.12.117+deb12-amd64): fetch them for VM tests, build out-of-tree modules
# against their headers.  Meant to be sourced:
#
#   source tests/vm/lib/host.sh
#   host_kernel_fetch   VER                 -> $BLKSNAP_VM_CACHE/kernels/VER/...
#   host_kernel_headers VER                 -> prints KDIR on stdout
#   host_module_build   VER SRCDIR OUTDIR [make args...]
#   host_kernel_newer_abi VER               -> a newer ABI of VER's series, if any
#   host_kernel_headers_arm64 VER           -> prints the arm64 KDIR (cross builds)
#
# Cache root: $BLKSNAP_VM_CACHE, default ${XDG_CACHE_HOME:-$HOME/.cache}/blksnap-vm.
# A fetched kernel looks like this (same for sid.sh):
#   kernels/VER/vmlinuz
#   kernels/VER/config                      (if the package ships one)
#   kernels/VER/modules/lib/modules/VER/    (depmod -b done)
#   kernels/VER/stamp                       (written last; the dir is complete)
#
# Conventions for every public function here and in sid.sh:
#   - runs in a subshell (body in parentheses), so it never changes the
#     caller's shell options, traps, cwd or variables;
#   - checks its steps explicitly, so it also fails correctly when called in an
#     `if`/`||` context where bash ignores `set -e`;
#   - prints progress and tool output on stderr; stdout carries only what the
#     function documents (host_kernel_headers: the KDIR);
#   - reads no stdin (apt and dpkg get </dev/null); needs root;
#   - is idempotent: a complete result is recognised by its stamp and reused;
#     partial results of an interrupted run are removed and redone.
#
# Environment knobs (all optional):
#   BLKSNAP_VM_CACHE      cache root (see above)
#   BLKSNAP_VM_QUIET=1    do not stream make output to stderr; the log is kept
#                         in OUTDIR/build.log and shown only on failure
#   BLKSNAP_VM_JOBS=N     make -jN (default: nproc)

# ---------------------------------------------------------------- helpers ---
# Shared with sid.sh (which sources this file).  Prefix _bvm_.

_bvm_log() { printf '[blksnap-vm] %s\n' "$*" >&2; }

# Only for use inside a subshell-bodied function: ends that function.
_bvm_die() { _bvm_log "ERROR: $*"; exit 1; }

_bvm_cache() {
	printf '%s\n' "${BLKSNAP_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/blksnap-vm}"
}

# _bvm_lock NAME: take an exclusive lock held until the calling subshell exits.
_bvm_lock() {
	local cache lockdir fd
	cache=$(_bvm_cache)
	lockdir=$cache/.locks
	mkdir -p "$lockdir" || _bvm_die "cannot create $lockdir"
	exec {fd}>"$lockdir/$1.lock" || _bvm_die "cannot open lock $1"
	if ! flock -n "$fd"; then
		_bvm_log "waiting for lock $1 (another run is busy with it)"
		flock "$fd" || _bvm_die "cannot lock $1"
	fi
}

# _bvm_rm DIR: remove a (partial) directory, refusing if anything is mounted
# below it (a leftover bind mount of /dev or /proc must never be rm -rf'ed).
_bvm_rm() {
	local d=$1
	[[ -e $d || -L $d ]] || return 0
	if findmnt -rn -o TARGET | awk -v p="$(realpath -m "$d")/" 'index($0"/", p) == 1 { found = 1 } END { exit !found }'; then
		_bvm_log "ERROR: refusing to remove $d: something is mounted below it:"
		findmnt -rn -o TARGET | grep -F "$(realpath -m "$d")" >&2 || true
		return 1
	fi
	rm -rf --one-file-system -- "$d"
}

_bvm_apt_opts=(-o APT::Sandbox::User=root -o DPkg::Lock::Timeout=600
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

# _bvm_host_apt ARGS...: apt-get on the host, unattended.  Headers may pull
# in their kernel image; INITRD=No keeps its postinst from spending minutes
# on an initramfs the host never boots (the guests use their own).
_bvm_host_apt() {
	INITRD=No DEBIAN_FRONTEND=noninteractive apt-get -q "${_bvm_apt_opts[@]}" "$@" </dev/null >&2
}

# Does the host's apt know package $1 (a version candidate exists)?
_bvm_host_apt_has() {
	local p
	p=$(apt-cache policy "$1" 2>/dev/null) || return 1
	[[ $p == *$'\n  Candidate: '[!\(]* ]]
}

# _bvm_host_apt_ensure_known PKG: run `apt-get update` once if PKG is unknown.
_bvm_host_apt_ensure_known() {
	_bvm_host_apt_has "$1" && return 0
	_bvm_log "host apt does not know $1; running apt-get update"
	_bvm_host_apt update || return 1
	_bvm_host_apt_has "$1" || { _bvm_log "ERROR: package $1 not found in the host's apt sources"; return 1; }
}

# _bvm_copy_src SRCDIR DSTDIR: fresh copy of a module source tree without
# Kbuild build products (and without DSTDIR itself if it lies inside SRCDIR).
_bvm_copy_src() {
	local src dst rel
	src=$(realpath -e "$1") || return 1
	dst=$(realpath -m "$2")
	local -a ex=(--exclude=.git --exclude='*.o' --exclude='*.ko' --exclude='*.ko.*'
		--exclude='*.mod' --exclude='*.mod.c' --exclude='*.cmd' --exclude='*.a'
		--exclude='*.dwo' --exclude='*.symvers' --exclude=modules.order
		--exclude=.tmp_versions --exclude=.cache.mk --exclude='*.tmp')
	case $dst/ in
	"$src"/*) rel=${dst#"$src"/}; ex+=(--exclude="./${rel%%/*}") ;;
	esac
	_bvm_rm "$dst" || return 1
	mkdir -p "$dst" || return 1
	tar -C "$src" "${ex[@]}" -cf - . | tar -C "$dst" -xf - || return 1
}

# _bvm_run_make LOG CMD...: run a build command, stdout+stderr to LOG and
# (unless BLKSNAP_VM_QUIET=1) to our stderr; on failure show the log.
_bvm_run_make() {
	local log=$1 rc=0
	shift
	if [[ ${BLKSNAP_VM_QUIET:-0} == 1 ]]; then
		"$@" >"$log" 2>&1 </dev/null || rc=$?
		if ((rc)); then
			_bvm_log "build failed (exit $rc); output follows ($log):"
			cat "$log" >&2
		fi
	else
		{ "$@" </dev/null 2>&1 || echo "__BVM_RC=$?"; } | tee "$log" >&2
		rc=$(sed -n 's/^__BVM_RC=//p' "$log")
		rc=${rc:-0}
		sed -i '/^__BVM_RC=/d' "$log"
		((rc)) && _bvm_log "build failed (exit $rc); full output above and in $log"
	fi
	return "$rc"
}

# _bvm_collect_ko BUILDDIR OUTDIR: copy BUILDDIR/*.ko to OUTDIR.
_bvm_collect_ko() {
	local b=$1 o=$2 n=0 f
	for f in "$b"/*.ko; do
		[[ -f $f ]] || continue
		cp -f -- "$f" "$o/" || return 1
		_bvm_log "built $o/${f##*/}"
		n=$((n + 1))
	done
	((n)) || { _bvm_log "ERROR: make succeeded but no *.ko in $b"; return 1; }
}

# _bvm_cc_check KDIR_FS BUILDDIR RUNNER...: check that the compiler Kbuild
# actually used for the objects in BUILDDIR (first word of a saved compile
# command) is the one the kernel was built with (CONFIG_CC_VERSION_TEXT in
# KDIR_FS/include/config/auto.conf or .config).  RUNNER... is a command
# prefix to run that compiler (empty on the host, sid_run for the chroot).
# Debian's headers set DEBIAN_KERNEL_NO_CC_VERSION_CHECK, so Kbuild itself
# does not warn.  The program name is ignored (gcc-12 vs
# x86_64-linux-gnu-gcc-12); the rest ("(Debian 12.2.0-14+deb12u1) 12.2.0")
# is compared.  Different major version: error.  Same major, different
# text: warning.
_bvm_cc_check() {
	local kdir=$1 bdir=$2 want cc have f
	shift 2
	want=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$kdir/include/config/auto.conf" 2>/dev/null) || want=
	[[ -n $want ]] || want=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$kdir/.config" 2>/dev/null) || want=
	want=${want%%$'\n'*}
	if [[ -z $want ]]; then
		_bvm_log "compiler check: no CONFIG_CC_VERSION_TEXT in $kdir; skipped"
		return 0
	fi
	cc=
	for f in "$bdir"/.*.o.cmd; do
		[[ -f $f ]] || continue
		case $f in *.mod.o.cmd) continue ;; esac
		# A compile command (" -c "), not e.g. the `ld -r` of a composite object.
		cc=$(sed -n '/^\(saved\)\{0,1\}cmd_[^ ]* := .* -c /{s/^[^ ]* := *\([^ ]*\).*/\1/p;}' "$f") || cc=
		cc=${cc%%$'\n'*}
		[[ -n $cc ]] && break
	done
	if [[ -z $cc ]]; then
		_bvm_log "compiler check: no saved compile command in $bdir; skipped"
		return 0
	fi
	have=$("$@" "$cc" --version </dev/null 2>/dev/null) || have=
	have=${have%%$'\n'*}
	local w=${want#* } h=${have#* }
	local wmaj hmaj
	wmaj=$(awk '{print $NF}' <<<"$want" | cut -d. -f1)
	hmaj=$(awk '{print $NF}' <<<"$have" | cut -d. -f1)
	if [[ $w == "$h" ]]; then
		_bvm_log "compiler check OK: kernel built by '$want'; module built by '$have' ($cc)"
	elif [[ -n $hmaj && $wmaj == "$hmaj" ]]; then
		_bvm_log "compiler check WARNING: same major version but different build: kernel '$want', module '$have' ($cc)"
	else
		_bvm_log "compiler check FAILED: kernel built by '$want', module built by '${have:-<cannot run $cc>}' ($cc)"
		return 1
	fi
}

# _bvm_kernel_install VER STAGE: STAGE holds vmlinuz, [config, System.map]
# and modules/lib/modules/VER with depmod done.  Writes the stamp last and
# renames STAGE to kernels/VER.
_bvm_kernel_install() {
	local ver=$1 stage=$2 final
	final=$(_bvm_cache)/kernels/$ver
	[[ -s $stage/vmlinuz ]] || { _bvm_log "ERROR: no vmlinuz in $stage"; return 1; }
	[[ -s $stage/modules/lib/modules/$ver/modules.dep ]] || { _bvm_log "ERROR: no modules.dep in $stage"; return 1; }
	{
		echo "version=$ver"
		echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		[[ -f $stage/packages ]] && sed 's/^/package=/' "$stage/packages"
	} >"$stage/stamp.tmp" || return 1
	chmod 755 "$stage" || return 1
	mv "$stage/stamp.tmp" "$stage/stamp" || return 1
	_bvm_rm "$final" || return 1
	mv -T "$stage" "$final" || return 1
}

# _bvm_kernel_clean_partials VER: remove what killed earlier runs left
# (call with the kernel-VER lock held).
_bvm_kernel_clean_partials() {
	local d
	for d in "$(_bvm_cache)/kernels/.$1.partial."*; do
		[[ -e $d ]] || continue
		_bvm_log "removing leftover $d"
		_bvm_rm "$d" || return 1
	done
}

# _bvm_kernel_ready VER: is kernels/VER complete?
_bvm_kernel_ready() {
	local d
	d=$(_bvm_cache)/kernels/$1
	[[ -f $d/stamp && -s $d/vmlinuz && -d $d/modules/lib/modules/$1 ]]
}

# _bvm_depmod_host BASE VER: depmod with the host's kmod, checked.
_bvm_depmod_host() {
	local base=$1 ver=$2 err
	err=$(depmod -b "$base" "$ver" 2>&1 </dev/null) || { _bvm_log "host depmod failed: $err"; return 1; }
	if [[ -n $err ]]; then
		_bvm_log "host depmod said: $err"
		return 1
	fi
	[[ -s $base/lib/modules/$ver/modules.dep && -s $base/lib/modules/$ver/modules.dep.bin ]] || {
		_bvm_log "host depmod produced no modules.dep"
		return 1
	}
}

# ------------------------------------------------------------- public API ---

# host_kernel_fetch VER
# Ensure $BLKSNAP_VM_CACHE/kernels/VER/{vmlinuz,modules/lib/modules/VER,stamp}
# from the host's apt sources (linux-image-VER).  Prints nothing on stdout.
host_kernel_fetch() (
	ver=${1:?usage: host_kernel_fetch VER}
	_bvm_kernel_ready "$ver" && exit 0
	cache=$(_bvm_cache)
	mkdir -p "$cache/kernels" || _bvm_die "cannot create $cache/kernels"
	_bvm_lock "kernel-$ver"
	_bvm_kernel_ready "$ver" && exit 0
	_bvm_kernel_clean_partials "$ver"
	t0=$SECONDS
	_bvm_log "fetching kernel $ver (host apt)"
	stage=$(mktemp -d "$cache/kernels/.$ver.partial.XXXXXX") || _bvm_die "mktemp failed"
	trap '_bvm_rm "$stage"' EXIT
	mkdir -p "$stage/debs" "$stage/x" "$stage/modules/lib/modules"
	_bvm_host_apt_ensure_known "linux-image-$ver" || _bvm_die "linux-image-$ver not available"
	if ! (cd "$stage/debs" && _bvm_host_apt download "linux-image-$ver"); then
		_bvm_log "download failed; apt-get update and retry once"
		_bvm_host_apt update || _bvm_die "apt-get update failed"
		(cd "$stage/debs" && _bvm_host_apt download "linux-image-$ver") ||
			_bvm_die "apt-get download linux-image-$ver failed"
	fi
	for deb in "$stage"/debs/*.deb; do
		dpkg-deb -x "$deb" "$stage/x" || _bvm_die "dpkg-deb -x $deb failed"
		echo "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" >>"$stage/packages"
	done
	x=$stage/x
	if [[ -f $x/boot/vmlinuz-$ver ]]; then
		cp "$x/boot/vmlinuz-$ver" "$stage/vmlinuz"
	elif [[ -f $x/usr/lib/modules/$ver/vmlinuz ]]; then
		cp "$x/usr/lib/modules/$ver/vmlinuz" "$stage/vmlinuz"
	else
		_bvm_die "no vmlinuz in linux-image-$ver (see $stage/packages)"
	fi
	for f in config System.map; do
		if [[ -f $x/boot/$f-$ver ]]; then cp "$x/boot/$f-$ver" "$stage/$f"; fi
	done
	if [[ -d $x/lib/modules/$ver && ! -L $x/lib ]]; then
		mv "$x/lib/modules/$ver" "$stage/modules/lib/modules/$ver"
	elif [[ -d $x/usr/lib/modules/$ver ]]; then
		mv "$x/usr/lib/modules/$ver" "$stage/modules/lib/modules/$ver"
	else
		_bvm_die "no lib/modules/$ver in linux-image-$ver"
	fi
	rm -f "$stage/modules/lib/modules/$ver/vmlinuz"
	_bvm_depmod_host "$stage/modules" "$ver" || _bvm_die "depmod failed for $ver"
	rm -rf "$stage/debs" "$stage/x"
	_bvm_kernel_install "$ver" "$stage" || _bvm_die "cannot install kernel $ver into the cache"
	trap - EXIT
	_bvm_log "kernel $ver ready in $cache/kernels/$ver ($((SECONDS - t0)) s)"
)

# host_kernel_headers VER
# Ensure linux-headers-VER is installed on the host; print the KDIR
# (/lib/modules/VER/build if usable, else /usr/src/linux-headers-VER).
host_kernel_headers() (
	ver=${1:?usage: host_kernel_headers VER}
	if [[ ! -f /usr/src/linux-headers-$ver/Makefile ]]; then
		_bvm_lock host-apt
		if [[ ! -f /usr/src/linux-headers-$ver/Makefile ]]; then
			t0=$SECONDS
			_bvm_log "installing linux-headers-$ver on the host"
			_bvm_host_apt_ensure_known "linux-headers-$ver" || _bvm_die "linux-headers-$ver not available"
			if ! _bvm_host_apt install -y --no-install-recommends "linux-headers-$ver"; then
				_bvm_log "install failed; apt-get update and retry once"
				_bvm_host_apt update || _bvm_die "apt-get update failed"
				_bvm_host_apt install -y --no-install-recommends "linux-headers-$ver" ||
					_bvm_die "apt-get install linux-headers-$ver failed"
			fi
			[[ -f /usr/src/linux-headers-$ver/Makefile ]] ||
				_bvm_die "linux-headers-$ver installed but /usr/src/linux-headers-$ver/Makefile is missing"
			_bvm_log "linux-headers-$ver installed ($((SECONDS - t0)) s)"
		fi
	fi
	if [[ -f /lib/modules/$ver/build/Makefile ]]; then
		echo "/lib/modules/$ver/build"
	else
		echo "/usr/src/linux-headers-$ver"
	fi
)

# host_module_build VER SRCDIR OUTDIR [extra make args...]
# Copy SRCDIR (without build products) to OUTDIR/src, run
#   make -C OUTDIR/src KDIR=<kdir> W=1 -jN [extra make args...]
# there, copy OUTDIR/src/*.ko to OUTDIR, check the compiler against the
# kernel's.  Build output: stderr and OUTDIR/build.log.  Non-zero on failure
# (no *.ko is left in OUTDIR then).  SRCDIR is never written to.
host_module_build() (
	[[ $# -ge 3 ]] || _bvm_die "usage: host_module_build VER SRCDIR OUTDIR [make args...]"
	ver=$1 src=$2 out=$3
	shift 3
	[[ -d $src ]] || _bvm_die "no source dir $src"
	kdir=$(host_kernel_headers "$ver") || _bvm_die "no headers for $ver"
	mkdir -p "$out" || _bvm_die "cannot create $out"
	out=$(realpath "$out")
	rm -f "$out"/*.ko
	_bvm_copy_src "$src" "$out/src" || _bvm_die "cannot copy $src to $out/src"
	t0=$SECONDS
	_bvm_log "building $src for $ver (KDIR=$kdir) in $out/src"
	_bvm_run_make "$out/build.log" make -C "$out/src" KDIR="$kdir" W=1 \
		-j"${BLKSNAP_VM_JOBS:-$(nproc)}" "$@" || _bvm_die "module build for $ver failed"
	_bvm_collect_ko "$out/src" "$out" || _bvm_die "no module built"
	_bvm_cc_check "$kdir" "$out/src" || { rm -f "$out"/*.ko; _bvm_die "compiler mismatch for $ver"; }
	_bvm_log "module build for $ver done ($((SECONDS - t0)) s)"
)

# host_kernel_newer_abi VER
# Prints the newest ABI of VER's series that the host's apt sources offer
# (linux-image-*), if it is newer than VER; nothing otherwise.  Series:
# 6.1.0-N-FLAVOUR (N counts) and X.Y.Z+debN-FLAVOUR (Z counts).  apt-cache
# only: no update, no download.
host_kernel_newer_abi() (
	ver=${1:?usage: host_kernel_newer_abi VER}
	_bvm_newer_abi "$ver"
)

# _bvm_newer_abi VER [RUNNER...]: host_kernel_newer_abi with apt-cache run
# through RUNNER... (empty on the host, _sid_exec ROOT for the chroot).
_bvm_newer_abi() {
	local ver=$1 pre abi suf best n
	shift
	if [[ $ver =~ ^([0-9]+\.[0-9]+\.0-)([0-9]+)(-[a-z0-9-]+)$ ]] ||
		[[ $ver =~ ^([0-9]+\.[0-9]+\.)([0-9]+)(\+deb[0-9]+-[a-z0-9-]+)$ ]]; then
		pre=${BASH_REMATCH[1]} abi=${BASH_REMATCH[2]} suf=${BASH_REMATCH[3]}
	else
		return 0
	fi
	best=$abi
	while read -r n; do
		((n > best)) || continue
		# A name apt has heard of is not yet a package it can fetch.
		[[ $("$@" apt-cache policy "linux-image-$pre$n$suf" </dev/null 2>/dev/null) == \
			*$'\n  Candidate: '[!\(]* ]] && best=$n
	done < <("$@" apt-cache pkgnames "linux-image-$pre" </dev/null 2>/dev/null |
		awk -v p="linux-image-$pre" -v s="$suf" \
			'index($0, p) == 1 && substr($0, length($0) - length(s) + 1) == s {
				n = substr($0, length(p) + 1, length($0) - length(p) - length(s))
				if (n ~ /^[0-9]+$/) print n
			}' | sort -n)
	((best > abi)) && echo "$pre$best$suf"
	return 0
}

# _bvm_arm64_apt CMD ARGS...: apt-get or apt-cache (CMD) for arm64
# packages, with an apt state of its own under the cache: the host's dpkg
# architectures and package lists are never changed.  Output on stderr
# (apt-cache's on stdout).
_bvm_arm64_apt() {
	local cmd=$1 d
	shift
	d=$(_bvm_cache)/arm64/apt
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" || return 1
	"$cmd" -q -o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" \
		-o Dir::State::status=/dev/null -o APT::Architecture=arm64 \
		-o APT::Architectures=arm64 -o APT::Sandbox::User=root "$@" </dev/null
}

# host_kernel_headers_arm64 VER
# Debian's arm64 headers of the amd64 kernel VER (6.1.0-57-amd64 ->
# linux-headers-6.1.0-57-arm64), for building modules with
#   make ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- KDIR=<printed KDIR>
# The arm64 package is downloaded and extracted under
# $BLKSNAP_VM_CACHE/arm64/headers/; its -common part (architecture all) and
# its Kbuild host tools (fixdep, modpost: arm64 binaries in the arm64
# linux-kbuild, which cannot run here) are the host's, installed with the
# amd64 headers of VER: the extracted tree's usr/lib/linux-kbuild-X.Y is a
# link to the host's /usr/lib/linux-kbuild-X.Y.  Prints the KDIR.
host_kernel_headers_arm64() (
	ver=${1:?usage: host_kernel_headers_arm64 VER}
	[[ $ver == *-amd64 ]] || _bvm_die "$ver: not an amd64 kernel"
	arm=${ver%-amd64}-arm64
	cache=$(_bvm_cache)
	final=$cache/arm64/headers/$arm
	kdir=$final/usr/src/linux-headers-$arm
	# The amd64 headers bring the -common tree and the host's kbuild.
	host_kernel_headers "$ver" >/dev/null || _bvm_die "no amd64 headers for $ver"
	if [[ ! -f $final/stamp ]]; then
		mkdir -p "$cache/arm64/headers" || _bvm_die "cannot create $cache/arm64/headers"
		_bvm_lock "arm64-headers-$arm"
	fi
	if [[ ! -f $final/stamp ]]; then
		t0=$SECONDS
		for d in "$cache/arm64/headers/.$arm.partial."*; do
			[[ -e $d ]] || continue
			_bvm_log "removing leftover $d"
			_bvm_rm "$d" || _bvm_die "cannot remove $d"
		done
		pkg=linux-headers-$arm
		if ! _bvm_arm64_apt apt-cache show "$pkg" >/dev/null 2>&1; then
			_bvm_log "arm64 apt lists do not know $pkg; apt-get update (arm64 only, in $cache/arm64/apt)"
			_bvm_arm64_apt apt-get update >&2 || _bvm_die "apt-get update for arm64 failed"
		fi
		deps=$(_bvm_arm64_apt apt-cache show --no-all-versions "$pkg" | sed -n 's/^Depends: //p') ||
			_bvm_die "$pkg is not in the host's apt sources for arm64"
		# "linux-kbuild-6.1 (>= 6.1.192-3)" or "linux-kbuild-6.12.117+deb12"
		kb=$(tr ',' '\n' <<<"$deps" | sed -n 's/^ *\(linux-kbuild-[^ ]*\)\( (\(.*\))\)\{0,1\}$/\1 \3/p')
		read -r kbpkg kbop kbver <<<"$kb"
		[[ -n $kbpkg ]] || _bvm_die "$pkg depends on no linux-kbuild: $deps"
		stage=$(mktemp -d "$cache/arm64/headers/.$arm.partial.XXXXXX") || _bvm_die "mktemp failed"
		trap '_bvm_rm "$stage"' EXIT
		(cd "$stage" && _bvm_arm64_apt apt-get download "$pkg" >&2) ||
			_bvm_die "apt-get download $pkg (arm64) failed"
		dpkg-deb -x "$stage"/"$pkg"_*.deb "$stage" || _bvm_die "dpkg-deb -x $pkg failed"
		[[ -f $stage/usr/src/linux-headers-$arm/Makefile ]] ||
			_bvm_die "$pkg has no usr/src/linux-headers-$arm/Makefile"
		# Its Makefile includes /usr/src/linux-headers-<abi>-common/Makefile
		# (the host's); its scripts and tools link to ../../lib/<kbuild>/.
		mkdir -p "$stage/usr/lib" || _bvm_die "cannot create $stage/usr/lib"
		ln -s "/usr/lib/$kbpkg" "$stage/usr/lib/$kbpkg" || _bvm_die "cannot link $kbpkg"
		{
			echo "package=$pkg $(dpkg-deb -f "$stage"/"$pkg"_*.deb Version)"
			echo "kbuild=$kbpkg $kbop $kbver"
			echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		} >"$stage/stamp.tmp" || _bvm_die "cannot write the stamp"
		rm -f "$stage"/*.deb
		mv "$stage/stamp.tmp" "$stage/stamp" || _bvm_die "cannot write the stamp"
		mv -T "$stage" "$final" || _bvm_die "cannot move $stage to $final"
		trap - EXIT
		_bvm_log "arm64 headers of $ver ready in $final ($((SECONDS - t0)) s)"
	fi
	# Checked on every call: the host's kbuild and -common may have
	# changed since the tree was extracted.
	read -r kbpkg kbop kbver < <(sed -n 's/^kbuild=//p' "$final/stamp")
	have=$(dpkg-query -W -f='${Version}' "$kbpkg" 2>/dev/null) ||
		_bvm_die "$kbpkg is not installed on the host (it comes with linux-headers-$ver)"
	if [[ -n $kbop ]] && ! dpkg --compare-versions "$have" "$kbop" "$kbver"; then
		_bvm_die "the arm64 headers need $kbpkg $kbop $kbver; the host has $have"
	fi
	inc=$(sed -n 's/^include \(.*\)$/\1/p' "$kdir/Makefile")
	[[ -f $inc && -x /usr/lib/$kbpkg/scripts/basic/fixdep ]] ||
		_bvm_die "$kdir needs $inc and /usr/lib/$kbpkg/scripts on the host"
	# Same ABI, other revision: still fine to compile against; say so.
	common=${inc#/usr/src/}
	common=${common%%/*}
	want=$(sed -n 's/^package=[^ ]* //p' "$final/stamp")
	have=$(dpkg-query -W -f='${Version}' "$common" 2>/dev/null) || have=
	[[ $have == "$want" ]] ||
		_bvm_log "warning: arm64 headers $want, host's $common ${have:-not from a package}"
	echo "$kdir"
)

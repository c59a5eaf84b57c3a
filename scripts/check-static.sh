#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of the module: a W=1 -Werror build and sparse (C=2) against
# every listed kernel, each with the compiler that built it (a sid kernel in
# the sid chroot), an arm64 cross build against the first kernel's arm64
# headers, the same build against a fake native blkfilter header,
# builds that lack an API group (the build must stop naming it), then
# checkpatch.pl.
# Prints "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# Every make below on all cores (the sid builds get -j on their command line:
# the chroot starts with an empty environment).
export MAKEFLAGS="-j$(nproc)"
. tests/vm/lib/common.sh
. tests/vm/lib/sid.sh

passed=0
failed=0
result() {
	if [ "$1" -eq 0 ]; then
		passed=$((passed + 1)); echo "PASS $2"
	else
		failed=$((failed + 1)); echo "FAIL $2"
	fi
}

# A kernel's BUILDER is where its compiler runs: on the host, or in the
# sid chroot.  The helpers below hide which.
#   kernel_kdir VER BUILDER   prints the headers' directory as BUILDER sees it
#   module_copy BUILDER       copies module/ to a scratch directory BUILDER
#                             can reach; prints it (a host path)
#   builder_run BUILDER DIR CMD...  runs CMD in DIR (a host path) for BUILDER
kernel_kdir() {
	if [ "$2" = sid ]; then
		sid_kernel_headers "$1"
	else
		host_kernel_headers "$1"
	fi
}

module_copy() {
	local base=${TMPDIR:-/tmp} dir
	[ "$1" = sid ] && base=$(_sid_root)/build
	dir=$(mktemp -d "$base/blksnap-static.XXXXXX") || return 1
	_bvm_copy_src module "$dir/module" || return 1
	echo "$dir"
}

builder_run() {
	local builder=$1 dir=$2
	shift 2
	if [ "$builder" = sid ]; then
		# shellcheck disable=SC2016 # expanded by the inner sh
		_sid_exec "$(_sid_root)" sh -c 'cd "$1" && shift && exec "$@"' _ \
			"${dir#"$(_sid_root)"}" "$@"
	else
		(cd "$dir" && "$@")
	fi
}

while read -r ver builder; do
	kdir=$(kernel_kdir "$ver" "$builder") || { result 1 "$ver: headers"; continue; }
	out=$(module_copy "$builder") || { result 1 "$ver: copy of module/"; continue; }
	hash=$(vm_source_hash "$out/module")
	# One build does both: W=1 with -Werror fails make on a compiler
	# warning, and sparse (C=2) checks each file as it is compiled.
	builder_run "$builder" "$out/module" make -j"$(nproc)" KDIR="$kdir" W=1 \
		BLKSNAP_WERROR=y sparse > "$out/build.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -n 30 "$out/build.log"
	result $rc "$ver: W=1 build without warnings"
	rc=0
	# sparse reports as warnings/errors on stderr without failing make;
	# and Kbuild skips it with only a warning if it thinks it unusable.
	if grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$out/build.log"; then
		rc=1
	elif ! grep -q '^  CHECK ' "$out/build.log"; then
		tail -n 5 "$out/build.log"
		echo "sparse checked no file"
		rc=1
	fi
	result $rc "$ver: sparse clean"
	# Issue 18: the files call each other one way (main, ctl and
	# blksnap_filter above snapshot, tracker, diff_area, the registry).
	# Only over a whole build: a failed one may lack the objects.
	if [ -f "$out/module/blksnap.ko" ]; then
		scripts/module-layers.py "$out/module"
		result $? "$ver: no two module files call each other in a circle"
	else
		result 1 "$ver: no two module files call each other in a circle (the build failed)"
	fi
	# The guests of the VM suite boot this very build (run.sh).
	keep=$(vm_static_ko_dir "$ver")
	rm -rf "$keep"
	if [ $rc -eq 0 ] && [ -f "$out/module/blksnap.ko" ]; then
		mkdir -p "$keep" && cp "$out/module/blksnap.ko" "$keep/" && echo "$hash" > "$keep/source-hash"
	fi
	rm -rf "$out"
done < <(vm_kernel_list)

# arm64: the first listed kernel's Debian arm64 headers, the cross
# compiler, the host's Kbuild tools (tests/vm/lib/host.sh,
# host_kernel_headers_arm64).  arm64 6.1 has DYNAMIC_FTRACE_WITH_REGS but
# not HAVE_DYNAMIC_FTRACE_WITH_ARGS, so the ftrace_regs instruction pointer
# setters are no-ops there: compat/ftrace.h must refuse the build, with that
# reason as the only error.  make -k goes on with every other file, which
# must build W=1 without warnings and sparse clean.  sparse's one known
# complaint about the arm64 headers themselves is left out: percpu.h's
# this_cpu ops expand their 8- and 16-bit cases for every size
# (file_end_write() -> percpu_up_read() -> this_cpu_dec()).
arm64_static() {
	local ver=$1 arm=${1%-amd64}-arm64 kdir out log f missing="" rc
	local refusal='compat/ftrace.h:[0-9]+:[0-9]+: error: #error "blksnap: ftrace here cannot redirect a call \(no HAVE_DYNAMIC_FTRACE_WITH_ARGS\)"'
	local header_noise='/arch/arm64/include/asm/percpu\.h:[0-9]+:[0-9]+: warning: cast truncates bits from constant value'
	[ -n "$ver" ] || { result 1 "arm64: the first listed kernel is not a host one"; return; }
	kdir=$(host_kernel_headers_arm64 "$ver") || { result 1 "$arm: arm64 headers"; return; }
	out=$(module_copy host) || { result 1 "$arm: copy of module/"; return; }
	log=$out/build.log
	(cd "$out/module" && ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		make -k -j"$(nproc)" KDIR="$kdir" W=1 BLKSNAP_WERROR=y sparse) > "$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && [ ! -e "$out/module/blksnap.ko" ] &&
		grep -m 1 -E ': (fatal )?error:' "$log" | grep -qE "$refusal"; then
		rc=0
	else
		tail -n 30 "$log"
		rc=1
	fi
	result $rc "$arm: the build stops: no HAVE_DYNAMIC_FTRACE_WITH_ARGS, the bio hook could not redirect"
	rc=0
	if grep -E ': (fatal )?error:' "$log" | grep -vE "$refusal"; then
		rc=1
	fi
	for f in "$out"/module/*.c; do
		f=$(basename "$f" .c)
		case $f in filter_ftrace|filter_native) continue ;; esac
		[ -f "$out/module/$f.o" ] || missing="$missing $f.o"
	done
	if [ -n "$missing" ]; then
		echo "not built:$missing"
		rc=1
	fi
	if grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$log" |
		grep -vE "$refusal|$header_noise"; then
		rc=1
	elif ! grep -q '^  CHECK ' "$log"; then
		echo "sparse checked no file"
		rc=1
	fi
	result $rc "$arm: every other file builds W=1 without warnings and sparse clean"
	rm -rf "$out"
}
t0=$SECONDS
arm64_static "$(vm_kernel_list | awk 'NR == 1 && $2 == "host" { print $1 }')"
echo "static: the arm64 checks took $((SECONDS - t0)) s"

# selftest VER BUILDER SCRIPT: compat/selftest/SCRIPT KDIR, on a copy of
# module/ where VER is built.
selftest() {
	local kdir out rc
	kdir=$(kernel_kdir "$1" "$2") || return 1
	out=$(module_copy "$2") || return 1
	builder_run "$2" "$out/module" "./compat/selftest/$3" "$kdir"
	rc=$?
	rm -rf "$out"
	return $rc
}

# The native blkfilter probe and build, against a fake header (no kernel
# has one), and builds that lack an API.  The probe and missing-API tests
# on the first kernel; the native build on the first and the newest, to
# keep CI short.
read -r first first_builder < <(vm_kernel_list | head -n 1)
read -r last last_builder < <(vm_kernel_list | tail -n 1)
selftest "$first" "$first_builder" probe-selftest.sh
result $? "compat probe selects the native blkfilter API only when present"
for k in "$first $first_builder" "$last $last_builder"; do
	# shellcheck disable=SC2086
	set -- $k
	selftest "$1" "$2" native-build-selftest.sh
	result $? "$1: module builds on the native blkfilter API instead of ftrace when the probe says so"
done
selftest "$first" "$first_builder" missing-api-selftest.sh
result $? "$first: a kernel without an API the module needs stops the build with its name"

scripts/checkpatch.sh > /tmp/blksnap-checkpatch.log 2>&1
rc=$?
grep -E 'ERROR|WARNING|CHECK' /tmp/blksnap-checkpatch.log
result $rc "checkpatch.pl --strict on module/"

echo "static: $passed passed, $failed failed"
[ $failed -eq 0 ]

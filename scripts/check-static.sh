#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of the module: a W=1 -Werror build and sparse (C=2) against
# every listed kernel, each with the compiler that built it (a sid kernel in
# the sid chroot), the same build against a fake native blkfilter header, builds that lack an API group (the build
# must stop naming it), then checkpatch.pl.
# Prints "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
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

# kmake VER BUILDER DIR ARGS...: make in DIR (a copy of module/) against
# VER's headers with the compiler that built VER: the host's, or the sid
# chroot's for a sid kernel (DIR then lies inside the chroot).
kmake() {
	local ver=$1 builder=$2 dir=$3 kdir
	shift 3
	if [ "$builder" = sid ]; then
		kdir=$(sid_kernel_headers "$ver") || return 1
		_sid_exec "$(_sid_root)" make -C "${dir#"$(_sid_root)"}" KDIR="$kdir" "$@"
	else
		kdir=$(host_kernel_headers "$ver") || return 1
		make -C "$dir" KDIR="$kdir" "$@"
	fi
}

while read -r ver builder; do
	if [ "$builder" = sid ]; then
		sid_kernel_headers "$ver" > /dev/null || { result 1 "$ver: headers"; continue; }
		out=$(_sid_root)/build/static-$ver
	else
		host_kernel_headers "$ver" > /dev/null || { result 1 "$ver: headers"; continue; }
		out=$(mktemp -d "${TMPDIR:-/tmp}/blksnap-static.XXXXXX")
	fi
	_bvm_copy_src module "$out/module"
	kmake "$ver" "$builder" "$out/module" W=1 BLKSNAP_WERROR=y > "$out/build.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -n 30 "$out/build.log"
	result $rc "$ver: W=1 build without warnings"
	kmake "$ver" "$builder" "$out/module" sparse > "$out/sparse.log" 2>&1
	rc=$?
	# sparse reports as warnings/errors on stderr without failing make;
	# and Kbuild skips it with only a warning if it thinks it unusable.
	if grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$out/sparse.log"; then
		rc=1
	elif ! grep -q '^  CHECK ' "$out/sparse.log"; then
		tail -n 5 "$out/sparse.log"
		echo "sparse checked no file"
		rc=1
	fi
	result $rc "$ver: sparse clean"
	rm -rf "$out"
done < <(vm_kernel_list)

# selftest VER BUILDER SCRIPT: runs compat/selftest/SCRIPT KDIR where VER
# is built (on the host, or on a copy of module/ in the sid chroot).
selftest() {
	local ver=$1 builder=$2 script=$3 root rc
	if [ "$builder" = sid ]; then
		root=$(_sid_root)
		_bvm_copy_src module "$root/build/selftest/module" || return 1
		_sid_exec "$root" /build/selftest/module/compat/selftest/"$script" \
			"$(sid_kernel_headers "$ver")"
		rc=$?
		rm -rf "$root/build/selftest"
		return $rc
	fi
	module/compat/selftest/"$script" "$(host_kernel_headers "$ver")"
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

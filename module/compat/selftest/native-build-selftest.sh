#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Proves that the build follows the HAVE_BLK_FILTER probe: against a real
# kernel the module intercepts with ftrace; with the fake native blkfilter
# header it is built on the kernel's blkfilter instead, W=1 and sparse clean,
# and calls no ftrace function.  The native module cannot be loaded (no
# kernel has the API), so the proof is what it links against: modpost lists
# the blkfilter symbols it leaves for the kernel to provide.
# usage: native-build-selftest.sh KDIR      prints "N passed, M failed"
set -eu
kdir=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
native_flags="-I$here/fake-blkfilter-2025 -DCONFIG_BLK_FILTER"
native_syms="blkfilter_register blkfilter_unregister blkfilter_release resubmit_filtered_bio"
ftrace_syms="register_ftrace_function unregister_ftrace_function ftrace_set_filter"

# build DIR FLAGS: a W=1 -Werror build of a copy of module/ into DIR.
build() {
	rm -rf "$1"
	mkdir -p "$1"
	cp -a "$here/../.." "$1/module"
	make -C "$1/module" clean KDIR="$kdir" > /dev/null 2>&1
	make -C "$1/module" KDIR="$kdir" W=1 BLKSNAP_WERROR=y \
		KBUILD_MODPOST_WARN=1 BLKSNAP_SELFTEST_CFLAGS="$2" \
		> "$1/build.log" 2>&1
}

# undefined NAME...: which of NAME the module leaves to the kernel.
undefined() {
	for sym in "$@"; do
		if nm -u "$mod/blksnap.ko" | grep -qw "$sym"; then
			echo "$sym"
		fi
	done
}

# The same module/ both ways.
for mode in ftrace native; do
	mod=$out/$mode/module
	if [ $mode = native ]; then flags=$native_flags; else flags=; fi
	if ! build "$out/$mode" "$flags"; then
		tail -n 20 "$out/$mode/build.log"
		result "${mode}_build_is_w1_clean" "the build failed"
		continue
	fi
	result "${mode}_build_is_w1_clean" ""

	if [ $mode = native ]; then
		want=filter_native.o; unwanted=filter_ftrace.o
		calls=$native_syms; shunned=$ftrace_syms
	else
		want=filter_ftrace.o; unwanted=filter_native.o
		calls=$ftrace_syms; shunned=$native_syms
	fi
	why=
	[ -f "$mod/$want" ] || why="$want not built"
	[ ! -f "$mod/$unwanted" ] || why="$why${why:+; }$unwanted built"
	result "${mode}_build_compiles_only_its_interception" "$why"

	got=$(undefined $calls | tr '\n' ' ')
	[ "$got" = "$(echo $calls) " ] && why= || why="calls only: $got"
	result "${mode}_module_calls_${mode}_api" "$why"
	got=$(undefined $shunned | tr '\n' ' ')
	[ -z "$got" ] && why= || why="also calls: $got"
	result "${mode}_module_calls_nothing_of_the_other" "$why"
done

# sparse over the native build (the normal one is checked by check-static).
if make -C "$out/native/module" KDIR="$kdir" sparse KBUILD_MODPOST_WARN=1 \
	BLKSNAP_SELFTEST_CFLAGS="$native_flags" > "$out/sparse.log" 2>&1; then
	why=$(grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$out/sparse.log" | head -n 5 || true)
else
	why="sparse build failed: $(tail -n 3 "$out/sparse.log")"
fi
result native_build_is_sparse_clean "$why"

finish

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Proves that a kernel lacking every alternative of an API group stops the
# build at the wrapper header, with a message naming the missing API, and
# not somewhere deep in a logic file.  Each case builds a copy of module/
# whose compat/probes/ lacks that group's probes, which is what probe.sh
# sees on such a kernel, and checks that the first error of the build is
# the wrapper's.
# usage: missing-api-selftest.sh KDIR      prints "N passed, M failed"
set -eu
kdir=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# check NAME HEADER MESSAGE PROBE...
check() {
	name=$1 header=$2 message=$3
	shift 3
	dir=$out/$name
	mkdir -p "$dir"
	cp -a "$here/../.." "$dir/module"
	make -C "$dir/module" clean KDIR="$kdir" > /dev/null 2>&1
	for probe in "$@"; do
		rm "$dir/module/compat/probes/$probe.c"
	done
	why=
	if make -C "$dir/module" KDIR="$kdir" W=1 BLKSNAP_WERROR=y \
		> "$dir/build.log" 2>&1; then
		why="the build succeeded without $*"
	else
		first=$(grep -m 1 -E 'error:' "$dir/build.log" || true)
		case $first in
		*"compat/$header:"*"#error"*"$message"*) ;;
		*) why="first error is not compat/$header's: ${first:-none}" ;;
		esac
	fi
	result "$name" "$why"
	if [ -z "$why" ]; then
		echo "  $first"
	else
		tail -n 5 "$dir/build.log"
	fi
	rm -rf "$dir"
}

check build_without_bdev_open_names_it bdev.h \
	"no API to open a block device by number" \
	HAVE_BDEV_FILE_OPEN_BY_DEV HAVE_BDEV_OPEN_BY_DEV \
	HAVE_BLKDEV_GET_BY_DEV_HOLDER_OPS HAVE_BLKDEV_GET_BY_DEV_FMODE
check build_without_disk_alloc_names_it disk.h \
	"no API to allocate a bio-based gendisk" \
	HAVE_BLK_ALLOC_DISK_LIMITS HAVE_BLK_ALLOC_DISK_NODE
check build_without_nonrot_flag_names_it disk.h \
	"no way to mark a disk non-rotational" \
	HAVE_BLK_FEAT_ROTATIONAL HAVE_QUEUE_FLAG_NONROT
check build_without_bdev_freeze_names_it freeze.h \
	"no API to freeze a block device" \
	HAVE_BDEV_FREEZE HAVE_FREEZE_BDEV
check build_without_ftrace_redirect_names_it ftrace.h \
	"no API to redirect a traced call" \
	HAVE_FTRACE_REGS_SET_INSTRUCTION_POINTER \
	HAVE_FTRACE_INSTRUCTION_POINTER_SET

finish

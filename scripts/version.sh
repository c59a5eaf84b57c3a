#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Prints the project version, read from the one place it is kept: the
# project() call in the top-level CMakeLists.txt.  dkms.conf, the DKMS
# source tree name (/usr/src/blksnap-VERSION) and the Debian packages take
# it from here; nothing else may hold a copy to forget.
#   scripts/version.sh           print it
#   scripts/version.sh --check   also fail if module/version.h (the
#                                module's modinfo/ioctl version, a C header
#                                that cannot read CMake) or the upstream part
#                                of debian/changelog's newest entry differ
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
v=$(sed -n 's/^project([[:space:]]*blksnap[[:space:]][^)]*VERSION[[:space:]]\{1,\}\([0-9][0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
case $v in
[0-9]*.[0-9]*) ;;
*) echo "version.sh: no 'project(blksnap VERSION x.y.z' in $top/CMakeLists.txt" >&2; exit 1 ;;
esac
if [ "${1:-}" = --check ]; then
	rc=0
	m=$(sed -n 's/^#define[[:space:]]*BLKSNAP_VERSION_STR[[:space:]]*"\(.*\)"/\1/p' "$top/module/version.h")
	if [ "$m" != "$v" ]; then
		echo "version.sh: module/version.h says '$m', CMakeLists.txt says '$v'" >&2
		rc=1
	fi
	if [ -f "$top/debian/changelog" ]; then
		d=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$top/debian/changelog")
		d=${d#*:}
		d=${d%-*}
		# A packaging-only upload may add "+something" to the upstream part.
		case $d in
		"$v" | "$v"+* | "$v"~*) ;;
		*) echo "version.sh: debian/changelog says '$d', CMakeLists.txt says '$v'" >&2; rc=1 ;;
		esac
	fi
	[ $rc -eq 0 ] || exit 1
fi
echo "$v"

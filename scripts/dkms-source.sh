#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lays out the DKMS source tree of blksnap.ko:
#   scripts/dkms-source.sh DESTDIR [--no-conf]
# creates DESTDIR/usr/src/blksnap-VERSION/ with module/ (sources, Kbuild,
# Makefile, compile probes, UAPI header; no build products, no probe
# self-test) and dkms.conf with its version filled in.  debian/rules uses it
# with --no-conf (dh_dkms installs dkms.conf); by hand:
#   sudo scripts/dkms-source.sh / && sudo dkms install blksnap/VERSION
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:?usage: dkms-source.sh DESTDIR [--no-conf]}
ver=$("$top/scripts/version.sh" --check)
src=$dest/usr/src/blksnap-$ver
rm -rf "$src"
mkdir -p "$src/module"
# Only what git tracks (or, in an exported tree, what is there), minus the
# probe self-test with its fake kernel headers.
(cd "$top/module" &&
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files -z --cached .
	else
		find . -type f ! -name '*.o' ! -name '*.ko' ! -name '*.cmd' ! -name '*.mod*' \
			! -name '*.symvers' ! -name modules.order ! -name config.h -print0
	fi | grep -zv '^\(\./\)\{0,1\}compat/selftest/' |
	xargs -0 tar -cf - --no-recursion) | tar -C "$src/module" -xf -
if [ "${2:-}" != --no-conf ]; then
	sed "s/#MODULE_VERSION#/$ver/g" "$top/dkms.conf" > "$src/dkms.conf"
fi
echo "$src"

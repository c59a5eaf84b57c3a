#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make deb`: builds the Debian packages (blksnap-dkms, blksnap-tools,
# libblksnap1, libblksnap-dev) with dpkg-buildpackage -us -uc -b from a
# fresh copy of the source tree (the files git tracks plus new files it does
# not ignore: no build/, no Kbuild products), then runs lintian on them.
#   scripts/build-deb.sh [OUTDIR]     default OUTDIR: build/deb
# Installs its own build dependencies (root, Debian 12) when missing.
# Fails on a lintian error; warnings are printed (debian/README.source
# lists the ones we keep and why).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/deb}
t0=$(date +%s)

tools="dpkg-dev debhelper dh-dkms dkms lintian devscripts fakeroot equivs"
missing=
for p in $tools; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "build-deb: missing$missing; run as root or install them" >&2; exit 1; }
	echo "build-deb: installing$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing </dev/null ||
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing </dev/null; }
fi

ver=$("$top/scripts/version.sh" --check)
# Build dependencies from debian/control, through an equivs package so
# that apt resolves them (mk-build-deps); nothing to do when all are there.
if ! (cd "$top" && dpkg-checkbuilddeps >/dev/null 2>&1); then
	[ "$(id -u)" -eq 0 ] || { echo "build-deb: build dependencies missing; run as root" >&2; exit 1; }
	tmp=$(mktemp -d)
	(cd "$tmp" && mk-build-deps -i -r -t 'apt-get -y -q --no-install-recommends' "$top/debian/control") </dev/null
	rm -rf "$tmp"
fi

rm -rf "$out"
mkdir -p "$out/src"
src=$out/src/blksnap-$ver
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z -c -o --exclude-standard |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
		xargs -0 tar -cf - --no-recursion) | tar -C "$src" -xf -
	# dkms-source.sh lists the module's files with git; give the copy the
	# same answer without the history.
	git -C "$src" init -q && git -C "$src" add -A
else
	(cd "$top" && tar --exclude=./build --exclude=./.git -cf - .) | tar -C "$src" -xf -
fi

(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 ||
	{ tail -n 60 "$out/build.log"; echo "build-deb: dpkg-buildpackage failed (log: $out/build.log)" >&2; exit 1; }
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/ 2>/dev/null || true
rm -rf "$out/src"
t1=$(date +%s)
ls -l "$out"/*.deb
echo "build-deb: packages built in $((t1 - t0)) s; lintian:"
# --fail-on error: warnings are reported, errors fail the build.
lintian --fail-on error --info --display-info "$out"/*.changes | tee "$out/lintian.log"
echo "build-deb: lintian: $(grep -c '^E:' "$out/lintian.log" || true) errors, $(grep -c '^W:' "$out/lintian.log" || true) warnings, $(grep -c '^I:' "$out/lintian.log" || true) info"

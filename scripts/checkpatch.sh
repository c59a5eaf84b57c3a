#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs the kernel's checkpatch.pl over the module's sources.  checkpatch.pl
# ships only inside Debian's linux-source tarball: the three files it needs
# are extracted once into the cache.
set -euo pipefail
cache=${XDG_CACHE_HOME:-$HOME/.cache}/blksnap-checkpatch
src_pkg=linux-source-6.1
if [ ! -x "$cache/scripts/checkpatch.pl" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/blksnap-cp.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	(cd "$work" && apt-get download -q "$src_pkg" >/dev/null)
	dpkg-deb --fsys-tarfile "$work"/"$src_pkg"_*.deb |
		tar -x -C "$work" --wildcards './usr/src/linux-source-*.tar.xz'
	mkdir -p "$cache"
	tar -xJf "$work"/usr/src/linux-source-*.tar.xz -C "$cache" --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
fi
cd "$(dirname "$0")/../module"
files=$(find . -name '*.[ch]' ! -name config.h ! -name '*.mod.c' | sort)
# --no-tree: out of tree; the UAPI header is checked like the rest.
# shellcheck disable=SC2086
"$cache/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
	-f $files

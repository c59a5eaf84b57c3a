#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Installs what building and testing blksnap needs, on Debian 12 as root.
# Kernel headers and guest kernels are fetched later, per kernel, by
# tests/vm/run.sh, and so are the arm64 headers that scripts/check-static.sh
# cross-builds against with gcc-aarch64-linux-gnu.  Installs only what is
# missing, so a second run is quick.
set -eu

PACKAGES="
	build-essential cmake pkg-config
	libblkid-dev libmount-dev libsmartcols-dev uuid-dev libcmocka-dev
	libjson-c-dev libinih-dev libxxhash-dev libkmod-dev lvm2
	qemu-system-x86 busybox-static debootstrap kmod cpio xz-utils zstd
	sparse fio e2fsprogs xfsprogs util-linux fdisk python3 bc flex bison libelf-dev
	jq dpkg-dev strace
	gcc-aarch64-linux-gnu
	postgresql-15
"

if [ ! -r /etc/os-release ] || ! grep -q '^VERSION_CODENAME=bookworm' /etc/os-release; then
	echo "install-deps: this is not Debian 12 (bookworm); install by hand:$(echo $PACKAGES)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: apt-get needs root; run 'sudo make deps'" >&2
	exit 1
fi

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	exit 0
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# PostgreSQL is for guests only (the pgbench case runs its own servers
# there, over the host's root).  Its first install would create a cluster
# "main" and start a server on this host; a drop-in that
# /etc/postgresql-common/createcluster.conf includes turns that off, so
# no cluster is made and no server starts.  Written only when the server
# package is missing: a host that has it keeps what it has.
case " $missing " in
*" postgresql-15 "*)
	mkdir -p /etc/postgresql-common/createcluster.d
	printf '%s\n' '# blksnap scripts/install-deps.sh: no cluster on install' \
		'create_main_cluster = false' \
		> /etc/postgresql-common/createcluster.d/blksnap-no-main-cluster.conf
	;;
esac
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing

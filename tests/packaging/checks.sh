# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared by host-install.sh (on the host) and guest-test.sh (in the guest,
# from the repository disk): how a step and a check are printed, and the
# file list compared before the install and after the purge.  run.sh
# counts the "  ok   " and "  FAIL " lines of both.
fails=0
T0=$(date +%s)

say() { echo "$*"; }
ok() { say "  ok   $*"; }
bad() { say "  FAIL $*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...
	local d=$1; shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}
eq() { # eq GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok "$3: $1"; else bad "$3: got '$1', want '$2'"; fi
}
step() { say "-- $* (at $(( $(date +%s) - T0 )) s)"; }

# The root file system's paths, without apt's and dpkg's own bookkeeping,
# logs, caches and what the kernel or tmpfs hold; /lost+found is made by
# mkfs.ext4 (the guest's disk) and is not in the tree the host lists.
# Run in the root itself (the guest) or through chroot (the host: bash -c
# "$(declare -f filelist); filelist"), so both list the same way.
filelist() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
		-o -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache -o -path /var/log \
		-o -path /lost+found \) -prune -o -print | LC_ALL=C sort
}

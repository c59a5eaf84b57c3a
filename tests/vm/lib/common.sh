# SPDX-License-Identifier: GPL-2.0
# Shared by the host-side VM scripts: where things are cached and how to log.
# Sourced, not run.

: "${BLKSNAP_VM_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/blksnap-vm}"
export BLKSNAP_VM_CACHE
# Each run's scratch (console, disks, the module it built, the guest's
# module tree) lives here, so that two runs that share the kernel cache
# (a CI run beside a developer's) never write into one another's files.
: "${BLKSNAP_VM_RUNS:=$BLKSNAP_VM_CACHE/run}"
export BLKSNAP_VM_RUNS

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$VM_DIR/../.." && pwd)

vm_log() {
	printf 'vm: %s\n' "$*" >&2
}

vm_die() {
	printf 'vm: error: %s\n' "$*" >&2
	exit 1
}

# Prints "VERSION BUILDER" for each kernel listed in tests/vm/kernels.
vm_kernel_list() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$VM_DIR/kernels" |
		awk '{ print $1, $2 }'
}

vm_kernel_dir() {
	printf '%s/kernels/%s\n' "$BLKSNAP_VM_CACHE" "$1"
}

# vm_source_hash DIR: one hash of the files below DIR (a fresh copy of
# module/ without build products), to tell whether a blksnap.ko was built
# from the same source.
vm_source_hash() {
	(cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
		sha256sum | cut -c1-16
}

# Where check-static leaves the module it built (W=1 -Werror, sparse) for
# kernel VER, with the hash of its source: run.sh boots that module instead
# of building the same source again.
vm_static_ko_dir() {
	printf '%s/%s/static-build\n' "$BLKSNAP_VM_RUNS" "$1"
}

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

# SPDX-License-Identifier: GPL-2.0
# Helpers for case scripts (sourced).  A case prints what it checked and
# the figures it saw; the first failed check ends it with exit 1.
set -eu

blksnap() {
	"$BLKSNAP_CLI" "$@"
}

fail() {
	echo "FAIL: $*"
	exit 1
}

ok() {
	echo "ok: $*"
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
	ok "$3 = '$1'"
}

# expect_match TEXT REGEX WHAT
expect_match() {
	printf '%s\n' "$1" | grep -Eq -- "$2" || fail "$3: '$1' does not match /$2/"
	ok "$3 matches /$2/"
}

# run_capture VAR_RC VAR_OUT VAR_ERR CMD...: runs CMD, keeps its exit code,
# stdout and stderr apart.
run_capture() {
	local __rc=$1 __out=$2 __err=$3 __o __e __r
	shift 3
	__o=$(mktemp) __e=$(mktemp)
	set +e
	"$@" > "$__o" 2> "$__e"
	__r=$?
	set -e
	printf -v "$__rc" '%s' "$__r"
	printf -v "$__out" '%s' "$(cat "$__o")"
	printf -v "$__err" '%s' "$(cat "$__e")"
	rm -f "$__o" "$__e"
}

load_blksnap() {
	grep -q '^blksnap ' /proc/modules || modprobe blksnap "$@"
	udevadm settle 2>/dev/null || true
	local i
	for i in $(seq 50); do
		[ -c /dev/blksnap-control ] && return 0
		sleep 0.1
	done
	fail "/dev/blksnap-control did not appear after modprobe blksnap"
}

# The first scratch disk the host gave the guest (1 GiB each, see run.sh).
DISK0=/dev/vda
DISK1=/dev/vdb

# cbt_field DEVICE KEY: one field of `blksnap cbt info --json`.  jq, not
# python: a python start costs about a second of guest CPU under TCG.
cbt_field() {
	local out
	out=$(blksnap cbt info --json "$1") || return 1
	jq -er --arg k "$2" '.cbt[0][$k]' <<< "$out"
}

# cbt_expect_exact DEVICE OFFSET:LENGTH...: freezes the map (switch) and
# checks it holds exactly the blocks the byte ranges touch.
cbt_expect_exact() {
	local dev=$1 bs
	shift
	blksnap cbt switch "$dev"
	bs=$(cbt_field "$dev" block-size)
	blksnap cbt map --json "$dev" > /tmp/map.json
	python3 "$BLKSNAP_SRC/tests/vm/guest/cbt_check.py" exact "$bs" /tmp/map.json "$@" ||
		fail "$dev: the map is not exactly the written blocks"
	ok "$dev: map holds exactly the written blocks"
}

# dd_direct DEVICE OFFSET LENGTH: writes LENGTH bytes at OFFSET, O_DIRECT
dd_direct() {
	dd if=/dev/urandom of="$1" bs="$3" count=1 seek="$2" oflag=direct,seek_bytes \
		conv=notrunc status=none
}

STAMP="python3 $BLKSNAP_SRC/tests/vm/guest/stamp.py"

# snapshot_create JSON_OUT ARGS...: `blksnap snapshot create --json ARGS`,
# sets SNAP_ID and IMAGES (image paths in device order).
snapshot_create() {
	local out=$1
	shift
	blksnap snapshot create --json "$@" > "$out" || fail "snapshot create $*"
	SNAP_ID=$(jq -er .id "$out")
	IMAGES=$(jq -er '[.devices[].image] | join(" ")' "$out")
	for img in $IMAGES; do
		[ -b "$img" ] || fail "image $img is not a block device"
	done
	ok "snapshot $SNAP_ID: images $IMAGES"
}

# partition_disk1 SIZE...: GPT partitions of the given sizes on $DISK1
partition_disk1() {
	local spec="label: gpt\n" size
	for size in "$@"; do
		spec="${spec}size=${size}\n"
	done
	printf "$spec" | sfdisk -q $DISK1
	for i in $(seq 50); do
		[ -b ${DISK1}$# ] && return 0
		sleep 0.1
	done
	fail "partitions of $DISK1 did not appear"
}

# SPDX-License-Identifier: GPL-2.0
# Helpers for case scripts (sourced).  A case prints what it checked and
# the figures it saw; the first failed check ends it with exit 1.
# pipefail: a pipeline fails when any of its commands does (a failed dd
# feeding a counter must not read as a count of 0).  So no pipeline may
# stop reading early (grep -q, head) while its writer may still write:
# the writer's SIGPIPE would fail it.
set -eu -o pipefail

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

# skip WHY: this kernel lacks what the case tests (WHY names it); the
# runner reports it as skipped, never as passed.  Only before any check.
skip() {
	echo "SKIP: $*"
	exit 77
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
	ok "$3 = '$1'"
}

# expect_match TEXT REGEX WHAT
expect_match() {
	grep -Eq -- "$2" <<< "$1" || fail "$3: '$1' does not match /$2/"
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

# kmsg_mark: writes a unique line to the kernel log and remembers it, so
# that kmsg_since_mark reads only what came after.  Cases never clear the
# log (dmesg -C): the runner reads all of it after the case, and a hung
# task or WARN logged earlier in the case must reach it.
kmsg_mark() {
	KMSG_MARK="blksnap-case-mark $$ $(date +%s%N)"
	echo "$KMSG_MARK" > /dev/kmsg
}

# kmsg_since_mark: the kernel log after the last kmsg_mark; fails when
# the mark is no longer in the log (nothing after it could be judged).
kmsg_since_mark() {
	dmesg | awk -v m="$KMSG_MARK" 'seen { print } index($0, m) { seen = 1 }
		END { if (!seen) { print "kernel log: mark \"" m "\" not found" > "/dev/stderr"; exit 1 } }'
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

# The guest's /var/tmp and /tmp are tmpfs and its root is read-only, so
# with no --storage the CLI would now refuse (tmpfs is never chosen
# unasked) or put the storage on the case's own filesystem.  Cases whose
# point is not where the storage goes name /var/tmp in a config, as a
# user who wants the copies in memory would; the cases about the default
# choice (snapshot_storage_on_its_own_filesystem) unset BLKSNAP_CONFIG.
printf '[snapshot]\nstorage-directories = /var/tmp\n' > /tmp/blksnap-case.conf
export BLKSNAP_CONFIG=/tmp/blksnap-case.conf

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

# expect_overflowed IMAGE SNAP_ID: the snapshot's storage overflowed: the
# image's reads fail with EIO, and snapshot info says ENOSPC, corrupted.
expect_overflowed() {
	local info
	if dd if="$1" of=/dev/null bs=1M count=16 iflag=direct 2>/tmp/dd.err; then
		fail "reading the corrupted image $1 succeeded"
	fi
	expect_match "$(cat /tmp/dd.err)" "Input/output error" "image read error"
	info=$(blksnap snapshot info --json "$2")
	echo "$info"
	expect_match "$info" '"error": "ENOSPC"' "snapshot info shows the failure"
	expect_match "$info" '"state": "corrupted"' "snapshot info shows the image corrupted"
}

# age_device DEV: fills DEV with non-zero bytes (0xff), as the free space
# of an aged, untrimmed disk holds old data; mkfs leaves it there.
age_device() {
	local mib=$(( $(blockdev --getsize64 "$1") >> 20 ))
	dd if=/dev/zero bs=1M count=$mib status=none | tr '\0' '\377' |
		dd of="$1" bs=1M iflag=fullblock oflag=direct status=none
}

# cbt_bytes DEV: bytes in the ranges DEV's change map marks (with
# CBT_SINCE=GEN:N in the environment, only those changed after N).
cbt_bytes() {
	blksnap cbt map --json ${CBT_SINCE:+--since "$CBT_SINCE"} "$1" |
		jq '[.ranges[].length] | add // 0'
}

# expect_cbt_covers DEV FILE...: every block of the FILEs (on DEV's
# filesystem, by filefrag) lies in a range DEV's change map marks (with
# CBT_SINCE=GEN:N, among those changed after N).
expect_cbt_covers() {
	local dev=$1
	shift
	blksnap cbt map --json ${CBT_SINCE:+--since "$CBT_SINCE"} "$dev" > /tmp/cbt.json
	filefrag -v "$@" > /tmp/filefrag.out
	python3 - /tmp/cbt.json /tmp/filefrag.out <<'PY' || fail "the change map misses blocks of $*"
import json, re, sys
ranges = sorted((r["offset"], r["offset"] + r["length"])
		for r in json.load(open(sys.argv[1]))["ranges"])
bs, missing, total = 4096, 0, 0
for line in open(sys.argv[2]):
	m = re.search(r"blocks of (\d+) bytes", line)
	if m:
		bs = int(m.group(1))
	m = re.match(r"\s*\d+:\s*\d+\.\.\s*\d+:\s*(\d+)\.\.\s*(\d+):", line)
	if not m:
		continue
	start, end = int(m.group(1)) * bs, (int(m.group(2)) + 1) * bs
	total += end - start
	pos = start
	for a, b in ranges:
		if b <= pos or a >= end:
			continue
		if a > pos:
			missing += a - pos
		pos = max(pos, b)
	missing += max(0, end - pos)
print(f"change map covers {total - missing} of {total} bytes of the files")
sys.exit(1 if missing or not total else 0)
PY
}

# used_kib MOUNT: KiB in use on the filesystem mounted at MOUNT (df).
used_kib() {
	df --output=used -k "$1" | tail -n 1 | tr -d ' '
}

# expect_space_back MOUNT BEFORE_KIB SLACK_KIB WHAT: within 30 s the used
# space on MOUNT falls to at most BEFORE_KIB + SLACK_KIB (a filesystem may
# free an unlinked file's blocks a moment after its last close); WHAT
# names the failure.
expect_space_back() {
	local i
	for i in $(seq 150); do
		[ "$(used_kib "$1")" -le $(($2 + $3)) ] && break
		sleep 0.2
	done
	echo "used on $1: $2 KiB before, $(used_kib "$1") KiB now"
	[ "$(used_kib "$1")" -le $(($2 + $3)) ] || fail "$4"
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

# scsi_debug_disk PARAM...: loads scsi_debug (and the sd driver: no udev
# here) with PARAMs and sets SD to its disk's name (sdX); fails if no disk
# appears within 10 s.
scsi_debug_disk() {
	local b i
	modprobe sd_mod
	modprobe scsi_debug "$@"
	SD=
	for i in $(seq 100); do
		for b in /sys/block/sd*; do
			grep -qs scsi_debug "$b/device/model" && SD=$(basename "$b")
		done
		[ -n "$SD" ] && return 0
		sleep 0.1
	done
	fail "scsi_debug disk did not appear"
}

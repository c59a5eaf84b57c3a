#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the VM suite: for each kernel in tests/vm/kernels, fetch it, build
# blksnap.ko against its headers with its own compiler, boot it under QEMU
# with the host root read-only over 9p, run tests/vm/cases/*.sh as root in
# the guest and collect the verdicts from the serial console.
#
# usage: tests/vm/run.sh [-k KERNEL]... [-c CASE]... [--shell-timeout SECS]
#   -k KERNEL   only this kernel version (repeatable; default: all listed)
#   -c CASE     only this case, by file name without .sh (repeatable)
#   --demo      run tests/vm/demo.sh instead of the cases, show its output
#   --perf      run the benchmarks in tests/perf instead of the cases
#   --selftest  run the harness's own checks in tests/vm/selftest
#   --guests N  at most N guests at once (default 2, or $BLKSNAP_VM_GUESTS);
#               with N > 1 each kernel's report is printed when it ends
#   --smp N     virtual CPUs per guest (default 1, 2 for --perf, or
#               $BLKSNAP_VM_SMP).  Measured under TCG on two host cores:
#               a 1-vCPU guest runs the cases as fast as a 2-vCPU one,
#               and two 1-vCPU guests side by side each as fast as alone,
#               while two 2-vCPU guests side by side ran them 2-3x slower.
#               Cases marked "# cpus: 2" (races: two CPUs inside the
#               filter at once) run in a 2-vCPU guest of their own per
#               kernel (tests/vm/README).
#   --soak-seconds N
#               how long soak cases run (their default: a short soak for
#               CI; `make soak` runs a long one by hand)
#   --packaging DEBDIR
#               also the packaged-guest test (tests/packaging/run.sh) of
#               the debs in DEBDIR on the first listed kernel, as one more
#               guest in the same schedule; it counts as one case
# Needs the userspace build in build/ (make all) and root.
# Prints one line per case and finally "N passed, M failed, K skipped".
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
. "$VM_DIR/lib/host.sh"
. "$VM_DIR/lib/sid.sh"
. "$VM_DIR/lib/initramfs.sh"

kernels=()
cases=()
demo=0
suite=cases
case_timeout=600
guests=${BLKSNAP_VM_GUESTS:-2}
smp=${BLKSNAP_VM_SMP:-}
packaging=
soak_seconds=
while [ $# -gt 0 ]; do
	case $1 in
	-k) kernels+=("$2"); shift 2 ;;
	-c) cases+=("$2"); shift 2 ;;
	--demo) demo=1; shift ;;
	# Benchmarks run longer than cases; --case-timeout after it overrides.
	--perf) suite=perf; VERBOSE=1; case_timeout=1800; shift ;;
	# The harness's own checks: tests/vm/selftest (e.g. the watchdogs).
	--selftest) suite=selftest; case_timeout=20; shift ;;
	--case-timeout) case_timeout=$2; shift 2 ;;
	--guests) guests=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--packaging) packaging=$2; shift 2 ;;
	--soak-seconds) soak_seconds=$2; shift 2 ;;
	-h|--help) sed -n '3,/^[^#]/{/^#/!q;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument '$1'; try --help" >&2; exit 2 ;;
	esac
done

if [ -z "$smp" ]; then
	smp=1
	[ "$suite" = perf ] && smp=2
fi
[ "$(id -u)" -eq 0 ] || vm_die "must run as root (debootstrap, chroot mounts)"
[ -x "$REPO_DIR/build/tools/blksnap-cli/blksnap" ] ||
	vm_die "$REPO_DIR/build: no userspace build; run 'make all' first"
command -v qemu-system-x86_64 >/dev/null || vm_die "qemu-system-x86_64 is missing; run 'make deps'"

# prepare_kernel VER BUILDER RUNDIR: kernel and modules fetched, blksnap.ko
# built; the guest's module tree RUNDIR/modules is the cached kernel's
# (hard links, so it costs no copy) plus updates/blksnap.ko, so the guest
# can modprobe and the cached tree stays as the package made it.
prepare_kernel() {
	local ver=$1 builder=$2 run=$3 kdir out mods f static
	kdir=$(vm_kernel_dir "$ver")
	out=$run/build
	rm -rf "$out"
	mkdir -p "$out"
	# Called as a condition, where set -e does not apply: every step
	# says itself whether it failed.
	case $builder in
	host) host_kernel_fetch "$ver" || return 1 ;;
	sid) sid_kernel_fetch "$ver" || return 1 ;;
	*) vm_die "tests/vm/kernels: $ver: unknown builder '$builder'" ;;
	esac
	# make check runs check-static first, which built this source for
	# this kernel with the same flags (and sparse): boot that build.
	static=$(vm_static_ko_dir "$ver")
	_bvm_copy_src "$REPO_DIR/module" "$out/src" || return 1
	if [ -f "$static/blksnap.ko" ] &&
	   [ "$(cat "$static/source-hash" 2>/dev/null)" = "$(vm_source_hash "$out/src")" ]; then
		cp "$static/blksnap.ko" "$out/" || return 1
		vm_log "blksnap.ko for $ver: check-static's build of this same source"
	elif [ "$builder" = host ]; then
		host_module_build "$ver" "$REPO_DIR/module" "$out" BLKSNAP_WERROR=y || return 1
	else
		sid_module_build "$ver" "$REPO_DIR/module" "$out" BLKSNAP_WERROR=y || return 1
	fi
	rm -rf "$run/modules"
	mkdir -p "$run/modules/lib/modules" || return 1
	cp -al "$kdir/modules/lib/modules/$ver" "$run/modules/lib/modules/" 2>/dev/null ||
		cp -a "$kdir/modules/lib/modules/$ver" "$run/modules/lib/modules/" || return 1
	mods=$run/modules/lib/modules/$ver
	rm -rf "$mods/updates"
	mkdir -p "$mods/updates" || return 1
	cp "$out/blksnap.ko" "$mods/updates/blksnap.ko" || return 1
	# depmod rewrites its indexes: they get files of their own first, so
	# that the cached tree's links are never written through.
	for f in "$mods"/modules.*; do
		cp "$f" "$f.own" && mv "$f.own" "$f" || return 1
	done
	depmod -b "$run/modules" "$ver"
}

# boot VER RUNDIR VCPUS GROUP MARK: boots the guest with VCPUS to run the
# cases marked "# cpus: GROUP" (and "# kernels: MARK" unless MARK is -);
# leaves the console in RUNDIR/console.log
boot() {
	local ver=$1 run=$2 cpus=$3 group=$4 mark=$5 kdir initrd append
	kdir=$(vm_kernel_dir "$ver")
	initrd=$(initramfs_build "$ver")
	rm -f "$run"/disk*.img "$run/console.log"
	truncate -s 1G "$run/disk0.img" "$run/disk1.img"
	# mitigations=off: the guest runs only our tests, and under TCG the
	# speculation barriers cost 15-20% of a fork-heavy case (vm-testing.md).
	append="console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off"
	append+=" blksnap_case_timeout=$case_timeout"
	[ ${#cases[@]} -gt 0 ] && append+=" blksnap_cases=$(IFS=,; echo "${cases[*]}")"
	# Which cases this guest runs by their "# cpus:" mark (tests/vm/README).
	[ "$suite" = cases ] && append+=" blksnap_cpus_group=$group"
	[ "$mark" != - ] && append+=" blksnap_kernels_mark=$mark"
	[ "$demo" -eq 1 ] && append+=" blksnap_demo=1"
	append+=" blksnap_suite=$suite"
	# Cases marked "# kernels: first" run on the first listed kernel only.
	[ "$ver" = "$first_listed" ] && append+=" blksnap_first_kernel=1"
	[ -n "$soak_seconds" ] && append+=" blksnap_soak_seconds=$soak_seconds"
	# Shorter stress runs while developing: BLKSNAP_STRESS_SECONDS=20.
	[ -n "${BLKSNAP_STRESS_SECONDS:-}" ] && append+=" blksnap_stress=$BLKSNAP_STRESS_SECONDS"
	# Each case has its own timeout and watchdog in the guest; the host's
	# watchdog below is for a guest that stops making progress at all.
	qemu-system-x86_64 \
		-accel tcg,thread=multi -cpu max -m 2048 -smp "$cpus" \
		-display none -monitor none -no-reboot \
		-serial "file:$run/console.log" \
		-kernel "$kdir/vmlinuz" -initrd "$initrd" -append "$append" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$run/modules/lib/modules/$ver,mount_tag=kmods,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$REPO_DIR,mount_tag=project,security_model=none,readonly=on,multidevs=remap" \
		-drive "file=$run/disk0.img,if=virtio,format=raw,cache=unsafe,discard=unmap" \
		-drive "file=$run/disk1.img,if=virtio,format=raw,cache=unsafe,discard=unmap" \
		</dev/null >"$run/qemu.log" 2>&1 &
	host_watchdog $! "$run"
}

# host_watchdog QEMU_PID RUNDIR: waits for QEMU; kills it when the
# console shows no case starting or ending for longer than a case may
# take plus the guest's own watchdog, and says so in RUNDIR/watchdog.
host_watchdog() {
	local pid=$1 run=$2 last= now seen mark
	local quiet=$(( case_timeout + 240 ))
	rm -f "$run/watchdog"
	seen=$(date +%s)
	while kill -0 "$pid" 2>/dev/null; do
		sleep 5
		mark=$(grep -a -c '^BLKSNAP-' "$run/console.log" 2>/dev/null || true)
		now=$(date +%s)
		if [ "$mark" != "$last" ]; then
			last=$mark
			seen=$now
		elif [ $((now - seen)) -gt "$quiet" ]; then
			echo "no progress on the console for ${quiet}s" > "$run/watchdog"
			kill "$pid" 2>/dev/null
			sleep 5
			kill -9 "$pid" 2>/dev/null
		fi
	done
	wait "$pid" || true
}

# print_reports: the report of every kernel that ended and was not
# printed yet.
printed=" "
print_reports() {
	local line id r
	for line in "${jobs[@]}"; do
		read -r id _ <<< "$line"
		r=$BLKSNAP_VM_RUNS/$id
		case $printed in *" $id "*) continue ;; esac
		[ -f "$r/counts" ] || continue
		cat "$r/report"
		printed+="$id "
	done
}

total_passed=0
total_failed=0
total_skipped=0
first_listed=$(vm_kernel_list | awk 'NR == 1 { print $1 }')
# A listed kernel with a newer ABI of its series in apt (the chroot's apt
# for sid ones, once the chroot exists): a note, not an error.
while read -r ver builder; do
	newer=$("${builder}_kernel_newer_abi" "$ver" 2>/dev/null) || newer=
	[ -z "$newer" ] ||
		vm_log "note: $ver is listed, but $newer is the newest ABI of its series in apt; bump tests/vm/kernels"
done < <(vm_kernel_list)
if [ ${#kernels[@]} -eq 0 ]; then
	mapfile -t listed < <(vm_kernel_list)
else
	listed=()
	for k in "${kernels[@]}"; do
		line=$(vm_kernel_list | awk -v k="$k" '$1 == k')
		[ -n "$line" ] || vm_die "$k is not listed in tests/vm/kernels"
		listed+=("$line")
	done
fi

# case_cpus FILE: the vCPUs a case asks for ("# cpus: 2"), 1 without.
case_cpus() {
	local n
	n=$(sed -n 's/^# cpus: *\([0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${n:-1}"
}
# The vCPU groups the chosen cases fall into.
groups=1
if [ "$suite" = cases ] && [ "$demo" -eq 0 ]; then
	for c in "${cases[@]}"; do
		[ -f "$VM_DIR/cases/$c.sh" ] || vm_die "no case $c in tests/vm/cases"
	done
	need1=0 need2=0
	for f in "$VM_DIR"/cases/*.sh; do
		name=$(basename "$f" .sh)
		if [ ${#cases[@]} -gt 0 ]; then
			case " ${cases[*]} " in *" $name "*) ;; *) continue ;; esac
		fi
		if [ "$(case_cpus "$f")" = 2 ]; then need2=1; else need1=1; fi
	done
	groups=
	[ $need1 -eq 1 ] && groups=1
	[ $need2 -eq 1 ] && groups+=" 2"
fi

# The jobs, "ID VER BUILDER VCPUS GROUP MARK" (ID names the run
# directory; MARK: the "# kernels:" mark of the cases the guest runs, or
# "-" for all it would run), side by side, at most $guests at once, the
# longest first so that the short ones fill the slots: each kernel's
# 1-vCPU guest (20-25 min), then the first kernel's cases marked "first"
# in a 1-vCPU guest of their own (about 16 min: in the first kernel's
# guest they made it the longest by far, 39 min, and the last to end),
# then each kernel's 2-vCPU guest for the cases marked "# cpus: 2", then
# the packaged guest (about 4 min).  Named cases (-c) run unsplit.
jobs=()
split_first=0
[ "$suite" = cases ] && [ "$demo" -eq 0 ] && [ ${#cases[@]} -eq 0 ] && split_first=1
for g in $groups; do
	for line in "${listed[@]}"; do
		read -r ver builder <<< "$line"
		if [ "$g" = 1 ] && [ "$split_first" = 1 ] && [ "$ver" = "$first_listed" ]; then
			jobs+=("$ver $ver $builder $smp 1 every")
		elif [ "$g" = 1 ]; then
			jobs+=("$ver $ver $builder $smp 1 -")
		else
			jobs+=("$ver-2cpu $ver $builder 2 2 -")
		fi
	done
	for line in "${listed[@]}"; do
		read -r ver builder <<< "$line"
		[ "$g" = 1 ] && [ "$split_first" = 1 ] && [ "$ver" = "$first_listed" ] &&
			jobs+=("$ver-first $ver $builder $smp 1 first")
	done
done
[ -n "$packaging" ] && jobs+=("packaged-guest packaged-guest packaging 1 - -")

# run_packaging RUNDIR: the packaged-guest test of the first listed
# kernel; its report in the same shape as a kernel's.
run_packaging() {
	local run=$1 t0 rc=0
	t0=$(date +%s)
	echo "== packaged guest ($first_listed, debs from $packaging)"
	BLKSNAP_VM_SMP=$smp "$REPO_DIR/tests/packaging/run.sh" -k "$first_listed" --debs "$packaging" > "$run/packaging.log" 2>&1 || rc=$?
	sed 's/^/  | /' "$run/packaging.log"
	if [ $rc -eq 0 ]; then
		echo "  PASS packaged_guest"
		echo "1 0" > "$run/counts"
	else
		echo "  FAIL packaged_guest (exit $rc; log $run/packaging.log)"
		echo "0 1" > "$run/counts"
	fi
	echo "  packaged guest: $(( $(date +%s) - t0 ))s"
}

# run_kernel VER BUILDER RUNDIR VCPUS GROUP MARK: prepares, boots and judges
# one kernel; prints its report and leaves "PASSED FAILED" in
# RUNDIR/counts.
run_kernel() {
	local ver=$1 builder=$2 run=$3 cpus=$4 group=$5 mark=$6 t0 t1 t2 p f hung why
	if [ "$builder" = packaging ]; then
		run_packaging "$run"
		return
	fi
	t0=$(date +%s)
	echo "== $ver ($builder, $cpus vCPU)"
	if ! prepare_kernel "$ver" "$builder" "$run" > "$run/prepare.log" 2>&1; then
		tail -n 40 "$run/prepare.log"
		echo "FAIL $ver: preparing the kernel or building blksnap.ko failed (log: $run/prepare.log)"
		echo "0 1" > "$run/counts"
		return
	fi
	t1=$(date +%s)
	boot "$ver" "$run" "$cpus" "$group" "$mark"
	t2=$(date +%s)
	# Console lines end in CR LF.
	tr -d '\r' < "$run/console.log" > "$run/console.txt"
	if [ "$demo" -eq 1 ]; then
		sed -n '/^BLKSNAP-DEMO-BEGIN/,/^BLKSNAP-DEMO-END/p' "$run/console.txt" |
			sed '1d;$d'
	else
		sed -n '/^BLKSNAP-CASE-BEGIN/,/^BLKSNAP-CASE-END/{/^BLKSNAP-CASE-BEGIN/d;/^BLKSNAP-CASE-END/d;p}' \
			"$run/console.txt" > "$run/cases.log"
		[ -n "${VERBOSE:-}" ] && cat "$run/cases.log"
	fi
	p=0 f=0 s=0
	while read -r _ name verdict rest; do
		echo "  $verdict $name $rest"
		if [ "$verdict" = PASS ]; then
			p=$((p + 1))
		elif [ "$verdict" = SKIP ]; then
			s=$((s + 1))
		else
			f=$((f + 1))
			# Show the failed case's own output.
			sed -n "/^BLKSNAP-CASE-BEGIN $name\$/,/^BLKSNAP-CASE-END $name /p" \
				"$run/console.txt" | sed '1d;$d'
		fi
	done < <(grep '^BLKSNAP-CASE-END ' "$run/console.txt" || true)
	if ! grep -q '^BLKSNAP-RESULT: ' "$run/console.txt"; then
		# The case that began and never ended is the one to blame.
		hung=$(awk '/^BLKSNAP-CASE-BEGIN / { c = $2 } /^BLKSNAP-CASE-END / { c = "" }
			    END { print c }' "$run/console.txt")
		why="the guest died (panic or reset)"
		[ -f "$run/watchdog" ] && why="the host watchdog stopped the guest: $(cat "$run/watchdog")"
		if [ -n "$hung" ]; then
			echo "  FAIL $hung: $why during this case; last console lines:"
		else
			echo "  FAIL $ver: $why before any case ended; last console lines:"
		fi
		tail -n 60 "$run/console.txt"
		f=$((f + 1))
	fi
	echo "$p $f $s" > "$run/counts"
	# A demo runs no case: only whether the guest got through it counts.
	if [ "$demo" -eq 1 ]; then
		[ "$f" -eq 0 ] && echo "  $ver: demo done (prepare $((t1 - t0))s, guest $((t2 - t1))s)"
		return
	fi
	local n elsewhere=
	n=$(grep -c '^BLKSNAP-CASE-ELSEWHERE ' "$run/console.txt" || true)
	[ "${n:-0}" -gt 0 ] && elsewhere=", $n run in another guest"
	echo "  $ver: $p passed, $f failed, $s skipped$elsewhere (prepare $((t1 - t0))s, guest $((t2 - t1))s)"
}

# start_job LINE: runs one job of $jobs/$late_jobs; its report goes to
# its run directory's "report".
start_job() {
	local id ver builder cpus group mark run
	read -r id ver builder cpus group mark <<< "$1"
	run=$BLKSNAP_VM_RUNS/$id
	mkdir -p "$run"
	rm -f "$run/counts" "$run/report"
	run_kernel "$ver" "$builder" "$run" "$cpus" "$group" "$mark" > "$run/report" 2>&1
}

# A run directory keeps the last run's report until its job starts
# again: clear them all first, or print_reports would show a stale one.
for line in "${jobs[@]}"; do
	rm -f "$BLKSNAP_VM_RUNS/${line%% *}/counts" "$BLKSNAP_VM_RUNS/${line%% *}/report"
done
running=0
for line in "${jobs[@]}"; do
	if [ "$guests" -le 1 ]; then
		start_job "$line" || true
		print_reports
		continue
	fi
	if [ "$running" -ge "$guests" ]; then
		wait -n || true
		running=$((running - 1))
		print_reports
	fi
	start_job "$line" &
	running=$((running + 1))
	echo "vm: started ${line%% *} in the background ($running of at most $guests guests)"
done
wait
print_reports
for line in "${jobs[@]}"; do
	read -r id _ <<< "$line"
	read -r p f s < "$BLKSNAP_VM_RUNS/$id/counts" 2>/dev/null || { p=0 f=1 s=0; }
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
	total_skipped=$((total_skipped + ${s:-0}))
done

[ "$demo" -eq 1 ] || echo "$total_passed passed, $total_failed failed, $total_skipped skipped (a kernel without what they test)"
[ "$total_failed" -eq 0 ]

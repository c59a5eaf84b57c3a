#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the guest as PID 1 after switch_root: every case script in
# tests/vm/cases (or those named by blksnap_cases= on the kernel command
# line), each followed by a kernel log and taint check, then powers off.
# The host reads the BLKSNAP-* lines from the serial console.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
export BLKSNAP_SRC=/mnt/blksnap
export BLKSNAP_BUILD=$BLKSNAP_SRC/build
export BLKSNAP_CLI=$BLKSNAP_BUILD/tools/blksnap-cli/blksnap
# The build tree's RPATH names its host path, which may be hidden here.
export LD_LIBRARY_PATH=$BLKSNAP_BUILD/lib

mkdir -p /dev/shm /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t devpts devpts /dev/pts
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname blksnap-guest
# Cases print their own output; kernel messages are read per case below.
dmesg -n 1
# Report a stuck task within a case's lifetime, not after two minutes.
echo 30 > /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null

# Taints a healthy run may show: O (out-of-tree module), E (unsigned).
TAINT_ALLOWED=$(( (1 << 12) | (1 << 13) ))
KERNEL_TROUBLE='WARNING:|BUG:|Oops|general protection|blocked for more than|hung_task|list_add corruption|list_del corruption|Call Trace|UBSAN|refcount_t:|kernel BUG|Kernel panic'

wanted=$(sed -n 's/.*blksnap_cases=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
case_timeout=$(sed -n 's/.*blksnap_case_timeout=\([0-9]*\).*/\1/p' /proc/cmdline)
# Set on the first listed kernel (run.sh): cases marked "# kernels: first"
# run there only (tests/vm/README).
first_kernel=$(sed -n 's/.*blksnap_first_kernel=\([01]\).*/\1/p' /proc/cmdline)
# run.sh boots a 1-vCPU guest for most cases and a 2-vCPU one for those
# marked "# cpus: 2" (tests/vm/README); each runs only its own.
cpus_group=$(sed -n 's/.*blksnap_cpus_group=\([0-9]*\).*/\1/p' /proc/cmdline)
# On the first kernel the 1-vCPU cases are split over two guests by their
# "# kernels:" mark (run.sh); each runs only its own.
kernels_mark=$(sed -n 's/.*blksnap_kernels_mark=\([a-z]*\).*/\1/p' /proc/cmdline)
: "${case_timeout:=600}"

echo "BLKSNAP-GUEST-UP $(uname -r)"
if grep -q 'blksnap_demo=1' /proc/cmdline; then
	echo "BLKSNAP-DEMO-BEGIN"
	(cd /tmp && bash "$BLKSNAP_SRC/tests/vm/demo.sh") 2>&1 </dev/null
	echo "BLKSNAP-DEMO-END"
	echo "BLKSNAP-RESULT: demo"
	echo o > /proc/sysrq-trigger
	sleep 30
fi

passed=0
# Cases that exit 77 (caselib skip()): not passed, not failed.
skipped=0
failed=0
trap 'watchdog_fired=1' USR1
# now_ms: milliseconds since the epoch, without a fork (bash 5).
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}
stopped=
# case_hung WHY: the verdict on case $name stuck in the kernel, with the
# blocked tasks' stacks; the caller stops the suite, as the kernel is not
# in a state to test.
case_hung() {
	echo w > /proc/sysrq-trigger
	dmesg | tail -n 150 | sed 's/^/    dmesg| /'
	failed=$((failed + 1))
	echo "BLKSNAP-CASE-END $name FAIL ${ms}ms: hung: $1; the suite stops here"
	stopped=$name
}
# blksnap_suite=perf runs the benchmarks of tests/perf instead of the cases.
suite=$(sed -n 's/.*blksnap_suite=\([a-z]*\).*/\1/p' /proc/cmdline)
case_dir=$BLKSNAP_SRC/tests/vm/cases
[ "$suite" = perf ] && case_dir=$BLKSNAP_SRC/tests/perf
# blksnap_suite=selftest: the harness's own checks (a case that hangs).
[ "$suite" = selftest ] && case_dir=$BLKSNAP_SRC/tests/vm/selftest
for script in "$case_dir"/*.sh; do
	name=$(basename "$script" .sh)
	# Every case says where it runs (tests/vm/README): "# kernels: every"
	# or "# kernels: first".  One that does not is failed, not guessed.
	kernels=$(sed -n 's/^# kernels: *\([a-z]*\).*/\1/p' "$script" | head -n 1)
	cpus=$(sed -n 's/^# cpus: *\([0-9]*\).*/\1/p' "$script" | head -n 1)
	if [ -n "$wanted" ]; then
		case " $wanted " in *" $name "*) ;; *) continue ;; esac
	fi
	if [ -n "$cpus_group" ] && [ "${cpus:-1}" != "$cpus_group" ]; then
		echo "BLKSNAP-CASE-ELSEWHERE $name: runs in the ${cpus:-1}-vCPU guest"
		continue
	fi
	if [ -n "$kernels_mark" ] && [ "$kernels" != "$kernels_mark" ] &&
	   { [ "$kernels" = every ] || [ "$kernels" = first ]; }; then
		echo "BLKSNAP-CASE-ELSEWHERE $name: runs in this kernel's guest for the cases marked '$kernels'"
		continue
	fi
	if [ -z "$wanted" ] && [ "$kernels" = first ] && [ "$first_kernel" != 1 ]; then
		echo "BLKSNAP-CASE-ELSEWHERE $name: runs on the first listed kernel only"
		continue
	fi
	if [ "$suite" = cases ] && [ "$kernels" != every ] && [ "$kernels" != first ]; then
		failed=$((failed + 1))
		echo "BLKSNAP-CASE-BEGIN $name"
		echo "    | $script has no '# kernels: every' or '# kernels: first' line (tests/vm/README)"
		echo "BLKSNAP-CASE-END $name FAIL 0ms: no kernels marker"
		continue
	fi
	dmesg -C
	taint0=$(cat /proc/sys/kernel/tainted)
	echo "BLKSNAP-CASE-BEGIN $name"
	start_ms=$(now_ms)
	(cd /tmp && exec timeout -k 10 "$case_timeout" bash "$script") \
		> /tmp/case.log 2>&1 </dev/null &
	pid=$!
	# The watchdog: a case stuck in the kernel (D state) outlives its
	# timeout's SIGKILL; it is failed by name (case_hung).  One sleeping
	# process signals us then; `wait` returns early on the signal.  (A
	# loop that polled with date and sleep forked ten processes a second
	# beside the case, and under TCG each fork costs real CPU.)
	watchdog_fired=0
	(
		sleep $((case_timeout + 60)) &
		s=$!
		trap 'kill $s; exit 0' TERM
		wait $s && kill -USR1 $$
	) &
	watchdog=$!
	wait $pid
	rc=$?
	kill $watchdog 2>/dev/null
	wait $watchdog 2>/dev/null
	if [ $watchdog_fired -eq 1 ] && kill -0 $pid 2>/dev/null; then
		ms=$(( $(now_ms) - start_ms ))
		sed 's/^/    | /' /tmp/case.log
		case_hung "still running $((case_timeout + 60))s after it started, unkillable"
		break
	fi
	# The case ended as the watchdog fired: its own exit code, not the
	# signal's.
	[ $watchdog_fired -eq 1 ] && { wait $pid; rc=$?; }
	ms=$(( $(now_ms) - start_ms ))
	sed 's/^/    | /' /tmp/case.log
	# A timed-out case whose processes sleep on in D state (timeout's
	# SIGKILL cannot end them) hung in the kernel: same verdict.
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		sleep 2
		stuck=$(ps -eo stat=,pid=,args= | awk '$1 ~ /^D/ && $3 !~ /^\[/ { $1 = ""; print }')
		if [ -n "$stuck" ]; then
			echo "$stuck" | sed 's/^/    stuck| /'
			case_hung "its processes sleep uninterruptibly after its ${case_timeout}s timeout"
			break
		fi
	fi

	# Every case leaves the module unloadable; a leak shows up here.  A
	# failed case may have left filters attached: detach them by number,
	# so that the next case starts clean.
	if grep -q '^blksnap ' /proc/modules && ! rmmod blksnap 2>/tmp/rmmod.err; then
		echo "    | after the case: rmmod blksnap failed: $(cat /tmp/rmmod.err)"
		[ $rc -eq 0 ] && rc=100
		awk '$1 ~ "^/dev/(vd|blksnap|loop|sd)" { print $2 }' /proc/mounts |
			sort -r | xargs -r umount -l
		for id in $("$BLKSNAP_CLI" snapshot list --json 2>/dev/null |
			    python3 -c 'import json,sys; [print(s["id"]) for s in json.load(sys.stdin)["snapshots"]]' 2>/dev/null); do
			"$BLKSNAP_CLI" snapshot destroy "$id" >/dev/null 2>&1
		done
		for d in /sys/class/block/*/dev; do
			"$BLKSNAP_CLI" detach "$(cat "$d")" >/dev/null 2>&1
		done
		rmmod blksnap 2>/dev/null
	fi
	dmesg > /tmp/dmesg.log
	reason=
	skip=
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		reason="timed out after ${case_timeout}s"
	elif [ $rc -eq 100 ]; then
		reason="module could not be unloaded"
	elif [ $rc -eq 77 ]; then
		# caselib's skip(): what this kernel lacks, on its last line.
		skip=$(tail -n 1 /tmp/case.log | sed 's/^SKIP: //')
	elif [ $rc -ne 0 ]; then
		# The case's own words on the verdict line: a report that shows
		# only the head of a long log still says what failed.
		said=$(grep '^FAIL: ' /tmp/case.log | tail -n 1 | cut -c 7-300)
		reason="script exited $rc${said:+: $said}"
	fi
	if grep -Eq "$KERNEL_TROUBLE" /tmp/dmesg.log; then
		reason="${reason:+$reason; }kernel log shows trouble"
		sed 's/^/    dmesg| /' /tmp/dmesg.log | tail -n 80
	fi
	# A failed case shows the kernel's last words even without trouble.
	if [ -n "$reason" ] && ! grep -Eq "$KERNEL_TROUBLE" /tmp/dmesg.log; then
		tail -n 30 /tmp/dmesg.log | sed 's/^/    dmesg| /'
	fi
	taint1=$(cat /proc/sys/kernel/tainted)
	new_taint=$(( taint1 & ~taint0 & ~TAINT_ALLOWED ))
	if [ $new_taint -ne 0 ]; then
		reason="${reason:+$reason; }new kernel taint $new_taint"
	fi
	if [ -z "$reason" ] && [ -n "$skip" ]; then
		skipped=$((skipped + 1))
		echo "BLKSNAP-CASE-END $name SKIP ${ms}ms: $skip"
	elif [ -z "$reason" ]; then
		passed=$((passed + 1))
		echo "BLKSNAP-CASE-END $name PASS ${ms}ms"
	else
		failed=$((failed + 1))
		echo "BLKSNAP-CASE-END $name FAIL ${ms}ms: $reason"
	fi
done
echo "BLKSNAP-RESULT: $passed passed, $failed failed, $skipped skipped${stopped:+ (stopped at $stopped)}"
sync
echo o > /proc/sysrq-trigger
sleep 30

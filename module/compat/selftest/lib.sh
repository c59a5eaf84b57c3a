# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# What the compat self-tests share; sourced after they set `here`.
#   $out            a scratch directory, removed at exit
#   result NAME WHY counts NAME passed when WHY is empty, else failed
#   finish          prints the "N passed, M failed" line; fails if any did
out=$(mktemp -d "${TMPDIR:-/tmp}/blksnap-selftest.XXXXXX")
trap 'rm -rf "$out"' EXIT
passed=0
failed=0

result() {
	if [ -z "$2" ]; then
		passed=$((passed + 1)); echo "PASS $1"
	else
		failed=$((failed + 1)); echo "FAIL $1: $2"
	fi
}

finish() {
	echo "selftest: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

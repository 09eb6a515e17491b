# SPDX-License-Identifier: MIT
# TAP for the shell tests: every tests/*/*.t that is a shell script sources
# this (directly or through its directory's lib.sh). One test per call; the
# plan line is the script's own (echo "1..N").
# shellcheck shell=bash
n=${n:-0}

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# fail NAME [LINE...]: a failed test and why, one comment line each
fail() {
	not_ok "$1"
	shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
}

# ok_if STATUS NAME: passes when STATUS (an exit status) is 0
ok_if() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }

# check NAME COMMAND...: passes when COMMAND succeeds
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# is EXPECTED ACTUAL NAME
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		echo "#   expected: '$1'"
		echo "#   got:      '$2'"
	fi
}

# has PATTERN FILE NAME: a line of FILE matches the extended regexp
has() {
	if grep -qE -- "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3"
		echo "#   no line matching '$1' in:"
		sed 's/^/#     /' "$2" | head -n 30
	fi
}

# lacks PATTERN FILE NAME: no line of FILE matches
lacks() {
	if ! grep -qE -- "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3"
		echo "#   unexpected line matching '$1':"
		grep -E -- "$1" "$2" | sed 's/^/#     /' | head -n 10
	fi
}

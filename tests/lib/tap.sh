# SPDX-License-Identifier: MIT
# TAP for the shell tests: every tests/*/*.t that is a shell script sources
# this (directly or through its directory's lib.sh). One test per call; the
# plan line is the script's own (echo "1..$n"); n_fail counts the failures.
# TAP_PREFIX, if set before sourcing, starts every line (the VM guest's
# console mixes TAP with the kernel's messages: tests/vm/guest/lib.sh).
# Only bash builtins, except for the output of has/lacks and multi-line fail.
# shellcheck shell=bash
n=${n:-0}
n_fail=${n_fail:-0}
TAP_PREFIX=${TAP_PREFIX:-}

ok() { n=$((n + 1)); echo "${TAP_PREFIX}ok $n - $1"; }
not_ok() { n=$((n + 1)) n_fail=$((n_fail + 1)); echo "${TAP_PREFIX}not ok $n - $1"; }
skip() { n=$((n + 1)); echo "${TAP_PREFIX}ok $n - $1 # SKIP $2"; }
# skip_all COUNT NAME WHY: the script's COUNT tests all skipped (it printed
# its plan before finding what it needs missing), then exit 0
skip_all() {
	local i
	for ((i = 0; i < $1; i++)); do skip "$2" "$3"; done
	exit 0
}
# note TEXT: a comment line
note() { echo "${TAP_PREFIX}# $*"; }
# fail NAME [LINE...]: a failed test and why, one comment line each
fail() {
	not_ok "$1"
	shift
	for l in "$@"; do printf '%s\n' "$l" | sed "s/^/${TAP_PREFIX}# /"; done
}

# same EXPECTED-FILE ACTUAL-FILE NAME: the files are equal; else their diff
same() {
	if cmp -s "$1" "$2"; then ok "$3"; else
		not_ok "$3"
		diff -u "$1" "$2" | sed "s/^/${TAP_PREFIX}#   /" | head -n 40
	fi
}

# ok_if STATUS NAME: passes when STATUS (an exit status) is 0
ok_if() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }

# check NAME COMMAND...: passes when COMMAND succeeds
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# check_log NAME COMMAND...: passes when COMMAND succeeds; its output (stdout and
# stderr, the first 40 lines) is shown as comments only when it fails
check_log() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		fail "$name" "$(printf '%s\n' "$out" | head -n 40)"
	fi
}

# is EXPECTED ACTUAL NAME
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		echo "${TAP_PREFIX}#   expected: '$1'"
		echo "${TAP_PREFIX}#   got:      '$2'"
	fi
}

# has PATTERN FILE NAME: a line of FILE matches the extended regexp
has() {
	if grep -qE -- "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3"
		echo "${TAP_PREFIX}#   no line matching '$1' in:"
		sed "s/^/${TAP_PREFIX}#     /" "$2" | head -n 30
	fi
}

# lacks PATTERN FILE NAME: no line of FILE matches
lacks() {
	if ! grep -qE -- "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3"
		echo "${TAP_PREFIX}#   unexpected line matching '$1':"
		grep -E -- "$1" "$2" | sed "s/^/${TAP_PREFIX}#     /" | head -n 10
	fi
}

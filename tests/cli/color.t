#!/bin/bash
# SPDX-License-Identifier: MIT
# The text plan in colour on a terminal (+ green, ~ yellow, - and ! red),
# never when stdout is not one unless --color=always; NO_COLOR and
# --color=never turn it off. The terminal is a pty from script(1).
. "$(dirname "$0")/lib.sh"
echo "1..11"
ESC=$(printf '\033')
# SPEC STATE of a plan case
case_args() { echo "$TOP/tests/plan/cases/$1/spec.yaml" "$TOP/$(cat "$TOP/tests/plan/cases/$1/host.ref")"; }
read -r all_spec all_host <<<"$(case_args all-kinds)"
read -r blocked_spec blocked_host <<<"$(case_args grow-blocked)"
# plain NAME FILE: the plan is there, without any escape
plain() {
	if grep -q '^~ 0000:0b:00.1 num-vfs 0 -> 4$' "$2" && ! grep -q "$ESC" "$2"; then ok "$1"; else
		fail "$1" "$(cat -v "$2" | head -5)"
	fi
}
if ! command -v script >/dev/null; then
	for i in $(seq 11); do skip "colour" "script(1) (bsdutils) is not installed"; done
	exit 0
fi
# tty OUT ARGS...: sriovctl on a pty, what it printed in OUT
tty() {
	local out=$1
	shift
	env -u NO_COLOR script -qec "$(printf '%q ' "$SRIOVCTL" "$@")" /dev/null </dev/null 2>&1 |
		tr -d '\r' >"$out" # the pty ends lines with CR LF
}

tty "$T/tty" plan "$all_spec" --state "$all_host"
has "^${ESC}\[32m\+ /etc/modprobe.d/sriovctl-igb.conf" "$T/tty" "on a terminal: + is green"
has "^${ESC}\[33m~ 0000:0b:00.1 num-vfs 0 -> 4${ESC}\[0m" "$T/tty" "~ is yellow, reset at the end of the line"
has "^${ESC}\[31m- detach " "$T/tty" "- is red"
has "^${ESC}\[32m    \+ options igb max_vfs=4" "$T/tty" "a file's added line is green"
has "^Plan: 11 to change" "$T/tty" "the summary is not coloured"
tty "$T/tty" plan "$blocked_spec" --state "$blocked_host"
has "^${ESC}\[31m! blocked: " "$T/tty" "! is red"

NO_COLOR=1 script -qec "$(printf '%q ' "$SRIOVCTL" plan "$all_spec" --state "$all_host")" \
	/dev/null </dev/null 2>&1 | tr -d '\r' >"$T/tty"
plain "NO_COLOR: no colour on a terminal" "$T/tty"
tty "$T/tty" plan "$all_spec" --state "$all_host" --color=never
plain "--color=never: no colour on a terminal" "$T/tty"
env -u NO_COLOR "$SRIOVCTL" plan "$all_spec" --state "$all_host" >"$T/pipe" 2>&1
plain "not a terminal: no colour" "$T/pipe"
env -u NO_COLOR "$SRIOVCTL" plan "$all_spec" --state "$all_host" --color=auto >"$T/pipe" 2>&1
plain "not a terminal, --color=auto: no colour" "$T/pipe"
NO_COLOR=1 "$SRIOVCTL" plan "$all_spec" --state "$all_host" --color=always >"$T/pipe" 2>&1
has "^${ESC}\[33m~ " "$T/pipe" "--color=always: colour even through a pipe and over NO_COLOR"

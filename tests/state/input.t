#!/bin/bash
# SPDX-License-Identifier: MIT
# Command-line and file input at its edges: --state of an endless file is
# capped like -f (16 MiB), non-finite --timeout/--lock-timeout are usage
# errors, a UTF-8 byte order mark at the start of a file is skipped, and
# -f given twice is a usage error rather than a silent choice.
set -u
cd "$TOP" || exit 1
. "$TOP/tests/lib/tap.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# run EXPECTED-RC STDERR-REGEXP NAME ARGS... ("" as the regexp: stderr empty)
run() {
	local want=$1 re=$2 name=$3
	shift 3
	# a memory bound proves the 16 MiB cap (an ASan build reserves terabytes of
	# address space for its shadow, so there the cap shows by the time bound)
	(if [ "${SANITIZE:-0}" != 1 ]; then ulimit -v 2000000; fi
	 timeout 60 "$SRIOVCTL" "$@") >"$T/out" 2>"$T/err" </dev/null
	local rc=$?
	# an empty regexp: nothing on stderr
	local seen=0
	if [ -z "$re" ]; then [ ! -s "$T/err" ] && seen=1; else grep -qE -- "$re" "$T/err" && seen=1; fi
	if [ "$rc" = "$want" ] && [ "$seen" = 1 ]; then
		ok "$name"
	else
		fail "$name" "exit $rc (want $want)" "$(head -c 600 "$T/err")"
	fi
}

SPEC=examples/seed-82576.yaml
STATE=examples/hosts/seed-82576.state.yaml
run 1 "^/dev/zero: error: file is larger than 16 MiB$" "plan --state /dev/zero: capped at 16 MiB" \
	plan -f "$SPEC" --state /dev/zero
run 1 "^/dev/zero: error: file is larger than 16 MiB$" "show --state /dev/zero: capped at 16 MiB" \
	show --state /dev/zero

for opt in --timeout --lock-timeout; do
	for v in nan NaN inf -nan infinity 1e400; do
		run 64 "invalid number of seconds '$v'" "$opt $v: usage error" \
			apply -f "$SPEC" --state "$STATE" --dry-run "$opt" "$v"
	done
done

printf '\357\273\277' >"$T/bom.yaml"
cat "$SPEC" >>"$T/bom.yaml"
run 0 "" "a desired-state file with a UTF-8 BOM is valid" validate -q "$T/bom.yaml"
printf '\357\273\277version: 2\n' >"$T/bom2.yaml"
run 65 "^$T/bom2.yaml:1:10: error: unsupported version 2" "after a BOM, places still count from line 1" \
	validate "$T/bom2.yaml"
printf '\357\273\277' >"$T/bom.state.yaml"
cat "$STATE" >>"$T/bom.state.yaml"
run 0 "" "a host-state file with a UTF-8 BOM loads" show --state "$T/bom.state.yaml"

run 64 "-f given twice" "-f A -f B: usage error" plan -f "$SPEC" -f "$T/bom.yaml" --state "$STATE"
run 64 "-f given twice" "--file A --file B: usage error" plan --file "$SPEC" --file "$SPEC" --state "$STATE"
echo "1..$n"

#!/bin/bash
# The planner's table: every directory under tests/plan/cases/ is a case,
#   spec.yaml        the desired state
#   host.state.yaml  the host, or host.ref naming a shared host-state file
#                    relative to the top of the tree
#   args             optional extra arguments (e.g. --force)
#   expected.txt     the text plan (absent: nothing on stdout)
#   expected.json    the JSON plan (absent: nothing on stdout)
#   expected.err     stderr (absent: empty)
#   exit-code        the exit status of `plan --detailed-exitcode` (absent:
#                    0 when expected.txt says "No changes", else 2)
# Each case is two tests: text and JSON, both with their exit status.
# SRIOVCTL_UPDATE_GOLDEN=1 rewrites the expected files from the output
# (review the diff before committing).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
SRIOVCTL=${SRIOVCTL:-$TOP/build/sriovctl}
update=${SRIOVCTL_UPDATE_GOLDEN:-0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cases=()
for d in "$TOP"/tests/plan/cases/*/; do
	cases+=("$(basename "$d")")
done
echo "1..$((${#cases[@]} * 2))"

# compare NAME EXPECTED-FILE ACTUAL-FILE: 0 when equal (absent expected = empty)
compare() {
	local exp=$2 act=$3
	if [ "$update" = 1 ]; then
		if [ -s "$act" ]; then cp "$act" "$exp"; else rm -f "$exp"; fi
		return 0
	fi
	if [ -f "$exp" ]; then
		diff -u "$exp" "$act" >"$tmp/diff" && return 0
	else
		[ -s "$act" ] || return 0
		diff -u /dev/null "$act" >"$tmp/diff"
	fi
	echo "# $1: $(basename "$exp") differs:"
	sed 's/^/#   /' "$tmp/diff"
	return 1
}

n=0
for c in "${cases[@]}"; do
	dir="$TOP/tests/plan/cases/$c"
	if [ -f "$dir/host.state.yaml" ]; then
		host=host.state.yaml
	else
		host="../../../../$(cat "$dir/host.ref")"
	fi
	args=()
	[ -f "$dir/args" ] && read -r -a args <"$dir/args"
	for form in text json; do
		n=$((n + 1))
		flags=(--detailed-exitcode)
		exp="$dir/expected.txt"
		if [ "$form" = json ]; then
			flags+=(--json)
			exp="$dir/expected.json"
		fi
		(cd "$dir" && "$SRIOVCTL" plan -f spec.yaml --state "$host" "${flags[@]}" \
			${args[@]+"${args[@]}"}) >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if [ -f "$dir/exit-code" ]; then
			want=$(cat "$dir/exit-code")
		elif grep -q '^No changes' "$dir/expected.txt" 2>/dev/null; then
			want=0
		else
			want=2
		fi
		ok=1
		compare "$c" "$exp" "$tmp/out" || ok=0
		compare "$c" "$dir/expected.err" "$tmp/err" || ok=0
		if [ "$update" = 1 ] && [ "$form" = text ]; then
			case $rc in
			0 | 2) rm -f "$dir/exit-code" ;;
			*) echo "$rc" >"$dir/exit-code" ;;
			esac
		elif [ "$rc" != "$want" ]; then
			echo "# $c: exit status $rc, expected $want"
			ok=0
		fi
		if [ "$form" = json ] && [ -s "$tmp/out" ] &&
			! "${PYTHON:-/usr/bin/python3}" -c 'import json,sys; json.load(sys.stdin)' <"$tmp/out"; then
			echo "# $c: the JSON plan does not parse"
			ok=0
		fi
		if [ $ok = 1 ]; then
			echo "ok $n - $c $form"
		else
			echo "not ok $n - $c $form"
		fi
	done
done

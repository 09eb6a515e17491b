#!/bin/bash
# `apply --dry-run` prints the same plan as `plan` and changes nothing; a
# blocked change makes it exit 3. `plan` without --detailed-exitcode exits
# 0 even with changes.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
SRIOVCTL=${SRIOVCTL:-$TOP/build/sriovctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# case, command, expected exit status
checks=(
	"seed apply 0"
	"seed-applied apply 0"
	"all-kinds apply 0"
	"grow-blocked apply 3"
	"seed plan 0"
	"grow-blocked plan 0"
)
echo "1..${#checks[@]}"
n=0
for chk in "${checks[@]}"; do
	read -r c cmd want <<<"$chk"
	n=$((n + 1))
	dir="$TOP/tests/plan/cases/$c"
	if [ -f "$dir/host.state.yaml" ]; then
		host=host.state.yaml
	else
		host="../../../../$(cat "$dir/host.ref")"
	fi
	sum_before=$(cd "$dir" && cat spec.yaml "$host" | md5sum)
	if [ "$cmd" = apply ]; then
		(cd "$dir" && "$SRIOVCTL" apply --dry-run -f spec.yaml --state "$host") >"$tmp/out" 2>"$tmp/err"
	else
		(cd "$dir" && "$SRIOVCTL" plan -f spec.yaml --state "$host") >"$tmp/out" 2>"$tmp/err"
	fi
	rc=$?
	sum_after=$(cd "$dir" && cat spec.yaml "$host" | md5sum)
	ok=1
	if ! diff -u "$dir/expected.txt" "$tmp/out" >"$tmp/diff"; then
		echo "# $c: $cmd prints another plan:"
		sed 's/^/#   /' "$tmp/diff"
		ok=0
	fi
	if [ "$rc" != "$want" ]; then
		echo "# $c: $cmd exited $rc, expected $want"
		sed 's/^/#   /' "$tmp/err"
		ok=0
	fi
	if [ "$want" = 3 ] && ! grep -q 'blocked' "$tmp/err"; then
		echo "# $c: no word of the blocked change on stderr"
		ok=0
	fi
	[ "$sum_before" = "$sum_after" ] || { echo "# $c: input files changed"; ok=0; }
	if [ $ok = 1 ]; then
		echo "ok $n - $c $cmd${want:+ exits $want}"
	else
		echo "not ok $n - $c $cmd exits $want"
	fi
done

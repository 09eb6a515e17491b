#!/bin/bash
# Run every test and print one closing line "N passed, N failed, N skipped".
#
# A test is a cmocka binary ($B/tests/test_*) or an executable tests/*/*.t
# script; each prints TAP ("ok N - name", "not ok N - name", "# SKIP" in
# the line for a skip). A test program that exits non-zero without a
# failing TAP line, or prints no TAP line at all, counts as one failure.
# With SRIOVCTL_NO_SKIP=1 (CI) any skip fails the run.
# Usage: tests/run-tests.sh [PATTERN]   (runs tests whose name contains PATTERN)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
export TOP B
export SRIOVCTL="$TOP/$B/sriovctl"
export SIMHOST_SHIM="$TOP/$B/tests/simhost/fakekernel.so"
export CMOCKA_MESSAGE_OUTPUT=TAP
export PYTHON=/usr/bin/python3   # Debian's python3 with python3-yaml and python3-jsonschema
# the fake kernel and umockdev are preloaded before an ASan binary's runtime
export ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pattern=${1:-}
logdir="$TOP/$B/test-logs"
mkdir -p "$logdir"

passed=0 failed=0 skipped=0
failed_names=()
skipped_names=()

tests=()
for t in "$TOP/$B"/tests/test_*; do
	[ -x "$t" ] && [ -f "$t" ] && [[ "$t" != *.d ]] && tests+=("$t")
done
for t in "$TOP"/tests/*/*.t; do
	[ -x "$t" ] && tests+=("$t")
done

for t in "${tests[@]}"; do
	name=${t#"$TOP"/}
	[ -n "$pattern" ] && [[ "$name" != *"$pattern"* ]] && continue
	log="$logdir/$(echo "$name" | tr '/' '_').log"
	start=$EPOCHREALTIME
	(cd "$TOP" && timeout --kill-after=10 900 "$t") >"$log" 2>&1 </dev/null
	rc=$?
	secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	p=$(grep -cE '^ok ' "$log" | head -1)
	f=$(grep -E '^not ok ' "$log" | grep -cv '# SKIP')
	s=$(grep -cE '^(not )?ok .*# SKIP' "$log")
	p=$((p - $(grep -E '^ok ' "$log" | grep -c '# SKIP')))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		f=1
		echo "not ok - $name ran no test" >>"$log"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	printf '%-44s %3d passed %3d failed %3d skipped  %6.2fs\n' "$name" "$p" "$f" "$s" "$secs"
	if [ "$f" -gt 0 ]; then
		failed_names+=("$name")
		echo "---- $log"
		grep -vE '^ok ' "$log" | tail -n 60
		echo "----"
	fi
	if [ "$s" -gt 0 ]; then
		while IFS= read -r line; do skipped_names+=("$name: $line"); done \
			< <(grep -E '^(not )?ok .*# SKIP' "$log")
	fi
done

for s in "${skipped_names[@]+"${skipped_names[@]}"}"; do
	echo "skipped: $s"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || exit 1
if [ "${SRIOVCTL_NO_SKIP:-0}" = 1 ] && [ "$skipped" -gt 0 ]; then
	echo "error: $skipped test(s) skipped, and SRIOVCTL_NO_SKIP=1 forbids skips" >&2
	exit 1
fi
exit 0

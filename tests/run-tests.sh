#!/bin/bash
# Run every test and print one closing line "N passed, N failed, N skipped".
#
# A test is a cmocka binary ($B/tests/test_*) or an executable tests/*/*.t
# script; each speaks TAP. Each runs under TAP::Harness (prove), which
# checks its plan: a test that stops early, prints no plan, or exits
# non-zero fails even when every line it printed was "ok". Tests run
# side by side (-j, default the number of cores); the real-kernel VM tier
# (tests/vm/) runs alone afterwards, so that its guest is not starved.
# With SRIOVCTL_NO_SKIP=1 (CI) any skip fails the run. A "not ok ... # TODO
# why" line is a known defect: listed before the closing line, neither
# passed nor failed (as TAP::Harness counts it).
# Usage: tests/run-tests.sh [-j N] [PATTERN]   (tests whose name contains PATTERN)
# SRIOVCTL_TESTS="PREFIX...": only the tests whose path (from the top of the
# tree) starts with one of them, e.g. "build/tests/ tests/plan/" (a package
# build runs the tiers that need no simulated host and no libvirtd).
set -u
# SRIOVCTL_TEST_TOP: another tree of tests (tests/harness/runner.t tests this runner)
TOP=${SRIOVCTL_TEST_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
B=${B:-build}
export TOP B
export SRIOVCTL="$TOP/$B/sriovctl"
# VALGRIND=1: the tests that need no simulated host (its LD_PRELOAD shim
# and valgrind do not mix), sriovctl and the unit tests under valgrind
VALGRIND=${VALGRIND:-0}
if [ "$VALGRIND" = 1 ]; then
	if ! command -v valgrind >/dev/null; then
		echo "error: VALGRIND=1 needs valgrind (Debian valgrind)" >&2
		exit 1
	fi
	export SRIOVCTL_REAL="$SRIOVCTL" SRIOVCTL="$TOP/tests/valgrind/sriovctl"
	export VALGRIND_LOGS="$TOP/$B/valgrind-logs"
	rm -rf "$VALGRIND_LOGS"
	mkdir -p "$VALGRIND_LOGS"
	chmod 1777 "$VALGRIND_LOGS" # tests that drop privileges log there too
	VALGRIND_TESTS=${VALGRIND_TESTS:-"$B/tests/test_ tests/spec/ tests/plan/ tests/state/"}
fi
export SIMHOST_SHIM="$TOP/$B/tests/simhost/fakekernel.so"
export CMOCKA_MESSAGE_OUTPUT=TAP
export PYTHON=/usr/bin/python3   # Debian's python3 with python3-yaml and python3-jsonschema
# the fake kernel and umockdev are preloaded before an ASan binary's runtime
export ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
jobs=${SRIOVCTL_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
if [ "${1:-}" = -j ]; then
	jobs=$2
	shift 2
fi
pattern=${1:-}
logdir="$TOP/$B/test-logs"
mkdir -p "$logdir"
if ! command -v prove >/dev/null; then
	echo "error: prove (TAP::Harness, Debian perl) is needed to run the tests" >&2
	exit 1
fi

tests=()
for t in "$TOP/$B"/tests/test_*; do
	[ -x "$t" ] && [ -f "$t" ] && [[ "$t" != *.d ]] && tests+=("$t")
done
for t in "$TOP"/tests/*/*.t; do
	[ -x "$t" ] && tests+=("$t")
done
# SRIOVCTL_TEST_EXCLUDE: tests whose name contains it are not run (CI's
# sanitizer pass does not boot the VM tier a second time)
exclude=${SRIOVCTL_TEST_EXCLUDE:-}
# (not handed down: tests that run this runner on trees of their own)
only=${SRIOVCTL_TESTS:-}
unset SRIOVCTL_TESTS
selected=()
for t in "${tests[@]}"; do
	name=${t#"$TOP"/}
	[ -n "$pattern" ] && [[ "$name" != *"$pattern"* ]] && continue
	if [ -n "$only" ]; then
		keep=0
		for v in $only; do
			[[ "$name" == "$v"* ]] && keep=1
		done
		[ "$keep" = 1 ] || continue
	fi
	if [ "$VALGRIND" = 1 ]; then
		keep=0
		for v in $VALGRIND_TESTS; do
			[[ "$name" == "$v"* ]] && keep=1
		done
		[ "$keep" = 1 ] || continue
	fi
	skip_it=0
	for x in $exclude; do
		[[ "$name" == *"$x"* ]] && skip_it=1
	done
	if [ "$skip_it" = 1 ]; then
		echo "not run here: $name (SRIOVCTL_TEST_EXCLUDE=$exclude)"
		continue
	fi
	selected+=("$t")
done

log_of() { echo "$logdir/$(echo "${1#"$TOP"/}" | tr '/' '_').log"; }

# count TEST: "passed failed skipped" from its log, with prove's verdict: a
# bad plan, a non-zero exit or no test at all fails
count() {
	local t=$1 log p f s why
	log=$(log_of "$t")
	# "not ok ... # TODO why": a known defect, shown, not counted as passed or failed
	p=$(grep -E '^ok ' "$log" | grep -cvE '# (SKIP|TODO)')
	f=$(grep -E '^not ok ' "$log" | grep -cvE '# (SKIP|TODO)')
	s=$(grep -cE '^(not )?ok .*# SKIP' "$log")
	if { ! grep -q '^Result: PASS$' "$log" || [ $((p + s)) -eq 0 ]; } && [ "$f" -eq 0 ]; then
		f=1
		why=$(grep -E 'Parse errors:|Wstat:|No plan found|Bad plan' "$log" | head -n 2 | tr '\n' ' ')
		echo "not ok - ${t#"$TOP"/} failed under TAP::Harness: ${why:-$(tail -n 1 "$log")}" >>"$log"
	fi
	echo "$p $f $s"
}

# run_one TEST: its TAP and prove's verdict in its log, one line when done
run_one() {
	local t=$1 log start secs
	log=$(log_of "$t")
	start=$EPOCHREALTIME
	local exec=''
	[ "$VALGRIND" = 1 ] && [[ "$t" != *.t ]] && exec="$TOP/tests/valgrind/run"
	(cd "$TOP" && timeout --kill-after=10 900 prove --exec "$exec" --verbose --norc "$t") \
		>"$log" 2>&1 </dev/null
	echo "rc=$?" >>"$log"
	secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	count "$t" >"$log.counts"
	read -r p f s <"$log.counts"
	printf '%-44s %3d passed %3d failed %3d skipped  %6.2fs\n' "${t#"$TOP"/}" "$p" "$f" "$s" "$secs"
}

# the tiers that share the machine well run side by side, the VM tier alone
parallel=() serial=()
for t in "${selected[@]}"; do
	case "$t" in
	"$TOP"/tests/vm/*) serial+=("$t") ;;
	*) parallel+=("$t") ;;
	esac
done
running=0
for t in "${parallel[@]+"${parallel[@]}"}"; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
for t in "${serial[@]+"${serial[@]}"}"; do
	run_one "$t"
done

passed=0 failed=0 skipped=0
skipped_names=()
for t in "${selected[@]}"; do
	log=$(log_of "$t")
	read -r p f s <"$log.counts"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -gt 0 ]; then
		echo "---- $log"
		grep -vE '^ok ' "$log" | tail -n 60
		echo "----"
	fi
	if [ "$s" -gt 0 ]; then
		while IFS= read -r line; do skipped_names+=("${t#"$TOP"/}: $line"); done \
			< <(grep -E '^(not )?ok .*# SKIP' "$log")
	fi
	while IFS= read -r line; do echo "known defect (TODO): ${t#"$TOP"/}: $line"; done \
		< <(grep -E '^not ok .*# TODO' "$log")
done

if [ "$VALGRIND" = 1 ]; then
	reports=$(find "$VALGRIND_LOGS" -name 'vg.*.log' -size +0 | sort)
	for r in $reports; do
		echo "---- valgrind: $r"
		head -n 40 "$r"
		failed=$((failed + 1))
	done
	echo "valgrind: $(echo "$reports" | grep -c .) report(s)"
fi
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

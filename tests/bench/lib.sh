# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# What the benchmark scripts share (sourced by bash). A figure is printed
# as one line that tests/bench/run collects into its closing summary:
#   NAME: MEASURED (goal GOAL): met|not met|not measured
# NAME has no colon. Times are wall-clock seconds from $EPOCHREALTIME;
# nothing here asserts.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
B=${B:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
SIMHOST_SHIM=${SIMHOST_SHIM:-$TOP/$B/tests/simhost/fakekernel.so}
# how many times each timed case runs (the median is printed)
BENCH_REPEAT=${BENCH_REPEAT:-7}
export TOP B PYTHON SRIOVCTL SIMHOST_SHIM BENCH_REPEAT

# bench_figure NAME MEASURED GOAL MET: MET is 1 (met), 0 (not met) or
# empty (not measured; MEASURED then says why)
bench_figure() {
	local verdict="not measured"
	case ${4-} in
	1) verdict=met ;;
	0) verdict="not met" ;;
	esac
	printf '%s: %s (goal %s): %s\n' "$1" "$2" "$3" "$verdict"
}

# bench_load: the load average, printed with the figures (the machines
# are shared: a figure means little without it)
bench_load() {
	printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_time CMD...: run CMD (output discarded), print its wall seconds;
# the status is CMD's
bench_time() {
	local start=$EPOCHREALTIME rc
	"$@" >/dev/null 2>&1
	rc=$?
	awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f\n", b - a }'
	return $rc
}

# median of the numbers on stdin, one a line
bench_median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1;
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_cmp A OP B: awk's comparison of two numbers; prints 1 or 0
bench_cmp() {
	awk -v a="$1" -v b="$3" "BEGIN { print (a $2 b) ? 1 : 0 }"
}

# bench_ms SECONDS: "83.1 ms"
bench_ms() {
	awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'
}

# bench_div A B [FORMAT]: A / B
bench_div() {
	awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { if (b == 0) print "inf"; else printf f "\n", a / b }'
}

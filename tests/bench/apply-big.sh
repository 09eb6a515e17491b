#!/bin/bash
# SPDX-License-Identifier: MIT
# An E810-sized converge: 8 PFs going from 0 to 256 VFs each, on a host
# whose 1,024 shut-off guests already hold the 2,048 VFs to be (2 each, as
# <hostdev>); each PF's write to sriov_numvfs blocks 1 s before its VFs
# appear, as the kernel's does (tests/bench/mkbighost.py builds the
# host-state; the simulated host defines the 1,024 domains in its private
# libvirtd, one `virsh define` each).
#
# Goal: the apply takes at most 1.1 times the slowest PF's creation time.
# That time is measured on the same simulated host, whose fake kernel
# spends CPU time on each VF it creates (files, links, uevents): every
# PF's count is written by the shell at once, each write timed; the
# slowest is the floor (taken before and after the apply, the mean of the
# two). The host is put back to 0 VFs between the runs.
#
# Takes minutes; BENCH_BIG=0 leaves it out. Needs root (private libvirtd).
#   tests/bench/apply-big.sh [PFS [VFS [GUESTS]]]
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PFS=${1:-8}
VFS=${2:-256}
GUESTS=${3:-1024}
NAME="apply $PFS PFs x $VFS VFs with $GUESTS guests, time / slowest PF's creation"

# ---- inside the simulated host ----
pf_counts() {
	local f
	for f in /sys/bus/pci/devices/*/sriov_numvfs; do
		[ -e "${f%/sriov_numvfs}/physfn" ] || cat "$f"
	done | sort -u | tr '\n' ' '
}

# write every PF's count $1 at once; each write's seconds on stdout
write_all() {
	local f
	for f in /sys/bus/pci/devices/*/sriov_numvfs; do
		[ "$(cat "$f")" = "$1" ] && continue
		bench_time sh -c "echo $1 >$f" &
	done
	wait
}

inside() {
	local w=$1 t
	write_all "$VFS" | sort -g | tail -n 1 | sed 's/^/floor /'
	[ "$(pf_counts)" = "$VFS " ] || { echo "error: the shell's writes left counts $(pf_counts)"; return 1; }
	write_all 0 >/dev/null
	t=$(bench_time "$SRIOVCTL" apply -q -f "$w/spec.yaml") || { echo "error: the apply failed"; return 1; }
	echo "apply $t"
	"$SRIOVCTL" plan -f "$w/spec.yaml" 2>&1 | grep -q '^No changes' ||
		{ echo "error: the host does not match after the apply: $("$SRIOVCTL" plan -f "$w/spec.yaml" 2>&1 | tail -n 2)"; return 1; }
	write_all 0 >/dev/null
	write_all "$VFS" | sort -g | tail -n 1 | sed 's/^/floor /'
}

main() {
	local out why a f start built
	if [ "${BENCH_BIG:-1}" = 0 ]; then
		bench_figure "$NAME" "not measured: BENCH_BIG=0" "<= 1.1x" ""
		exit 0
	fi
	[ "$(id -u)" = 0 ] || { bench_figure "$NAME" "not measured: needs root (private libvirtd)" "<= 1.1x" ""; exit 0; }
	T=$(mktemp -d "${TMPDIR:-/tmp}/bench-big.XXXXXX") || exit 1
	trap 'rm -rf "$T"' EXIT
	"$PYTHON" "$TOP/tests/bench/mkbighost.py" "$T/state.yaml" "$T/spec.yaml" \
		--pfs "$PFS" --vfs "$VFS" --guests "$GUESTS" || exit 1
	start=$EPOCHREALTIME
	# 3 uevents per VF reach sriovctl's monitor in a burst
	out=$(SIMHOST_DGRAM_QLEN=$((PFS * VFS * 4 + 4096)) "$TOP/tests/simhost/run" "$T/state.yaml" -- \
		"$0" --inside "$T" "$PFS" "$VFS" "$GUESTS" 2>&1)
	built=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
	why=$(grep -m1 '^error: ' <<<"$out" | sed 's/^error: //')
	if [ -n "$why" ] || [ "$(grep -c '^floor ' <<<"$out")" != 2 ]; then
		[ -n "$why" ] || why="the simulated host failed: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
		bench_figure "$NAME" "not measured: $why" "<= 1.1x" ""
		exit 1
	fi
	a=$(awk '$1 == "apply" { print $2 }' <<<"$out")
	f=$(awk '$1 == "floor" { s += $2; n++ } END { printf "%.4f", s / n }' <<<"$out")
	printf 'apply of %d PFs x %d VFs, %d guests holding %d VFs each: %.3f s; slowest PF'"'"'s creation (shell, all PFs at once): %s s (before and after); whole run %s s\n' \
		"$PFS" "$VFS" "$GUESTS" $((PFS * VFS / GUESTS)) "$a" "$(awk '$1 == "floor" { printf "%s%.3f", (n++ ? ", " : ""), $2 }' <<<"$out")" "$built"
	bench_load
	bench_figure "$NAME" "$(bench_div "$a" "$f")x ($(printf '%.3f s / %.3f s' "$a" "$f"))" "<= 1.1x" \
		"$(bench_cmp "$(bench_div "$a" "$f")" '<=' 1.1)"
}

if [ "${1:-}" = --inside ]; then
	PFS=$3 VFS=$4 GUESTS=$5
	inside "$2"
	exit
fi
main

#!/bin/bash
# SPDX-License-Identifier: MIT
# Wall time of applying the VF counts (0 -> 7) of PFS PFs whose VFs each
# take DELAY_MS to appear, with a write to sriov_numvfs that blocks that
# long, as the kernel's does while the driver creates the VFs (simulate:
# vf-delay-ms, vf-write-blocks): one apply of all PFs, whose floor is one
# PF's delay when the PFs are set in parallel; the goal is 1.1 times that
# (1.1 s for the default 4 PFs x 1 s). For scale, also printed: the same
# PFs in PFS applies of one PF each (one after another), and one apply of
# all with VFs that appear at once (what the simulated kernel itself
# costs; it shares the CPUs with the applies). The simulated kernel's
# creation of VFs (files, links, uevents) takes CPU time of its own,
# which a real kernel does not spend: so a second figure compares the
# apply with the simulated kernel alone, every PF's count written by the
# shell at once (the slowest PF's creation time when all are created
# together), goal 1.1x. Each apply runs
# BENCH_PAR_REPEAT times (default 3) in one simulated host, put back to 0
# VFs in between (all PFs at once); medians.
#   tests/bench/apply-parallel.sh [PFS [DELAY_MS]]
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PFS=${1:-4}
DELAY=${2:-1000}
REPEAT=${BENCH_PAR_REPEAT:-3}

# ---- inside the simulated host: reset, then time each spec given ----
reset_vfs() {
	local f
	for f in /sys/bus/pci/devices/*/sriov_numvfs; do
		[ "$(cat "$f")" = 0 ] || echo 0 >"$f" &
	done
	wait
}

# the kernel's own time: every PF's count written at once by the shell
write_all() {
	local f
	for f in /sys/bus/pci/devices/*/sriov_numvfs; do
		echo "$1" >"$f" &
	done
	wait
}

inside() {
	local i spec t
	if [ "$1" = --floor ]; then
		for i in $(seq "$REPEAT"); do
			reset_vfs
			t=$(bench_time write_all "$2")
			grep -qvx "$2" /sys/bus/pci/devices/*/sriov_numvfs &&
				{ echo "error: the shell's writes did not set $2 VFs"; return 1; }
			echo "time $t"
		done
		return 0
	fi
	for i in $(seq "$REPEAT"); do
		reset_vfs
		t=0
		for spec in "$@"; do
			t=$(awk -v a="$t" -v b="$(bench_time "$SRIOVCTL" apply -q --libvirt test:///default -f "$spec")" \
				'BEGIN { printf "%.4f", a + b }') || { echo "error: apply failed: $spec"; return 1; }
			"$SRIOVCTL" plan --libvirt test:///default -f "$spec" 2>&1 | grep -q '^No changes' ||
				{ echo "error: the host does not match $spec after the apply"; return 1; }
		done
		echo "time $t"
	done
}

# timed_applies STATE SPEC...: the median seconds of applying the SPECs
# in turn on the host of STATE (no libvirtd: libvirt's test driver, which
# has no guests, stands for it)
timed_applies() {
	local state=$1 out
	shift
	out=$(SIMHOST_NO_LIBVIRT=1 "$TOP/tests/simhost/run" "$state" -- "$0" --inside "$@" 2>&1)
	if grep -q '^error: ' <<<"$out" || ! grep -q '^time ' <<<"$out"; then
		echo "$out" | tail -n 5 >&2
		return 1
	fi
	grep '^time ' <<<"$out" | awk '{ print $2 }' | bench_median
}

main() {
	local par ser sim floor goal i
	local -a ones=()
	T=$(mktemp -d "${TMPDIR:-/tmp}/bench-apply.XXXXXX") || exit 1
	trap 'rm -rf "$T"' EXIT
	"$PYTHON" "$TOP/tests/apply/mkhost.py" "$T/slow.yaml" --pfs "$PFS" \
		--sim "vf-delay-ms=$DELAY" --sim vf-write-blocks=1 --spec "$T/all.yaml" --want-vfs 7 || exit 1
	"$PYTHON" "$TOP/tests/apply/mkhost.py" "$T/fast.yaml" --pfs "$PFS" || exit 1
	for i in $(seq 0 $((PFS - 1))); do
		"$PYTHON" - "$T/all.yaml" "$T/one-$i.yaml" "$i" <<-'PY' || exit 1
			import sys, yaml
			s = yaml.safe_load(open(sys.argv[1]))
			s["pfs"] = [s["pfs"][int(sys.argv[3])]]
			yaml.safe_dump(s, open(sys.argv[2], "w"), sort_keys=False)
		PY
		ones+=("$T/one-$i.yaml")
	done
	par=$(timed_applies "$T/slow.yaml" "$T/all.yaml") || exit 1
	ser=$(timed_applies "$T/slow.yaml" "${ones[@]}") || exit 1
	sim=$(timed_applies "$T/fast.yaml" "$T/all.yaml") || exit 1
	floor=$(timed_applies "$T/slow.yaml" --floor 7) || exit 1
	printf 'apply %d PFs x 7 VFs, each PF %d ms (the write blocks): one apply %.3f s, %d applies of one PF %.3f s; VFs at once (simulation cost) %.3f s\n' \
		"$PFS" "$DELAY" "$par" "$PFS" "$ser" "$sim"
	printf 'the simulated kernel alone (the shell writes every PF'"'"'s count at once): %.3f s\n' "$floor"
	bench_load
	goal=$(awk -v d="$DELAY" 'BEGIN { printf "%.2f", 1.1 * d / 1000 }')
	bench_figure "apply $PFS PFs x 7 VFs, VFs take $DELAY ms per PF" "$(printf '%.3f s' "$par")" \
		"<= $goal s" "$(bench_cmp "$par" '<=' "$goal")"
	bench_figure "apply $PFS PFs x 7 VFs, time / the simulated kernel's own" \
		"$(bench_div "$par" "$floor")x ($(printf '%.3f s / %.3f s' "$par" "$floor"))" "<= 1.1x" \
		"$(bench_cmp "$(bench_div "$par" "$floor")" '<=' 1.1)"
}

if [ "${1:-}" = --inside ]; then
	shift
	inside "$@"
	exit
fi
main "$@"

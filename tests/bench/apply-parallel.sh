#!/bin/bash
# SPDX-License-Identifier: MIT
# Wall time of applying the VF counts of 8 PFs whose VFs each take 1 s to
# appear (vf-delay-ms: 1000 on the simulated host): one apply of all 8 PFs
# (set in parallel), against 8 applies of one PF each (one after another).
# Prints figures only; the target is below 1.5 s for the parallel run. A
# third figure is the same apply with VFs that appear at once: what the
# simulated kernel itself costs (it shares the CPUs with the applies).
#   tests/bench/apply-parallel.sh [PFS [DELAY_MS]]
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
export SIMHOST_SHIM=${SIMHOST_SHIM:-$TOP/$B/tests/simhost/fakekernel.so}
PFS=${1:-8}
DELAY=${2:-1000}
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-apply.XXXXXX")
trap 'rm -rf "$T"' EXIT

"$PYTHON" "$TOP/tests/apply/mkhost.py" "$T/state.yaml" --pfs "$PFS" --sim "vf-delay-ms=$DELAY" \
	--spec "$T/all.yaml" --want-vfs 7 || exit 1
for i in $(seq 0 $((PFS - 1))); do
	"$PYTHON" - "$T/all.yaml" "$T/one-$i.yaml" "$i" <<-'PY' || exit 1
		import sys, yaml
		s = yaml.safe_load(open(sys.argv[1]))
		s["pfs"] = [s["pfs"][int(sys.argv[3])]]
		yaml.safe_dump(s, open(sys.argv[2], "w"), sort_keys=False)
	PY
done

# Each run on a fresh simulated host (no libvirtd; libvirt's test driver,
# which has no guests, stands for it). Prints the seconds of each apply.
timed_applies() {
	SIMHOST_NO_LIBVIRT=1 "$TOP/tests/simhost/run" "$T/state.yaml" -- env SC="$SRIOVCTL" bash -c '
		for spec in "$@"; do
			start=$EPOCHREALTIME
			$SC apply -q --libvirt test:///default -f "$spec" >/dev/null 2>&1 || echo "apply failed: $spec" >&2
			awk -v a="$start" -v b="$EPOCHREALTIME" "BEGIN { printf \"%.3f\n\", b - a }"
		done' bench "$@"
}

par=$(timed_applies "$T/all.yaml") || exit 1
# the same host with VFs that appear at once: the simulated kernel's own
# cost of creating 8 x 7 VFs (files, links, uevents), included in the above
"$PYTHON" "$TOP/tests/apply/mkhost.py" "$T/state.yaml" --pfs "$PFS" || exit 1
sim=$(timed_applies "$T/all.yaml") || exit 1
"$PYTHON" "$TOP/tests/apply/mkhost.py" "$T/state.yaml" --pfs "$PFS" --sim "vf-delay-ms=$DELAY" || exit 1
ones=()
for i in $(seq 0 $((PFS - 1))); do ones+=("$T/one-$i.yaml"); done
ser=$(timed_applies "${ones[@]}" | awk '{ s += $1 } END { printf "%.3f", s }') || exit 1
printf 'apply %d PFs x 7 VFs, VFs appear after %d ms: parallel (one apply) %6.3f s\n' \
	"$PFS" "$DELAY" "$par"
printf 'apply %d PFs x 7 VFs, VFs appear after %d ms: serial (%d applies) %6.3f s\n' \
	"$PFS" "$DELAY" "$PFS" "$ser"
printf 'apply %d PFs x 7 VFs, VFs appear at once (simulation cost): one apply %6.3f s\n' \
	"$PFS" "$sim"

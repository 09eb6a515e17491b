#!/bin/bash
# The simulated host checked against reality. tests/fixtures/vm-nvme.*
# are what sriovctl showed inside the real-kernel VM (QEMU's SR-IOV NVMe
# PF with 2 VFs on vfio-pci; `tests/vm/run --capture 50-vfio-2` writes
# them again). A simulated host built from the captured state must show
# exactly what the real kernel did, and so must `--state`; and the same
# sysfs writes (tests/vm/guest/numvfs-seq.sh) must get the same answers.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
export B
fx=$TOP/tests/fixtures/vm-nvme
n=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# same DESC GOT_FILE WANT_FILE
same() {
	n=$((n + 1))
	if diff -u "$3" "$2" >"$tmp/diff"; then
		echo "ok $n - $1"
	else
		failed=$((failed + 1))
		echo "not ok $n - $1"
		sed 's/^/# /' "$tmp/diff" | head -n 40
	fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

if [ ! -f "$fx.state.yaml" ]; then
	skip "fixture from the VM" "tests/fixtures/vm-nvme.state.yaml not captured yet"
	echo "1..$n"
	exit 0
fi

if ! "$SRIOVCTL" show --state "$fx.state.yaml" >"$tmp/state.txt" 2>"$tmp/err" &&
	grep -q 'not built yet' "$tmp/err"; then
	skip "fixture from the VM" "sriovctl show --state not built yet"
	echo "1..$n"
	exit 0
fi
same "show --state of the captured state is what the VM showed" "$tmp/state.txt" "$fx.show.txt"
"$SRIOVCTL" show --state "$fx.state.yaml" --format json >"$tmp/state.json" 2>"$tmp/err"
same "show --state --format json likewise" "$tmp/state.json" "$fx.show.json"

sim=$TOP/tests/simhost/run
if [ ! -x "$sim" ] || [ ! -f "$TOP/$B/tests/simhost/fakekernel.so" ]; then
	for t in "show on the simulated host" "show --format json on the simulated host" \
		"show --format state on the simulated host" "sysfs write answers on the simulated host"; do
		skip "$t" "the simulated host (tests/simhost) is not built"
	done
else
	"$sim" "$fx.state.yaml" -- "$SRIOVCTL" show >"$tmp/sim.txt" 2>"$tmp/err"
	same "show on the simulated host is what the VM showed" "$tmp/sim.txt" "$fx.show.txt"
	"$sim" "$fx.state.yaml" -- "$SRIOVCTL" show --format json >"$tmp/sim.json" 2>"$tmp/err"
	same "show --format json on the simulated host likewise" "$tmp/sim.json" "$fx.show.json"
	"$sim" "$fx.state.yaml" -- "$SRIOVCTL" show --format state >"$tmp/sim.state" 2>"$tmp/err"
	same "show --format state on the simulated host gives back the captured state" \
		"$tmp/sim.state" "$fx.state.yaml"
	"$sim" "$fx.state.yaml" -- "$TOP/tests/vm/guest/numvfs-seq.sh" 0000:01:00.0 \
		>"$tmp/sim.seq" 2>"$tmp/err"
	same "sysfs writes on the simulated host get the real kernel's answers" \
		"$tmp/sim.seq" "$fx.numvfs-seq.txt"
fi
echo "1..$n"
[ "$failed" -eq 0 ]

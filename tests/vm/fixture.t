#!/bin/bash
# The simulated host checked against reality. tests/fixtures/vm-NAME.*
# are what sriovctl showed inside the real-kernel VM: vm-nvme after QEMU's
# SR-IOV NVMe PF got 2 VFs on vfio-pci, vm-igb after the seed's 82576 (real
# igb and igbvf) got 2 VFs with MAC, VLAN, QoS, spoof check, trust and a tx
# rate (`tests/vm/run --capture` writes them again). A simulated host built
# from a captured state must show exactly what the real kernel did, and so
# must `--state`; the same sysfs writes (tests/vm/guest/numvfs-seq.sh) must
# get the same answers, and for igb the same rtnetlink VF settings
# (tests/vm/guest/vfset-seq.sh) too, refusals included.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
export B
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$TOP/tests/lib/tap.sh"

# same DESC GOT_FILE WANT_FILE: the files are equal, else their diff is shown
same() { check_log "$1" diff -u "$3" "$2"; }

# fixture NAME PF [PF_NETDEV]: the checks of tests/fixtures/vm-NAME.*
fixture() {
	local name=$1 pf=$2 ifname=${3:-} fx=$TOP/tests/fixtures/vm-$1 sim
	if [ ! -f "$fx.state.yaml" ]; then
		skip "$name: fixture from the VM" "tests/fixtures/vm-$name.state.yaml not captured yet"
		return
	fi

	if ! "$SRIOVCTL" show --state "$fx.state.yaml" >"$tmp/state.txt" 2>"$tmp/err" &&
		grep -q 'not built yet' "$tmp/err"; then
		skip "$name: fixture from the VM" "sriovctl show --state not built yet"
		return
	fi
	same "$name: show --state of the captured state is what the VM showed" "$tmp/state.txt" "$fx.show.txt"
	"$SRIOVCTL" show --state "$fx.state.yaml" --format json >"$tmp/state.json" 2>"$tmp/err"
	same "$name: show --state --format json likewise" "$tmp/state.json" "$fx.show.json"

	sim=$TOP/tests/simhost/run
	if [ ! -x "$sim" ] || [ ! -f "$TOP/$B/tests/simhost/fakekernel.so" ]; then
		for t in "show on the simulated host" "show --format json on the simulated host" \
			"show --format state on the simulated host" "sysfs write answers on the simulated host"; do
			skip "$name: $t" "the simulated host (tests/simhost) is not built"
		done
	else
		"$sim" "$fx.state.yaml" -- "$SRIOVCTL" show >"$tmp/sim.txt" 2>"$tmp/err"
		same "$name: show on the simulated host is what the VM showed" "$tmp/sim.txt" "$fx.show.txt"
		"$sim" "$fx.state.yaml" -- "$SRIOVCTL" show --format json >"$tmp/sim.json" 2>"$tmp/err"
		same "$name: show --format json on the simulated host likewise" "$tmp/sim.json" "$fx.show.json"
		"$sim" "$fx.state.yaml" -- "$SRIOVCTL" show --format state >"$tmp/sim.state" 2>"$tmp/err"
		same "$name: show --format state on the simulated host gives back the captured state" \
			"$tmp/sim.state" "$fx.state.yaml"
		"$sim" "$fx.state.yaml" -- "$TOP/tests/vm/guest/numvfs-seq.sh" "$pf" \
			>"$tmp/sim.seq" 2>"$tmp/err"
		same "$name: sysfs writes on the simulated host get the real kernel's answers" \
			"$tmp/sim.seq" "$fx.numvfs-seq.txt"
		if [ -f "$fx.vfset-seq.txt" ]; then
			if command -v ip >/dev/null; then
				"$sim" "$fx.state.yaml" -- "$TOP/tests/vm/guest/vfset-seq.sh" "$ifname" \
					>"$tmp/sim.vfset" 2>"$tmp/err"
				same "$name: rtnetlink VF settings on the simulated host get the real driver's answers" \
					"$tmp/sim.vfset" "$fx.vfset-seq.txt"
			else
				skip "$name: rtnetlink VF settings" "iproute2's ip is not installed"
			fi
		fi
	fi
}

fixture nvme 0000:01:00.0
fixture igb 0000:0b:00.0 ens2f0
echo "1..$n"
[ "$n_fail" -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: MIT
# Fidelity of the simulated host: sriovctl observing a host built from a
# state file gives back that state's PCI devices, VFs and VF settings,
# also after the fake kernel changed them.
. "$(dirname "$0")/lib.sh"
need_shim
export SIMHOST_NO_LIBVIRT=1

SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}

# What the state file says about its PCI devices that the observed state
# contradicts or lacks (keys the file leaves out are not compared).
pci_diff() {
	$PYTHON -c '
import sys, yaml
want = yaml.safe_load(open(sys.argv[1])).get("pci") or []
got = yaml.safe_load(open(sys.argv[2])).get("pci") or []

def cmp(w, g, where):
    if isinstance(w, dict):
        if not isinstance(g, dict):
            print(f"{where}: {g!r} is not a mapping")
            return
        for k, v in w.items():
            if k not in g:
                print(f"{where}.{k}: missing")
            else:
                cmp(v, g[k], f"{where}.{k}")
    elif isinstance(w, list):
        if not isinstance(g, list) or len(w) != len(g):
            print(f"{where}: {g!r} instead of {w!r}")
            return
        for i, (x, y) in enumerate(zip(w, g)):
            cmp(x, y, f"{where}[{i}]")
    elif w != g:
        print(f"{where}: {g!r} instead of {w!r}")

cmp(sorted(want, key=lambda p: p["address"]), sorted(got, key=lambda p: p["address"]), "pci")
' "$1" "$2"
}

for state in "$TOP/examples/hosts/seed-82576.state.yaml" "$TOP/examples/hosts/seed-82576-applied.state.yaml" \
	"$FIX/vfs-2.state.yaml"; do
	[ -f "$state" ] || continue
	name=$(basename "$state" .state.yaml)
	"$RUN" "$state" -- "$SRIOVCTL" show --format state >"$T/$name.yaml" 2>"$T/$name.err"
	is 0 $? "$name: show --format state succeeds"
	pci_diff "$state" "$T/$name.yaml" >"$T/$name.diff" 2>&1
	if [ ! -s "$T/$name.diff" ]; then
		ok "$name: observed PCI devices and VFs equal the state's"
	else
		not_ok "$name: observed PCI devices and VFs equal the state's"
		sed 's/^/#   /' "$T/$name.diff" | head -n 40
	fi
done

# after the fake kernel created VFs, with their settings set over rtnetlink
if command -v ip >/dev/null; then
	"$RUN" "$TOP/examples/hosts/seed-82576.state.yaml" -- bash -c '
		echo 2 >/sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs &&
		ip link set enp11s0f0 vf 1 mac 52:54:00:00:00:21 vlan 42 spoofchk off &&
		"$0" show --format state' "$SRIOVCTL" >"$T/changed.yaml" 2>"$T/changed.err"
	is 0 $? "show after changes succeeds"
	$PYTHON -c '
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
pf = [p for p in s["pci"] if p["address"] == "0000:0b:00.0"][0]["sriov"]
print("num-vfs", pf["num-vfs"])
for v in pf["vfs"]:
    print("vf", v["id"], v["address"], v["driver"], v["interface"], v.get("mac"), v.get("vlan"), v.get("spoof-check"))
' "$T/changed.yaml" >"$T/changed.txt" 2>&1
	has '^num-vfs 2$' "$T/changed.txt" "observed num-vfs after the write"
	has '^vf 0 0000:0b:10.0 igbvf enp11s16 ' "$T/changed.txt" "observed VF 0 bound with its netdev"
	has '^vf 1 0000:0b:10.2 igbvf enp11s16f2 52:54:00:00:00:21 42 False$' "$T/changed.txt" \
		"observed VF 1 settings set over rtnetlink"
else
	skip "show after changes" "iproute2's ip is not installed"
fi

echo "1..$n"

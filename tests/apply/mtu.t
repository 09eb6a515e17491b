#!/bin/bash
# SPDX-License-Identifier: MIT
# mtu: on the simulated host (82576 port 0, VFs 0 and 1 on igbvf, every
# netdev at 1500, igb's range 68..9216). VF MTUs above the PF's raise the
# PF first (the order of the apply's events), ip link shows every MTU, a
# re-run plans nothing and writes nothing (strace), and an MTU the driver
# refuses is an error: when planned, against the range the driver reported;
# when applied from a saved plan, naming the netdev and the range the
# kernel reports.
. "$(dirname "$0")/lib.sh"
need_shim

STATE="$TOP/tests/plan/hosts/82576-mtu.state.yaml"
cat >"$T/spec.yaml" <<'YAML'
version: 1
pfs:
  - pci: "0000:0b:00.0"
    vfs:
      - id: 0
        mtu: 9000
      - id: 1
        mtu: 4000
YAML
SCRIPT='
	mtus() { for dev in enp11s0f0 enp11s16 enp11s16f2; do
		ip link show $dev | grep -o "mtu [0-9]*" | tr "\n" " "; done; }
	$SC apply --json -f "$T/spec.yaml" >"$T/out1" 2>"$T/err1"
	echo "first: rc=$? $(mtus)"
	'"$STRACE"' -o "$T/trace" $SC apply -f "$T/spec.yaml" >"$T/out2" 2>"$T/err2"
	echo "rerun: rc=$? $(mtus)"
	$SC plan --detailed-exitcode -f "$T/spec.yaml" >/dev/null 2>&1
	echo "plan: rc=$?"
	$SC show --format state >"$T/state.out" 2>/dev/null
	sed -i "s/mtu: 9000/mtu: 9300/" "$T/spec.yaml"
	$SC plan -f "$T/spec.yaml" >/dev/null 2>"$T/err4"
	echo "planned: rc=$?"
	sed -i "s/mtu: 9300/mtu: 9100/" "$T/spec.yaml"
	$SC plan -f "$T/spec.yaml" -o "$T/plan.json" >/dev/null 2>&1
	echo "68 9050" >"$SIMHOST_WORKDIR/vf/mtu-range/enp11s16"
	$SC apply --plan "$T/plan.json" >"$T/out3" 2>"$T/err3"
	echo "refused: rc=$? $(mtus)"
'
sim "$STATE" "$SCRIPT" >"$T/out" 2>&1
sed 's/^/# /' "$T/out" "$T/err1" "$T/err3" "$T/err4"
has '^first: rc=0 mtu 9000 mtu 9000 mtu 4000 $' "$T/out" \
	"apply sets the VFs' MTUs and raises the PF's to the largest (ip link)"
# the events of the set-mtu actions, in the order they ran
"$PYTHON" - "$T/out1" >"$T/order" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("action") == "set-mtu" and e.get("event") == "done":
        print(e.get("device"))
PY
is "$(tr '\n' ' ' <"$T/order")" "0000:0b:00.0 0000:0b:10.0 0000:0b:10.2 " \
	"the PF is raised before its VFs (the apply's events, in order)"
has '^rerun: rc=0 mtu 9000 mtu 9000 mtu 4000 $' "$T/out" "a re-run keeps them"
has '^No changes' "$T/out2" "a re-run plans nothing"
"$PYTHON" "$TOP/tests/apply/writes.py" "$T/trace" --except /run/sriovctl.lock >"$T/changes"
is "$(grep -c . "$T/changes")" 0 "a re-run writes nothing (strace: no file opened for writing)"
has '^plan: rc=0$' "$T/out" "plan --detailed-exitcode is 0 afterwards"
has '^      netdev: {mtu: 9000, min-mtu: 68, max-mtu: 9216' "$T/state.out" \
	"show --format state has the VF netdev's MTU and range"
has '^  mtu: 9000$' "$T/state.out" "show --format state has the PF's MTU"
has '^planned: rc=1$' "$T/out" "an MTU above the range the driver reported is refused when planned"
has "spec.yaml:6:14: error: mtu 9300 of enp11s16 is outside the range its driver takes \(68\.\.9216\)$" \
	"$T/err4" "the plan's error is at the VF's mtu and names the netdev and the range"
has '^refused: rc=1 mtu 9100 mtu 9000 mtu 4000 $' "$T/out" \
	"a saved plan the driver refuses fails at the VF, after the PF's raise"
has "^sriovctl: error: netdev 'enp11s16': cannot set mtu 9100: Invalid argument; it takes 68\.\.9050$" \
	"$T/err3" "the error names the netdev, the MTU and the range the kernel reports"
echo "1..$n"

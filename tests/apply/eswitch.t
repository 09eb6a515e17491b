#!/bin/bash
# SPDX-License-Identifier: MIT
# eswitch-mode on the simulated host, whose fake devlink (tests/simhost/
# genl.c) keeps each PF's mode in the testbed and, like mlx5 and ice,
# refuses a change while the PF has VFs. Port 0 (legacy, 2 VFs on igbvf)
# goes to switchdev with its 2 VFs: sriovctl removes them, switches, and
# creates them again, in that order (the apply's events); the testbed's
# own state and `show --format state` say switchdev; a re-run plans and
# writes nothing. A PF without a devlink instance (port 1) is an error at
# the file's place; a saved plan whose mode moved is stale (exit 4).
. "$(dirname "$0")/lib.sh"
need_shim
echo "1..16"

cat >"$T/host.yaml" <<'YAML'
version: 1
kind: host-state
hostname: kvm-07
pci:
- address: "0000:0b:00.0"
  vendor: "8086"
  device: "10c9"
  driver: igb
  interfaces: [enp11s0f0]
  sriov: {total-vfs: 7, num-vfs: 2, drivers-autoprobe: true, offset: 128, stride: 2,
          vf-device: "10ca", eswitch-mode: legacy}
- address: "0000:0b:00.1"
  vendor: "8086"
  device: "10c9"
  driver: igb
  interfaces: [enp11s0f1]
  sriov: {total-vfs: 7, num-vfs: 0, drivers-autoprobe: true, offset: 128, stride: 2,
          vf-device: "10ca"}
modules:
  igb: {loaded: true, parameters: {max_vfs: "0"}}
simulate:
  "0000:0b:00.0": {vf-driver: igbvf}
YAML
printf 'version: 1\npfs:\n  - pci: "0000:0b:00.0"\n    eswitch-mode: switchdev\n' >"$T/spec.yaml"
printf 'version: 1\npfs:\n  - pci: "0000:0b:00.1"\n    eswitch-mode: switchdev\n' >"$T/other.yaml"
printf 'version: 1\npfs:\n  - pci: "0000:0b:00.0"\n    eswitch-mode: legacy\n' >"$T/legacy.yaml"

SCRIPT='
	mode() { cat "$SIMHOST_WORKDIR/vf/eswitch/0000:0b:00.0"; }
	DL="$TOP/$B/tests/vm/devlink-mode"
	"$DL" pci/0000:0b:00.0 switchdev >"$T/dl.out" 2>"$T/dl.err"
	echo "switch-with-vfs: rc=$? mode=$(mode)"
	$SC apply --json -f "$T/spec.yaml" >"$T/apply.jsonl" 2>"$T/apply.err"
	echo "apply: rc=$? mode=$(mode) vfs=$(cat /sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs)"
	'"$STRACE"' -o "$T/trace" $SC apply -f "$T/spec.yaml" >"$T/again.out" 2>&1
	echo "again: rc=$?"
	$SC plan --detailed-exitcode -f "$T/spec.yaml" >/dev/null 2>&1
	echo "plan: rc=$?"
	$SC show --format state >"$T/state.out" 2>"$T/show.err"
	$SC show --format spec >"$T/host-spec.yaml" 2>/dev/null
	$SC plan --detailed-exitcode -f "$T/host-spec.yaml" >/dev/null 2>&1
	echo "spec-roundtrip: rc=$?"
	$SC plan -f "$T/other.yaml" >"$T/other.out" 2>"$T/other.err"
	echo "unsupported: rc=$?"
	$SC plan -f "$T/legacy.yaml" -o "$T/saved.json" >/dev/null 2>&1
	echo legacy >"$SIMHOST_WORKDIR/vf/eswitch/0000:0b:00.0"
	$SC apply --plan "$T/saved.json" >"$T/stale.out" 2>"$T/stale.err"
	echo "stale: rc=$? mode=$(mode)"
'
sim "$T/host.yaml" "$SCRIPT" >"$T/out" 2>&1
sed 's/^/# /' "$T/out" "$T/dl.err" "$T/apply.err"
has '^switch-with-vfs: rc=1 mode=legacy$' "$T/out" \
	"the fake driver refuses a mode change while the PF has VFs"
has "^error: PF '0000:0b:00.0': cannot set its eswitch mode to switchdev: driver igb answered: Device or resource busy \(the eswitch mode changes only while the PF has no VFs\)$" \
	"$T/dl.err" "the refusal names the PF and the driver, with the kernel's extended ACK"
has '^apply: rc=0 mode=switchdev vfs=2$' "$T/out" \
	"apply switches to switchdev and the PF has its 2 VFs again (the testbed's state)"
"$PYTHON" - "$T/apply.jsonl" >"$T/order" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") in ("start", "done"):
        print(e.get("event"), e.get("action"))
PY
is "$(tr '\n' ' ' <"$T/order")" \
	"start set-eswitch-mode done set-eswitch-mode start set-num-vfs done set-num-vfs " \
	"the mode changes first (with the VFs removed), then the VFs are created"
"$PYTHON" - "$T/apply.jsonl" >"$T/plan.txt" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    for c in (e["plan"]["changes"] if e.get("type") == "plan" else []):
        print(c["action"], c.get("from"), c.get("to"), c.get("removes-vfs"), c["disruptive"])
PY
is "$(tr '\n' ' ' <"$T/plan.txt")" "set-eswitch-mode legacy switchdev 2 True set-num-vfs 2 2 None True " \
	"the plan: set-eswitch-mode removing 2 VFs, then set-num-vfs 2 -> 2, both disruptive"
has '^No changes' "$T/again.out" "a re-run plans nothing"
has '^again: rc=0$' "$T/out" "a re-run exits 0"
"$PYTHON" "$TOP/tests/apply/writes.py" "$T/trace" --except /run/sriovctl.lock >"$T/changes"
is "$(grep -c . "$T/changes")" 0 "a re-run writes nothing (strace: no file opened for writing)"
has '^plan: rc=0$' "$T/out" "plan --detailed-exitcode is 0 afterwards"
has '^    eswitch-mode: switchdev$' "$T/state.out" "show --format state has the PF's eswitch mode"
is "$(grep -c 'eswitch-mode' "$T/state.out")" 1 \
	"a PF without a devlink instance has no eswitch-mode in the state (not supported, quietly)"
has '^    eswitch-mode: switchdev$' "$T/host-spec.yaml" "show --format spec writes the PF's eswitch mode"
has '^spec-roundtrip: rc=0$' "$T/out" "planned on the same host, the file show wrote changes nothing"
has '^unsupported: rc=1$' "$T/out" "eswitch-mode on a PF without one: plan fails"
has "other.yaml:4:19: error: eswitch-mode switchdev: PF '0000:0b:00.1' has no eswitch mode \(driver igb: not supported through devlink\)$" \
	"$T/other.err" "the error is at the file's eswitch-mode and names the PF and its driver"
has "^stale: rc=4 mode=legacy$" "$T/out" "a saved plan whose eswitch mode moved is stale (exit 4), nothing changed"
echo "# stale: $(cat "$T/stale.err")"

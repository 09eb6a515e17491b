#!/bin/bash
# SPDX-License-Identifier: MIT
# Saved plans on the simulated seed host (private libvirtd): plan -o, then
# apply --plan does exactly that plan and converges; a plan whose facts no
# longer hold (a VF count written by hand, a device detached with virsh,
# another hostname) is refused with exit 4 naming the fact, and strace
# shows no write. apply --json writes JSON lines only; a saved plan read
# back renders the same actions; every plan validates against
# schema/plan.schema.json.
. "$(dirname "$0")/lib.sh"
need_shim
echo "1..20"
need_root_strace 20 "saved plans"
seed=$TOP/examples/seed-82576.yaml

"$RUN" "$TOP/examples/hosts/seed-82576.state.yaml" -- env SC="$SRIOVCTL" T="$T" STRACE="$STRACE" SPEC="$seed" bash -c '
	# 1. a saved plan applied later converges
	$SC plan -f "$SPEC" -o "$T/p1.json" >"$T/plan1.txt" 2>&1; echo "plan-o: rc=$?"
	$SC apply --plan "$T/p1.json" --dry-run --json >"$T/dry.jsonl" 2>"$T/dry.err"; echo "dry: rc=$?"
	$SC apply --plan "$T/p1.json" --json >"$T/apply.jsonl" 2>"$T/apply.err"; echo "apply-plan: rc=$?"
	$SC plan -f "$SPEC" --detailed-exitcode >/dev/null 2>&1; echo "replan: rc=$?"
	# 2. the same plan again: the host moved on (num-vfs is 7 now)
	$STRACE -o "$T/trace-again" $SC apply --plan "$T/p1.json" >"$T/again.out" 2>"$T/again.err"
	echo "again: rc=$?"

	# 3. a VF count written by hand between plan and apply
	printf "version: 1\npfs:\n  - pci: \"0000:0b:00.1\"\n    num-vfs: 2\n" >"$T/two.yaml"
	$SC plan -f "$T/two.yaml" -o "$T/p2.json" >/dev/null 2>&1
	echo 0 >/sys/bus/pci/devices/0000:0b:00.1/sriov_numvfs
	echo 3 >/sys/bus/pci/devices/0000:0b:00.1/sriov_numvfs
	$STRACE -o "$T/trace-count" $SC apply --plan "$T/p2.json" >"$T/count.out" 2>"$T/count.err"
	echo "count: rc=$?"
	echo "numvfs after: $(cat /sys/bus/pci/devices/0000:0b:00.1/sriov_numvfs)"

	# 4. a device detached with virsh between plan and apply
	sed "s/vlan: 42/vlan: 43/" "$SPEC" >"$T/vlan43.yaml"
	$SC plan -f "$T/vlan43.yaml" -o "$T/p3.json" >"$T/plan3.txt" 2>&1
	virsh -q -c "$SRIOVCTL_LIBVIRT_URI" dumpxml --inactive MyGuest >"$T/guest.xml"
	python3 - "$T/guest.xml" >"$T/iface.xml" <<"PY"
import sys, xml.etree.ElementTree as ET
dom = ET.parse(sys.argv[1])
for i in dom.iter("interface"):
    if i.get("type") == "hostdev":
        print(ET.tostring(i, encoding="unicode"))
        break
PY
	virsh -q -c "$SRIOVCTL_LIBVIRT_URI" detach-device MyGuest "$T/iface.xml" --config >"$T/virsh.out" 2>&1
	echo "virsh detach: rc=$?"
	$STRACE -o "$T/trace-guest" $SC apply --plan "$T/p3.json" >"$T/guest.out" 2>"$T/guest.err"
	echo "guest: rc=$?"

	# 5. another host
	$SC plan -f "$SPEC" -o "$T/p4.json" >/dev/null 2>&1
	hostname other-host
	$SC apply --plan "$T/p4.json" >"$T/host.out" 2>"$T/host.err"
	echo "host: rc=$?"
	echo "lock: /run/sriovctl.lock"
' >"$T/out" 2>&1
sed 's/^/# /' "$T/out"

has '^plan-o: rc=0$' "$T/out" "plan -o exits 0"
has '^dry: rc=0$' "$T/out" "apply --plan --dry-run exits 0"
has '^apply-plan: rc=0$' "$T/out" "apply --plan exits 0"
has '^replan: rc=0$' "$T/out" "after apply --plan, plan -f finds nothing to do"
has '^again: rc=4$' "$T/out" "the same saved plan again exits 4"
has "^sriovctl: error: the plan is stale: /etc/modprobe.d/igb.conf was created since the plan was made; nothing applied" \
	"$T/again.err" "the first stale fact is named"
lock=$(sed -n 's/^lock: //p' "$T/out")
for t in again count guest; do
	"$PYTHON" "$TOP/tests/apply/writes.py" "$T/trace-$t" --except "$lock" >"$T/changes-$t"
done
check "a stale plan writes nothing (strace)" test -s "$T/trace-again" -a ! -s "$T/changes-again"
has '^count: rc=4$' "$T/out" "a VF count changed by hand: exit 4"
has "0000:0b:00.1 num-vfs is 3, the plan was made when it was 7" "$T/count.err" \
	"the hand-written count is named"
check "no write after the hand-written count (strace)" test -s "$T/trace-count" -a ! -s "$T/changes-count"
has '^numvfs after: 3$' "$T/out" "the hand-written count is left alone"
has '^virsh detach: rc=0$' "$T/out" "virsh detached the interface"
has '^guest: rc=4$' "$T/out" "a device detached with virsh: exit 4"
has "MyGuest persistent 0000:0b:10.0 device is nothing, the plan was made when it was interface, mac 52:54:00:6d:90:02" \
	"$T/guest.err" "the detached device is named"
check "no write after the virsh detach (strace)" test -s "$T/trace-guest" -a ! -s "$T/changes-guest"
has '^host: rc=4$' "$T/out" "another hostname: exit 4"
has "the plan was made on host 'kvm-07', but this is 'other-host'" "$T/host.err" \
	"the hostnames are named"

# apply --json: every line is JSON; a plan, a start and done per action, a summary
"$PYTHON" - "$T/apply.jsonl" "$T/p1.json" "$T/dry.jsonl" "$TOP/schema/plan.schema.json" >"$T/json.out" 2>&1 <<'PY'
import json, sys
import jsonschema
lines = [json.loads(l) for l in open(sys.argv[1])]
saved = json.load(open(sys.argv[2]))
types = [l["type"] for l in lines]
n = len(saved["changes"])
assert types[0] == "plan" and types[-1] == "summary", types
ev = [(l["event"], l["index"]) for l in lines if l["type"] == "event"]
assert sorted(ev) == sorted([(e, i) for i in range(n) for e in ("start", "done")]), ev
assert lines[-1]["result"] == "applied" and lines[-1]["done"] == n, lines[-1]
print("json lines ok")
# a saved plan read back renders the same actions (without the saved-only facts)
dry = [json.loads(l) for l in open(sys.argv[3])]
def strip(a):
    return {k: v for k, v in a.items() if k != "users"}
assert dry[0]["plan"]["changes"] == [strip(a) for a in saved["changes"]], "round trip differs"
print("round trip ok")
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[4])))
for p in (saved, lines[0]["plan"], dry[0]["plan"]):
    errs = [e.message for e in v.iter_errors(p)]
    assert not errs, errs
print("schema ok")
PY
sed 's/^/# /' "$T/json.out"
has '^json lines ok$' "$T/json.out" "apply --json: JSON lines, start and done per action, a summary"
has '^round trip ok$' "$T/json.out" "a saved plan read back renders the same actions"
has '^schema ok$' "$T/json.out" "saved and printed plans validate against schema/plan.schema.json"

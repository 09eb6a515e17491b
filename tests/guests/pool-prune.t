#!/bin/bash
# SPDX-License-Identifier: MIT
# A guest's interface on a VF pool is pruned like a VF: on the private
# libvirtd, MyGuest gets an interface on sriov-pool (specs/pool.yaml),
# then a file that no longer lists it, with prune: true, detaches it from
# the persistent definition; planning again finds nothing. The private
# libvirtd cannot start the pool (see pools.t), so the running case, where
# the detach gives the pool's VF back before a shrink, is planned against
# the captured host made running, as pools.t does.
. "$(dirname "$0")/lib.sh"
need_shim
need_libvirt

STATE="$G/fixtures/pool.state.yaml"

"$RUN" "$STATE" -- bash -c '
	T=$1 G=$2
	V="virsh -q -c $SRIOVCTL_LIBVIRT_URI"
	"$SRIOVCTL" apply -f "$G/specs/pool.yaml" >"$T/apply1.out" 2>"$T/apply1.err"
	$V dumpxml --inactive MyGuest >"$T/my1.xml" 2>&1
	"$SRIOVCTL" show --format state >"$T/capture.yaml" 2>"$T/capture.err"
	"$SRIOVCTL" plan -f "$G/specs/pool-prune.yaml" >"$T/plan2.out" 2>&1
	"$SRIOVCTL" apply -f "$G/specs/pool-prune.yaml" >"$T/apply2.out" 2>"$T/apply2.err"
	echo $? >"$T/apply2.rc"
	$V dumpxml --inactive MyGuest >"$T/my2.xml" 2>&1
	$V net-list --all >"$T/net-list" 2>&1
	"$SRIOVCTL" plan -f "$G/specs/pool-prune.yaml" --detailed-exitcode >"$T/plan3.out" 2>&1
	echo $? >"$T/plan3.rc"
' bash "$T" "$G" 2>"$T/run.err"
is 0 $? "simulated host with libvirtd runs"
sed 's/^/# /' "$T/apply1.err" "$T/plan2.out" "$T/apply2.err" "$T/run.err"

has "<source network='sriov-pool'/>" "$T/my1.xml" "MyGuest got an interface on the pool"
has "^- detach network sriov-pool from MyGuest \(interface, mac 52:54:00:6d:90:03, network sriov-pool\) \[config\]$" \
	"$T/plan2.out" "the unlisted interface on the pool is planned for detach"
has "^Plan: 1 to change, 0 blocked\.$" "$T/plan2.out" "... and nothing else (the pool is libvirt's now)"
is 0 "$(cat "$T/apply2.rc")" "apply exits 0"
lacks "sriov-pool" "$T/my2.xml" "MyGuest's persistent definition has no interface on the pool"
has "^ *sriov-pool +inactive" "$T/net-list" "the pool itself stays"
is 0 "$(cat "$T/plan3.rc")" "planning again: no changes"

# the captured host, running: the pool lists the 4 VFs and handed VF 1 to MyGuest
$PYTHON "$(dirname "$0")/pool-running.py" "$T/capture.yaml" "$T"
# the pool declared too, so that the shrink refreshes it
cat >"$T/shrink-prune.yaml" <<'Y'
version: 1
pfs:
  - pci: "0000:0b:00.0"
    num-vfs: 2
networks:
  sriov-pool:
    pf: "0000:0b:00.0"
guests:
  MyGuest:
    prune: true
Y
sed -e 's/prune: true/prune: false/' "$T/shrink-prune.yaml" >"$T/shrink.yaml"
"$SRIOVCTL" plan --state "$T/held.yaml" -f "$T/shrink.yaml" >"$T/shrink.out" 2>&1
has "^! blocked: 0000:0b:00\.0 num-vfs 4 -> 2 .*VF 0000:0b:10\.2 is handed out by network 'sriov-pool' to guest 'MyGuest'" \
	"$T/shrink.out" "without prune the handed-out VF blocks the shrink"
"$SRIOVCTL" plan --state "$T/held.yaml" -f "$T/shrink-prune.yaml" -o "$T/p.json" >"$T/shrink-prune.out" 2>&1
sed 's/^/# /' "$T/shrink-prune.out"
has "^- detach network sriov-pool from MyGuest \(interface, mac 52:54:00:6d:90:03, network sriov-pool\) \[live, config\]$" \
	"$T/shrink-prune.out" "with prune: the interface is detached from both scopes"
has "^~ 0000:0b:00\.0 num-vfs 4 -> 2 \(disruptive" "$T/shrink-prune.out" "... which frees the VF: the shrink goes ahead"
has "^~ refresh network sriov-pool: 4 -> 2 VFs" "$T/shrink-prune.out" "... and the pool is refreshed"
has "^Plan: [0-9]+ to change, 0 blocked\.$" "$T/shrink-prune.out" "... nothing blocked"
$PYTHON -c '
import json, sys
p = json.load(open(sys.argv[1]))
d = p["changes"][0]
assert d["action"] == "detach" and d["device"] is None, d
assert d["from"]["network"] == "sriov-pool" and d["from"]["address"] == "0000:0b:10.2", d
' "$T/p.json" 2>"$T/json.err"
is 0 $? "the saved detach names the network and the VF it frees (address)"
echo "1..$n"

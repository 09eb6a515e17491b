#!/bin/bash
# SPDX-License-Identifier: MIT
# libvirt VF pools on the private libvirtd: a <pf> pool defined from the
# file, a guest given an interface on it, and what the daemon lets us do
# with it here. The private libvirtd runs without the fake kernel and
# reads the real /sys, not the testbed: it defines a <pf dev=> pool but
# cannot start it ("No usable Vf's present on SRIOV PF"), and refuses to
# define the VF-address-list form ("... is not an SR-IOV Virtual
# Function"). The running-pool cases (refresh after a grow, a shrink
# blocked naming network and guest) are planned here against the host
# as captured and made running; tests/plan/cases/pool-* pin the rest.
. "$(dirname "$0")/lib.sh"
need_shim
need_libvirt

STATE="$G/fixtures/pool.state.yaml"
SPEC="$G/specs/pool.yaml"

"$RUN" "$STATE" -- bash -c '
	T=$1 SPEC=$2
	V="virsh -q -c $SRIOVCTL_LIBVIRT_URI"
	"$SRIOVCTL" apply -f "$SPEC" >"$T/apply.out" 2>"$T/apply.err"
	echo $? >"$T/apply.rc"
	$V net-list --all >"$T/net-list" 2>&1
	$V net-dumpxml --inactive sriov-pool >"$T/net.xml" 2>&1
	$V dumpxml --inactive MyGuest >"$T/my.xml" 2>&1
	"$SRIOVCTL" plan -f "$SPEC" >"$T/plan2.out" 2>&1
	"$SRIOVCTL" show >"$T/show.out" 2>&1
	"$SRIOVCTL" show --format state >"$T/capture.yaml" 2>"$T/capture.err"
	cat >"$T/list.xml" <<XML
<network><name>vf-list</name><forward mode="hostdev" managed="yes">
<address type="pci" domain="0x0000" bus="0x0b" slot="0x10" function="0x0"/>
</forward></network>
XML
	$V net-define "$T/list.xml" >"$T/list.out" 2>&1
	true
' bash "$T" "$SPEC" 2>"$T/run.err"
is 0 $? "simulated host with libvirtd runs"
sed 's/^/# /' "$T/apply.out" "$T/apply.err" "$T/run.err"

is 1 "$(cat "$T/apply.rc")" "apply fails: the private libvirtd cannot start the <pf> pool"
has "network 'sriov-pool': cannot start it: .*No usable Vf's present on SRIOV PF enp11s0f0" \
	"$T/apply.err" "the failure names the network and libvirt's reason"
has "^ *sriov-pool +inactive +no +yes" "$T/net-list" "the pool is defined, persistent, not running"
has "<forward mode='hostdev' managed='yes'>" "$T/net.xml" "the pool forwards in hostdev mode, managed"
has "<pf dev='enp11s0f0'/>" "$T/net.xml" "the pool's PF is the declared PF's interface"
has "<interface type='network'>" "$T/my.xml" "MyGuest got an interface on a network"
has "<source network='sriov-pool'/>" "$T/my.xml" "... on the pool"
has "<mac address='52:54:00:6d:90:03'/>" "$T/my.xml" "... with the file's MAC"
has "^\+ start network sriov-pool" "$T/plan2.out" "planning again: the pool still has to start"
lacks "define network|attach" "$T/plan2.out" "... and nothing defined or attached twice"
has "^sriov-pool +inactive +no +enp11s0f0 +yes +0 +-" "$T/show.out" "show lists the pool"
has "^- name: sriov-pool" "$T/capture.yaml" "the capture keeps the pool under networks:"
has "is not an SR-IOV Virtual Function" "$T/list.out" \
	"the VF-address-list form is refused here too (libvirtd reads the real /sys)"

# the captured host, the pool running with the 4 VFs libvirt would list
# and VF 1 handed to MyGuest, running: what the planner makes of it
$PYTHON "$(dirname "$0")/pool-running.py" "$T/capture.yaml" "$T"
sed -e 's/num-vfs: 4/num-vfs: 7/' "$SPEC" >"$T/grow.yaml"
sed -e 's/num-vfs: 4/num-vfs: 2/' "$SPEC" >"$T/shrink.yaml"
"$SRIOVCTL" plan --state "$T/idle.yaml" -f "$T/grow.yaml" >"$T/grow.out" 2>&1
has "^~ 0000:0b:00.0 num-vfs 4 -> 7" "$T/grow.out" "a grow of the pool's PF is planned"
has "^~ refresh network sriov-pool: 4 -> 7 VFs" "$T/grow.out" "... and the running pool refreshed"
"$SRIOVCTL" plan --state "$T/held.yaml" -f "$T/shrink.yaml" >"$T/shrink.out" 2>&1
has "^! blocked: 0000:0b:00.0 num-vfs 4 -> 2 .*VF 0000:0b:10.2 is handed out by network 'sriov-pool' to guest 'MyGuest'" \
	"$T/shrink.out" "a shrink is blocked, naming the network and the guest"
lacks "refresh network" "$T/shrink.out" "... and the pool is not refreshed"
"$SRIOVCTL" plan --state "$T/idle.yaml" -f "$T/shrink.yaml" >"$T/shrink-idle.out" 2>&1
has "^~ 0000:0b:00.0 num-vfs 4 -> 2 \(disruptive" "$T/shrink-idle.out" \
	"nobody holds a VF: the shrink is a plain disruptive change"
echo "1..$n"

#!/bin/bash
# SPDX-License-Identifier: MIT
# A file that declares a VF pool and no guest: libvirt is asked at once
# (a pool is libvirt's), not left out as for a file that only names PFs;
# and --scope host (the boot unit, before libvirtd runs) plans the host
# side of it without libvirt, leaving the pool to --scope guests. Found
# on the real kernel (tests/vm/scenarios/igb-70-pool-define.yaml): both
# failed with "networks are declared but libvirt was not observed".
. "$(dirname "$0")/lib.sh"
need_shim
need_libvirt

STATE="$G/fixtures/pool.state.yaml"
sed -e '/^guests:/,$d' -e 's/num-vfs: 4/num-vfs: 5/' "$G/specs/pool.yaml" >"$T/spec.yaml"

"$RUN" "$STATE" -- bash -c '
	T=$1
	V="virsh -q -c $SRIOVCTL_LIBVIRT_URI"
	for s in all host guests; do
		"$SRIOVCTL" plan --scope $s -f "$T/spec.yaml" >"$T/plan-$s.out" 2>"$T/plan-$s.err"
		echo $? >"$T/plan-$s.rc"
	done
	"$SRIOVCTL" apply --scope host -f "$T/spec.yaml" >"$T/host.out" 2>"$T/host.err"
	echo $? >"$T/host.rc"
	$V net-list --all >"$T/net-host" 2>&1
	"$SRIOVCTL" apply -f "$T/spec.yaml" >"$T/apply.out" 2>"$T/apply.err"
	echo $? >"$T/apply.rc"
	$V net-list --all >"$T/net-list" 2>&1
	true
' bash "$T" 2>"$T/run.err"
is 0 $? "simulated host with libvirtd runs"
sed 's/^/# /' "$T/run.err"

sed 's/^/# /' "$T/plan-all.err"
is 0 "$(cat "$T/plan-all.rc")" "plan of a file with a pool and no guest: exit 0"
lacks "libvirt was not observed" "$T/plan-all.err" "... libvirt was observed"
has "^\+ define network sriov-pool \(pf enp11s0f0\)$" "$T/plan-all.out" "... the pool is to be defined"
has "^~ 0000:0b:00\.0 num-vfs 4 -> 5" "$T/plan-all.out" "... and the PF's count changed"

sed 's/^/# /' "$T/plan-host.err"
is 0 "$(cat "$T/plan-host.rc")" "plan --scope host: exit 0"
has "^~ 0000:0b:00\.0 num-vfs 4 -> 5" "$T/plan-host.out" "... the host side is planned"
lacks "network" "$T/plan-host.out" "... and the pool left out"

sed 's/^/# /' "$T/plan-guests.err"
is 0 "$(cat "$T/plan-guests.rc")" "plan --scope guests: exit 0"
has "^\+ define network sriov-pool" "$T/plan-guests.out" "... plans the pool"
lacks "num-vfs" "$T/plan-guests.out" "... and not the host side"

sed 's/^/# /' "$T/host.err"
is 0 "$(cat "$T/host.rc")" "apply --scope host: exit 0"
lacks "sriov-pool" "$T/net-host" "... defines no network"

sed 's/^/# /' "$T/apply.err"
has "network 'sriov-pool': cannot start it: .*No usable Vf's present on SRIOV PF enp11s0f0" \
	"$T/apply.err" "apply: the pool is defined and started (which this libvirtd cannot do)"
has "^ *sriov-pool +inactive" "$T/net-list" "... the pool is defined"
echo "1..$n"

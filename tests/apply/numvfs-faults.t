#!/bin/bash
# SPDX-License-Identifier: MIT
# Every sriov_numvfs fault of the fake kernel during apply on a host with two
# PFs, the fault on the first: a clear error in plain words, exit 1, the
# other PF converged; once the fault is cleared from $SIMHOST_CONFIG, a
# re-run converges and plan has nothing left.
. "$(dirname "$0")/lib.sh"
need_shim

PF0=0000:0b:00.0
# the run: apply with the fault, clear it, apply again, plan
SCRIPT='
	# a change still under way: a read would wait for it (the device lock)
	nv() { [ -e "$UMOCKDEV_DIR/simhost-pending-$1" ] && echo pending || cat /sys/bus/pci/devices/$1/sriov_numvfs; }
	start=$EPOCHREALTIME
	$SC apply -f "$T/spec.yaml" --timeout "$1" >"$T/out1" 2>"$T/err1"
	echo "first: rc=$? pf0=$(nv 0000:0b:00.0) pf1=$(nv 0000:0c:00.0) took=$(awk -v a=$start -v b=$EPOCHREALTIME "BEGIN { printf \"%d\", b - a }")"
	sed -i -e "/^fail /d" -e "s/vf-enable-max=[0-9]*/vf-enable-max=0/" "$SIMHOST_CONFIG"
	# a change still under way (a slow driver) is over once the count is reached
	# (the fake kernel marks it with a file in the testbed while under way)
	for i in $(seq 100); do [ -e "$UMOCKDEV_DIR/simhost-pending-0000:0b:00.0" ] || break; sleep 0.1; done
	$SC apply -f "$T/spec.yaml" >"$T/out2" 2>"$T/err2"
	echo "rerun: rc=$? pf0=$(nv 0000:0b:00.0) pf1=$(nv 0000:0c:00.0)"
	$SC plan --detailed-exitcode -f "$T/spec.yaml" >"$T/out3" 2>&1
	echo "plan: rc=$?"
'

# fault_case NAME SIM-SETTING TIMEOUT EXPECTED-ERROR-REGEXP MAX-SECONDS
fault_case() {
	local name=$1 setting=$2 timeout=$3 msg=$4 max=$5
	mkhost "$T/state.yaml" --pfs 2 --sim-pf "0:$setting" --spec "$T/spec.yaml" --want-vfs 7
	sim "$T/state.yaml" "$SCRIPT" "$timeout" >"$T/$name.out" 2>&1
	cp "$T/err1" "$T/$name.err" 2>/dev/null
	has "^first: rc=1 pf0=([0-6]|pending) pf1=7 took=" "$T/$name.out" "$name: exit 1, the other PF has its 7 VFs"
	has "$msg" "$T/$name.err" "$name: the error says what went wrong"
	local took
	took=$(sed -n 's/^first: .*took=\([0-9]*\)$/\1/p' "$T/$name.out")
	check "$name: bounded in time (${took:-?} s, at most $max)" test "${took:-999}" -le "$max"
	has "^rerun: rc=0 pf0=7 pf1=7$" "$T/$name.out" "$name: once the fault is gone a re-run converges"
	has "^plan: rc=0$" "$T/$name.out" "$name: plan --detailed-exitcode is 0 afterwards"
}

P="PF '$PF0': cannot set sriov_numvfs to 7: "
fault_case EBUSY fail.sriov_numvfs=EBUSY 10 "^sriovctl: error: ${P}device busy" 9
fault_case ERANGE fail.sriov_numvfs=ERANGE 10 "^sriovctl: error: ${P}more VFs than sriov_totalvfs" 9
fault_case ENOENT fail.sriov_numvfs=ENOENT 10 "^sriovctl: error: ${P}PF has no driver bound" 9
fault_case EIO fail.sriov_numvfs=EIO 10 "^sriovctl: error: ${P}Input/output error" 9
fault_case ENOSPC fail.sriov_numvfs=ENOSPC 10 \
	"^sriovctl: error: ${P}not enough MSI-X vectors or bus numbers — see pci=realloc" 9
fault_case hang fail.sriov_numvfs=hang 1 \
	"^sriovctl: error: PF '$PF0': setting sriov_numvfs to 7 did not finish within 1 s" 6
fault_case slow vf-delay-ms=2500 1 "^sriovctl: error: PF '$PF0': timed out waiting for VFs: 0 of 7 present" 6
fault_case fewer vf-enable-max=3 10 "^sriovctl: error: PF '$PF0': the driver enabled 3 of 7 VFs" 9
echo "1..$n"

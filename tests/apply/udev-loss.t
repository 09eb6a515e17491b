#!/bin/bash
# SPDX-License-Identifier: MIT
# 64 VFs while udev events are lost (the fake kernel loses every 7th,
# SIMHOST_UEVENT_LOSE=7, as a full socket would): apply does not fail on
# the missing events, it reads sysfs again at the deadline, finds the 64
# VFs, warns, and converges.
. "$(dirname "$0")/lib.sh"
need_shim

mkhost "$T/state.yaml" --pfs 1 --total-vfs 64 --spec "$T/spec.yaml" --want-vfs 64
SIMHOST_UEVENT_LOSE=7 sim "$T/state.yaml" '
	$SC apply -f "$T/spec.yaml" --timeout 5 >"$T/out1" 2>"$T/err1"
	echo "apply: rc=$? numvfs=$(cat /sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs)"
	$SC plan --detailed-exitcode -f "$T/spec.yaml" >/dev/null 2>&1
	echo "plan: rc=$?"
' >"$T/out" 2>&1
sed 's/^/# /' "$T/out" "$T/err1"
has "^apply: rc=0 numvfs=64$" "$T/out" "apply with lost events: exit 0, 64 VFs"
has "^sriovctl: warning: PF '0000:0b:00.0': the 64 VFs exist \(sysfs\), but udev did not announce them all" "$T/err1" \
	"a warning says udev did not announce them all"
has "^plan: rc=0$" "$T/out" "plan --detailed-exitcode is 0 afterwards"
echo "1..$n"

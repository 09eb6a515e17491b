#!/bin/bash
# SPDX-License-Identifier: MIT
# managed: false on the private libvirtd: sriovctl binds a GPU and its
# audio function to vfio-pci itself (driver: on pci: devices, unbind,
# driver_override, drivers_probe under the fake kernel), then attaches
# them as <hostdev managed='no'>; a saved plan of that is applied as
# made, and planning again finds nothing (managed='no' is read back from
# the domain XML). Handing a device back to libvirt (managed: true)
# replaces it; managed: false on a device left on its host driver is an
# error that says why, and nothing is changed.
. "$(dirname "$0")/lib.sh"
need_shim
need_libvirt

STATE="$G/fixtures/whole.state.yaml"

"$RUN" "$STATE" -- bash -c '
	T=$1 G=$2
	V="virsh -q -c $SRIOVCTL_LIBVIRT_URI"
	drv() { basename "$(readlink /sys/bus/pci/devices/$1/driver)"; }
	"$SRIOVCTL" plan -f "$G/specs/whole-unmanaged.yaml" -o "$T/p.json" >"$T/plan1.out" 2>&1
	echo $? >"$T/plan1.rc"
	"$SRIOVCTL" apply --plan "$T/p.json" >"$T/apply1.out" 2>"$T/apply1.err"
	echo $? >"$T/apply1.rc"
	echo "$(drv 0000:65:00.0) $(drv 0000:65:00.1)" >"$T/drivers1"
	cat /sys/bus/pci/devices/0000:65:00.0/driver_override >"$T/override1"
	$V dumpxml --inactive MyGuest >"$T/my1.xml"
	"$SRIOVCTL" plan -f "$G/specs/whole-unmanaged.yaml" --detailed-exitcode >"$T/plan2.out" 2>&1
	echo $? >"$T/plan2.rc"
	"$SRIOVCTL" show --format spec >"$T/spec.out" 2>&1
	"$SRIOVCTL" apply -f "$G/specs/whole-managed-audio.yaml" >"$T/apply3.out" 2>"$T/apply3.err"
	echo $? >"$T/apply3.rc"
	$V dumpxml --inactive MyGuest >"$T/my3.xml"
	"$SRIOVCTL" plan -f "$G/specs/whole-managed-audio.yaml" --detailed-exitcode >"$T/plan4.out" 2>&1
	echo $? >"$T/plan4.rc"
	"$SRIOVCTL" apply -f "$G/specs/whole-not-vfio.yaml" >"$T/apply5.out" 2>"$T/apply5.err"
	echo $? >"$T/apply5.rc"
	drv 0000:68:00.0 >"$T/drivers5"
	$V dumpxml --inactive MyGuest >"$T/my5.xml"
' bash "$T" "$G" 2>"$T/run.err"
is 0 $? "simulated host with libvirtd runs"
sed 's/^/# /' "$T/plan1.out" "$T/apply1.out" "$T/apply1.err" "$T/run.err"

is 0 "$(cat "$T/plan1.rc")" "plan -o writes the plan"
has '^~ 0000:65:00\.0 driver nouveau -> vfio-pci$' "$T/plan1.out" "plan: the GPU is bound to vfio-pci first"
has '^~ 0000:65:00\.1 driver snd_hda_intel -> vfio-pci$' "$T/plan1.out" "plan: ... and its audio function"
has '^\+ attach 0000:65:00\.0 to MyGuest \(hostdev, managed no\) \[config\]$' "$T/plan1.out" "plan: the GPU is attached unmanaged"
is 0 "$(cat "$T/apply1.rc")" "apply --plan of the saved plan exits 0"
is "vfio-pci vfio-pci" "$(cat "$T/drivers1")" "both functions are on vfio-pci"
is "(null)" "$(cat "$T/override1")" "... with driver_override cleared again"
cat >"$T/want1" <<'W'
hostdev 0000:65:00.0 managed=no
hostdev 0000:65:00.1 managed=no
W
devs "$T/my1.xml" | sort >"$T/got1"
same "$T/want1" "$T/got1" "MyGuest holds both as <hostdev managed='no'>"
is 0 "$(cat "$T/plan2.rc")" "planning again: no changes (managed='no' read back)"
has '^No changes' "$T/plan2.out" "... and says so"
has '^        managed: false$' "$T/spec.out" "show --format spec writes managed: false"

sed 's/^/# /' "$T/apply3.out" "$T/apply3.err"
is 0 "$(cat "$T/apply3.rc")" "managed: true again: apply exits 0"
has '^- detach 0000:65:00\.1 from MyGuest \(hostdev, managed no\) \[config\]$' "$T/apply3.out" "... detaches the unmanaged device"
has '^\+ attach 0000:65:00\.1 to MyGuest \(hostdev\) \[config\]$' "$T/apply3.out" "... and attaches it managed"
cat >"$T/want3" <<'W'
hostdev 0000:65:00.0 managed=no
hostdev 0000:65:00.1 managed=yes
W
devs "$T/my3.xml" | sort >"$T/got3"
same "$T/want3" "$T/got3" "MyGuest: the GPU unmanaged, the audio function managed"
is 0 "$(cat "$T/plan4.rc")" "then the plan is empty"

sed 's/^/# /' "$T/apply5.err"
is 1 "$(cat "$T/apply5.rc")" "managed: false on a device left on e1000e: apply fails"
has "whole-not-vfio\.yaml:7:18: error: PCI device 0000:68:00\.0 \(guest 'MyGuest'\) has managed: false but stays on driver e1000e: libvirt binds nothing for managed='no'.* the guest would not start; give it driver: vfio-pci" \
	"$T/apply5.err" "... saying why, at the managed: key"
is e1000e "$(cat "$T/drivers5")" "... the NIC keeps its driver"
same "$T/my3.xml" "$T/my5.xml" "... and MyGuest is not touched"
echo "1..$n"

#!/bin/bash
# SPDX-License-Identifier: MIT
# IOMMU groups are observed: on a simulated host built from
# tests/state/iommu.state.yaml (a GPU on vfio-pci whose audio function
# stays with snd_hda_intel, and a PF behind a bridge of its group),
# `show --format state` gives back each device's iommu-group and every
# group's members with class and driver, `show` names the mates, and a
# plan of the captured host blocks giving the GPU alone to a guest.
. "$(dirname "$0")/../simhost/lib.sh"
need_shim
export SIMHOST_NO_LIBVIRT=1
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
STATE="$TOP/tests/state/iommu.state.yaml"

"$RUN" "$STATE" -- bash -c '
"$1" show --format state >"$2/captured.state.yaml" 2>"$2/show.err" &&
"$1" show >"$2/show.txt" 2>>"$2/show.err"
' run "$SRIOVCTL" "$T" >"$T/run.log" 2>&1
check "the simulated host ran" test -s "$T/show.txt"

# the IOMMU keys of the fixture and of the capture
iommu() {
	$PYTHON -c '
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
for p in s.get("pci") or []:
    print("pci", p["address"], p.get("iommu-group"))
for g in s.get("iommu-groups") or []:
    for m in g["devices"]:
        print("group", g["id"], m["address"], m.get("class"), m.get("driver"))
' "$1"
}
iommu "$STATE" >"$T/want"
iommu "$T/captured.state.yaml" >"$T/got" 2>&1
has "^group 14 0000:65:00.1 0x040300 snd_hda_intel$" "$T/want" "the fixture has a mate in group 14"
if diff -u "$T/want" "$T/got" >"$T/diff"; then
	ok "each device's iommu-group and each group's members, classes and drivers are observed"
else
	not_ok "each device's iommu-group and each group's members, classes and drivers are observed"
	sed 's/^/#   /' "$T/diff"
fi
has "^0000:65:00.0 .* 14 \\(with 0000:65:00.1\\) " "$T/show.txt" "show names the device's IOMMU group and its mate"

# the captured host with a guest, planned: the GPU alone would not start
$PYTHON -c '
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
s["libvirt"] = True
s["domains"] = [{"name": "MyGuest", "running": False, "live-xml": None,
                 "xml": "<domain type=\"kvm\"><name>MyGuest</name><devices></devices></domain>"}]
yaml.safe_dump(s, open(sys.argv[2], "w"))
' "$T/captured.state.yaml" "$T/guest.state.yaml"
printf 'version: 1\nguests:\n  MyGuest:\n    devices:\n      - pci: "0000:65:00.0"\n' >"$T/gpu.yaml"
"$SRIOVCTL" plan --state "$T/guest.state.yaml" "$T/gpu.yaml" >"$T/plan.txt" 2>&1
has "IOMMU group 14 also holds 0000:65:00.1 \\(class 0x040300, driver snd_hda_intel\\): list it for guest .MyGuest. too" \
	"$T/plan.txt" "a plan of the captured host blocks the GPU without its audio function"
echo "1..$n"

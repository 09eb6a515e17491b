#!/bin/bash
# SPDX-License-Identifier: MIT
# sriovctl doctor on host-state files: a host ready for SR-IOV, one
# without IOMMU, adapters with sriov_totalvfs 0, a missing PF, a missing
# module, VFs beyond the PF's bus, a small MSI-X budget, libvirt for
# guests, an invalid file; text and JSON; the exit status.
. "$(dirname "$0")/lib.sh"

# the host ready for SR-IOV, with and without a file
doc --state "$D/fine.state.yaml" "$D/fine.yaml"
is 0 "$rc" "a ready host: exit 0"
lacks '^(warn|fail) ' "$T/out" "a ready host: every check ok"
is "ok   iommu: /sys/kernel/iommu_groups is populated" "$(line iommu)" "iommu ok"
is "ok" "$(status "msix enp59s0f0np0")" "the MSI-X budget of a PF named by its interface"
has "^ok   msix enp59s0f0np0: 256 MSI-X vectors for 8 VFs \(32 each\)$" "$T/out" "the MSI-X budget is shared by the VFs asked"
has "^ok   module igbvf: available, not loaded$" "$T/out" "the 82576's VF driver is looked for"
lacks "module mlx5_core" "$T/out" "the ConnectX's VFs go to vfio-pci: no VF driver checked"
doc --state "$D/fine.state.yaml"
is 0 "$rc" "no file: the host's every PF, exit 0"
has "^ok   sriov 0000:3b:00.0: SR-IOV capable, sriov_totalvfs 8, 0 VFs now, driver mlx5_core$" "$T/out" "no file: each PF by address"

printf 'version: 1\nkind: host-state\npci: []\nmodules: {}\nfiles: {}\n' >"$T/empty.state.yaml"
doc --state "$T/empty.state.yaml"
is 1 "$rc" "no file, no SR-IOV device: exit 1"
has "^fail sriov: no SR-IOV device: no PCI device has sriov_totalvfs; fix: enable SR-IOV in the BIOS" "$T/out" "a host without any PF says so"

# the file's host: guard
printf 'version: 1\nhost: kvm-99\npfs:\n  - pci: "0000:0b:00.0"\n    num-vfs: 2\n' >"$T/other.yaml"
doc --state "$D/fine.state.yaml" "$T/other.yaml"
is 1 "$rc" "a file for another host: exit 1"
has "^fail hostname: this host is 'kvm-07', the file is for 'kvm-99'; fix: run it on 'kvm-99'" "$T/out" "the host: guard is a check"
sed 's/kvm-99/kvm-07/' "$T/other.yaml" >"$T/same.yaml"
doc --state "$D/fine.state.yaml" "$T/same.yaml"
is "ok   hostname: this host is 'kvm-07', as the file's host: says" "$(line hostname)" "the right host"

# AMD: amd_iommu=on with iommu=pt
sed 's/intel_iommu=on iommu=pt/amd_iommu=on iommu=pt/' "$D/fine.state.yaml" >"$T/amd.state.yaml"
doc --state "$T/amd.state.yaml"
is "ok   kernel-cmdline: amd_iommu=on iommu=pt" "$(line kernel-cmdline)" "amd_iommu=on iommu=pt"

# no IOMMU
doc --state "$D/noiommu.state.yaml" "$D/guests.yaml"
is 1 "$rc" "no IOMMU and a file with guests: exit 1"
is fail "$(status iommu)" "no IOMMU: the iommu check fails"
has "^fail iommu: .*; fix: enable VT-d \(Intel\) or AMD-Vi/IOMMU \(AMD\) in the firmware setup, and add intel_iommu=on" "$T/out" "the fix names the firmware and intel_iommu=on"
has "^warn kernel-cmdline: no iommu=pt.*; fix: add iommu=pt to the kernel command line" "$T/out" "iommu=pt missing is a warning with its fix"
is fail "$(status libvirt)" "the host-state has no libvirt: the libvirt check fails"
printf 'version: 1\npfs:\n  - pci: "0000:0b:00.0"\n    num-vfs: 7\n' >"$T/vfs.yaml"
doc --state "$D/noiommu.state.yaml" "$T/vfs.yaml"
is 0 "$rc" "no IOMMU, a file that only makes VFs for the host: exit 0"
is fail "$(status iommu)" "... the check still fails"
sed 's/ ro quiet"/ ro intel_iommu=off"/' "$D/noiommu.state.yaml" >"$T/off.state.yaml"
doc --state "$T/off.state.yaml" "$D/guests.yaml"
has "^fail kernel-cmdline: the kernel command line turns the IOMMU off; fix: remove intel_iommu=off and add intel_iommu=on iommu=pt" "$T/out" "intel_iommu=off is named"

# sriov_totalvfs 0: the vendor's knob
doc --state "$D/totalvfs0.state.yaml" "$D/totalvfs0.yaml"
is 1 "$rc" "sriov_totalvfs 0: exit 1"
has "^fail sriov 0000:3b:00.0: sriov_totalvfs is 0: SR-IOV is off in the firmware; fix: enable SR-IOV in the adapter's firmware: mstconfig -d 0000:3b:00.0 set SRIOV_EN=1 NUM_OF_VFS=8" "$T/out" "mlx5: SRIOV_EN and NUM_OF_VFS through mstconfig"
has "^fail sriov 0000:5e:00.0: sriov_totalvfs is 0.*; fix: enable SR-IOV in the BIOS/UEFI setup" "$T/out" "Intel: the BIOS setting"
has "^fail module iavf: kmod finds no module 'iavf'" "$T/out" "a VF driver kmod does not find fails"
sed 's/total-vfs: 0/total-vfs: 4/' "$D/totalvfs0.state.yaml" >"$T/four.state.yaml"
doc --state "$T/four.state.yaml" "$D/totalvfs0.yaml"
has "^fail sriov 0000:3b:00.0: num-vfs 8 exceeds sriov_totalvfs 4; fix: raise NUM_OF_VFS: mstconfig -d 0000:3b:00.0 set NUM_OF_VFS=8" "$T/out" "more VFs than the firmware offers"

# a missing PF, a device without SR-IOV, a PF without driver
doc --state "$D/fine.state.yaml" "$D/missing.yaml"
is 1 "$rc" "a PF of the file is missing: exit 1"
has "^fail sriov 0000:af:00.0: not found on this host; fix: check the address with 'lspci -D'" "$T/out" "the missing PF is named"
is ok "$(status "sriov 0000:0b:00.0")" "... the present one is ok"
$PYTHON - "$D/fine.state.yaml" "$T/nosriov.state.yaml" <<'PY'
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
del s["pci"][0]["sriov"]
del s["pci"][1]["driver"]
yaml.safe_dump(s, open(sys.argv[2], "w"))
PY
doc --state "$T/nosriov.state.yaml" "$D/fine.yaml"
has "^fail sriov 0000:0b:00.0: '0000:0b:00.0' has no SR-IOV capability \(no sriov_totalvfs\)" "$T/out" "a device without SR-IOV"
has "^fail sriov enp59s0f0np0: no driver bound: VFs cannot be created" "$T/out" "a PF without a driver"

# buses, MSI-X
$PYTHON - "$D/fine.state.yaml" "$T/bus.state.yaml" <<'PY'
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
s["pci"][1]["sriov"]["offset"] = 384
s["pci"][1]["sriov"]["vf-total-msix"] = 8
yaml.safe_dump(s, open(sys.argv[2], "w"))
PY
doc --state "$T/bus.state.yaml" "$D/fine.yaml"
is 0 "$rc" "warnings only: exit 0"
has "^warn bus enp59s0f0np0: the VFs \(up to 0000:3c:10.7\) need bus numbers beyond 0000:3b; fix: .*boot with pci=realloc$" "$T/out" "VFs beyond the PF's bus: the pci=realloc hint"
has "^warn msix enp59s0f0np0: 8 MSI-X vectors for 8 VFs: fewer than 2 each" "$T/out" "a small MSI-X budget is a warning"
sed 's/iommu=pt$/iommu=pt pci=realloc/' "$T/bus.state.yaml" >"$T/realloc.state.yaml"
doc --state "$T/realloc.state.yaml" "$D/fine.yaml"
has "^ok   bus enp59s0f0np0: .*pci=realloc is set$" "$T/out" "with pci=realloc the bus check is ok"

# libvirt for guests
doc --state "$D/fine.state.yaml" "$D/guests.yaml"
is "ok   libvirt: reachable, version 9.0.0" "$(line libvirt)" "a file with guests: libvirt and its version"
doc --state "$D/fine.state.yaml" "$D/fine.yaml"
lacks "libvirt" "$T/out" "a file without guests: libvirt is not checked"
# a VF pool without guests: libvirt hands its VFs out, to vfio-pci
printf 'version: 1\npfs:\n  - pci: "0000:0b:00.0"\n    num-vfs: 2\nnetworks:\n  pool:\n    pf: "0000:0b:00.0"\n' >"$T/pool.yaml"
doc --state "$D/fine.state.yaml" "$T/pool.yaml"
is "ok   libvirt: reachable, version 9.0.0" "$(line libvirt)" "a file with a VF pool and no guests: libvirt is checked"
has "^ok   module vfio-pci: " "$T/out" "a file with a VF pool: vfio-pci is looked for"
doc --state "$D/noiommu.state.yaml" "$T/pool.yaml"
is fail "$(status libvirt)" "a VF pool on a host-state without libvirt: the libvirt check fails"

# an invalid file: said with its place, the host still checked, exit 65
doc --state "$D/fine.state.yaml" "$D/invalid.yaml"
is 65 "$rc" "an invalid file: exit 65"
has "invalid.yaml:4:14: error: wrong type for 'num-vfs'" "$T/err" "its error with FILE:LINE:COL on stderr"
has "^fail file: .*invalid.yaml: invalid: .*invalid.yaml:4:14: wrong type for 'num-vfs'" "$T/out" "the file check names the first error"
has "^ok   sriov 0000:0b:00.0: " "$T/out" "the host is checked all the same"

# JSON: the same checks
doc --state "$D/totalvfs0.state.yaml" "$D/totalvfs0.yaml"
cp "$T/out" "$T/text"
doc --state "$D/totalvfs0.state.yaml" "$D/totalvfs0.yaml" --json
is 1 "$rc" "--json: the same exit status"
check_log "the JSON is {checks: [{name, status, required, detail, fix}]}, as the text says" \
	$PYTHON - "$T/out" "$T/text" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert list(doc) == ["checks"], doc.keys()
text = [l.rstrip("\n") for l in open(sys.argv[2])]
assert len(text) == len(doc["checks"]), (len(text), len(doc["checks"]))
for c, t in zip(doc["checks"], text):
    assert set(c) == {"name", "status", "required", "detail", "fix"}, c
    assert c["status"] in ("ok", "warn", "fail"), c
    want = f'{c["status"]:<4} {c["name"]}: {c["detail"]}' + (f'; fix: {c["fix"]}' if c["fix"] else "")
    assert t == want, (t, want)
    assert (c["fix"] is None) == (c["status"] == "ok" or c["fix"] is None)
fails = [c["name"] for c in doc["checks"] if c["status"] == "fail"]
assert fails == ["sriov 0000:3b:00.0", "sriov 0000:5e:00.0", "module iavf"], fails
PY

# a name from a hostile host-state is escaped
$PYTHON - "$D/fine.state.yaml" "$T/evil.state.yaml" <<'PY'
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
s["libvirt-version"] = "9.0\x1b[2J"
yaml.safe_dump(s, open(sys.argv[2], "w"))
PY
doc --state "$T/evil.state.yaml" "$D/guests.yaml"
if grep -q $'\x1b' "$T/out"; then not_ok "control characters are escaped"; else ok "control characters are escaped"; fi

doc --state "$D/fine.state.yaml" --format dot
is 64 "$rc" "an unknown format is a usage error"
echo "1..$n"

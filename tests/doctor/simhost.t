#!/bin/bash
# SPDX-License-Identifier: MIT
# sriovctl doctor on the simulated host: what a preflight reads live (the
# kernel command line under the file root, /sys/kernel/iommu_groups, a
# PF's sriov_vf_total_msix, a device of the file without SR-IOV, loaded
# modules, libvirt and its version from a private libvirtd).
. "$(dirname "$0")/lib.sh"
need_shim

# the ready host, live: its VF driver loaded (kmod's lookup reads the real
# machine's modules, which this test must not depend on)
$PYTHON - "$D/fine.state.yaml" "$T/live.state.yaml" <<'PY'
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
s["modules"]["igbvf"] = {"loaded": True, "parameters": {}}
s["pci"].append({"address": "0000:5e:00.0", "vendor": "8086", "device": "1572", "driver": "i40e"})
del s["libvirt-version"]
s["libvirt"] = False
yaml.safe_dump(s, open(sys.argv[2], "w"))
PY
SIMHOST_NO_LIBVIRT=1 "$RUN" "$T/live.state.yaml" -- "$SRIOVCTL" doctor "$D/fine.yaml" >"$T/out" 2>"$T/err"
is 0 "$?" "a ready simulated host: exit 0"
lacks '^(warn|fail) ' "$T/out" "every check ok"
is "ok   kernel-cmdline: intel_iommu=on iommu=pt" "$(line kernel-cmdline)" "the command line is read under the file root"
is "ok   iommu: /sys/kernel/iommu_groups is populated" "$(line iommu)" "the IOMMU groups are seen"
is "ok   msix enp59s0f0np0: 256 MSI-X vectors for 8 VFs (32 each)" "$(line "msix enp59s0f0np0")" "sriov_vf_total_msix is read from sysfs"
is "ok   module igbvf: loaded" "$(line "module igbvf")" "the loaded VF driver"

# a device of the file without SR-IOV is observed to say so
printf 'version: 1\npfs:\n  - pci: "0000:5e:00.0"\n    num-vfs: 4\n' >"$T/x710.yaml"
SIMHOST_NO_LIBVIRT=1 "$RUN" "$T/live.state.yaml" -- "$SRIOVCTL" doctor "$T/x710.yaml" >"$T/out" 2>"$T/err"
is 1 "$?" "a device without SR-IOV: exit 1"
has "^fail sriov 0000:5e:00.0: '0000:5e:00.0' has no SR-IOV capability" "$T/out" "the device is there but has no SR-IOV"

# no IOMMU, live
SIMHOST_NO_LIBVIRT=1 "$RUN" "$D/noiommu.state.yaml" -- "$SRIOVCTL" doctor --json "$D/guests.yaml" \
	--libvirt "qemu+unix:///system?socket=$T/none.sock" >"$T/out" 2>"$T/err"
is 1 "$?" "no IOMMU, live: exit 1"
check_log "no IOMMU: iommu fails, iommu=pt warns, libvirt down fails (JSON)" $PYTHON - "$T/out" <<'PY'
import json, sys
c = {x["name"]: x for x in json.load(open(sys.argv[1]))["checks"]}
assert c["iommu"]["status"] == "fail" and c["iommu"]["required"], c["iommu"]
assert "intel_iommu=on" in c["iommu"]["fix"], c["iommu"]
assert c["kernel-cmdline"]["status"] == "warn", c["kernel-cmdline"]
assert c["libvirt"]["status"] == "fail" and "cannot connect" in c["libvirt"]["detail"], c["libvirt"]
assert c["sriov 0000:0b:00.0"]["status"] == "ok", c
PY

# libvirt reachable: its version, as virsh says it
if [ "$(id -u)" = 0 ]; then
	$PYTHON - "$T/live.state.yaml" "$T/guest.state.yaml" <<'PY'
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
s["libvirt"] = True
s["domains"] = [{"name": "web1", "running": False, "live-xml": None,
                 "xml": "<domain type='qemu'><name>web1</name><memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>"}]
yaml.safe_dump(s, open(sys.argv[2], "w"))
PY
	"$RUN" "$T/guest.state.yaml" -- bash -c '"$1" doctor "$2" >"$3/out" 2>"$3/err"; echo $? >"$3/rc"
		virsh -c "$SRIOVCTL_LIBVIRT_URI" version --daemon >"$3/virsh" 2>&1' \
		run "$SRIOVCTL" "$D/guests.yaml" "$T" >"$T/run.log" 2>&1
	is 0 "$(cat "$T/rc" 2>/dev/null)" "guests and a running libvirtd: exit 0"
	want=$(sed -n 's/^Using library: libvirt \([0-9.]*\)$/\1/p' "$T/virsh")
	has "^ok   libvirt: reachable, version ${want:-NONE}$" "$T/out" "libvirt's version ($want) as virsh says it"
else
	skip "guests and a running libvirtd: exit 0" "needs root for the private libvirtd"
	skip "libvirt's version as virsh says it" "needs root for the private libvirtd"
fi
echo "1..$n"

#!/bin/bash
# SPDX-License-Identifier: MIT
# The simulated host's sysfs as libudev, libpci and plain tools see it.
. "$(dirname "$0")/lib.sh"
need_shim
export SIMHOST_NO_LIBVIRT=1 # the domains are harness.t's

probe udevprobe libudev || { not_ok "build udevprobe"; cat "$T/udevprobe.cc.log"; }
probe pciprobe libpci || { not_ok "build pciprobe"; cat "$T/pciprobe.cc.log"; }

# ---- the seed host, read with cat and ls ----
"$RUN" "$SEED" -- bash -c '
	d=/sys/bus/pci/devices/0000:0b:00.0
	echo "devices: $(ls /sys/bus/pci/devices | tr "\n" " ")"
	echo "path: $(readlink -f $d)"
	for a in vendor device class subsystem_vendor sriov_totalvfs sriov_numvfs sriov_offset \
		sriov_stride sriov_vf_device sriov_drivers_autoprobe driver_override irq; do
		echo "$a: $(cat $d/$a)"
	done
	echo "config-size: $(stat -c %s $d/config)"
	echo "config-ids:$(od -An -tx2 -N4 $d/config | tr -s " ")"
	echo "driver: $(basename $(readlink $d/driver))"
	echo "subsystem: $(basename $(readlink $d/subsystem))"
	echo "driver-back: $(readlink -f /sys/bus/pci/drivers/igb/0000:0b:00.0)"
	ls /sys/bus/pci/drivers/igb | sed "s/^/igb-dir: /"
	sed "s/^/uevent: /" $d/uevent
	echo "netdev: $(ls $d/net)"
	echo "netdev-ifindex: $(cat $d/net/enp11s0f0/ifindex)"
	echo "netdev-uevent: $(tr "\n" " " <$d/net/enp11s0f0/uevent)"
	echo "class-net: $(readlink -f /sys/class/net/enp11s0f0)"
	echo "module: $(cat /sys/module/igb/initstate) max_vfs=$(cat /sys/module/igb/parameters/max_vfs)"
	echo "drivers_probe: $(test -f /sys/bus/pci/drivers_probe && echo yes)"
	echo "virtfn: $(ls $d | grep -c virtfn)"
	echo "root: $(cat $SRIOVCTL_ROOT/etc/hostname) $(ls $SRIOVCTL_ROOT/etc/modprobe.d | wc -l) $(test -d $SRIOVCTL_ROOT/run && echo run)"
	echo "sys-env: $(test -f $SIMHOST_SYS/bus/pci/devices/0000:0b:00.0/vendor && echo yes)"
	"$0/udevprobe" list | sed "s/^/udev: /"
	"$0/pciprobe" | sed "s/^/pci: /"
' "$T" >"$T/seed.out" 2>"$T/seed.err"
is 0 $? "run exits with the command's status"
o="$T/seed.out"
has '^devices: 0000:0b:00.0 0000:0b:00.1 $' "$o" "both PFs in /sys/bus/pci/devices"
has '^path: /sys/devices/pci0000:00/0000:00:03.0/0000:0b:00.0$' "$o" "PF behind a root port"
has '^vendor: 0x8086$' "$o" "vendor"
has '^device: 0x10c9$' "$o" "device"
has '^class: 0x020000$' "$o" "class"
has '^subsystem_vendor: 0x8086$' "$o" "subsystem_vendor"
has '^sriov_totalvfs: 7$' "$o" "sriov_totalvfs"
has '^sriov_numvfs: 0$' "$o" "sriov_numvfs"
has '^sriov_offset: 128$' "$o" "sriov_offset"
has '^sriov_stride: 2$' "$o" "sriov_stride"
has '^sriov_vf_device: 10ca$' "$o" "sriov_vf_device"
has '^sriov_drivers_autoprobe: 1$' "$o" "sriov_drivers_autoprobe"
has '^driver_override: \(null\)$' "$o" "driver_override reads (null)"
has '^config-size: 4096$' "$o" "4 KiB config space"
has '^config-ids: 8086 10c9$' "$o" "config space IDs"
has '^driver: igb$' "$o" "driver link"
has '^subsystem: pci$' "$o" "subsystem link"
has '^driver-back: /sys/devices/pci0000:00/0000:00:03.0/0000:0b:00.0$' "$o" "driver dir links back"
for f in bind unbind new_id remove_id module; do
	has "^igb-dir: $f\$" "$o" "driver dir has $f"
done
has '^uevent: DRIVER=igb$' "$o" "uevent DRIVER"
has '^uevent: PCI_ID=8086:10C9$' "$o" "uevent PCI_ID"
has '^uevent: PCI_SLOT_NAME=0000:0b:00.0$' "$o" "uevent PCI_SLOT_NAME"
has '^uevent: MODALIAS=pci:v00008086d000010C9sv00008086sd00000000bc02sc00i00$' "$o" "uevent MODALIAS"
has '^netdev: enp11s0f0$' "$o" "PF netdev"
has '^netdev-ifindex: [0-9]+$' "$o" "netdev ifindex"
has '^netdev-uevent: INTERFACE=enp11s0f0 IFINDEX=[0-9]+ $' "$o" "netdev uevent"
has '^class-net: /sys/devices/pci0000:00/0000:00:03.0/0000:0b:00.0/net/enp11s0f0$' "$o" "/sys/class/net link"
has '^module: live max_vfs=0$' "$o" "module state and parameter"
has '^drivers_probe: yes$' "$o" "drivers_probe"
has '^virtfn: 0$' "$o" "no VFs in the seed"
has '^root: kvm-07 0 run$' "$o" "file root: hostname, no modprobe.d file, run/"
has '^sys-env: yes$' "$o" "SIMHOST_SYS"
has '^udev: 0000:0b:00.0 0x8086 0x10c9 igb$' "$o" "libudev enumerates PF 0"
has '^udev: 0000:0b:00.1 0x8086 0x10c9 igb$' "$o" "libudev enumerates PF 1"
has '^pci: 0000:0b:00.0 \[8086:10c9\] Intel Corporation 82576 Gigabit Network Connection sriov total=7 vf-device=10ca$' \
	"$o" "libpci: name from pci.ids and the SR-IOV capability"

# ---- a state with VFs ----
"$RUN" "$FIX/vfs-2.state.yaml" -- bash -c '
	pf=/sys/bus/pci/devices/0000:0b:00.0
	echo "devices: $(ls /sys/bus/pci/devices | tr "\n" " ")"
	for v in 0 1; do
		echo "virtfn$v: $(basename $(readlink $pf/virtfn$v))"
	done
	for v in 0000:0b:10.0 0000:0b:10.2; do
		d=/sys/bus/pci/devices/$v
		echo "$v physfn=$(basename $(readlink $d/physfn)) device=$(cat $d/device)" \
			"driver=$(basename "$(readlink $d/driver)") override=$(cat $d/driver_override)" \
			"net=$(ls $d/net 2>/dev/null)"
	done
	echo "mac: $(cat /sys/class/net/enp11s16/address)"
	echo "unbound-pf: $(readlink /sys/bus/pci/devices/0000:0b:00.1/driver || echo none)"
	echo "autoprobe-1: $(cat /sys/bus/pci/devices/0000:0b:00.1/sriov_drivers_autoprobe)"
	echo "whole: $(basename $(readlink /sys/bus/pci/devices/0000:5e:00.0/driver))" \
		"$(readlink -f /sys/bus/pci/devices/0000:5e:00.0)"
	echo "vfio-module: $(basename $(readlink /sys/bus/pci/drivers/vfio-pci/module))"
	echo "conf: $(cat $SRIOVCTL_ROOT/etc/modprobe.d/igb.conf)"
	"$0/pciprobe" | sed "s/^/pci: /"
' "$T" >"$T/vfs.out" 2>&1
o="$T/vfs.out"
has '^devices: 0000:0b:00.0 0000:0b:00.1 0000:0b:10.0 0000:0b:10.2 0000:5e:00.0 $' "$o" "VFs of the state exist"
has '^virtfn0: 0000:0b:10.0$' "$o" "virtfn0"
has '^virtfn1: 0000:0b:10.2$' "$o" "virtfn1"
has '^0000:0b:10.0 physfn=0000:0b:00.0 device=0x10ca driver=igbvf override=\(null\) net=enp11s16$' "$o" "VF 0 on igbvf with its netdev"
has '^0000:0b:10.2 physfn=0000:0b:00.0 device=0x10ca driver=vfio-pci override=vfio-pci net=$' "$o" "VF 1 on vfio-pci, no netdev"
has '^mac: 52:54:00:6d:90:02$' "$o" "VF netdev MAC from the state"
has '^unbound-pf: none$' "$o" "a PF without driver"
has '^autoprobe-1: 0$' "$o" "drivers-autoprobe false"
has '^whole: vfio-pci /sys/devices/pci0000:00/0000:00:04.0/0000:5e:00.0$' "$o" "device without SR-IOV behind its own root port"
has '^vfio-module: vfio_pci$' "$o" "driver linked to its module"
has '^conf: options igb max_vfs=2$' "$o" "modprobe.d file from the state"
has '^pci: 0000:0b:10.2 \[8086:10ca\] Intel Corporation 82576 Virtual Function$' "$o" "libpci names the VF"

# ---- a VF made by the fake kernel looks like one built from a state ----
listing='cd /sys/bus/pci/devices/0000:0b:10.0 && find . -printf "%y %p %l\n" | sort;
	for f in vendor device class subsystem_vendor subsystem_device uevent driver_override resource; do
		echo "$f: $(cat $f | tr "\n" " ")"; done; od -An -tx1 config | md5sum'
"$RUN" "$FIX/vfs-2.state.yaml" -- bash -c "$listing" >"$T/built.txt" 2>/dev/null
"$RUN" "$SEED" -- bash -c "echo 1 > /sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs && $listing" \
	>"$T/made.txt" 2>/dev/null
# the state gives VF 0 a MAC; the fake kernel makes one up
sed -i '/net\/enp11s16\/address/d' "$T/built.txt" "$T/made.txt"
if [ -s "$T/built.txt" ] && diff -u "$T/built.txt" "$T/made.txt" >"$T/diff"; then
	ok "a VF from sriov_numvfs matches a VF from the state file"
else
	not_ok "a VF from sriov_numvfs matches a VF from the state file"
	sed 's/^/#   /' "$T/diff" | head -n 40
fi

# ---- VF netdev names from a template, by the builder and the fake kernel ----
variant "$T/tmpl.yaml" "$SEED" '
s["simulate"]["0000:0b:00.0"]["vf-netdev"] = "{pf}v{id}"
s["pci"][0]["sriov"]["num-vfs"] = 1'
"$RUN" "$T/tmpl.yaml" -- bash -c '
	pf=/sys/bus/pci/devices/0000:0b:00.0
	echo "built: $(ls /sys/bus/pci/devices/0000:0b:10.0/net)"
	echo 0 >$pf/sriov_numvfs && echo 2 >$pf/sriov_numvfs
	echo "made: $(ls /sys/bus/pci/devices/0000:0b:10.0/net) $(ls /sys/bus/pci/devices/0000:0b:10.2/net)"
' >"$T/tmpl.out" 2>&1
has '^built: enp11s0f0v0$' "$T/tmpl.out" "vf-netdev template in the builder"
has '^made: enp11s0f0v0 enp11s0f0v1$' "$T/tmpl.out" "vf-netdev template in the fake kernel"

# ---- a broken state file is refused before anything starts ----
printf 'version: 1\nkind: host-state\npci:\n  - address: "0b:00.0"\n' >"$T/bad.yaml"
"$RUN" "$T/bad.yaml" -- true 2>"$T/bad.err"
is 125 $? "a bad state exits 125"
has "bad PCI address '0b:00.0'" "$T/bad.err" "and says why"

echo "1..$n"

#!/bin/bash
# SPDX-License-Identifier: MIT
# Driver binding under the fake kernel: unbind, driver_override,
# drivers_probe, bind, sriov_drivers_autoprobe; a PF's unbind disables SR-IOV.
. "$(dirname "$0")/lib.sh"
need_shim
export SIMHOST_NO_LIBVIRT=1

probe udevprobe libudev || { not_ok "build udevprobe"; cat "$T/udevprobe.cc.log"; }

"$RUN" "$SEED" -- bash -c '
	cd "$0"
	pci=/sys/bus/pci; pf=$pci/devices/0000:0b:00.0; vf=$pci/devices/0000:0b:10.0
	state() { echo "$1: driver=$(basename "$(readlink $vf/driver)") override=$(cat $vf/driver_override)" \
		"net=$(ls $vf/net 2>/dev/null | tr "\n" " ")class-net=$(test -e /sys/class/net/enp11s16 && echo yes)"; }
	err() { sed "s/.*write error: //" "$1"; }
	echo 2 >$pf/sriov_numvfs
	state start
	echo 0000:0b:10.0 >$pci/drivers/vfio-pci/unbind 2>e; echo "unbind-wrong: $(err e)"
	echo 0000:0b:10.0 >$pci/drivers/igbvf/unbind
	state unbound
	echo vfio-pci >$vf/driver_override
	state override
	echo 0000:0b:10.0 >$pci/drivers/igbvf/bind 2>e; echo "bind-mismatch: $(err e)"
	echo 0000:0b:10.0 >$pci/drivers_probe
	state probed
	echo "vfio-link: $(readlink -f $pci/drivers/vfio-pci/0000:0b:10.0)"
	echo 0000:0b:10.0 >$pci/drivers/igbvf/bind 2>e; echo "bind-busy: $(err e)"
	echo >$vf/driver_override
	state cleared
	echo 0000:0b:10.0 >$pci/drivers/vfio-pci/unbind
	echo 0000:0b:10.0 >$pci/drivers_probe
	state reprobed
	echo 0000:0b:99.0 >$pci/drivers_probe 2>e; echo "probe-nodev: $(err e)"
	echo 0000:0b:10.2 >$pci/drivers/igbvf/unbind
	echo 0000:0b:10.2 >$pci/drivers/vfio-pci/bind 2>e; echo "bind-no-override: $(err e)"
	echo 0000:0b:10.2 >$pci/drivers/igbvf/bind
	echo "bound-by-bind: $(basename $(readlink $pci/devices/0000:0b:10.2/driver)) $(ls $pci/devices/0000:0b:10.2/net)"
	echo maybe >$pf/sriov_drivers_autoprobe 2>e; echo "autoprobe-junk: $(err e)"
	echo 0 >$pf/sriov_numvfs
	echo n >$pf/sriov_drivers_autoprobe; echo "autoprobe: $(cat $pf/sriov_drivers_autoprobe)"
	echo 1 >$pf/sriov_numvfs
	state no-autoprobe
	echo 0000:0b:00.0 >$pci/drivers/igb/unbind
	echo "pf-unbound: numvfs=$(cat $pf/sriov_numvfs) vfs=$(ls $pci/devices | wc -l) net=$(ls $pf/net 2>/dev/null)"
	echo 0000:0b:00.0 >$pci/drivers/igb/bind
	echo "pf-rebound: $(basename $(readlink $pf/driver)) net=$(ls $pf/net)"
	echo "udev-override: $($0/udevprobe set 0000:0b:00.1 driver_override vfio-pci) $(cat $pci/devices/0000:0b:00.1/driver_override)"
' "$T" >"$T/bind.out" 2>&1
o="$T/bind.out"
has '^start: driver=igbvf override=\(null\) net=enp11s16 class-net=yes$' "$o" "new VF bound to the VF driver with a netdev"
has '^unbind-wrong: No such device$' "$o" "unbind from a driver it is not bound to is ENODEV"
has '^unbound: driver= override=\(null\) net=class-net=$' "$o" "unbind removes the driver link and the netdev"
has '^override: driver= override=vfio-pci ' "$o" "driver_override reads back"
has '^bind-mismatch: No such device$' "$o" "bind to a driver other than the override is ENODEV"
has '^probed: driver=vfio-pci override=vfio-pci net=class-net=$' "$o" "drivers_probe binds the override, vfio-pci has no netdev"
has '^vfio-link: /sys/devices/pci0000:00/0000:00:03.0/0000:0b:10.0$' "$o" "the driver dir links to the device"
has '^bind-busy: Device or resource busy$' "$o" "bind of a bound device is EBUSY"
has '^cleared: driver=vfio-pci override=\(null\) ' "$o" "an empty write clears driver_override"
has '^reprobed: driver=igbvf override=\(null\) net=enp11s16 class-net=yes$' "$o" "drivers_probe without override binds the VF driver"
has '^probe-nodev: No such device$' "$o" "drivers_probe of a missing device is ENODEV"
has '^bind-no-override: No such device$' "$o" "vfio-pci matches nothing without an override"
has '^bound-by-bind: igbvf enp11s16f2$' "$o" "bind binds"
has '^autoprobe-junk: Invalid argument$' "$o" "sriov_drivers_autoprobe junk is EINVAL"
has '^autoprobe: 0$' "$o" "sriov_drivers_autoprobe n reads 0"
has '^no-autoprobe: driver= override=\(null\) net=class-net=$' "$o" "without autoprobe new VFs stay unbound"
has '^pf-unbound: numvfs=0 vfs=2 net=$' "$o" "unbinding the PF driver disables its VFs"
has '^pf-rebound: igb net=enp11s0f0$' "$o" "rebinding the PF restores its netdev"
has '^udev-override: ok vfio-pci$' "$o" "driver_override through libudev"

# ---- a fault on a VF's attribute ----
variant "$T/vffault.yaml" "$FIX/vfs-2.state.yaml" \
	's["simulate"]["0000:0B:10.0"] = {"fail": {"driver_override": "ENOSPC"}}'
"$RUN" "$T/vffault.yaml" -- bash -c '
	echo "vf0: $($0/udevprobe set 0000:0b:10.0 driver_override vfio-pci) $(cat /sys/bus/pci/devices/0000:0b:10.0/driver_override)"
	echo "vf1: $($0/udevprobe set 0000:0b:10.2 driver_override igbvf) $(cat /sys/bus/pci/devices/0000:0b:10.2/driver_override)"
' "$T" >"$T/vffault.out" 2>&1
has '^vf0: error ENOSPC \(null\)$' "$T/vffault.out" "a fault on one VF's driver_override"
has '^vf1: ok igbvf$' "$T/vffault.out" "not on its sibling"

echo "1..$n"

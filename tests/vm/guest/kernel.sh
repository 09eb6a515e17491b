# Kernel facts, checked with plain shell against the guest kernel's PCI
# SR-IOV core and QEMU's emulated NVMe controller (sourced by main.sh).
# These are the answers the appliers and tests/simhost's fake kernel
# assume; if a kernel changes them, this is where it shows.
#
# Needs: the nvme driver not loaded yet and udevd not running (so nothing
# loads it behind our back). Leaves: nvme bound to the PF, vfio-pci loaded,
# 0 VFs, sriov_drivers_autoprobe 0.

kernel_checks() {
	local pf d total v0 v1 i nadd nrem grp

	pf=$(find_sriov_pf 0x1b36 0x0010) || pf=
	check "QEMU NVMe PF with SR-IOV found at $PF_ADDR" is "$pf" "$PF_ADDR"
	if [ -z "$pf" ]; then
		note "no SR-IOV NVMe PF; skipping the kernel checks"
		return
	fi
	d=/sys/bus/pci/devices/$pf
	total=$(rd "$d/sriov_totalvfs")
	check "sriov_totalvfs is 4" is "$total" 4
	note "PF $pf: sriov_offset $(rd "$d/sriov_offset") sriov_stride $(rd "$d/sriov_stride")" \
		"sriov_vf_device $(rd "$d/sriov_vf_device") sriov_drivers_autoprobe $(rd "$d/sriov_drivers_autoprobe")"

	# --- no PF driver ---
	check "no driver on the PF before nvme is loaded" is "$(driver_of "$pf")" none
	sysw "$d/sriov_numvfs" 2
	check "sriov_numvfs 2 without a PF driver: ENOENT" is "$WERR" ENOENT
	note "  kernel said: $WMSG"
	sysw "$d/sriov_numvfs" 5
	check "sriov_numvfs 5 without a PF driver: ERANGE (checked before the driver)" is "$WERR" ERANGE
	sysw "$d/sriov_numvfs" 0
	check "sriov_numvfs 0 without a PF driver: success (same value)" is "$WERR" ""

	# --- PF driver bound ---
	local t=$(now_us)
	modprobe nvme
	check "nvme binds the PF" wait_for 20 test -e "$d/driver"
	note "  nvme bound $(since "$t") s after modprobe"
	check "PF driver is nvme" is "$(driver_of "$pf")" nvme

	sysw "$d/sriov_drivers_autoprobe" 0
	check "sriov_drivers_autoprobe 0 accepted" is "$WERR$(rd "$d/sriov_drivers_autoprobe")" 0

	start_monitor numvfs
	t=$(now_us)
	sysw "$d/sriov_numvfs" 2
	check "sriov_numvfs 0 -> 2: success" is "$WERR" ""
	note "  write took $(since "$t") s"
	check "sriov_numvfs reads back 2" is "$(rd "$d/sriov_numvfs")" 2
	check "virtfn0 and virtfn1 links, no virtfn2" \
		test -L "$d/virtfn0" -a -L "$d/virtfn1" -a ! -e "$d/virtfn2"
	v0=$(vf_addr "$pf" 0) v1=$(vf_addr "$pf" 1)
	note "  VFs: $v0 $v1 (device $(rd "/sys/bus/pci/devices/$v0/device"))"
	for i in "$v0" "$v1"; do
		check "physfn of $i points to the PF" \
			is "$(lname "/sys/bus/pci/devices/$i/physfn")" "$pf"
		check "VF $i stays unbound with autoprobe 0" is "$(driver_of "$i")" none
	done

	sysw "$d/sriov_numvfs" 3
	check "sriov_numvfs 2 -> 3: EBUSY" is "$WERR" EBUSY
	note "  kernel said: $WMSG"
	check "sriov_numvfs still 2 after EBUSY" is "$(rd "$d/sriov_numvfs")" 2
	sysw "$d/sriov_numvfs" 5
	check "sriov_numvfs 5 (> total 4): ERANGE" is "$WERR" ERANGE
	note "  kernel said: $WMSG"
	sysw "$d/sriov_numvfs" 2
	check "sriov_numvfs 2 -> 2: success, no-op" is "$WERR" ""
	check "VF $v0 is the same device after the no-op" test -e "/sys/bus/pci/devices/$v0/physfn"
	sysw "$d/sriov_numvfs" -1
	check "sriov_numvfs -1: EINVAL" is "$WERR" EINVAL
	sysw "$d/sriov_numvfs" 0
	check "sriov_numvfs 2 -> 0: success" is "$WERR" ""
	check "VFs gone after 0" test ! -e "$d/virtfn0" -a ! -e "/sys/bus/pci/devices/$v0"

	wait_for 5 events_at_least 2 numvfs remove
	stop_monitor
	nadd=$(count_events numvfs add) nrem=$(count_events numvfs remove)
	check "uevents: add $v0 and $v1, once each" \
		is "$(count_events numvfs add "$v0") $(count_events numvfs add "$v1") $nadd" "1 1 2"
	check "uevents: remove $v0 and $v1, once each" \
		is "$(count_events numvfs remove "$v0") $(count_events numvfs remove "$v1") $nrem" "1 1 2"
	# the kernel announces the physfn link with a change on each VF and
	# the enabled VFs with a change on the PF; disabling sends no change
	check "uevents: change on $v0, $v1 and the PF, once each" \
		is "$(count_events numvfs change "$v0") $(count_events numvfs change "$v1") $(count_events numvfs change "$pf")" "1 1 1"
	note "  uevents in order:"
	local k act path _
	while read -r k act path _; do
		[[ $k == KERNEL\[* ]] && note "    $act $path"
	done <"$LOGS/numvfs.uevents"

	# --- autoprobe on: nvme takes the new VF, then gives it up ---
	sysw "$d/sriov_drivers_autoprobe" 1
	start_monitor autoprobe
	t=$(now_us)
	sysw "$d/sriov_numvfs" 1
	v0=$(vf_addr "$pf" 0)
	check "autoprobe 1: nvme binds the new VF $v0" \
		wait_for 5 events_at_least 1 autoprobe bind "$v0"
	check "autoprobe 1: nvme unbinds $v0 when its probe fails" \
		wait_for 10 events_at_least 1 autoprobe unbind "$v0"
	note "  unbound $(since "$t") s after the write; driver now $(driver_of "$v0")"
	stop_monitor
	sysw "$d/sriov_numvfs" 0
	sysw "$d/sriov_drivers_autoprobe" 0

	# --- vfio-pci with the IOMMU on ---
	modprobe vfio-pci
	check "vfio-pci loaded" test -d /sys/bus/pci/drivers/vfio-pci
	sysw "$d/sriov_numvfs" 2
	v0=$(vf_addr "$pf" 0)
	check "VF $v0 has an IOMMU group" test -e "/sys/bus/pci/devices/$v0/iommu_group"
	grp=$(lname "/sys/bus/pci/devices/$v0/iommu_group")
	sysw "/sys/bus/pci/devices/$v0/driver_override" vfio-pci
	check "driver_override vfio-pci accepted" is "$WERR" ""
	sysw /sys/bus/pci/drivers_probe "$v0"
	check "drivers_probe binds $v0 to vfio-pci" is "$WERR$(driver_of "$v0")" vfio-pci
	check "/dev/vfio/$grp exists" wait_for 5 test -c "/dev/vfio/$grp"
	sysw "/sys/bus/pci/devices/$v0/driver/unbind" "$v0"
	check "unbind $v0 from vfio-pci" is "$WERR$(driver_of "$v0")" none
	sysw "/sys/bus/pci/devices/$v0/driver_override" ""
	check "empty write clears driver_override" \
		is "$WERR$(rd "/sys/bus/pci/devices/$v0/driver_override")" "(null)"
	# bound VFs may be removed: the kernel unbinds them itself
	sysw "/sys/bus/pci/devices/$v0/driver_override" vfio-pci
	sysw /sys/bus/pci/drivers_probe "$v0"
	sysw "$d/sriov_numvfs" 0
	check "sriov_numvfs 0 with a VF bound to vfio-pci: success" \
		is "$WERR $(rd "$d/sriov_numvfs")" " 0"

	note "kernel log about SR-IOV:"
	dmesg | grep -E 'SR-IOV|[0-9] VFs|VF BAR|virtfn|vfio' | sed 's/^/  /' |
		while IFS= read -r l; do note "$l"; done
}

# libvirtd in the guest, with a running L2 guest to attach VFs to (sourced
# by main.sh). As on the simulated host (tests/lib/libvirtd.sh), the
# system's libvirtd runs from the host root with its state in a private
# tree, here on the guest's tmpfs; it runs the system's QEMU (7.2, TCG).
# A scenario with "# vm-libvirt: GUEST" starts it (once) with
# tests/vm/guest/GUEST.xml defined and started paused; the first scenario
# without that header, or the end of the run, stops it all again.

. "$TOP/tests/lib/libvirtd.sh"

LV_GUEST=
LV_DIR=/tmp/libvirt
LV_URI=qemu:///system

# lv_virsh ARGS...: virsh on the guest's libvirtd
lv_virsh() { virsh -q -c "$LV_URI" "$@"; }

# lv_start GUEST: libvirtd up with GUEST running (paused); one check each
lv_start() {
	local t=$(now_us) sock=/run/libvirt/libvirt-sock
	[ "$LV_GUEST" = "$1" ] && return 0
	[ -n "$LV_GUEST" ] && lv_stop
	local tool
	for tool in libvirtd virsh xmllint; do
		command -v "$tool" >/dev/null && continue
		skip "libvirt: guest $1" "$tool not installed (libvirt-daemon-system, libxml2-utils)"
		return 1
	done
	note "libvirt: starting libvirtd with guest $1"
	# The emulated IOMMU has no interrupt remapping (intremap=off), which
	# vfio's type1 backend refuses unless told: QEMU could not open the
	# VF's group. The guest is a test machine; a real host has remapping.
	modprobe vfio_iommu_type1 allow_unsafe_interrupts=1
	echo Y >/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts
	rm -rf "$LV_DIR"
	mkdir -p "$LV_DIR"
	if ! libvirtd_setup_tree "$LV_DIR"; then
		fail "libvirt: private libvirt tree set up"
		return 1
	fi
	libvirtd >"$LOGS/libvirtd.log" 2>&1 </dev/null &
	LV_PID=$!
	if ! wait_for 60 test -S "$sock"; then
		fail "libvirt: libvirtd started"
		tail -n 5 "$LOGS/libvirtd.log" | while IFS= read -r l; do note "  $l"; done
		return 1
	fi
	pass "libvirt: libvirtd started in $(since "$t") s"
	LV_GUEST=$1
	t=$(now_us)
	# the first call probes QEMU's capabilities: long under nested TCG
	if ! lv_virsh define "$G/$1.xml" >"$LOGS/lv-define.out" 2>&1; then
		fail "libvirt: guest $1 defined"
		note "  virsh said: $(head -n 3 "$LOGS/lv-define.out" | tr '\n' ' ')"
		return 1
	fi
	note "  defined in $(since "$t") s"
	t=$(now_us)
	lv_virsh start --paused "$1" >"$LOGS/lv-start.out" 2>&1
	check "libvirt: guest $1 running (paused) after $(since "$t") s" \
		is "$(lv_virsh domstate "$1" 2>&1)" paused ||
		note "  virsh said: $(head -n 3 "$LOGS/lv-start.out" | tr '\n' ' ')"
}

# lv_stop: the guest destroyed (libvirt gives its VFs back to their
# drivers), libvirtd stopped, the private tree unmounted
lv_stop() {
	[ -n "$LV_GUEST" ] || return 0
	note "libvirt: stopping guest $LV_GUEST and libvirtd"
	lv_virsh destroy "$LV_GUEST" >/dev/null 2>&1
	kill "$LV_PID" 2>/dev/null
	wait_for 20 eval '! kill -0 "$LV_PID" 2>/dev/null' || kill -9 "$LV_PID" 2>/dev/null
	wait "$LV_PID" 2>/dev/null
	umount /var /etc/group /etc/passwd /etc/libvirt 2>/dev/null
	LV_GUEST= LV_PID=
}

# lv_device_xml SCOPE ADDR: the guest's device (interface or hostdev) whose
# PCI source is ADDR, from the live (SCOPE live) or persistent definition;
# empty if it has none
lv_device_xml() {
	local flags= dom bus slot fn
	[ "$1" = persistent ] && flags=--inactive
	IFS=':.' read -r dom bus slot fn <<<"$2"
	lv_virsh dumpxml $flags "$LV_GUEST" >"$LOGS/lv-$1.xml" 2>&1 || return 1
	xmllint --xpath "/domain/devices/*[source/address[@domain='0x$dom' and @bus='0x$bus' and @slot='0x$slot' and @function='0x$fn']]" \
		"$LOGS/lv-$1.xml" 2>/dev/null
	return 0
}

# lv_guest_has SCOPE ADDR present|absent [ERE]: the device at ADDR is in the
# guest's SCOPE definition (and its XML matches ERE) or is not
lv_guest_has() {
	local x
	x=$(lv_device_xml "$1" "$2") || { note "  cannot read the $1 XML"; return 1; }
	x=$(printf '%s' "$x" | tr -d '\n')
	case $3 in
	absent)
		[ -z "$x" ] && return 0
		note "  $1 XML still has: $x"
		return 1
		;;
	present)
		[ -n "$x" ] || { note "  no device at $2 in the $1 XML"; return 1; }
		[ -z "${4:-}" ] || [[ $x =~ $4 ]] || { note "  $1 device: $x"; return 1; }
		;;
	esac
}

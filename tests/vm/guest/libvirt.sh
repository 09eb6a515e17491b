# libvirtd in the guest, with a running L2 guest to attach VFs to (sourced
# by main.sh). As on the simulated host (tests/lib/libvirtd.sh), the
# system's libvirtd runs from the host root with its state in a private
# tree, here on the guest's tmpfs; it runs the system's QEMU (7.2, TCG).
# A scenario with "# vm-libvirt: GUEST" starts it (once) with
# tests/vm/guest/GUEST.xml defined and started paused ("# vm-libvirt: GUEST
# fresh" also restarts a guest already running, for a scenario that needs
# it to hold nothing an earlier one left); the first scenario without that
# header, or the end of the run, stops it all again.

. "$TOP/tests/lib/libvirtd.sh"

LV_GUEST=
LV_DIR=/tmp/libvirt
LV_URI=qemu:///system

# lv_virsh ARGS...: virsh on the guest's libvirtd
lv_virsh() { virsh -q -c "$LV_URI" "$@"; }

# lv_start GUEST [fresh]: libvirtd up with GUEST running (paused); one
# check each. fresh: a GUEST already running is destroyed (libvirt gives
# its VFs back) and undefined, defined again from its file and started.
lv_start() {
	local t=$(now_us) sock=/run/libvirt/libvirt-sock
	if [ "$LV_GUEST" = "$1" ]; then
		[ "${2:-}" = fresh ] || return 0
		note "libvirt: restarting guest $1"
		# define would refuse the file (no uuid) while the old one is defined
		lv_virsh destroy "$1" >"$LOGS/lv-destroy.out" 2>&1
		lv_virsh undefine "$1" >>"$LOGS/lv-destroy.out" 2>&1
		lv_guest_start "$1"
		return
	fi
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
	ok "libvirt: libvirtd started in $(since "$t") s"
	LV_GUEST=$1
	lv_guest_start "$1"
}

# lv_guest_start GUEST: GUEST defined from its file and started paused
lv_guest_start() {
	local t=$(now_us)
	# the first call probes QEMU's capabilities: long under nested TCG
	if ! lv_virsh define "$G/$1.xml" >"$LOGS/lv-define.out" 2>&1; then
		fail "libvirt: guest $1 defined"
		note "  virsh said: $(head -n 3 "$LOGS/lv-define.out" | tr '\n' ' ')"
		return 1
	fi
	note "  defined in $(since "$t") s"
	t=$(now_us)
	lv_virsh start --paused "$1" >"$LOGS/lv-start.out" 2>&1
	# check reports, it does not fail: test the state again for the note
	check "libvirt: guest $1 running (paused) after $(since "$t") s" \
		is "$(lv_virsh domstate "$1" 2>&1)" paused
	[ "$(lv_virsh domstate "$1" 2>&1)" = paused ] ||
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

# lv_guest_net SCOPE NETWORK present|absent [ERE]: the guest's SCOPE (live
# or persistent) definition has an interface on NETWORK (whose XML matches
# ERE), or has none
lv_guest_net() {
	local flags= x
	[ "$1" = persistent ] && flags=--inactive
	lv_virsh dumpxml $flags "$LV_GUEST" >"$LOGS/lv-$1.xml" 2>&1 ||
		{ note "  cannot read the $1 XML"; return 1; }
	x=$(xmllint --xpath "/domain/devices/interface[source/@network='$2']" "$LOGS/lv-$1.xml" 2>/dev/null | tr -d '\n')
	case $3 in
	absent)
		[ -z "$x" ] && return 0
		note "  $1 XML still has: $x"
		;;
	present)
		[ -n "$x" ] || { note "  no interface on network $2 in the $1 XML"; return 1; }
		[ -z "${4:-}" ] || [[ $x =~ $4 ]] && return 0
		note "  $1 interface: $x"
		;;
	esac
	return 1
}

# lv_net_addrs FILE: the PCI addresses of a network XML's <forward>
# devices, one a line
lv_net_addrs() {
	local l re="<address type='pci' domain='(0x[0-9a-f]+)' bus='(0x[0-9a-f]+)' slot='(0x[0-9a-f]+)' function='(0x[0-9a-f]+)'"
	while IFS= read -r l; do
		[[ $l =~ $re ]] && printf '%04x:%02x:%02x.%x\n' "${BASH_REMATCH[@]:1:4}"
	done <"$1"
}

# lv_net_is NAME "KEY=VALUE...": the network NAME is so. Keys: active,
# persistent, autostart (yes|no, from virsh net-info); vfs=N: the VFs it
# lists, those it hands out from, are VFs 0..N-1 of its <pf dev=...> as the
# kernel has them now; connections=N: the network's count of the
# interfaces on it. (libvirt 9.0 does not say which VF of a hostdev pool
# it handed out: no connections on the pool's <address>es; the guest's
# live XML has the VF as <interface type='hostdev'>.)
lv_net_is() {
	local name=$1 f=$LOGS/lv-net-$1 w k v got want pf i a c
	lv_virsh net-info "$name" >"$f.info" 2>&1 || { note "  net-info: $(head -n 1 "$f.info")"; return 1; }
	lv_virsh net-dumpxml "$name" >"$f.xml" 2>&1 || { note "  net-dumpxml: $(head -n 1 "$f.xml")"; return 1; }
	for w in $2; do
		k=${w%%=*} v=${w#*=} got= want=$v
		case $k in
		active | persistent | autostart)
			while IFS=: read -r a c; do
				[ "$a" = "${k^}" ] && got=${c// /}
			done <"$f.info"
			;;
		vfs)
			pf=$(xmllint --xpath 'string(/network/forward/pf/@dev)' "$f.xml" 2>/dev/null)
			pf=$(lname "/sys/class/net/$pf/device")
			want=
			for ((i = 0; i < v; i++)); do want="$want${want:+,}$(vf_addr "$pf" "$i")"; done
			while read -r a; do got="$got${got:+,}$a"; done < <(lv_net_addrs "$f.xml")
			;;
		connections)
			got=0
			[[ $(head -n 1 "$f.xml") =~ connections=\'([0-9]+)\' ]] && got=${BASH_REMATCH[1]}
			;;
		*)
			note "  unknown network check '$k'"
			return 1
			;;
		esac
		[ "$got" = "$want" ] || { note "  network $name: $k is '$got', want '$want'"; return 1; }
	done
}

# lv_net_xml NAME SCOPE ERE: the network's live or persistent XML (its
# lines joined) matches ERE
lv_net_xml() {
	local flags= x
	[ "$2" = persistent ] && flags=--inactive
	x=$(lv_virsh net-dumpxml $flags "$1" 2>&1 | tr -d '\n')
	[[ $x =~ $3 ]] && return 0
	note "  network $1 ($2): $x"
	return 1
}

#!/bin/bash
# SPDX-License-Identifier: MIT
# sriovctl metrics on the simulated host: the VF counters come from the
# fake kernel's rtnetlink (IFLA_VF_STATS nested in IFLA_VF_INFO, from the
# state's stats:), the guest label from a private libvirtd, the drift
# from the plan of a file; --output into a textfile directory.
. "$(dirname "$0")/lib.sh"
need_shim
if [ "$(id -u)" != 0 ]; then
	echo "1..1"
	skip "metrics on the simulated host" "needs root for the private libvirtd"
	exit 0
fi

# The host's 82576 (igb) keeps no VF counters: the kernel would send them
# zeroed, so they are not asked of it. The same host with an 82599 (ixgbe,
# whose driver keeps them) is asked, and gives them.
sed -e 's/driver: igb$/driver: ixgbe/; s/driver: igbvf$/driver: ixgbevf/' \
	-e 's/"10c9"/"10fb"/; s/"10ca"/"10ed"/; s/^  igb:/  ixgbe:/; s/^  igbvf:/  ixgbevf:/' \
	"$M/host.state.yaml" >"$T/ixgbe.state.yaml"
"$RUN" "$T/ixgbe.state.yaml" -- bash -c '
"$1" metrics "$2" >"$3/out" 2>"$3/err"; echo $? >"$3/rc"
mkdir -p "$3/textfile" && "$1" metrics --output "$3/textfile/sriovctl.prom" 2>>"$3/err"
' run "$SRIOVCTL" "$M/drift.yaml" "$T" >"$T/run.log" 2>&1
is 0 "$(cat "$T/rc" 2>/dev/null)" "metrics on the simulated host: exit 0"
check_log "the output is the text format" samples "$T/out"
samples "$T/out" >"$T/s" 2>&1
for kv in rx_packets:1200 tx_packets:800 rx_bytes:1500000 tx_bytes:900000 broadcast:12 multicast:34 rx_dropped:5 tx_dropped:0; do
	has "^sriovctl_vf_${kv%%:*}_total\\{address=0000:0b:10.0,guest=web1,pf=0000:0b:00.0,vf=0\\} ${kv#*:}\$" "$T/s" \
		"${kv%%:*} of VF 0 through rtnetlink, labelled with the guest libvirt names"
done
has '^sriovctl_vf_rx_packets_total\{address=0000:0b:10.2,guest=,pf=0000:0b:00.0,vf=1\} 0$' "$T/s" \
	"VF 1, which counted nothing, reads 0 from a driver that keeps counters"
has '^sriovctl_vf_info\{address=0000:0b:10.2,driver=ixgbevf,guest=,pf=0000:0b:00.0,vf=1\} 1$' "$T/s" "VF 1's info"
has '^sriovctl_drift\{field=vf 1 vlan,kind=set-vf,target=0000:0b:00.0\} 1$' "$T/s" "the live plan's drift"
check_log "--output on the simulated host: the text format" samples "$T/textfile/sriovctl.prom"

# the 82576 itself: no counter asked, none printed (the kernel's zeros
# would read as a VF that never moved a packet)
"$RUN" "$M/host.state.yaml" -- bash -c '"$1" metrics >"$2/igb.out" 2>"$2/igb.err"; echo $? >"$2/igb.rc"' \
	run "$SRIOVCTL" "$T" >"$T/run-igb.log" 2>&1
is 0 "$(cat "$T/igb.rc" 2>/dev/null)" "metrics on an igb host: exit 0"
has '^sriovctl_vf_info\{.*driver="igbvf"' "$T/igb.out" "igb: the VFs are listed"
lacks '_total\{' "$T/igb.out" "igb keeps no VF counters: none printed, not zeros"
echo "1..$n"

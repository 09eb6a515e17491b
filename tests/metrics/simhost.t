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

"$RUN" "$M/host.state.yaml" -- bash -c '
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
lacks '_total\{.*vf=1\}' "$T/s" "VF 1, whose PF reports no counters, has none"
has '^sriovctl_vf_info\{address=0000:0b:10.2,driver=igbvf,guest=,pf=0000:0b:00.0,vf=1\} 1$' "$T/s" "VF 1's info"
has '^sriovctl_drift\{field=vf 1 vlan,kind=set-vf,target=0000:0b:00.0\} 1$' "$T/s" "the live plan's drift"
check_log "--output on the simulated host: the text format" samples "$T/textfile/sriovctl.prom"
echo "1..$n"

#!/bin/bash
# SPDX-License-Identifier: MIT
# Per-VF settings over the fake rtnetlink, read and written by iproute2's
# `ip link` (a real netlink client) inside the simulated host.
. "$(dirname "$0")/lib.sh"
need_shim
export SIMHOST_NO_LIBVIRT=1

if ! command -v ip >/dev/null; then
	echo "1..0 # SKIP iproute2's ip is not installed"
	exit 0
fi

# The PF's driver as one that takes every setting (igb's refusals are
# checked below and in tests/vm/fixture.t).
variant "$T/vfs.yaml" "$FIX/vfs-2.state.yaml" 's["simulate"]["0000:0b:00.0"]["vf-delay-ms"] = 0
for p in s["pci"]:
    if p["address"] == "0000:0b:00.0": p["driver"] = "mlx5_core"'
"$RUN" "$T/vfs.yaml" -- bash -c '
	ip link show enp11s0f0 | sed -n "s/^ *\(vf [0-9]\) *link\/ether \([^ ]*\) .*spoof checking \([a-z]*\).*/show: \1 \2 spoof=\3/p"
	ip link show enp11s0f0 | grep -c "^    vf " | sed "s/^/vfs: /"
	ip link set enp11s0f0 vf 1 mac 52:54:00:00:00:11 vlan 7 qos 2 spoofchk off trust on state disable max_tx_rate 100
	echo "set: rc=$?"
	ip link show dev enp11s0f0 | grep "vf 1" | sed "s/^ */after: /"
	ip link set enp11s0f0 vf 0 mac 52:54:00:00:00:10; echo "vf0-netdev: $(cat /sys/class/net/enp11s16/address)"
	ip link set enp11s0f0 vf 1 vlan 4 proto 802.1ad; echo "proto: rc=$?"
	ip link show dev enp11s0f0 | grep -o "vlan 4, vlan protocol 802.1ad" | sed "s/^/after-proto: /"
	ip link set enp11s0f0 vf 2 vlan 3 2>&1 | sed "s/^/novf: /"
	ip link show nosuch 2>&1 | sed "s/^/nodev: /"
	echo 0 >/sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs
	ip link set enp11s0f0 vf 0 vlan 3 2>&1 | sed "s/^/no-vfs: /"
	echo 1 >/sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs
	ip link show enp11s0f0 | grep "vf 0" | sed "s/^ */fresh: /"
' >"$T/ip.out" 2>&1
o="$T/ip.out"
has '^show: vf 0 52:54:00:6d:90:02 spoof=on$' "$o" "VF 0 settings from the state"
has '^vfs: 2$' "$o" "one vf line per VF"
has '^set: rc=0$' "$o" "ip link set ... vf 1 succeeds"
has '^after: vf 1 +link/ether 52:54:00:00:00:11 .*vlan 7, qos 2, .*max_tx_rate 100Mbps, spoof checking off, link-state disable, trust on' \
	"$o" "the settings read back"
has '^vf0-netdev: 52:54:00:00:00:10$' "$o" "the VF's netdev takes the MAC set on the PF"
has '^proto: rc=0$' "$o" "802.1ad VLAN accepted"
has '^after-proto: vlan 4, vlan protocol 802.1ad$' "$o" "VLAN protocol reads back"
has '^novf: RTNETLINK answers: Invalid argument$' "$o" "a VF index beyond num_vfs is EINVAL"
has '^no-vfs: RTNETLINK answers: Invalid argument$' "$o" "VF settings on a PF without VFs are EINVAL"
has '^nodev: Device "nosuch" does not exist.$' "$o" "an unknown device does not exist"
has '^fresh: vf 0 +link/ether 00:00:00:00:00:00 .*spoof checking on, link-state auto, trust off' \
	"$o" "recreated VFs start from defaults"

variant "$T/fail.yaml" "$FIX/vfs-2.state.yaml" \
	's["simulate"]["0000:0b:00.0"]["fail"] = {"setlink": "EIO"}'
"$RUN" "$T/fail.yaml" -- ip link set enp11s0f0 vf 0 vlan 9 >"$T/fail.out" 2>&1
has '^RTNETLINK answers: Input/output error$' "$T/fail.out" "setlink fault"

# an igb PF refuses what the real igb refuses (measured in the VM tier)
"$RUN" "$FIX/vfs-2.state.yaml" -- bash -c '
	ip link set enp11s0f0 vf 0 state enable 2>&1 | sed "s/^/igb-state: /"
	ip link set enp11s0f0 vf 0 vlan 4 proto 802.1ad 2>&1 | sed "s/^/igb-proto: /"
	ip link set enp11s0f0 vf 0 min_tx_rate 10 2>&1 | sed "s/^/igb-min: /"
	ip link set enp11s0f0 vf 0 max_tx_rate 2000 2>&1 | sed "s/^/igb-max: /"
	ip link set enp11s0f0 vf 0 vlan 4 max_tx_rate 100; echo "igb-ok: rc=$?"
	ip link show enp11s0f0 | grep -c query_rss | sed "s/^/igb-rss: /"
' >"$T/igb.out" 2>&1
o="$T/igb.out"
has '^igb-state: RTNETLINK answers: Operation not supported$' "$o" "igb: link-state is EOPNOTSUPP"
has '^igb-proto: RTNETLINK answers: Protocol not supported$' "$o" "igb: 802.1ad is EPROTONOSUPPORT"
has '^igb-min: RTNETLINK answers: Invalid argument$' "$o" "igb: a minimum tx rate is EINVAL"
has '^igb-max: RTNETLINK answers: Invalid argument$' "$o" "igb: a tx rate above the link speed is EINVAL"
has '^igb-ok: rc=0$' "$o" "igb: VLAN and a tx rate are taken"
has '^igb-rss: 0$' "$o" "igb: no query_rss setting reported"

echo "1..$n"

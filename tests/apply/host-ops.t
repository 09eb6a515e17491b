#!/bin/bash
# SPDX-License-Identifier: MIT
# Host changes on the simulated host, each followed by a second apply and
# plan --detailed-exitcode: a count change between two non-zero counts
# (passes through 0; the fake kernel answers EBUSY otherwise), VFs left
# unbound by drivers-autoprobe false and bound to vfio-pci, and per-VF
# settings through the fake rtnetlink.
. "$(dirname "$0")/lib.sh"
need_shim

AGAIN='
	$SC apply -f "$T/spec.yaml" >"$T/again.out" 2>&1
	echo "again: rc=$? $(tail -n 1 "$T/again.out")"
	$SC plan --detailed-exitcode -f "$T/spec.yaml" >/dev/null 2>&1
	echo "plan: rc=$?"
'

# ---- 2 -> 4 ----
mkhost "$T/state.yaml" --pfs 1 --num-vfs 2 --spec "$T/spec.yaml" --want-vfs 4
sim "$T/state.yaml" '
	pf=/sys/bus/pci/devices/0000:0b:00.0
	echo 4 >$pf/sriov_numvfs 2>/dev/null || echo "direct: EBUSY"
	$SC apply -f "$T/spec.yaml" >"$T/grow.out" 2>&1
	echo "apply: rc=$? numvfs=$(cat $pf/sriov_numvfs) virtfn=$(ls $pf | grep -c ^virtfn)"
	echo "netdevs: $(ls /sys/class/net | tr "\n" " ")"
'"$AGAIN" >"$T/out" 2>&1
sed 's/^/# /' "$T/grow.out"
has '^direct: EBUSY$' "$T/out" "2 -> 4: the fake kernel refuses a direct write"
has '^~ 0000:0b:00.0 num-vfs 2 -> 4 .*' "$T/grow.out" "2 -> 4: planned as a count change"
has '^apply: rc=0 numvfs=4 virtfn=4$' "$T/out" "2 -> 4: apply passes through 0 and reaches 4"
has '^netdevs: enp11s0f0 enp11s16 enp11s16f2 enp11s16f4 enp11s16f6 $' "$T/out" "2 -> 4: the new VFs have their netdevs"
has '^again: rc=0 No changes' "$T/out" "2 -> 4: a second apply has nothing to do"
has '^plan: rc=0$' "$T/out" "2 -> 4: plan --detailed-exitcode is 0"

# ---- drivers-autoprobe false + vf-driver vfio-pci ----
mkhost "$T/state.yaml" --pfs 1 --spec "$T/spec.yaml" --want-vfs 4 \
	--spec-extra '{drivers-autoprobe: false, vf-driver: vfio-pci}'
sim "$T/state.yaml" '
	pf=/sys/bus/pci/devices/0000:0b:00.0
	$SC apply -f "$T/spec.yaml" >"$T/vfio.out" 2>&1
	echo "apply: rc=$? autoprobe=$(cat $pf/sriov_drivers_autoprobe) numvfs=$(cat $pf/sriov_numvfs)"
	for i in 0 1 2 3; do
		vf=$pf/virtfn$i
		echo "vf$i: driver=$(basename "$(readlink $vf/driver)") override=$(cat $vf/driver_override) net=$(ls $vf/net 2>/dev/null | wc -l)"
	done
'"$AGAIN" >"$T/out" 2>&1
sed 's/^/# /' "$T/vfio.out"
has '^apply: rc=0 autoprobe=0 numvfs=4$' "$T/out" "vfio: autoprobe off before the VFs are created"
is 4 "$(grep -c '^vf[0-3]: driver=vfio-pci override=(null) net=0$' "$T/out")" \
	"vfio: every VF bound to vfio-pci, override cleared, no netdev"
has '^again: rc=0 No changes' "$T/out" "vfio: a second apply has nothing to do"
has '^plan: rc=0$' "$T/out" "vfio: plan --detailed-exitcode is 0"

# ---- per-VF settings through rtnetlink ----
# (a PF driver that takes every setting: igb refuses link-state, 802.1ad and
# minimum rates, see tests/fixtures/vm-igb.vfset-seq.txt)
mkhost "$T/state.yaml" --pfs 1 --pf-driver mlx5_core --spec "$T/spec.yaml" --want-vfs 2 --spec-extra '
vfs:
  - {id: 0, mac: "52:54:00:00:0b:00", vlan: 42, qos: 3, spoof-check: false, trust: true,
     link-state: enable, max-tx-rate: 1000, min-tx-rate: 100}
  - {id: 1, mac: "52:54:00:00:0b:01", vlan: 7, vlan-proto: 802.1ad, link-state: disable}'
sim "$T/state.yaml" '
	$SC apply -f "$T/spec.yaml" >"$T/vf.out" 2>&1
	echo "apply: rc=$?"
	ip -d link show enp11s0f0 | sed -n "s/^ *vf /vf /p"
'"$AGAIN" >"$T/out" 2>&1
sed 's/^/# /' "$T/vf.out" "$T/out"
has '^apply: rc=0$' "$T/out" "VF settings: apply exits 0"
has '^vf 0 .*link/ether 52:54:00:00:0b:00.* vlan 42, qos 3.*max_tx_rate 1000Mbps, min_tx_rate 100Mbps.*spoof checking off, link-state enable, trust on' \
	"$T/out" "VF settings: VF 0 has its MAC, VLAN, QoS, rates, spoof check, link state and trust"
has '^vf 1 .*link/ether 52:54:00:00:0b:01.* vlan 7, vlan protocol 802.1ad.*link-state disable' \
	"$T/out" "VF settings: VF 1 has its MAC, 802.1ad VLAN and link state"
has '^again: rc=0 No changes' "$T/out" "VF settings: a second apply has nothing to do"
has '^plan: rc=0$' "$T/out" "VF settings: plan --detailed-exitcode is 0"

# ---- the same for a PF declared by its interface ----
mkhost "$T/state.yaml" --pfs 1 --spec "$T/spec.yaml" --want-vfs 2 --spec-extra '
vfs:
  - {id: 1, mac: "52:54:00:00:0b:11", vlan: 9, trust: true}'
sed -i 's/^- pci: 0000:0b:00.0$/- interface: enp11s0f0/' "$T/spec.yaml"
sim "$T/state.yaml" '
	$SC apply -f "$T/spec.yaml" >"$T/if.out" 2>&1
	echo "apply: rc=$?"
	ip -d link show enp11s0f0 | sed -n "s/^ *vf /vf /p"
'"$AGAIN" >"$T/out" 2>&1
sed 's/^/# /' "$T/spec.yaml" "$T/if.out" "$T/out"
has '^- interface: enp11s0f0$' "$T/spec.yaml" "by interface: the spec names the PF by its netdev"
has '^apply: rc=0$' "$T/out" "by interface: apply exits 0"
has '^vf 1 .*link/ether 52:54:00:00:0b:11.* vlan 9.*trust on' "$T/out" \
	"by interface: VF 1 has its MAC, VLAN and trust"
has '^again: rc=0 No changes' "$T/out" "by interface: a second apply has nothing to do"
echo "1..$n"

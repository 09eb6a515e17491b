#!/bin/bash
# vfset-seq.sh PF_NETDEV: a fixed sequence of per-VF settings through
# rtnetlink (`ip link set DEV vf N ...`) on a PF with at least 2 VFs, one
# line per request:
#   vf N SETTINGS: ANSWER; vf N: WHAT ip link show SAYS OF IT
# where ANSWER is "ok" or the errno name. Run in the VM against the real
# igb driver (tests/fixtures/vm-igb.vfset-seq.txt) and on the simulated host
# (tests/vm/fixture.t): the two transcripts must be equal, refusals
# included. The PF is brought up first: igb refuses tx rates while its link
# is down.
set -u
LC_ALL=C
dev=$1

ip link set dev "$dev" up
for _ in $(seq 50); do
	[ "$(cat "/sys/class/net/$dev/operstate" 2>/dev/null)" = up ] && break
	[ -e "/sys/class/net/$dev/operstate" ] || break
	sleep 0.1
done

s() {
	local vf=$1 msg ans line
	shift
	msg=$(ip link set dev "$dev" vf "$vf" "$@" 2>&1)
	case $msg in
	"") ans=ok ;;
	*"Operation not supported"*) ans=EOPNOTSUPP ;;
	*"Protocol not supported"*) ans=EPROTONOSUPPORT ;;
	*"Invalid argument"*) ans=EINVAL ;;
	*"Numerical result out of range"*) ans=ERANGE ;;
	*"No such device"*) ans=ENODEV ;;
	*) ans="other: $msg" ;;
	esac
	line=$(ip link show dev "$dev" | sed -n "s/^ *vf $vf  *//p")
	printf 'vf %s %s: %s; vf %s: %s\n' "$vf" "$*" "$ans" "$vf" "$line"
}

s 0 mac 52:54:00:00:00:10
s 0 mac 01:00:00:00:00:01
s 0 vlan 42
s 0 vlan 42 qos 3
s 0 vlan 0
s 0 spoofchk off
s 0 spoofchk on
s 0 trust on
s 0 trust off
s 0 state enable
s 0 state disable
s 0 state auto
s 1 vlan 5 proto 802.1ad
s 1 vlan 5 proto 802.1Q
s 1 vlan 0
s 1 max_tx_rate 100
s 1 max_tx_rate 2000
s 1 min_tx_rate 10
s 1 min_tx_rate 10 max_tx_rate 100
s 1 max_tx_rate 0
s 1 vlan 4096
s 9 vlan 3
s 0 mac 00:00:00:00:00:00

#!/bin/bash
# SPDX-License-Identifier: MIT
# sriovctl and netplan (`netplan apply --sriov-only`) side by side on the
# same simulated host: 4 82576-like PFs, each taken from 0 to 4 VFs
# (converge), then the same file applied again (no-op). The two tools run
# in turn in one simulated host (A B, then B A, ...), each case
# BENCH_REPEAT times after one warm-up round; the host is put back to 0
# VFs (a write of 0 to each sriov_numvfs) before every converge. The
# floor of a converge is measured beside them: the shell writing every
# PF's count at once. Prints the medians, netplan's time over sriovctl's
# and sriovctl's over the floor, with the goals.
#
# netplan finds its PFs among the network namespace's links (netifaces,
# i.e. getifaddrs(3), whose netlink calls inside glibc the fake rtnetlink
# cannot see), then writes /sys/class/net/NAME/device/sriov_numvfs, which
# the simulated host answers. So each PF's netdev also gets a real link of
# the same name in the simulated host's private network namespace (a
# kernel link type that needs no hardware: ifb, dummy, bridge or tap). Its
# configuration names the PFs by interface name, netplan's cheapest match
# (no driver or MAC lookups); /etc/netplan is a bind mount in the
# simulated host's private mount namespace. Needs root (namespaces) and
# netplan.io (`make bench` installs it: build-aux/deps.sh bench).
#   tests/bench/netplan.sh
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PFS=4
VFS=4
NOOP_GOAL=10
CONV_GOAL=5
NOOP_NAME="no-op re-apply, netplan time / sriovctl time ($PFS PFs x $VFS VFs)"
CONV_NAME="converge 0 -> $VFS VFs on $PFS PFs, netplan time / sriovctl time"

# ---- inside the simulated host: $1 the work directory ----
add_link() {
	local t
	for t in ifb dummy bridge; do
		env -u LD_PRELOAD ip link add "$1" type "$t" 2>/dev/null && return 0
	done
	env -u LD_PRELOAD ip tuntap add dev "$1" mode tap 2>/dev/null
}

# the PFs' sriov_numvfs all read $1
counts_are() {
	local addr n
	while read -r addr _; do
		n=$(cat "/sys/bus/pci/devices/$addr/sriov_numvfs")
		[ "$n" = "$1" ] || { echo "sriov_numvfs of $addr reads $n, not $1"; return 1; }
	done <"$W/pfs"
}

reset_vfs() {
	local addr
	while read -r addr _; do
		echo 0 >"/sys/bus/pci/devices/$addr/sriov_numvfs" || return 1
	done <"$W/pfs"
	counts_are 0
}

# the floor of a converge: every PF's count written at once by the shell
bare_writes() {
	local addr
	while read -r addr _; do
		echo "$VFS" >"/sys/bus/pci/devices/$addr/sriov_numvfs" &
	done <"$W/pfs"
	wait
}

apply_with() {
	case $1 in
	sriovctl) "$SRIOVCTL" apply -q -f "$W/sriovctl.yaml" ;;
	netplan) netplan apply --sriov-only ;;
	bare) bare_writes ;;
	esac
}

# one converge and one no-op of tool $1; prints "TOOL CASE SECONDS"
round() {
	local tool=$1 t why
	why=$(reset_vfs) || { echo "error: cannot reset the VFs: $why"; return 1; }
	t=$(bench_time apply_with "$tool") || { echo "error: $tool converge failed"; return 1; }
	why=$(counts_are $VFS) || { echo "error: after $tool's converge, $why"; return 1; }
	echo "$tool converge $t"
	[ "$tool" = bare ] && return 0
	t=$(bench_time apply_with "$tool") || { echo "error: $tool no-op failed"; return 1; }
	why=$(counts_are $VFS) || { echo "error: after $tool's no-op, $why"; return 1; }
	echo "$tool noop $t"
}

inside() {
	local addr ifname seen i
	W=$1
	env -u LD_PRELOAD mount --bind "$W/netplan" /etc/netplan ||
		{ echo "error: cannot bind-mount the configuration over /etc/netplan"; return 1; }
	while read -r addr ifname; do
		add_link "$ifname" ||
			{ echo "error: cannot create a link '$ifname' (no ifb, dummy, bridge or tap here)"; return 1; }
	done <"$W/pfs"
	seen=$(/usr/bin/python3 -c 'import netifaces; print(" ".join(netifaces.interfaces()))' 2>&1)
	while read -r addr ifname; do
		[[ " $seen " == *" $ifname "* ]] ||
			{ echo "error: netplan's interface list (netifaces: $seen) lacks '$ifname'"; return 1; }
	done <"$W/pfs"
	# one warm-up round each, not counted
	seen=$(round sriovctl && round netplan) || { grep '^error: ' <<<"$seen"; return 1; }
	for i in $(seq "$BENCH_REPEAT"); do
		if [ $((i % 2)) = 1 ]; then
			round sriovctl && round netplan && round bare || return 1
		else
			round bare && round netplan && round sriovctl || return 1
		fi
	done
}

# ---- outside ----
not_measured() {
	echo "netplan side by side: $1"
	bench_figure "$NOOP_NAME" "not measured: $1" ">= ${NOOP_GOAL}x" ""
	bench_figure "$CONV_NAME" "not measured: $1" ">= ${CONV_GOAL}x" ""
	exit 0
}

main() {
	local out s n r why
	local -a med=()
	command -v netplan >/dev/null ||
		not_measured "netplan is not installed (build-aux/deps.sh bench installs netplan.io, as root)"
	[ "$(id -u)" = 0 ] || not_measured "needs root (private mount and network namespaces)"
	T=$(mktemp -d "${TMPDIR:-/tmp}/bench-netplan.XXXXXX") || exit 1
	trap 'rm -rf "$T"' EXIT
	"$PYTHON" "$TOP/tests/apply/mkhost.py" "$T/state.yaml" --pfs $PFS \
		--spec "$T/sriovctl.yaml" --want-vfs $VFS || exit 1
	# the PFs' addresses and netdev names, from the host-state file
	"$PYTHON" -c 'import sys, yaml
for d in yaml.safe_load(open(sys.argv[1]))["pci"]:
    print(d["address"], d["interfaces"][0])' "$T/state.yaml" >"$T/pfs" || exit 1
	mkdir -p "$T/netplan"
	{
		printf 'network:\n  version: 2\n  renderer: networkd\n  ethernets:\n'
		while read -r _ ifname; do
			printf '    %s:\n      virtual-function-count: %d\n' "$ifname" $VFS
		done <"$T/pfs"
	} >"$T/netplan/sriov.yaml"
	chmod 600 "$T/netplan/sriov.yaml"
	echo "$(netplan --help >/dev/null 2>&1 && dpkg-query -W -f='netplan ${Version}' netplan.io 2>/dev/null) vs $("$SRIOVCTL" --version 2>/dev/null | head -n 1)"
	out=$(SIMHOST_NO_LIBVIRT=1 "$TOP/tests/simhost/run" "$T/state.yaml" -- "$0" --inside "$T" 2>&1)
	if grep -q '^error: ' <<<"$out" || ! grep -q '^netplan noop ' <<<"$out"; then
		why=$(grep -m1 '^error: ' <<<"$out" | sed 's/^error: //')
		[ -n "$why" ] || why="the simulated host failed: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
		not_measured "$why"
	fi
	for s in "sriovctl converge" "netplan converge" "sriovctl noop" "netplan noop" "bare converge"; do
		med[${#med[@]}]=$(grep "^$s " <<<"$out" | awk '{ print $3 }' | bench_median)
		n=$(grep -c "^$s " <<<"$out")
		printf '%-18s median %s of %d runs\n' "$s" "$(bench_ms "${med[-1]}")" "$n"
	done
	bench_load
	r=$(bench_div "${med[1]}" "${med[0]}")
	bench_figure "$CONV_NAME" "${r}x ($(bench_ms "${med[1]}") / $(bench_ms "${med[0]}"))" \
		">= ${CONV_GOAL}x" "$(bench_cmp "$r" '>=' $CONV_GOAL)"
	# the converge is mostly the (simulated) kernel's VF creation, the same
	# for both tools: the best ratio any tool could reach here is netplan's
	# time over the floor
	r=$(bench_div "${med[0]}" "${med[4]}")
	bench_figure "converge, sriovctl time / the $PFS PFs' sriov_numvfs written at once alone" \
		"${r}x ($(bench_ms "${med[0]}") / $(bench_ms "${med[4]}"))" "<= 1.1x" \
		"$(bench_cmp "$r" '<=' 1.1)"
	echo "(the best converge ratio possible on this host: netplan / that floor = $(bench_div "${med[1]}" "${med[4]}")x)"
	r=$(bench_div "${med[3]}" "${med[2]}")
	bench_figure "$NOOP_NAME" "${r}x ($(bench_ms "${med[3]}") / $(bench_ms "${med[2]}"))" \
		">= ${NOOP_GOAL}x" "$(bench_cmp "$r" '>=' $NOOP_GOAL)"
}

if [ "${1:-}" = --inside ]; then
	inside "$2"
	exit
fi
main

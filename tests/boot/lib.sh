# SPDX-License-Identifier: MIT
# Shared by tests/boot/*.t: the units of systemd/ in a scratch root that
# systemd-analyze loads (with the system's own units and stand-ins for
# libvirt's), the command lines systemd makes of them, and the simulated
# host (tests/simhost) to run those commands on.
# shellcheck shell=bash
set -u
# TAP helpers, $T, $RUN (the simulated host), need_shim
. "$(dirname "${BASH_SOURCE[0]}")/../simhost/lib.sh"
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
UNITS="$TOP/systemd"
RULES="$TOP/udev/90-sriovctl.rules"
DESIRED=/etc/sriovctl/sriovctl.yaml
DROPINS=/etc/sriovctl/sriovctl.d
export SRIOVCTL TOP B PYTHON

need_analyze() {
	if ! command -v systemd-analyze >/dev/null; then
		echo "1..0 # SKIP no systemd-analyze (Debian systemd)"
		exit 0
	fi
}

# unit_root: $T/root with sriovctl in /usr/bin (ExecStart names it without a
# path, as systemd resolves it), the system's units, stand-ins for libvirt's
# units (as Debian 12 orders them) and ours in /etc/systemd/system.
unit_root() {
	R="$T/root"
	local sys="$R/etc/systemd/system"
	mkdir -p "$R/usr/bin" "$R/lib/systemd" "$sys"
	cp "$SRIOVCTL" "$R/usr/bin/sriovctl"
	cp /usr/bin/true "$R/usr/bin/true"
	[ -d /lib/systemd/system ] && cp -a /lib/systemd/system "$R/lib/systemd/"
	printf '[Unit]\nDescription=stand-in\n[Service]\nExecStart=/usr/bin/true\n' >"$sys/libvirtd.service"
	cp "$sys/libvirtd.service" "$sys/virtqemud.service"
	printf '%s\n' '[Unit]' 'Description=stand-in' 'Wants=libvirtd.service' \
		'After=network.target time-sync.target libvirtd.service virtqemud.service' \
		'[Service]' 'Type=oneshot' 'RemainAfterExit=yes' 'ExecStart=/usr/bin/true' \
		>"$sys/libvirt-guests.service"
	cp "$UNITS"/* "$sys/"
}

# verify UNIT [LOG]: systemd-analyze verify of a unit in $R; its messages in LOG
verify() {
	systemd-analyze verify --man=no --root="$R" "/etc/systemd/system/$1" >"${2:-/dev/null}" 2>&1
}

# before A B: systemd orders A before B. Proved by systemd itself: a probe
# unit that needs both and is ordered after B and before A closes an
# ordering cycle exactly when A is (transitively) before B, and verify
# then fails with "Found ordering cycle".
before() {
	local probe="$R/etc/systemd/system/order-probe.service"
	printf '%s\n' '[Unit]' "Requires=$1 $2" "After=$2" "Before=$1" \
		'[Service]' 'ExecStart=/usr/bin/true' >"$probe"
	verify order-probe.service "$T/probe.log"
	local rc=$?
	rm -f "$probe"
	[ $rc -ne 0 ] && grep -q "ordering cycle" "$T/probe.log"
}

# exec_line UNIT: what UNIT runs (tests/boot/exec-line), from $R
exec_line() { "$TOP/tests/boot/exec-line" "$R" "$1"; }

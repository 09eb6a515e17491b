#!/bin/bash
# SPDX-License-Identifier: MIT
# The units of systemd/: systemd-analyze verify passes on each, and the
# dependency graph systemd builds from them (with the system's units and
# stand-ins for libvirt's) orders the boot as doc/boot.md says: the host run
# after udev and module loading and before libvirt, libvirt-guests and the
# network; the guests run after libvirt and before libvirt-guests. Each
# service reads the default desired state (no FILE on its command line) and
# runs when /etc/sriovctl/sriovctl.yaml exists or /etc/sriovctl/sriovctl.d
# has a file, by systemd's own evaluation of its conditions.
. "$(dirname "$0")/lib.sh"
need_analyze
echo "1..35"
unit_root
for u in sriovctl.service sriovctl-guests.service sriovctl@.service sriovctl.path \
	sriovctl-reapply.service sriovctl-metrics.service sriovctl-metrics.timer; do
	if verify "$u" "$T/verify.log" && [ ! -s "$T/verify.log" ]; then
		ok "systemd-analyze verify $u: clean"
	else
		fail "systemd-analyze verify $u: clean" "$(cat "$T/verify.log")"
	fi
done

for later in libvirtd.service virtqemud.service libvirt-guests.service network-pre.target \
	sriovctl-guests.service; do
	check "sriovctl.service is ordered before $later" before sriovctl.service "$later"
done
for earlier in systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service; do
	check "sriovctl.service is ordered after $earlier" before "$earlier" sriovctl.service
done
check "sriovctl-guests.service is ordered after libvirtd.service" \
	before libvirtd.service sriovctl-guests.service
check "sriovctl-guests.service is ordered after virtqemud.service" \
	before virtqemud.service sriovctl-guests.service
check "sriovctl-guests.service is ordered before libvirt-guests.service" \
	before sriovctl-guests.service libvirt-guests.service
# the probe can fail: the reverse orders are not there
if ! before libvirt-guests.service sriovctl.service && ! before sriovctl-guests.service sriovctl.service; then
	ok "the probe finds no order that is not there (libvirt-guests is not before sriovctl)"
else
	not_ok "the probe finds no order that is not there (libvirt-guests is not before sriovctl)"
fi

# what each unit runs, as systemd reads it: no FILE, the default set
is "sriovctl apply --scope host --wait-pfs 60" "$(exec_line sriovctl.service)" \
	"sriovctl.service runs the host side of the default set, waiting for the PFs"
is "sriovctl apply --scope guests" "$(exec_line sriovctl-guests.service)" \
	"sriovctl-guests.service runs the guest side of the default set"
is "sriovctl apply --only 0000:3b:00.0 --wait-pfs 30" \
	"$(exec_line sriovctl@0000:3b:00.0.service)" "sriovctl@ADDR.service applies that PF only"
is "sriovctl apply --scope all" "$(exec_line sriovctl-reapply.service)" \
	"sriovctl-reapply.service applies the whole default set"
is "sriovctl metrics --output /var/lib/prometheus/node-exporter/sriovctl.prom" \
	"$(exec_line sriovctl-metrics.service)" \
	"sriovctl-metrics.service writes the metrics into node_exporter's textfile directory"
for u in sriovctl.service sriovctl-guests.service; do
	if grep -q "^Type=oneshot" "$UNITS/$u" && grep -q "^RemainAfterExit=yes" "$UNITS/$u"; then
		ok "$u: oneshot, remains active"
	else
		not_ok "$u: oneshot, remains active"
	fi
done
if grep -qx "PathChanged=$DESIRED" "$UNITS/sriovctl.path" &&
	grep -qx "PathChanged=$DROPINS" "$UNITS/sriovctl.path"; then
	ok "sriovctl.path watches $DESIRED and the directory $DROPINS"
else
	fail "sriovctl.path watches $DESIRED and the directory $DROPINS" "$(grep ^Path "$UNITS/sriovctl.path")"
fi

# when each service runs: its conditions as systemd evaluates them, with
# /etc/sriovctl in each of these states (a scratch root bound there)
services="sriovctl.service sriovctl-guests.service sriovctl@0000:3b:00.0.service sriovctl-reapply.service"
conditions_table='nothing there|skip|
an empty sriovctl.d|skip|mkdir $D/sriovctl.d
only an editor'"'"'s hidden and backup files in sriovctl.d|skip|mkdir $D/sriovctl.d && touch $D/sriovctl.d/.10-a.yaml.swp $D/sriovctl.d/10-a.yaml~
sriovctl.yaml alone|run|touch $D/sriovctl.yaml
a drop-in alone, no sriovctl.yaml|run|mkdir $D/sriovctl.d && touch $D/sriovctl.d/10-a.yaml
sriovctl.yaml and a drop-in|run|mkdir $D/sriovctl.d && touch $D/sriovctl.yaml $D/sriovctl.d/10-a.yaml'
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
	while IFS='|' read -r state _; do
		skip "conditions: $state" "needs root (a private mount namespace)"
	done <<<"$conditions_table"
else
	mkdir -p "$T/host"
	# shellcheck disable=SC2016
	env T="$T" SRIOVCTL_ROOT="$T/host" TABLE="$conditions_table" SERVICES="$services" \
		unshare -m --propagation private bash -c '
		"$TOP/tests/boot/host-etc" "$T/etc" || exit 1
		D=/etc/sriovctl
		while IFS="|" read -r state want setup; do
			find "$D" -mindepth 1 -delete
			eval "$setup"
			# shellcheck disable=SC2086
			echo "$state|$want|$("$TOP/tests/boot/condition" $SERVICES | tr "\n" " ")"
		done <<<"$TABLE"
	' >"$T/conditions" 2>&1
	while IFS='|' read -r state want _; do
		got=$(grep -F "$state|$want|" "$T/conditions" | cut -d'|' -f3)
		bad=$(tr ' ' '\n' <<<"$got" | grep -v "=$want\$" | grep . || true)
		if [ -n "$got" ] && [ -z "$bad" ]; then
			ok "conditions: $state: every service would $want"
		else
			fail "conditions: $state: every service would $want" "${bad:-$(cat "$T/conditions")}"
		fi
	done <<<"$conditions_table"
fi
# hardening that would stop the writes sriovctl must make
if ! grep -hE "^(ProtectKernelTunables|ProtectKernelModules|PrivateNetwork|ReadOnlyPaths)=" \
	"$UNITS"/*.service >"$T/bad" && grep -q "^ProtectSystem=strict" "$UNITS/sriovctl.service" &&
	grep -q "^ReadWritePaths=.*/etc/modprobe.d" "$UNITS/sriovctl.service"; then
	ok "hardened (ProtectSystem=strict) with /sys, /etc/modprobe.d and modules still writable"
else
	fail "hardened (ProtectSystem=strict) with /sys, /etc/modprobe.d and modules still writable" \
		"$(cat "$T/bad")"
fi
# the whole boot with everything enabled: no ordering cycle anywhere
cp "$UNITS/sriovctl@.service" "$R/etc/systemd/system/sriovctl@0000\\x3a3b\\x3a00.0.service"
printf '%s\n' '[Unit]' 'Requires=multi-user.target network-online.target systemd-networkd.service' \
	'Requires=sriovctl.service sriovctl-guests.service libvirt-guests.service sriovctl.path' \
	'Requires=sriovctl@0000\x3a3b\x3a00.0.service' '[Service]' 'ExecStart=/usr/bin/true' \
	>"$R/etc/systemd/system/boot-probe.service"
# (systemd breaks a cycle through a job it may drop and goes on: any cycle found fails)
if verify boot-probe.service "$T/boot.log" && ! grep -q "ordering cycle" "$T/boot.log"; then
	ok "a boot with every unit (and networkd, libvirt-guests) has no ordering cycle"
else
	fail "a boot with every unit (and networkd, libvirt-guests) has no ordering cycle" "$(cat "$T/boot.log")"
fi

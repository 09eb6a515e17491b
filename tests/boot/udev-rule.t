#!/bin/bash
# SPDX-License-Identifier: MIT
# udev/90-sriovctl.rules on the simulated seed host (two 82576 ports, no
# VFs). systemd-udevd cannot run there (umockdev feeds libudev, not a
# kernel uevent socket), so the rule's match is checked by udevadm test
# with a synthetic add (and bind, remove) event of one PF, with only this
# rule installed (tmpfs over the rules directories, all in the simulated
# host's private mount namespace), with /etc/sriovctl in each state the
# rule tells apart: nothing there, sriovctl.yaml, an empty sriovctl.d, a
# drop-in alone (tests/boot/host-etc binds the host's file root there, so
# that udev, systemd's conditions and sriovctl read the same files). Its
# RUN names a systemctl start of sriovctl@ADDR.service; systemctl has no
# manager here, so that unit's conditions are evaluated by systemd-analyze
# and the command it runs (as systemd-analyze expands it) is run, with a
# drop-in alone, under strace: it reads the drop-in, sets up that PF and
# writes nothing of the other PF and no modprobe.d file.
. "$(dirname "$0")/lib.sh"
need_shim
need_analyze
echo "1..14"
if [ "$(id -u)" != 0 ] || ! command -v strace >/dev/null || ! command -v udevadm >/dev/null; then
	for i in $(seq 14); do echo "ok $i - udev rule # SKIP needs root, strace and udevadm"; done
	exit 0
fi
unit_root
cat >"$T/desired.yaml" <<'YAML'
version: 1
modules:
  igb:
    options: {max_vfs: 7}
    file: /etc/modprobe.d/igb.conf
pfs:
  - pci: "0000:0b:00.0"
    num-vfs: 7
    method: module
  - pci: "0000:0b:00.1"
    num-vfs: 7
    method: module
YAML
# LeakSanitizer cannot run under ptrace
STRACE="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -s 4096 -e trace=%file,%desc"

SIMHOST_NO_LIBVIRT=1 "$RUN" "$SEED" -- env T="$T" R="$R" RULES="$RULES" STRACE="$STRACE" \
	PATH="$TOP/$B:$PATH" SRIOVCTL_LIBVIRT_URI=test:///default bash -c '
	set -u
	"$TOP/tests/boot/host-etc" "$T/etc" || exit 1
	D=/etc/sriovctl
	pf=/sys/bus/pci/devices/0000:0b:00.0
	unit=sriovctl@0000:0b:00.0.service
	# state NAME: what the rule does for an add event; whether the unit would run
	state() {
		udevadm test --action=add "$pf" >"$T/state.log" 2>&1
		echo "$1: rule: $(grep -c "^run: .*sriovctl" "$T/state.log") runs," \
			"unit: $("$TOP/tests/boot/condition" "$unit")"
	}
	for d in /etc/udev/rules.d /lib/udev/rules.d /run/udev/rules.d; do
		[ -d "$d" ] && mount -t tmpfs tmpfs "$d"
	done
	cp "$RULES" /etc/udev/rules.d/
	state "nothing"
	mkdir "$D/sriovctl.d"
	state "empty sriovctl.d"
	rmdir "$D/sriovctl.d"
	cp "$T/desired.yaml" "$D/sriovctl.yaml"
	for a in add bind remove; do
		udevadm test --action=$a "$pf" >"$T/$a.log" 2>&1
		echo "$a: $(grep "^run: .*sriovctl" "$T/$a.log")"
	done
	state "sriovctl.yaml"
	mkdir "$D/sriovctl.d"
	mv "$D/sriovctl.yaml" "$D/sriovctl.d/10-pfs.yaml"
	state "a drop-in alone"

	# what the rule runs: systemctl start UNIT; UNIT runs this
	unit=$(sed -n "s/^run: .* start \(sriovctl@[^ ]*\.service\).$/\1/p" "$T/add.log")
	cmd=$("$TOP/tests/boot/exec-line" "$R" "$unit")
	echo "unit: $unit"
	echo "command: $cmd"
	# shellcheck disable=SC2086
	$STRACE -o "$T/trace" $cmd >"$T/out" 2>"$T/err"
	echo "rc=$?"
	echo "reads: $(sed -n "s|^.*openat(.*\"$SRIOVCTL_ROOT/etc/sriovctl/\([^\"]*\.yaml\)\".* = [0-9].*|\1|p" "$T/trace" | sort -u | tr "\n" " ")"
	for p in 0000:0b:00.0 0000:0b:00.1; do
		echo "$p: numvfs=$(cat /sys/bus/pci/devices/$p/sriov_numvfs)"
	done
	udevadm test --action=add /sys/bus/pci/devices/0000:0b:10.0 >"$T/vf.log" 2>&1
	echo "VF: $(grep -c "^run: .*sriovctl" "$T/vf.log") runs"
' >"$T/log" 2>&1
sed 's/^/# /' "$T/log" "$T/err"
UNIT=sriovctl@0000:0b:00.0.service
has "^add: run: '/usr/bin/systemctl --no-block start sriovctl@0000:0b:00.0.service'$" "$T/log" \
	"an add event of the PF starts sriovctl@0000:0b:00.0.service (udevadm test)"
has "^bind: run: .* start sriovctl@0000:0b:00.0.service.$" "$T/log" "so does its bind event"
has "^remove: $" "$T/log" "a remove event runs nothing"
has "^nothing: rule: 0 runs, unit: $UNIT=skip$" "$T/log" \
	"nothing when there is neither sriovctl.yaml nor sriovctl.d (and the unit would not run)"
has "^empty sriovctl.d: rule: 1 runs, unit: $UNIT=skip$" "$T/log" \
	"an empty sriovctl.d: the rule starts the unit (TEST sees a directory), its condition skips it"
has "^sriovctl.yaml: rule: 1 runs, unit: $UNIT=run$" "$T/log" "sriovctl.yaml alone (no sriovctl.d): the rule starts the unit, which runs"
has "^a drop-in alone: rule: 1 runs, unit: $UNIT=run$" "$T/log" \
	"a drop-in alone, no sriovctl.yaml: the rule starts the unit, which runs"
has "^VF: 0 runs$" "$T/log" "a VF (no sriov_totalvfs) runs nothing"
has "^command: sriovctl apply --only 0000:0b:00.0 --wait-pfs 30$" \
	"$T/log" "the unit runs apply --only for that PF, of the default set"
has "^rc=0$" "$T/log" "the command exits 0"
has "^reads: sriovctl.d/10-pfs.yaml $" "$T/log" "it read the drop-in"
has "^0000:0b:00.0: numvfs=7$" "$T/log" "the PF of the event has its 7 VFs"
has "^0000:0b:00.1: numvfs=0$" "$T/log" "the other PF is left alone"
"$PYTHON" "$TOP/tests/apply/writes.py" "$T/trace" --except /run/sriovctl.lock >"$T/changes"
if grep -q "0000:0b:00.0/sriov_numvfs" "$T/changes" && ! grep -qE "0000:0b:00\.1|0000:0b:1[0-9a-f]\.[1357]|modprobe\.d" "$T/changes"; then
	ok "strace: writes to 0000:0b:00.0, none to 0000:0b:00.1 (or its VFs) or modprobe.d"
else
	fail "strace: writes to 0000:0b:00.0, none to 0000:0b:00.1 (or its VFs) or modprobe.d" \
		"$(head -n 20 "$T/changes")"
fi

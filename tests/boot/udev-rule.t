#!/bin/bash
# SPDX-License-Identifier: MIT
# udev/90-sriovctl.rules on the simulated seed host (two 82576 ports, no
# VFs). systemd-udevd cannot run there (umockdev feeds libudev, not a
# kernel uevent socket), so the rule's match is checked by udevadm test
# with a synthetic add (and bind, remove) event of one PF, with only this
# rule installed (tmpfs over the rules directories, an overlay over /etc
# for the desired-state file, all in the simulated host's private mount
# namespace). Its RUN names a systemctl start of sriovctl@ADDR.service;
# systemctl has no manager here, so the command that unit runs (as
# systemd-analyze expands it) is run instead, under strace: it sets up
# that PF and writes nothing of the other PF and no modprobe.d file.
. "$(dirname "$0")/lib.sh"
need_shim
need_analyze
echo "1..10"
if [ "$(id -u)" != 0 ] || ! command -v strace >/dev/null || ! command -v udevadm >/dev/null; then
	for i in $(seq 10); do echo "ok $i - udev rule # SKIP needs root, strace and udevadm"; done
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
STRACE="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=%file,%desc"

SIMHOST_NO_LIBVIRT=1 "$RUN" "$SEED" -- env T="$T" R="$R" RULES="$RULES" STRACE="$STRACE" \
	PATH="$TOP/$B:$PATH" SRIOVCTL_LIBVIRT_URI=test:///default bash -c '
	set -u
	mkdir "$T/upper" "$T/work"
	mount -t overlay overlay -o "lowerdir=/etc,upperdir=$T/upper,workdir=$T/work" /etc || exit 1
	mkdir -p /etc/sriovctl && cp "$T/desired.yaml" /etc/sriovctl/sriovctl.yaml
	for d in /etc/udev/rules.d /lib/udev/rules.d /run/udev/rules.d; do
		[ -d "$d" ] && mount -t tmpfs tmpfs "$d"
	done
	cp "$RULES" /etc/udev/rules.d/
	pf=/sys/bus/pci/devices/0000:0b:00.0
	for a in add bind remove; do
		udevadm test --action=$a "$pf" >"$T/$a.log" 2>&1
		echo "$a: $(grep "^run: .*sriovctl" "$T/$a.log")"
	done
	mv /etc/sriovctl/sriovctl.yaml /etc/sriovctl/off
	udevadm test --action=add "$pf" >"$T/nofile.log" 2>&1
	echo "no file: $(grep "^run: .*sriovctl" "$T/nofile.log")"
	mv /etc/sriovctl/off /etc/sriovctl/sriovctl.yaml

	# what the rule runs: systemctl start UNIT; UNIT runs this
	unit=$(sed -n "s/^run: .* start \(sriovctl@[^ ]*\.service\).$/\1/p" "$T/add.log")
	cmd=$("$TOP/tests/boot/exec-line" "$R" "$unit")
	echo "unit: $unit"
	echo "command: $cmd"
	# shellcheck disable=SC2086
	$STRACE -o "$T/trace" $cmd >"$T/out" 2>"$T/err"
	echo "rc=$?"
	for p in 0000:0b:00.0 0000:0b:00.1; do
		echo "$p: numvfs=$(cat /sys/bus/pci/devices/$p/sriov_numvfs)"
	done
	udevadm test --action=add /sys/bus/pci/devices/0000:0b:10.0 >"$T/vf.log" 2>&1
	echo "VF: $(grep -c "^run: .*sriovctl" "$T/vf.log") runs"
' >"$T/log" 2>&1
sed 's/^/# /' "$T/log" "$T/err"
has "^add: run: '/usr/bin/systemctl --no-block start sriovctl@0000:0b:00.0.service'$" "$T/log" \
	"an add event of the PF starts sriovctl@0000:0b:00.0.service (udevadm test)"
has "^bind: run: .* start sriovctl@0000:0b:00.0.service.$" "$T/log" "so does its bind event"
has "^remove: $" "$T/log" "a remove event runs nothing"
has "^no file: $" "$T/log" "nothing when /etc/sriovctl/sriovctl.yaml does not exist"
has "^VF: 0 runs$" "$T/log" "a VF (no sriov_totalvfs) runs nothing"
has "^command: sriovctl apply -f /etc/sriovctl/sriovctl.yaml --only 0000:0b:00.0 --wait-pfs 30$" \
	"$T/log" "the unit runs apply --only for that PF"
has "^rc=0$" "$T/log" "the command exits 0"
has "^0000:0b:00.0: numvfs=7$" "$T/log" "the PF of the event has its 7 VFs"
has "^0000:0b:00.1: numvfs=0$" "$T/log" "the other PF is left alone"
"$PYTHON" "$TOP/tests/apply/writes.py" "$T/trace" --except /run/sriovctl.lock >"$T/changes"
if grep -q "0000:0b:00.0/sriov_numvfs" "$T/changes" && ! grep -qE "0000:0b:00\.1|0000:0b:1[0-9a-f]\.[1357]|modprobe\.d" "$T/changes"; then
	ok "strace: writes to 0000:0b:00.0, none to 0000:0b:00.1 (or its VFs) or modprobe.d"
else
	fail "strace: writes to 0000:0b:00.0, none to 0000:0b:00.1 (or its VFs) or modprobe.d" \
		"$(head -n 20 "$T/changes")"
fi

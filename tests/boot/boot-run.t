#!/bin/bash
# SPDX-License-Identifier: MIT
# The boot, simulated: the commands of sriovctl.service and
# sriovctl-guests.service (as systemd-analyze reads them from systemd/: no
# FILE, the default set) run in that order on the simulated seed host with
# its private libvirtd, the seed example installed as the default file
# /etc/sriovctl/sriovctl.yaml of the host's file root (SRIOVCTL_ROOT, bound
# on /etc/sriovctl so that systemd evaluates the units' conditions on the
# same files). The host run happens with libvirtd stopped, as before
# libvirtd.service at boot, and must not try to reach it; the guests run
# after libvirtd is back. Then a reboot: the VFs are gone (sriov_numvfs
# 0), libvirtd stopped again, and the seed is now a drop-in,
# sriovctl.d/50-seed.yaml, with no sriovctl.yaml: both units still run,
# the host run reads the drop-in and brings the VFs back, the guest's
# persistent definition still holds its VF, the guests run finds nothing
# left. (Booting systemd as PID 1 in the VM tier was not chosen: see
# doc/boot.md.)
. "$(dirname "$0")/lib.sh"
need_shim
need_analyze
echo "1..21"
if [ "$(id -u)" != 0 ] || ! command -v strace >/dev/null; then
	for i in $(seq 21); do echo "ok $i - boot run # SKIP needs root (private libvirtd) and strace"; done
	exit 0
fi
unit_root
spec="$TOP/examples/seed-82576.yaml"
host_cmd=$(exec_line sriovctl.service)
guests_cmd=$(exec_line sriovctl-guests.service)
STRACE="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -s 4096 -e trace=connect,openat"

"$RUN" "$TOP/examples/hosts/seed-82576.state.yaml" -- env T="$T" RUN="$RUN" SPEC="$spec" \
	HOST_CMD="$host_cmd" GUESTS_CMD="$guests_cmd" STRACE="$STRACE" PATH="$TOP/$B:$PATH" bash -c '
	set -u
	"$TOP/tests/boot/host-etc" "$T/etc" || exit 1
	D=$SRIOVCTL_ROOT/etc/sriovctl
	cp "$SPEC" "$D/sriovctl.yaml"
	V="virsh -q -c $SRIOVCTL_LIBVIRT_URI"
	stop_libvirtd() {
		local pid
		pid=$(cat /run/libvirtd.pid)
		kill -TERM "$pid"
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && echo "libvirtd still runs" || echo "libvirtd stopped"
	}
	vfs() {
		for p in 0000:0b:00.0 0000:0b:00.1; do
			echo "$1 $p: numvfs=$(cat /sys/bus/pci/devices/$p/sriov_numvfs)"
		done
	}
	# the VF of MyGuest, in its persistent definition
	has_vf() { $V dumpxml --inactive MyGuest | grep -c "bus=.0x0b. slot=.0x10. function=.0x0."; }
	boot() {
		stop_libvirtd
		sriovctl apply >"$T/$1-all.out" 2>&1
		echo "$1 all without libvirt: rc=$?"
		echo "$1 conditions: $("$TOP/tests/boot/condition" sriovctl.service sriovctl-guests.service | tr "\n" " ")"
		# shellcheck disable=SC2086
		$STRACE -o "$T/$1-host.trace" $HOST_CMD >"$T/$1-host.out" 2>&1
		echo "$1 host: rc=$?"
		echo "$1 host connects to: $(grep -c "connect(.*libvirt" "$T/$1-host.trace")"
		echo "$1 host reads: $(sed -n "s|^.*openat(.*\"$D/\([^\"]*\.yaml\)\".* = [0-9].*|\1|p" "$T/$1-host.trace" | sort -u | tr "\n" " ")"
		vfs "$1"
		grep -q "^options igb max_vfs=7" "$SRIOVCTL_ROOT/etc/modprobe.d/igb.conf" && echo "$1 conf"
		"$RUN" --restart-libvirtd 2>"$T/$1-restart.err" || echo "$1 restart failed"
		echo "$1 persistent before guests: $(has_vf)"
		# shellcheck disable=SC2086
		$GUESTS_CMD >"$T/$1-guests.out" 2>&1
		echo "$1 guests: rc=$?"
		echo "$1 persistent after guests: $(has_vf)"
		sriovctl plan --detailed-exitcode >"$T/$1-plan.out" 2>&1
		echo "$1 plan: rc=$?"
	}
	boot first
	# the reboot: the VFs are gone (the kernel starts without them)
	for p in 0000:0b:00.0 0000:0b:00.1; do echo 0 >/sys/bus/pci/devices/$p/sriov_numvfs; done
	vfs reboot
	# and the desired state is now a drop-in alone
	mkdir "$D/sriovctl.d"
	mv "$D/sriovctl.yaml" "$D/sriovctl.d/50-seed.yaml"
	boot second
' >"$T/log" 2>&1
sed 's/^/# /' "$T/log"
for f in "$T"/*-host.out "$T"/*-guests.out; do sed "s|^|# ${f##*/}: |" "$f"; done
has "^first all without libvirt: rc=1$" "$T/log" "without libvirt, a whole apply of a file with guests fails (why the split)"
has "^first conditions: sriovctl.service=run sriovctl-guests.service=run $" "$T/log" \
	"first boot, sriovctl.yaml: systemd would run both units"
has "^first host: rc=0$" "$T/log" "first boot: the host run succeeds with libvirtd stopped"
has "^first host reads: sriovctl.yaml $" "$T/log" "first boot: the host run reads the default file"
has "^first host connects to: 0$" "$T/log" "the host run does not try libvirt (strace: no connect to its socket)"
has "^first 0000:0b:00.0: numvfs=7$" "$T/log" "first boot: 7 VFs on 0000:0b:00.0 after the host run"
has "^first 0000:0b:00.1: numvfs=7$" "$T/log" "first boot: 7 VFs on 0000:0b:00.1 after the host run"
has "^first conf$" "$T/log" "first boot: igb.conf written by the host run"
has "^first persistent before guests: 0$" "$T/log" "first boot: the guest has no VF before the guests run"
has "^first guests: rc=0$" "$T/log" "first boot: the guests run succeeds"
has "^first persistent after guests: 1$" "$T/log" "first boot: the guests run gave MyGuest its VF (persistent)"
has "^first plan: rc=0$" "$T/log" "first boot: nothing left to do"
has "^reboot 0000:0b:00.0: numvfs=0$" "$T/log" "reboot: the VFs are gone"
has "^second conditions: sriovctl.service=run sriovctl-guests.service=run $" "$T/log" \
	"second boot, a drop-in alone: systemd would still run both units"
has "^second host: rc=0$" "$T/log" "second boot: the host run succeeds with libvirtd stopped"
has "^second host reads: sriovctl.d/50-seed.yaml $" "$T/log" "second boot: the host run reads the drop-in"
has "^second host connects to: 0$" "$T/log" "second boot: the host run does not try libvirt"
has "^second 0000:0b:00.0: numvfs=7$" "$T/log" "second boot: the VFs are back after the host run"
has "^second persistent before guests: 1$" "$T/log" "second boot: MyGuest's persistent VF is there before libvirt-guests could start it"
has "^second guests: rc=0$" "$T/log" "second boot: the guests run succeeds"
has "^second plan: rc=0$" "$T/log" "second boot: nothing left to do"

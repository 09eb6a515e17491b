#!/bin/bash
# Guest-side driver, run by the guest's init in a chroot of the host root.
# /run/vmout is the host's work directory for this run (writable); its env
# file says what to run: TOP, SRIOVCTL, KERNEL_CHECKS (0/1), SCENARIOS.
set -u
. /run/vmout/env
G=$TOP/tests/vm/guest
. "$G/lib.sh"
. "$G/kernel.sh"
. "$G/scenarios.sh"
. "$G/libvirt.sh"
. "$G/netdevsim.sh"

# QEMU puts the NVMe controller behind the first root port: bus 1.
PF_ADDR=0000:01:00.0
# The seed's 82576, at the seed's own addresses (see tests/vm/run).
IGB_PF0=0000:0b:00.0 IGB_PF1=0000:0b:00.1
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C
# udevadm and systemd-udevd refuse to act in a chroot unless told
export SYSTEMD_IGNORE_CHROOT=1

if [ "${TRACE:-0}" = 1 ]; then
	exec {xfd}>"$LOGS/trace"
	BASH_XTRACEFD=$xfd
	PS4='+ $EPOCHREALTIME ${BASH_SOURCE##*/}:$LINENO: '
	set -x
fi

[ -f "$G/dbg.sh" ] && . "$G/dbg.sh"
note "guest kernel $(uname -r), chroot up at $(uptime_s) s"

if [ "$KERNEL_CHECKS" = 1 ]; then
	t=$(now_us)
	kernel_checks
	note "kernel checks took $(since "$t") s"
fi

if [ "${NETDEVSIM_CHECKS:-0}" = 1 ]; then
	t=$(now_us)
	netdevsim_checks
	note "netdevsim checks took $(since "$t") s"
fi

if [ -n "$SCENARIOS" ]; then
	t=$(now_us)
	scenarios_prepare
	for s in $SCENARIOS; do
		scenario_run "$TOP/tests/vm/scenarios/$s.yaml"
	done
	lv_stop
	note "scenarios took $(since "$t") s"
fi

note "planned $n guest checks"
note "guest done at $(uptime_s) s, $n_fail failed"
[ "$n_fail" -eq 0 ]

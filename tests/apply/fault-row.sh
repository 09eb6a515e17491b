#!/bin/bash
# SPDX-License-Identifier: MIT
# One row of fault-matrix.t, run inside a simulated seed host (with its
# private libvirtd): for one write point of an apply, each fault in turn.
#
#   fault-row.sh POINT OUTDIR FAULT...
#
# Per fault: the host is at the row's "before" state (spec R); the fault is
# injected (the fake kernel's fail lines in $SIMHOST_CONFIG, or the
# preloaded faultinject.so); apply -f T runs (SIGTERM: sent while the step
# is under way); then the checks; the fault is cleared, apply -f T again
# must converge and plan --detailed-exitcode exit 0; apply -f R resets.
# Writes OUTDIR/POINT.cells: "POINT FAULT pass|fail WHY", and each cell's
# stderr as OUTDIR/POINT.FAULT.err.
set -u
point=$1 out=$2
shift 2
SC=$SRIOVCTL
D=$SRIOVCTL_ROOT/etc/modprobe.d
W=$out/$point.work
mkdir -p "$W"
V="virsh -q -c $SRIOVCTL_LIBVIRT_URI"
PF0=0000:0b:00.0 VF0=0000:0b:10.0

# spec FILE MAX_VFS NUM_VFS PF0-EXTRA GUEST-EXTRA: a desired state; every
# spec keeps VF 1 of the second PF in MyGuest (a device no step touches)
spec() {
	cat >"$1" <<-EOF
		version: 1
		modules:
		  igb: {options: {max_vfs: $2}, file: /etc/modprobe.d/igb.conf}
		pfs:
		  - pci: "$PF0"
		    num-vfs: $3
		    $4
		  - pci: "0000:0b:00.1"
		    num-vfs: 2
		guests:
		  MyGuest:
		    prune: true
		    devices:
		      - vf: {pf: "0000:0b:00.1", id: 1}
		        type: hostdev
		      $5
	EOF
}
IFACE='- {vf: {pf: "0000:0b:00.0", id: 0}, type: interface, mac: "52:54:00:6d:90:02", vlan: VLAN}'
BIND='drivers-autoprobe: false' NL=$'\n'
# the row: before (R) and after (T) states, the fake kernel's fault target
# (ADDR ATTR) or the preload's point, and what the error must name
case $point in
sriov_numvfs) spec "$W/R" 7 0 "" ""; spec "$W/T" 7 3 "" ""
	kfault="$PF0 sriov_numvfs" names="sriov_numvfs" ;;
sriov_drivers_autoprobe) spec "$W/R" 7 2 "drivers-autoprobe: true" ""
	spec "$W/T" 7 2 "drivers-autoprobe: false" ""
	kfault="$PF0 sriov_drivers_autoprobe" names="sriov_drivers_autoprobe" ;;
driver_override | unbind | drivers_probe)
	spec "$W/R" 7 2 "$BIND$NL    vf-driver: igbvf" ""
	spec "$W/T" 7 2 "$BIND$NL    vf-driver: vfio-pci" ""
	kfault="$VF0 $point"
	case $point in
	driver_override) names="'$VF0'.*driver_override" ;;
	unbind) names="'$VF0'.*unbind" ;;
	drivers_probe) names="'$VF0'.*drivers_probe" ;;
	esac ;;
setlink) spec "$W/R" 7 2 "vfs: [{id: 0, trust: false}]" ""
	spec "$W/T" 7 2 "vfs: [{id: 0, trust: true}]" ""
	kfault="$PF0 setlink" names="VF 0: cannot set trust" ;;
modprobe.d) spec "$W/R" 3 2 "" ""; spec "$W/T" 7 2 "" ""
	ppoint=file names="igb.conf" ;;
attach) spec "$W/R" 7 2 "" ""; spec "$W/T" 7 2 "" "${IFACE/VLAN/42}"
	ppoint=attach names="guest 'MyGuest'" ;;
detach) spec "$W/R" 7 2 "" "${IFACE/VLAN/42}"; spec "$W/T" 7 2 "" "${IFACE/VLAN/43}"
	ppoint=detach names="guest 'MyGuest'" ;;
*) echo "unknown point $point" >&2; exit 2 ;;
esac

steady() { $V dumpxml --inactive MyGuest 2>/dev/null | grep -c "bus=.0x0b. slot=.0x10. function=.0x3."; }
lockfree() { flock -n /run/sriovctl.lock true; }
clear_faults() { sed -i '/^fail /d' "$SIMHOST_CONFIG"; }
libvirtd_up() {
	local pid
	pid=$(cat /run/libvirtd.pid 2>/dev/null)
	if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
		"$RUN" --restart-libvirtd 2>>"$W/restart.err"
	fi
}

# prepare: T once (the new file), then R (the old file)
ok_prep=1
$SC apply -f "$W/T" >"$W/prep.out" 2>&1 || ok_prep=0
cp "$D/igb.conf" "$W/new.conf" 2>/dev/null
$SC apply -f "$W/R" >>"$W/prep.out" 2>&1 || ok_prep=0
cp "$D/igb.conf" "$W/old.conf" 2>/dev/null

: >"$out/$point.cells"
for fault in "$@"; do
	why=""
	err="$out/$point.$fault.err"
	rm -f "$W/mark" "$UMOCKDEV_DIR"/simhost-hanging-*
	[ $ok_prep = 1 ] || why="the row's setup (apply T, then R) failed: $(tail -n 3 "$W/prep.out" | tr '\n' ' ')"
	# inject
	pre=()
	k=$fault
	[ "$fault" = SIGTERM ] && k=hang
	if [ -n "${kfault:-}" ]; then
		echo "fail $kfault $k" >>"$SIMHOST_CONFIG"
	else
		[ "$fault" = SIGTERM ] && k=stall
		pre=(env LD_PRELOAD="$FAULTINJECT${LD_PRELOAD:+:$LD_PRELOAD}" FAULT_POINT="$ppoint"
			FAULT="$k" FAULT_DIR="$D" FAULT_MARK="$W/mark" FAULT_STALL_MS=1500
			FAULT_LIBVIRTD_PIDFILE=/run/libvirtd.pid)
	fi
	# the faulty run
	start=$EPOCHREALTIME
	if [ "$fault" = SIGTERM ]; then
		# --foreground: timeout passes the signal on to apply alone, with no
		# SIGCONT to the process group after it; a SIGCONT that lands while
		# LeakSanitizer's exit-time tracer stops the process cancels the
		# tracer's SIGSTOP and both wait for ever (under ASan)
		"${pre[@]}" timeout --foreground -s KILL 60 $SC apply -f "$W/T" --timeout 30 >"$W/out1" 2>"$err" &
		apid=$!
		for _ in $(seq 200); do
			compgen -G "$UMOCKDEV_DIR/simhost-hanging-*" >/dev/null && break
			[ -e "$W/mark" ] && break
			sleep 0.05
		done
		sleep 0.2
		# the timeout(1) wrapper passes the signal on to apply (which ends its workers)
		kill -TERM $apid
		wait $apid
		rc=$?
	else
		"${pre[@]}" timeout -s KILL 12 $SC apply -f "$W/T" --timeout 2 >"$W/out1" 2>"$err"
		rc=$?
	fi
	took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	# the checks
	[ $rc = 1 ] || why="$why; exit status $rc, not 1"
	if [ "$fault" = SIGTERM ]; then
		# the step may have finished: the message says what was and was not done
		grep -q "^sriovctl: error: stopped by signal 15" "$err" || why="$why; no message that a signal stopped the run"
	else
		grep -q "^sriovctl: error: .*$names" "$err" || why="$why; no error naming the step ($names)"
	fi
	# a libvirt call with no answer: the step and the bound (--timeout 2)
	if [ "$fault" = hang ] && [ -n "${ppoint:-}" ] && ! grep -qE \
		"^(sriovctl: )?error: guest 'MyGuest': ${ppoint}ing interface $VF0 \((persistent|live)\): libvirt did not answer within 2 s" "$err"; then
		why="$why; no error naming the libvirt step that got no answer and --timeout"
	fi
	if ! cmp -s "$D/igb.conf" "$W/old.conf" && ! cmp -s "$D/igb.conf" "$W/new.conf"; then
		why="$why; igb.conf is neither the old nor the new file"
	fi
	tmps=$(ls -A "$D" | grep '^\.' | tr '\n' ' ')
	[ -z "$tmps" ] || why="$why; temporary files left: $tmps"
	lockfree || why="$why; the lock is held after the run"
	clear_faults
	# a libvirtd stopped by the hang fault goes on
	kill -CONT "$(cat /run/libvirtd.pid 2>/dev/null)" 2>/dev/null
	libvirtd_up
	[ "$(steady)" -ge 1 ] || why="$why; MyGuest lost VF 0000:0b:10.3, which no step detaches"
	# without the fault
	$SC apply -f "$W/T" --lock-timeout 0 >"$W/out2" 2>"$W/err2"
	rc2=$?
	[ $rc2 = 0 ] || why="$why; the re-run exits $rc2: $(grep -m1 '^sriovctl: error' "$W/err2")"
	$SC plan --detailed-exitcode -f "$W/T" >"$W/plan" 2>&1
	rc3=$?
	[ $rc3 = 0 ] || why="$why; plan --detailed-exitcode exits $rc3 after the re-run"
	$SC apply -f "$W/R" >"$W/out4" 2>"$W/err4" || why="$why; the reset (apply R) failed: $(grep -m1 '^sriovctl: error' "$W/err4")"
	if [ -z "$why" ]; then
		echo "$point $fault pass ${took}s" >>"$out/$point.cells"
	else
		echo "$point $fault fail ${took}s ${why#; }" >>"$out/$point.cells"
	fi
done

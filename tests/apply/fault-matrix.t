#!/bin/bash
# SPDX-License-Identifier: MIT
# The fault matrix: every write point of an apply (each sysfs attribute,
# the modprobe.d file, RTM_SETLINK of a VF setting, libvirt's attach and
# detach) x each fault that applies to it (EBUSY, EIO, ENOSPC, EACCES,
# EPERM, a hang, libvirt's connection lost, SIGTERM during the step). A
# cell passes when the faulty apply exits 1 with an error naming the step
# (SIGTERM: also that a signal stopped it), igb.conf is the old or the new
# file and no temporary file is left, MyGuest keeps the device no step
# detaches, the lock is free, and without the fault a re-run converges and
# plan --detailed-exitcode exits 0. One row per simulated seed host
# (tests/apply/fault-row.sh), two rows at a time; the matrix is printed as
# comments, then one check per cell ("-": the fault does not apply).
. "$(dirname "$0")/lib.sh"
need_shim
POINTS=(sriov_numvfs sriov_drivers_autoprobe driver_override unbind drivers_probe
	setlink modprobe.d attach detach)
FAULTS=(EBUSY EIO ENOSPC EACCES EPERM hang lost SIGTERM)
# FAULT_MATRIX_POINTS="attach detach": some rows only (while working on them)
[ -n "${FAULT_MATRIX_POINTS:-}" ] && read -ra POINTS <<<"$FAULT_MATRIX_POINTS"
# known defects, still failing: "not ok ... # TODO why" (does not fail the test);
# none now (add "POINT:FAULT) echo WHY ;;" lines to the case)
todo() {
	case $1:$2 in
	*) ;;
	esac
}
# applies POINT FAULT: whether the fault exists at that point
applies() {
	case $1:$2 in
	attach:* | detach:*) return 0 ;;
	*:lost) return 1 ;;        # no libvirt connection at that point
	modprobe.d:hang) return 1 ;; # a local file write is not bounded by --timeout
	*) return 0 ;;
	esac
}
cells=0
for p in "${POINTS[@]}"; do for f in "${FAULTS[@]}"; do applies "$p" "$f" && cells=$((cells + 1)); done; done
echo "1..$((cells + 1))"
if [ "$(id -u)" != 0 ] || ! command -v virsh >/dev/null || ! command -v flock >/dev/null; then
	skip_all $((cells + 1)) "fault matrix" "needs root (private libvirtd), virsh and flock"
fi

# the preload for the points the fake kernel does not own
# shellcheck disable=SC2046
if cc -O1 -g -Wall -Wextra -shared -fPIC -o "$T/faultinject.so" "$TOP/tests/apply/faultinject.c" \
	-Wl,--no-as-needed $(pkg-config --cflags --libs libvirt) -ldl 2>"$T/cc.log"; then
	ok "the fault injector (tests/apply/faultinject.c) builds"
else
	not_ok "the fault injector (tests/apply/faultinject.c) builds"
	sed 's/^/#   /' "$T/cc.log"
fi

STATE="$TOP/examples/hosts/seed-82576.state.yaml"
start=$EPOCHREALTIME
row() {
	local p=$1 fs=() f
	for f in "${FAULTS[@]}"; do applies "$p" "$f" && fs+=("$f"); done
	mkdir -p "$T/$p.tmp"
	TMPDIR="$T/$p.tmp" "$RUN" "$STATE" -- env SRIOVCTL="$SRIOVCTL" RUN="$RUN" \
		FAULTINJECT="$T/faultinject.so" \
		bash "$TOP/tests/apply/fault-row.sh" "$p" "$T" "${fs[@]}" >"$T/$p.log" 2>&1
}
# two rows at a time (each has its own simulated host and libvirtd)
jobs=${FAULT_MATRIX_JOBS:-2}
for p in "${POINTS[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	row "$p" &
done
wait
took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", b - a }')

# the matrix
{
	printf '%-24s' "point \\ fault"
	printf ' %-7s' "${FAULTS[@]}"
	echo
	for p in "${POINTS[@]}"; do
		printf '%-24s' "$p"
		for f in "${FAULTS[@]}"; do
			if ! applies "$p" "$f"; then v="-"
			else
				v=$(awk -v f="$f" '$2 == f { print $3 }' "$T/$p.cells" 2>/dev/null)
				v=${v:-missing}
			fi
			printf ' %-7s' "$v"
		done
		echo
	done
	echo "($cells cells, $took s)"
} | sed 's/^/# /'

for p in "${POINTS[@]}"; do
	for f in "${FAULTS[@]}"; do
		applies "$p" "$f" || continue
		line=$(awk -v f="$f" '$2 == f' "$T/$p.cells" 2>/dev/null)
		set -- $line
		if [ "${3:-}" = pass ]; then
			ok "$p x $f (${4:-})"
		else
			why=$(todo "$p" "$f")
			not_ok "$p x $f${why:+ # TODO $why}"
			if [ -n "$line" ]; then echo "#   ${line#* * * * }"; else
				echo "#   no result; the row's log:"
				tail -n 15 "$T/$p.log" | sed 's/^/#     /'
			fi
			sed 's/^/#   stderr: /' "$T/$p.$f.err" 2>/dev/null | head -n 8
		fi
	done
done

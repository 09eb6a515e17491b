#!/bin/bash
# SPDX-License-Identifier: MIT
# Concurrent applies on one simulated host whose VFs take 1 s to appear:
# while A creates 7 VFs on two PFs, B (--lock-timeout 30, wants 5) waits for
# the lock and then plans from the host A left (7 -> 5 through 0), and C
# (--lock-timeout 0.2, wants 3) gives up with a clear message, changing
# nothing. The end state is B's.
. "$(dirname "$0")/lib.sh"
need_shim
command -v flock >/dev/null || { echo "1..0 # SKIP flock(1) is not installed"; exit 0; }

mkhost "$T/state.yaml" --pfs 2 --sim vf-delay-ms=1000 --spec "$T/spec7.yaml" --want-vfs 7
sed 's/num-vfs: 7/num-vfs: 5/' "$T/spec7.yaml" >"$T/spec5.yaml"
sed 's/num-vfs: 7/num-vfs: 3/' "$T/spec7.yaml" >"$T/spec3.yaml"
sim "$T/state.yaml" '
	# a PF whose change (by A) is under way: a read would wait for it, as in the kernel
	nv1() { [ -e "$UMOCKDEV_DIR/simhost-pending-$1" ] && echo pending || cat /sys/bus/pci/devices/$1/sriov_numvfs; }
	nv() { echo "$(nv1 0000:0b:00.0)/$(nv1 0000:0c:00.0)"; }
	lock=$SRIOVCTL_ROOT/run/sriovctl.lock
	$SC apply -f "$T/spec7.yaml" >"$T/a.out" 2>&1 &
	a=$!
	for i in $(seq 200); do [ -e "$lock" ] && ! flock -n "$lock" true && break; sleep 0.01; done
	echo "A holds the lock: $(flock -n "$lock" true && echo no || echo yes)"
	$SC apply -f "$T/spec5.yaml" --lock-timeout 30 >"$T/b.out" 2>&1 &
	b=$!
	$SC apply -f "$T/spec3.yaml" --lock-timeout 0.2 >"$T/c.out" 2>"$T/c.err"
	echo "C: rc=$? vfs=$(nv)"
	wait $a; echo "A: rc=$?"
	wait $b; echo "B: rc=$? vfs=$(nv)"
	$SC plan --detailed-exitcode -f "$T/spec5.yaml" >/dev/null 2>&1
	echo "plan: rc=$?"
' >"$T/out" 2>&1
sed 's/^/# /' "$T/out" "$T/a.out" "$T/b.out" "$T/c.err"
has '^A holds the lock: yes$' "$T/out" "A holds the lock while its VFs appear"
has '^C: rc=1 vfs=(0|pending)/(0|pending)$' "$T/out" "C gives up after its --lock-timeout with exit 1, nothing changed"
has "^sriovctl: error: another sriovctl run \(pid [0-9]+\) holds '.*/run/sriovctl.lock' \(waited 0.2 s\)" "$T/c.err" \
	"C says another run holds the lock, and its pid"
has '^A: rc=0$' "$T/out" "A converges"
has '^~ 0000:0b:00.0 num-vfs 7 -> 5 ' "$T/b.out" "B planned from the host A left (7 -> 5)"
has '^B: rc=0 vfs=5/5$' "$T/out" "B converges: the end state is B's"
has '^plan: rc=0$' "$T/out" "plan --detailed-exitcode is 0 afterwards"
echo "1..$n"

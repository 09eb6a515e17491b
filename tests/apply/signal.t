#!/bin/bash
# SPDX-License-Identifier: MIT
# SIGTERM or SIGINT to apply while a VF-count worker is blocked in the
# driver (the fake kernel's sriov_numvfs "hang"): apply stops within a
# second or two, exit 1, its message says it was stopped and what was not
# started, its workers are gone, and the lock is free for the next run.
. "$(dirname "$0")/lib.sh"
need_shim

SCRIPT='
	sig=$1
	$SC apply -f "$T/spec.yaml" --timeout 60 >"$T/out1" 2>"$T/err1" &
	pid=$!
	# wait until the worker blocks in the write
	for i in $(seq 100); do
		kids=$(pgrep -P $pid | tr "\n" " ")
		[ -n "$kids" ] && break
		sleep 0.05
	done
	sleep 0.5
	echo "workers: ${kids:-none}"
	start=$EPOCHREALTIME
	kill -$sig $pid
	wait $pid
	echo "apply: rc=$? took=$(awk -v a=$start -v b=$EPOCHREALTIME "BEGIN { printf \"%d\", b - a }")"
	sleep 0.3
	alive=""
	for k in $kids; do [ -d /proc/$k ] && [ "$(cut -d" " -f3 /proc/$k/stat)" != Z ] && alive="$alive $k"; done
	echo "alive:${alive:- none}"
	if flock -n "$SRIOVCTL_ROOT/run/sriovctl.lock" true; then echo "lock: free"; else echo "lock: held"; fi
'
for sig in TERM INT; do
	mkhost "$T/state.yaml" --pfs 2 --sim-pf 0:fail.sriov_numvfs=hang --spec "$T/spec.yaml" --want-vfs 7 \
		--spec-extra '{vfs: [{id: 0, trust: true}]}'
	sim "$T/state.yaml" "$SCRIPT" "$sig" >"$T/$sig.out" 2>&1
	sed 's/^/# /' "$T/$sig.out" "$T/err1"
	has "^workers: [0-9]" "$T/$sig.out" "SIG$sig: apply had VF-count workers running"
	has "^apply: rc=1 took=[01]$" "$T/$sig.out" "SIG$sig: apply stops at once, exit 1"
	has "^alive: none$" "$T/$sig.out" "SIG$sig: no worker outlives apply"
	has "^lock: free$" "$T/$sig.out" "SIG$sig: the lock is free"
	has "^sriovctl: error: PF '0000:0b:00.0': setting sriov_numvfs to 7 was interrupted" "$T/err1" \
		"SIG$sig: the blocked VF count is reported as interrupted"
	has "^sriovctl: error: stopped by signal [0-9]+ \(.*\): no further change started; .* not started:$" "$T/err1" \
		"SIG$sig: the message says the run was stopped"
	has "^sriovctl: note: not started: set-vf 0000:0c:00.0" "$T/err1" "SIG$sig: the changes not started are listed"
	has "apply stopped by signal [0-9]+; the lock is released" "$T/err1" "SIG$sig: the last line says the lock is released"
done

# SIGTERM after the write returned, while the VFs are waited for (a driver
# that makes them 5 s later, vf-delay-ms): the wait ends at once, and the
# error says what was being waited for.
WAIT='
	$SC apply -f "$T/spec.yaml" --timeout 60 >"$T/out1" 2>"$T/err1" &
	pid=$!
	for i in $(seq 100); do [ -e "$UMOCKDEV_DIR/simhost-pending-0000:0b:00.0" ] && break; sleep 0.05; done
	sleep 0.5
	start=$EPOCHREALTIME
	kill -TERM $pid
	wait $pid
	echo "apply: rc=$? took=$(awk -v a=$start -v b=$EPOCHREALTIME "BEGIN { printf \"%d\", b - a }")"
	if flock -n "$SRIOVCTL_ROOT/run/sriovctl.lock" true; then echo "lock: free"; else echo "lock: held"; fi
'
mkhost "$T/state.yaml" --pfs 1 --sim-pf 0:vf-delay-ms=5000 --spec "$T/spec.yaml" --want-vfs 7
sim "$T/state.yaml" "$WAIT" >"$T/wait.out" 2>&1
sed 's/^/# /' "$T/wait.out" "$T/err1"
has "^apply: rc=1 took=[01]$" "$T/wait.out" "waiting for VFs: apply stops at once, exit 1"
has "^lock: free$" "$T/wait.out" "waiting for VFs: the lock is free"
has "^sriovctl: error: PF '0000:0b:00.0': setting sriov_numvfs to 7 was interrupted \(signal 15\) while its VFs were waited for$" \
	"$T/err1" "waiting for VFs: the error says the VFs were being waited for"
echo "1..$n"

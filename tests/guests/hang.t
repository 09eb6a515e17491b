#!/bin/bash
# SPDX-License-Identifier: MIT
# A libvirtd that stops answering (SIGSTOP) before sriovctl connects: plan,
# show and apply each give up after --timeout naming the step and the URI
# (plan and apply: an error, exit 1; show: a note that the guests are
# missing), and apply leaves the lock free; once the daemon goes on
# (SIGCONT), apply converges and plan is empty. (A daemon that stops
# during an attach or a detach: tests/apply/fault-matrix.t.)
. "$(dirname "$0")/lib.sh"
need_shim
need_libvirt

SEED="$TOP/examples/seed-82576.yaml"
STATE="$TOP/examples/hosts/seed-82576.state.yaml"
URI_RE="qemu\+unix:///system\?socket=/run/libvirt/libvirt-sock"

"$RUN" "$STATE" -- bash -c '
	T=$1 SEED=$2
	pid=$(cat /run/libvirtd.pid)
	# warm: the first call waits for QEMU capabilities
	"$SRIOVCTL" plan -f "$SEED" >/dev/null 2>&1
	kill -STOP "$pid"
	for cmd in plan show apply; do
		args=(-f "$SEED" --timeout 2)
		[ $cmd = show ] && args=(--timeout 2)
		start=$EPOCHREALTIME
		timeout -s KILL 30 "$SRIOVCTL" $cmd "${args[@]}" >"$T/$cmd.out" 2>"$T/$cmd.err"
		echo $? >"$T/$cmd.rc"
		awk -v a="$start" -v b="$EPOCHREALTIME" "BEGIN { printf \"%.1f\", b - a }" >"$T/$cmd.took"
	done
	flock -n /run/sriovctl.lock true
	echo $? >"$T/lock.rc"
	kill -CONT "$pid"
	"$SRIOVCTL" apply -f "$SEED" --timeout 30 >"$T/apply2.out" 2>"$T/apply2.err"
	echo $? >"$T/apply2.rc"
	"$SRIOVCTL" plan -f "$SEED" --detailed-exitcode >"$T/plan2.out" 2>&1
	echo $? >"$T/plan2.rc"
' bash "$T" "$SEED" 2>"$T/run.err"
is 0 $? "simulated host with libvirtd runs"
sed 's/^/# /' "$T/run.err"

# show needs no libvirt: it shows the host and says why the guests are missing
for cmd in plan show apply; do
	sed 's/^/# /' "$T/$cmd.err"
	want=1 kind=error what="^(sriovctl: )?error: "
	[ $cmd = show ] && want=0 kind=note what="^(sriovctl: )?note: guests not observed: "
	is $want "$(cat "$T/$cmd.rc")" "$cmd with a stopped libvirtd exits $want (not killed after 30 s)"
	has "${what}cannot connect to libvirt at '$URI_RE': libvirt did not answer within 2 s" \
		"$T/$cmd.err" "$cmd: the $kind names the URI and the time it waited"
	took=$(cat "$T/$cmd.took")
	if awk -v t="$took" 'BEGIN { exit !(t < 10) }'; then ok "$cmd gives up after --timeout 2 (${took} s)"
	else not_ok "$cmd gives up after --timeout 2 (took ${took} s)"; fi
done
is 0 "$(cat "$T/lock.rc")" "the lock is free after apply gave up"
sed 's/^/# /' "$T/apply2.err"
is 0 "$(cat "$T/apply2.rc")" "once libvirtd goes on, apply converges"
is 0 "$(cat "$T/plan2.rc")" "then plan --detailed-exitcode exits 0"
echo "1..$n"

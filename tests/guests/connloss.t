#!/bin/bash
# SPDX-License-Identifier: MIT
# libvirtd dies in the middle of an apply (the simulated host's private
# daemon, killed): a clear error naming the lost connection, exit 1; once
# libvirtd is back (tests/simhost/run --restart-libvirtd), a re-run
# converges and a third plan is empty.
#   1. killed while sriovctl waits for new VFs: after the detach of
#      MyGuest's old interface, before the attaches;
#   2. killed right after the first attach (a preloaded wrapper of
#      virDomainAttachDeviceFlags), before the second guest's.
. "$(dirname "$0")/lib.sh"
need_shim
need_libvirt

STATE="$G/fixtures/two-guests.state.yaml"
SPEC="$G/specs/two-guests.yaml"
cat >"$T/want-my" <<'W'
interface 0000:0b:10.2 managed=yes mac=52:54:00:00:00:02 vlan=20
W
echo "hostdev 0000:0b:10.6 managed=yes" >"$T/want-second"

# shellcheck disable=SC2046
if ! cc -O1 -g -Wall -Wextra -shared -fPIC -o "$T/killafter.so" "$G/killafter.c" \
	-Wl,--no-as-needed $(pkg-config --libs libvirt) -ldl 2>"$T/cc.log"; then
	sed 's/^/# /' "$T/cc.log"
fi

# SCENARIO DIR [PRELOAD]: apply, kill libvirtd (by the preload, or from
# here once the detach is done), restart it, apply again, plan again
scenario() {
	local dir=$1 preload=${2:-}
	mkdir -p "$dir" "$dir/tmp"
	TMPDIR="$dir/tmp" "$RUN" "$STATE" -- bash -c '
		D=$1 SPEC=$2 RUN=$3 PRELOAD=$4
		V="virsh -q -c $SRIOVCTL_LIBVIRT_URI"
		pid0=$(cat /run/libvirtd.pid)
		start0=$(cut -d")" -f2- "/proc/$pid0/stat" | awk "{ print \$20 }")
		if [ -n "$PRELOAD" ]; then
			KILL_AFTER_ATTACH_PIDFILE=/run/libvirtd.pid LD_PRELOAD="$PRELOAD:$LD_PRELOAD" \
				"$SRIOVCTL" apply -f "$SPEC" >"$D/apply1.out" 2>"$D/apply1.err"
			echo $? >"$D/apply1.rc"
		else
			"$SRIOVCTL" apply -f "$SPEC" >"$D/apply1.out" 2>"$D/apply1.err" &
			apid=$!
			# the detach is the first action; the VFs take 3 s
			for _ in $(seq 100); do
				$V dumpxml --inactive MyGuest 2>/dev/null | grep -q "<interface" || break
				sleep 0.05
			done
			$V dumpxml --inactive MyGuest >"$D/my-at-kill.xml"
			kill -KILL "$pid0"
			wait "$apid"
			echo $? >"$D/apply1.rc"
		fi
		# dead: gone, a zombie, or its pid taken by another process
		echo alive >"$D/killed"
		for _ in $(seq 50); do
			now=$(cut -d")" -f2- "/proc/$pid0/stat" 2>/dev/null | awk "{ print \$1, \$20 }")
			if [ -z "$now" ] || [ "${now%% *}" = Z ] || [ "${now%% *}" = X ] || [ "${now#* }" != "$start0" ]; then
				echo dead >"$D/killed"
				break
			fi
			sleep 0.1
		done
		"$RUN" --restart-libvirtd 2>"$D/restart.err"
		echo $? >"$D/restart.rc"
		cat /run/libvirtd.pid >"$D/pid1"
		$V list --all --name >"$D/domains"
		$V dumpxml --inactive MyGuest >"$D/my1.xml"
		$V dumpxml --inactive Second >"$D/second1.xml"
		"$SRIOVCTL" apply -f "$SPEC" >"$D/apply2.out" 2>"$D/apply2.err"
		echo $? >"$D/apply2.rc"
		"$SRIOVCTL" plan -f "$SPEC" --detailed-exitcode >"$D/plan3.out" 2>&1
		echo $? >"$D/plan3.rc"
		$V dumpxml --inactive MyGuest >"$D/my2.xml"
		$V dumpxml --inactive Second >"$D/second2.xml"
	' bash "$dir" "$SPEC" "$RUN" "$preload" 2>"$dir/run.err"
}

# processes left by a run whose work dir was under $1 (a restarted libvirtd)
leftovers() {
	local p
	for p in /proc/[0-9]*; do
		if { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -q "^SIMHOST_WORKDIR=$1/"; then
			echo "${p#/proc/} $({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)"
		fi
	done
}

check_common() {
	local D=$1 what=$2 left
	sed 's/^/# /' "$D/run.err" "$D/apply1.out" "$D/apply1.err" "$D/restart.err"
	is 1 "$(cat "$D/apply1.rc")" "$what: apply exits 1"
	is dead "$(cat "$D/killed")" "$what: libvirtd was killed"
	has "lost the connection to libvirt at 'qemu\+unix:///system\?socket=/run/libvirt/libvirt-sock'" \
		"$D/apply1.err" "$what: the error names the lost connection and the URI"
	has "^sriovctl: error: guest 'Second': " "$D/apply1.err" "$what: Second's attach is reported as not done"
	is 0 "$(cat "$D/restart.rc")" "$what: libvirtd starts again (--restart-libvirtd)"
	printf 'MyGuest\nSecond\n' >"$D/want-domains"
	sed '/^$/d' "$D/domains" | sort >"$D/domains.s"
	same "$D/want-domains" "$D/domains.s" "$what: the restarted libvirtd has both guests"
	sed 's/^/# /' "$D/apply2.out" "$D/apply2.err"
	is 0 "$(cat "$D/apply2.rc")" "$what: re-run exits 0"
	is 0 "$(cat "$D/plan3.rc")" "$what: then the plan is empty (--detailed-exitcode 0)"
	devs "$D/my2.xml" >"$D/my2.devs"
	same "$T/want-my" "$D/my2.devs" "$what: MyGuest has VF 1 with VLAN 20, once"
	devs "$D/second2.xml" >"$D/second2.devs"
	same "$T/want-second" "$D/second2.devs" "$what: Second has VF 3"
	left=$(leftovers "$D/tmp")
	if [ -z "$left" ]; then ok "$what: the restarted libvirtd is stopped at exit"; else
		not_ok "$what: the restarted libvirtd is stopped at exit"
		echo "$left" | sed 's/^/#   /'
	fi
}

# the hook works only inside a simulated host with libvirt
env -u SIMHOST_WORKDIR -u SRIOVCTL_LIBVIRT_URI "$RUN" --restart-libvirtd 2>"$T/hook.err"
is 64 $? "--restart-libvirtd outside a simulated host is a usage error"

# ---- 1: killed while waiting for VFs ----
scenario "$T/wait"
devs "$T/wait/my-at-kill.xml" >"$T/wait/at-kill.devs"
same /dev/null "$T/wait/at-kill.devs" "waiting: the old interface was detached before the kill"
check_common "$T/wait" "waiting"
has "^sriovctl: error: guest 'MyGuest': cannot attach 0000:0b:10\.2: lost the connection" "$T/wait/apply1.err" \
	"waiting: MyGuest's attach meets the dead connection"
devs "$T/wait/my1.xml" >"$T/wait/my1.devs"
same /dev/null "$T/wait/my1.devs" "waiting: after the failed run MyGuest has no interface (the re-run attaches it)"

# ---- 2: killed after the first attach ----
if [ -f "$T/killafter.so" ]; then
	scenario "$T/after" "$T/killafter.so"
	check_common "$T/after" "after an attach"
	has "^sriovctl: error: guest 'Second': cannot attach 0000:0b:10\.6: lost the connection" "$T/after/apply1.err" \
		"after an attach: Second's attach meets the dead connection"
	lacks "guest 'MyGuest'" "$T/after/apply1.err" "after an attach: MyGuest's attach went through"
	devs "$T/after/my1.xml" >"$T/after/my1.devs"
	same "$T/want-my" "$T/after/my1.devs" "after an attach: MyGuest's new interface survived the restart"
	devs "$T/after/second1.xml" >"$T/after/second1.devs"
	same /dev/null "$T/after/second1.devs" "after an attach: Second has nothing yet"
else
	not_ok "the preloaded wrapper builds"
fi

echo "1..$n"

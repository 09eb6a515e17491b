#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/simhost/run itself: exit status, environment, the private
# libvirtd, cleanup on success, failure and Ctrl-C.
. "$(dirname "$0")/lib.sh"
need_shim

# processes whose environment names a work dir under $1
leftovers() {
	local p
	for p in /proc/[0-9]*; do
		[ "$p" = "/proc/$$" ] && continue
		if { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -q "^SIMHOST_WORKDIR=$1/"; then
			echo "${p#/proc/} $({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)"
		fi
	done
}

clean_after() {
	local dir=$1 name=$2 left
	left=$(leftovers "$dir")
	if [ -z "$left" ]; then ok "$name: no process left"; else
		not_ok "$name: no process left"
		echo "$left" | sed 's/^/#   /'
	fi
	if [ -z "$(ls -A "$dir")" ]; then ok "$name: no temporary file left"; else
		not_ok "$name: no temporary file left"
		ls -lA "$dir" | sed 's/^/#   /'
	fi
}

mkdir -p "$T/tmp1" "$T/tmp2" "$T/tmp3" "$T/tmp4"

# ---- exit status and environment ----
SIMHOST_NO_LIBVIRT=1 "$RUN" "$SEED" -- bash -c 'exit 3' 2>/dev/null
is 3 $? "exit status is the command's"
SIMHOST_NO_LIBVIRT=1 "$RUN" "$SEED" -- /nonexistent/command 2>/dev/null
is 127 $? "a missing command is 127"
SIMHOST_NO_LIBVIRT=1 "$RUN" "$SEED" 2>/dev/null
is 64 $? "no command is a usage error"

SIMHOST_NO_LIBVIRT=1 "$RUN" "$SEED" -- bash -c '
	echo "root: $SRIOVCTL_ROOT"
	echo "uri: ${SRIOVCTL_LIBVIRT_URI:-unset}"
	echo "preload: $LD_PRELOAD"
	echo "umockdev: $UMOCKDEV_DIR"
' >"$T/env.out" 2>"$T/env.err"
has '^root: /.+/root$' "$T/env.out" "SRIOVCTL_ROOT is exported"
has '^uri: unset$' "$T/env.out" "no libvirt URI without libvirtd"
has '^preload: /.*fakekernel.so:libumockdev-preload.so.0$' "$T/env.out" "the fake kernel is preloaded before umockdev"
has "warning: SIMHOST_NO_LIBVIRT" "$T/env.err" "a state with domains but no libvirtd warns"

# ---- cleanup after success and failure ----
TMPDIR="$T/tmp1" SIMHOST_NO_LIBVIRT=1 "$RUN" "$SEED" -- \
	bash -c 'echo 7 > /sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs' 2>/dev/null
clean_after "$T/tmp1" "success"
variant "$T/slow.yaml" "$SEED" 's["simulate"]["0000:0b:00.0"]["vf-delay-ms"] = 30000'
TMPDIR="$T/tmp2" SIMHOST_NO_LIBVIRT=1 "$RUN" "$T/slow.yaml" -- \
	bash -c 'echo 7 > /sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs; exit 1' 2>/dev/null
is 1 $? "failing command"
clean_after "$T/tmp2" "failure with a delayed VF worker pending"

# ---- the private libvirtd ----
if [ "$(id -u)" != 0 ] || ! command -v libvirtd >/dev/null; then
	skip "libvirtd with MyGuest" "needs root and libvirtd"
	skip "libvirt cleanup" "needs root and libvirtd"
else
	TMPDIR="$T/tmp3" "$RUN" "$SEED" -- bash -c '
		echo "uri: $SRIOVCTL_LIBVIRT_URI"
		virsh -c "$SRIOVCTL_LIBVIRT_URI" list --all --name | sed "/^$/d; s/^/domain: /"
		virsh -c "$SRIOVCTL_LIBVIRT_URI" domstate MyGuest | sed "/^$/d; s/^/state: /"
		echo "sys: $(ls /sys/bus/pci/devices | wc -l)"
	' >"$T/lv.out" 2>"$T/lv.err"
	is 0 $? "run with libvirtd exits 0"
	has '^uri: qemu\+unix:///system\?socket=/run/libvirt/libvirt-sock$' "$T/lv.out" "SRIOVCTL_LIBVIRT_URI"
	has '^domain: MyGuest$' "$T/lv.out" "MyGuest is defined"
	has '^state: shut off$' "$T/lv.out" "MyGuest is shut off"
	has '^sys: 2$' "$T/lv.out" "the testbed is there with libvirtd"
	clean_after "$T/tmp3" "libvirtd"
	if [ -z "$(virsh -c qemu:///system list --all --name 2>/dev/null | grep -x MyGuest)" ]; then
		ok "the real libvirt has no MyGuest"
	else
		not_ok "the real libvirt has no MyGuest"
	fi
	# a guest marked running: started, or defined with a warning
	variant "$T/running.yaml" "$SEED" 's["domains"][0]["running"] = True'
	SIMHOST_START_TIMEOUT=30 "$RUN" "$T/running.yaml" -- \
		virsh -c qemu:///system domstate MyGuest >"$T/run.out" 2>"$T/run.err"
	if grep -qx running "$T/run.out" ||
		{ grep -qx "shut off" "$T/run.out" && grep -q "could not be started" "$T/run.err"; }; then
		ok "a running guest is started, or stays defined with a warning ($(head -1 "$T/run.out"))"
	else
		not_ok "a running guest is started, or stays defined with a warning"
		sed 's/^/#   /' "$T/run.out" "$T/run.err"
	fi
fi

# ---- Ctrl-C ----
export TMPDIR="$T/tmp4"
setsid "$RUN" "$SEED" -- bash -c 'touch "$0/ready"; sleep 60' "$T" >/dev/null 2>&1 &
pid=$!
# bounded waits, generous: the first libvirtd start probes QEMU for seconds
for _ in $(seq 1200); do [ -e "$T/ready" ] && break; sleep 0.1; done
# the terminal's Ctrl-C: SIGINT to the whole foreground process group
kill -INT -- "-$pid"
# bounded, generous: under load libvirtd and QEMU take long to stop
for _ in $(seq 900); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
	not_ok "Ctrl-C stops run"
	kill -KILL -- "-$pid"
else
	ok "Ctrl-C stops run"
fi
wait "$pid"
is 130 $? "Ctrl-C exit status"
unset TMPDIR
clean_after "$T/tmp4" "Ctrl-C"

echo "1..$n"

#!/bin/bash
# SPDX-License-Identifier: MIT
# libvirt is asked only when its answer can matter. A file that names no
# guest is planned without libvirt (no worker, no connection); only a plan
# with a change that takes VFs away (a count change from a non-zero count,
# a rebind, a module reload) observes the host again with libvirt, so that
# a guest holding one of those VFs still blocks it. Counted with strace:
# connect(2) calls on libvirt's socket.
. "$(dirname "$0")/lib.sh"
need_shim
need_libvirt
if ! command -v strace >/dev/null; then
	skip "libvirt asked only when needed" "needs strace"
	echo "1..$n"
	exit 0
fi

STATE="$G/fixtures/five-vfs.state.yaml"
"$RUN" "$STATE" -- bash -c '
	T=$1 G=$2
	sock=${SRIOVCTL_LIBVIRT_URI#*socket=}
	# LeakSanitizer cannot run under ptrace: no leak check in the traced runs
	strace() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 command strace "$@"; }
	# connects FILE: the connect(2) calls of a traced run on the socket
	connects() { grep -c "connect(.*$sock" "$1"; }
	for c in plan apply; do
		strace -f -qq -e trace=connect -o "$T/$c.tr" "$SRIOVCTL" $c -v "$G/specs/five.yaml" \
			>"$T/$c.out" 2>"$T/$c.err"
		echo $? >"$T/$c.rc"
		connects "$T/$c.tr" >"$T/$c.n"
	done
	# a saved plan without guests or VFs taken away: applied without libvirt
	"$SRIOVCTL" plan -q -o "$T/saved.json" "$G/specs/five.yaml" >/dev/null 2>&1
	strace -f -qq -e trace=connect -o "$T/saved.tr" "$SRIOVCTL" apply --plan "$T/saved.json" \
		>"$T/saved.out" 2>"$T/saved.err"
	echo $? >"$T/saved.rc"
	connects "$T/saved.tr" >"$T/saved.n"
	strace -f -qq -e trace=connect -o "$T/shrink.tr" "$SRIOVCTL" plan -v --detailed-exitcode \
		"$G/specs/shrink.yaml" >"$T/shrink.out" 2>"$T/shrink.err"
	echo $? >"$T/shrink.rc"
	connects "$T/shrink.tr" >"$T/shrink.n"
	# a file with guests asks at once
	strace -f -qq -e trace=connect -o "$T/guests.tr" "$SRIOVCTL" plan "$G/specs/change.yaml" \
		>"$T/guests.out" 2>"$T/guests.err"
	connects "$T/guests.tr" >"$T/guests.n"
	# libvirtd gone: a file without guests and nothing taken away says nothing of it
	kill "$(cat /run/libvirtd.pid)"
	for _ in $(seq 50); do [ -S "$sock" ] || break; sleep 0.1; done
	"$SRIOVCTL" plan --detailed-exitcode "$G/specs/five.yaml" >"$T/down.out" 2>"$T/down.err"
	echo $? >"$T/down.rc"
	"$SRIOVCTL" plan --detailed-exitcode "$G/specs/shrink.yaml" >"$T/down-shrink.out" 2>"$T/down-shrink.err"
	echo $? >"$T/down-shrink.rc"
' bash "$T" "$G" 2>"$T/run.err"
is 0 $? "simulated host with libvirtd runs"
sed 's/^/# /' "$T/run.err"

for c in plan apply; do
	sed 's/^/# /' "$T/$c.err"
	is 0 "$(cat "$T/$c.rc")" "$c of a file without guests, nothing to change: exit 0"
	has "No changes" "$T/$c.out" "$c: ... no changes"
	is 0 "$(cat "$T/$c.n")" "$c: ... and libvirt is not contacted"
	has "observing the host \(libvirt not asked\)" "$T/$c.err" "$c -v: ... says it"
done

sed 's/^/# /' "$T/saved.err"
is 0 "$(cat "$T/saved.rc")" "apply --plan of such a saved plan: exit 0"
is 0 "$(cat "$T/saved.n")" "... and libvirt is not contacted"

sed 's/^/# /' "$T/shrink.out" "$T/shrink.err"
is 2 "$(cat "$T/shrink.rc")" "a shrink of held VFs in a file without guests: blocked (exit 2 from plan)"
has "^! blocked: 0000:0b:00\.0 num-vfs 5 -> 2 .*VF 0000:0b:10\.2 is used by guest MyGuest" "$T/shrink.out" \
	"... naming the guest that holds a VF"
has "a change takes VFs away: asking libvirt who uses them" "$T/shrink.err" "-v: the second observation is said"
check "... and libvirt was contacted ($(cat "$T/shrink.n") connects)" [ "$(cat "$T/shrink.n")" -ge 1 ]
check "a file with guests contacts libvirt ($(cat "$T/guests.n") connects)" [ "$(cat "$T/guests.n")" -ge 1 ]
sed 's/^/# /' "$T/down.err" "$T/down-shrink.err"
is 0 "$(cat "$T/down.rc")" "libvirtd stopped, no guests, nothing taken away: exit 0"
is "" "$(cat "$T/down.err")" "... and not a word about libvirt"
has "warning: set-num-vfs 0000:0b:00\.0: cannot tell whether a guest uses the VFs this plan removes: libvirt was not observed \(cannot connect to libvirt" \
	"$T/down-shrink.err" "libvirtd stopped, a shrink: the warning that nobody guards the VFs"
is 2 "$(cat "$T/down-shrink.rc")" "... and the change is planned (exit 2)"

echo "1..$n"

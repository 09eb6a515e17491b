# SPDX-License-Identifier: MIT
# Shared by tests/apply/*.t: TAP helpers and the simulated hosts they apply to.
# shellcheck shell=bash
set -u
# TAP helpers (ok, not_ok, skip, check, is, has, lacks), $T and the harness
. "$(dirname "${BASH_SOURCE[0]}")/../simhost/lib.sh"
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
MKHOST="$TOP/tests/apply/mkhost.py"
export SRIOVCTL TOP B PYTHON

need_shim() {
	if [ ! -f "$SIMHOST_SHIM" ] || [ ! -x "$SRIOVCTL" ]; then
		echo "1..0 # SKIP no fake kernel or sriovctl (make tests)"
		exit 0
	fi
}

# need_root_strace COUNT NAME: skip the script's COUNT tests unless root
# (a private libvirtd) with strace
need_root_strace() {
	if [ "$(id -u)" != 0 ] || ! command -v strace >/dev/null; then
		skip_all "$1" "$2" "needs root (private libvirtd) and strace"
	fi
}
# STRACE: the tracer of runs whose writes are checked (LeakSanitizer
# cannot run under ptrace: no leak check in the traced runs)
STRACE="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=%file,%desc"

# mkhost ARGS...: tests/apply/mkhost.py (a host-state with N PFs)
mkhost() { "$PYTHON" "$MKHOST" "$@"; }

# sim STATE SCRIPT [ARGS]: run a bash script on the simulated host built from
# STATE (no libvirtd), with $SC as sriovctl and $T as this test's directory.
sim() {
	local state=$1 script=$2
	shift 2
	SIMHOST_NO_LIBVIRT=1 "$RUN" "$state" -- env SC="$SRIOVCTL" T="$T" \
		SRIOVCTL_LIBVIRT_URI=test:///default \
		bash -c "set -u; $script" sim "$@"
}

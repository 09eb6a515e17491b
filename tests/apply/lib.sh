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

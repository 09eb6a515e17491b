# SPDX-License-Identifier: MIT
# Shared by tests/apply/*.t: TAP helpers and the simulated hosts they apply to.
# shellcheck shell=bash
set -u
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
B=${B:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
export SIMHOST_SHIM=${SIMHOST_SHIM:-$TOP/$B/tests/simhost/fakekernel.so}
RUN="$TOP/tests/simhost/run"
MKHOST="$TOP/tests/apply/mkhost.py"
export SRIOVCTL TOP B PYTHON

T=$(mktemp -d "${TMPDIR:-/tmp}/apply-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }

# check NAME COMMAND...: one test, passing when COMMAND succeeds
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# is EXPECTED ACTUAL NAME
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		echo "#   expected: '$1'"
		echo "#   got:      '$2'"
	fi
}

# has PATTERN FILE NAME: a line of FILE matches the extended regexp
has() {
	if grep -qE -- "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3"
		echo "#   no line matching '$1' in:"
		sed 's/^/#     /' "$2" | head -n 40
	fi
}

lacks() {
	if ! grep -qE -- "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3"
		echo "#   unexpected line matching '$1':"
		grep -E -- "$1" "$2" | sed 's/^/#     /' | head -n 10
	fi
}

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

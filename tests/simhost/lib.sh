# SPDX-License-Identifier: MIT
# Shared by tests/simhost/*.t: TAP output, the probes, fixtures.
# shellcheck shell=bash

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
B=${B:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
export SIMHOST_SHIM=${SIMHOST_SHIM:-$TOP/$B/tests/simhost/fakekernel.so}
RUN="$TOP/tests/simhost/run"
FIX="$TOP/tests/simhost/fixtures"
SEED="$FIX/seed-82576.state.yaml"

T=$(mktemp -d "${TMPDIR:-/tmp}/simhost-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

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
		sed 's/^/#     /' "$2" | head -n 30
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

# Build a probe from tests/simhost/probes/NAME.c into $T/NAME.
probe() {
	local name=$1 pkgs=$2
	# shellcheck disable=SC2046
	cc -O1 -g -Wall -Wextra -o "$T/$name" "$TOP/tests/simhost/probes/$name.c" \
		$(pkg-config --cflags --libs "$pkgs") 2>"$T/$name.cc.log"
}

# A fixture variant: STATE with a Python expression applied to `s`.
variant() {
	local out=$1 from=$2 expr=$3
	$PYTHON - "$from" "$out" "$expr" <<-'EOF'
		import sys, yaml
		s = yaml.safe_load(open(sys.argv[1]))
		exec(sys.argv[3])
		yaml.safe_dump(s, open(sys.argv[2], "w"), sort_keys=False)
	EOF
}

need_shim() {
	if [ ! -f "$SIMHOST_SHIM" ]; then
		echo "1..0 # SKIP no fake kernel at $SIMHOST_SHIM (make tests)"
		exit 0
	fi
}

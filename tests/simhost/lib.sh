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
. "$TOP/tests/lib/tap.sh"

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

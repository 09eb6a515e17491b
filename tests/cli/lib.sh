# SPDX-License-Identifier: MIT
# Shared by tests/cli/*.t: TAP helpers, $T, sriovctl, the seed files.
# shellcheck shell=bash
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../simhost/lib.sh"
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
SEED_SPEC=$TOP/examples/seed-82576.yaml
SEED_HOST=$TOP/examples/hosts/seed-82576.state.yaml

# sc ARGS...: sriovctl with stdout in $T/out, stderr in $T/err, status in $rc
sc() {
	"$SRIOVCTL" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# usage NAME ARGS...: a usage error (exit 64) with one line on stderr
usage() {
	local name=$1
	shift
	sc "$@"
	if [ "$rc" = 64 ] && [ "$(wc -l <"$T/err")" = 1 ]; then
		ok "$name"
	else
		fail "$name" "exit $rc, stderr:" "$(cat "$T/err")"
	fi
}

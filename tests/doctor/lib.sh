# SPDX-License-Identifier: MIT
# Shared by tests/doctor/*.t: TAP helpers, $T, sriovctl, the fixtures.
# shellcheck shell=bash
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../simhost/lib.sh"
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
D=$TOP/tests/doctor

# doc ARGS...: sriovctl doctor with stdout in $T/out, stderr in $T/err, status in $rc
doc() {
	"$SRIOVCTL" doctor "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# line NAME: the text line of check NAME in $T/out
line() { grep -F -- " $1: " "$T/out" | head -n 1; }

# status NAME: ok, warn or fail of check NAME in $T/out ("" when absent)
status() { line "$1" | cut -d' ' -f1; }

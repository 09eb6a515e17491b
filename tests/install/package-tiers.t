#!/bin/bash
# SPDX-License-Identifier: MIT
# What a package build relies on: `make check NODEPS=1` installs nothing
# (build-aux/deps.sh is not run), and TESTS / SRIOVCTL_TESTS runs only
# the tests whose path starts with one of the prefixes given.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/tap.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$TOP" || exit 1
echo "1..5"

# (make hands its command line's variables down: a package build's NODEPS=1 too)
mk() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u NODEPS -u TESTS make --no-print-directory "$@"; }
mk -n check >"$T/deps" 2>&1
has 'build-aux/deps\.sh' "$T/deps" "make check runs build-aux/deps.sh"
mk -n check NODEPS=1 >"$T/nodeps" 2>&1
lacks 'build-aux/deps\.sh' "$T/nodeps" "make check NODEPS=1 does not"
has 'SRIOVCTL_TESTS="build/tests/ tests/plan/"' <(mk -n check NODEPS=1 TESTS="build/tests/ tests/plan/" 2>&1) \
	"make check TESTS=... hands the prefixes to the runner"

# a tree of four tests, two of them selected by prefix
for t in tests/a/one.t tests/b/two.t tests/bb/three.t; do
	mkdir -p "$T/tree/${t%/*}"
	printf '#!/bin/sh\necho 1..1\necho "ok 1 - %s"\n' "$t" >"$T/tree/$t"
	chmod +x "$T/tree/$t"
done
mkdir -p "$T/tree/build/tests"
printf '#!/bin/sh\necho 1..1\necho "ok 1 - unit"\n' >"$T/tree/build/tests/test_unit"
chmod +x "$T/tree/build/tests/test_unit"
SRIOVCTL_TEST_TOP="$T/tree" B=build SRIOVCTL_TESTS="build/tests/ tests/b/" \
	"$TOP/tests/run-tests.sh" -j 2 >"$T/out" 2>&1
sed 's/^/# /' "$T/out"
has '^2 passed, 0 failed, 0 skipped$' "$T/out" "SRIOVCTL_TESTS=\"build/tests/ tests/b/\" runs two tests"
is "build/tests/test_unit tests/b/two.t" "$(grep -oE '^(build|tests)/[^ ]+' "$T/out" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"the unit test and tests/b/ only (a prefix, so not tests/bb/)"

#!/bin/bash
# SPDX-License-Identifier: MIT
# The test runner itself: a test that stops before its plan is done, prints
# no plan, exits non-zero after only "ok" lines or runs no test fails the
# run; a whole run of good tests passes; the closing line counts them.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$TOP/tests/lib/tap.sh"

mk() { # NAME BODY
	mkdir -p "$T/$3/tests/a"
	printf '#!/bin/sh\n%s\n' "$2" >"$T/$3/tests/a/$1.t"
	chmod +x "$T/$3/tests/a/$1.t"
}
run() { # TREE -> output in $T/TREE.out, status in $T/TREE.rc
	SRIOVCTL_TEST_TOP="$T/$1" B=build "$TOP/tests/run-tests.sh" -j 2 >"$T/$1.out" 2>&1
	echo $? >"$T/$1.rc"
}

mk good 'echo 1..2; echo "ok 1 - a"; echo "ok 2 - b"' good
mk good2 'echo "ok 1 - a"; echo 1..1' good
run good
mk short 'echo 1..3; echo "ok 1 - only the first"' short
mk good 'echo 1..1; echo "ok 1 - a"' short
run short
mk noplan 'echo "ok 1 - a"' noplan
run noplan
mk dies 'echo 1..1; echo "ok 1 - a"; exit 3' dies
run dies
mk none 'echo "nothing"' none
run none
mk todo 'echo 1..2; echo "ok 1 - a"; echo "not ok 2 - b # TODO a known defect"' todo
run todo
echo "1..10"
sed 's/^/# good: /' "$T/good.out"
[ "$(cat "$T/good.rc")" = 0 ] && ok "good tests pass" || not_ok "good tests pass"
grep -q '^3 passed, 0 failed, 0 skipped$' "$T/good.out" && ok "closing line counts them" ||
	not_ok "closing line counts them"
sed 's/^/# short: /' "$T/short.out"
[ "$(cat "$T/short.rc")" = 1 ] && ok "a plan of 3 with 1 ok fails the run" ||
	not_ok "a plan of 3 with 1 ok fails the run"
grep -q '^2 passed, 1 failed, 0 skipped$' "$T/short.out" && ok "the short test counts as failed" ||
	not_ok "the short test counts as failed"
grep -q 'Bad plan' "$T/short.out" && ok "the failure says the plan was not met" ||
	not_ok "the failure says the plan was not met"
[ "$(cat "$T/noplan.rc")" = 1 ] && ok "no plan fails the run" || not_ok "no plan fails the run"
[ "$(cat "$T/dies.rc")" = 1 ] && ok "a non-zero exit after ok lines fails the run" ||
	not_ok "a non-zero exit after ok lines fails the run"
[ "$(cat "$T/none.rc")" = 1 ] && ok "a test that runs no test fails the run" ||
	not_ok "a test that runs no test fails the run"
[ "$(cat "$T/todo.rc")" = 0 ] && ok "a known defect (TODO) does not fail the run" ||
	not_ok "a known defect (TODO) does not fail the run"
grep -q '^known defect (TODO): tests/a/todo.t: not ok 2 - b # TODO a known defect$' "$T/todo.out" &&
	grep -q '^1 passed, 0 failed, 0 skipped$' "$T/todo.out" &&
	ok "it is listed, and counted neither passed nor failed" ||
	not_ok "it is listed, and counted neither passed nor failed"

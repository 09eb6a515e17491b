#!/bin/bash
# The loader under valgrind on every example and fixture: no invalid access,
# no use of uninitialised memory, no leak, on the success and error paths.
set -u
cd "$TOP" || exit 1
if ! command -v valgrind >/dev/null; then
	echo "ok 1 - valgrind # SKIP valgrind is not installed"
	exit 0
fi
n=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for f in examples/*.yaml tests/spec/invalid/*.yaml tests/spec/invalid-semantic/*.yaml \
	tests/spec/missing-file.yaml tests/spec; do
	case $f in examples/*) want=0 ;; *) want=65 ;; esac
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
		"$SRIOVCTL" validate "$f" >/dev/null 2>"$log"
	rc=$?
	n=$((n + 1))
	if [ "$rc" = "$want" ]; then
		echo "ok $n - valgrind: validate $f"
	else
		echo "not ok $n - valgrind: validate $f (exit $rc, expected $want)"
		grep '^==' "$log" | head -n 40 | sed 's/^/# /'
	fi
done
echo "1..$n"

#!/bin/bash
# The loader on every example and fixture under a memory checker: no
# invalid access, no use of uninitialised memory, no leak, on the success
# and the error paths. valgrind checks the plain build; a binary built
# with AddressSanitizer (which valgrind cannot run) checks itself, with
# LeakSanitizer on.
set -u
cd "$TOP" || exit 1
# under make check VALGRIND=1 $SRIOVCTL is already a valgrind wrapper: check the binary
SRIOVCTL=${SRIOVCTL_REAL:-$SRIOVCTL}
if [ "${SANITIZE:-0}" = 1 ] || ldd "$SRIOVCTL" 2>/dev/null | grep -q libasan; then
	checker=asan
	export ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1:exitcode=99
	run() { "$SRIOVCTL" validate "$1"; }
elif command -v valgrind >/dev/null; then
	checker=valgrind
	run() {
		valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect,possible \
			"$SRIOVCTL" validate "$1"
	}
else
	echo "ok 1 - valgrind # SKIP valgrind is not installed"
	exit 0
fi
n=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for f in examples/*.yaml tests/spec/invalid/*.yaml tests/spec/invalid-semantic/*.yaml \
	tests/spec/missing-file.yaml tests/spec; do
	case $f in examples/*) want=0 ;; *) want=65 ;; esac
	run "$f" >/dev/null 2>"$log"
	rc=$?
	n=$((n + 1))
	if [ "$rc" = "$want" ]; then
		echo "ok $n - $checker: validate $f"
	else
		echo "not ok $n - $checker: validate $f (exit $rc, expected $want)"
		grep -v ': error: ' "$log" | head -n 40 | sed 's/^/# /'
	fi
done
echo "1..$n"

#!/bin/bash
# TAP wrapper for the real-kernel tier (tests/vm/run) in `make check`:
# relays its TAP, or prints one skipped test with the reason when QEMU, an
# installed kernel with its modules, a static busybox or the binary is
# missing.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
export TOP B

skip_all() {
	echo "ok 1 - real-kernel VM tier # SKIP $*"
	echo "1..1"
	exit 0
}

command -v "${SRIOVCTL_VM_QEMU:-qemu-system-x86_64}" >/dev/null ||
	skip_all "qemu-system-x86_64 not installed (qemu-system-x86)"
compgen -G '/boot/vmlinuz-*' >/dev/null ||
	skip_all "no kernel in /boot/vmlinuz-* (linux-image-amd64)"
command -v busybox >/dev/null || skip_all "busybox not installed (busybox-static)"

err=$(mktemp)
trap 'rm -f "$err"' EXIT
"$TOP/tests/vm/run" 2>"$err"
rc=$?
cat "$err" >&2
case $rc in
0) ;;
77) skip_all "$(sed -n 's/^run: //p' "$err" | tail -n 1)" ;;
*) exit "$rc" ;;
esac

#!/bin/bash
# SPDX-License-Identifier: MIT
# The progress line while VFs appear: on a TTY (a pseudo-terminal from
# script(1)) `0000:0b:00.0: 0/7 VFs`, rewritten in place (\r, erase line)
# and erased once they are there; nothing when stderr is not a TTY, nothing
# with -q. The simulated PF's VFs appear 1.5 s after the write (all at once:
# the fake kernel has no per-VF pace).
. "$(dirname "$0")/lib.sh"
need_shim
echo "1..5"
if ! command -v script >/dev/null; then
	for i in $(seq 5); do echo "ok $i - progress # SKIP needs script (util-linux)"; done
	exit 0
fi
variant "$T/host.yaml" "$SEED" 's["simulate"]["0000:0b:00.0"]["vf-delay-ms"] = 1500'
cat >"$T/desired.yaml" <<'YAML'
version: 1
pfs:
  - pci: "0000:0b:00.0"
    num-vfs: 7
YAML
# one simulated host per run: each starts from no VFs
apply() {
	SIMHOST_NO_LIBVIRT=1 "$RUN" "$T/host.yaml" -- env SRIOVCTL_LIBVIRT_URI=test:///default \
		bash -c "$1" 2>&1
}
apply "script -qfec '$SRIOVCTL apply -f $T/desired.yaml' /dev/null" >"$T/tty"
apply "script -qfec '$SRIOVCTL apply -q -f $T/desired.yaml' /dev/null" >"$T/tty-q"
apply "$SRIOVCTL apply -f $T/desired.yaml 2>$T/pipe.err; echo rc=\$?" >"$T/pipe"
sed -n l "$T/tty" | sed 's/^/# tty: /'
has '0000:0b:00\.0: 0/7 VFs' "$T/tty" "on a TTY: '0000:0b:00.0: 0/7 VFs' while the VFs appear"
if grep -q $'\r\e\\[K0000:0b:00.0: 0/7 VFs\r\e\\[K' "$T/tty"; then
	ok "the line is written in place and erased once the VFs are there"
else
	not_ok "the line is written in place and erased once the VFs are there"
fi
has 'Applied 1 change' "$T/tty" "the apply itself went through"
lacks 'VFs' "$T/tty-q" "-q: no progress line on a TTY"
if grep -q '^rc=0$' "$T/pipe" && ! grep -q 'VFs' "$T/pipe.err" && ! grep -q $'\e' "$T/pipe.err"; then
	ok "not a TTY: no progress line, no escape sequences"
else
	fail "not a TTY: no progress line, no escape sequences" "$(cat "$T/pipe" "$T/pipe.err")"
fi

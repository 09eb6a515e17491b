#!/bin/bash
# SPDX-License-Identifier: MIT
# --wait-pfs: at boot a PF's driver may still be probing. On the simulated
# host PF 0000:0b:00.1 has no driver; igb binds it 2 s after apply starts
# (drivers/igb/bind, as a late probe would). apply --wait-pfs waits for it,
# then applies; without
# the wait, or when the PF never comes within the bound, the plan fails
# naming the PF, after a warning that says what was missing.
. "$(dirname "$0")/lib.sh"
need_shim
echo "1..7"
variant "$T/host.yaml" "$FIX/vfs-2.state.yaml" '
s["simulate"]["0000:0b:00.1"] = {"vf-driver": "igbvf"}
s["pci"][1]["interfaces"] = []'
cat >"$T/desired.yaml" <<'YAML'
version: 1
pfs:
  - pci: "0000:0b:00.1"
    num-vfs: 3
YAML
# run SCRIPT: on a fresh simulated host; "late_bind" binds igb to the PF in 2 s
run() {
	SIMHOST_NO_LIBVIRT=1 "$RUN" "$T/host.yaml" -- env SC="$SRIOVCTL" T="$T" \
		SRIOVCTL_LIBVIRT_URI=test:///default bash -c '
		late_bind() { (sleep 2; echo 0000:0b:00.1 >/sys/bus/pci/drivers/igb/bind) & }
		'"$1" 2>&1
}
run 'late_bind; s=$(date +%s.%N); $SC apply --wait-pfs 30 -f $T/desired.yaml >$T/w.out 2>&1; echo "rc=$?";
	echo "waited=$(awk -v s=$s -v e=$(date +%s.%N) "BEGIN { print e - s }")"; cat /sys/bus/pci/devices/0000:0b:00.1/sriov_numvfs' >"$T/wait"
run 'late_bind; $SC apply -f $T/desired.yaml >$T/nw.out 2>&1; echo "rc=$?"' >"$T/nowait"
run '$SC apply --wait-pfs 1 -f $T/desired.yaml >$T/never.out 2>&1; echo "rc=$?"' >"$T/never"
sed 's/^/# wait: /' "$T/wait" "$T/w.out"
sed 's/^/# never: /' "$T/never" "$T/never.out"
has '^rc=0$' "$T/wait" "--wait-pfs 30: apply succeeds once the PF's driver is bound"
waited=$(sed -n 's/^waited=//p' "$T/wait")
if [ -n "$waited" ] && awk -v w="$waited" 'BEGIN { exit !(w >= 1.9 && w < 20) }'; then
	ok "it waited for the bind (${waited} s), not for the whole bound"
else
	not_ok "it waited for the bind (${waited:-?} s), not for the whole bound"
fi
has '^3$' "$T/wait" "the late PF got its 3 VFs"
has '^rc=1$' "$T/nowait" "without --wait-pfs the same boot fails (the PF has no driver yet)"
has '^rc=1$' "$T/never" "--wait-pfs 1 and a PF that never binds: apply fails"
has "^sriovctl: warning: PF '0000:0b:00.1' is not ready after waiting 1 s: no driver bound$" "$T/never.out" \
	"a warning names the PF and what was missing"
has "desired.yaml:[0-9]+:[0-9]+: error: .*0000:0b:00.1" "$T/never.out" \
	"then the plan's error names the PF with its place in the file"

#!/bin/bash
# SPDX-License-Identifier: MIT
# --only and --scope through the CLI on the simulated host (no libvirt):
# a PF the file does not name gets nothing (exit 0, a note), an unknown one
# is an error; two --only runs at once (one per PF, as two udev events)
# serialize on the lock and both converge; --scope host blocks taking away
# a VF bound to vfio-pci (exit 3, nothing written) unless --force.
. "$(dirname "$0")/lib.sh"
need_shim
echo "1..10"
variant "$T/seed.yaml" "$SEED" '
for a in ("0000:0b:00.0", "0000:0b:00.1"):
    s["simulate"][a]["vf-delay-ms"] = 1500'
cat >"$T/one.yaml" <<'YAML'
version: 1
pfs:
  - interface: enp11s0f0
    num-vfs: 2
YAML
cat >"$T/two.yaml" <<'YAML'
version: 1
pfs:
  - pci: "0000:0b:00.0"
    num-vfs: 2
  - pci: "0000:0b:00.1"
    num-vfs: 3
YAML
sim() {
	SIMHOST_NO_LIBVIRT=1 "$RUN" "$1" -- env SC="$SRIOVCTL" T="$T" \
		SRIOVCTL_LIBVIRT_URI=test:///default bash -c "$2" 2>&1
}
sim "$T/seed.yaml" '
	$SC apply -f $T/one.yaml --only 0000:0b:00.1 >$T/other.out 2>&1; echo "other: rc=$?"
	$SC apply -f $T/one.yaml --only eth9 >$T/unknown.out 2>&1; echo "unknown: rc=$?"
	s=$(date +%s.%N)
	$SC apply -f $T/two.yaml --only 0000:0b:00.0 >$T/a.out 2>&1 & a=$!
	$SC apply -f $T/two.yaml --only 0000:0b:00.1 >$T/b.out 2>&1 & b=$!
	wait $a; echo "a: rc=$?"; wait $b; echo "b: rc=$?"
	echo "both took $(awk -v s=$s -v e=$(date +%s.%N) "BEGIN { print e - s }")"
	for p in 0000:0b:00.0 0000:0b:00.1; do echo "$p: $(cat /sys/bus/pci/devices/$p/sriov_numvfs)"; done
	$SC plan -f $T/two.yaml --detailed-exitcode >/dev/null 2>&1; echo "plan: rc=$?"
' >"$T/log"
sed 's/^/# /' "$T/log" "$T/other.out" "$T/unknown.out"
has '^other: rc=0$' "$T/log" "--only a PF the file does not name: exit 0"
has "^sriovctl: note: --only 0000:0b:00.1: .* does not name this PF" "$T/other.out" "... with a note saying so"
has '^unknown: rc=1$' "$T/log" "--only an unknown PF: exit 1"
has "error: --only 'eth9': no SR-IOV PF" "$T/unknown.out" "... naming it"
has '^a: rc=0$' "$T/log" "two --only runs at once: the first succeeds"
has '^b: rc=0$' "$T/log" "... and so does the second"
took=$(sed -n 's/^both took //p' "$T/log")
if [ -n "$took" ] && awk -v t="$took" 'BEGIN { exit !(t >= 3.0) }'; then
	ok "they ran one after the other on the lock (${took} s for two 1.5 s PFs)"
else
	not_ok "they ran one after the other on the lock (${took:-?} s for two 1.5 s PFs)"
fi
has '^plan: rc=0$' "$T/log" "... and together converged the host (2 and 3 VFs)"

# vfs-2: VF 1 of 0000:0b:00.0 is bound to vfio-pci; 2 -> 3 VFs re-creates it
variant "$T/vfs.yaml" "$FIX/vfs-2.state.yaml" 's["simulate"]["0000:0b:00.0"]["fail"] = {}'
cat >"$T/grow.yaml" <<'YAML'
version: 1
pfs:
  - pci: "0000:0b:00.0"
    num-vfs: 3
YAML
sim "$T/vfs.yaml" '
	$SC apply -f $T/grow.yaml --scope host >$T/host.out 2>&1; echo "host: rc=$? numvfs=$(cat /sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs)"
	$SC apply -f $T/grow.yaml --scope host --force >$T/force.out 2>&1; echo "force: rc=$? numvfs=$(cat /sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs)"
' >"$T/log2"
sed 's/^/# /' "$T/log2" "$T/host.out"
has '^host: rc=3 numvfs=2$' "$T/log2" "--scope host: re-creating a vfio-pci VF is blocked (exit 3, nothing written)"
has '^force: rc=0 numvfs=3$' "$T/log2" "--scope host --force: it goes ahead"

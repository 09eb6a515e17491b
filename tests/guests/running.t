#!/bin/bash
# SPDX-License-Identifier: MIT
# A running guest (QEMU started by the simulated host's libvirtd, KVM or
# TCG): the seed's attach updates the persistent definition, and the live
# part, which this kind of host refuses (no PCI passthrough: no IOMMU, no
# real device), is a clear per-guest error with libvirt's reason, exit 1.
# Nothing is rolled back: a re-run plans only the live part and leaves the
# persistent XML as it is. A detach from the running guest's persistent
# definition works.
. "$(dirname "$0")/lib.sh"
need_shim
need_libvirt

variant "$T/running.yaml" "$TOP/examples/hosts/seed-82576.state.yaml" 's["domains"][0]["running"] = True'
SEED="$TOP/examples/seed-82576.yaml"

SIMHOST_START_TIMEOUT=120 "$RUN" "$T/running.yaml" -- bash -c '
	T=$1 SEED=$2 PRUNED=$3
	V="virsh -q -c $SRIOVCTL_LIBVIRT_URI"
	$V domstate MyGuest >"$T/state0"
	{ $V qemu-monitor-command MyGuest --hmp "info kvm"; } >"$T/accel" 2>&1
	"$SRIOVCTL" apply -f "$SEED" >"$T/apply1.out" 2>"$T/apply1.err"
	echo $? >"$T/apply1.rc"
	$V dumpxml --inactive MyGuest >"$T/pers1.xml"
	$V dumpxml MyGuest >"$T/live1.xml"
	"$SRIOVCTL" qemu-args MyGuest >"$T/qemu-live.out" 2>&1
	echo $? >"$T/qemu-live.rc"
	"$SRIOVCTL" plan -f "$SEED" >"$T/plan2.out" 2>&1
	"$SRIOVCTL" apply -f "$SEED" >"$T/apply2.out" 2>"$T/apply2.err"
	echo $? >"$T/apply2.rc"
	$V dumpxml --inactive MyGuest >"$T/pers2.xml"
	"$SRIOVCTL" apply -f "$PRUNED" >"$T/apply3.out" 2>"$T/apply3.err"
	echo $? >"$T/apply3.rc"
	$V dumpxml --inactive MyGuest >"$T/pers3.xml"
	$V domstate MyGuest >"$T/state3"
' bash "$T" "$SEED" "$G/specs/seed-pruned.yaml" 2>"$T/run.err"
is 0 $? "simulated host with libvirtd runs"
sed 's/^/# /' "$T/run.err" "$T/accel"

if [ "$(sed '/^$/d' "$T/state0")" = running ]; then
	ok "MyGuest runs ($(grep -o 'kvm support: .*' "$T/accel" || echo 'accelerator unknown'))"
else
	# the live path needs a running QEMU; without one there is nothing live to test
	not_ok "MyGuest runs (QEMU could not start it here: see the harness warning above)"
fi

sed 's/^/# /' "$T/apply1.out" "$T/apply1.err"
is 1 "$(cat "$T/apply1.rc")" "apply exits 1 when the live attach is refused"
has "^sriovctl: error: guest 'MyGuest': cannot attach 0000:0b:10\.0 to the running guest \(its persistent definition has it now, the guest gets it at its next start\): .+" \
	"$T/apply1.err" "a clear per-guest error for the live part, with libvirt's reason"
has "passthrough|PCI|IOMMU|vfio" "$T/apply1.err" "libvirt's reason is the host's lack of PCI passthrough"
devs "$T/pers1.xml" >"$T/pers1.devs"
echo "interface 0000:0b:10.0 managed=yes mac=52:54:00:6d:90:02 vlan=42 virtualport=802.1Qbh/finance" >"$T/want"
same "$T/want" "$T/pers1.devs" "the persistent definition has the seed's interface"
devs "$T/live1.xml" >"$T/live1.devs"
same /dev/null "$T/live1.devs" "the running guest has no device libvirt refused"

is 0 "$(cat "$T/qemu-live.rc")" "qemu-args on the running guest exits 0"
is "" "$(cat "$T/qemu-live.out")" "qemu-args on the running guest reads its live definition (no device there)"

sed 's/^/# /' "$T/plan2.out"
has '^\+ attach 0000:0b:10\.0 to MyGuest .*\[live\]$' "$T/plan2.out" "re-plan: only the live part is left"
has '^Plan: 1 to change, 0 blocked\.$' "$T/plan2.out" "re-plan: one change"
is 1 "$(cat "$T/apply2.rc")" "re-apply: the live part fails again, exit 1"
lacks 'persistent definition\)' "$T/apply2.err" "re-apply: no error about the persistent definition"
same "$T/pers1.xml" "$T/pers2.xml" "re-apply leaves the persistent XML byte for byte (no second copy)"

sed 's/^/# /' "$T/apply3.out" "$T/apply3.err"
has '^- detach 0000:0b:10\.0 from MyGuest .*\[config\]$' "$T/apply3.out" "prune on the running guest: a --config detach"
is 0 "$(cat "$T/apply3.rc")" "prune on the running guest exits 0"
devs "$T/pers3.xml" >"$T/pers3.devs"
same /dev/null "$T/pers3.devs" "the persistent definition no longer has the VF"
is running "$(sed '/^$/d' "$T/state3")" "the guest still runs"

echo "1..$n"

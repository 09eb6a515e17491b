#!/bin/bash
# SPDX-License-Identifier: MIT
# Guests keep their VFs: a VF count change that would destroy VFs that
# guests hold is blocked (exit 3, nothing applied, no guest touched);
# --force applies it with a loud warning on stderr, and still touches no
# guest the file does not name. Two guests asking for one VF are rejected
# at validation (exit 65), before anything is observed or applied.
. "$(dirname "$0")/lib.sh"
need_shim
need_libvirt

STATE="$G/fixtures/five-vfs.state.yaml"

"$SRIOVCTL" validate "$G/specs/one-vf-two-guests.yaml" >"$T/val.out" 2>"$T/val.err"
is 65 $? "validate: one VF for two guests is invalid (65)"
has "one-vf-two-guests\.yaml:[0-9]+:[0-9]+: error: .*given to two guests: 'MyGuest' \(line [0-9]+\) and 'Other'" \
	"$T/val.err" "validate: the error names both guests with its place"

"$RUN" "$STATE" -- bash -c '
	T=$1 G=$2
	V="virsh -q -c $SRIOVCTL_LIBVIRT_URI"
	nv=/sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs
	$V dumpxml --inactive MyGuest >"$T/my0.xml"
	$V dumpxml --inactive Other >"$T/other0.xml"
	"$SRIOVCTL" apply -f "$G/specs/one-vf-two-guests.yaml" >"$T/two.out" 2>"$T/two.err"
	echo $? >"$T/two.rc"
	"$SRIOVCTL" apply -f "$G/specs/shrink.yaml" >"$T/blocked.out" 2>"$T/blocked.err"
	echo $? >"$T/blocked.rc"
	cat $nv >"$T/numvfs1"
	"$SRIOVCTL" apply --force -f "$G/specs/shrink.yaml" >"$T/forced.out" 2>"$T/forced.err"
	echo $? >"$T/forced.rc"
	cat $nv >"$T/numvfs2"
	$V dumpxml --inactive MyGuest >"$T/my2.xml"
	$V dumpxml --inactive Other >"$T/other2.xml"
	"$SRIOVCTL" plan -f "$G/specs/shrink.yaml" --detailed-exitcode >"$T/plan3.out" 2>&1
	echo $? >"$T/plan3.rc"
' bash "$T" "$G" 2>"$T/run.err"
is 0 $? "simulated host with libvirtd runs"
sed 's/^/# /' "$T/run.err" "$T/two.err"

is 65 "$(cat "$T/two.rc")" "apply: one VF for two guests is refused (65)"
is "" "$(cat "$T/two.out")" "apply: ... and plans nothing"

sed 's/^/# /' "$T/blocked.out" "$T/blocked.err"
is 3 "$(cat "$T/blocked.rc")" "a shrink that destroys held VFs is blocked (exit 3)"
has "^! blocked: 0000:0b:00\.0 num-vfs 5 -> 2 .*VF 0000:0b:10\.6 is used by guest Other" "$T/blocked.out" "the plan says which guest holds which VF"
is 5 "$(cat "$T/numvfs1")" "blocked: the VFs are still there"

sed 's/^/# /' "$T/forced.out" "$T/forced.err"
is 0 "$(cat "$T/forced.rc")" "--force applies it (exit 0)"
has "warning: --force: set-num-vfs 0000:0b:00\.0 goes ahead although VF 0000:0b:10\.2 is used by guest MyGuest.*VF 0000:0b:10\.6 is used by guest Other" \
	"$T/forced.err" "--force: a warning on stderr names every guest that loses a VF"
is 2 "$(cat "$T/numvfs2")" "--force: 2 VFs now"
same "$T/my0.xml" "$T/my2.xml" "no guest is touched: MyGuest's XML is byte for byte the same"
same "$T/other0.xml" "$T/other2.xml" "no guest is touched: Other's XML is byte for byte the same"
is 0 "$(cat "$T/plan3.rc")" "after --force the plan is empty"

echo "1..$n"

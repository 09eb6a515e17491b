#!/bin/bash
# SPDX-License-Identifier: MIT
# Attach, replace and prune on shut-off guests of the private libvirtd:
# --config changes only; a second apply changes nothing; guests the
# file does not name keep their XML byte for byte.
. "$(dirname "$0")/lib.sh"
need_shim
need_libvirt

STATE="$G/fixtures/five-vfs.state.yaml"
SPEC="$G/specs/change.yaml"
MAC="$G/specs/change-mac.yaml"

"$RUN" "$STATE" -- bash -c '
	T=$1 SPEC=$2 MAC=$3
	V="virsh -q -c $SRIOVCTL_LIBVIRT_URI"
	$V dumpxml --inactive MyGuest >"$T/my0.xml"
	$V dumpxml --inactive Other >"$T/other0.xml"
	"$SRIOVCTL" plan -f "$SPEC" >"$T/plan1.out" 2>&1
	"$SRIOVCTL" apply -f "$SPEC" >"$T/apply1.out" 2>"$T/apply1.err"
	echo $? >"$T/apply1.rc"
	$V dumpxml --inactive MyGuest >"$T/my1.xml"
	$V dumpxml --inactive Other >"$T/other1.xml"
	"$SRIOVCTL" apply -f "$SPEC" >"$T/apply2.out" 2>"$T/apply2.err"
	echo $? >"$T/apply2.rc"
	$V dumpxml --inactive MyGuest >"$T/my2.xml"
	$V dumpxml --inactive Other >"$T/other2.xml"
	"$SRIOVCTL" apply -f "$MAC" >"$T/apply3.out" 2>"$T/apply3.err"
	echo $? >"$T/apply3.rc"
	$V dumpxml --inactive MyGuest >"$T/my3.xml"
	"$SRIOVCTL" plan -f "$MAC" --detailed-exitcode >"$T/plan4.out" 2>&1
	echo $? >"$T/plan4.rc"
' bash "$T" "$SPEC" "$MAC" 2>"$T/run.err"
is 0 $? "simulated host with libvirtd runs"
sed 's/^/# /' "$T/plan1.out" "$T/apply1.err" "$T/run.err"

# libvirt rewrites source addresses in hex when it defines a domain; the
# decimal form of the fixture reaches sriovctl through --state, and the
# plan must be the same
"$SRIOVCTL" plan -f "$SPEC" --state "$STATE" >"$T/plan-state.out" 2>&1
same "$T/plan1.out" "$T/plan-state.out" "the plan from the fixture's decimal XML (--state) equals the live one"

# the plan: VF 1 replaced (detach + attach), VF 4 pruned, VF 0 attached
has '^- detach 0000:0b:10\.2 from MyGuest .*\[config\]' "$T/plan1.out" "plan: a VLAN change detaches the device"
has '^\+ attach 0000:0b:10\.2 to MyGuest \(interface, mac 52:54:00:00:00:02, vlan 20\) \[config\]' "$T/plan1.out" "plan: ... and attaches it with the new VLAN"
has '^- detach 0000:0b:11\.0 from MyGuest .*\[config\]' "$T/plan1.out" "plan: prune detaches the unlisted VF"
has '^\+ attach 0000:0b:10\.0 to MyGuest \(interface, mac 52:54:00:6d:90:02, vlan 42, virtualport 802.1Qbh profileid finance\) \[config\]' "$T/plan1.out" "plan: VF 0 is attached"
lacks '0000:5e:00\.0|0000:0b:10\.4|Other' "$T/plan1.out" "plan: no action on an unmanaged device, an unchanged one or an unnamed guest"

is 0 "$(cat "$T/apply1.rc")" "first apply exits 0"
# compared as a set: libvirt decides where new devices go
cat >"$T/want1" <<'W'
interface 0000:0b:10.0 managed=yes mac=52:54:00:6d:90:02 vlan=42 virtualport=802.1Qbh/finance
interface 0000:0b:10.2 managed=yes mac=52:54:00:00:00:02 vlan=20
hostdev 0000:0b:10.4 managed=yes
hostdev 0000:5e:00.0 managed=yes
W
devs "$T/my1.xml" | sort >"$T/got1"
sort "$T/want1" >"$T/want1s"
same "$T/want1s" "$T/got1" "MyGuest's persistent XML has exactly the file's devices and the unmanaged one"
same "$T/other0.xml" "$T/other1.xml" "Other (not named) is not touched"

is 0 "$(cat "$T/apply2.rc")" "second apply exits 0"
has '^No changes' "$T/apply2.out" "second apply: no changes"
same "$T/my1.xml" "$T/my2.xml" "second apply leaves MyGuest's XML byte for byte"
same "$T/other0.xml" "$T/other2.xml" "Other is still not touched"

# a MAC change: VF 0 detached and attached again with the new MAC
sed 's/^/# /' "$T/apply3.out" "$T/apply3.err"
is 0 "$(cat "$T/apply3.rc")" "MAC change: apply exits 0"
has '^- detach 0000:0b:10\.0 from MyGuest \(interface, mac 52:54:00:6d:90:02, .*\[config\]' "$T/apply3.out" "MAC change: detach of the old interface"
has '^\+ attach 0000:0b:10\.0 to MyGuest \(interface, mac 52:54:00:6d:90:03, vlan 42, .*\[config\]' "$T/apply3.out" "MAC change: attach with the new MAC"
has '^Plan: 2 to change, 0 blocked\.$' "$T/apply3.out" "MAC change: nothing else"
sed 's/mac=52:54:00:6d:90:02/mac=52:54:00:6d:90:03/' "$T/want1s" | sort >"$T/want3s"
devs "$T/my3.xml" | sort >"$T/got3"
same "$T/want3s" "$T/got3" "MAC change: the interface has the new MAC, once; the other devices stay"
is 0 "$(cat "$T/plan4.rc")" "MAC change: then the plan is empty"

echo "1..$n"

#!/bin/bash
# SPDX-License-Identifier: MIT
# An attach of a VF the host itself uses is blocked, like taking one away
# is: on the simulated seed host (private libvirtd), VF 0's netdev is up
# with addresses and VF 1's is a port of bridge br0 (their sysfs flags and
# master link, the addresses from the simulated rtnetlink). A file giving
# both to MyGuest, and VF 2 (unused): apply exits 3, naming each interface
# and its use, and MyGuest's definition is untouched; without the used VFs
# the attach goes through; --force attaches a used one with a warning.
. "$(dirname "$0")/lib.sh"
need_shim
need_libvirt

"$PYTHON" - "$TOP/examples/hosts/seed-82576.state.yaml" "$T/state.yaml" <<'PY'
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
pf = s["pci"][0]
pf["sriov"]["num-vfs"] = 3
pf["sriov"]["vfs"] = [
    {"id": 0, "address": "0000:0b:10.0", "driver": "igbvf", "interface": "enp11s16",
     "netdev": {"up": True, "addresses": ["10.0.0.5/24", "fe80::5/64"]}},
    {"id": 1, "address": "0000:0b:10.2", "driver": "igbvf", "interface": "enp11s16f2",
     "netdev": {"up": True, "master": "br0", "master-kind": "bridge"}},
    {"id": 2, "address": "0000:0b:10.4", "driver": "igbvf", "interface": "enp11s16f4"}]
yaml.safe_dump(s, open(sys.argv[2], "w"), sort_keys=False)
PY
spec() { # spec FILE ID...: MyGuest gets these VFs of port 0
	local f=$1
	shift
	printf 'version: 1\npfs:\n  - pci: "0000:0b:00.0"\nguests:\n  MyGuest:\n    devices:\n' >"$f"
	for id in "$@"; do printf '      - vf: {pf: "0000:0b:00.0", id: %s}\n' "$id" >>"$f"; done
}
spec "$T/all.yaml" 0 1 2
spec "$T/free.yaml" 2
spec "$T/bridged.yaml" 1 2

"$RUN" "$T/state.yaml" -- bash -c '
	T=$1
	V="virsh -q -c $SRIOVCTL_LIBVIRT_URI"
	$V dumpxml --inactive MyGuest >"$T/my0.xml"
	"$SRIOVCTL" apply -f "$T/all.yaml" >"$T/apply1.out" 2>"$T/apply1.err"
	echo $? >"$T/apply1.rc"
	$V dumpxml --inactive MyGuest >"$T/my1.xml"
	"$SRIOVCTL" apply -f "$T/free.yaml" >"$T/apply2.out" 2>"$T/apply2.err"
	echo $? >"$T/apply2.rc"
	$V dumpxml --inactive MyGuest >"$T/my2.xml"
	"$SRIOVCTL" apply --force -f "$T/bridged.yaml" >"$T/apply3.out" 2>"$T/apply3.err"
	echo $? >"$T/apply3.rc"
	$V dumpxml --inactive MyGuest >"$T/my3.xml"
' bash "$T" 2>"$T/run.err"
is 0 $? "simulated host with libvirtd runs"
sed 's/^/# /' "$T/apply1.out" "$T/apply1.err" "$T/run.err"

is 3 "$(cat "$T/apply1.rc")" "apply exits 3: attaches blocked"
has '^! blocked: attach 0000:0b:10\.0 to MyGuest \(interface\) \[config\] — VF 0000:0b:10\.0 \(enp11s16\) is in use on the host: up with address 10\.0\.0\.5/24$' \
	"$T/apply1.out" "VF 0's attach is blocked, naming its interface and address"
has '^! blocked: attach 0000:0b:10\.2 to MyGuest \(interface\) \[config\] — VF 0000:0b:10\.2 \(enp11s16f2\) is in use on the host: enslaved to bridge br0$' \
	"$T/apply1.out" "VF 1's attach is blocked, naming its interface and bridge"
has '^\+ attach 0000:0b:10\.4 to MyGuest' "$T/apply1.out" "VF 2's attach is planned"
same "$T/my0.xml" "$T/my1.xml" "nothing is applied: MyGuest is untouched"

sed 's/^/# /' "$T/apply2.err"
is 0 "$(cat "$T/apply2.rc")" "the unused VF alone: apply exits 0"
# libvirt gives an interface without a MAC one of its own
devs "$T/my2.xml" | sed "s/ mac=[^ ]*//" >"$T/got2"
echo "interface 0000:0b:10.4 managed=yes" >"$T/want2"
same "$T/want2" "$T/got2" "MyGuest got VF 2"

sed 's/^/# /' "$T/apply3.out" "$T/apply3.err"
is 0 "$(cat "$T/apply3.rc")" "--force: apply exits 0"
has "warning: --force: attach 0000:0b:10\.2 goes ahead although VF 0000:0b:10\.2 \(enp11s16f2\) is in use on the host: enslaved to bridge br0" \
	"$T/apply3.err" "... with a warning naming the interface and its use"
devs "$T/my3.xml" | sed "s/ mac=[^ ]*//" | sort >"$T/got3"
printf 'interface 0000:0b:10.2 managed=yes\ninterface 0000:0b:10.4 managed=yes\n' >"$T/want3"
same "$T/want3" "$T/got3" "MyGuest got VF 1 too"
echo "1..$n"

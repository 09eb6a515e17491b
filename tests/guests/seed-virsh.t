#!/bin/bash
# SPDX-License-Identifier: MIT
# The seed's interface, applied by sriovctl to MyGuest, gives the same
# persistent XML, byte for byte, as the manual routine on an identical
# guest: `virsh attach-device Twin interface.xml --config` on the same
# private libvirtd.
. "$(dirname "$0")/lib.sh"
need_shim
need_libvirt

# Twin: MyGuest's definition under another name and UUID; no file names it
variant "$T/state.yaml" "$TOP/examples/hosts/seed-82576.state.yaml" '
import copy
t = copy.deepcopy(s["domains"][0])
t["name"] = "Twin"
t["xml"] = t["xml"].replace("<name>MyGuest</name>", "<name>Twin</name>").replace(
    "4dea22b3-1d52-d8f3-2516-782e98ab3fa0", "4dea22b3-1d52-d8f3-2516-782e98ab3fa1")
s["domains"].append(t)'

# interface.xml as the admin writes it for the seed
cat >"$T/interface.xml" <<'X'
<interface type='hostdev' managed='yes'>
  <source>
    <address type='pci' domain='0x0000' bus='0x0b' slot='0x10' function='0x0'/>
  </source>
  <mac address='52:54:00:6d:90:02'/>
  <vlan>
    <tag id='42'/>
  </vlan>
  <virtualport type='802.1Qbh'>
    <parameters profileid='finance'/>
  </virtualport>
</interface>
X

"$RUN" "$T/state.yaml" -- bash -c '
	T=$1 SEED=$2
	V="virsh -q -c $SRIOVCTL_LIBVIRT_URI"
	$V dumpxml --inactive Twin >"$T/twin0.xml"
	"$SRIOVCTL" apply -f "$SEED" >"$T/apply.out" 2>"$T/apply.err"
	echo $? >"$T/apply.rc"
	$V dumpxml --inactive Twin >"$T/twin1.xml"
	$V attach-device Twin "$T/interface.xml" --config >"$T/virsh.out" 2>&1
	echo $? >"$T/virsh.rc"
	$V dumpxml --inactive MyGuest >"$T/my.xml"
	$V dumpxml --inactive Twin >"$T/twin2.xml"
' bash "$T" "$TOP/examples/seed-82576.yaml" 2>"$T/run.err"
is 0 $? "simulated host with libvirtd runs"
sed 's/^/# /' "$T/run.err" "$T/apply.err" "$T/virsh.out"

is 0 "$(cat "$T/apply.rc")" "sriovctl apply of the seed exits 0"
same "$T/twin0.xml" "$T/twin1.xml" "Twin, not named in the file, is not touched"
is 0 "$(cat "$T/virsh.rc")" "virsh attach-device Twin interface.xml --config works"
sed -e 's/<name>Twin</<name>MyGuest</' -e 's/4dea22b3-1d52-d8f3-2516-782e98ab3fa1/4dea22b3-1d52-d8f3-2516-782e98ab3fa0/' \
	"$T/twin2.xml" >"$T/twin2-renamed.xml"
same "$T/twin2-renamed.xml" "$T/my.xml" "MyGuest's persistent XML equals virsh's result byte for byte (name and UUID aside)"
devs "$T/my.xml" >"$T/my.devs"
echo "interface 0000:0b:10.0 managed=yes mac=52:54:00:6d:90:02 vlan=42 virtualport=802.1Qbh/finance" >"$T/want"
same "$T/want" "$T/my.devs" "the seed's exact interface is there (MAC, VLAN 42, 802.1Qbh finance, 0000:0b:10.0)"

echo "1..$n"

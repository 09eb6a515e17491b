#!/bin/bash
# SPDX-License-Identifier: MIT
# The seed example applied on the simulated seed host (with its private
# libvirtd): 7 + 7 VFs, /etc/modprobe.d/igb.conf, VF 0 in MyGuest. A second
# apply changes nothing, proved with strace: no file opened for writing,
# renamed, removed or created, except the lock file every run opens.
. "$(dirname "$0")/lib.sh"
need_shim
echo "1..9"
need_root_strace 9 "seed apply"

"$RUN" "$TOP/examples/hosts/seed-82576.state.yaml" -- env SC="$SRIOVCTL" T="$T" STRACE="$STRACE" bash -c '
	spec=$TOP/examples/seed-82576.yaml
	$STRACE -o "$T/trace1" $SC apply -f "$spec" >"$T/out1" 2>"$T/err1"
	echo "first: rc=$?"
	for pf in 0000:0b:00.0 0000:0b:00.1; do
		echo "$pf: numvfs=$(cat /sys/bus/pci/devices/$pf/sriov_numvfs) virtfn=$(ls /sys/bus/pci/devices/$pf | grep -c "^virtfn")"
	done
	sed "s/^/conf: /" "$SRIOVCTL_ROOT/etc/modprobe.d/igb.conf"
	virsh -q -c "$SRIOVCTL_LIBVIRT_URI" dumpxml --inactive MyGuest >"$T/guest.xml"
	$STRACE -o "$T/trace2" $SC apply -f "$spec" >"$T/out2" 2>"$T/err2"
	echo "second: rc=$?"
	$SC plan --detailed-exitcode -f "$spec" >"$T/out3" 2>&1
	echo "plan: rc=$?"
	echo "lock: /run/sriovctl.lock"
' >"$T/out" 2>&1
sed 's/^/# /' "$T/out" "$T/err1" "$T/err2"
has '^first: rc=0$' "$T/out" "first apply exits 0"
has '^0000:0b:00.0: numvfs=7 virtfn=7$' "$T/out" "first PF has 7 VFs"
has '^0000:0b:00.1: numvfs=7 virtfn=7$' "$T/out" "second PF has 7 VFs"
has '^conf: options igb max_vfs=7$' "$T/out" "igb.conf written"
check "MyGuest has VF 0000:0b:10.0 as an interface" \
	grep -qE "<address type=.pci. domain=.0x0000. bus=.0x0b. slot=.0x10. function=.0x0./>" "$T/guest.xml"
lock=$(sed -n 's/^lock: //p' "$T/out")
"$PYTHON" "$TOP/tests/apply/writes.py" "$T/trace1" --except "$lock" >"$T/changes1"
if grep -q 'sriov_numvfs", O_WRONLY' "$T/changes1" && grep -q 'rename(.*/etc/modprobe.d/igb.conf"' "$T/changes1"; then
	ok "the trace of the first apply shows its writes (sriov_numvfs, igb.conf)"
else
	not_ok "the trace of the first apply shows its writes (sriov_numvfs, igb.conf)"
	head -n 20 "$T/changes1" | sed 's/^/#   /'
fi
has '^second: rc=0$' "$T/out" "second apply exits 0"
"$PYTHON" "$TOP/tests/apply/writes.py" "$T/trace2" --except "$lock" >"$T/changes2"
if [ -s "$T/trace2" ] && [ ! -s "$T/changes2" ] && grep -q "sriovctl.lock" "$T/trace2"; then
	ok "second apply writes nothing (strace: only the lock file is opened for writing)"
else
	not_ok "second apply writes nothing (strace: only the lock file is opened for writing)"
	head -n 20 "$T/changes2" | sed 's/^/#   /'
fi
has '^plan: rc=0$' "$T/out" "plan --detailed-exitcode is 0 afterwards"

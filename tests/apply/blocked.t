#!/bin/bash
# SPDX-License-Identifier: MIT
# A shrink that would take a VF from a guest (MyGuest's persistent
# definition holds VF 0000:0b:10.0, in the simulated host's private
# libvirtd) is blocked: apply exits 3 and writes nothing at all (strace),
# not even the independent module file the same plan has; with --force it
# is applied.
. "$(dirname "$0")/lib.sh"
need_shim
echo "1..6"
need_root_strace 6 "blocked apply"

"$PYTHON" - "$TOP/examples/hosts/seed-82576.state.yaml" "$T/state.yaml" <<'PY'
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
pf = s["pci"][0]
pf["sriov"]["num-vfs"] = 2
pf["sriov"]["vfs"] = [
    {"id": 0, "address": "0000:0b:10.0", "driver": "igbvf", "interface": "enp11s16"},
    {"id": 1, "address": "0000:0b:10.2", "driver": "igbvf", "interface": "enp11s16f2"}]
dom = s["domains"][0]
dom["xml"] = dom["xml"].replace("<memballoon", """<interface type='hostdev' managed='yes'>
      <mac address='52:54:00:6d:90:02'/>
      <source><address type='pci' domain='0x0000' bus='0x0b' slot='0x10' function='0x0'/></source>
    </interface>
    <memballoon""")
yaml.safe_dump(s, open(sys.argv[2], "w"), sort_keys=False)
PY
cat >"$T/spec.yaml" <<'EOF2'
version: 1
modules:
  igb: {options: {max_vfs: 0}, file: /etc/modprobe.d/igb.conf}
pfs:
  - pci: "0000:0b:00.0"
    num-vfs: 0
EOF2

"$RUN" "$T/state.yaml" -- env SC="$SRIOVCTL" T="$T" bash -c '
	pf=/sys/bus/pci/devices/0000:0b:00.0
	# (LeakSanitizer cannot run under ptrace)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -e trace=%file,%desc -o "$T/trace" $SC apply -f "$T/spec.yaml" >"$T/out1" 2>"$T/err1"
	echo "apply: rc=$? numvfs=$(cat $pf/sriov_numvfs) conf=$(ls $SRIOVCTL_ROOT/etc/modprobe.d | wc -l)"
	echo "lock: /run/sriovctl.lock"
	$SC apply --force -f "$T/spec.yaml" >"$T/out2" 2>"$T/err2"
	echo "force: rc=$? numvfs=$(cat $pf/sriov_numvfs) conf=$(ls $SRIOVCTL_ROOT/etc/modprobe.d | wc -l)"
' >"$T/out" 2>&1
sed 's/^/# /' "$T/out" "$T/out1" "$T/err1" "$T/err2"
has "^! blocked: 0000:0b:00.0 num-vfs 2 -> 0 .*VF 0000:0b:10.0 is used by guest MyGuest" "$T/out1" \
	"the plan shows the shrink blocked by MyGuest"
has "blocked; nothing applied" "$T/err1" "apply says nothing was applied"
has '^apply: rc=3 numvfs=2 conf=0$' "$T/out" "apply exits 3; VFs and modprobe.d unchanged"
lock=$(sed -n 's/^lock: //p' "$T/out")
"$PYTHON" "$TOP/tests/apply/writes.py" "$T/trace" --except "$lock" >"$T/changes"
if [ -s "$T/trace" ] && [ ! -s "$T/changes" ] && grep -q 'sriov_numvfs' "$T/trace"; then
	ok "strace: no write at all besides the lock file"
else
	not_ok "strace: no write at all besides the lock file"
	head -n 20 "$T/changes" | sed 's/^/#   /'
fi
has '^force: rc=0 numvfs=0 conf=1$' "$T/out" "--force applies the shrink and the module file"
lacks 'not converged: set-num-vfs' "$T/err2" "--force: the VF count converged"

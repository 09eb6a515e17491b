#!/bin/bash
# SPDX-License-Identifier: MIT
# Faults after the VFs exist, on a host with two PFs, the fault on the
# first: a driver_override write of one VF while binding to vfio-pci, and
# RTM_SETLINK of per-VF settings. Each: exit 1 with an error naming the
# device, the other PF converged, a re-run without the fault converges.
# Then RTM_GETLINK while observing (hang, EIO): a warning naming the PF,
# bounded by --timeout, and the plan goes on.
. "$(dirname "$0")/lib.sh"
need_shim

SCRIPT='
	vfs() { for pf in 0000:0b:00.0 0000:0c:00.0; do for i in 0 1 2; do
		printf "%s " "$(basename "$(readlink /sys/bus/pci/devices/$pf/virtfn$i/driver)")"; done; done; }
	trust() { for dev in enp11s0f0 enp12s0f0; do ip link show $dev 2>/dev/null | grep -o "vf 0 .*trust [a-z]*" | sed "s/.* //"; done; }
	$SC apply -f "$T/spec.yaml" >"$T/out1" 2>"$T/err1"
	echo "first: rc=$? drivers=$(vfs)trust=$(trust | tr "\n" " ")"
	sed -i "/^fail /d" "$SIMHOST_CONFIG"
	$SC apply -f "$T/spec.yaml" >"$T/out2" 2>"$T/err2"
	echo "rerun: rc=$? drivers=$(vfs)trust=$(trust | tr "\n" " ")"
	$SC plan --detailed-exitcode -f "$T/spec.yaml" >/dev/null 2>&1
	echo "plan: rc=$?"
'
# with_vf_fault STATE ADDR ATTR ERR: add a fault of a VF to STATE
with_vf_fault() {
	"$PYTHON" - "$@" <<-'PY'
		import sys, yaml
		path, addr, attr, err = sys.argv[1:]
		s = yaml.safe_load(open(path))
		s["simulate"][addr] = {"fail": {attr: err}}
		yaml.safe_dump(s, open(path, "w"), sort_keys=False)
	PY
}

# ---- driver_override of VF 1 of the first PF ----
mkhost "$T/state.yaml" --pfs 2 --spec "$T/spec.yaml" --want-vfs 3 \
	--spec-extra '{drivers-autoprobe: false, vf-driver: vfio-pci}'
with_vf_fault "$T/state.yaml" 0000:0b:10.2 driver_override ENOSPC
sim "$T/state.yaml" "$SCRIPT" >"$T/out" 2>&1
sed 's/^/# /' "$T/out" "$T/err1"
has "^first: rc=1 drivers=[^ ]* [^ ]* [^ ]* vfio-pci vfio-pci vfio-pci " "$T/out" \
	"driver_override: exit 1, the other PF's VFs are bound to vfio-pci"
has "^sriovctl: error: skipped bind-driver 0000:0b:00.0 0000:0b:10.4 -> vfio-pci: an earlier step for '0000:0b:00.0' failed$" \
	"$T/err1" "driver_override: the failing PF's later steps are reported as skipped"
has "^sriovctl: error: '0000:0b:10.2': cannot set driver_override to 'vfio-pci': No space left on device$" \
	"$T/err1" "driver_override: the error names the VF and the cause"
has "^first: rc=1 drivers=vfio-pci   vfio-pci vfio-pci vfio-pci trust=" "$T/out" \
	"driver_override: the failing VF and the skipped one are left unbound, not half-bound"
has "^rerun: rc=0 drivers=vfio-pci vfio-pci vfio-pci vfio-pci vfio-pci vfio-pci " "$T/out" \
	"driver_override: a re-run converges"
has '^plan: rc=0$' "$T/out" "driver_override: plan --detailed-exitcode is 0"

# ---- RTM_SETLINK on the first PF ----
mkhost "$T/state.yaml" --pfs 2 --spec "$T/spec.yaml" --want-vfs 3 \
	--spec-extra '{vfs: [{id: 0, trust: true}]}' --sim-pf 0:fail.setlink=EIO
sim "$T/state.yaml" "$SCRIPT" >"$T/out" 2>&1
sed 's/^/# /' "$T/out" "$T/err1"
has '^first: rc=1 drivers=igbvf igbvf igbvf igbvf igbvf igbvf trust=off on $' "$T/out" \
	"setlink: exit 1, the other PF's VF is trusted, the failing PF's VF unchanged"
has "enp11s0f0.*VF 0.*Input/output error" "$T/err1" "setlink: the error names the PF, the VF and the cause"
has '^rerun: rc=0 drivers=igbvf igbvf igbvf igbvf igbvf igbvf trust=on on $' \
	"$T/out" "setlink: a re-run converges"
has '^plan: rc=0$' "$T/out" "setlink: plan --detailed-exitcode is 0"
# ---- RTM_GETLINK of the first PF while observing: a warning, no hang ----
GL='
	$SC apply -f "$T/spec.yaml" --timeout 2 >"$T/gl.out1" 2>"$T/gl.err1"
	echo "apply: rc=$?"
	s=$EPOCHREALTIME
	$SC plan --detailed-exitcode --timeout 2 -f "$T/spec.yaml" >"$T/gl.out2" 2>"$T/gl.err2"
	echo "plan: rc=$? took=$(awk -v a=$s -v b=$EPOCHREALTIME "BEGIN { printf \"%d\", b - a }")"
'
mkhost "$T/state.yaml" --pfs 2 --spec "$T/spec.yaml" --want-vfs 3 --sim-pf 0:fail.getlink=hang
sim "$T/state.yaml" "$GL" >"$T/out" 2>&1
sed 's/^/# /' "$T/out" "$T/gl.err1" "$T/gl.err2"
has '^apply: rc=0$' "$T/out" "getlink hangs: the apply creates the VFs (its check only warns)"
has '^plan: rc=0 took=[0-9]$' "$T/out" "getlink hangs: plan finds nothing to do, within --timeout (in seconds: took=)"
has "^sriovctl: warning: PF '0000:0b:00\.0': VF link settings unknown: cannot read VF settings of PF 'enp11s0f0': no answer within 2 s \(the driver hangs\)$" \
	"$T/gl.err2" "getlink hangs: the warning names the PF and the bound"
has "^sriovctl: warning: PF '0000:0c:00\.0': VF link settings unknown: cannot read VF settings of PF 'enp12s0f0': not asked \(PF 'enp11s0f0' before it did not answer\)$" \
	"$T/gl.err2" "getlink hangs: the PF after it is said unread, and why"
has "^sriovctl: warning: whether the host uses VF netdevs is not fully known: cannot read the addresses of the netdevs: not asked \(PF 'enp11s0f0' before it did not answer\)$" \
	"$T/gl.err2" "getlink hangs: so is the address dump after it"

mkhost "$T/state.yaml" --pfs 2 --spec "$T/spec.yaml" --want-vfs 3 --sim-pf 0:fail.getlink=EIO
sim "$T/state.yaml" "$GL" >"$T/out" 2>&1
sed 's/^/# /' "$T/out" "$T/gl.err2"
has '^plan: rc=0 took=[0-9]$' "$T/out" "getlink EIO: plan finds nothing to do"
has "^sriovctl: warning: PF '0000:0b:00\.0': VF link settings unknown: cannot read VF settings of PF 'enp11s0f0': Input/output error$" \
	"$T/gl.err2" "getlink EIO: the warning names the PF and the cause"
lacks "0000:0c:00\.0" "$T/gl.err2" "getlink EIO: the other PF is read"
echo "1..$n"

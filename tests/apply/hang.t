#!/bin/bash
# SPDX-License-Identifier: MIT
# A write to the kernel that never returns (the fake kernel's "hang"
# fault) is bounded by --timeout: apply --timeout 3 ends in time, exit 1,
# the error names the step and the device, the lock is free afterwards,
# and a re-run without the fault converges. One case per attribute:
# drivers_probe, driver_override, unbind (binding VFs to vfio-pci) and
# sriov_drivers_autoprobe of the PF.
. "$(dirname "$0")/lib.sh"
need_shim

SCRIPT='
	vfs() { for i in 0 1 2; do
		printf "%s " "$(basename "$(readlink /sys/bus/pci/devices/0000:0b:00.0/virtfn$i/driver)")"; done; }
	start=$EPOCHREALTIME
	timeout 60 $SC apply -f "$T/spec.yaml" --timeout 3 >"$T/out1" 2>"$T/err1"
	echo "first: rc=$? took=$(awk -v a=$start -v b=$EPOCHREALTIME "BEGIN { printf \"%d\", b - a }")"
	if flock -n "$SRIOVCTL_ROOT/run/sriovctl.lock" true; then echo "lock: free"; else echo "lock: held"; fi
	sed -i "/^fail /d" "$SIMHOST_CONFIG"
	timeout 60 $SC apply -f "$T/spec.yaml" --lock-timeout 5 >"$T/out2" 2>"$T/err2"
	echo "rerun: rc=$? drivers=$(vfs)"
'
# with_fault STATE ADDR ATTR: a hang of ATTR of ADDR in STATE
with_fault() {
	"$PYTHON" - "$@" <<-'PY'
		import sys, yaml
		path, addr, attr = sys.argv[1:]
		s = yaml.safe_load(open(path))
		s.setdefault("simulate", {}).setdefault(addr, {}).setdefault("fail", {})[attr] = "hang"
		yaml.safe_dump(s, open(path, "w"), sort_keys=False)
	PY
}

# hang_case NAME ADDR ATTR EXPECTED-ERROR [MKHOST ARGS...]
hang_case() {
	local name=$1 addr=$2 attr=$3 msg=$4
	shift 4
	mkhost "$T/state.yaml" --pfs 1 --spec "$T/spec.yaml" --want-vfs 3 "$@"
	with_fault "$T/state.yaml" "$addr" "$attr"
	sim "$T/state.yaml" "$SCRIPT" >"$T/$name.out" 2>&1
	sed 's/^/# /' "$T/$name.out" "$T/err1"
	local took
	took=$(sed -n 's/^first: .*took=\([0-9]*\)$/\1/p' "$T/$name.out")
	has "^first: rc=1 " "$T/$name.out" "$name hangs: apply exits 1"
	check "$name hangs: apply --timeout 3 ends in time (${took:-?} s, at most 10)" test "${took:-999}" -le 10
	has "$msg" "$T/err1" "$name hangs: the error names the step and the device"
	has "^lock: free$" "$T/$name.out" "$name hangs: the lock is free after the run"
	has "^rerun: rc=0 drivers=vfio-pci vfio-pci vfio-pci $" "$T/$name.out" "$name hangs: a re-run without the fault converges"
}

BIND='{drivers-autoprobe: false, vf-driver: vfio-pci}'
hang_case drivers_probe 0000:0b:10.2 drivers_probe \
	"^sriovctl: error: '0000:0b:10.2': probing with driver 'vfio-pci' \(drivers_probe\) failed: no answer within 3 s \(the driver hangs\)$" \
	--spec-extra "$BIND"
hang_case driver_override 0000:0b:10.0 driver_override \
	"^sriovctl: error: '0000:0b:10.0': cannot set driver_override to 'vfio-pci': no answer within 3 s \(the driver hangs\)$" \
	--spec-extra "$BIND"
hang_case unbind 0000:0b:10.4 unbind \
	"^sriovctl: error: '0000:0b:10.4': cannot unbind from 'igbvf': no answer within 3 s \(the driver hangs\)$" \
	--spec-extra '{vf-driver: vfio-pci}'
hang_case autoprobe 0000:0b:00.0 sriov_drivers_autoprobe \
	"^sriovctl: error: PF '0000:0b:00.0': cannot set sriov_drivers_autoprobe: no answer within 3 s \(the driver hangs\)$" \
	--spec-extra "$BIND"

# ---- RTM_SETLINK of a VF setting that the driver never answers ----
SCRIPT='
	start=$EPOCHREALTIME
	timeout 60 $SC apply -f "$T/spec.yaml" --timeout 3 >"$T/out1" 2>"$T/err1"
	echo "first: rc=$? took=$(awk -v a=$start -v b=$EPOCHREALTIME "BEGIN { printf \"%d\", b - a }")"
	if flock -n "$SRIOVCTL_ROOT/run/sriovctl.lock" true; then echo "lock: free"; else echo "lock: held"; fi
	sed -i "/^fail /d" "$SIMHOST_CONFIG"
	timeout 60 $SC apply -f "$T/spec.yaml" >"$T/out2" 2>"$T/err2"
	echo "rerun: rc=$? trust=$(ip link show enp11s0f0 | grep -o "vf 0 .*trust [a-z]*" | sed "s/.* //")"
'
mkhost "$T/state.yaml" --pfs 1 --spec "$T/spec.yaml" --want-vfs 3 \
	--spec-extra '{vfs: [{id: 0, trust: true}]}' --sim-pf 0:fail.setlink=hang
sim "$T/state.yaml" "$SCRIPT" >"$T/setlink.out" 2>&1
sed 's/^/# /' "$T/setlink.out" "$T/err1"
took=$(sed -n 's/^first: .*took=\([0-9]*\)$/\1/p' "$T/setlink.out")
has "^first: rc=1 " "$T/setlink.out" "setlink hangs: apply exits 1"
check "setlink hangs: apply --timeout 3 ends in time (${took:-?} s, at most 10)" test "${took:-999}" -le 10
has "^sriovctl: error: PF 'enp11s0f0' VF 0: cannot set trust on: no answer within 3 s \(the driver hangs\)$" \
	"$T/err1" "setlink hangs: the error names the PF, the VF and the setting"
has "^lock: free$" "$T/setlink.out" "setlink hangs: the lock is free after the run"
has "^rerun: rc=0 trust=on$" "$T/setlink.out" "setlink hangs: a re-run without the fault converges"
echo "1..$n"

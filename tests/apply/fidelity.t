#!/bin/bash
# SPDX-License-Identifier: MIT
# Plan fidelity: what apply does is exactly its plan's actions, no more, no
# fewer, in plan order. Each scenario applies on the simulated seed host
# under strace (sysfs and file writes) with the libvirt client's debug log
# (attach/detach calls); tests/apply/fidelity.py charges every write to an
# action of the plan apply --json printed.
. "$(dirname "$0")/lib.sh"
need_shim
scenarios=(seed vfio regrow vfset vlan43)
echo "1..$((${#scenarios[@]} * 2 + 1))"
need_root_strace $((${#scenarios[@]} * 2 + 1)) fidelity
cp "$TOP/examples/seed-82576.yaml" "$T/seed.yaml"
cat >"$T/vfio.yaml" <<'Y'
version: 1
pfs:
  - pci: "0000:0b:00.1"
    num-vfs: 2
    drivers-autoprobe: false
    vf-driver: vfio-pci
Y
# 2 VFs (from the vfio scenario), then 3: a count change through 0
cat >"$T/regrow.yaml" <<'Y'
version: 1
pfs:
  - pci: "0000:0b:00.1"
    num-vfs: 3
Y
# per-VF settings through the fake rtnetlink: one RTM_SETLINK per set-vf
cat >"$T/vfset.yaml" <<'Y'
version: 1
pfs:
  - pci: "0000:0b:00.0"
    vfs:
      - {id: 1, mac: "52:54:00:00:0b:01", vlan: 9, qos: 2, trust: true, max-tx-rate: 100}
      - {id: 2, spoof-check: false}
Y
# the guest's VLAN changes: a detach and an attach
sed "s/vlan: 42/vlan: 43/" "$TOP/examples/seed-82576.yaml" >"$T/vlan43.yaml"
"$RUN" "$TOP/examples/hosts/seed-82576.state.yaml" -- env SC="$SRIOVCTL" T="$T" STRACE="$STRACE" bash -c '
	for s in seed vfio regrow vfset vlan43; do
		LIBVIRT_LOG_FILTERS="1:libvirt" LIBVIRT_LOG_OUTPUTS="1:file:$T/$s.lv" \
			$STRACE -o "$T/$s.trace" $SC apply --json -f "$T/$s.yaml" >"$T/$s.jsonl" 2>"$T/$s.err"
		echo "$s: rc=$?"
		touch "$T/$s.lv"
	done
	echo "lock: /run/sriovctl.lock"
' >"$T/out" 2>&1
sed 's/^/# /' "$T/out"
lock=$(sed -n 's/^lock: //p' "$T/out")
for s in "${scenarios[@]}"; do
	has "^$s: rc=0$" "$T/out" "$s: apply exits 0"
	"$PYTHON" "$TOP/tests/apply/writes.py" "$T/$s.trace" --except "$lock" >"$T/$s.changes"
	"$PYTHON" "$TOP/tests/apply/fidelity.py" "$T/$s.jsonl" "$T/$s.changes" "$T/$s.lv" >"$T/$s.fid" 2>&1
	sed 's/^/# /' "$T/$s.fid"
	has "^fidelity ok" "$T/$s.fid" "$s: the writes and libvirt calls are exactly the plan's actions, in order"
done
# the checker can fail: the seed's writes are not the vfset plan
if "$PYTHON" "$TOP/tests/apply/fidelity.py" "$T/vfset.jsonl" "$T/seed.changes" "$T/seed.lv" >/dev/null 2>&1; then
	not_ok "the checker refuses writes that are not the plan's"
else
	ok "the checker refuses writes that are not the plan's"
fi

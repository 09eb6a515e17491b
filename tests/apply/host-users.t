#!/bin/bash
# SPDX-License-Identifier: MIT
# VFs whose netdevs the host itself uses, as observed on the simulated
# host (flags, master and upper links in its sysfs, addresses from its
# rtnetlink's RTM_GETADDR dump): VF 0's netdev is up with addresses (and a
# link-local one, which does not count), VF 1's is a port of bridge br0.
# A shrink, which destroys both, is blocked: apply exits 3 and writes
# nothing at all (strace); --force goes through with a warning, and the
# VFs created again carry nothing, so a second plan is empty. A plan saved
# while VF 0's netdev was down is stale (exit 4) once it is brought up.
. "$(dirname "$0")/lib.sh"
need_shim
echo "1..12"
if ! command -v strace >/dev/null; then
	skip_all 12 "host users" "needs strace"
fi

"$PYTHON" - "$TOP/examples/hosts/seed-82576.state.yaml" "$T/state.yaml" <<'PY'
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
pf = s["pci"][0]
pf["sriov"]["num-vfs"] = 2
pf["sriov"]["vfs"] = [
    {"id": 0, "address": "0000:0b:10.0", "driver": "igbvf", "interface": "enp11s16",
     "netdev": {"up": True, "addresses": ["10.0.0.5/24", "2001:db8::5/64", "fe80::5/64"]}},
    {"id": 1, "address": "0000:0b:10.2", "driver": "igbvf", "interface": "enp11s16f2",
     "netdev": {"up": True, "master": "br0", "master-kind": "bridge"}}]
s["domains"] = []
yaml.safe_dump(s, open(sys.argv[2], "w"), sort_keys=False)
PY
cat >"$T/spec.yaml" <<'EOF2'
version: 1
pfs:
  - pci: "0000:0b:00.0"
    num-vfs: 1
EOF2

STRACE="$STRACE" sim "$T/state.yaml" '
	pf=/sys/bus/pci/devices/0000:0b:00.0
	$SC show --format state >"$T/state.out" 2>"$T/state.err"
	$SC show >"$T/show.out" 2>&1
	$STRACE -o "$T/trace" $SC apply -f "$T/spec.yaml" >"$T/out1" 2>"$T/err1"
	echo "apply: rc=$? numvfs=$(cat $pf/sriov_numvfs)"
	echo "lock: /run/sriovctl.lock"
	$SC apply --force -f "$T/spec.yaml" >"$T/out2" 2>"$T/err2"
	echo "force: rc=$? numvfs=$(cat $pf/sriov_numvfs)"
	$SC plan --detailed-exitcode -f "$T/spec.yaml" >"$T/out3" 2>&1
	echo "again: rc=$?"
' >"$T/out" 2>&1
sed 's/^/# /' "$T/out" "$T/state.err" "$T/out1" "$T/err1" "$T/err2" "$T/out3"
has '^      netdev: {mtu: 1500, min-mtu: 68, max-mtu: 9216, up: true, addresses: \["10.0.0.5/24", "2001:db8::5/64"\]}$' "$T/state.out" \
	"show --format state: VF 0 up with its addresses, the link-local one left out"
has '^      netdev: {mtu: 1500, min-mtu: 68, max-mtu: 9216, up: true, master: br0, master-kind: bridge}$' "$T/state.out" \
	"show --format state: VF 1 enslaved to bridge br0"
has 'enp11s16 \(in use: up with addresses 10.0.0.5/24, 2001:db8::5/64\)' "$T/show.out" \
	"show names the host use of VF 0"
has '^! blocked: 0000:0b:00.0 num-vfs 2 -> 1 .* — VF 0000:0b:10.0 \(enp11s16\) is in use on the host: up with addresses 10.0.0.5/24, 2001:db8::5/64; VF 0000:0b:10.2 \(enp11s16f2\) is in use on the host: enslaved to bridge br0$' \
	"$T/out1" "the plan shows the shrink blocked by the host's use of both VFs"
has '^apply: rc=3 numvfs=2$' "$T/out" "apply exits 3; the VF count unchanged"
lock=$(sed -n 's/^lock: //p' "$T/out")
"$PYTHON" "$TOP/tests/apply/writes.py" "$T/trace" --except "$lock" >"$T/changes"
if [ -s "$T/trace" ] && [ ! -s "$T/changes" ] && grep -q 'sriov_numvfs' "$T/trace"; then
	ok "strace: no write at all besides the lock file"
else
	not_ok "strace: no write at all besides the lock file"
	head -n 20 "$T/changes" | sed 's/^/#   /'
fi
has '^force: rc=0 numvfs=1$' "$T/out" "--force applies the shrink"
has 'warning: --force: set-num-vfs 0000:0b:00.0 goes ahead although VF 0000:0b:10.0 \(enp11s16\) is in use on the host' \
	"$T/err2" "--force warns of the host's use"
has '^again: rc=0$' "$T/out" "plan again: no changes (the new VF's netdev carries nothing)"

# the saved plan: made while VF 0's netdev is down (its address does not count)
"$PYTHON" - "$T/state.yaml" "$T/down.yaml" <<'PY'
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
vfs = s["pci"][0]["sriov"]["vfs"]
vfs[0]["netdev"] = {"up": False, "addresses": ["10.0.0.5/24"]}
del vfs[1]["netdev"]
yaml.safe_dump(s, open(sys.argv[2], "w"), sort_keys=False)
PY
sim "$T/down.yaml" '
	pf=/sys/bus/pci/devices/0000:0b:00.0
	$SC plan -o "$T/p.json" -f "$T/spec.yaml" >"$T/out4" 2>&1
	echo "saved: rc=$?"
	printf "0x1003\n" >/sys/class/net/enp11s16/flags
	$SC apply --plan "$T/p.json" >"$T/out5" 2>"$T/err5"
	echo "stale: rc=$? numvfs=$(cat $pf/sriov_numvfs)"
' >"$T/out-saved" 2>&1
sed 's/^/# /' "$T/out-saved" "$T/out4" "$T/err5"
has '^saved: rc=0$' "$T/out-saved" "plan -o: the shrink is not blocked while the netdev is down"
has '^stale: rc=4 numvfs=2$' "$T/out-saved" "apply --plan after the netdev came up: stale (exit 4), nothing applied"
has "the plan is stale: the host's use of 0000:0b:00.0 changed: now host 0000:0b:10.0 \\(enp11s16\\): up with address 10.0.0.5/24, the plan was made when it was none" \
	"$T/err5" "the stale plan names the host's new use of the VF"

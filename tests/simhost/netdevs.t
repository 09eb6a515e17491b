#!/bin/bash
# SPDX-License-Identifier: MIT
# The VFs' netdevs and how the host uses them, two ways: from the link
# dump, which names each netdev's device (IFLA_PARENT_DEV_NAME, Linux >=
# 5.15), its master (IFLA_MASTER, the master's IFLA_INFO_KIND) and the
# netdevs stacked on it (IFLA_LINK); and from sysfs (virtfnN/net/, master,
# upper_*), as with an older kernel (the fake rtnetlink then leaves the
# device out: SIMHOST_NO_PARENT_DEV=1). Both must observe the same host.
# iproute2's `ip`, a real netlink client, reads the same answers.
. "$(dirname "$0")/lib.sh"
need_shim
export SIMHOST_NO_LIBVIRT=1

"$PYTHON" - "$TOP/examples/hosts/seed-82576.state.yaml" "$T/state.yaml" <<'PY'
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
pf = s["pci"][0]
pf["sriov"]["num-vfs"] = 5
vf = lambda i, **kw: dict({"id": i, "address": f"0000:0b:10.{2 * i}" if i < 4 else "0000:0b:11.0"}, **kw)
pf["sriov"]["vfs"] = [
    vf(0, driver="igbvf", interface="enp11s16",
       netdev={"up": True, "addresses": ["10.0.0.5/24", "fe80::5/64"]}),
    vf(1, driver="igbvf", interface="enp11s16f2",
       netdev={"up": True, "master": "br0", "master-kind": "bridge"}),
    vf(2, driver="igbvf", interface="enp11s16f4",
       netdev={"master": "bond0", "master-kind": "bond", "uppers": ["vlan20"]}),
    vf(3, driver="igbvf", interface="wan3", netdev={"uppers": ["vlan30", "macvtap3"]}),
    vf(4, driver="vfio-pci")]
s["domains"] = []
yaml.safe_dump(s, open(sys.argv[2], "w"), sort_keys=False)
PY

"$RUN" "$T/state.yaml" -- bash -c '
	T=$1
	"$SRIOVCTL" show --format state >"$T/dump.yaml" 2>"$T/dump.err"
	echo $? >"$T/dump.rc"
	SIMHOST_NO_PARENT_DEV=1 "$SRIOVCTL" show --format state >"$T/sysfs.yaml" 2>"$T/sysfs.err"
	echo $? >"$T/sysfs.rc"
	if command -v ip >/dev/null; then ip -o -d link show >"$T/ip.out" 2>&1; fi
	if command -v strace >/dev/null; then
		# LeakSanitizer cannot run under ptrace: no leak check in the traced runs
		export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
		strace -f -e trace=openat -o "$T/dump.strace" "$SRIOVCTL" show >/dev/null 2>&1
		echo $? >"$T/dump-strace.rc"
		SIMHOST_NO_PARENT_DEV=1 strace -f -e trace=openat -o "$T/sysfs.strace" \
			"$SRIOVCTL" show >/dev/null 2>&1
		echo $? >"$T/sysfs-strace.rc"
	fi
' bash "$T" 2>"$T/run.err"
is 0 $? "simulated host runs"
sed 's/^/# /' "$T/run.err" "$T/dump.err" "$T/sysfs.err"
is 0 "$(cat "$T/dump.rc")" "show exits 0 (netdevs from the link dump)"
is 0 "$(cat "$T/sysfs.rc")" "show exits 0 (netdevs from sysfs)"
same "$T/sysfs.yaml" "$T/dump.yaml" "the link dump and sysfs observe the same netdevs and uses"

# the state as observed, VF by VF: interface, then its netdev line
vfs() {
	"$PYTHON" - "$1" <<-'EOF'
		import sys, yaml
		s = yaml.safe_load(open(sys.argv[1]))
		for vf in s["pci"][0]["sriov"].get("vfs", []):
		    nd = vf.get("netdev") or {}
		    use = {k: nd[k] for k in ("up", "addresses", "master", "master-kind", "uppers") if k in nd}
		    print(vf["id"], vf.get("interface"), use)
	EOF
}
vfs "$T/dump.yaml" >"$T/vfs.out"
cat >"$T/want" <<'EOF'
0 enp11s16 {'up': True, 'addresses': ['10.0.0.5/24']}
1 enp11s16f2 {'up': True, 'master': 'br0', 'master-kind': 'bridge'}
2 enp11s16f4 {'up': False, 'master': 'bond0', 'master-kind': 'bond', 'uppers': ['vlan20']}
3 wan3 {'up': False, 'uppers': ['macvtap3', 'vlan30']}
4 None {}
EOF
same "$T/want" "$T/vfs.out" "each VF's netdev, master (with its kind) and uppers, sorted"

# which way was taken: the VFs' net/ directories are opened only for sysfs
if [ -f "$T/dump.strace" ]; then
	is "0 0" "$(cat "$T/dump-strace.rc") $(cat "$T/sysfs-strace.rc")" "show under strace exits 0, both ways"
	is 0 "$(grep -c 'virtfn[0-9]*/net' "$T/dump.strace")" \
		"with the link dump, no VF's net/ directory is read"
	is 5 "$(grep -c 'virtfn[0-9]*/net"' "$T/sysfs.strace")" \
		"without the netdevs' devices in the dump, each VF's net/ directory is read (all 5)"
else
	skip "strace" "strace is not installed"
	skip "strace" "strace is not installed"
	skip "strace" "strace is not installed"
fi

if [ -f "$T/ip.out" ]; then
	has 'enp11s16f2: .* master br0 ' "$T/ip.out" "ip sees br0 as the master of VF 1's netdev"
	has 'vlan30@wan3: ' "$T/ip.out" "ip sees vlan30 on VF 3's netdev"
	has 'bond0: .*bond ' "$T/ip.out" "ip sees bond0 as a bond"
else
	skip "ip link" "iproute2's ip is not installed"
	skip "ip link" "iproute2's ip is not installed"
	skip "ip link" "iproute2's ip is not installed"
fi

echo "1..$n"

#!/bin/bash
# SPDX-License-Identifier: MIT
# sriovctl qemu-args GUEST: one "-device vfio-pci,host=ADDR" per device,
# from the file's guest (-f; VFs resolved through the host or --state) or
# from the guest's libvirt definition; a note on stderr for a device not
# bound to vfio-pci; nothing printed on error.
. "$(dirname "$0")/lib.sh"
need_shim

STATE="$G/fixtures/five-vfs.state.yaml"
SPEC="$G/specs/change.yaml"

# ---- from the file, offline (--state) ----
"$SRIOVCTL" qemu-args MyGuest -f "$SPEC" --state "$STATE" >"$T/f.out" 2>"$T/f.err"
is 0 $? "-f: exit 0"
printf -- '-device vfio-pci,host=0000:0b:10.0\n-device vfio-pci,host=0000:0b:10.2\n-device vfio-pci,host=0000:0b:10.4\n' >"$T/f.want"
same "$T/f.want" "$T/f.out" "-f: the file's three devices, in its order"
has "note: 0000:0b:10\.0 is bound to igbvf, not vfio-pci" "$T/f.err" "-f: a VF on igbvf gets a note"
lacks "0000:0b:10\.4" "$T/f.err" "-f: no note for the VF already on vfio-pci"

"$SRIOVCTL" qemu-args MyGuest -f "$TOP/examples/seed-82576.yaml" --state "$TOP/examples/hosts/seed-82576.state.yaml" >"$T/seed.out" 2>"$T/seed.err"
is "-device vfio-pci,host=0000:0b:10.0" "$(cat "$T/seed.out")" "-f on the seed: the VF that VF 0 will be"
has "VF 0 of '0000:0b:00\.0' does not exist yet; it will be 0000:0b:10\.0" "$T/seed.err" "-f on the seed: says the VF does not exist yet"
has "seed-82576\.yaml:44:9: note: guest 'MyGuest': QEMU without libvirt does not set 0000:0b:10\.0's MAC and VLAN; this would: ip link set enp11s0f0 vf 0 mac 52:54:00:6d:90:02 vlan 42\$" \
	"$T/seed.err" "-f on the seed: the MAC and VLAN intent kept, with the ip link command that sets them"
has "does not set 0000:0b:10\.2's MAC and VLAN; this would: ip link set [a-z0-9]* vf 1 mac 52:54:00:00:00:02 vlan 20\$" \
	"$T/f.err" "-f: each VF with a MAC/VLAN gets its ip link command"
is 2 "$(grep -c "QEMU without libvirt" "$T/f.err")" "-f: only the two devices with a MAC or VLAN get one"

"$SRIOVCTL" qemu-args Other -f "$SPEC" --state "$STATE" >"$T/other.out" 2>"$T/other.err"
is 1 $? "-f: a guest the file does not name is an error"
is "" "$(cat "$T/other.out")" "... and prints nothing"
has "guest 'Other' is not in" "$T/other.err" "... saying so"

# ---- from libvirt's definition (here through --state) ----
"$SRIOVCTL" qemu-args MyGuest --state "$STATE" >"$T/l.out" 2>"$T/l.err"
is 0 $? "libvirt definition: exit 0"
printf -- '-device vfio-pci,host=0000:0b:10.2\n-device vfio-pci,host=0000:0b:10.4\n-device vfio-pci,host=0000:0b:11.0\n-device vfio-pci,host=0000:5e:00.0\n' >"$T/l.want"
same "$T/l.want" "$T/l.out" "libvirt definition: every PCI device, decimal addresses normalised"
"$SRIOVCTL" qemu-args Nobody --state "$STATE" >"$T/n.out" 2>"$T/n.err"
is 1 $? "an unknown guest: exit 1"
has "guest 'Nobody' is not defined in libvirt" "$T/n.err" "an unknown guest: says so"
"$SRIOVCTL" qemu-args >/dev/null 2>&1
is 64 $? "no guest: usage error"
"$SRIOVCTL" qemu-args A B C >/dev/null 2>&1
is 64 $? "two guests and a file: usage error"

# ---- the live host and the private libvirtd ----
if [ "$(id -u)" = 0 ] && command -v libvirtd >/dev/null && unshare -m -n --propagation private true 2>/dev/null; then
	"$RUN" "$STATE" -- bash -c '
		"$SRIOVCTL" qemu-args MyGuest >"$1/live.out" 2>"$1/live.err"; echo $? >"$1/live.rc"
		"$SRIOVCTL" qemu-args MyGuest -f "$2" >"$1/livef.out" 2>"$1/livef.err"; echo $? >"$1/livef.rc"
	' bash "$T" "$SPEC" 2>"$T/run.err"
	sed 's/^/# /' "$T/run.err" "$T/live.err"
	is 0 "$(cat "$T/live.rc")" "simhost, libvirt: exit 0"
	same "$T/l.want" "$T/live.out" "simhost, libvirt: MyGuest's devices"
	has "note: 0000:0b:11\.0 is bound to igbvf" "$T/live.err" "simhost, libvirt: the driver note from sysfs"
	lacks "0000:5e:00\.0|0000:0b:10\.4" "$T/live.err" "simhost, libvirt: no note for devices on vfio-pci"
	is 0 "$(cat "$T/livef.rc")" "simhost, file: exit 0"
	same "$T/f.want" "$T/livef.out" "simhost, file: the file's devices"
else
	skip "qemu-args against the private libvirtd" "needs root, namespaces and libvirtd"
fi

echo "1..$n"

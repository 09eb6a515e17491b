#!/bin/bash
# `sriovctl show` observes the live host: run the binary in a umockdev
# testbed of tests/observe/host.umockdev, with libvirt's test driver.
# Checks are on the host-state output's content, not its layout, and on
# the module config (modprobe.d options) that the text and JSON show.
set -u
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SRIOVCTL:=$TOP/build/sriovctl}"
fixture=$TOP/tests/observe/host.umockdev
guests="test://$TOP/tests/observe/guests.xml"
unreachable='qemu+unix:///system?socket=/nonexistent/sriovctl-test/sock'
. "$TOP/tests/lib/tap.sh"

echo "1..12"
if ! command -v umockdev-run >/dev/null; then
	for i in $(seq 12); do skip "show $i" "umockdev-run not installed"; done
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/etc/modprobe.d"
echo kvm-07 >"$tmp/root/etc/hostname"

show() { # args...: output in $tmp/out, stderr in $tmp/err, status in $rc
	umockdev-run -d "$fixture" -- "$SRIOVCTL" show --root "$tmp/root" "$@" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
}

out_has() { grep -qF -- "$1" "$tmp/out"; }

show --format state --libvirt "$guests"
check "show --format state succeeds" test "$rc" -eq 0
check "PF name from pci.ids" out_has "82576 Gigabit Network Connection"
check "VF bound to vfio-pci" out_has "0000:0b:10.2"
check "renamed netdev" out_has "wan0"
# the file root is for files: the host: guard must see the real hostname
check "hostname is the real one, not --root's etc/hostname" bash -c "grep -qx 'hostname: $(hostname)' '$tmp/out' && ! grep -qF kvm-07 '$tmp/out'"
check "guests from libvirt" bash -c "grep -qF web1 '$tmp/out' && grep -qF scratch '$tmp/out'"

# an unreachable libvirt without guests in a file: a note saying why, and the host is observed
show --format state --libvirt "$unreachable"
check "unreachable libvirt is a note" \
	grep -qF "note: guests not observed: cannot connect to libvirt at '$unreachable'" "$tmp/err"
check "unreachable libvirt is not an error" bash -c "! grep -q '^sriovctl: error: cannot connect' '$tmp/err'"

# with guests in the file it is an error
cat >"$tmp/spec.yaml" <<EOF
version: 1
guests:
  web1:
    devices:
      - pci: "0000:5e:00.0"
EOF
show -f "$tmp/spec.yaml" --libvirt "$unreachable"
check "unreachable libvirt with guests is an error" \
	bash -c "[ $rc -eq 1 ] && grep -qF \"error: cannot connect to libvirt at '$unreachable'\" '$tmp/err'"

# what modprobe.d sets for a module: in the text with its file, the value
# a later line overrides marked; in --json as the module's config
printf 'options igb max_vfs=3\noptions igb debug=2 max_vfs=5\n' >"$tmp/root/etc/modprobe.d/igb-local.conf"
show --libvirt "$guests"
check "show lists a module's config with its file" \
	grep -qE '^igb +debug=2 +/etc/modprobe.d/igb-local.conf$' "$tmp/out"
check "show marks an option that a later one overrides" bash -c \
	"grep -qE '^igb +max_vfs=3 +/etc/modprobe.d/igb-local.conf +\\(overridden\\)$' '$tmp/out' &&
	 grep -qE '^igb +max_vfs=5 +/etc/modprobe.d/igb-local.conf$' '$tmp/out'"
show --json --libvirt "$guests"
check "show --json has the module's config" "${PYTHON:-python3}" -c '
import json, sys
c = json.load(open(sys.argv[1]))["modules"]["igb"]["config"]
want = [{"key": k, "value": v, "source": "/etc/modprobe.d/igb-local.conf"}
        for k, v in (("max_vfs", "3"), ("debug", "2"), ("max_vfs", "5"))]
sys.exit(c[:3] != want)' "$tmp/out"

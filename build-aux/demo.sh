#!/bin/sh
# make demo: the main job on a simulated host. The seed's dual-port 82576
# (igb, SR-IOV off, guest MyGuest defined) is built as a umockdev testbed
# with a fake kernel and a private libvirtd; sriovctl then shows it, plans
# examples/seed-82576.yaml, applies it, and plans again (nothing left).
set -eu
B=${B:-build}
export SIMHOST_SHIM="${SIMHOST_SHIM:-$B/tests/simhost/fakekernel.so}"
spec=examples/seed-82576.yaml
state=examples/hosts/seed-82576.state.yaml

"$B/sriovctl" validate examples/*.yaml
echo
exec tests/simhost/run "$state" -- sh -eu -c '
S=$1 spec=$2
step() { printf "\n\$ %s\n" "$*"; "$@"; }
step "$S" show
step "$S" plan -f "$spec"
step "$S" apply -f "$spec"
step "$S" plan -f "$spec" --detailed-exitcode
step "$S" show
step cat "$SRIOVCTL_ROOT/etc/modprobe.d/igb.conf"
' demo "$B/sriovctl" "$spec"

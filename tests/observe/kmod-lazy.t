#!/bin/bash
# SPDX-License-Identifier: MIT
# libkmod is loaded only when a module is looked at (reconcile/kmodlib.c
# dlopen()s it): --version, and plan and apply of a file that names no
# module, do not load it (nor libcrypto, libzstd, liblzma behind it); a
# file that names one, and show, load it and see the simulated host's
# modules through it. When it cannot be loaded, only what needs it fails,
# with a message saying why. Seen with the dynamic loader's own trace
# (LD_DEBUG=files) on the simulated host.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
export SIMHOST_SHIM=${SIMHOST_SHIM:-$TOP/$B/tests/simhost/fakekernel.so}

# ---- inside the simulated host: $1 the work directory ----
# run NAME ARGS...: sriovctl ARGS traced into $w/NAME.ld, output in
# $w/NAME.out and .err, status in $w/NAME.rc
inside() {
	local w=$1 name
	run() {
		name=$1
		shift
		LD_DEBUG=files LD_DEBUG_OUTPUT="$w/$name.ld" "$SRIOVCTL" "$@" >"$w/$name.out" 2>"$w/$name.err"
		echo $? >"$w/$name.rc"
	}
	run version --version
	run plan-nomod plan -f "$w/nomod.yaml"
	run apply-nomod apply -f "$w/nomod.yaml"
	run plan-mod plan -f "$w/mod.yaml"
	run show show --format state
	# a libkmod.so.2 that the dynamic loader cannot load, found first
	mkdir -p "$w/lib" && echo "not a library" >"$w/lib/libkmod.so.2"
	export LD_LIBRARY_PATH="$w/lib"
	run nokmod-version --version
	run nokmod-nomod apply -f "$w/nomod.yaml"
	run nokmod-mod plan -f "$w/mod.yaml"
}
if [ "${1:-}" = --inside ]; then
	inside "$2"
	exit
fi

. "$TOP/tests/lib/tap.sh"
if [ ! -f "$SIMHOST_SHIM" ]; then
	echo "1..0 # SKIP no fake kernel at $SIMHOST_SHIM (make tests)"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/kmod-lazy.XXXXXX")
trap 'rm -rf "$T"' EXIT

# two 82576 ports, VFs as the files want them; igb loaded with max_vfs=0
cat >"$T/state.yaml" <<'EOF'
version: 1
kind: host-state
hostname: kvm-07
pci:
  - address: "0000:0b:00.0"
    vendor: "8086"
    device: "10c9"
    driver: igb
    interfaces: [enp11s0f0]
    sriov: {total-vfs: 7, num-vfs: 0, drivers-autoprobe: true, offset: 128, stride: 2, vf-device: "10ca", vfs: []}
  - address: "0000:0b:00.1"
    vendor: "8086"
    device: "10c9"
    driver: igb
    interfaces: [enp11s0f1]
    sriov: {total-vfs: 7, num-vfs: 0, drivers-autoprobe: true, offset: 128, stride: 2, vf-device: "10ca", vfs: []}
modules:
  igb: {loaded: true, parameters: {max_vfs: "0"}}
files:
  /etc/modprobe.d/igb.conf: null
EOF
printf 'version: 1\npfs:\n  - pci: "0000:0b:00.0"\n    num-vfs: 0\n' >"$T/nomod.yaml"
cat >"$T/mod.yaml" <<'EOF'
version: 1
modules:
  igb: {reload: true}
pfs:
  - pci: "0000:0b:00.0"
    num-vfs: 2
    method: module
EOF

SIMHOST_NO_LIBVIRT=1 "$TOP/tests/simhost/run" "$T/state.yaml" -- "$0" --inside "$T" >"$T/run.log" 2>&1
rc=$?
echo "1..20"
is 0 "$rc" "the simulated host ran the commands"
sed 's/^/# /' "$T/run.log" | head -n 20

# loaded NAME: the trace of run NAME shows libkmod.so.2 loaded
loaded() { cat "$T/$1.ld".* 2>/dev/null | grep -q 'file=libkmod\.so\.2 .*\(needed\|loaded\) by'; }
not_loaded() { ! loaded "$1"; }
rc_of() { cat "$T/$1.rc" 2>/dev/null; }

is 0 "$(rc_of version)" "--version: exit 0"
check "--version: the trace lists the libraries loaded" grep -q 'file=libyaml' "$T"/version.ld.*
check "--version: libkmod is not loaded" not_loaded version

is 0 "$(rc_of plan-nomod)" "plan of a file without modules: exit 0"
has "^No changes" "$T/plan-nomod.out" "... the host matches"
check "... libkmod is not loaded" not_loaded plan-nomod
is 0 "$(rc_of apply-nomod)" "no-op apply of a file without modules: exit 0"
check "... libkmod is not loaded" not_loaded apply-nomod

is 0 "$(rc_of plan-mod)" "plan of a file with a module: exit 0"
check "... libkmod is loaded" loaded plan-mod
# libkmod says igb is loaded, /sys/module its max_vfs
has "reload: true, and the loaded igb has max_vfs=0" "$T/plan-mod.out" \
	"... and through it igb is seen loaded, with its parameter"

is 0 "$(rc_of show)" "show: exit 0"
check "... libkmod is loaded" loaded show
has '^  igb: \{loaded: true, parameters: \{max_vfs: "0"\}' "$T/show.out" "... igb is loaded"

is 0 "$(rc_of nokmod-version)" "libkmod unloadable: --version still runs"
is 0 "$(rc_of nokmod-nomod)" "... a no-op apply of a file without modules still runs"
is 1 "$(rc_of nokmod-mod)" "... plan of a file with a module: exit 1"
has "error: cannot look up module 'igb': cannot load libkmod\.so\.2: " "$T/nokmod-mod.err" \
	"... saying which module and why"
is "" "$(cat "$T/nokmod-mod.out")" "... and prints no plan"

[ "$n_fail" -eq 0 ]

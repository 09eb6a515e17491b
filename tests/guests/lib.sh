# SPDX-License-Identifier: MIT
# Shared by tests/guests/*.t: the simulated host's helpers, and libvirt
# checks. The guests live in the simulated host's private libvirtd.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/../simhost/lib.sh"
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
G="$TOP/tests/guests"
export SRIOVCTL G PYTHON

# The tests need the private libvirtd: root, namespaces, libvirtd, virsh.
need_libvirt() {
	local why=""
	if [ "$(id -u)" != 0 ]; then why="needs root (private libvirtd in namespaces)"
	elif ! command -v libvirtd >/dev/null || ! command -v virsh >/dev/null; then why="libvirtd or virsh missing"
	elif ! unshare -m -n --propagation private true 2>/dev/null; then why="no mount/network namespaces"
	fi
	if [ -n "$why" ]; then
		skip "libvirt tests" "$why"
		echo "1..$n"
		exit 0
	fi
}

# devs FILE: the PCI devices of a domain XML file, normalised (devs.py)
devs() { $PYTHON "$G/devs.py" <"$1"; }


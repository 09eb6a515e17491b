#!/bin/sh
# Install the Debian packages sriovctl builds and tests with, when missing,
# and QEMU 10 for the real-kernel tier (see qemu_backports below).
# Needs root to install; without root it lists what is missing and fails.
#   build-aux/deps.sh bench: only what `make bench` adds (see bench_deps)
set -eu
# linux-source: the VM tier builds netdevsim.ko for the kernel it boots
# (tests/vm/netdevsim-build; Debian does not ship it), against that
# kernel's headers (vm_headers below)
PKGS="gcc make pkg-config libc6-dev
libyaml-dev libudev-dev libpci-dev pci.ids libkmod-dev libvirt-dev libxml2-dev libmnl-dev libjson-c-dev
libcmocka-dev umockdev libumockdev-dev
python3 python3-yaml python3-jsonschema python3-prometheus-client libxml2-utils graphviz
libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils
util-linux strace iproute2 valgrind perl
clang libclang-rt-14-dev
linux-image-amd64 busybox-static udev xz-utils kmod
linux-source
scdoc man-db dpkg-dev debhelper lintian
ansible-core"

# The VM tier's QEMU: bookworm's qemu-system-x86 (7.2) has no igb device
# (the 82576 with SR-IOV, QEMU >= 8.0); bookworm-backports has QEMU 10. It
# is unpacked here (dpkg-deb -x), next to the system's QEMU 7.2, which the
# private libvirtd of the other tiers keeps using: tests/vm/run finds it
# in this directory (or SRIOVCTL_VM_QEMU_DIR, or SRIOVCTL_VM_QEMU).
QEMU_DIR=${SRIOVCTL_VM_QEMU_DIR:-/opt/sriovctl/qemu}
QEMU_PKGS="qemu-system-x86 qemu-system-data seabios"

have_qemu10() {
	"$QEMU_DIR/usr/bin/qemu-system-x86_64" -machine none -device igb,help >/dev/null 2>&1
}

# The bookworm-backports suite on the machine's own Debian mirror, with the
# keyring of its bookworm entry. Backports are pinned at priority 100 by
# their Release file (NotAutomatic/ButAutomaticUpgrades): adding the suite
# upgrades nothing installed.
add_backports() {
	grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ && return 0
	uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	key=$(sed -n 's/^Signed-By: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' \
		"${uri:-http://deb.debian.org/debian}" \
		"${key:-/usr/share/keyrings/debian-archive-keyring.gpg}" \
		>/etc/apt/sources.list.d/debian-backports.sources
	echo "deps: added bookworm-backports to /etc/apt/sources.list.d/debian-backports.sources"
}

qemu_backports() {
	have_qemu10 && return 0
	add_backports
	apt-get update -qq
	tmp=$(mktemp -d)
	# apt's sandbox user must be able to write the download directory
	chmod 755 "$tmp"
	chown _apt "$tmp" 2>/dev/null || true
	(
		cd "$tmp"
		for p in $QEMU_PKGS; do
			apt-get download -qq "$p/bookworm-backports"
		done
	)
	rm -rf "$QEMU_DIR.new"
	mkdir -p "$QEMU_DIR.new"
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$QEMU_DIR.new"
	done
	rm -rf "$tmp" "$QEMU_DIR"
	mv "$QEMU_DIR.new" "$QEMU_DIR"
	have_qemu10 || { echo "deps: the unpacked QEMU in $QEMU_DIR does not run" >&2; exit 1; }
	echo "deps: $("$QEMU_DIR/usr/bin/qemu-system-x86_64" --version | head -n 1) in $QEMU_DIR"
}

# `make bench` runs netplan side by side with sriovctl on the simulated
# host (tests/bench/netplan.sh), and lspci for the manual routine that
# observe-live.sh times against `show`. Only the benchmarks need them: `make check`
# never installs it, and without root, or when it cannot be installed,
# the benchmark says so and prints no ratio.
BENCH_PKGS="netplan.io pciutils"

bench_deps() {
	missing=""
	for p in $BENCH_PKGS; do
		case "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" in
		*"ok installed") ;;
		*) missing="$missing $p" ;;
		esac
	done
	[ -n "$missing" ] || return 0
	if [ "$(id -u)" != 0 ]; then
		echo "deps: the benchmarks' netplan side by side needs:$missing (apt-get install$missing as root)" >&2
		return 0
	fi
	echo "deps: installing for the benchmarks:$missing"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $missing >/dev/null; } ||
		echo "deps: could not install$missing: the benchmarks run without them" >&2
}

if [ "${1:-}" = bench ]; then
	bench_deps
	exit 0
fi

# The kernel the VM tier boots (as tests/vm/run picks it: the newest in /boot
# with its modules), or nothing.
vm_kver() {
	local k kv=
	for k in $(ls /boot/vmlinuz-* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V); do
		[ -f "/lib/modules/$k/modules.dep" ] && kv=$k
	done
	echo "$kv"
}

# That kernel's headers, for netdevsim: linux-headers-amd64 may name a newer
# kernel than the one installed, so they are asked for by its version; when
# the archive no longer has them, the kernel and its headers are brought to
# the archive's current ones together (the VM tier then boots that kernel).
vm_headers() {
	local kv
	kv=$(vm_kver)
	[ -n "$kv" ] && [ -f "/lib/modules/$kv/build/Makefile" ] && return 0
	[ "$(id -u)" = 0 ] || { echo "deps: no headers for kernel ${kv:-?} (apt-get install linux-headers-$kv)" >&2; return 1; }
	apt-get update -qq
	if [ -z "$kv" ] || ! apt-get install -y -qq --no-install-recommends "linux-headers-$kv" >/dev/null; then
		apt-get install -y -qq --no-install-recommends linux-image-amd64 linux-headers-amd64 >/dev/null
	fi
	kv=$(vm_kver)
	[ -f "/lib/modules/$kv/build/Makefile" ] || { echo "deps: no headers for kernel $kv" >&2; return 1; }
}

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done
if [ -z "$missing" ] && have_qemu10 && [ -f "/lib/modules/$(vm_kver)/build/Makefile" ]; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	if [ -n "$missing" ]; then
		echo "deps: missing Debian packages:$missing" >&2
		echo "deps: run 'make deps' as root, or: apt-get install$missing" >&2
		exit 1
	fi
	have_qemu10 ||
		echo "deps: no QEMU 10 in $QEMU_DIR: the VM tier skips the igb scenarios (run 'make deps' as root)" >&2
	[ -f "/lib/modules/$(vm_kver)/build/Makefile" ] ||
		echo "deps: no headers for kernel $(vm_kver): the VM tier skips netdevsim (run 'make deps' as root)" >&2
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
vm_headers
qemu_backports

#!/bin/sh
# Install the Debian packages sriovctl builds and tests with, when missing.
# Needs root to install; without root it lists what is missing and fails.
set -eu
PKGS="gcc make pkg-config libc6-dev
libyaml-dev libudev-dev libpci-dev pci.ids libkmod-dev libvirt-dev libxml2-dev libmnl-dev libjson-c-dev
libcmocka-dev umockdev libumockdev-dev
python3 python3-yaml python3-jsonschema libxml2-utils
libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils
util-linux strace iproute2 valgrind perl
clang libclang-rt-14-dev
linux-image-amd64 busybox-static udev xz-utils kmod"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run 'make deps' as root, or: apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

#!/bin/bash
# numvfs-seq.sh PF: a fixed sequence of writes to the SR-IOV attributes of
# the PCI function PF (with its driver bound) and to its first VF's driver
# binding files, one line per write:
#   FILE VALUE: ANSWER; sriov_numvfs N; virtfn links K; vf0 driver D
# where ANSWER is "ok" or the errno name and FILE is relative to the PF's
# directory or to /sys/bus/pci; VF0 stands for the first VF's address. Run in the VM against the real
# kernel (its transcript is tests/fixtures/vm-nvme.numvfs-seq.txt) and on the
# simulated host (tests/vm/fixture.t): the two transcripts must be equal.
set -u
LC_ALL=C
d=/sys/bus/pci/devices/$1

w() {
	local msg ans v v2 n=0 f drv=-
	f=$1
	[[ $f == /* ]] || f=$d/$f
	msg=$( (printf '%s\n' "$2" >"$f") 2>&1)
	case $msg in
	"") ans=ok ;;
	*"No such file or directory"*) ans=ENOENT ;;
	*"Device or resource busy"*) ans=EBUSY ;;
	*"Numerical result out of range"*) ans=ERANGE ;;
	*"Invalid argument"*) ans=EINVAL ;;
	*"No such device"*) ans=ENODEV ;;
	*) ans="other: ${msg##*: }" ;;
	esac
	IFS= read -r v <"$d/sriov_numvfs"
	for f in "$d"/virtfn*; do [ -e "$f" ] && n=$((n + 1)); done
	if [ -e "$d/virtfn0" ]; then
		drv=none
		[ -e "$d/virtfn0/driver" ] && drv=$(readlink "$d/virtfn0/driver") && drv=${drv##*/}
	fi
	v2=${2:-"''"}
	[ -n "${vf:-}" ] && [ "$2" = "$vf" ] && v2=VF0
	printf '%s %s: %s; sriov_numvfs %s; virtfn links %s; vf0 driver %s\n' \
		"${1#/sys/bus/pci/}" "$v2" "$ans" "$v" "$n" "$drv"
}

w sriov_drivers_autoprobe 0
w sriov_numvfs 0
w sriov_numvfs 0
w sriov_numvfs 2
w sriov_numvfs 3
w sriov_numvfs 5
w sriov_numvfs 2
w sriov_numvfs -1
w sriov_numvfs abc
w sriov_numvfs ""
w sriov_numvfs 0
w sriov_numvfs 4
w sriov_numvfs 4
w sriov_numvfs 0
w sriov_drivers_autoprobe 2
w sriov_numvfs 2
vf=$(readlink "$d/virtfn0")
vf=${vf##*/}
w virtfn0/driver_override vfio-pci
w /sys/bus/pci/drivers_probe "$vf"
w virtfn0/driver/unbind "$vf"
w virtfn0/driver_override ""
w /sys/bus/pci/drivers/vfio-pci/bind "$vf"
w virtfn0/driver_override vfio-pci
w /sys/bus/pci/drivers/vfio-pci/bind "$vf"
w /sys/bus/pci/drivers/vfio-pci/bind "$vf"
w sriov_numvfs 0
w sriov_drivers_autoprobe 1

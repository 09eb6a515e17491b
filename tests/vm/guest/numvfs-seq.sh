#!/bin/bash
# numvfs-seq.sh PF: a fixed sequence of writes to the SR-IOV attributes of
# the PCI function PF (with its driver bound), one line per write:
#   ATTR VALUE: ANSWER; sriov_numvfs N; virtfn links K
# where ANSWER is "ok" or the errno name. Run in the VM against the real
# kernel (its transcript is tests/fixtures/vm-nvme.numvfs-seq.txt) and on the
# simulated host (tests/vm/fixture.t): the two transcripts must be equal.
set -u
LC_ALL=C
d=/sys/bus/pci/devices/$1

w() {
	local msg ans v n=0 f
	msg=$( (printf '%s\n' "$2" >"$d/$1") 2>&1)
	case $msg in
	"") ans=ok ;;
	*"No such file or directory"*) ans=ENOENT ;;
	*"Device or resource busy"*) ans=EBUSY ;;
	*"Numerical result out of range"*) ans=ERANGE ;;
	*"Invalid argument"*) ans=EINVAL ;;
	*) ans="other: ${msg##*: }" ;;
	esac
	IFS= read -r v <"$d/sriov_numvfs"
	for f in "$d"/virtfn*; do [ -e "$f" ] && n=$((n + 1)); done
	printf '%s %s: %s; sriov_numvfs %s; virtfn links %s\n' "$1" "${2:-''}" "$ans" "$v" "$n"
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
w sriov_drivers_autoprobe 1

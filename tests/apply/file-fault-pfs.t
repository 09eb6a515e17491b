#!/bin/bash
# SPDX-License-Identifier: MIT
# A modprobe.d fault (read-only directory, full disk) while the same apply
# creates VFs on two PFs: the file error is reported and the run exits 1,
# no temporary file is left, the PFs still get their VFs; once the fault
# is gone a re-run writes the file and converges. (File faults alone are
# in tests/hostops/file-faults.t.)
. "$(dirname "$0")/lib.sh"
need_shim
COUNT=10
if [ "${APPLY_IN_MNTNS:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
		echo "1..$COUNT"
		skip_all $COUNT "file fault" "needs root and unshare -m"
	fi
	rm -rf "$T"
	APPLY_IN_MNTNS=1 exec unshare -m --propagation private "$0"
fi
echo "1..$COUNT"

mkhost "$T/state.yaml" --pfs 2 --spec "$T/spec.yaml" --want-vfs 7 --spec-extra '{method: module}'
cat >>"$T/spec.yaml" <<'EOF2'
modules:
  igb: {options: {max_vfs: 7}, file: /etc/modprobe.d/igb.conf}
EOF2

SCRIPT='
	D=$SRIOVCTL_ROOT/etc/modprobe.d
	nv() { echo "$(cat /sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs)/$(cat /sys/bus/pci/devices/0000:0c:00.0/sriov_numvfs)"; }
	if [ "$1" = ro ]; then
		mount --bind "$D" "$D" && mount -o remount,bind,ro "$D"
	else
		mount -t tmpfs -o size=16k tmpfs "$D" &&
			dd if=/dev/zero of="$D/zz-filler" bs=4096 count=16 2>/dev/null
	fi
	$SC apply -f "$T/spec.yaml" >"$T/out1" 2>"$T/err1"
	echo "first: rc=$? vfs=$(nv) files=$(ls -A "$D" | tr "\n" " ")"
	if [ "$1" = ro ]; then umount "$D"; else rm -f "$D/zz-filler"; fi
	$SC apply -f "$T/spec.yaml" >"$T/out2" 2>"$T/err2"
	echo "rerun: rc=$? vfs=$(nv) conf=$(grep -v "^#" "$D/igb.conf")"
	$SC plan --detailed-exitcode -f "$T/spec.yaml" >/dev/null 2>&1
	echo "plan: rc=$?"
'
for fault in ro full; do
	sim "$T/state.yaml" "$SCRIPT" "$fault" >"$T/out" 2>&1
	sed 's/^/# /' "$T/out" "$T/err1"
	case $fault in
	ro) msg="Read-only file system" files="" ;;
	full) msg="No space left on device" files="zz-filler " ;;
	esac
	has "^first: rc=1 vfs=7/7 files=$files$" "$T/out" \
		"$fault: exit 1, both PFs have 7 VFs, no temporary file"
	has "^sriovctl: error: cannot write '.*/etc/modprobe.d/igb.conf': $msg$" "$T/err1" "$fault: the error names the file and the cause"
	lacks "not converged|skipped" "$T/err1" "$fault: the PFs' steps were not skipped"
	has '^rerun: rc=0 vfs=7/7 conf=options igb max_vfs=7$' "$T/out" "$fault: once the fault is gone a re-run converges"
	has '^plan: rc=0$' "$T/out" "$fault: plan --detailed-exitcode is 0"
done

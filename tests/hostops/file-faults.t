#!/bin/bash
# modprobe.d faults through apply: a read-only directory and a full disk
# (in a private mount namespace). Each: clear error, exit 1, old file
# intact, no temporary file left, files sriovctl does not manage untouched;
# once the fault is gone a re-run converges.
set -u
. "$TOP/tests/hostops/lib.sh"
COUNT=10

if [ "${HOSTOPS_IN_MNTNS:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || skip_all $COUNT "not root (needs mounts)"
	unshare -m --propagation private true 2>/dev/null ||
		skip_all $COUNT "cannot create a private mount namespace (unshare -m)"
	HOSTOPS_IN_MNTNS=1 exec unshare -m --propagation private "$0"
fi

hostops_init $COUNT
D=$R/etc/modprobe.d
F=$R$CONF
write_spec 2
echo "1..$COUNT"

sc apply >"$R/out" 2>&1
rc=$?
mkdir -p "$D"
printf 'blacklist igbvf\n' >"$D/local.conf"
[ "$rc" -eq 0 ] && grep -qx "options $MODULE max_vfs=2" "$F"
ok_if $? "setup: apply writes the managed file (rc=$rc)"
cp "$F" "$R/old"

# ---- read-only directory ----
write_spec 7
mount --bind "$D" "$D" && mount -o remount,bind,ro "$D"
sc apply >"$R/out" 2>"$R/err"
rc=$?
grep -qF "cannot write '$F': Read-only file system" "$R/err" && [ "$rc" -eq 1 ]
ok_if $? "read-only: clear error and exit 1 (rc=$rc)"
cmp -s "$F" "$R/old" && [ "$(listing "$D")" = "local.conf sriovctl-$MODULE.conf" ]
ok_if $? "read-only: old file intact, no temporary file"
umount "$D"
sc apply >"$R/out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -qx "options $MODULE max_vfs=7" "$F"
ok_if $? "read-only: re-run with a writable directory converges (rc=$rc)"
sc plan --detailed-exitcode >"$R/out" 2>&1
ok_if $? "read-only: plan again has no changes"

# ---- full disk: a 16 KiB tmpfs filled up by another file ----
write_spec 3
cp "$F" "$R/old"
cp -a "$D" "$R/saved"
mount -t tmpfs -o size=16k tmpfs "$D" && cp -a "$R/saved/." "$D/"
dd if=/dev/zero of="$D/zz-filler" bs=4096 count=16 2>/dev/null
sc apply >"$R/out" 2>"$R/err"
rc=$?
grep -qF "cannot write '$F': No space left on device" "$R/err" && [ "$rc" -eq 1 ]
ok_if $? "full disk: clear error and exit 1 (rc=$rc)"
cmp -s "$F" "$R/old" &&
	[ "$(listing "$D")" = "local.conf sriovctl-$MODULE.conf zz-filler" ]
ok_if $? "full disk: old file intact, no temporary file"
rm -f "$D/zz-filler"
sc apply >"$R/out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -qx "options $MODULE max_vfs=3" "$F"
ok_if $? "full disk: re-run with room converges (rc=$rc)"
sc plan --detailed-exitcode >"$R/out" 2>&1
ok_if $? "full disk: plan again has no changes"
[ "$(cat "$D/local.conf")" = "blacklist igbvf" ]
ok_if $? "a file sriovctl does not manage is untouched"

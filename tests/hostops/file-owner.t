#!/bin/bash
# Rewriting a managed modprobe.d file keeps its mode and owner; a symbolic
# link in its place is refused (never replaced by a regular file, never
# followed); a stale temporary file of a crashed run (.NAME.XXXXXX) is
# removed by the next write; the write itself leaves no temporary file.
set -u
. "$TOP/tests/hostops/lib.sh"

hostops_init 9
[ "$(id -u)" = 0 ] || skip_all 9 "not root (chown)"
D=$R/etc/modprobe.d
F=$R$CONF
echo "1..$COUNT"
mkdir -p "$D"

# ---- mode and owner kept ----
printf 'options %s max_vfs=2\n' "$MODULE" >"$F"
chown 1234:4321 "$F"
chmod 0640 "$F"
write_spec 7
sc apply >"$R/out" 2>"$R/err"
rc=$?
[ "$rc" = 0 ] && grep -qx "options $MODULE max_vfs=7" "$F"
ok_if $? "apply rewrites the file (rc=$rc: $(head -c 300 "$R/err"))"
[ "$(stat -c '%a %u:%g' "$F")" = "640 1234:4321" ]
ok_if $? "its mode and owner are kept ($(stat -c '%a %u:%g' "$F"))"
[ "$(listing "$D")" = "sriovctl-$MODULE.conf" ]
ok_if $? "no temporary file is left ($(listing "$D"))"

# ---- a new file: 0644, root ----
rm -f "$F"
write_spec 5
sc apply >"$R/out" 2>"$R/err"
[ "$(stat -c '%a %u:%g' "$F")" = "644 0:0" ]
ok_if $? "a new file is 0644 root ($(stat -c '%a %u:%g' "$F"))"

# ---- a stale temporary file of a crashed run ----
printf 'options %s max_vfs=1\n' "$MODULE" >"$D/.sriovctl-$MODULE.conf.Ab12Cd"
printf 'keep\n' >"$D/.sriovctl-$MODULE.conf.notours"
write_spec 3
sc apply >"$R/out" 2>"$R/err"
rc=$?
[ "$rc" = 0 ] && [ ! -e "$D/.sriovctl-$MODULE.conf.Ab12Cd" ]
ok_if $? "the next write removes the stale temporary file (rc=$rc)"
[ -e "$D/.sriovctl-$MODULE.conf.notours" ]
ok_if $? "a file of another shape is left alone"
rm -f "$D/.sriovctl-$MODULE.conf.notours"

# ---- a symbolic link ----
printf 'options %s max_vfs=1\n' "$MODULE" >"$R/elsewhere.conf"
cp "$R/elsewhere.conf" "$R/elsewhere.orig"
rm -f "$F"
ln -s "$R/elsewhere.conf" "$F"
write_spec 6
sc apply >"$R/out" 2>"$R/err"
rc=$?
[ "$rc" = 1 ] && grep -qF "refusing to write '$F': it is a symbolic link" "$R/err"
ok_if $? "a symbolic link is refused with a clear error (rc=$rc: $(head -c 300 "$R/err"))"
[ -L "$F" ]
ok_if $? "the link is still a link"
cmp -s "$R/elsewhere.conf" "$R/elsewhere.orig"
ok_if $? "its target is untouched"

#!/bin/bash
# apply holds /run/sriovctl.lock (here <root>/run/sriovctl.lock, see sc in lib.sh): a second run waits --lock-timeout,
# then exits 1 with a clear message and changes nothing; once the lock is
# released it proceeds.
set -u
. "$TOP/tests/hostops/lib.sh"

hostops_init 6
command -v flock >/dev/null || skip_all 6 "flock(1) is not installed"
write_spec 7
echo "1..$COUNT"

lock=$R/run/sriovctl.lock
mkdir -p "$R/run"
exec 9>"$lock"
flock -x 9

# 1-3: held by someone else: wait 0.5 s, give up
start=$EPOCHREALTIME
sc apply --lock-timeout 0.5 >"$R/out" 2>"$R/err" 9>&-
rc=$?
took=$(elapsed "$start")
grep -qF "another sriovctl run holds '/run/sriovctl.lock' (waited 0.5 s)" "$R/err"
ok_if $? "a second run reports who holds the lock"
[ "$rc" -eq 1 ] && between "$took" 0.5 5
ok_if $? "it exits 1 after waiting its --lock-timeout (rc=$rc, took ${took}s)"
[ ! -e "$R$CONF" ] && [ "$(listing "$R/etc/modprobe.d" 2>/dev/null)" = "" ]
ok_if $? "the waiting run changed nothing"

# 4-5: released: the next run applies and converges
flock -u 9
sc apply --lock-timeout 0 >"$R/out" 2>"$R/err" 9>&-
rc=$?
[ "$rc" -eq 0 ] && grep -qx "options $MODULE max_vfs=7" "$R$CONF"
ok_if $? "after release apply writes the file (rc=$rc)"
sc plan --detailed-exitcode >"$R/out" 2>&1 9>&-
ok_if $? "plan again: no changes"

# 6: a run that waits gets the lock when it is released
write_spec 5
flock -x 9
(sleep 1; flock -u 9) &
releaser=$!
start=$EPOCHREALTIME
sc apply --lock-timeout 30 >"$R/out" 2>"$R/err" 9>&-
rc=$?
took=$(elapsed "$start")
wait "$releaser"
[ "$rc" -eq 0 ] && between "$took" 0.9 10 && grep -qx "options $MODULE max_vfs=5" "$R$CONF"
ok_if $? "a waiting run proceeds when the lock is released (rc=$rc, took ${took}s)"
exec 9>&-

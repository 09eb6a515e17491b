#!/bin/bash
# SPDX-License-Identifier: MIT
# Messages: every one without a file place starts with "sriovctl: "; -q
# leaves errors only, -v adds what is done; under journald (JOURNAL_STREAM
# names stderr) each line carries its syslog priority; the lock-contention
# error names the holder's pid.
. "$(dirname "$0")/lib.sh"
echo "1..12"
# a shrink planned without libvirt: a warning without a place
case=$TOP/tests/plan/cases/shrink-unguarded
nolv=$case/spec.yaml
cp "$case/host.state.yaml" "$T/nolv.state.yaml"
sc plan "$nolv" --state "$T/nolv.state.yaml"
cp "$T/err" "$T/plain.err"
has '^sriovctl: warning: set-num-vfs 0000:0b:00.0: cannot tell whether a guest uses' "$T/err" \
	"a warning without a place starts with 'sriovctl: warning: '"
lacks '^(error|warning|note):' "$T/err" "no line starts with a bare level"

# 3-4: -q and -v
sc plan "$nolv" --state "$T/nolv.state.yaml" -q
is "" "$(cat "$T/err")" "-q: no warning"
sc plan "$nolv" --state "$T/nolv.state.yaml" -v
has "^sriovctl: reading $nolv$" "$T/err" "-v: says which file it reads"

# 5-8: journald
"$SRIOVCTL" plan "$nolv" --state "$T/nolv.state.yaml" >"$T/out" 2>"$T/j.err"
journal=$(stat -c '%d:%i' "$T/j.err")
JOURNAL_STREAM=$journal "$SRIOVCTL" plan "$nolv" --state "$T/nolv.state.yaml" >"$T/out" 2>"$T/j.err"
has '^<4>sriovctl: warning: set-num-vfs' "$T/j.err" "under journald a warning carries <4>"
JOURNAL_STREAM=$journal "$SRIOVCTL" plan "$T/missing.yaml" >"$T/out" 2>"$T/j.err"
has "^<3>$T/missing.yaml: error: " "$T/j.err" "an error with a place carries <3>"
JOURNAL_STREAM=$journal "$SRIOVCTL" plan --dry-run >"$T/out" 2>"$T/j.err"
has '^<3>sriovctl: plan: option --dry-run does not apply' "$T/j.err" "a usage error carries <3>"
JOURNAL_STREAM=1:2 "$SRIOVCTL" plan "$nolv" --state "$T/nolv.state.yaml" >"$T/out" 2>"$T/j.err"
check "JOURNAL_STREAM naming another file: no prefix" cmp -s "$T/j.err" "$T/plain.err"

# 9-12: the lock holder's pid (in a private /run, as root)
if [ "$(id -u)" != 0 ] || ! unshare -m --propagation private true 2>/dev/null || ! command -v flock >/dev/null; then
	for i in 9 10 11 12; do skip "lock holder's pid" "needs root, unshare and flock"; done
	exit 0
fi
mkdir -p "$T/lroot"
unshare -m --propagation private bash -c '
	mount -t tmpfs tmpfs /run || exit 1
	"$4" -c "import fcntl, time; f = open(\"/run/sriovctl.lock\", \"w\"); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(30)" &
	holder=$!
	for i in $(seq 100); do ! flock -n /run/sriovctl.lock true 2>/dev/null && break; sleep 0.05; done
	echo "$holder" >"$1/holder"
	# never without the lock held: this apply is on the real host
	flock -n /run/sriovctl.lock true 2>/dev/null && exit 1
	"$2" apply "$3" --root "$1/lroot" --libvirt test:///default --lock-timeout 0.2 >"$1/l.out" 2>"$1/l.err"
	echo $? >"$1/l.rc"
	kill "$holder"
	wait "$holder"
	# a holder that is gone (flock(1) took it, a child keeps it) is not named
	exec 9>/run/sriovctl.lock
	flock -x 9
	flock -n /run/sriovctl.lock true 2>/dev/null && exit 1
	"$2" apply "$3" --root "$1/lroot" --libvirt test:///default --lock-timeout 0.2 >"$1/l2.out" 2>"$1/l2.err" 9>&-
' lock "$T" "$SRIOVCTL" "$nolv" "$PYTHON"
is 1 "$(cat "$T/l.rc")" "a run that cannot get the lock exits 1"
has "^sriovctl: error: another sriovctl run \(pid $(cat "$T/holder")\) holds '/run/sriovctl.lock' \(waited 0.2 s\)$" \
	"$T/l.err" "it names the holder's pid"
has "^sriovctl: error: another sriovctl run holds '/run/sriovctl.lock' \(waited 0.2 s\)$" "$T/l2.err" \
	"a holder that has exited is not named"
lacks 'pid' "$T/l2.err" "no stale pid"

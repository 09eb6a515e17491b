#!/bin/bash
# SPDX-License-Identifier: MIT
# A simulated host captured with `show --format state` and loaded back with
# --state is the same host: `show --json` of both is identical, also with
# VFs made by the fake kernel and a guest holding one. And the file's
# host: guard refuses another host, live and captured (--state).
. "$(dirname "$0")/../simhost/lib.sh"
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
STATE="$TOP/examples/hosts/seed-82576.state.yaml"
SPEC="$TOP/examples/seed-82576.yaml"

"$RUN" "$STATE" -- bash -c '
set -e
S=$1 out=$2 spec=$3
"$S" show --json >"$out/before.json"
"$S" show --format state >"$out/before.state.yaml"
"$S" apply -f "$spec" >"$out/apply.log" 2>&1
"$S" show --json >"$out/after.json"
"$S" show --format state >"$out/after.state.yaml"
printf "version: 1\nhost: not-this-host\n" >"$out/guard.yaml"
set +e
"$S" plan -f "$out/guard.yaml" >/dev/null 2>"$out/guard.err"
echo $? >"$out/guard.rc"
' run "$SRIOVCTL" "$T" "$SPEC" >"$T/run.log" 2>&1
check "the simulated host ran" test -s "$T/after.state.yaml"

for when in before after; do
	"$SRIOVCTL" show --state "$T/$when.state.yaml" --json >"$T/$when.loaded.json" 2>"$T/$when.err"
	if cmp -s "$T/$when.json" "$T/$when.loaded.json"; then
		ok "$when apply: show --json live and from the captured state are identical"
	else
		not_ok "$when apply: show --json live and from the captured state are identical"
		diff "$T/$when.json" "$T/$when.loaded.json" | head -20 | sed 's/^/#   /'
	fi
done
has '"vf-name": "82576 Virtual Function"' "$T/after.json" "VFs made by the fake kernel carry their pci.ids name"
has '"MyGuest"' "$T/after.json" "the guest holding VF 0 is in the captured host"

is 1 "$(cat "$T/guard.rc" 2>/dev/null)" "host: guard: plan for another host exits 1"
has "this file is for host 'not-this-host', but this is 'kvm-07'" "$T/guard.err" "host: guard: the error names both hosts"
printf "version: 1\nhost: not-this-host\n" >"$T/guard.yaml"
"$SRIOVCTL" plan -f "$T/guard.yaml" --state "$T/after.state.yaml" >/dev/null 2>"$T/guard-state.err"
is 1 $? "host: guard: plan --state of a captured host of another name exits 1"
has "this file is for host 'not-this-host', but the host-state file '.*after.state.yaml' is of host 'kvm-07'" \
	"$T/guard-state.err" "host: guard: the error names the file's host and the captured one"
printf "version: 1\nhost: kvm-07\n" >"$T/guard-ok.yaml"
"$SRIOVCTL" plan -f "$T/guard-ok.yaml" --state "$T/after.state.yaml" >/dev/null 2>&1
is 0 $? "host: guard: plan --state of the captured host of that name exits 0"
grep -v '^hostname:' "$T/after.state.yaml" >"$T/nohost.state.yaml"
"$SRIOVCTL" plan -f "$T/guard-ok.yaml" --state "$T/nohost.state.yaml" >/dev/null 2>"$T/nohost.err"
is 1 $? "host: guard: a host-state file without a hostname fails the guard"
has "but the host-state file '.*nohost.state.yaml' has no hostname" "$T/nohost.err" \
	"host: guard: the error says the host-state file has no hostname"
printf "version: 1\n" >"$T/noguard.yaml"
"$SRIOVCTL" plan -f "$T/noguard.yaml" --state "$T/nohost.state.yaml" >/dev/null 2>&1
is 0 $? "host: guard: a file without host: plans a host-state file without a hostname"
echo "1..$n"

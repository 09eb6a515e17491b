#!/bin/bash
# The seed example end to end: examples/seed-82576.yaml planned against the
# captured 82576 host shows the module file, the VF count and the
# attachment; against the host where all that is done, the plan is empty.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
SRIOVCTL=${SRIOVCTL:-$TOP/build/sriovctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$TOP" || exit 1

tests=("module conf" "num-vfs 0 -> 7" "attach to MyGuest" "--detailed-exitcode 2" \
	"json from the same plan" "applied: empty plan, exit 0")
echo "1..${#tests[@]}"
spec=examples/seed-82576.yaml
before=examples/hosts/seed-82576.state.yaml
after=examples/hosts/seed-82576-applied.state.yaml
if [ ! -f "$spec" ] || [ ! -f "$before" ] || [ ! -f "$after" ]; then
	for i in "${!tests[@]}"; do
		echo "ok $((i + 1)) - ${tests[$i]} # SKIP the seed example or its host states are missing"
	done
	exit 0
fi

result() { # N NAME CONDITION-STATUS
	if [ "$3" = 0 ]; then echo "ok $1 - $2"; else echo "not ok $1 - $2"; fi
}

"$SRIOVCTL" plan -f "$spec" --state "$before" --detailed-exitcode >"$tmp/plan" 2>"$tmp/err"
rc=$?
sed 's/^/# /' "$tmp/plan" "$tmp/err"
grep -qxF '+ /etc/modprobe.d/igb.conf: options igb max_vfs=7' "$tmp/plan"
result 1 "${tests[0]}" $?
grep -qxF '~ 0000:0b:00.0 num-vfs 0 -> 7' "$tmp/plan"
result 2 "${tests[1]}" $?
grep -qxF "+ attach 0000:0b:10.0 to MyGuest (interface, mac 52:54:00:6d:90:02, vlan 42, virtualport 802.1Qbh profileid finance) [config]" "$tmp/plan"
result 3 "${tests[2]}" $?
[ "$rc" = 2 ]
result 4 "${tests[3]}" $?

"$SRIOVCTL" plan -f "$spec" --state "$before" --json >"$tmp/json" 2>/dev/null
"${PYTHON:-/usr/bin/python3}" - "$tmp/json" "$tmp/plan" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
lines = [l for l in open(sys.argv[2]) if l[:1] in "+-~"]
assert p["version"] == 1 and p["blocked"] == []
assert p["summary"] == {"changes": len(lines), "blocked": 0}, (p["summary"], len(lines))
a = [c for c in p["changes"] if c["action"] == "attach"][0]
assert (a["target"], a["device"], a["persistent"], a["live"]) == ("MyGuest", "0000:0b:10.0", True, False)
n = [c for c in p["changes"] if c["action"] == "set-num-vfs" and c["target"] == "0000:0b:00.0"][0]
assert (n["from"], n["to"], n["disruptive"]) == (0, 7, False)
PY
result 5 "${tests[4]}" $?

"$SRIOVCTL" plan -f "$spec" --state "$after" --detailed-exitcode >"$tmp/plan2" 2>&1
rc=$?
sed 's/^/# /' "$tmp/plan2"
[ "$rc" = 0 ] && [ "$(cat "$tmp/plan2")" = "No changes: the host matches the desired state." ]
result 6 "${tests[5]}" $?

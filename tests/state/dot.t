#!/bin/bash
# SPDX-License-Identifier: MIT
# show --format dot and plan --format dot: Graphviz renders them (dot
# -Tsvg), and the graph Graphviz reads back (dot -Tjson) holds the PFs,
# their VFs with driver, MAC and VLAN, the guests with an edge from each
# device they hold, and a plan's changes marked: changed nodes orange,
# VFs the plan creates dashed under their PF, attach edges green, blocked
# changes red. Strings from a hostile host-state stay strings.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
PYTHON=${PYTHON:-/usr/bin/python3}
. "$TOP/tests/lib/tap.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
M=$TOP/tests/metrics
EX=$TOP/examples

# graph DOT: what Graphviz reads from it, one line each: "node ID | LABEL |
# COLOR | STYLE" and "edge TAIL -> HEAD | LABEL | COLOR | STYLE"
graph() {
	dot -Tjson "$1" | $PYTHON -c '
import json, sys
g = json.load(sys.stdin)
objs = g.get("objects", [])
for o in objs:
    print("node", o["name"], "|", o.get("label", "").replace("\\n", " / "), "|",
          o.get("color", ""), "|", o.get("style", ""))
for e in g.get("edges", []):
    print("edge", objs[e["tail"]]["name"], "->", objs[e["head"]]["name"], "|", e.get("label", ""),
          "|", e.get("color", ""), "|", e.get("style", ""))
'
}

# renders NAME DOT: dot -Tsvg takes it
renders() {
	if dot -Tsvg "$2" >"$T/out.svg" 2>"$T/dot.err" && grep -q "<svg" "$T/out.svg" && [ ! -s "$T/dot.err" ]; then
		ok "$1"
	else
		fail "$1" "$(cat "$T/dot.err")"
	fi
}

# the host
"$SRIOVCTL" show --state "$M/host.state.yaml" --format dot >"$T/show.dot" 2>"$T/err"
is 0 "$?" "show --format dot: exit 0"
renders "show --format dot: dot -Tsvg renders it" "$T/show.dot"
graph "$T/show.dot" >"$T/g" 2>&1
has '^node pf:0000:0b:00.0 \| PF 0000:0b:00.0 / driver igb / netdev enp11s0f0 / VFs 2/7 \|' "$T/g" "the PF with its driver, netdev and VF count"
has '^node vf:0000:0b:10.0 \| VF 0 0000:0b:10.0 / driver vfio-pci / mac 52:54:00:6d:90:02 / vlan 42 \|' "$T/g" "VF 0 with driver, MAC and VLAN"
has '^node vf:0000:0b:10.2 \| VF 1 0000:0b:10.2 / driver igbvf / netdev enp11s16f2 / mac 52:54:00:6d:90:03 \|' "$T/g" "VF 1 (no VLAN)"
has '^edge pf:0000:0b:00.0 -> vf:0000:0b:10.0 ' "$T/g" "PF -> VF 0"
has '^edge pf:0000:0b:00.0 -> vf:0000:0b:10.2 ' "$T/g" "PF -> VF 1"
has '^node guest:web1 \| web1 / shut off \|' "$T/g" "the guest"
has '^edge vf:0000:0b:10.0 -> guest:web1 \| config \|' "$T/g" "VF 0 -> the guest holding it (persistent definition)"
is 7 "$(grep -c . "$T/g")" "nothing else: 4 nodes and 3 edges"
lacks 'darkorange|red3|dashed' "$T/g" "show marks nothing"

# a plan: VF settings pending
"$SRIOVCTL" plan --state "$M/host.state.yaml" "$M/drift.yaml" --format dot >"$T/plan.dot" 2>"$T/err"
is 0 "$?" "plan --format dot: exit 0"
renders "plan --format dot: dot -Tsvg renders it" "$T/plan.dot"
graph "$T/plan.dot" >"$T/g" 2>&1
has '^node vf:0000:0b:10.2 \| .* / ~ 0000:0b:00.0 vf 1 vlan 0 -> 100 \| darkorange \| rounded,bold$' "$T/g" "the VF to change: orange, with its change"
has '^node vf:0000:0b:10.0 \| [^|]* \|  \| rounded$' "$T/g" "the VF left alone: unmarked"

# a plan: new VFs, a modprobe.d file and an attach
"$SRIOVCTL" plan --state "$EX/hosts/seed-82576.state.yaml" "$EX/seed-82576.yaml" --format dot >"$T/seed.dot" 2>"$T/err"
renders "the seed's plan renders" "$T/seed.dot"
graph "$T/seed.dot" >"$T/g" 2>&1
has '^node pf:0000:0b:00.0 \| .* / ~ 0000:0b:00.0 num-vfs 0 -> 7 \| darkorange \|' "$T/g" "the PF whose VF count changes"
has '^node vf:0000:0b:10.0 \| VF 0 0000:0b:10.0 \(new\) \|  \| dashed$' "$T/g" "the VF the plan creates: dashed"
has '^edge pf:0000:0b:00.0 -> vf:0000:0b:10.0 \|  \|  \| dashed$' "$T/g" "... under its PF"
has '^edge vf:0000:0b:10.0 -> guest:MyGuest \| \+ attach 0000:0b:10.0 to MyGuest .* \| forestgreen \| dashed$' "$T/g" "the attach: a green dashed edge"
has '^node file:/etc/modprobe.d/igb.conf \| .* \| darkorange \| dashed,bold$' "$T/g" "the modprobe.d file to write"

# a blocked change
"$SRIOVCTL" plan --state "$M/host.state.yaml" "$M/blocked.yaml" --format dot >"$T/blocked.dot" 2>"$T/err"
renders "a blocked plan renders" "$T/blocked.dot"
graph "$T/blocked.dot" >"$T/g" 2>&1
has '^node pf:0000:0b:00.0 \| .* / ! blocked: 0000:0b:00.0 num-vfs 2 -> 4 .*used by guest web1.* \| red3 \|' "$T/g" "the blocked change: red, with why"

# hostile strings: escaped, the graph still one graph
"$SRIOVCTL" show --state "$TOP/tests/state/hostile.state.yaml" --format dot >"$T/hostile.dot" 2>"$T/err"
renders "a hostile host-state renders" "$T/hostile.dot"
if grep -q $'\x1b' "$T/hostile.dot"; then not_ok "no raw control character"; else ok "no raw control character"; fi
graph "$T/hostile.dot" >"$T/g" 2>&1
is 1 "$(grep -c '^node ' "$T/g")" "a guest name with a newline and a quote-like forgery is one node"
$PYTHON - "$M/host.state.yaml" "$T/quote.state.yaml" <<'PY'
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
s["domains"][0]["name"] = 'a"b\\"; x [label=1]; "c'
yaml.safe_dump(s, open(sys.argv[2], "w"))
PY
"$SRIOVCTL" show --state "$T/quote.state.yaml" --format dot >"$T/quote.dot" 2>"$T/err"
renders "a guest name with quotes and backslashes renders" "$T/quote.dot"
graph "$T/quote.dot" >"$T/g" 2>&1
is 4 "$(grep -c '^node ' "$T/g")" "... its quotes forge no node: 4 nodes"
has '^edge vf:0000:0b:10.0 -> guest:a"b.*; x \[label=1\]; "c \| config' "$T/g" "... the guest is one node, named with all of it"
has '>a&quot;b\\&quot;; x \[label=1\]; &quot;c</text>' "$T/out.svg" "... drawn as the name"

"$SRIOVCTL" show --state "$M/host.state.yaml" --format svg >/dev/null 2>"$T/err"
is 64 "$?" "an unknown format is a usage error"
has "unknown format 'svg' \(text, json, state, spec, dot\)" "$T/err" "... naming dot"
echo "1..$n"

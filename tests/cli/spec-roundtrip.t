#!/bin/bash
# SPDX-License-Identifier: MIT
# show --format spec writes the observed host as a desired-state file that
# validate accepts and that plans nothing on the same host: for every
# captured host of the tests (--state), and on the simulated host, where
# it is also applied (nothing to do) and its guests come from the private
# libvirtd.
. "$(dirname "$0")/lib.sh"

hosts=()
for h in "$TOP"/tests/plan/cases/*/host.state.yaml "$TOP"/tests/plan/hosts/*.state.yaml \
	"$TOP"/examples/hosts/*.state.yaml "$TOP"/tests/state/rich.state.yaml \
	"$TOP"/tests/fixtures/vm-*.state.yaml "$TOP"/tests/guests/fixtures/*.state.yaml; do
	[ -f "$h" ] && hosts+=("$h")
done
sims=("$TOP/examples/hosts/seed-82576.state.yaml" "$TOP/examples/hosts/seed-82576-applied.state.yaml"
	"$FIX/vfs-2.state.yaml")
guests=$TOP/examples/hosts/seed-82576-applied.state.yaml
echo "1..$((${#hosts[@]} + 4 * ${#sims[@]} + 4))"

# roundtrip NAME SPEC-FILE ERR-FILE VALIDATE-RC PLAN-RC PLAN-OUT
roundtrip() {
	if [ "$4" = 0 ] && [ "$5" = 0 ] && grep -q '^No changes' "$6" && grep -q '^version: 1$' "$2"; then
		ok "$1"
	else
		fail "$1" "validate: $4, plan: $5" "$(cat "$3" "$6" | head -20)" "$(head -40 "$2")"
	fi
}

# 1. captured hosts
for h in "${hosts[@]}"; do
	name=${h#"$TOP"/}
	"$SRIOVCTL" show --state "$h" --format spec >"$T/spec.yaml" 2>"$T/err"
	"$SRIOVCTL" validate -q "$T/spec.yaml" 2>>"$T/err"
	v=$?
	"$SRIOVCTL" plan "$T/spec.yaml" --state "$h" --detailed-exitcode >"$T/plan" 2>>"$T/err"
	roundtrip "$name: the spec validates and plans nothing" "$T/spec.yaml" "$T/err" "$v" $? "$T/plan"
done

# 2. the simulated host, observed live
if [ ! -f "$SIMHOST_SHIM" ] || [ "$(id -u)" != 0 ]; then
	for i in $(seq $((4 * ${#sims[@]} + 4))); do skip "simulated host" "needs root and the fake kernel"; done
	exit 0
fi
for s in "${sims[@]}"; do
	name=$(basename "$s" .state.yaml)
	SIMHOST_NO_LIBVIRT=1 "$RUN" "$s" -- env SC="$SRIOVCTL" T="$T" SRIOVCTL_LIBVIRT_URI=test:///default bash -c '
		$SC show --format spec >"$T/spec.yaml" 2>"$T/err"; echo "show=$?" >"$T/rc"
		$SC validate -q "$T/spec.yaml" 2>>"$T/err"; echo "validate=$?" >>"$T/rc"
		$SC plan "$T/spec.yaml" --detailed-exitcode >"$T/plan" 2>>"$T/err"; echo "plan=$?" >>"$T/rc"
		$SC apply "$T/spec.yaml" >"$T/apply" 2>>"$T/err"; echo "apply=$?" >>"$T/rc"
	'
	. "$T/rc"
	is 0 "$show" "$name: show --format spec on the simulated host"
	has '^    num-vfs: ' "$T/spec.yaml" "$name: the spec has the PFs and their VF counts"
	roundtrip "$name: it validates and plans nothing" "$T/spec.yaml" "$T/err" "$validate" "$plan" "$T/plan"
	if [ "$apply" = 0 ] && grep -q '^No changes' "$T/apply"; then ok "$name: apply does nothing"; else
		fail "$name: apply does nothing" "apply: $apply" "$(cat "$T/apply" "$T/err")"
	fi
done

# 3. guests from the private libvirtd
if ! command -v libvirtd >/dev/null || ! unshare -m -n --propagation private true 2>/dev/null; then
	for i in 1 2 3 4; do skip "guests" "needs libvirtd and namespaces"; done
	exit 0
fi
"$RUN" "$guests" -- env SC="$SRIOVCTL" T="$T" bash -c '
	$SC show --format spec >"$T/spec.yaml" 2>"$T/err"; echo "show=$?" >"$T/rc"
	$SC validate -q "$T/spec.yaml" 2>>"$T/err"; echo "validate=$?" >>"$T/rc"
	$SC plan "$T/spec.yaml" --detailed-exitcode >"$T/plan" 2>>"$T/err"; echo "plan=$?" >>"$T/rc"
'
. "$T/rc"
is 0 "$show" "seed-82576-applied with libvirt: show --format spec with libvirt"
has '^guests:$' "$T/spec.yaml" "seed-82576-applied with libvirt: the guests are written"
has '^      - vf: \{pf: "0000:0b:00.0", id: [0-9]+\}$' "$T/spec.yaml" "seed-82576-applied with libvirt: a guest's VF by its PF and id"
roundtrip "seed-82576-applied with libvirt: it validates and plans nothing" "$T/spec.yaml" "$T/err" "$validate" "$plan" "$T/plan"

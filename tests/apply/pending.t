#!/bin/bash
# SPDX-License-Identifier: MIT
# A run stopped (kill -9) while the VF count it set is still being
# reached: the kernel's sriov_numvfs store and show wait for the device
# lock, which that change holds until the driver is done (the fake kernel
# does the same). The next run waits for it, bounded by --timeout, and
# plans against what it left:
#   1. re-run at once, the change ends within --timeout: it waits and
#      converges (before: "device busy", exit 1);
#   2. re-run with --timeout shorter than what is left of the change:
#      apply and plan give up after --timeout naming the PF, exit 1, the
#      lock free (before: they waited for the whole change); a run after
#      the change converges.
. "$(dirname "$0")/lib.sh"
need_shim
echo "1..11"
if ! command -v flock >/dev/null; then
	for i in $(seq 11); do echo "ok $i - pending change # SKIP needs flock"; done
	exit 0
fi
variant "$T/state.yaml" "$TOP/examples/hosts/seed-82576.state.yaml" \
	's["simulate"]["0000:0b:00.0"]["vf-delay-ms"] = 5000'
for n in 3 0; do
	cat >"$T/vfs$n.yaml" <<-EOF
		version: 1
		pfs:
		  - pci: "0000:0b:00.0"
		    num-vfs: $n
	EOF
done

# SPEC: start an apply, kill it once the fake kernel marks the change pending
script='
	marker=$UMOCKDEV_DIR/simhost-pending-0000:0b:00.0
	killed_apply() {
		$SC apply -f "$1" >/dev/null 2>&1 &
		local pid=$! i
		for i in $(seq 200); do [ -e "$marker" ] && break; sleep 0.02; done
		kill -KILL $pid
		wait $pid 2>/dev/null
		[ -e "$marker" ] && echo pending || echo "not pending"
	}
	took() { awk -v a="$1" -v b="$EPOCHREALTIME" "BEGIN { printf \"%.1f\", b - a }"; }

	echo "1: $(killed_apply "$T/vfs3.yaml")"
	s=$EPOCHREALTIME
	$SC apply -f "$T/vfs3.yaml" --timeout 20 >"$T/a1.out" 2>"$T/a1.err"
	echo "1: rerun=$? took=$(took $s)"
	$SC plan -f "$T/vfs3.yaml" --detailed-exitcode >/dev/null 2>&1
	echo "1: plan=$?"

	echo "2: $(killed_apply "$T/vfs0.yaml")"
	s=$EPOCHREALTIME
	timeout -s KILL 30 $SC apply -f "$T/vfs0.yaml" --timeout 1 >"$T/a2.out" 2>"$T/a2.err"
	echo "2: rerun=$? took=$(took $s)"
	flock -n /run/sriovctl.lock true && echo "2: lock=free" || echo "2: lock=held"
	s=$EPOCHREALTIME
	timeout -s KILL 30 $SC plan -f "$T/vfs0.yaml" --timeout 1 >"$T/p2.out" 2>"$T/p2.err"
	echo "2: plan=$? took=$(took $s)"
	$SC apply -f "$T/vfs0.yaml" --timeout 20 >"$T/a3.out" 2>"$T/a3.err"
	echo "2: later=$?"
	$SC plan -f "$T/vfs0.yaml" --detailed-exitcode >/dev/null 2>&1
	echo "2: plan-later=$?"
'
sim "$T/state.yaml" "$script" >"$T/out" 2>"$T/run.err"
sed 's/^/# /' "$T/out" "$T/run.err" "$T/a1.err" "$T/a2.err" "$T/p2.err"
o=$T/out
has '^1: pending$' "$o" "1: the killed apply left the change of 0000:0b:00.0 under way"
has '^1: rerun=0 ' "$o" "1: a re-run at once waits for it and exits 0"
took=$(sed -n 's/^1: rerun=.* took=//p' "$o")
if awk -v t="${took:-0}" 'BEGIN { exit !(t >= 1) }'; then ok "1: it waited for the change (${took} s)"
else not_ok "1: it waited for the change (took ${took:-?} s)"; fi
has '^1: plan=0$' "$o" "1: then plan --detailed-exitcode exits 0"
has '^2: pending$' "$o" "2: the killed apply left the change under way"
has '^2: rerun=1 ' "$o" "2: a re-run with --timeout 1 exits 1"
has "^(sriovctl: )?error: PF '0000:0b:00\.0': a change of its VF count is still under way .*: sriov_numvfs did not answer within 1 s" \
	"$T/a2.err" "2: the error names the PF, what is under way and the bound"
took=$(sed -n 's/^2: rerun=.* took=//p' "$o")
ptook=$(sed -n 's/^2: plan=.* took=//p' "$o")
if awk -v t="${took:-99}" -v p="${ptook:-99}" 'BEGIN { exit !(t < 3.5 && p < 3.5) }'; then
	ok "2: apply and plan give up after --timeout 1 (${took} s, ${ptook} s), not after the change"
else not_ok "2: apply and plan give up after --timeout 1 (took ${took:-?} s, ${ptook:-?} s)"; fi
has '^2: lock=free$' "$o" "2: the lock is free"
has '^2: plan=1 ' "$o" "2: plan exits 1 too"
if grep -q '^2: later=0$' "$o" && grep -q '^2: plan-later=0$' "$o"; then
	ok "2: after the change, apply converges and plan exits 0"
else not_ok "2: after the change, apply converges and plan exits 0"; fi

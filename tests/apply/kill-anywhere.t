#!/bin/bash
# SPDX-License-Identifier: MIT
# kill -9 and SIGTERM at seeded random points of the seed apply on the
# simulated seed host (VFs appear 300 ms after the write, so that there is
# a window): after each kill igb.conf is whole (the old or the new file,
# never a part), the lock is free, a re-run converges and leaves no
# temporary file, and plan --detailed-exitcode exits 0. The seed and every
# round (signal, delay) are printed; KILL_SEED=N repeats a run.
. "$(dirname "$0")/lib.sh"
need_shim
ITER=${KILL_ITER:-20}
SEED=${KILL_SEED:-$(date +%s)}
echo "1..$((ITER + 1))"
if [ "$(id -u)" != 0 ] || ! command -v flock >/dev/null; then
	skip_all $((ITER + 1)) "kill anywhere" "needs root (private libvirtd) and flock"
fi
echo "# seed $SEED (KILL_SEED=$SEED repeats this run)"
variant "$T/state.yaml" "$TOP/examples/hosts/seed-82576.state.yaml" \
	'[v.update({"vf-delay-ms": 300}) for v in s["simulate"].values()]'
start=$EPOCHREALTIME
"$RUN" "$T/state.yaml" -- env SRIOVCTL="$SRIOVCTL" \
	bash "$TOP/tests/apply/kill-anywhere.sh" "$ITER" "$SEED" "$TOP/examples/seed-82576.yaml" "$T/w" \
	2>&1 | tee "$T/out" | sed -u 's/^/# /'
echo "# took $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", b - a }') s"
if grep -q "^new: options igb max_vfs=7  old: options igb max_vfs=0$" "$T/out"; then
	ok "the seed apply writes igb.conf, the reset another content (the two whole files)"
else
	not_ok "the seed apply writes igb.conf, the reset another content (the two whole files)"
fi
for i in $(seq "$ITER"); do
	line=$(grep "^round $i " "$T/out")
	if [[ "$line" =~ whole=yes\ lock=free\ rerun=0\ temps=0\ plan=0$ ]] &&
		! grep -q "^reset $i failed" "$T/out"; then
		ok "${line#round }"
	else
		not_ok "round $i: ${line:-no result}"
		sed 's/^/#   /' "$T/w/$i.err" "$T/w/$i.rerun" 2>/dev/null | head -n 10
	fi
done

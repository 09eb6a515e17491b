#!/bin/bash
# SPDX-License-Identifier: MIT
# Inside the simulated seed host (kill-anywhere.t): ITER rounds of the seed
# apply killed (kill -9 or SIGTERM, alternating) after a seeded random
# delay, each followed by the checks. VFs appear 300 ms after the write, so
# the kills land before, during and after the VF counts, the file write
# and the attach. Prints one line per round:
#   round I SIGNAL DELAY_MS rc=RC whole=yes|no lock=free|held rerun=RC temps=N plan=RC
# and resets the host (0 VFs, the old igb.conf, MyGuest without the VF)
# between rounds.
set -u
iters=$1 seed=$2 spec=$3 out=$4
SC=$SRIOVCTL
# every command but the killed one is bounded: a hang fails a round (rc
# 124), it does not stop the test
T_SC="timeout -k 5 90 $SC"
D=$SRIOVCTL_ROOT/etc/modprobe.d
RANDOM=$seed
mkdir -p "$out"
cat >"$out/reset.yaml" <<'EOF'
version: 1
modules:
  igb: {options: {max_vfs: 0}, file: /etc/modprobe.d/igb.conf}
pfs:
  - {pci: "0000:0b:00.0", num-vfs: 0}
  - {pci: "0000:0b:00.1", num-vfs: 0}
guests:
  MyGuest: {prune: true, devices: []}
EOF
# the new file: one clean apply; the old: the reset's
$SC apply -f "$spec" >/dev/null 2>&1
cp "$D/igb.conf" "$out/new.conf"
$SC apply -f "$out/reset.yaml" >/dev/null 2>&1
cp "$D/igb.conf" "$out/old.conf"
echo "new: $(grep -v '^#' "$out/new.conf")  old: $(grep -v '^#' "$out/old.conf")"
for i in $(seq "$iters"); do
	if [ $((i % 2)) = 1 ]; then sig=KILL; else sig=TERM; fi
	delay=$((RANDOM % 900))
	$SC apply -f "$spec" >"$out/$i.out" 2>"$out/$i.err" &
	pid=$!
	sleep "$(printf '0.%03d' "$delay")"
	kill -$sig $pid 2>/dev/null
	# a stopped run ends at once (SIGTERM: within its running step's
	# --timeout); one still there after 60 s is a defect, shown as such
	for _ in $(seq 600); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 $pid 2>/dev/null; then
		echo "round $i: the apply (pid $pid) did not end within 60 s of SIG$sig:"
		ps -o pid,ppid,stat,wchan:20,args --ppid $pid -p $pid | sed 's/^/    /'
		kill -KILL $pid 2>/dev/null
	fi
	wait $pid
	rc=$?
	# the file: whole (old or new), right after the kill
	if cmp -s "$D/igb.conf" "$out/old.conf" || cmp -s "$D/igb.conf" "$out/new.conf"; then whole=yes; else whole=no; fi
	if flock -n /run/sriovctl.lock true; then lock=free; else lock=held; fi
	# a VF change the killed run started may still be under way (for up to
	# vf-delay-ms): the re-run, at once, waits for it (tests/apply/pending.t)
	$T_SC apply -f "$spec" --lock-timeout 2 >"$out/$i.rerun" 2>&1
	rerun=$?
	temps=$(ls -A "$D" | grep -c '^\.')
	$T_SC plan --detailed-exitcode -f "$spec" >/dev/null 2>&1
	plan=$?
	echo "round $i $sig ${delay}ms rc=$rc whole=$whole lock=$lock rerun=$rerun temps=$temps plan=$plan"
	$T_SC apply -f "$out/reset.yaml" >"$out/$i.reset" 2>&1 || echo "reset $i failed: $(grep -m1 error "$out/$i.reset")"
done

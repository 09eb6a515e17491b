#!/bin/bash
# SPDX-License-Identifier: MIT
# A writer of sriov_numvfs killed with SIGKILL at a random point of its
# write (as kill -9 of a run does): the kernel's write cannot be cut in
# half, so the fake kernel's delayed change must be whole or absent. Never
# a "change under way" marker that no worker will clear: every later
# reader of sriov_numvfs would wait on it for ever (the hang of
# tests/apply/kill-anywhere.t). Seeded; KILL_SEED=N repeats a run.
. "$(dirname "$0")/lib.sh"
need_shim
export SIMHOST_NO_LIBVIRT=1
ROUNDS=${KILL_ROUNDS:-400}
SEED_N=${KILL_SEED:-$(date +%s)}
echo "1..3"
echo "# seed $SEED_N (KILL_SEED=$SEED_N repeats this run)"
variant "$T/state.yaml" "$SEED" \
	's["simulate"]["0000:0b:00.0"]["vf-delay-ms"] = 20'
"$RUN" "$T/state.yaml" -- timeout -k 5 300 "$PYTHON" - "$ROUNDS" "$SEED_N" >"$T/out" 2>&1 <<'PY'
import glob, os, random, signal, sys, time

rounds, seed = int(sys.argv[1]), int(sys.argv[2])
random.seed(seed)
attr = "/sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs"
markers = os.path.join(os.environ["UMOCKDEV_DIR"], "simhost-pending-*")
left = 0
for i in range(rounds):
    pid = os.fork()
    if pid == 0:
        fd = os.open(attr, os.O_WRONLY)
        os.write(fd, b"3" if i % 2 else b"0")
        os._exit(0)
    time.sleep(random.random() * 0.004)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    # the delayed change (20 ms, by a new process) clears its marker
    for _ in range(200):
        stale = glob.glob(markers)
        if not stale:
            break
        time.sleep(0.01)
    if stale:
        left += 1
        print("round %d: marker left for 2 s: %r" % (i, open(stale[0]).read()))
        for m in stale:
            os.unlink(m)
# the device still answers: a read does not wait for ever
t = time.monotonic()
now = open(attr).read().strip()
print("rounds=%d markers-left=%d read=%s in %.1f s" % (rounds, left, now, time.monotonic() - t))
PY
rc=$?
sed 's/^/# /' "$T/out" | tail -n 20
is "$rc" 0 "the killer ran to its end (no hang)"
check "no marker left by a killed writer in $ROUNDS rounds" grep -q "markers-left=0 " "$T/out"
check "sriov_numvfs reads at once afterwards" grep -Eq "read=[0-9]+ in 0\.[0-9] s" "$T/out"

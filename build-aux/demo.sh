#!/bin/sh
# make demo: validate the examples, then show the simulated seed host (a
# dual-port 82576 with SR-IOV off and one guest) as sriovctl observes it.
set -u
B=${B:-build}
rc=0
for f in examples/*.yaml; do
	[ -e "$f" ] || continue
	"$B/sriovctl" validate "$f" || rc=1
done
state=examples/hosts/seed-82576.state.yaml
[ -f "$state" ] || state=tests/simhost/fixtures/seed-82576.state.yaml
echo "== sriovctl show on the simulated host from $state"
SIMHOST_SHIM=${SIMHOST_SHIM:-$B/tests/simhost/fakekernel.so} \
	tests/simhost/run "$state" -- "$B/sriovctl" show || rc=1
exit $rc

#!/bin/bash
# SPDX-License-Identifier: MIT
# Live `sriovctl show` on the simulated host (tests/simhost/run):
#  1. 16 PFs x 64 VFs (1,040 PCI devices): the wall time of `show` (median
#     of N runs) and the openat(2) calls it makes per PCI device (strace),
#     each with its goal;
#  2. the seed host (tests/simhost/fixtures/seed-82576.state.yaml, with its
#     guest in a private libvirtd; needs root): `show` against the manual
#     routine it replaces (lspci, virsh nodedev-list, virsh dumpxml of each
#     guest), medians of N runs taken in turn, as a ratio with its goal.
# Prints figures only, each as "NAME: MEASURED (goal GOAL): met|not met";
# nothing here asserts a time.
#   tests/bench/observe-live.sh [N [PFS [VFS]]]
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
export SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
export SIMHOST_SHIM=${SIMHOST_SHIM:-$TOP/$B/tests/simhost/fakekernel.so}
N=${1:-11}
PFS=${2:-16}
VFS=${3:-64}
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-observe.XXXXXX")
trap 'rm -rf "$T"' EXIT

# In the simulated host: runs "$@" N times, one wall time (s) a line.
cat >"$T/times.sh" <<'EOF'
n=$1; shift
for _ in $(seq "$n"); do
	start=$EPOCHREALTIME
	"$@" >/dev/null 2>&1 || echo "failed: $*" >&2
	awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f\n", b - a }'
done
EOF
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.4f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.0f", s * 1000 }'; }
# a figure as tests/bench/run collects them: NAME: MEASURED (goal GOAL): met|not met
figure() { printf '%s: %s (goal %s): %s\n' "$1" "$2" "$3" "$([ "$4" = 1 ] && echo met || echo "not met")"; }

# ---- 1. the large host: time and openat per device ----
"$PYTHON" "$TOP/tests/apply/mkhost.py" "$T/big.yaml" --pfs "$PFS" --num-vfs "$VFS" \
	--total-vfs "$VFS" || exit 1
devs=$((PFS + PFS * VFS))
# no libvirtd: no guests in this state; the show observes PCI, modules, files
SIMHOST_NO_LIBVIRT=1 "$TOP/tests/simhost/run" "$T/big.yaml" -- bash -c '
	"$SRIOVCTL" show >"$0/show.txt" 2>"$0/show.err" || exit 1
	bash "$0/times.sh" "$1" "$SRIOVCTL" show >"$0/big.times" || exit 1
	strace -f -qq -e trace=openat,open -o "$0/big.strace" "$SRIOVCTL" show >/dev/null 2>&1
	echo "$SIMHOST_WORKDIR" >"$0/workdir"
' "$T" "$N" || { echo "error: show on the simulated host failed" >&2; cat "$T/show.err" >&2; exit 1; }
vfs_seen=$(grep -c '^  *[0-9]\+  *0000:' "$T/show.txt")
[ "$vfs_seen" -eq $((PFS * VFS)) ] ||
	{ echo "error: show listed $vfs_seen VFs, not $((PFS * VFS))" >&2; exit 1; }
t=$(median <"$T/big.times")
# one line a call ("<... openat resumed>" lines continue a call another thread interrupted)
opens=$(grep -cE '(^|[^a-z_])open(at)?\(' "$T/big.strace")
# The simulated rtnetlink (rtnl.c, preloaded into the process) answers the
# link dump by reading files where the kernel answers from memory: each VF's
# settings under the work directory's vf/, each netdev's mtu, ifindex and
# address under the testbed's sys. sriovctl sends that dump from a worker
# process that does nothing else, so every open of a process that read the
# simulator's vf/ files is the simulator's, not sriovctl's (on a real kernel
# that process opens nothing).
sim_opens=$(awk -v vf="\"$(cat "$T/workdir")/vf/" '
	{ n[$1] += ($0 ~ /(^|[^a-z_])open(at)?\(/) }
	index($0, vf) { sim[$1] = 1 }
	END { s = 0; for (p in sim) s += n[p]; print s }' "$T/big.strace")
opens=$((opens - sim_opens))
per_dev=$(awk -v a="$opens" -v b="$devs" 'BEGIN { printf "%.1f", a / b }')
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
figure "live show of $PFS x $VFS VFs ($devs PCI devices), median of $N" "$(ms "$t") ms" "<= 150 ms" \
	"$(awk -v a="$t" 'BEGIN { print (a <= 0.150) ? 1 : 0 }')"
figure "live show of $PFS x $VFS VFs, openat per PCI device" \
	"$per_dev ($opens in all; the simulated rtnetlink made $sim_opens more)" "<= 12" \
	"$(awk -v a="$per_dev" 'BEGIN { print (a <= 12) ? 1 : 0 }')"

# ---- 2. the seed host: show vs the manual routine ----
if [ "$(id -u)" != 0 ] || ! command -v lspci >/dev/null || ! command -v virsh >/dev/null; then
	echo "seed host show vs the manual routine: needs root, lspci and virsh (goal >= 10x): not measured"
	exit 0
fi
# the routine as the admin runs it, who knows the guests' names (listed
# before the timing): lspci, virsh nodedev-list, virsh dumpxml GUEST each
cat >"$T/manual.sh" <<'EOF'
lspci >/dev/null || exit 1
virsh -q -c "$SRIOVCTL_LIBVIRT_URI" nodedev-list >/dev/null || exit 1
for g in "$@"; do
	virsh -q -c "$SRIOVCTL_LIBVIRT_URI" dumpxml "$g" >/dev/null || exit 1
done
EOF
"$TOP/tests/simhost/run" "$TOP/tests/simhost/fixtures/seed-82576.state.yaml" -- bash -c '
	"$SRIOVCTL" show >/dev/null 2>"$0/seed.err" || exit 1
	guests=$(virsh -q -c "$SRIOVCTL_LIBVIRT_URI" list --all --name) || exit 1
	[ -n "$guests" ] || { echo "no guests on the seed host" >"$0/seed.err"; exit 1; }
	bash "$0/manual.sh" $guests 2>"$0/seed.err" || exit 1
	for _ in $(seq "$1"); do
		bash "$0/times.sh" 1 "$SRIOVCTL" show >>"$0/seed.show"
		bash "$0/times.sh" 1 bash "$0/manual.sh" $guests >>"$0/seed.manual"
	done
' "$T" "$N" || { echo "error: the seed host run failed" >&2; cat "$T/seed.err" >&2; exit 1; }
s=$(median <"$T/seed.show")
m=$(median <"$T/seed.manual")
ratio=$(awk -v a="$m" -v b="$s" 'BEGIN { printf "%.1f", a / b }')
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
figure "seed host show vs the manual routine (lspci + virsh nodedev-list + dumpxml per guest), medians of $N" \
	"${ratio}x ($(ms "$s") ms vs $(ms "$m") ms)" ">= 10x" "$(awk -v a="$ratio" 'BEGIN { print (a >= 10) ? 1 : 0 }')"

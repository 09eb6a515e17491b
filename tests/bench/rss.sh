#!/bin/bash
# SPDX-License-Identifier: MIT
# Peak RSS (GNU time's %M, the kernel's ru_maxrss of the child) of the
# commands, on a host of 4 82576-like PFs with 7 VFs each and 4 shut-off
# guests without devices:
#   validate and plan --state of a file with the 4 guests (one VF each):
#     offline, neither needs libvirt                       goal < 10 MB
#   plan and apply of a file without guests, live          goal < 10 MB
#   plan and apply of the file with the guests, live       goal < 16 MB
# The live commands run on the simulated host with its private libvirtd
# holding the 4 guests (the apply with guests attaches one VF to each,
# persistently). The fake kernel and umockdev are preloaded there, which
# adds to every process: the RSS of /bin/true with and without them is
# printed beside the figures, which are not corrected for it. Each
# command runs BENCH_RSS_REPEAT times (default 3); the median is printed.
#   tests/bench/rss.sh
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
REPEAT=${BENCH_RSS_REPEAT:-3}
PFS=4
VFS=7
GUESTS=4
SMALL_KB=10240
GUEST_KB=16384

# rss KEY CMD...: the median peak RSS in KiB of CMD run REPEAT times,
# printed as "KEY KIB" ("KEY failed" when CMD fails)
rss() {
	local key=$1 f
	shift
	f=$(mktemp "${TMPDIR:-/tmp}/bench-rss.XXXXXX")
	for _ in $(seq "$REPEAT"); do
		if ! /usr/bin/time -o "$f" -a -f '%M' "$@" >/dev/null 2>&1; then
			echo "$key failed: $(tail -n 1 "$f") $("$@" 2>&1 >/dev/null | tail -n 1)"
			rm -f "$f"
			return 1
		fi
	done
	echo "$key $(grep -E '^[0-9]+$' "$f" | bench_median)"
	rm -f "$f"
}

inside() {
	local w=$1
	rss true-preloaded /bin/true
	rss plan "$SRIOVCTL" plan -f "$w/pfs.yaml"
	rss apply "$SRIOVCTL" apply -q -f "$w/pfs.yaml"
	rss plan-guests "$SRIOVCTL" plan -f "$w/guests.yaml"
	echo "# the plan with guests, before the apply: $("$SRIOVCTL" plan -f "$w/guests.yaml" 2>&1 | grep '^Plan:')"
	# the first apply attaches; the median is of it and two no-ops
	rss apply-guests "$SRIOVCTL" apply -q -f "$w/guests.yaml"
	echo "# after it: $("$SRIOVCTL" plan -f "$w/guests.yaml" 2>&1 | tail -n 1)"
}

# the host-state with the guests, and the two desired-state files
make_files() {
	"$PYTHON" "$TOP/tests/apply/mkhost.py" "$T/base.yaml" --pfs $PFS --num-vfs $VFS \
		--total-vfs $VFS --spec "$T/pfs.yaml" --want-vfs $VFS || return 1
	"$PYTHON" - "$T" $GUESTS <<-'PY'
		import sys, uuid, yaml
		t, n = sys.argv[1], int(sys.argv[2])
		state = yaml.safe_load(open(f"{t}/base.yaml"))
		spec = yaml.safe_load(open(f"{t}/pfs.yaml"))
		xml = """<domain type='kvm'>
		  <name>{name}</name>
		  <uuid>{uuid}</uuid>
		  <memory unit='KiB'>524288</memory>
		  <vcpu placement='static'>1</vcpu>
		  <os><type arch='x86_64' machine='pc'>hvm</type></os>
		  <devices>
		    <emulator>/usr/bin/qemu-system-x86_64</emulator>
		    <controller type='usb' index='0' model='none'/>
		    <memballoon model='none'/>
		  </devices>
		</domain>
		"""
		state["domains"], spec["guests"] = [], {}
		pfs = [p["address"] for p in state["pci"]]
		for i in range(n):
		    name = f"guest{i}"
		    state["domains"].append({"name": name, "running": False,
		                             "xml": xml.format(name=name, uuid=uuid.uuid4())})
		    spec["guests"][name] = {"devices": [{"vf": {"pf": pfs[i % len(pfs)], "id": i // len(pfs)},
		                                         "type": "hostdev"}]}
		yaml.safe_dump(state, open(f"{t}/state.yaml", "w"), sort_keys=False)
		yaml.safe_dump(spec, open(f"{t}/guests.yaml", "w"), sort_keys=False)
	PY
}

# figure NAME KEY GOAL_KIB: the line of KEY from $out, against the goal
figure() {
	local kb
	kb=$(awk -v k="$2" '$1 == k { print $2 }' <<<"$out")
	if ! [[ "$kb" =~ ^[0-9]+$ ]]; then
		bench_figure "$1" "not measured: $(grep -m1 "^$2 " <<<"$out" || echo "no figure")" "< $(($3 / 1024)) MB" ""
		return
	fi
	bench_figure "$1" "$(awk -v k="$kb" 'BEGIN { printf "%.1f MB", k / 1024 }')" "< $(($3 / 1024)) MB" \
		"$(bench_cmp "$kb" '<' "$3")"
}

main() {
	local live
	T=$(mktemp -d "${TMPDIR:-/tmp}/bench-rss.XXXXXX") || exit 1
	trap 'rm -rf "$T"' EXIT
	make_files || exit 1
	out=$(
		rss true /bin/true
		rss validate "$SRIOVCTL" validate "$T/guests.yaml"
		rss plan-state "$SRIOVCTL" plan --state "$T/state.yaml" -f "$T/guests.yaml"
	)
	live=$("$TOP/tests/simhost/run" "$T/state.yaml" -- "$0" --inside "$T" 2>&1)
	out+=$'\n'$live
	grep '^# ' <<<"$live"
	printf 'MB of /bin/true: %s plain, %s with the fake kernel and umockdev preloaded\n' \
		"$(awk '$1 == "true" { printf "%.1f", $2 / 1024 }' <<<"$out")" \
		"$(awk '$1 == "true-preloaded" { printf "%.1f", $2 / 1024 }' <<<"$out")"
	figure "peak RSS, validate (file with $GUESTS guests)" validate $SMALL_KB
	figure "peak RSS, plan --state ($PFS PFs x $VFS VFs, $GUESTS guests)" plan-state $SMALL_KB
	figure "peak RSS, plan of a file without guests (live)" plan $SMALL_KB
	figure "peak RSS, apply of a file without guests (live)" apply $SMALL_KB
	figure "peak RSS, plan of a file with $GUESTS guests (live)" plan-guests $GUEST_KB
	figure "peak RSS, apply of a file with $GUESTS guests (live)" apply-guests $GUEST_KB
}

if [ "${1:-}" = --inside ]; then
	inside "$2"
	exit 0
fi
main

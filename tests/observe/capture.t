#!/bin/bash
# SPDX-License-Identifier: MIT
# GitOps capture is complete: for every scenario (a simulated host and a
# desired-state file), `plan` on the live host and `plan --state` on its
# capture (`show --format state`, and `show -f FILE --format state`) print
# the same plan, text and JSON, the same diagnostics and exit status,
# before and after `apply`.
#
# The capture without -f misses one thing by design: a device that only
# the file's `pci:` names (neither a PF, a VF, bound to vfio-pci/pci-stub,
# nor held by a guest); such scenarios ("-f") compare that capture only
# after apply, when a guest holds the device.
. "$(dirname "$0")/../simhost/lib.sh"
need_shim
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
export SRIOVCTL
if [ ! -x "$SRIOVCTL" ]; then
	echo "1..0 # SKIP no sriovctl (make)"
	exit 0
fi
if [ "$(id -u)" != 0 ] || ! unshare -m -n --propagation private true 2>/dev/null; then
	echo "1..0 # SKIP needs root and namespaces (private libvirtd)"
	exit 0
fi
P=$TOP/tests/plan
G=$TOP/tests/guests
EX=$TOP/examples
SEEDH=$EX/hosts/seed-82576.state.yaml

# ---- hosts made here ----
# the seed host with a hand-written igb.conf that the file names
variant "$T/hand-named.state.yaml" "$SEEDH" '
s["files"] = {"/etc/modprobe.d/igb.conf": "# local tuning, by hand\noptions igb max_vfs=2 debug=1\ninstall foo /bin/true\n"}'
# the seed host with a hand-written file the desired-state file does not
# name: sriovctl-igb.conf is written, the hand-written one stays
variant "$T/hand-other.state.yaml" "$SEEDH" '
s["files"] = {"/etc/modprobe.d/local.conf": "options igb max_vfs=3\nalias eth-slow igb\n",
              "/etc/modprobe.d/unrelated.conf": "options snd_hda_intel power_save=1\n"}'
cat >"$T/module-default.yaml" <<-'EOF'
	version: 1
	pfs:
	  - pci: "0000:0b:00.0"
	    num-vfs: 3
	    method: module
EOF
cat >"$T/module-hostname.yaml" <<-'EOF'
	version: 1
	host: kvm-07
	modules:
	  igb:
	    options: {max_vfs: 2, debug: 1}
	    file: /etc/modprobe.d/igb.conf
	pfs:
	  - pci: "0000:0b:00.0"
	    num-vfs: 2
	    method: module
	  - pci: "0000:0b:00.1"
	    num-vfs: 2
	    method: module
EOF
# examples/passthrough.yaml: whole devices, none of them a PF
variant "$T/passthrough.state.yaml" "$P/hosts/82576-empty.state.yaml" '
dev = lambda a, v, d, drv, cls: {"address": a, "vendor": v, "device": d, "driver": drv}
s["pci"] += [dev("0000:5e:00.1", "8086", "1573", "snd_hda_intel", "040300"),
             dev("0000:86:00.0", "8086", "10fb", "vfio-pci", "020000"),
             dev("0000:af:00.0", "144d", "a808", "nvme", "010802")]
s["simulate"] = {"0000:5e:00.1": {"class": "040300"}, "0000:af:00.0": {"class": "010802"}}
s["domains"] += [{"name": n, "running": False, "live-xml": None,
                  "xml": "<domain type=\"kvm\"><name>%s</name><memory>65536</memory><os><type>hvm</type></os><devices></devices></domain>" % n}
                 for n in ("render", "router")]
for d in s["domains"]:
    if "<memory" not in d["xml"]:
        d["xml"] = d["xml"].replace("</name>", "</name><memory>65536</memory><os><type>hvm</type></os>")'
# examples/multi-pf-vfio.yaml: two i40e ports, guests web1 and web2
$PYTHON - "$T/x710.state.yaml" <<-'EOF'
	import sys, yaml
	def pf(fn, ifname):
	    return {"address": f"0000:3b:00.{fn}", "vendor": "8086", "device": "1572",
	            "driver": "i40e", "interfaces": [ifname],
	            "sriov": {"total-vfs": 64, "num-vfs": 0, "drivers-autoprobe": True,
	                      "offset": 16 + 63 * fn, "stride": 1, "vf-device": "154c", "vfs": []}}
	dom = lambda n: {"name": n, "running": False, "live-xml": None,
	                 "xml": f"<domain type='kvm'><name>{n}</name><memory>65536</memory><os><type>hvm</type></os><devices></devices></domain>"}
	s = {"version": 1, "kind": "host-state", "hostname": "kvm-07",
	     "pci": [pf(0, "ens1f0"), pf(1, "ens1f1")],
	     "modules": {"i40e": {"loaded": True, "parameters": {}}}, "files": {},
	     "libvirt": True, "domains": [dom("web1"), dom("web2")],
	     "simulate": {"0000:3b:00.0": {"vf-driver": "iavf"}, "0000:3b:00.1": {"vf-driver": "iavf"}}}
	yaml.safe_dump(s, open(sys.argv[1], "w"), sort_keys=False)
EOF

# ---- scenarios: NAME HOST SPEC FLAGS (apply: also after apply; -f: see above) ----
scenarios=(
	"seed $SEEDH $EX/seed-82576.yaml apply"
	"seed-applied $EX/hosts/seed-82576-applied.state.yaml $EX/seed-82576.yaml apply"
	"hand-named $T/hand-named.state.yaml $EX/seed-82576.yaml apply"
	"hand-named-host $T/hand-named.state.yaml $T/module-hostname.yaml apply"
	"hand-other $T/hand-other.state.yaml $T/module-default.yaml apply"
	"guests-change $G/fixtures/five-vfs.state.yaml $G/specs/change.yaml apply"
	"guests-two $G/fixtures/two-guests.state.yaml $G/specs/two-guests.yaml apply"
	"guests-shrink $G/fixtures/five-vfs.state.yaml $G/specs/shrink.yaml -"
	"passthrough $T/passthrough.state.yaml $EX/passthrough.yaml apply,-f"
	# its PFs are declared by interface: with VF settings (applied from the plan's actions)
	"multi-pf $T/x710.state.yaml $EX/multi-pf-vfio.yaml apply"
	"vfs-2 $FIX/vfs-2.state.yaml $T/module-default.yaml apply"
)
# every planner case (tests/plan/cases), before apply; their guests' XML
# is cut short for the planner: complete it so that libvirtd defines them
definable() { # FROM TO
	variant "$2" "$1" '
for d in s.get("domains") or []:
    for k in ("xml", "live-xml"):
        if d.get(k) and "<os>" not in d[k]:
            d[k] = d[k].replace("</name>", "</name><memory>65536</memory><os><type>hvm</type></os>", 1)'
}
mkdir -p "$T/hosts"
for c in "$P"/cases/*/; do
	c=${c%/}
	# a PF without sriov_offset/stride cannot be laid out as sysfs
	[ "$(basename "$c")" = vf-unresolvable ] && continue
	# the simulated host defines domains but no libvirt networks (VF pools)
	case $(basename "$c") in pool-*) continue ;; esac
	if [ -f "$c/host.ref" ]; then
		from=$TOP/$(cat "$c/host.ref")
		to=$T/hosts/$(basename "$from")
	else
		from=$c/host.state.yaml
		to=$T/hosts/case-$(basename "$c").state.yaml
	fi
	[ -f "$to" ] || definable "$from" "$to"
	flags=-
	# whole devices that only the file names (a GPU and its audio function
	# with their driver): the capture without -f lacks them by design
	case $(basename "$c") in iommu-group-* | unmanaged-whole-bind | unmanaged-not-vfio) flags=-f ;; esac
	scenarios+=("case-$(basename "$c") $to $c/spec.yaml $flags")
done

# CAPTURE_ONLY=REGEX runs the scenarios whose name matches, for debugging
if [ -n "${CAPTURE_ONLY:-}" ]; then
	all=("${scenarios[@]}")
	scenarios=()
	for s in "${all[@]}"; do [[ ${s%% *} =~ $CAPTURE_ONLY ]] && scenarios+=("$s"); done
fi

# The script run on each simulated host: for each "TAG SPEC" line on
# stdin, plan live and on the captures; with APPLY=1 then apply, and again.
cat >"$T/compare.sh" <<-'EOF'
	set -u
	out=$1 apply=$2
	plan_all() { # TAG SPEC
		local tag=$1 spec=$2
		"$SRIOVCTL" show --format state >"$out/$tag.cap-nof.yaml" 2>"$out/$tag.cap-nof.err"
		"$SRIOVCTL" show -f "$spec" --format state >"$out/$tag.cap-f.yaml" 2>"$out/$tag.cap-f.err"
		for fmt in text json; do
			"$SRIOVCTL" plan -f "$spec" --format $fmt >"$out/$tag.live.$fmt" 2>"$out/$tag.live.$fmt.err"
			echo "exit $?" >>"$out/$tag.live.$fmt"
			for c in nof f; do
				"$SRIOVCTL" plan -f "$spec" --format $fmt --state "$out/$tag.cap-$c.yaml" \
					>"$out/$tag.state-$c.$fmt" 2>"$out/$tag.state-$c.$fmt.err"
				echo "exit $?" >>"$out/$tag.state-$c.$fmt"
			done
		done
	}
	while read -r tag spec; do
		plan_all "$tag.before" "$spec"
		if [ "$apply" = 1 ]; then
			"$SRIOVCTL" apply -f "$spec" >"$out/$tag.apply.log" 2>&1
			echo "exit $?" >>"$out/$tag.apply.log"
			plan_all "$tag.after" "$spec"
		fi
	done
EOF

# Group the scenarios without apply by host: one simulated host each.
declare -A group
for s in "${scenarios[@]}"; do
	read -r name host spec flags <<<"$s"
	if [[ ",$flags," == *,apply,* ]]; then
		echo "$name $spec" | "$RUN" "$host" -- bash "$T/compare.sh" "$T" 1 >>"$T/run.log" 2>&1
	else
		group[$host]+="$name $spec"$'\n'
	fi
done
for host in "${!group[@]}"; do
	printf '%s' "${group[$host]}" | "$RUN" "$host" -- bash "$T/compare.sh" "$T" 0 >>"$T/run.log" 2>&1
done

# Diagnostics that legitimately differ: libvirt's reachability. Live, an
# unreachable libvirt is reported as such (a warning, or an error that
# stops before planning when the file has guests); the capture records
# "libvirt: false", and the planner says the guests could not be planned.
# Both exit 1 with no plan; every other line must be identical.
legit="^sriovctl: (warning|error): cannot connect to libvirt at |: error: guests are declared but libvirt was not observed\$"

same() { # NAME A B
	if [ -f "$2" ] && [ -f "$3" ] && cmp -s "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		diff -u "$2" "$3" 2>&1 | head -n 30 | sed 's/^/#   /'
	fi
}

for s in "${scenarios[@]}"; do
	read -r name host spec flags <<<"$s"
	whens=before
	[[ ",$flags," == *,apply,* ]] && whens="before after"
	for when in $whens; do
		tag="$name.$when"
		if [ ! -s "$T/$tag.cap-nof.yaml" ] || [ ! -s "$T/$tag.live.text" ]; then
			not_ok "$tag: the simulated host ran and was captured"
			sed 's/^/#   /' "$T/$tag.cap-nof.err" 2>/dev/null | head -n 5
			continue
		fi
		for c in nof f; do
			[ "$c" = nof ] && [ "$when" = before ] && [[ ",$flags," == *,-f,* ]] && continue
			if [ "$c" = f ] && [ ! -s "$T/$tag.cap-f.yaml" ] &&
				grep -q "cannot connect to libvirt" "$T/$tag.cap-f.err"; then
				# the file has guests and libvirt is unreachable: no capture
				# for it, as no live plan (the capture without -f says libvirt: false)
				has "^sriovctl: error: cannot connect to libvirt" "$T/$tag.live.text.err" \
					"$tag: show -f and plan both fail as libvirt is unreachable"
				continue
			fi
			label="capture$([ "$c" = f ] && echo " -f")"
			for fmt in text json; do
				same "$tag: plan --format $fmt live = on the $label" \
					"$T/$tag.live.$fmt" "$T/$tag.state-$c.$fmt"
				# the live run knows why libvirt was not observed, a capture does not
				grep -Ev "$legit" "$T/$tag.live.$fmt.err" |
					sed -E 's/: libvirt was not observed \(.*\)$/: libvirt was not observed/' \
						>"$T/$tag.live.$fmt.err.cmp"
				grep -Ev "$legit" "$T/$tag.state-$c.$fmt.err" >"$T/$tag.state-$c.$fmt.err.cmp"
				same "$tag: plan --format $fmt diagnostics live = on the $label" \
					"$T/$tag.live.$fmt.err.cmp" "$T/$tag.state-$c.$fmt.err.cmp"
			done
		done
	done
	if [[ ",$flags," == *,apply,* ]] && [[ ",$flags," != *,fails,* ]]; then
		has '^exit 0$' "$T/$name.apply.log" "$name: apply succeeds"
		has '^exit 0$' "$T/$name.after.live.text" "$name: plan after apply exits 0"
	fi
done

# the captures carry what the plans read
[ -z "${CAPTURE_ONLY:-}" ] && {
has '^  /etc/modprobe.d/igb.conf: ' "$T/seed.after.cap-nof.yaml" "seed: the capture holds igb.conf after apply"
check "seed: the capture holds module igb, loaded" "$PYTHON" -c '
import sys, yaml
m = yaml.safe_load(open(sys.argv[1]))["modules"]
sys.exit(0 if m["igb"]["loaded"] is True else 1)' "$T/seed.after.cap-nof.yaml"
has '^  /etc/modprobe.d/sriovctl-igb.conf: ' "$T/hand-other.after.cap-nof.yaml" \
	"hand-other: the capture holds the file apply wrote"
has '^  /etc/modprobe.d/local.conf: ' "$T/hand-other.before.cap-nof.yaml" \
	"hand-other: the capture holds the hand-written file that mentions igb"
lacks 'unrelated.conf' "$T/hand-other.before.cap-nof.yaml" \
	"hand-other: the capture leaves out a file that mentions no SR-IOV module"
has '^No changes' "$T/hand-other.after.live.text" "hand-other: no phantom modprobe.d change after apply"
has '^- address: "0000:5e:00.1"' "$T/passthrough.after.cap-nof.yaml" \
	"passthrough: a device a guest holds is captured"
}

sed 's/^/# /' "$T/run.log" | tail -n 20
echo "1..$n"

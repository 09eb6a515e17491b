#!/bin/bash
# SPDX-License-Identifier: MIT
# sriovctl metrics on host-state files: the VFs with the guest holding
# each and the counters their PF reports, the drift and blocked changes
# of a file's plan, label escaping, --output written atomically, a file
# that cannot be planned, an invalid file. Every output is read by the
# Prometheus client's parser and a strict grammar (lib.sh).
. "$(dirname "$0")/lib.sh"

met() {
	"$SRIOVCTL" metrics "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# the host alone
met --state "$M/host.state.yaml"
is 0 "$rc" "no file: exit 0"
check_log "no file: the output is the text format" samples "$T/out"
samples "$T/out" >"$T/s" 2>&1
has '^sriovctl_vfs\{pf=0000:0b:00.0\} 2$' "$T/s" "sriovctl_vfs of the PF"
has '^sriovctl_vf_info\{address=0000:0b:10.0,driver=vfio-pci,guest=web1,pf=0000:0b:00.0,vf=0\} 1$' "$T/s" "VF 0: its driver and the guest holding it"
has '^sriovctl_vf_info\{address=0000:0b:10.2,driver=igbvf,guest=,pf=0000:0b:00.0,vf=1\} 1$' "$T/s" "VF 1: no guest"
has '^sriovctl_vf_rx_bytes_total\{address=0000:0b:10.0,guest=web1,pf=0000:0b:00.0,vf=0\} 1500000$' "$T/s" "rx bytes of VF 0, labelled with its guest"
has '^sriovctl_vf_tx_packets_total\{address=0000:0b:10.0,guest=web1,pf=0000:0b:00.0,vf=0\} 800$' "$T/s" "tx packets"
has '^sriovctl_vf_rx_dropped_total\{.*vf=0\} 5$' "$T/s" "rx dropped"
has '^sriovctl_vf_multicast_total\{.*vf=0\} 34$' "$T/s" "multicast"
lacks 'vf=1\}' "$(grep _total "$T/s" >"$T/counters"; echo "$T/counters")" "VF 1 reports no counters: none are made up"
lacks '^sriovctl_(drift|plan_ok|changes)' "$T/s" "no file: no drift series"

# drift and blocked changes of a file
met --state "$M/host.state.yaml" "$M/drift.yaml"
is 0 "$rc" "drift: exit 0 (metrics report, they do not judge)"
samples "$T/out" >"$T/s" 2>&1
has '^sriovctl_drift\{field=vf 1 vlan,kind=set-vf,target=0000:0b:00.0\} 1$' "$T/s" "a pending VLAN change"
has '^sriovctl_drift\{field=vf 1 spoof-check,kind=set-vf,target=0000:0b:00.0\} 1$' "$T/s" "a pending spoof-check change"
has '^sriovctl_changes\{\} 2$' "$T/s" "sriovctl_changes counts them"
has '^sriovctl_plan_ok\{\} 1$' "$T/s" "sriovctl_plan_ok 1"
has '^sriovctl_vfs_desired\{pf=0000:0b:00.0\} 2$' "$T/s" "sriovctl_vfs_desired from num-vfs"
is "$(grep -c '^sriovctl_drift' "$T/s")" 2 "one series per change, no more"
met --state "$M/host.state.yaml" "$M/blocked.yaml"
samples "$T/out" >"$T/s" 2>&1
has '^sriovctl_blocked\{field=num-vfs,kind=set-num-vfs,target=0000:0b:00.0\} 1$' "$T/s" "a blocked VF count change"
has '^sriovctl_blocked_changes\{\} 1$' "$T/s" "sriovctl_blocked_changes counts it"
has '^sriovctl_vfs_desired\{pf=0000:0b:00.0\} 4$' "$T/s" "desired 4 against 2"
lacks '^sriovctl_drift\{' "$T/s" "no pending change"

# a plan that cannot be made: said, host metrics still written, exit 1
printf 'version: 1\npfs:\n  - pci: "0000:af:00.0"\n    num-vfs: 2\n' >"$T/missing.yaml"
met --state "$M/host.state.yaml" "$T/missing.yaml"
is 1 "$rc" "a PF that is not there: exit 1"
has "0000:af:00.0" "$T/err" "the planner's error on stderr"
samples "$T/out" >"$T/s" 2>&1
has '^sriovctl_plan_ok\{\} 0$' "$T/s" "sriovctl_plan_ok 0"
has '^sriovctl_vfs\{pf=0000:0b:00.0\} 2$' "$T/s" "the host's metrics all the same"

# an invalid file: nothing written, exit 65
printf 'version: 1\npfs:\n  - pci: "0000:0b:00.0"\n    num-vfs: two\n' >"$T/bad.yaml"
met --state "$M/host.state.yaml" "$T/bad.yaml" --output "$T/bad.prom"
is 65 "$rc" "an invalid file: exit 65"
has "bad.yaml:4:14: error:" "$T/err" "its error with its place"
check "nothing is written" test ! -e "$T/bad.prom"

# labels escaped: a guest named with a quote, a backslash and a newline
$PYTHON - "$M/host.state.yaml" "$T/odd.state.yaml" <<'PY'
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
s["domains"][0]["name"] = 'we"b\\1\nx'
yaml.safe_dump(s, open(sys.argv[2], "w"))
PY
met --state "$T/odd.state.yaml"
check_log "a guest name with quote, backslash and newline: still the text format" samples "$T/out"
has '^sriovctl_vf_info\{.*,guest="we\\"b\\\\1\\nx"\} 1$' "$T/out" "the label value is escaped"
samples "$T/out" >"$T/s" 2>&1
has '^sriovctl_vf_info\{address=0000:0b:10.0,driver=vfio-pci,guest=we"b\\1$' "$T/s" "... and reads back as the name (up to its newline)"

# --output: atomic, readable by node_exporter, the same text
met --state "$M/host.state.yaml" "$M/drift.yaml"
cp "$T/out" "$T/stdout"
mkdir "$T/textfile"
met --state "$M/host.state.yaml" "$M/drift.yaml" --output "$T/textfile/sriovctl.prom"
is 0 "$rc" "--output: exit 0"
check "--output: nothing on stdout" test ! -s "$T/out"
check "--output: the same text as stdout" cmp -s "$T/stdout" "$T/textfile/sriovctl.prom"
is "sriovctl.prom" "$(ls -A "$T/textfile")" "--output: no temporary file left"
is 644 "$(stat -c %a "$T/textfile/sriovctl.prom")" "--output: mode 0644 (node_exporter reads it)"
met --state "$M/host.state.yaml" --output "$T/nodir/sriovctl.prom"
is 1 "$rc" "--output into a missing directory: exit 1"
has "cannot write the metrics to '.*nodir/sriovctl.prom'" "$T/err" "... said"
echo "1..$n"

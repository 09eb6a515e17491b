#!/bin/bash
# A managed modprobe.d file holding bytes that are not UTF-8 ('# caf\xe9',
# Latin-1): show --format state and show --json still write loadable
# output (such bytes become U+FFFD), the host-state loads back to the same
# output, and a warning names the file.
set -u
. "$TOP/tests/hostops/lib.sh"

hostops_init 6
echo "1..$COUNT"
write_spec 7
mkdir -p "$R/etc/modprobe.d"
printf '# caf\351\noptions %s max_vfs=7\n' "$MODULE" >"$R$CONF"

sc show --format state >"$R/state.yaml" 2>"$R/err"
rc=$?
[ "$rc" = 0 ]
ok_if $? "show --format state exits 0 (rc=$rc: $(head -c 200 "$R/err"))"
grep -qF "$R$CONF: warning: not valid UTF-8" "$R/err"
ok_if $? "a warning names the file"
"$PYTHON" -c 'import sys, yaml; s = yaml.safe_load(open(sys.argv[1], encoding="utf-8")); assert "caf\ufffd" in list(s["files"].values())[0]' "$R/state.yaml" 2>"$R/pyerr"
ok_if $? "the state is valid UTF-8 YAML and keeps the line ($(head -c 200 "$R/pyerr"))"
"$SRIOVCTL" show --state "$R/state.yaml" --format state >"$R/state2.yaml" 2>"$R/err2" && cmp -s "$R/state.yaml" "$R/state2.yaml"
ok_if $? "it loads back and writes the same state"
sc show --json >"$R/show.json" 2>"$R/err3"
rc=$?
"$PYTHON" -c 'import json, sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$R/show.json" 2>"$R/pyerr"
ok_if $? "show --json writes valid JSON (rc=$rc; $(head -c 200 "$R/pyerr"))"
"$SRIOVCTL" show --state "$R/state.yaml" --json >"$R/show2.json" 2>/dev/null && cmp -s "$R/show.json" "$R/show2.json"
ok_if $? "show --json of the live host and of its captured state are the same"

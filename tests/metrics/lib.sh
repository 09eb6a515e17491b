# SPDX-License-Identifier: MIT
# Shared by tests/metrics/*.t: TAP helpers, $T, sriovctl, the fixtures,
# and a check of the text format with the Prometheus client's own parser.
# shellcheck shell=bash
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../simhost/lib.sh"
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
M=$TOP/tests/metrics

# samples FILE: every sample of FILE as "NAME{k=v,...} VALUE" (labels
# sorted, values unescaped), one a line, after checking the format: each
# line a HELP, a TYPE or a sample of the strict grammar, HELP and TYPE once
# per family before its samples, and prometheus_client's parser agreeing
samples() {
	$PYTHON - "$1" <<'PY'
import re, sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1], encoding="utf-8").read()
name = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
value = r'"(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(rf"^({name})(?:\{{({name}={value}(?:,{name}={value})*)\}})? ([0-9]+)$")
seen, typed, mine = set(), {}, []
for n, line in enumerate(text.splitlines(), 1):
    m = re.match(rf"^# (HELP|TYPE) ({name}) (.*)$", line)
    if m:
        key = (m[1], m[2])
        assert key not in seen, f"line {n}: a second {m[1]} of {m[2]}"
        seen.add(key)
        if m[1] == "TYPE":
            assert m[3] in ("gauge", "counter"), f"line {n}: type {m[3]}"
            typed[m[2]] = m[3]
        continue
    m = sample.match(line)
    assert m, f"line {n}: not a sample: {line!r}"
    assert m[1] in typed, f"line {n}: {m[1]} has no TYPE before it"
    labels = dict((k, re.sub(r'\\(.)', lambda e: "\n" if e[1] == "n" else e[1], v[1:-1]))
                  for k, v in re.findall(rf"({name})=({value})", m[2] or ""))
    mine.append((m[1], labels, float(m[3])))
parsed = [(s.name, s.labels, s.value) for f in text_string_to_metric_families(text)
          for s in f.samples]
assert parsed == mine, f"prometheus_client reads {parsed} where the grammar reads {mine}"
for nm, labels, v in mine:
    print(nm + "{" + ",".join(f"{k}={labels[k]}" for k in sorted(labels)) + "}", int(v))
PY
}

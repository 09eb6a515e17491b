#!/bin/bash
# SPDX-License-Identifier: MIT
# validate --json: one JSON object per file per line on stdout, nothing
# else on stdout or stderr, the exit status of the text form, and each
# diagnostic's file, line, column, severity and message equal to the line
# the text form prints for it. Over the examples and every invalid fixture,
# one file at a time and all at once, with and without -q.
set -u
cd "$TOP" || exit 1
PYTHON=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

files=(examples/*.yaml tests/spec/invalid/*.yaml tests/spec/invalid-semantic/*.yaml tests/spec/no-such-file.yaml)
for f in "${files[@]}"; do
	"$SRIOVCTL" validate "$f" >/dev/null 2>"$tmp/text.err"
	text_rc=$?
	"$SRIOVCTL" validate --json "$f" >"$tmp/json.out" 2>"$tmp/json.err"
	json_rc=$?
	"$SRIOVCTL" validate -q --json "$f" >"$tmp/q.out" 2>&1
	echo "$f $text_rc $json_rc"
	$PYTHON - "$f" "$tmp/text.err" "$tmp/json.out" "$tmp/json.err" "$tmp/q.out" <<-'PY'
		import json, sys
		f, text_err, json_out, json_err, q_out = sys.argv[1:]
		problems = []
		lines = open(json_out, encoding="utf-8").read().splitlines()
		if len(lines) != 1:
		    problems.append(f"{len(lines)} lines on stdout instead of 1")
		if open(json_err).read():
		    problems.append("stderr is not empty: " + open(json_err).read()[:200])
		if open(q_out).read().splitlines() != lines:
		    problems.append("-q --json prints something else than --json")
		try:
		    o = json.loads(lines[0]) if lines else {}
		except ValueError as e:
		    problems.append(f"not JSON: {e}")
		    o = {}
		if sorted(o) != ["diagnostics", "file", "valid"]:
		    problems.append(f"keys {sorted(o)}")
		if o.get("file") != f:
		    problems.append(f"file {o.get('file')!r}")
		want = []
		for l in open(text_err, encoding="utf-8").read().splitlines():
		    # FILE:LINE:COL: SEVERITY: MESSAGE, or FILE: SEVERITY: MESSAGE
		    rest, line, col = l, None, None
		    if l.startswith(f + ":"):
		        file, rest = f, l[len(f) + 1:]
		        head = rest.split(":", 2)
		        if len(head) == 3 and head[0].isdigit() and head[1].isdigit():
		            line, col, rest = int(head[0]), int(head[1]), head[2]
		        rest = rest[1:] if rest.startswith(" ") else rest
		    else:
		        file = None
		    sev, _, msg = rest.partition(": ")
		    want.append({"file": file, "line": line, "column": col, "severity": sev, "message": msg})
		# the text form escapes control characters (util.c str_escape); JSON carries them
		def esc(t):
		    if t is None:
		        return t
		    out = []
		    for ch in t:
		        c = ord(ch)
		        if ch in "\n\t\r":
		            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}[ch])
		        elif c < 0x20 or c == 0x7f:
		            out.append("\\x%02x" % c)
		        elif 0x80 <= c <= 0x9f or 0x202a <= c <= 0x202e or 0x2066 <= c <= 0x2069:
		            out.append("\\u%04x" % c)
		        else:
		            out.append(ch)
		    return "".join(out)
		got = [dict(x, message=esc(x.get("message")), file=esc(x.get("file")))
		       for x in o.get("diagnostics") or []]
		if got != want:
		    problems.append(f"diagnostics {o.get('diagnostics')!r} but the text form says {want!r}")
		if o.get("valid") is not (not any(d["severity"] == "error" for d in want)):
		    problems.append(f"valid {o.get('valid')!r} with diagnostics {want!r}")
		for p in problems:
		    print("# " + p)
		print("OK" if not problems else "FAIL")
	PY
done >"$tmp/results"

n=0
while read -r f text_rc json_rc; do
	read -r verdict_or_comment
	comments=""
	while [[ "$verdict_or_comment" == "# "* ]]; do
		comments+="$verdict_or_comment"$'\n'
		read -r verdict_or_comment
	done
	n=$((n + 1))
	if [ "$verdict_or_comment" = OK ]; then
		echo "ok $n - $f: --json equals the text form's diagnostics"
	else
		echo "not ok $n - $f: --json equals the text form's diagnostics"
		printf '%s' "$comments"
	fi
	n=$((n + 1))
	if [ "$text_rc" = "$json_rc" ]; then
		echo "ok $n - $f: --json exits $json_rc as the text form"
	else
		echo "not ok $n - $f: --json exits $json_rc, the text form $text_rc"
	fi
done <"$tmp/results"

# all files at once: one line each, in order; 65 as any invalid file makes it
"$SRIOVCTL" validate --json "${files[@]}" >"$tmp/all.out" 2>"$tmp/all.err"
rc=$?
got=$($PYTHON -c 'import json, sys; print("\n".join(json.loads(l)["file"] for l in open(sys.argv[1])))' "$tmp/all.out" 2>&1)
n=$((n + 1))
if [ "$rc" = 65 ] && [ "$got" = "$(printf '%s\n' "${files[@]}")" ] && [ ! -s "$tmp/all.err" ]; then
	echo "ok $n - validate --json of every file: one object per file, in order, exit 65"
else
	echo "not ok $n - validate --json of every file: one object per file, in order, exit 65"
	echo "# exit $rc; $(head -c 300 "$tmp/all.err")"
fi
n=$((n + 1))
"$SRIOVCTL" validate --format yaml examples/seed-82576.yaml >/dev/null 2>&1
rc=$?
if [ "$rc" = 64 ]; then echo "ok $n - validate --format yaml is a usage error"; else
	echo "not ok $n - validate --format yaml is a usage error (exit $rc)"; fi
echo "1..$n"

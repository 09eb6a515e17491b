#!/bin/sh
# sriovctl.yaml(5) documents every key of the desired-state file: each
# property of schema/sriovctl.schema.json has an entry (a line "*KEY*") in
# the page's subsection named after where the key lives ("## Top level",
# "## pfs[]", "## guests.GUEST.devices[].vf" ...), and the entry gives a
# default and an example; the page's subsections name no key the schema
# lacks; the page's EXAMPLE is a valid file for sriovctl and for the schema.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export TOP
exec "${PYTHON:-/usr/bin/python3}" - "$@" <<'PY'
import json, os, re, subprocess, sys, tempfile
top = os.environ["TOP"]
os.chdir(top)
sriovctl = os.environ.get("SRIOVCTL") or os.path.join(top, os.environ.get("B", "build"), "sriovctl")
schema = json.load(open("schema/sriovctl.schema.json"))
page = open("doc/sriovctl.yaml.5.scd").read().splitlines()

def resolve(node):
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    return node

# (section, key) for every property; a map of named entries ("modules",
# "guests") is entered as NAME-in-capitals, a sequence as "[]"
want = []
def walk(node, where):
    node = resolve(node)
    for key, sub in node.get("properties", {}).items():
        want.append((where or "Top level", key))
        path = (where + "." if where else "") + key
        sub = resolve(sub)
        if sub.get("type") == "array" and "items" in sub:
            walk(sub["items"], path + "[]")
        elif isinstance(sub.get("additionalProperties"), dict) and \
                "$ref" in sub["additionalProperties"]:
            walk(sub["additionalProperties"], path + "." + key.rstrip("s").upper())
        elif "properties" in sub:
            walk(sub, path)
walk(schema, "")

# the page: entries per subsection, each with its indented text and the
# lines it continues with a line break (" ++": scdoc keeps their indentation)
entries, section, cur, prev = {}, None, None, ""
for line in page:
    cont, prev = prev.endswith(" ++"), line
    if line.startswith("# "):
        section = None if line != "# KEYS" else section
        cur = None
        continue
    m = re.match(r"## (.+)$", line)
    if m:
        section, cur = m.group(1), None
        continue
    m = re.match(r"\*([a-z][a-z0-9-]*)\*$", line)
    if section and m:
        cur = entries.setdefault((section, m.group(1)), [])
        continue
    if cur is not None and (line.startswith("\t") or cont):
        cur.append(line.strip())

tests = []
def report(good, name, why=()):
    tests.append((good, name, list(why)))

missing = [f"{s}: {k}" for s, k in want if (s, k) not in entries]
report(not missing, "every schema property (%d) has an entry in its subsection" % len(want), missing)
extra = [f"{s}: {k}" for s, k in entries if (s, k) not in want]
report(not extra, "every entry of the page is a key of the schema", extra)
bare = [f"{s}: {k}" for (s, k), text in entries.items()
        if not any(t.startswith("Default:") for t in text) or not any(t.startswith("Example:") for t in text)]
report(not bare, "every entry gives a default and an example", bare)
untyped = [f"{s}: {k}" for (s, k), text in entries.items()
           if not text or not re.match(r"(Integer|String|Boolean|Mapping|Sequence)\b", text[0])]
report(not untyped, "every entry starts with its type", untyped)

# the EXAMPLE section's file
example, on, block = [], False, False
for line in page:
    if line.startswith("# "):
        on = line == "# EXAMPLE"
    elif on and line == "```":
        block = not block
    elif on and block:
        example.append(line)
with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
    f.write("\n".join(example) + "\n")
try:
    r = subprocess.run([sriovctl, "validate", f.name], capture_output=True, text=True)
    report(bool(example) and r.returncode == 0, "the page's EXAMPLE is valid (sriovctl validate)",
           (r.stdout + r.stderr).splitlines()[:10])
    try:
        import yaml, jsonschema
        errs = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(
            yaml.safe_load(open(f.name)))]
        report(not errs, "the page's EXAMPLE is valid against sriovctl.schema.json", errs[:5])
    except ImportError as e:
        tests.append((True, "the page's EXAMPLE against the schema # SKIP %s" % e, []))
finally:
    os.unlink(f.name)

print("1..%d" % len(tests))
for i, (good, name, why) in enumerate(tests, 1):
    print(("ok" if good else "not ok"), i, "-", name)
    for w in why:
        print("#  ", w)
PY

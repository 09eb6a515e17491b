#!/bin/bash
# Every host-state fixture (examples/hosts, tests/state) is valid against
# schema/host-state.schema.json; each tests/state/bad file is valid or
# invalid as its "# schema:" line says, so schema and loader agree.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
exec "${PYTHON:-/usr/bin/python3}" - "$TOP" <<'PY'
import glob, json, os, re, sys

top = sys.argv[1]
n = 0

def tap(ok, name, detail="", skip=None):
    global n
    n += 1
    print(("ok" if ok else "not ok") + " %d - %s" % (n, name) + (" # SKIP " + skip if skip else ""))
    if not ok and detail:
        for line in str(detail).splitlines():
            print("#   " + line)

try:
    import yaml
    import jsonschema
except ImportError as e:
    print("1..1")
    tap(True, "schema checks", skip="python3 lacks %s (use Debian's python3-yaml, python3-jsonschema)" % e.name)
    sys.exit(0)

schema = json.load(open(os.path.join(top, "schema/host-state.schema.json")))
good = sorted(glob.glob(os.path.join(top, "examples/hosts/*.state.yaml")) +
              glob.glob(os.path.join(top, "tests/state/*.state.yaml")))
bad = sorted(glob.glob(os.path.join(top, "tests/state/bad/*.yaml")))
print("1..%d" % (2 + len(good) + len(bad)))

try:
    jsonschema.Draft202012Validator.check_schema(schema)
    tap(True, "the schema is a valid draft 2020-12 schema")
except jsonschema.SchemaError as e:
    tap(False, "the schema is a valid draft 2020-12 schema", e.message)
V = jsonschema.Draft202012Validator(schema)
tap(len(good) >= 3 and len(bad) >= 3, "fixtures found (%d good, %d bad)" % (len(good), len(bad)))

def errors(path):
    # a file YAML readers refuse (not UTF-8, two documents, bad syntax) is invalid too
    try:
        doc = yaml.safe_load(open(path, encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as e:
        return ["not loadable: %s" % str(e).splitlines()[0]]
    return ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message) for e in V.iter_errors(doc)]

for path in good:
    rel = os.path.relpath(path, top)
    errs = errors(path)
    tap(not errs, "%s is valid" % rel, "\n".join(errs))

for path in bad:
    rel = os.path.relpath(path, top)
    m = re.search(r"^# schema: (valid|invalid)$", open(path, encoding="utf-8", errors="replace").read(), re.M)
    if not m:
        tap(False, "%s declares '# schema: valid|invalid'" % rel)
        continue
    errs = errors(path)
    want_valid = m.group(1) == "valid"
    tap(want_valid == (not errs), "%s is %s for the schema" % (rel, m.group(1)), "\n".join(errs) or "no schema error")
PY

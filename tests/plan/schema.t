#!/bin/sh
# Every JSON plan of the golden table validates against schema/plan.schema.json,
# and a plan that breaks the contract does not.
exec "${PYTHON:-/usr/bin/python3}" - <<'PY'
import glob, json, os, sys
os.chdir(os.environ["TOP"])
try:
    import jsonschema
except ImportError as e:
    print("1..0 # SKIP python3-jsonschema missing:", e)
    sys.exit(0)
schema = json.load(open("schema/plan.schema.json"))
files = sorted(glob.glob("tests/plan/cases/*/expected.json"))
print("1..%d" % (len(files) + 3))
n = 0
def report(good, name, why=()):
    global n
    n += 1
    print(("ok" if good else "not ok"), n, "-", name)
    for w in why:
        print("#  ", w)
try:
    jsonschema.Draft202012Validator.check_schema(schema)
    report(True, "plan.schema.json is a valid draft 2020-12 schema")
except jsonschema.SchemaError as e:
    report(False, "plan.schema.json is a valid draft 2020-12 schema", [e.message])
v = jsonschema.Draft202012Validator(schema)
for f in files:
    errs = [e.message for e in v.iter_errors(json.load(open(f)))]
    report(not errs, f, errs[:5])
# the schema can fail: prose in from, an unknown action kind
bad = json.load(open("tests/plan/cases/seed/expected.json"))
bad["changes"][1]["from"] = "0"
report(any(True for _ in v.iter_errors(bad)), "a set-num-vfs with a string 'from' is refused")
bad["changes"][1]["from"] = 0
bad["changes"][0]["action"] = "format-disk"
report(any(True for _ in v.iter_errors(bad)), "an unknown action kind is refused")
PY

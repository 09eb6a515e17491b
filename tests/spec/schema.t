#!/bin/sh
# The JSON Schema agrees with the loader: every example passes both, every
# fixture in tests/spec/invalid/ fails both. (tests/spec/invalid-semantic/
# holds what a schema cannot express; the loader alone rejects those.)
exec "${PYTHON:-/usr/bin/python3}" - <<'PY'
import glob, json, os, subprocess, sys

n = 0
def report(good, name, why=""):
    global n
    n += 1
    print(("ok" if good else "not ok"), n, "-", name)
    if not good and why:
        for line in str(why).splitlines():
            print("#", line)

os.chdir(os.environ["TOP"])
try:
    import yaml, jsonschema
except ImportError as e:
    print("1..0 # SKIP python3-yaml or python3-jsonschema missing:", e)
    sys.exit(0)

schema = json.load(open("schema/sriovctl.schema.json"))
try:
    jsonschema.Draft202012Validator.check_schema(schema)
    report(True, "schema is a valid draft 2020-12 schema")
except jsonschema.SchemaError as e:
    report(False, "schema is a valid draft 2020-12 schema", e)
v = jsonschema.Draft202012Validator(schema)
sriovctl = os.environ["SRIOVCTL"]

def loader_rc(path):
    return subprocess.run([sriovctl, "validate", "-q", path],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode

def schema_errors(path):
    with open(path, encoding="utf-8") as f:
        return [e.message for e in v.iter_errors(yaml.safe_load(f))]

examples = sorted(glob.glob("examples/*.yaml"))
report(len(examples) >= 3, "at least three examples")
for path in examples:
    errs = schema_errors(path)
    report(not errs, f"{path} passes the schema", "\n".join(errs))
    rc = loader_rc(path)
    report(rc == 0, f"{path} passes the loader", f"exit {rc}")

invalid = sorted(glob.glob("tests/spec/invalid/*.yaml"))
report(len(invalid) >= 10, "at least ten invalid fixtures")
for path in invalid:
    errs = schema_errors(path)
    report(bool(errs), f"{path} fails the schema")
    rc = loader_rc(path)
    report(rc == 65, f"{path} fails the loader", f"exit {rc}")
print(f"1..{n}")
PY

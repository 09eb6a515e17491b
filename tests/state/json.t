#!/bin/bash
# `show --json` is the host-state document in JSON: on every host-state
# fixture and on the simulated seed host (before and after apply) it is
# valid against schema/host-state.schema.json (the validator of
# tests/state/schema.t and tests/plan/schema.t), it carries exactly the data
# of `show --format state` (the YAML loaded and compared as JSON values),
# and --state reads it back to the same host. Then the checks are shown to
# fail: on JSON of another shape (modules as a list, files as a list) and
# on JSON that differs from the YAML by one value.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
export TOP B
export SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
export SIMHOST_SHIM=${SIMHOST_SHIM:-$TOP/$B/tests/simhost/fakekernel.so}
exec "${PYTHON:-/usr/bin/python3}" - <<'PY'
import copy, glob, json, os, subprocess, sys, tempfile

top, sriovctl = os.environ["TOP"], os.environ["SRIOVCTL"]
os.chdir(top)
n = 0

def tap(ok, name, detail=(), skip=None):
    global n
    n += 1
    print(("ok" if ok else "not ok") + " %d - %s" % (n, name) + (" # SKIP " + skip if skip else ""))
    if not ok:
        for line in detail:
            print("#   " + str(line))
    sys.stdout.flush()

fixtures = sorted(glob.glob("examples/hosts/*.state.yaml") + glob.glob("tests/state/*.state.yaml") +
                  glob.glob("tests/fixtures/vm-*.state.yaml") + glob.glob("tests/plan/hosts/*.state.yaml") +
                  glob.glob("tests/simhost/fixtures/*.state.yaml"))
sim_hosts = ["examples/hosts/seed-82576.state.yaml"]
per_output = 3
print("1..%d" % (1 + per_output * (len(fixtures) + 2 * len(sim_hosts)) + 3))

try:
    import yaml
    import jsonschema
except ImportError as e:
    for i in range(per_output * (len(fixtures) + 2 * len(sim_hosts)) + 4):
        tap(True, "show --json checks", skip="python3 lacks %s (Debian python3-yaml, python3-jsonschema)" % e.name)
    sys.exit(0)

V = jsonschema.Draft202012Validator(json.load(open("schema/host-state.schema.json")))
tap(len(fixtures) >= 8, "host-state fixtures found (%d)" % len(fixtures))

def schema_errors(doc):
    return ["%s: %s" % ("/".join(map(str, e.absolute_path)) or "(top)", e.message)
            for e in V.iter_errors(doc)]

def differences(a, b, path="", out=None):
    """Where two JSON values differ (type and value, so 1 is not true)."""
    out = [] if out is None else out
    if type(a) is not type(b):
        out.append("%s: %r (JSON) vs %r (state)" % (path or "(top)", a, b))
    elif isinstance(a, dict):
        if list(a) != list(b):
            out.append("%s: keys %s (JSON) vs %s (state)" % (path or "(top)", list(a), list(b)))
        for k in a:
            if k in b:
                differences(a[k], b[k], path + "/" + str(k), out)
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append("%s: %d items (JSON) vs %d (state)" % (path, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            differences(x, y, "%s/%d" % (path, i), out)
    elif a != b:
        out.append("%s: %r (JSON) vs %r (state)" % (path, a, b))
    return out

def run(args):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(args), p.returncode, p.stderr.decode(errors="replace")[:300]))
    return p.stdout.decode("utf-8")

def check(name, show_json, show_state):
    """The three checks of one host: schema, same data, --state reads the JSON back."""
    try:
        j, y = json.loads(show_json), yaml.safe_load(show_state)
    except (ValueError, yaml.YAMLError) as e:
        for what in ("is valid against the schema", "carries the data of --format state", "reads back"):
            tap(False, "%s: show --json %s" % (name, what), ["not loadable: %s" % e])
        return
    errs = schema_errors(j)
    tap(not errs, "%s: show --json is valid against host-state.schema.json" % name, errs[:8])
    diff = differences(j, y)
    tap(not diff, "%s: show --json carries exactly the data of show --format state" % name, diff[:8])
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        f.write(show_json)
        f.flush()
        try:
            back = run([sriovctl, "show", "--state", f.name, "--format", "state"])
        except RuntimeError as e:
            back = str(e)
    tap(back == show_state, "%s: --state reads show --json back to the same host" % name,
        [l for l in back.splitlines()[:5]])

for f in fixtures:
    try:
        check(f, run([sriovctl, "show", "--state", f, "--json"]),
              run([sriovctl, "show", "--state", f, "--format", "state"]))
    except RuntimeError as e:
        for i in range(per_output):
            tap(False, "%s: show --json and --format state" % f, [e])

# the simulated seed host, as observed live, before and after apply
script = r'''
set -e
"$1" show --json >"$2/before.json"
"$1" show --format state >"$2/before.yaml"
"$1" apply -f "$3" >"$2/apply.log" 2>&1
"$1" show --json >"$2/after.json"
"$1" show --format state >"$2/after.yaml"
'''
for host in sim_hosts:
    names = ["%s on the simulated host, %s apply" % (host, when) for when in ("before", "after")]
    if not os.path.exists(os.environ["SIMHOST_SHIM"]) or os.geteuid() != 0:
        for name in names:
            for i in range(per_output):
                tap(True, name, skip="needs root and the fake kernel (make %s)" % os.environ["SIMHOST_SHIM"])
        continue
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run(["tests/simhost/run", host, "--", "bash", "-c", script, "sim", sriovctl, tmp,
                            "examples/seed-82576.yaml"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for when, name in zip(("before", "after"), names):
            try:
                check(name, open("%s/%s.json" % (tmp, when)).read(), open("%s/%s.yaml" % (tmp, when)).read())
            except OSError as e:
                for i in range(per_output):
                    tap(False, name, [e] + p.stdout.decode(errors="replace").splitlines()[-5:])

# the checks can fail: the shape show --json had before, and one value changed
seed = "examples/hosts/seed-82576.state.yaml"
doc = yaml.safe_load(open(seed))
del doc["simulate"]
old = copy.deepcopy(doc)
old["modules"] = [dict(name=k, **v) for k, v in old["modules"].items()]
tap(bool(schema_errors(old)), "modules as a list of objects is refused by the schema")
old = copy.deepcopy(doc)
old["files"] = [{"path": k, "present": v is not None, "content": v} for k, v in old["files"].items()]
tap(bool(schema_errors(old)), "files as a list of objects is refused by the schema")
changed = copy.deepcopy(doc)
changed["pci"][0]["sriov"]["num-vfs"] = True
tap(not schema_errors(doc) and bool(differences(changed, doc)),
    "a value of another type (true for 0) is a difference")
PY

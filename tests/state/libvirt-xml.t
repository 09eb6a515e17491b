#!/bin/bash
# The domain XML of the example hosts is valid libvirt XML (the simulated
# host defines these domains in a real libvirtd): virt-xml-validate each.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! command -v virt-xml-validate >/dev/null; then
	echo "1..1"
	echo "ok 1 - domain XML of examples/hosts # SKIP virt-xml-validate not installed (libvirt-clients)"
	exit 0
fi
exec "${PYTHON:-/usr/bin/python3}" - "$TOP" <<'PY'
import glob, os, subprocess, sys, tempfile

top = sys.argv[1]
try:
    import yaml
except ImportError:
    print("1..1\nok 1 - domain XML of examples/hosts # SKIP python3 lacks yaml")
    sys.exit(0)

cases = []
for path in sorted(glob.glob(os.path.join(top, "examples/hosts/*.state.yaml"))):
    for d in yaml.safe_load(open(path)).get("domains") or []:
        for key in ("xml", "live-xml"):
            if d.get(key):
                cases.append(("%s: %s %s" % (os.path.relpath(path, top), d["name"], key), d[key]))
print("1..%d" % (len(cases) + 1))
print("%s 1 - example domains found (%d)" % ("ok" if len(cases) >= 2 else "not ok", len(cases)))
failed = len(cases) < 2
with tempfile.TemporaryDirectory() as tmp:
    for i, (name, xml) in enumerate(cases, 2):
        f = os.path.join(tmp, "domain.xml")
        with open(f, "w") as out:
            out.write(xml)
        p = subprocess.run(["virt-xml-validate", f, "domain"], capture_output=True, text=True)
        print("%s %d - %s validates" % ("ok" if p.returncode == 0 else "not ok", i, name))
        if p.returncode:
            failed = True
            for line in (p.stdout + p.stderr).splitlines():
                print("#   " + line)
sys.exit(1 if failed else 0)
PY

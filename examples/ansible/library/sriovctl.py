#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Ansible module: make a host's SR-IOV setup match a sriovctl desired-state file."""

import json
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: sriovctl
short_description: Make a host's SR-IOV setup match a sriovctl desired-state file
description:
  - Runs C(sriovctl plan --json) in check mode (changed when the plan has
    changes; with C(--diff) the plan as a structured before/after diff) and
    C(sriovctl apply --json) otherwise, and fails with sriovctl's message
    and exit code. A blocked change (one that would take a device from a
    guest) fails the task, naming the guest, unless I(force) is true.
  - With I(content), the module keeps I(file) holding that text (checked
    with C(sriovctl validate) first, written atomically); in check mode it
    plans against I(content) without writing I(file).
options:
  file:
    description: The desired-state file on the host.
    type: path
    default: /etc/sriovctl/sriovctl.yaml
  content:
    description: The desired-state file's text; written to I(file) when it differs.
    type: str
  plan:
    description:
      - A plan saved by C(sriovctl plan -o), applied exactly (C(apply --plan)); excludes I(content).
      - In check mode C(apply --plan --dry-run) checks that it still holds.
    type: path
  force:
    description: Carry out blocked changes too (C(--force)), taking devices from guests.
    type: bool
    default: false
  libvirt_uri:
    description: libvirt URI (C(--libvirt)); default the file's, else qemu:///system.
    type: str
  timeout:
    description: Seconds to wait for VFs to appear (C(--timeout)).
    type: float
  executable:
    description: The sriovctl program; default the one on PATH.
    type: path
"""

EXAMPLES = r"""
- name: SR-IOV as host_vars says
  sriovctl:
    content: "{{ sriovctl_desired_state }}"
"""

RETURN = r"""
plan:
  description: The plan as sriovctl's JSON (schema/plan.schema.json).
  type: dict
  returned: always
events:
  description: apply's events, one per action started, done, failed or skipped.
  type: list
  returned: when applied
summary:
  description: apply's summary line (result, exit-code, counts).
  type: dict
  returned: when applied
rc:
  description: sriovctl's exit status.
  type: int
  returned: always
"""


def change_key(c):
    """A change's name within its target: the action and what it touches."""
    key = c["action"]
    vf = c.get("vf")
    if isinstance(vf, dict) and c["action"] in ("set-vf", "bind-driver"):
        key += " VF %s" % vf.get("id")
    if c.get("attribute"):
        key += " " + c["attribute"]
    if c.get("device"):
        key += " " + c["device"]
    return key


def plan_diff(plan, header):
    """The plan as Ansible's diff: per target, each change's from and to."""
    before, after = {}, {}
    for c in plan.get("changes", []):
        before.setdefault(c["target"], {})[change_key(c)] = c.get("from")
        after.setdefault(c["target"], {})[change_key(c)] = c.get("to")
    return {"before": before, "after": after,
            "before_header": header + " (host now)", "after_header": header + " (desired)"}


def blocked_message(plan):
    lines = ["%s %s: %s" % (b["action"], b["target"], b.get("why", "blocked"))
             for b in plan.get("blocked", [])]
    return "; ".join(lines)


class Runner:
    def __init__(self, module):
        self.m = module
        p = module.params
        self.exe = p["executable"] or module.get_bin_path("sriovctl", required=True)
        self.common = []
        if p["libvirt_uri"]:
            self.common += ["--libvirt", p["libvirt_uri"]]

    def run(self, args):
        return self.m.run_command([self.exe] + args + self.common, check_rc=False)

    def fail(self, what, rc, err, **extra):
        msg = (err or "").strip() or "sriovctl %s exited %d" % (what, rc)
        self.m.fail_json(msg=msg, rc=rc, **extra)

    def validate(self, path, shown):
        rc, out, err = self.run(["validate", path])
        if rc != 0:
            self.fail("validate", rc, (err or out).replace(path, shown))

    def plan(self, path, shown):
        rc, out, err = self.run(["plan", "-f", path, "--json"])
        if rc != 0:
            self.fail("plan", rc, err.replace(path, shown))
        try:
            return json.loads(out)
        except ValueError as e:
            self.m.fail_json(msg="sriovctl plan --json printed no plan: %s" % e, rc=rc, stdout=out)

    def apply(self, args, force, shown, path):
        cmd = ["apply", "--json"] + args + (["--force"] if force else [])
        if self.m.params["timeout"] is not None:
            cmd += ["--timeout", "%g" % self.m.params["timeout"]]
        rc, out, err = self.run(cmd)
        plan, events, summary = {}, [], {}
        for line in out.splitlines():
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if o.get("type") == "plan":
                plan = o.get("plan", {})
            elif o.get("type") == "event":
                events.append(o)
            elif o.get("type") == "summary":
                summary = o
        err = err.replace(path, shown) if path else err
        if rc != 0:
            msg = (err or "").strip()
            if plan.get("blocked"):
                msg = "blocked: %s%s" % (blocked_message(plan), "\n" + msg if msg else "")
            failed = [e for e in events if e.get("event") == "error"]
            if not msg and failed:
                msg = "; ".join("%s %s: %s" % (e.get("action"), e.get("target"), e.get("message"))
                                for e in failed)
            self.fail("apply", rc, msg, plan=plan, events=events, summary=summary)
        return plan, events, summary


def write_content(module, path, content):
    """Write content to path atomically when it differs; True when it did."""
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == content:
                return False
    except FileNotFoundError:
        pass
    d = os.path.dirname(path) or "."
    os.makedirs(d, mode=0o755, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=module.tmpdir, prefix="sriovctl-", suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(content)
    os.chmod(tmp, 0o644)
    module.atomic_move(tmp, path)
    return True


def staged(module, content):
    fd, tmp = tempfile.mkstemp(dir=module.tmpdir, prefix="sriovctl-", suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(content)
    return tmp


def main():
    module = AnsibleModule(
        argument_spec=dict(
            file=dict(type="path", default="/etc/sriovctl/sriovctl.yaml"),
            content=dict(type="str"),
            plan=dict(type="path"),
            force=dict(type="bool", default=False),
            libvirt_uri=dict(type="str"),
            timeout=dict(type="float"),
            executable=dict(type="path"),
        ),
        mutually_exclusive=[("plan", "content")],
        supports_check_mode=True,
    )
    p = module.params
    r = Runner(module)
    path, shown = p["file"], p["file"]
    file_changed = False
    if p["content"] is not None:
        tmp = staged(module, p["content"])
        r.validate(tmp, shown)
        if module.check_mode:
            path = tmp
        else:
            file_changed = write_content(module, p["file"], p["content"])

    if module.check_mode and p["plan"]:
        # a saved plan: apply --dry-run checks that it still holds and changes nothing
        plan, _, _ = r.apply(["--plan", p["plan"], "--dry-run"], p["force"], shown, None)
        module.exit_json(changed=bool(plan.get("changes")), plan=plan, rc=0,
                         diff=plan_diff(plan, "sriovctl " + p["plan"]))
    if module.check_mode:
        plan = r.plan(path, shown)
        if plan.get("blocked") and not p["force"]:
            r.fail("plan", 3, "blocked: " + blocked_message(plan), plan=plan)
        module.exit_json(changed=bool(plan.get("changes")) or _differs(p), plan=plan, rc=0,
                         diff=plan_diff(plan, "sriovctl " + shown))

    args = ["--plan", p["plan"]] if p["plan"] else ["-f", path]
    plan, events, summary = r.apply(args, p["force"], shown, path)
    done = summary.get("done", sum(1 for e in events if e.get("event") == "done"))
    module.exit_json(changed=bool(done) or file_changed, plan=plan, events=events,
                     summary=summary, rc=summary.get("exit-code", 0),
                     diff=plan_diff(plan, "sriovctl " + shown))


def _differs(p):
    """In check mode: would the file's text change?"""
    if p["content"] is None:
        return False
    try:
        with open(p["file"], encoding="utf-8") as f:
            return f.read() != p["content"]
    except OSError:
        return True


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check that what an apply did is exactly its plan: no more, no fewer, in
plan order.

  fidelity.py PLAN.jsonl CHANGES LIBVIRT-LOG

PLAN.jsonl is `apply --json` output (its first line holds the plan),
CHANGES the writes.py listing of the apply's strace, LIBVIRT-LOG the
libvirt client's debug log (attach/detach calls). Each write is charged to
the action it belongs to (sriov_numvfs of a PF: its set-num-vfs; the
driver_override, unbind and drivers_probe writes around a device: its
bind-driver; the fake rtnetlink's write of a VF's settings: one set-vf; a rename onto a modprobe.d file: its write-modprobe-conf; a
virDomain{Attach,Detach}DeviceFlags call: the next attach/detach). Prints
one line per problem and exits 1, or "fidelity ok N actions".
"""
import json
import re
import sys


def ops_from_writes(path):
    ops = []
    for line in open(path):
        m = re.search(r'"([^"]*)"', line)
        if not m:
            continue
        p = m.group(1)
        name = line.split()[1].split("(")[0]
        if ("/sys/" in line or "umockdev" in line) and (
                name not in ("open", "openat") or "O_CREAT" in line):
            continue  # the simulated kernel making or removing devices, not the tool
        if p.endswith(".lv"):
            continue  # the libvirt client's log of this test
        if name == "mkdir" and re.search(r"/vf(/[^/]+)?$", p):
            continue  # the fake rtnetlink's own directories
        vf = re.search(r"/vf/([^/]+)/(\d+)$", p)
        if vf and "/etc/" not in p:
            ops.append(("set-vf", "%s vf %s" % (vf.group(1), vf.group(2)), len(ops)))
            continue
        dev = re.search(r"/devices/(?:[^\"]*/)?([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])/([a-z_]+)$", p)
        if dev and dev.group(2) == "sriov_numvfs":
            ops.append(("set-num-vfs", dev.group(1)))
        elif dev and dev.group(2) == "sriov_drivers_autoprobe":
            ops.append(("set-drivers-autoprobe", dev.group(1)))
        elif dev and dev.group(2) in ("driver_override",):
            ops.append(("bind-driver", dev.group(1)))
        elif p.endswith("/drivers_probe") or re.search(r"/drivers/[^/]+/(unbind|bind)$", p):
            ops.append(("bind-driver", None))  # belongs to the bind in progress
        elif line.split()[1].startswith("rename") and "/etc/modprobe.d/" in line:
            target = re.findall(r'"([^"]*)"', line)[-1]
            ops.append(("write-modprobe-conf", target[target.index("/etc/modprobe.d/"):]))
        elif "/etc/modprobe.d" in line:
            continue  # the temporary file (O_TMPFILE, linkat) a rename then puts in place
        else:
            ops.append(("unexpected", line.strip()))
    return ops


def ops_from_libvirt(path):
    ops = []
    for line in open(path):
        m = re.search(r"virDomain(Attach|Detach)DeviceFlags:", line)
        if m:
            ops.append(("attach" if m.group(1) == "Attach" else "detach", None))
    return ops


def main():
    plan = json.loads(open(sys.argv[1]).readline())["plan"]
    actions = plan["changes"]
    host_ops = ops_from_writes(sys.argv[2])
    guest_ops = ops_from_libvirt(sys.argv[3])
    problems = []

    def key(a):
        if a["action"] == "set-vf":
            return (a["action"], "%s vf %d" % (a["vf"]["pf"], a["vf"]["id"]))
        if a["action"] == "bind-driver":
            return (a["action"], a["vf"]["address"])
        if a["action"] in ("attach", "detach"):
            return (a["action"], None)
        return (a["action"], a["target"])

    # merge consecutive writes of one action; a None device continues the last bind
    done = []
    for op in host_ops:
        if op[1] is None and done and done[-1][0] == op[0]:
            continue
        if done and done[-1] == op:
            continue
        done.append(op)
    # one RTM_SETLINK per set-vf: those are not merged (the third field keeps them apart)
    done = [op[:2] for op in done]
    want_host = [key(a) for a in actions if a["action"] not in ("attach", "detach")]
    # set-num-vfs of several PFs run side by side: their order among themselves is free
    def norm(seq):
        out, batch = [], []
        for k in seq + [("", "")]:
            if k[0] == "set-num-vfs":
                batch.append(k)
                continue
            out.extend(sorted(batch))
            batch = []
            if k[0]:
                out.append(k)
        return out
    if norm(done) != norm(want_host):
        problems.append("host writes %s != plan %s" % (norm(done), norm(want_host)))
    want_guest = [(a["action"], None) for a in actions if a["action"] in ("attach", "detach")]
    # an action that affects both scopes is two calls (config, then live)
    calls = []
    for a in actions:
        if a["action"] in ("attach", "detach"):
            n = int(a["persistent"]) + int(a["live"] and a["running"])
            calls.extend([(a["action"], None)] * n)
    if guest_ops != calls:
        problems.append("libvirt calls %s != plan %s" % (guest_ops, calls))
    for p in problems:
        print(p)
    if problems:
        return 1
    print("fidelity ok %d actions (%d host writes, %d libvirt calls)"
          % (len(actions), len(done), len(guest_ops)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

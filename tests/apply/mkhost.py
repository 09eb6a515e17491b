#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write a host-state file (and optionally a desired-state file) with N
82576-like PFs, one per PCI bus from 0b, for the apply tests and benchmarks.

  mkhost.py STATE.yaml [--pfs N] [--num-vfs K] [--autoprobe 0|1]
            [--sim KEY=VALUE ...] [--sim-pf I:KEY=VALUE ...]
            [--spec SPEC.yaml --want-vfs K [--spec-extra YAML]]

--sim sets a simulate: key for every PF (vf-delay-ms=1000, fail.sriov_numvfs=EIO);
--sim-pf for PF number I only. Values that look like integers are integers.
"""
import argparse
import sys

import yaml


def pf_addr(i):
    return f"0000:{0x0b + i:02x}:00.0"


def value(v):
    return int(v) if v.lstrip("-").isdigit() else v


def put(d, key, v):
    *path, last = key.split(".")
    for k in path:
        d = d.setdefault(k, {})
    d[last] = value(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("state")
    ap.add_argument("--pfs", type=int, default=1)
    ap.add_argument("--num-vfs", type=int, default=0)
    ap.add_argument("--autoprobe", type=int, default=1)
    ap.add_argument("--sim", action="append", default=[])
    ap.add_argument("--sim-pf", action="append", default=[])
    ap.add_argument("--spec")
    ap.add_argument("--want-vfs", type=int, default=7)
    ap.add_argument("--total-vfs", type=int, default=7)
    ap.add_argument("--spec-extra", default="")
    # the PF driver the fake rtnetlink answers as (igb refuses link-state,
    # 802.1ad and minimum rates, as the real one does)
    ap.add_argument("--pf-driver", default="igb")
    a = ap.parse_args()

    pci, sim = [], {}
    for i in range(a.pfs):
        addr, bus = pf_addr(i), 0x0b + i
        vfs = []
        for n in range(a.num_vfs):
            dev, fn = divmod(128 + 2 * n, 8)
            vfs.append({"id": n, "address": f"0000:{bus:02x}:{dev:02x}.{fn}",
                        "driver": "igbvf" if a.autoprobe else None,
                        "interface": f"enp{bus}s{dev}" + (f"f{fn}" if fn else "")
                        if a.autoprobe else None})
        pci.append({"address": addr, "vendor": "8086", "device": "10c9", "driver": a.pf_driver,
                    "interfaces": [f"enp{bus}s0f0"],
                    "sriov": {"total-vfs": a.total_vfs, "num-vfs": a.num_vfs,
                              "drivers-autoprobe": bool(a.autoprobe), "offset": 128,
                              "stride": 2, "vf-device": "10ca", "vfs": vfs}})
        sim[addr] = {"vf-driver": "igbvf"}
        for kv in a.sim:
            put(sim[addr], *kv.split("=", 1))
    for ikv in a.sim_pf:
        i, kv = ikv.split(":", 1)
        put(sim[pf_addr(int(i))], *kv.split("=", 1))
    state = {"version": 1, "kind": "host-state", "hostname": "sim", "pci": pci,
             "modules": {"igb": {"loaded": True, "parameters": {"max_vfs": "0"}}},
             "files": {}, "simulate": sim}
    with open(a.state, "w") as f:
        yaml.safe_dump(state, f, sort_keys=False)
    if a.spec:
        spec = {"version": 1, "pfs": [{"pci": pf_addr(i), "num-vfs": a.want_vfs}
                                      for i in range(a.pfs)]}
        extra = yaml.safe_load(a.spec_extra) if a.spec_extra else None
        if extra:
            for pf in spec["pfs"]:
                pf.update(extra)
        with open(a.spec, "w") as f:
            yaml.safe_dump(spec, f, sort_keys=False)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the host-state file of an E810-sized host and its desired state,
for tests/bench/apply-big.sh:

  mkbighost.py STATE.yaml SPEC.yaml [--pfs 8] [--vfs 256] [--guests 1024]
               [--delay-ms 1000]

PFS ice PFs (8086:1592), one per 16 buses from 0x10 so that their VFs
(offset 8, stride 1, iavf) spill onto the next buses as the kernel routes
them; no VFs yet; each PF's VFs appear DELAY_MS after the write, which
blocks that long (vf-write-blocks). GUESTS shut-off domains share the VFs
to be (PFS * VFS / GUESTS each, as <hostdev> in their XML), and the
desired state asks for every PF's VFS VFs and each guest's devices: after
the VFs appear, the guests already match.
"""
import argparse

import yaml

XML = """<domain type='kvm'>
  <name>{name}</name>
  <memory unit='KiB'>524288</memory>
  <vcpu placement='static'>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='usb' index='0' model='none'/>
{hostdevs}    <memballoon model='none'/>
  </devices>
</domain>
"""
HOSTDEV = """    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0x{bus:02x}' slot='0x{slot:02x}' function='0x{fn:x}'/></source>
    </hostdev>
"""
OFFSET = 8


def pf_bus(i):
    return 0x10 * (i + 1)


def vf_addr(pfbus, n):
    rid = (pfbus << 8) + OFFSET + n
    return rid >> 8, (rid >> 3) & 0x1f, rid & 7


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("state")
    ap.add_argument("spec")
    ap.add_argument("--pfs", type=int, default=8)
    ap.add_argument("--vfs", type=int, default=256)
    ap.add_argument("--guests", type=int, default=1024)
    ap.add_argument("--delay-ms", type=int, default=1000)
    a = ap.parse_args()
    pci, sim = [], {}
    for i in range(a.pfs):
        addr = f"0000:{pf_bus(i):02x}:00.0"
        pci.append({"address": addr, "vendor": "8086", "device": "1592", "driver": "ice",
                    "interfaces": [f"enp{pf_bus(i)}s0f0"],
                    "sriov": {"total-vfs": a.vfs, "num-vfs": 0, "drivers-autoprobe": True,
                              "offset": OFFSET, "stride": 1, "vf-device": "1889", "vfs": []}})
        sim[addr] = {"vf-driver": "iavf", "vf-delay-ms": a.delay_ms, "vf-write-blocks": True}
    state = {"version": 1, "kind": "host-state", "hostname": "sim", "pci": pci,
             "modules": {"ice": {"loaded": True, "parameters": {}}}, "files": {},
             "domains": [], "simulate": sim}
    spec = {"version": 1, "pfs": [{"pci": p["address"], "num-vfs": a.vfs} for p in pci],
            "guests": {}}
    per = a.pfs * a.vfs // a.guests if a.guests else 0
    for g in range(a.guests):
        name = f"guest{g:04d}"
        devs, hostdevs = [], ""
        for j in range(g * per, (g + 1) * per):
            pf, n = divmod(j, a.vfs)
            devs.append({"vf": {"pf": pci[pf]["address"], "id": n}, "type": "hostdev"})
            bus, slot, fn = vf_addr(pf_bus(pf), n)
            hostdevs += HOSTDEV.format(bus=bus, slot=slot, fn=fn)
        state["domains"].append({"name": name, "running": False,
                                 "xml": XML.format(name=name, hostdevs=hostdevs)})
        spec["guests"][name] = {"devices": devs}
    with open(a.state, "w") as f:
        yaml.safe_dump(state, f, sort_keys=False)
    with open(a.spec, "w") as f:
        yaml.safe_dump(spec, f, sort_keys=False)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A captured host-state with the pool 'sriov-pool' made running, as libvirt
# would show it on a real host (the simulated host's libvirtd cannot start
# a <pf> pool: it reads the real /sys): its live XML lists the PF's first 4
# VFs (0000:0b:10.0, .2, .4, .6). Writes OUT/idle.yaml (nothing handed out)
# and OUT/held.yaml (VF 1, 0000:0b:10.2, handed to the running MyGuest,
# whose live XML has it as libvirt writes a pool's VF: a hostdev interface).
#   pool-running.py CAPTURE OUT
import sys

import yaml

s = yaml.safe_load(open(sys.argv[1]))
out = sys.argv[2]


def running(held):
    addr = "".join("<address type='pci' domain='0x0000' bus='0x0b' slot='0x10' function='0x%d'%s/>"
                   % (2 * i, " connections='1'" if held and i == 1 else "") for i in range(4))
    for n in s["networks"]:
        if n["name"] == "sriov-pool":
            n["active"] = True
            n["live-xml"] = n["xml"].replace("</forward>", addr + "</forward>")


running(False)
yaml.safe_dump(s, open(out + "/idle.yaml", "w"))
running(True)
for d in s["domains"]:
    if d["name"] == "MyGuest":
        d["running"] = True
        d["live-xml"] = d["xml"].replace(
            "</devices>",
            "<interface type='hostdev' managed='yes'><mac address='52:54:00:6d:90:03'/>"
            "<source><address type='pci' domain='0x0000' bus='0x0b' slot='0x10' function='0x2'/>"
            "</source></interface></devices>")
yaml.safe_dump(s, open(out + "/held.yaml", "w"))

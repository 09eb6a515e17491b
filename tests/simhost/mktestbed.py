#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Build a simulated host from a host-state file.

    mktestbed.py STATE.yaml --sys DIR --root DIR --conf FILE --domains DIR

--sys DIR      the umockdev testbed's sys/ directory: PCI devices laid out as
               the kernel does (device dirs behind a root port, bus/pci
               links, drivers, net devices, /sys/module), so that the real
               libudev and libpci read them as on a real host.
--root DIR     the file root: etc/modprobe.d from `files:`, etc/hostname, run/.
--conf FILE    the fake kernel's configuration (per-PF delay, VF driver,
               netdev naming, faults), read by fakekernel.so.
--domains DIR  one NAME.xml per domain and a `list` file of "running NAME".
--vf DIR       per-VF settings the PF driver keeps (MAC, VLAN, ...), served by
               the fake rtnetlink in rtnl.c.

The VF layout written here must match what fakekernel.c creates when
sriov_numvfs is written (tests/simhost/layout.t compares the two).
"""
import argparse
import ipaddress
import os
import re
import struct
import sys

import yaml

# Drivers whose devices get no network interface when bound.
NONET_DRIVERS = {"vfio-pci", "pci-stub", "uio_pci_generic", "nvme"}
FAULTS = {"EIO", "ENOSPC", "EBUSY", "EINVAL", "ENODEV", "EPERM", "ERANGE", "ENOENT", "EACCES", "hang"}
ADDR_RE = re.compile(r"^([0-9a-f]{4}):([0-9a-f]{2}):([0-1][0-9a-f])\.([0-7])$")


class StateError(Exception):
    pass


def parse_addr(a):
    m = ADDR_RE.match(str(a))
    if not m:
        raise StateError(f"bad PCI address '{a}'")
    return int(m[1], 16), int(m[2], 16), int(m[3], 16), int(m[4], 16)


def fmt_addr(dom, bus, slot, fn):
    return f"{dom:04x}:{bus:02x}:{slot:02x}.{fn}"


def vf_addr(pf, offset, stride, n):
    """The kernel's pci_iov_virtfn_bus/devfn: routing id arithmetic."""
    dom, bus, slot, fn = parse_addr(pf)
    rid = (bus << 8 | slot << 3 | fn) + offset + n * stride
    return fmt_addr(dom, (rid >> 8) & 0xFF, (rid >> 3) & 0x1F, rid & 7)


def netdev_name(template, addr, pf_ifname, n):
    """A udev-like predictable name: enp11s16, enp11s16f2, ..."""
    _, bus, slot, fn = parse_addr(addr)
    if template:
        # plain substitution, as fakekernel.c does it
        for key, value in (("{bus}", bus), ("{slot}", slot), ("{function}", fn), ("{id}", n),
                           ("{pf}", pf_ifname or "")):
            template = template.replace(key, str(value))
        return template
    return f"enp{bus}s{slot}" + (f"f{fn}" if fn else "")


def mac_for(addr):
    _, bus, slot, fn = parse_addr(addr)
    return f"02:00:00:{bus:02x}:{slot:02x}:{fn:02x}"


def ifindex_for(addr):
    dom, bus, slot, fn = parse_addr(addr)
    return 1000 + (dom << 16 | bus << 8 | slot << 3 | fn)


def write(path, content, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = content if isinstance(content, bytes) else content.encode()
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def symlink(target_abs, link):
    """A relative symlink, as sysfs has."""
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(os.path.relpath(target_abs, os.path.dirname(link)), link)


def config_space(vendor, device, cls, subven, subdev, sriov, multifunction):
    """4 KiB config space: IDs, a PCIe capability, and the SR-IOV extended
    capability (TotalVFs, NumVFs, offset, stride, VF device id) for PFs."""
    c = bytearray(4096)
    struct.pack_into("<HHHH", c, 0, vendor, device, 0x0406, 0x0010)
    c[8] = 0x01  # revision
    c[9], c[10], c[11] = cls & 0xFF, (cls >> 8) & 0xFF, (cls >> 16) & 0xFF
    c[0x0E] = 0x80 if multifunction else 0x00
    struct.pack_into("<HH", c, 0x2C, subven, subdev)
    c[0x34] = 0x40
    # PCI Express capability (id 0x10), endpoint, version 2; end of list
    struct.pack_into("<BBH", c, 0x40, 0x10, 0x00, 0x0002)
    if sriov is not None:
        total, num, offset, stride, vfdev = sriov
        # extended capabilities start at 0x100: AER there (empty), then
        # SR-IOV (id 0x0010, version 1) at 0x160 as on an 82576
        struct.pack_into("<I", c, 0x100, 0x0001 | (1 << 16) | (0x160 << 20))
        struct.pack_into("<I", c, 0x160, 0x0010 | (1 << 16))
        struct.pack_into("<IHH", c, 0x164, 0, 0x0001 if num else 0, 0)
        struct.pack_into("<HHHH", c, 0x16C, total, total, num, 0)
        struct.pack_into("<HH", c, 0x174, offset, stride)
        struct.pack_into("<HH", c, 0x178, 0, vfdev)
    return bytes(c)


class Testbed:
    def __init__(self, sysdir):
        self.sys = os.path.abspath(sysdir)
        self.root_ports = {}
        self.drivers = set()
        self.modules = {}
        self.n_virtual = 0

    def parent_dir(self, addr):
        dom, bus, _, _ = parse_addr(addr)
        host = os.path.join(self.sys, "devices", f"pci{dom:04x}:00")
        if bus == 0:
            return host
        key = (dom, bus)
        if key not in self.root_ports:
            self.root_ports[key] = 3 + len([k for k in self.root_ports if k[0] == dom])
        rp = fmt_addr(dom, 0, self.root_ports[key], 0)
        return os.path.join(host, rp)

    def driver_dir(self, name):
        d = os.path.join(self.sys, "bus/pci/drivers", name)
        if name not in self.drivers:
            self.drivers.add(name)
            for f in ("bind", "unbind", "new_id", "remove_id"):
                write(os.path.join(d, f), "", 0o200)
            write(os.path.join(d, "uevent"), "", 0o200)
        return d

    def pci_device(self, addr, parent, vendor, device, cls, driver, sub=None, multifunction=False,
                   sriov=None, override=None):
        path = os.path.join(parent, addr)
        subven, subdev = sub or (vendor, 0)
        write(os.path.join(path, "vendor"), f"0x{vendor:04x}\n")
        write(os.path.join(path, "device"), f"0x{device:04x}\n")
        write(os.path.join(path, "subsystem_vendor"), f"0x{subven:04x}\n")
        write(os.path.join(path, "subsystem_device"), f"0x{subdev:04x}\n")
        write(os.path.join(path, "class"), f"0x{cls:06x}\n")
        write(os.path.join(path, "revision"), "0x01\n")
        write(os.path.join(path, "irq"), "0\n")
        write(os.path.join(path, "enable"), "1\n")
        write(os.path.join(path, "numa_node"), "-1\n")
        write(os.path.join(path, "resource"), "0x0000000000000000 0x0000000000000000 0x0000000000000000\n" * 13)
        write(os.path.join(path, "driver_override"), f"{override or '(null)'}\n")
        write(os.path.join(path, "config"), config_space(vendor, device, cls, subven, subdev, sriov, multifunction))
        modalias = (f"pci:v{vendor:08X}d{device:08X}sv{subven:08X}sd{subdev:08X}"
                    f"bc{cls >> 16:02X}sc{(cls >> 8) & 0xFF:02X}i{cls & 0xFF:02X}")
        write(os.path.join(path, "modalias"), modalias + "\n")
        ue = "".join([f"DRIVER={driver}\n" if driver else "",
                      f"PCI_CLASS={cls:X}\n", f"PCI_ID={vendor:04X}:{device:04X}\n",
                      f"PCI_SUBSYS_ID={subven:04X}:{subdev:04X}\n", f"PCI_SLOT_NAME={addr}\n",
                      f"MODALIAS={modalias}\n"])
        write(os.path.join(path, "uevent"), ue)
        bus_pci = os.path.join(self.sys, "bus/pci")
        symlink(bus_pci, os.path.join(path, "subsystem"))
        symlink(path, os.path.join(bus_pci, "devices", addr))
        if driver:
            self.bind(path, addr, driver)
        return path

    def bind(self, path, addr, driver):
        d = self.driver_dir(driver)
        symlink(d, os.path.join(path, "driver"))
        symlink(path, os.path.join(d, addr))

    def netdev(self, devpath, name, mac, use=None):
        nd = os.path.join(devpath, "net", name)
        ifindex = ifindex_for(os.path.basename(devpath))
        use = use or {}
        up = bool(use.get("up"))
        mtu = int(use.get("mtu") or 1500)
        files = {"address": mac + "\n", "ifindex": f"{ifindex}\n", "iflink": f"{ifindex}\n",
                 "addr_len": "6\n", "type": "1\n", "mtu": f"{mtu}\n",
                 "operstate": "up\n" if up else "down\n", "carrier": f"{int(up)}\n",
                 "flags": "0x1003\n" if up else "0x1002\n", "tx_queue_len": "1000\n",
                 "uevent": f"INTERFACE={name}\nIFINDEX={ifindex}\n"}
        for f, v in files.items():
            write(os.path.join(nd, f), v)
        symlink(os.path.join(self.sys, "class/net"), os.path.join(nd, "subsystem"))
        # as the kernel writes it, not the shortest relative path
        os.symlink(f"../../../{os.path.basename(devpath)}", os.path.join(nd, "device"))
        symlink(nd, os.path.join(self.sys, "class/net", name))
        # the host's use of it: its bond or bridge, the devices stacked on it
        master = use.get("master")
        if master:
            kind = {"bond": "bonding", "bridge": "bridge"}.get(use.get("master-kind"))
            md = self.virtual_netdev(master, kind)
            symlink(md, os.path.join(nd, "master"))
            symlink(md, os.path.join(nd, f"upper_{master}"))
            symlink(nd, os.path.join(md, f"lower_{name}"))
        for upper in use.get("uppers") or []:
            ud = self.virtual_netdev(upper, None)
            symlink(ud, os.path.join(nd, f"upper_{upper}"))
            symlink(nd, os.path.join(ud, f"lower_{name}"))

    def virtual_netdev(self, name, kind_dir):
        """A software netdev (bridge, bond, macvlan) under devices/virtual/net."""
        if "/" in str(name) or not name:
            raise StateError(f"bad netdev name '{name}'")
        nd = os.path.join(self.sys, "devices/virtual/net", name)
        if not os.path.isdir(nd):
            self.n_virtual += 1
            ifindex = 900 - self.n_virtual
            for f, v in {"ifindex": f"{ifindex}\n", "iflink": f"{ifindex}\n", "type": "1\n",
                         "flags": "0x1003\n", "operstate": "up\n",
                         "uevent": f"INTERFACE={name}\nIFINDEX={ifindex}\n"}.items():
                write(os.path.join(nd, f), v)
            symlink(os.path.join(self.sys, "class/net"), os.path.join(nd, "subsystem"))
            symlink(nd, os.path.join(self.sys, "class/net", name))
        if kind_dir:
            os.makedirs(os.path.join(nd, kind_dir), exist_ok=True)
        return nd

    def module(self, name, loaded, params):
        if not loaded:
            return
        name = name.replace("-", "_")  # /sys/module has the kernel's name (vfio_pci)
        m = os.path.join(self.sys, "module", name)
        write(os.path.join(m, "initstate"), "live\n")
        write(os.path.join(m, "refcnt"), "0\n")
        write(os.path.join(m, "uevent"), "", 0o200)
        os.makedirs(os.path.join(m, "parameters"), exist_ok=True)
        for k, v in (params or {}).items():
            write(os.path.join(m, "parameters", str(k)), f"{v}\n")
        self.modules[name] = m

    def iommu_groups(self, groups, paths):
        """/sys/kernel/iommu_groups/N/devices/ADDR and each device's iommu_group link.

        A member that is not a pci: device of the state is made here, with
        its class and driver and IDs 0000:0000 (the state does not say them).
        """
        for gid, members in sorted(groups.items()):
            gdir = os.path.join(self.sys, "kernel/iommu_groups", str(gid))
            os.makedirs(os.path.join(gdir, "devices"), exist_ok=True)
            write(os.path.join(gdir, "type"), "DMA\n", 0o444)
            for addr, m in sorted(members.items()):
                path = paths.get(addr)
                if path is None:
                    cls = hexid(m.get("class") or "0", "class")
                    path = self.pci_device(addr, self.parent_dir(addr), 0, 0, cls,
                                           m.get("driver"))
                    paths[addr] = path
                symlink(path, os.path.join(gdir, "devices", addr))
                symlink(gdir, os.path.join(path, "iommu_group"))

    def finish(self):
        bus_pci = os.path.join(self.sys, "bus/pci")
        write(os.path.join(bus_pci, "drivers_probe"), "", 0o200)
        write(os.path.join(bus_pci, "drivers_autoprobe"), "1\n")
        write(os.path.join(bus_pci, "rescan"), "", 0o200)
        write(os.path.join(bus_pci, "uevent"), "", 0o200)
        os.makedirs(os.path.join(bus_pci, "devices"), exist_ok=True)
        os.makedirs(os.path.join(self.sys, "class/net"), exist_ok=True)
        for drv in sorted(self.drivers):
            mod = drv.replace("-", "_")
            if mod in self.modules:
                d = os.path.join(bus_pci, "drivers", drv)
                symlink(self.modules[mod], os.path.join(d, "module"))
                symlink(d, os.path.join(self.modules[mod], "drivers", "pci:" + drv))


LINK_STATES = {"auto": 0, "enable": 1, "disable": 2}
VLAN_PROTOS = {"802.1Q": 0x8100, "802.1ad": 0x88A8}


VF_STATS = ("rx-packets", "tx-packets", "rx-bytes", "tx-bytes", "broadcast", "multicast",
            "rx-dropped", "tx-dropped")


def vf_settings(vfdir, pf, n, v):
    """What the PF driver keeps for VF n, read by the fake rtnetlink."""
    mac = v.get("mac") or "00:00:00:00:00:00"
    if not re.match(r"^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$", str(mac)):
        raise StateError(f"{pf}: VF {n}: bad mac '{mac}'")
    def num(key, default):
        x = v.get(key)
        return default if x is None or x == -1 else int(x)
    proto = VLAN_PROTOS.get(v.get("vlan-proto") or "802.1Q")
    link = LINK_STATES.get(v.get("link-state") or "auto")
    if proto is None or link is None:
        raise StateError(f"{pf}: VF {n}: bad vlan-proto or link-state")
    spoof = v.get("spoof-check")
    line = (f"{mac.lower()} {num('vlan', 0)} {num('qos', 0)} {proto:x} "
            f"{1 if spoof is None else int(bool(spoof))} {int(bool(v.get('trust')))} {link} "
            f"{num('min-tx-rate', 0)} {num('max-tx-rate', 0)}\n")
    write(os.path.join(vfdir, pf, str(n)), line)
    stats = v.get("stats")
    if stats:
        # the counters IFLA_VF_STATS reports, in the fake rtnetlink's order; -1: not reported
        vals = [int(stats.get(k, -1)) for k in VF_STATS]
        write(os.path.join(vfdir, "stats", pf, str(n)), " ".join(map(str, vals)) + "\n")


def netdev_mtu_range(vfdir, ifname, m):
    """The MTU range the fake rtnetlink gives a netdev (default 68..9216, igb's)."""
    if m.get("min-mtu") or m.get("max-mtu"):
        write(os.path.join(vfdir, "mtu-range", ifname),
              f"{int(m.get('min-mtu') or 68)} {int(m.get('max-mtu') or 9216)}\n")


def netdev_addresses(vfdir, ifname, addresses):
    """The addresses of a netdev, dumped by the fake rtnetlink (RTM_GETADDR)."""
    if not addresses:
        return
    for a in addresses:
        addr, _, prefix = str(a).partition("/")
        try:
            ipaddress.ip_address(addr)
            ok = prefix.isdigit()
        except ValueError:
            ok = False
        if not ok:
            raise StateError(f"{ifname}: bad address '{a}'")
    write(os.path.join(vfdir, "addresses", ifname), "".join(f"{a}\n" for a in addresses))


def iommu_groups(state):
    """{id: {address: member}} from iommu-groups: and the pci devices' iommu-group."""
    groups = {}
    for g in state.get("iommu-groups") or []:
        members = groups.setdefault(int(g["id"]), {})
        for m in g.get("devices") or []:
            members[str(m["address"]).lower()] = m
    for p in state.get("pci") or []:
        if p.get("iommu-group") is not None:
            groups.setdefault(int(p["iommu-group"]), {}).setdefault(p["address"], {})
    return groups


def hexid(v, what):
    try:
        return int(str(v), 16)
    except ValueError:
        raise StateError(f"bad {what} '{v}'") from None


def build(state, args):
    if not isinstance(state, dict) or state.get("kind") != "host-state" or state.get("version") != 1:
        raise StateError("not a version 1 host-state file")
    tb = Testbed(args.sys)
    # sysfs names are lower case
    sim = {str(k).lower(): v for k, v in (state.get("simulate") or {}).items()}
    for p in state.get("pci") or []:
        if isinstance(p, dict) and "address" in p:
            p["address"] = str(p["address"]).lower()
    for addr in sim:
        parse_addr(addr)
    conf = []
    for name, m in sorted((state.get("modules") or {}).items()):
        m = m or {}
        tb.module(name, m.get("loaded", True), m.get("parameters"))
    tb.driver_dir("vfio-pci")  # always there to bind VFs to

    pcis = state.get("pci") or []
    groups = iommu_groups(state)
    member_class = {a: m.get("class") for g in groups.values() for a, m in g.items()
                    if m.get("class")}
    paths = {}
    functions = {}
    for p in pcis:
        d, b, s, _ = parse_addr(p.get("address"))
        functions[(d, b, s)] = functions.get((d, b, s), 0) + 1
    for p in pcis:
        addr = p["address"]
        d, b, s, _ = parse_addr(addr)
        vendor, device = hexid(p.get("vendor"), "vendor"), hexid(p.get("device"), "device")
        ps = sim.get(addr) or {}
        cls = hexid(ps.get("class", member_class.get(addr, "020000")), "class")
        sub = (hexid(ps["subsystem-vendor"], "subsystem-vendor"),
               hexid(ps["subsystem-device"], "subsystem-device")) if "subsystem-vendor" in ps else None
        sr = p.get("sriov")
        sriov = None
        if sr:
            sriov = (int(sr["total-vfs"]), int(sr.get("num-vfs") or 0), int(sr.get("offset", 128)),
                     int(sr.get("stride", 2)), hexid(sr.get("vf-device", "0"), "vf-device"))
        parent = tb.parent_dir(addr)
        path = tb.pci_device(addr, parent, vendor, device, cls, p.get("driver"), sub,
                             functions[(d, b, s)] > 1, sriov, p.get("driver-override"))
        paths[addr] = path
        ifs = p.get("interfaces") or []
        for i, ifname in enumerate(ifs):
            tb.netdev(path, ifname, mac_for(addr) if i == 0 else f"02:00:01:{b:02x}:{s:02x}:{i:02x}",
                      {"mtu": p.get("mtu")} if i == 0 else None)
            if i == 0:
                netdev_mtu_range(args.vf, ifname, p)
        if not sr:
            continue
        total, num, offset, stride, vfdev = sriov
        if num > total:
            raise StateError(f"{addr}: num-vfs {num} > total-vfs {total}")
        autoprobe = sr.get("drivers-autoprobe", True)
        for f, v in (("sriov_totalvfs", total), ("sriov_numvfs", num),
                     ("sriov_drivers_autoprobe", int(bool(autoprobe))), ("sriov_offset", offset),
                     ("sriov_stride", stride)):
            write(os.path.join(path, f), f"{v}\n")
        write(os.path.join(path, "sriov_vf_device"), f"{vfdev:x}\n")
        if sr.get("vf-total-msix") is not None:
            write(os.path.join(path, "sriov_vf_total_msix"), f"{int(sr['vf-total-msix'])}\n")
        # the fake devlink's eswitch mode (tests/simhost/genl.c); none: no devlink instance
        if sr.get("eswitch-mode") is not None:
            if sr["eswitch-mode"] not in ("legacy", "switchdev"):
                raise StateError(f"{addr}: unknown eswitch-mode '{sr['eswitch-mode']}'")
            write(os.path.join(args.vf, "eswitch", addr), f"{sr['eswitch-mode']}\n")
        vfs = {int(v["id"]): v for v in (sr.get("vfs") or [])}
        template = ps.get("vf-netdev")
        for n in range(num):
            v = vfs.get(n, {})
            va = vf_addr(addr, offset, stride, n)
            if v.get("address") and v["address"] != va:
                raise StateError(f"{addr}: VF {n} is at {va}, not {v['address']}")
            drv = v.get("driver") if n in vfs else (ps.get("vf-driver") if autoprobe else None)
            vpath = tb.pci_device(va, parent, vendor, vfdev, cls, drv, sub, False, None,
                                  v.get("driver-override"))
            symlink(path, os.path.join(vpath, "physfn"))
            symlink(vpath, os.path.join(path, f"virtfn{n}"))
            ifname = v.get("interface") if n in vfs else None
            if n not in vfs and drv and drv not in NONET_DRIVERS:
                ifname = netdev_name(template, va, ifs[0] if ifs else None, n)
            if ifname:
                use = v.get("netdev") or {}
                tb.netdev(vpath, ifname, v.get("mac") or mac_for(va), use)
                netdev_addresses(args.vf, ifname, use.get("addresses") or [])
                netdev_mtu_range(args.vf, ifname, use)
            if n in vfs:
                vf_settings(args.vf, addr, n, v)
        fail = ps.get("fail") or {}
        for attr, err in sorted(fail.items()):
            if err is None:
                continue
            if str(err) not in FAULTS:
                raise StateError(f"{addr}: unknown fault '{err}' for {attr}")
            conf.append(f"fail {addr} {attr} {err}")
        vfdrv = ps.get("vf-driver") or "-"
        if vfdrv != "-":
            tb.driver_dir(vfdrv)
        conf.insert(0, f"pf {addr} delay-ms={int(ps.get('vf-delay-ms') or 0)} vf-driver={vfdrv} "
                       f"write-blocks={int(bool(ps.get('vf-write-blocks')))} "
                       f"hang-ms={int(ps.get('hang-ms') or 0)} "
                       f"vf-enable-max={int(ps.get('vf-enable-max') or 0)} netdev={template or '-'} "
                       f"pf-netdev={ifs[0] if ifs else '-'}")
    for addr, ps in sim.items():
        if not any(p.get("address") == addr and p.get("sriov") for p in pcis):
            for attr, err in sorted(((ps or {}).get("fail") or {}).items()):
                if err is not None:
                    conf.append(f"fail {addr} {attr} {err}")
    tb.iommu_groups(groups, paths)
    tb.finish()
    conf.append("nonet " + " ".join(sorted(NONET_DRIVERS)))
    write(args.conf, "".join(c + "\n" for c in conf))

    root = args.root
    os.makedirs(os.path.join(root, "etc/modprobe.d"), exist_ok=True)
    os.makedirs(os.path.join(root, "run"), exist_ok=True)
    write(os.path.join(root, "etc/hostname"), f"{state.get('hostname') or 'localhost'}\n")
    cmdline = (state.get("kernel") or {}).get("cmdline")
    if cmdline is not None:
        write(os.path.join(root, "proc/cmdline"), f"{cmdline}\n")
    for fpath, content in (state.get("files") or {}).items():
        if not str(fpath).startswith("/") or ".." in str(fpath).split("/"):
            raise StateError(f"bad file path '{fpath}'")
        if content is not None:
            write(os.path.join(root, str(fpath).lstrip("/")), str(content))

    os.makedirs(args.domains, exist_ok=True)
    lines = []
    for i, dom in enumerate(state.get("domains") or []):
        name, xml = dom.get("name"), dom.get("xml")
        if not name or not xml:
            continue
        fname = f"{i:03d}.xml"
        write(os.path.join(args.domains, fname), xml)
        lines.append(f"{'running' if dom.get('running') else 'defined'} {fname} {name}\n")
    write(os.path.join(args.domains, "list"), "".join(lines))


def main():
    ap = argparse.ArgumentParser(description="build a simulated host from a host-state file")
    ap.add_argument("state")
    ap.add_argument("--sys", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--conf", required=True)
    ap.add_argument("--domains", required=True)
    ap.add_argument("--vf", required=True, help="directory of per-VF settings (fake rtnetlink)")
    args = ap.parse_args()
    try:
        with open(args.state) as f:
            state = yaml.safe_load(f)
        build(state, args)
    except (OSError, yaml.YAMLError, StateError, KeyError, TypeError, ValueError) as e:
        print(f"mktestbed: {args.state}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

# Print the PCI devices of a libvirt domain XML (stdin), one per line, in
# document order, addresses normalised: what the tests compare.
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.stdin).getroot()
for dev in root.find("devices"):
    if dev.tag == "interface" and dev.get("type") == "hostdev":
        kind = "interface"
    elif dev.tag == "hostdev" and dev.get("type") == "pci":
        kind = "hostdev"
    else:
        continue
    a = dev.find("source/address")
    addr = "%04x:%02x:%02x.%x" % tuple(int(a.get(k, "0"), 0) for k in ("domain", "bus", "slot", "function"))
    out = [kind, addr, "managed=" + dev.get("managed", "no")]
    mac = dev.find("mac")
    if mac is not None:
        out.append("mac=" + mac.get("address"))
    tag = dev.find("vlan/tag")
    if tag is not None:
        out.append("vlan=" + tag.get("id"))
    vp = dev.find("virtualport")
    if vp is not None:
        p = vp.find("parameters")
        out.append("virtualport=%s/%s" % (vp.get("type"), p.get("profileid") if p is not None else ""))
    print(" ".join(out))

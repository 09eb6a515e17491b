/* SPDX-License-Identifier: MIT */
/*
 * Guest assignments through libvirt: device XML (libxml2, never printf of
 * user strings into XML) and attach/detach.
 *
 * Order, decided: the persistent definition first (VIR_DOMAIN_AFFECT_CONFIG),
 * then the running guest (VIR_DOMAIN_AFFECT_LIVE), as two calls. The
 * persistent definition is what survives; once it holds the device the
 * desired state is recorded, and a live part that libvirt refuses (no PCI
 * passthrough on the host, say) is reported on its own and retried by the
 * next run. A detach goes the same way. A single call with both flags
 * would make libvirt refuse the persistent change too whenever the live
 * one fails, so the file could never converge on such a host.
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/tree.h>

#include "apply.h"

struct guest_conn {
	virConnectPtr conn;
};

static void silent_error(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;
}

static const char *last_error(void)
{
	const char *m = virGetLastErrorMessage();
	return m ? m : "unknown libvirt error";
}

int guest_conn_open(const char *uri, struct diag *d, struct guest_conn **ret)
{
	struct guest_conn *c;

	virSetErrorFunc(NULL, silent_error);
	c = calloc(1, sizeof(*c));
	if (!c)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	c->conn = virConnectOpen(uri);
	if (!c->conn) {
		int r = diag_error(d, NULL, -ECONNREFUSED, "cannot connect to libvirt at '%s': %s",
				   uri ? uri : "(default)", last_error());
		free(c);
		return r;
	}
	*ret = c;
	return 0;
}

void guest_conn_free(struct guest_conn *c)
{
	if (!c)
		return;
	if (c->conn)
		virConnectClose(c->conn);
	free(c);
}

static void xmlFreeDocp(xmlDocPtr *d)
{
	if (*d)
		xmlFreeDoc(*d);
}

/* Add <address domain= bus= slot= function=/> for "0000:0b:10.0"; type='pci' for interfaces. */
static int add_pci_address(xmlNodePtr source, const char *addr, bool with_type)
{
	unsigned dom, bus, slot, fn;
	char buf[4][16];

	if (sscanf(addr, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4)
		return -EINVAL;
	xmlNodePtr a = xmlNewChild(source, NULL, BAD_CAST "address", NULL);
	if (!a)
		return -ENOMEM;
	snprintf(buf[0], sizeof(buf[0]), "0x%04x", dom);
	snprintf(buf[1], sizeof(buf[1]), "0x%02x", bus);
	snprintf(buf[2], sizeof(buf[2]), "0x%02x", slot);
	snprintf(buf[3], sizeof(buf[3]), "0x%x", fn);
	if (with_type)
		xmlNewProp(a, BAD_CAST "type", BAD_CAST "pci");
	xmlNewProp(a, BAD_CAST "domain", BAD_CAST buf[0]);
	xmlNewProp(a, BAD_CAST "bus", BAD_CAST buf[1]);
	xmlNewProp(a, BAD_CAST "slot", BAD_CAST buf[2]);
	xmlNewProp(a, BAD_CAST "function", BAD_CAST buf[3]);
	return 0;
}

char *guest_device_xml(const struct guest_dev_state *dev)
{
	_cleanup_(xmlFreeDocp) xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root, source;
	xmlChar *out = NULL;
	int len = 0;
	char *ret;

	if (!doc || !dev->address)
		return NULL;
	if (dev->type == DEVICE_INTERFACE) {
		root = xmlNewNode(NULL, BAD_CAST "interface");
		if (!root)
			return NULL;
		xmlDocSetRootElement(doc, root);
		xmlNewProp(root, BAD_CAST "type", BAD_CAST "hostdev");
		xmlNewProp(root, BAD_CAST "managed", BAD_CAST(dev->managed ? "yes" : "no"));
		if (dev->mac) {
			xmlNodePtr m = xmlNewChild(root, NULL, BAD_CAST "mac", NULL);
			xmlNewProp(m, BAD_CAST "address", BAD_CAST dev->mac);
		}
		source = xmlNewChild(root, NULL, BAD_CAST "source", NULL);
		if (!source || add_pci_address(source, dev->address, true) < 0)
			return NULL;
		if (dev->vlan >= 0) {
			char id[16];
			snprintf(id, sizeof(id), "%d", dev->vlan);
			xmlNodePtr v = xmlNewChild(root, NULL, BAD_CAST "vlan", NULL);
			xmlNodePtr t = xmlNewChild(v, NULL, BAD_CAST "tag", NULL);
			xmlNewProp(t, BAD_CAST "id", BAD_CAST id);
		}
		if (dev->virtualport_type) {
			xmlNodePtr vp = xmlNewChild(root, NULL, BAD_CAST "virtualport", NULL);
			xmlNewProp(vp, BAD_CAST "type", BAD_CAST dev->virtualport_type);
			if (dev->profileid) {
				xmlNodePtr pa = xmlNewChild(vp, NULL, BAD_CAST "parameters", NULL);
				xmlNewProp(pa, BAD_CAST "profileid", BAD_CAST dev->profileid);
			}
		}
	} else {
		root = xmlNewNode(NULL, BAD_CAST "hostdev");
		if (!root)
			return NULL;
		xmlDocSetRootElement(doc, root);
		xmlNewProp(root, BAD_CAST "mode", BAD_CAST "subsystem");
		xmlNewProp(root, BAD_CAST "type", BAD_CAST "pci");
		xmlNewProp(root, BAD_CAST "managed", BAD_CAST(dev->managed ? "yes" : "no"));
		source = xmlNewChild(root, NULL, BAD_CAST "source", NULL);
		if (!source || add_pci_address(source, dev->address, false) < 0)
			return NULL;
	}
	/* the element alone, no XML declaration */
	xmlBufferPtr buf = xmlBufferCreate();
	if (!buf)
		return NULL;
	if (xmlNodeDump(buf, doc, root, 0, 1) < 0) {
		xmlBufferFree(buf);
		return NULL;
	}
	out = xmlStrdup(xmlBufferContent(buf));
	len = xmlBufferLength(buf);
	xmlBufferFree(buf);
	if (!out)
		return NULL;
	ret = strndup((const char *)out, len);
	xmlFree(out);
	return ret;
}

static int domain_call(virDomainPtr dom, bool attach, const char *xml, unsigned flags)
{
	return attach ? virDomainAttachDeviceFlags(dom, xml, flags)
		      : virDomainDetachDeviceFlags(dom, xml, flags);
}

int guest_apply_action(struct guest_conn *c, const struct action *a, struct diag *d)
{
	bool attach = a->kind == ACTION_ATTACH;
	const char *verb = attach ? "attach" : "detach";
	_cleanup_(freep) char *xml = guest_device_xml(&a->dev);
	virDomainPtr dom;
	int r = 0;

	if (!xml)
		return diag_error(d, NULL, -EINVAL, "guest '%s': cannot build the XML of %s",
				  a->target, a->device ? a->device : "the device");
	dom = virDomainLookupByName(c->conn, a->target);
	if (!dom)
		return diag_error(d, NULL, -ENOENT, "guest '%s': %s", a->target, last_error());

	if (a->persistent && domain_call(dom, attach, xml, VIR_DOMAIN_AFFECT_CONFIG) < 0)
		r = diag_error(d, NULL, -EIO, "guest '%s': cannot %s %s (persistent definition): %s",
			       a->target, verb, a->device, last_error());
	if (r == 0 && a->live) {
		int active = virDomainIsActive(dom);
		if (active == 1 && domain_call(dom, attach, xml, VIR_DOMAIN_AFFECT_LIVE) < 0)
			r = diag_error(d, NULL, -EIO,
				       "guest '%s': cannot %s %s (running guest%s): %s", a->target,
				       verb, a->device,
				       a->persistent ? "; its persistent definition was updated"
						     : "",
				       last_error());
	}
	virDomainFree(dom);
	return r;
}

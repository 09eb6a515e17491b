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
 * next run. Nothing is rolled back then: the persistent change is the one
 * the file asks for, and the guest gets the device at its next start. If
 * the persistent part fails, the live part is not tried, so a guest never
 * runs with a device its definition lacks. A detach goes the same way.
 * A single call with both flags would make libvirt refuse the persistent
 * change too whenever the live one fails, so the file could never converge
 * on such a host.
 *
 * A detach names the device by its PCI source address: the element libvirt
 * holds at that address (hex or decimal, as the domain XML spells it) is
 * taken from the domain's current XML of that scope and handed back
 * verbatim, so that libvirt's own matching (MAC, guest address, alias)
 * finds it. A device already gone is not an error.
 *
 * A lost connection (libvirtd stopped or restarted) is reported as such,
 * and every later action on it fails at once with the same cause; a new
 * run reconnects and resumes.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <strings.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "apply.h"

struct guest_conn {
	virConnectPtr conn;
	char *uri;
	bool lost;	    /* the connection died; nothing more is tried on it */
	unsigned last_done; /* GUEST_SCOPE_* changed by the last action */
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
	c->uri = strdup(uri ? uri : "(default)");
	if (!c->uri) {
		free(c);
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	}
	c->conn = virConnectOpen(uri);
	if (!c->conn) {
		int r = diag_error(d, NULL, -ECONNREFUSED, "cannot connect to libvirt at '%s': %s",
				   c->uri, last_error());
		guest_conn_free(c);
		return r;
	}
	virConnSetErrorFunc(c->conn, NULL, silent_error);
	*ret = c;
	return 0;
}

void guest_conn_free(struct guest_conn *c)
{
	if (!c)
		return;
	if (c->conn)
		virConnectClose(c->conn);
	free(c->uri);
	free(c);
}

unsigned guest_conn_last_done(const struct guest_conn *c)
{
	return c ? c->last_done : 0;
}

static bool conn_lost(struct guest_conn *c)
{
	if (!c->lost && virConnectIsAlive(c->conn) != 1)
		c->lost = true;
	return c->lost;
}

/*
 * A failed libvirt call: "guest 'G': cannot WHAT: reason". A lost
 * connection is named as such; libvirt's own text for it ("End of file
 * while reading data") does not say that the daemon went away.
 */
static _printf_(4, 5) int call_error(struct guest_conn *c, struct diag *d, const char *guest,
				     const char *fmt, ...)
{
	_cleanup_(freep) char *what = NULL;
	/* copied: any later libvirt call (virConnectIsAlive) resets the error */
	_cleanup_(freep) char *m = strdup(last_error());
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	if (conn_lost(c))
		return diag_error(
		    d, NULL, -ENOTCONN,
		    "guest '%s': cannot %s: lost the connection to libvirt at '%s' (%s)", guest,
		    what ? what : "?", c->uri, m ? m : "?");
	return diag_error(d, NULL, -EIO, "guest '%s': cannot %s: %s", guest, what ? what : "?",
			  m ? m : "?");
}

static void xmlFreeDocp(xmlDocPtr *d)
{
	if (*d)
		xmlFreeDoc(*d);
}

static void xpath_ctx_freep(xmlXPathContextPtr *p)
{
	if (*p)
		xmlXPathFreeContext(*p);
}

static void xpath_obj_freep(xmlXPathObjectPtr *p)
{
	if (*p)
		xmlXPathFreeObject(*p);
}

static void xml_charp_freep(xmlChar **p)
{
	if (*p)
		xmlFree(*p);
}

/* Add <address domain= bus= slot= function=/> for "0000:0b:10.0"; type='pci' for interfaces. */
static int add_pci_address(xmlNodePtr source, const char *addr, bool with_type)
{
	unsigned dom, bus, slot, fn;
	char buf[4][16];

	/* exactly "DDDD:BB:SS.F" in hex, as the planner normalises it */
	if (strlen(addr) != 12 || addr[4] != ':' || addr[7] != ':' || addr[10] != '.')
		return -EINVAL;
	for (size_t i = 0; i < 12; i++)
		if (i != 4 && i != 7 && i != 10 && !isxdigit((unsigned char)addr[i]))
			return -EINVAL;
	if (sscanf(addr, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4 || slot > 0x1f || fn > 7)
		return -EINVAL;
	xmlNodePtr a = xmlNewChild(source, NULL, BAD_CAST "address", NULL);
	if (!a)
		return -ENOMEM;
	snprintf(buf[0], sizeof(buf[0]), "0x%04x", dom);
	snprintf(buf[1], sizeof(buf[1]), "0x%02x", bus);
	snprintf(buf[2], sizeof(buf[2]), "0x%02x", slot);
	snprintf(buf[3], sizeof(buf[3]), "0x%x", fn);
	if ((with_type && !xmlNewProp(a, BAD_CAST "type", BAD_CAST "pci")) ||
	    !xmlNewProp(a, BAD_CAST "domain", BAD_CAST buf[0]) ||
	    !xmlNewProp(a, BAD_CAST "bus", BAD_CAST buf[1]) ||
	    !xmlNewProp(a, BAD_CAST "slot", BAD_CAST buf[2]) ||
	    !xmlNewProp(a, BAD_CAST "function", BAD_CAST buf[3]))
		return -ENOMEM;
	return 0;
}

/* One element, no XML declaration, as an owned string. */
static char *node_dump(xmlDocPtr doc, xmlNodePtr node)
{
	xmlBufferPtr buf = xmlBufferCreate();
	char *ret = NULL;

	if (!buf)
		return NULL;
	if (xmlNodeDump(buf, doc, node, 0, 1) >= 0)
		ret = strndup((const char *)xmlBufferContent(buf), xmlBufferLength(buf));
	xmlBufferFree(buf);
	return ret;
}

/* <interface type='hostdev'> children in the order libvirt writes them. */
static int build_interface(xmlNodePtr root, const struct guest_dev_state *dev)
{
	xmlNodePtr source;

	if (!xmlNewProp(root, BAD_CAST "type", BAD_CAST "hostdev") ||
	    !xmlNewProp(root, BAD_CAST "managed", BAD_CAST(dev->managed ? "yes" : "no")))
		return -ENOMEM;
	if (dev->mac) {
		xmlNodePtr m = xmlNewChild(root, NULL, BAD_CAST "mac", NULL);
		if (!m || !xmlNewProp(m, BAD_CAST "address", BAD_CAST dev->mac))
			return -ENOMEM;
	}
	source = xmlNewChild(root, NULL, BAD_CAST "source", NULL);
	if (!source)
		return -ENOMEM;
	int r = add_pci_address(source, dev->address, true);
	if (r < 0)
		return r;
	if (dev->vlan >= 0) {
		char id[16];
		snprintf(id, sizeof(id), "%d", dev->vlan);
		xmlNodePtr v = xmlNewChild(root, NULL, BAD_CAST "vlan", NULL);
		xmlNodePtr t = v ? xmlNewChild(v, NULL, BAD_CAST "tag", NULL) : NULL;
		if (!t || !xmlNewProp(t, BAD_CAST "id", BAD_CAST id))
			return -ENOMEM;
	}
	if (dev->virtualport_type) {
		xmlNodePtr vp = xmlNewChild(root, NULL, BAD_CAST "virtualport", NULL);
		if (!vp || !xmlNewProp(vp, BAD_CAST "type", BAD_CAST dev->virtualport_type))
			return -ENOMEM;
		if (dev->profileid) {
			xmlNodePtr pa = xmlNewChild(vp, NULL, BAD_CAST "parameters", NULL);
			if (!pa || !xmlNewProp(pa, BAD_CAST "profileid", BAD_CAST dev->profileid))
				return -ENOMEM;
		}
	}
	return 0;
}

char *guest_device_xml(const struct guest_dev_state *dev)
{
	_cleanup_(xmlFreeDocp) xmlDocPtr doc = NULL;
	xmlNodePtr root;
	int r;

	if (!dev || !dev->address)
		return NULL;
	doc = xmlNewDoc(BAD_CAST "1.0");
	if (!doc)
		return NULL;
	root = xmlNewNode(NULL, BAD_CAST(dev->type == DEVICE_INTERFACE ? "interface" : "hostdev"));
	if (!root)
		return NULL;
	xmlDocSetRootElement(doc, root);
	if (dev->type == DEVICE_INTERFACE) {
		r = build_interface(root, dev);
	} else {
		xmlNodePtr source;
		if (!xmlNewProp(root, BAD_CAST "mode", BAD_CAST "subsystem") ||
		    !xmlNewProp(root, BAD_CAST "type", BAD_CAST "pci") ||
		    !xmlNewProp(root, BAD_CAST "managed", BAD_CAST(dev->managed ? "yes" : "no")))
			return NULL;
		source = xmlNewChild(root, NULL, BAD_CAST "source", NULL);
		r = source ? add_pci_address(source, dev->address, false) : -ENOMEM;
	}
	if (r < 0)
		return NULL;
	return node_dump(doc, root);
}

/* A number as libvirt reads it: strtoul base 0 ("0x0b" hex, "11" decimal). */
static bool attr_num(xmlNodePtr n, const char *name, unsigned long def, unsigned long max,
		     unsigned long *ret)
{
	_cleanup_(xml_charp_freep) xmlChar *v = xmlGetProp(n, BAD_CAST name);
	char *end;

	if (!v) {
		*ret = def;
		return def <= max;
	}
	if (!*v)
		return false;
	errno = 0;
	*ret = strtoul((const char *)v, &end, 0);
	return !errno && !*end && *ret <= max;
}

/* Is the <source><address> of a hostdev or interface element addr? */
static bool source_is(xmlNodePtr dev, const char *addr)
{
	unsigned long dom, bus, slot, fn;
	char norm[32];

	for (xmlNodePtr s = dev->children; s; s = s->next) {
		if (s->type != XML_ELEMENT_NODE || !xmlStrEqual(s->name, BAD_CAST "source"))
			continue;
		for (xmlNodePtr a = s->children; a; a = a->next) {
			if (a->type != XML_ELEMENT_NODE ||
			    !xmlStrEqual(a->name, BAD_CAST "address"))
				continue;
			if (!attr_num(a, "domain", 0, 0xffff, &dom) ||
			    !attr_num(a, "bus", ULONG_MAX, 0xff, &bus) ||
			    !attr_num(a, "slot", ULONG_MAX, 0x1f, &slot) ||
			    !attr_num(a, "function", ULONG_MAX, 7, &fn))
				return false;
			snprintf(norm, sizeof(norm), "%04lx:%02lx:%02lx.%lx", dom, bus, slot, fn);
			return strcasecmp(norm, addr) == 0;
		}
	}
	return false;
}

/*
 * The element of a domain XML whose PCI source address is addr, as XML
 * (owned, in *ret; NULL when the domain has none). Negative on error.
 */
int guest_find_device_xml(const char *domain_xml, const char *addr, char **ret)
{
	_cleanup_(xmlFreeDocp) xmlDocPtr doc = NULL;
	_cleanup_(xpath_ctx_freep) xmlXPathContextPtr ctx = NULL;
	_cleanup_(xpath_obj_freep) xmlXPathObjectPtr obj = NULL;
	size_t len;

	*ret = NULL;
	if (!domain_xml || !addr)
		return -EINVAL;
	len = strlen(domain_xml);
	if (len > INT_MAX)
		return -E2BIG;
	xmlInitParser();
	doc = xmlReadMemory(domain_xml, (int)len, "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -EINVAL;
	ctx = xmlXPathNewContext(doc);
	if (!ctx)
		return -ENOMEM;
	obj = xmlXPathEvalExpression(BAD_CAST
				     "/domain/devices/hostdev[@mode='subsystem' and @type='pci']"
				     " | /domain/devices/interface[@type='hostdev']",
				     ctx);
	if (!obj)
		return -ENOMEM;
	for (int i = 0; obj->nodesetval && i < obj->nodesetval->nodeNr; i++) {
		xmlNodePtr n = obj->nodesetval->nodeTab[i];
		if (!source_is(n, addr))
			continue;
		*ret = node_dump(doc, n);
		return *ret ? 0 : -ENOMEM;
	}
	return 0;
}

/* Detach the device at a->device from one scope (VIR_DOMAIN_AFFECT_CONFIG or _LIVE). */
static int detach_scope(struct guest_conn *c, virDomainPtr dom, const struct action *a,
			unsigned scope, struct diag *d)
{
	const char *where =
	    scope == VIR_DOMAIN_AFFECT_CONFIG ? "the persistent definition" : "the running guest";
	_cleanup_(freep) char *dom_xml = virDomainGetXMLDesc(
	    dom, scope == VIR_DOMAIN_AFFECT_CONFIG ? VIR_DOMAIN_XML_INACTIVE : 0);
	_cleanup_(freep) char *xml = NULL;
	int r;

	if (!dom_xml)
		return call_error(c, d, a->target, "read %s to detach %s", where, a->device);
	r = guest_find_device_xml(dom_xml, a->device, &xml);
	if (r < 0)
		return diag_error(d, NULL, r, "guest '%s': cannot find %s in %s: %s", a->target,
				  a->device, where, strerror(-r));
	if (!xml) {
		diag_note(d, NULL, "guest '%s': %s is already gone from %s", a->target, a->device,
			  where);
		return 0;
	}
	if (virDomainDetachDeviceFlags(dom, xml, scope) < 0)
		return call_error(c, d, a->target, "detach %s from %s", a->device, where);
	return 0;
}

static int detach(struct guest_conn *c, virDomainPtr dom, const struct action *a, int active,
		  struct diag *d)
{
	int r;

	if (a->guest.persistent) {
		r = detach_scope(c, dom, a, VIR_DOMAIN_AFFECT_CONFIG, d);
		if (r < 0)
			return r;
		c->last_done |= GUEST_SCOPE_CONFIG;
	}
	if (a->guest.live && active == 1) {
		r = detach_scope(c, dom, a, VIR_DOMAIN_AFFECT_LIVE, d);
		if (r < 0)
			return r;
		c->last_done |= GUEST_SCOPE_LIVE;
	}
	return 0;
}

static int attach(struct guest_conn *c, virDomainPtr dom, const struct action *a, int active,
		  struct diag *d)
{
	_cleanup_(freep) char *xml = guest_device_xml(&a->guest.dev);

	if (!xml)
		return diag_error(d, NULL, -EINVAL, "guest '%s': cannot build the XML of %s",
				  a->target, a->device ? a->device : "the device");
	if (a->guest.persistent) {
		if (virDomainAttachDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_CONFIG) < 0)
			return call_error(c, d, a->target, "attach %s to the persistent definition",
					  a->device);
		c->last_done |= GUEST_SCOPE_CONFIG;
	}
	if (a->guest.live && active == 1) {
		if (virDomainAttachDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0)
			return call_error(c, d, a->target, "attach %s to the running guest%s",
					  a->device,
					  a->guest.persistent ? " (its persistent definition has it now, "
							  "the guest gets it at its next start)"
							: "");
		c->last_done |= GUEST_SCOPE_LIVE;
	}
	return 0;
}

int guest_apply_action(struct guest_conn *c, const struct action *a, struct diag *d)
{
	bool is_attach = a->kind == ACTION_ATTACH;
	virDomainPtr dom;
	int active = 0, r = 0;

	c->last_done = 0;
	if (c->lost)
		return diag_error(
		    d, NULL, -ENOTCONN,
		    "guest '%s': %s of %s not done: the connection to libvirt at '%s' "
		    "was lost",
		    a->target, is_attach ? "attach" : "detach", a->device ? a->device : "?",
		    c->uri);
	if (!a->device)
		return diag_error(d, NULL, -EINVAL, "guest '%s': no device address", a->target);
	dom = virDomainLookupByName(c->conn, a->target);
	if (!dom)
		return call_error(c, d, a->target, "find the domain");
	if (a->guest.live) {
		active = virDomainIsActive(dom);
		if (active < 0)
			r = call_error(c, d, a->target, "read its state");
	}
	if (r >= 0)
		r = is_attach ? attach(c, dom, a, active, d) : detach(c, dom, a, active, d);
	virDomainFree(dom);
	return r;
}

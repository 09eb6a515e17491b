/* SPDX-License-Identifier: MIT */
/*
 * Domain XML -> the PCI devices assigned to a guest: <hostdev mode='subsystem'
 * type='pci'> and <interface type='hostdev'> under <devices>.
 */
#include <ctype.h>
#include <limits.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "host.h"

static void xml_doc_freep(xmlDoc **p)
{
	if (*p)
		xmlFreeDoc(*p);
}

static void xpath_ctx_freep(xmlXPathContext **p)
{
	if (*p)
		xmlXPathFreeContext(*p);
}

static void xpath_obj_freep(xmlXPathObject **p)
{
	if (*p)
		xmlXPathFreeObject(*p);
}

static void xml_charp_freep(xmlChar **p)
{
	if (*p)
		xmlFree(*p);
}

static bool name_is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && streq((const char *)n->name, name);
}

/* The first element child called name, or NULL. */
static xmlNode *child(const xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (name_is(c, name))
			return c;
	return NULL;
}

/* An attribute as an owned malloc'd string (not xmlChar-owned); NULL if absent. */
static char *attr(const xmlNode *n, const char *name, bool *oom)
{
	_cleanup_(xml_charp_freep) xmlChar *v = NULL;

	if (!n)
		return NULL;
	v = xmlGetProp(n, (const xmlChar *)name);
	if (!v)
		return NULL;
	char *s = strdup((const char *)v);
	if (!s)
		*oom = true;
	return s;
}

/*
 * A number as libvirt reads it (strtoul with base 0: "0x0b" hex, "11"
 * decimal). Absent: def if def >= 0, else an error.
 */
static int attr_uint(const xmlNode *n, const char *name, long def, unsigned long max, unsigned *ret)
{
	_cleanup_(xml_charp_freep) xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *end;

	if (!v) {
		if (def < 0)
			return -EINVAL;
		*ret = (unsigned)def;
		return 0;
	}
	const char *s = (const char *)v;
	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	unsigned long x = strtoul(s, &end, 0);
	if (errno || end == s || *end || x > max)
		return -EINVAL;
	*ret = (unsigned)x;
	return 0;
}

/* <source><address domain= bus= slot= function=/></source> -> "0000:0b:10.0". */
static int source_address(const xmlNode *dev, char **ret)
{
	const xmlNode *a = child(child(dev, "source"), "address");
	unsigned dom, bus, slot, fn;

	if (!a)
		return -EINVAL;
	if (attr_uint(a, "domain", 0, 0xffff, &dom) < 0 ||
	    attr_uint(a, "bus", -1, 0xff, &bus) < 0 || attr_uint(a, "slot", -1, 0x1f, &slot) < 0 ||
	    attr_uint(a, "function", -1, 7, &fn) < 0)
		return -EINVAL;
	*ret = strprintf("%04x:%02x:%02x.%x", dom, bus, slot, fn);
	return *ret ? 0 : -ENOMEM;
}

static bool attr_yes(const xmlNode *n, const char *name)
{
	_cleanup_(xml_charp_freep) xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	return v && streq((const char *)v, "yes");
}

static int parse_device(const xmlNode *n, struct guest_dev_state *g)
{
	bool oom = false;
	int r;

	*g = (struct guest_dev_state){
	    .type = name_is(n, "interface") ? DEVICE_INTERFACE : DEVICE_HOSTDEV,
	    .vlan = -1,
	};
	g->managed = attr_yes(n, "managed");
	r = source_address(n, &g->address);
	if (r < 0)
		return r;
	if (g->type == DEVICE_HOSTDEV)
		return 0;

	g->mac = attr(child(n, "mac"), "address", &oom);
	if (g->mac)
		for (char *p = g->mac; *p; p++)
			*p = tolower((unsigned char)*p);

	const xmlNode *tag = child(child(n, "vlan"), "tag");
	if (tag) {
		unsigned id;
		_cleanup_(xml_charp_freep) xmlChar *v = xmlGetProp(tag, (const xmlChar *)"id");
		char *end;

		if (!v || !isdigit(*v))
			return -EINVAL;
		errno = 0;
		unsigned long x = strtoul((const char *)v, &end, 10);
		if (errno || *end || x > 4095)
			return -EINVAL;
		id = (unsigned)x;
		g->vlan = (int)id;
	}

	const xmlNode *vp = child(n, "virtualport");
	if (vp) {
		g->virtualport_type = attr(vp, "type", &oom);
		g->profileid = attr(child(vp, "parameters"), "profileid", &oom);
	}
	return oom ? -ENOMEM : 0;
}

static void guest_devs_freep(struct guest_dev_state **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		guest_dev_state_release(&(*v)[i]);
	free(*v);
	*v = NULL;
}

int domain_xml_parse_devices(const char *xml, struct guest_dev_state **ret, size_t *ret_n)
{
	_cleanup_(xml_doc_freep) xmlDoc *doc = NULL;
	_cleanup_(xpath_ctx_freep) xmlXPathContext *ctx = NULL;
	_cleanup_(xpath_obj_freep) xmlXPathObject *obj = NULL;
	struct guest_dev_state *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (!xml || !ret || !ret_n)
		return -EINVAL;
	size_t len = strlen(xml);
	if (len > INT_MAX)
		return -E2BIG;
	xmlInitParser();
	doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -EINVAL;
	const xmlNode *root = xmlDocGetRootElement(doc);
	if (!name_is(root, "domain"))
		return -EINVAL;

	ctx = xmlXPathNewContext(doc);
	if (!ctx)
		return -ENOMEM;
	/* a union is returned in document order */
	obj = xmlXPathEvalExpression(
	    (const xmlChar *)"/domain/devices/hostdev[@mode='subsystem' and @type='pci']"
			     " | /domain/devices/interface[@type='hostdev']",
	    ctx);
	if (!obj)
		return -ENOMEM;

	xmlNodeSet *set = obj->nodesetval;
	for (int i = 0; set && i < set->nodeNr; i++) {
		struct guest_dev_state *g = GROW(v, n, cap);
		if (!g) {
			r = -ENOMEM;
			break;
		}
		r = parse_device(set->nodeTab[i], g);
		if (r < 0)
			break;
	}
	if (r < 0) {
		guest_devs_freep(&v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

void guest_dev_state_release(struct guest_dev_state *g)
{
	if (!g)
		return;
	free(g->address);
	free(g->mac);
	free(g->virtualport_type);
	free(g->profileid);
	*g = (struct guest_dev_state){.vlan = -1};
}

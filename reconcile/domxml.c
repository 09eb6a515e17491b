/* SPDX-License-Identifier: MIT */
/*
 * Domain XML and the PCI devices in it, both ways: parsing the
 * <hostdev mode='subsystem' type='pci'> and <interface type='hostdev'>
 * elements under <devices> into struct guest_dev_state, finding the
 * element at a source address, and building the element for a device
 * (libxml2 escapes every value; nothing is printf'd into XML).
 */
#include <ctype.h>
#include <limits.h>
#include <strings.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include <dlfcn.h>
#include <pthread.h>

#include "cleanup.h"
#include "domxml.h"

/*
 * libxml2 is loaded with dlopen() when a domain XML is first read or
 * built, never at start: with ICU and libstdc++ behind it, it is the
 * largest part of the dynamic loader's work, and most commands (validate,
 * --version, apply or plan of a file without guests) never read one. The
 * headers give the types; this table gives the functions, and no other
 * file calls libxml2.
 */
#define LIBXML2_SONAME "libxml2.so.2"
#define LIBXML2_FUNCS(X)                                                                           \
	X(xmlBufferContent)                                                                        \
	X(xmlBufferCreate)                                                                         \
	X(xmlBufferFree)                                                                           \
	X(xmlBufferLength)                                                                         \
	X(xmlCreateMemoryParserCtxt)                                                               \
	X(xmlCtxtUseOptions)                                                                       \
	X(xmlDocGetRootElement)                                                                    \
	X(xmlDocSetRootElement)                                                                    \
	X(xmlFreeDoc)                                                                              \
	X(xmlFreeNode)                                                                             \
	X(xmlFreeParserCtxt)                                                                       \
	X(xmlGetLastError)                                                                         \
	X(xmlGetProp)                                                                              \
	X(xmlInitParser)                                                                           \
	X(xmlNewChild)                                                                             \
	X(xmlNewDoc)                                                                               \
	X(xmlNewNode)                                                                              \
	X(xmlNewProp)                                                                              \
	X(xmlNodeAddContent)                                                                       \
	X(xmlNodeDump)                                                                             \
	X(xmlNodeGetContent)                                                                       \
	X(xmlParseDocument)                                                                        \
	X(xmlReadMemory)                                                                           \
	X(xmlResetLastError)                                                                       \
	X(xmlSAX2CDataBlock)                                                                       \
	X(xmlSAX2Characters)                                                                       \
	X(xmlSAX2Comment)                                                                          \
	X(xmlSAX2EndElementNs)                                                                     \
	X(xmlSAX2ProcessingInstruction)                                                            \
	X(xmlSAX2Reference)                                                                        \
	X(xmlSAX2StartElementNs)                                                                   \
	X(xmlStopParser)                                                                           \
	X(xmlStrdup)                                                                               \
	X(xmlUnlinkNode)                                                                           \
	X(xmlXPathEvalExpression)                                                                  \
	X(xmlXPathFreeContext)                                                                     \
	X(xmlXPathFreeObject)                                                                      \
	X(xmlXPathNewContext)

static struct {
#define LX_FIELD(f) typeof(&f) f;
	LIBXML2_FUNCS(LX_FIELD)
#undef LX_FIELD
	xmlFreeFunc *free; /* the variable xmlFree */
} lx;

static pthread_once_t lx_once = PTHREAD_ONCE_INIT;
static char lx_error[256]; /* why it cannot be loaded; "": loaded */

static void lx_load_once(void)
{
	void *handle = dlopen(LIBXML2_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *sym = NULL;

	if (!handle) {
		const char *e = dlerror();
		snprintf(lx_error, sizeof(lx_error), "cannot load " LIBXML2_SONAME ": %s",
			 e ? e : "not found");
		return;
	}
#define LX_SYM(f)                                                                                  \
	if (!sym && !(lx.f = (typeof(&f))dlsym(handle, #f)))                                       \
		sym = #f;
	LIBXML2_FUNCS(LX_SYM)
#undef LX_SYM
	if (!sym && !(lx.free = (xmlFreeFunc *)dlsym(handle, "xmlFree")))
		sym = "xmlFree";
	if (sym) {
		snprintf(lx_error, sizeof(lx_error),
			 "cannot load " LIBXML2_SONAME ": no symbol '%s'", sym);
		dlclose(handle);
		return;
	}
	lx.xmlInitParser();
	/* the handle is kept for the life of the process */
}

/* 0 once libxml2 is loaded (the first call loads it); -ELIBACC: see domain_xml_error(). */
static int lx_load(void)
{
	pthread_once(&lx_once, lx_load_once);
	return lx_error[0] ? -ELIBACC : 0;
}

int domain_xml_load(void)
{
	return lx_load();
}

static void lx_freep(xmlChar **p)
{
	if (*p)
		(*lx.free)(*p);
}

static void lx_free_docp(xmlDoc **p)
{
	if (*p)
		lx.xmlFreeDoc(*p);
}

static void lx_free_xpath_contextp(xmlXPathContext **p)
{
	if (*p)
		lx.xmlXPathFreeContext(*p);
}

static void lx_free_xpath_objectp(xmlXPathObject **p)
{
	if (*p)
		lx.xmlXPathFreeObject(*p);
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
	_cleanup_(lx_freep) xmlChar *v = NULL;

	if (!n)
		return NULL;
	v = lx.xmlGetProp(n, (const xmlChar *)name);
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
	_cleanup_(lx_freep) xmlChar *v = lx.xmlGetProp(n, (const xmlChar *)name);
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
	_cleanup_(lx_freep) xmlChar *v = lx.xmlGetProp(n, (const xmlChar *)name);
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
		_cleanup_(lx_freep) xmlChar *v = lx.xmlGetProp(tag, (const xmlChar *)"id");
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

/*
 * Parse a domain XML and select its PCI devices (in document order: a
 * union is). *ret_doc and *ret_obj are owned by the caller.
 */
static int select_pci_devices(const char *xml, xmlDoc **ret_doc, xmlXPathObject **ret_obj)
{
	_cleanup_(lx_free_docp) xmlDoc *doc = NULL;
	_cleanup_(lx_free_xpath_contextp) xmlXPathContext *ctx = NULL;
	xmlXPathObject *obj;

	if (!xml)
		return -EINVAL;
	size_t len = strlen(xml);
	if (len > INT_MAX)
		return -E2BIG;
	int r = lx_load();
	if (r < 0)
		return r;
	doc = lx.xmlReadMemory(xml, (int)len, "domain.xml", NULL,
			       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -EINVAL;
	if (!name_is(lx.xmlDocGetRootElement(doc), "domain"))
		return -EINVAL;
	ctx = lx.xmlXPathNewContext(doc);
	if (!ctx)
		return -ENOMEM;
	obj = lx.xmlXPathEvalExpression(
	    (const xmlChar *)"/domain/devices/hostdev[@mode='subsystem' and @type='pci']"
			     " | /domain/devices/interface[@type='hostdev']",
	    ctx);
	if (!obj)
		return -ENOMEM;
	*ret_doc = TAKE_PTR(doc);
	*ret_obj = obj;
	return 0;
}

/*
 * Reading the devices of a domain: libxml2's SAX2 parser checks the whole
 * document as xmlReadMemory() does, but the tree is built only for what
 * the XPath of select_pci_devices() can select: the root, /domain/devices
 * and the hostdev and interface elements under it, each with everything
 * in it (libxml2's own SAX2 tree builder makes those nodes, so their
 * attributes, namespaces, entities and DTD defaults are what the whole
 * tree would hold). The same parse reads the interfaces on a network
 * (read_net()): those of the first element called devices under the
 * root, whatever its namespace, as a walk of the whole tree finds them.
 * Every other element is skipped, and each device is read and freed when
 * it ends: the cost is the parse, not a tree.
 */
struct devices_parse {
	xmlParserCtxt *ctxt; /* the document's context (entity content has its own) */
	unsigned depth;	     /* elements open */
	unsigned skip;	     /* depth of the skipped element we are in; 0: none */
	bool root_domain;    /* the root's local name is domain */
	bool root_no_ns;     /* ... and it has no namespace, as XPath's /domain needs */
	bool root_named;     /* the root's name in the tree is domain (what the nets need) */
	bool want_nets;	     /* read the interfaces on a network */
	bool devices_seen;   /* an element named devices began under the root */
	bool in_xpath;	     /* the open element under the root is XPath's /domain/devices */
	bool in_first;	     /* ... is the first one named devices (the nets') */
	bool dev_xpath;	     /* the open element under that is one the XPath may select */
	bool dev_net;	     /* ... is an interface of the first devices */
	struct guest_dev_state *v;
	size_t n, cap;
	int err; /* the first device error */
	struct guest_dev_state *nets;
	size_t n_nets, cap_nets;
	int nets_err; /* the first error reading the nets */
};

/* The current parse when ctx is the document's context; NULL for entity content. */
static struct devices_parse *main_parse(void *ctx)
{
	xmlParserCtxt *ctxt = ctx;
	struct devices_parse *P = ctxt->_private;
	return P && P->ctxt == ctxt ? P : NULL;
}

/*
 * libxml2's XPath compares an attribute with a string only when the first
 * two characters of its text children, entity references left out, are
 * the string's (xmlXPathNodeValHash); value has at least two.
 */
static bool xpath_hash_matches(const xmlAttr *a, const char *value)
{
	char got[2];
	size_t k = 0;

	for (const xmlNode *t = a->children; t && k < 2; t = t->next)
		if ((t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE) && t->content)
			for (const xmlChar *p = t->content; *p && k < 2; p++)
				got[k++] = (char)*p;
	return k == 2 && got[0] == value[0] && got[1] == value[1];
}

/* XPath's [@name='value']: an attribute without a namespace prefix whose string value is value. */
static bool xpath_attr_is(const xmlNode *n, const char *name, const char *value)
{
	for (xmlAttr *a = n->properties; a; a = a->next) {
		if ((a->ns && a->ns->prefix) || !streq((const char *)a->name, name) ||
		    !xpath_hash_matches(a, value))
			continue;
		_cleanup_(lx_freep) xmlChar *v = lx.xmlNodeGetContent((xmlNode *)a);
		if (v && streq((const char *)v, value))
			return true;
	}
	return false;
}

static int read_net(const xmlNode *c, struct guest_dev_state **v, size_t *n, size_t *cap);

static void device_ended(struct devices_parse *P, xmlNode *n)
{
	bool selected = P->dev_xpath && !n->ns &&
			(name_is(n, "hostdev") ? xpath_attr_is(n, "mode", "subsystem") &&
						     xpath_attr_is(n, "type", "pci")
					       : xpath_attr_is(n, "type", "hostdev"));

	if (selected && !P->err) {
		struct guest_dev_state *g = GROW(P->v, P->n, P->cap);
		P->err = g ? parse_device(n, g) : -ENOMEM;
	}
	if (P->dev_net && !P->nets_err && name_is(n, "interface"))
		P->nets_err = read_net(n, &P->nets, &P->n_nets, &P->cap_nets);
	lx.xmlUnlinkNode(n);
	lx.xmlFreeNode(n);
}

static void on_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
		     int nb_ns, const xmlChar **ns, int nb_attrs, int nb_defaulted,
		     const xmlChar **attrs)
{
	struct devices_parse *P = main_parse(ctx);
	xmlParserCtxt *ctxt = ctx;
	const char *local = (const char *)name;
	bool build;

	if (!P) {
		lx.xmlSAX2StartElementNs(ctx, name, prefix, uri, nb_ns, ns, nb_attrs, nb_defaulted,
					 attrs);
		return;
	}
	if (P->skip) {
		P->depth++;
		return;
	}
	/* the nets' devices: the first element under the root whose name in the tree is devices */
	bool net_devices = false;
	switch (P->depth) {
	case 0:
		P->root_domain = streq(local, "domain");
		P->root_no_ns = !uri;
		build = true;
		break;
	case 1:
		P->in_xpath = P->root_domain && P->root_no_ns && !uri && streq(local, "devices");
		net_devices =
		    P->want_nets && P->root_named && !P->devices_seen && streq(local, "devices");
		P->in_first = false;
		build = P->in_xpath || net_devices;
		break;
	case 2:
		P->dev_xpath =
		    P->in_xpath && !uri && (streq(local, "hostdev") || streq(local, "interface"));
		P->dev_net = P->in_first && streq(local, "interface");
		build = P->dev_xpath || P->dev_net;
		break;
	default:
		build = true;
		break;
	}
	P->depth++;
	if (!build) {
		P->skip = P->depth;
		return;
	}
	xmlNode *parent = ctxt->node;
	lx.xmlSAX2StartElementNs(ctx, name, prefix, uri, nb_ns, ns, nb_attrs, nb_defaulted, attrs);
	if (ctxt->node == parent) { /* out of memory: nothing to pop at its end */
		P->err = -ENOMEM;
		P->skip = P->depth;
		lx.xmlStopParser(ctxt);
		return;
	}
	/* the tree names an element with an undeclared prefix prefix:name */
	if (P->depth == 1)
		P->root_named = name_is(ctxt->node, "domain");
	else if (net_devices && name_is(ctxt->node, "devices"))
		P->in_first = P->devices_seen = true;
}

static void on_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
	struct devices_parse *P = main_parse(ctx);
	xmlParserCtxt *ctxt = ctx;

	if (!P) {
		lx.xmlSAX2EndElementNs(ctx, name, prefix, uri);
		return;
	}
	if (P->skip) {
		if (P->depth-- == P->skip)
			P->skip = 0;
		return;
	}
	xmlNode *n = ctxt->node;
	lx.xmlSAX2EndElementNs(ctx, name, prefix, uri);
	if (--P->depth == 2)
		device_ended(P, n);
}

/* Text, references, comments: only entity content keeps them (as the tree would). */
static void on_characters(void *ctx, const xmlChar *ch, int len)
{
	if (!main_parse(ctx))
		lx.xmlSAX2Characters(ctx, ch, len);
}

static void on_reference(void *ctx, const xmlChar *name)
{
	if (!main_parse(ctx))
		lx.xmlSAX2Reference(ctx, name);
}

static void on_comment(void *ctx, const xmlChar *value)
{
	if (!main_parse(ctx))
		lx.xmlSAX2Comment(ctx, value);
}

static void on_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
	if (!main_parse(ctx))
		lx.xmlSAX2ProcessingInstruction(ctx, target, data);
}

static void on_cdata(void *ctx, const xmlChar *value, int len)
{
	if (!main_parse(ctx))
		lx.xmlSAX2CDataBlock(ctx, value, len);
}

/*
 * Run the parse of xml as xmlReadMemory(xml, "domain.xml", NULL, opts)
 * would; the devices' result. The nets' result is in P->nets_err.
 */
static int devices_run(struct devices_parse *P, const char *xml)
{
	size_t len = strlen(xml);

	if (len > INT_MAX)
		return -E2BIG;
	xmlParserCtxt *ctxt = lx.xmlCreateMemoryParserCtxt(xml, (int)len);
	if (!ctxt)
		return -EINVAL; /* as xmlReadMemory: empty input, or out of memory */
	xmlSAXHandler *sax = ctxt->sax;
	sax->startElementNs = on_start;
	sax->endElementNs = on_end;
	sax->characters = sax->ignorableWhitespace = on_characters;
	sax->reference = on_reference;
	sax->comment = on_comment;
	sax->processingInstruction = on_pi;
	sax->cdataBlock = on_cdata;
	ctxt->_private = P;
	P->ctxt = ctxt;
	lx.xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (ctxt->input && !ctxt->input->filename)
		ctxt->input->filename = (char *)lx.xmlStrdup((const xmlChar *)"domain.xml");
	lx.xmlParseDocument(ctxt);
	bool ok = ctxt->wellFormed;
	lx.xmlFreeDoc(ctxt->myDoc);
	ctxt->myDoc = NULL;
	lx.xmlFreeParserCtxt(ctxt);
	if (!ok || P->err == -ENOMEM || P->nets_err == -ENOMEM) {
		P->nets_err = ok ? -ENOMEM : -EINVAL;
		return P->nets_err;
	}
	if (!P->root_named)
		P->nets_err = -EINVAL;
	if (!P->root_domain)
		return -EINVAL;
	return P->err;
}

int domain_xml_parse(const char *xml, struct guest_dev_state **ret, size_t *ret_n,
		     struct guest_dev_state **ret_nets, size_t *ret_n_nets, int *ret_nets_r)
{
	/* most domains have no interface on a network: no need to look for one */
	struct devices_parse P = {.want_nets = ret_nets && xml && strstr(xml, "network=")};
	int r;

	if (ret_nets) {
		*ret_nets = NULL;
		*ret_n_nets = 0;
		*ret_nets_r = 0;
	}
	if (!ret || !ret_n)
		return -EINVAL;
	if (!xml) {
		if (ret_nets)
			*ret_nets_r = -EINVAL;
		return -EINVAL;
	}
	r = lx_load();
	if (r < 0) {
		if (ret_nets)
			*ret_nets_r = -EINVAL;
		return r;
	}
	lx.xmlResetLastError();
	r = devices_run(&P, xml);
	if (!P.want_nets || P.nets_err < 0)
		guest_devs_freep(&P.nets, P.n_nets);
	else if (ret_nets) {
		*ret_nets = TAKE_PTR(P.nets);
		*ret_n_nets = P.n_nets;
	}
	if (ret_nets)
		*ret_nets_r = P.want_nets ? P.nets_err : 0;
	if (r < 0) {
		guest_devs_freep(&P.v, P.n);
		return r;
	}
	*ret = P.v;
	*ret_n = P.n;
	return 0;
}

int domain_xml_parse_devices(const char *xml, struct guest_dev_state **ret, size_t *ret_n)
{
	return domain_xml_parse(xml, ret, ret_n, NULL, NULL, NULL);
}

const char *domain_xml_error(int *ret_line)
{
	const xmlError *e;

	*ret_line = 0;
	if (lx_load() < 0)
		return lx_error;
	/* libxml2 keeps the parser's last error even when told not to print it */
	e = lx.xmlGetLastError();
	if (!e || e->level < XML_ERR_ERROR || !e->message)
		return NULL;
	*ret_line = e->line;
	return e->message;
}

/* One element, no XML declaration, as an owned string. */
static char *node_dump(xmlDoc *doc, xmlNode *node)
{
	xmlBuffer *buf = lx.xmlBufferCreate();
	char *ret = NULL;

	if (!buf)
		return NULL;
	if (lx.xmlNodeDump(buf, doc, node, 0, 1) >= 0)
		ret = strndup((const char *)lx.xmlBufferContent(buf), lx.xmlBufferLength(buf));
	lx.xmlBufferFree(buf);
	return ret;
}

int domain_xml_find_device(const char *xml, const char *addr, char **ret)
{
	_cleanup_(lx_free_docp) xmlDoc *doc = NULL;
	_cleanup_(lx_free_xpath_objectp) xmlXPathObject *obj = NULL;
	int r;

	*ret = NULL;
	if (!addr)
		return -EINVAL;
	r = select_pci_devices(xml, &doc, &obj);
	if (r < 0)
		return r;
	for (int i = 0; obj->nodesetval && i < obj->nodesetval->nodeNr; i++) {
		xmlNode *n = obj->nodesetval->nodeTab[i];
		_cleanup_(freep) char *a = NULL;
		if (source_address(n, &a) < 0 || strcasecmp(a, addr) != 0)
			continue;
		*ret = node_dump(doc, n);
		return *ret ? 0 : -ENOMEM;
	}
	return 0;
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
	xmlNodePtr a = lx.xmlNewChild(source, NULL, BAD_CAST "address", NULL);
	if (!a)
		return -ENOMEM;
	snprintf(buf[0], sizeof(buf[0]), "0x%04x", dom);
	snprintf(buf[1], sizeof(buf[1]), "0x%02x", bus);
	snprintf(buf[2], sizeof(buf[2]), "0x%02x", slot);
	snprintf(buf[3], sizeof(buf[3]), "0x%x", fn);
	if ((with_type && !lx.xmlNewProp(a, BAD_CAST "type", BAD_CAST "pci")) ||
	    !lx.xmlNewProp(a, BAD_CAST "domain", BAD_CAST buf[0]) ||
	    !lx.xmlNewProp(a, BAD_CAST "bus", BAD_CAST buf[1]) ||
	    !lx.xmlNewProp(a, BAD_CAST "slot", BAD_CAST buf[2]) ||
	    !lx.xmlNewProp(a, BAD_CAST "function", BAD_CAST buf[3]))
		return -ENOMEM;
	return 0;
}

/* <interface type='hostdev'> children in the order libvirt writes them. */
static int build_interface(xmlNodePtr root, const struct guest_dev_state *dev)
{
	xmlNodePtr source;

	if (!lx.xmlNewProp(root, BAD_CAST "type", BAD_CAST "hostdev") ||
	    !lx.xmlNewProp(root, BAD_CAST "managed", BAD_CAST(dev->managed ? "yes" : "no")))
		return -ENOMEM;
	if (dev->mac) {
		xmlNodePtr m = lx.xmlNewChild(root, NULL, BAD_CAST "mac", NULL);
		if (!m || !lx.xmlNewProp(m, BAD_CAST "address", BAD_CAST dev->mac))
			return -ENOMEM;
	}
	source = lx.xmlNewChild(root, NULL, BAD_CAST "source", NULL);
	if (!source)
		return -ENOMEM;
	int r = add_pci_address(source, dev->address, true);
	if (r < 0)
		return r;
	if (dev->vlan >= 0) {
		char id[16];
		snprintf(id, sizeof(id), "%d", dev->vlan);
		xmlNodePtr v = lx.xmlNewChild(root, NULL, BAD_CAST "vlan", NULL);
		xmlNodePtr t = v ? lx.xmlNewChild(v, NULL, BAD_CAST "tag", NULL) : NULL;
		if (!t || !lx.xmlNewProp(t, BAD_CAST "id", BAD_CAST id))
			return -ENOMEM;
	}
	/* libvirt infers a missing type: a profileid alone is still kept */
	if (dev->virtualport_type || dev->profileid) {
		xmlNodePtr vp = lx.xmlNewChild(root, NULL, BAD_CAST "virtualport", NULL);
		if (!vp || (dev->virtualport_type &&
			    !lx.xmlNewProp(vp, BAD_CAST "type", BAD_CAST dev->virtualport_type)))
			return -ENOMEM;
		if (dev->profileid) {
			xmlNodePtr pa = lx.xmlNewChild(vp, NULL, BAD_CAST "parameters", NULL);
			if (!pa ||
			    !lx.xmlNewProp(pa, BAD_CAST "profileid", BAD_CAST dev->profileid))
				return -ENOMEM;
		}
	}
	return 0;
}

static char *net_device(const struct guest_dev_state *dev);

char *domain_xml_device(const struct guest_dev_state *dev)
{
	_cleanup_(lx_free_docp) xmlDoc *doc = NULL;
	xmlNodePtr root;
	int r;

	if (lx_load() < 0)
		return NULL;
	if (dev && dev->network)
		return net_device(dev);
	if (!dev || !dev->address)
		return NULL;
	doc = lx.xmlNewDoc(BAD_CAST "1.0");
	if (!doc)
		return NULL;
	root =
	    lx.xmlNewNode(NULL, BAD_CAST(dev->type == DEVICE_INTERFACE ? "interface" : "hostdev"));
	if (!root)
		return NULL;
	lx.xmlDocSetRootElement(doc, root);
	if (dev->type == DEVICE_INTERFACE) {
		r = build_interface(root, dev);
	} else {
		xmlNodePtr source;
		if (!lx.xmlNewProp(root, BAD_CAST "mode", BAD_CAST "subsystem") ||
		    !lx.xmlNewProp(root, BAD_CAST "type", BAD_CAST "pci") ||
		    !lx.xmlNewProp(root, BAD_CAST "managed", BAD_CAST(dev->managed ? "yes" : "no")))
			return NULL;
		source = lx.xmlNewChild(root, NULL, BAD_CAST "source", NULL);
		r = source ? add_pci_address(source, dev->address, false) : -ENOMEM;
	}
	if (r < 0)
		return NULL;
	return node_dump(doc, root);
}

/* ---- libvirt networks: VF pools (<forward mode='hostdev'>) ---- */

static xmlDoc *read_doc(const char *xml)
{
	if (!xml || lx_load() < 0)
		return NULL;
	return lx.xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* <vlan><tag id='N'/></vlan> under n: *ret N, or -1 when absent. */
static int vlan_tag(const xmlNode *n, int *ret)
{
	const xmlNode *tag = child(child(n, "vlan"), "tag");
	unsigned id;

	*ret = -1;
	if (!tag)
		return 0;
	if (attr_uint(tag, "id", -1, 4095, &id) < 0)
		return -EINVAL;
	*ret = (int)id;
	return 0;
}

/*
 * An <interface> c of a domain's devices: when its <source> names a
 * network, one more in *v (*n of *cap); 0, or -EINVAL (a malformed
 * address or VLAN tag), -ENOMEM.
 */
static int read_net(const xmlNode *c, struct guest_dev_state **v, size_t *n, size_t *cap)
{
	bool oom = false;
	int r = 0;

	_cleanup_(freep) char *net = attr(child(c, "source"), "network", &oom);
	if (!net)
		return oom ? -ENOMEM : 0;
	struct guest_dev_state *g = GROW(*v, *n, *cap);
	if (!g)
		return -ENOMEM;
	*g = (struct guest_dev_state){.type = DEVICE_INTERFACE, .vlan = -1};
	g->network = TAKE_PTR(net);
	g->managed = attr_yes(c, "managed");
	g->mac = attr(child(c, "mac"), "address", &oom);
	for (char *p = g->mac; p && *p; p++)
		*p = tolower((unsigned char)*p);
	/* live: the VF the pool gave, when libvirt writes it */
	if (child(child(c, "source"), "address"))
		r = source_address(c, &g->address);
	if (r >= 0)
		r = vlan_tag(c, &g->vlan);
	return oom && r >= 0 ? -ENOMEM : r;
}

int network_state_parse(struct network_state *ns)
{
	_cleanup_(lx_free_docp) xmlDoc *doc = read_doc(ns->live_xml ? ns->live_xml : ns->xml);
	xmlNode *root = doc ? lx.xmlDocGetRootElement(doc) : NULL;
	struct strv vfs = {0};
	_cleanup_(freep) unsigned *conns = NULL;
	size_t cap = 0, k = 0;
	bool oom = false;
	int r;

	if (!name_is(root, "network"))
		return -EINVAL;
	xmlNode *fwd = child(root, "forward");
	_cleanup_(freep) char *mode = attr(fwd, "mode", &oom);
	ns->hostdev = mode && streq(mode, "hostdev");
	ns->managed = fwd ? attr_yes(fwd, "managed") : -1;
	free(ns->pf);
	ns->pf = attr(child(fwd, "pf"), "dev", &oom);
	r = vlan_tag(root, &ns->vlan);
	for (xmlNode *c = fwd ? fwd->children : NULL; c && r >= 0; c = c->next) {
		unsigned dom, bus, slot, fn, used;
		if (!name_is(c, "address"))
			continue;
		if (attr_uint(c, "domain", 0, 0xffff, &dom) < 0 ||
		    attr_uint(c, "bus", -1, 0xff, &bus) < 0 ||
		    attr_uint(c, "slot", -1, 0x1f, &slot) < 0 ||
		    attr_uint(c, "function", -1, 7, &fn) < 0 ||
		    attr_uint(c, "connections", 0, UINT_MAX, &used) < 0) {
			r = -EINVAL;
			break;
		}
		if (strv_push(&vfs, strprintf("%04x:%02x:%02x.%x", dom, bus, slot, fn)) < 0 ||
		    !GROW(conns, k, cap))
			r = -ENOMEM;
		else
			conns[k - 1] = used;
	}
	if (oom && r >= 0)
		r = -ENOMEM;
	if (r < 0) {
		strv_release(&vfs);
		return r;
	}
	strv_free(ns->vfs);
	free(ns->connections);
	ns->vfs = strv_steal(&vfs, &ns->n_vfs);
	ns->connections = TAKE_PTR(conns);
	return 0;
}

char *network_xml_build(const char *name, const char *pf_dev, bool managed, int vlan)
{
	_cleanup_(lx_free_docp) xmlDoc *doc = lx_load() < 0 ? NULL : lx.xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = doc ? lx.xmlNewNode(NULL, BAD_CAST "network") : NULL;

	if (!root || !name || !pf_dev)
		return NULL;
	lx.xmlDocSetRootElement(doc, root);
	xmlNodePtr fwd = lx.xmlNewChild(root, NULL, BAD_CAST "name", NULL);
	if (!fwd)
		return NULL;
	lx.xmlNodeAddContent(fwd, BAD_CAST name);
	fwd = lx.xmlNewChild(root, NULL, BAD_CAST "forward", NULL);
	if (!fwd || !lx.xmlNewProp(fwd, BAD_CAST "mode", BAD_CAST "hostdev") ||
	    !lx.xmlNewProp(fwd, BAD_CAST "managed", BAD_CAST(managed ? "yes" : "no")))
		return NULL;
	xmlNodePtr pf = lx.xmlNewChild(fwd, NULL, BAD_CAST "pf", NULL);
	if (!pf || !lx.xmlNewProp(pf, BAD_CAST "dev", BAD_CAST pf_dev))
		return NULL;
	if (vlan >= 0) {
		char id[16];
		snprintf(id, sizeof(id), "%d", vlan);
		xmlNodePtr v = lx.xmlNewChild(root, NULL, BAD_CAST "vlan", NULL);
		xmlNodePtr t = v ? lx.xmlNewChild(v, NULL, BAD_CAST "tag", NULL) : NULL;
		if (!t || !lx.xmlNewProp(t, BAD_CAST "id", BAD_CAST id))
			return NULL;
	}
	return node_dump(doc, root);
}

/* <interface type='network'><mac/><source network=/></interface>, as libvirt orders them. */
static char *net_device(const struct guest_dev_state *dev)
{
	_cleanup_(lx_free_docp) xmlDoc *doc = lx.xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = doc ? lx.xmlNewNode(NULL, BAD_CAST "interface") : NULL;

	if (!root)
		return NULL;
	lx.xmlDocSetRootElement(doc, root);
	if (!lx.xmlNewProp(root, BAD_CAST "type", BAD_CAST "network"))
		return NULL;
	if (dev->mac) {
		xmlNodePtr m = lx.xmlNewChild(root, NULL, BAD_CAST "mac", NULL);
		if (!m || !lx.xmlNewProp(m, BAD_CAST "address", BAD_CAST dev->mac))
			return NULL;
	}
	xmlNodePtr src = lx.xmlNewChild(root, NULL, BAD_CAST "source", NULL);
	if (!src || !lx.xmlNewProp(src, BAD_CAST "network", BAD_CAST dev->network))
		return NULL;
	return node_dump(doc, root);
}

int domain_xml_find_net(const char *xml, const char *network, const char *mac, char **ret)
{
	_cleanup_(lx_free_docp) xmlDoc *doc = read_doc(xml);
	xmlNode *root = doc ? lx.xmlDocGetRootElement(doc) : NULL;
	bool oom = false;

	*ret = NULL;
	if (!name_is(root, "domain") || !network)
		return -EINVAL;
	for (xmlNode *c = child(root, "devices") ? child(root, "devices")->children : NULL; c;
	     c = c->next) {
		if (!name_is(c, "interface"))
			continue;
		_cleanup_(freep) char *net = attr(child(c, "source"), "network", &oom);
		_cleanup_(freep) char *m = attr(child(c, "mac"), "address", &oom);
		if (!net || !streq(net, network) || (mac && (!m || strcasecmp(m, mac) != 0)))
			continue;
		*ret = node_dump(doc, c);
		return *ret ? 0 : -ENOMEM;
	}
	return oom ? -ENOMEM : 0;
}

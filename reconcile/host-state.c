/* SPDX-License-Identifier: MIT */
/*
 * The host-state file: struct host <-> YAML (schema/host-state.schema.json).
 *
 * The loader walks a libyaml document tree so that every error can name
 * the line and column of the offending node. The writer emits events in a
 * fixed key order, so that a written file reads back to an equal host and
 * is written again byte for byte.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>

#include <libxml/xmlerror.h>
#include <yaml.h>

#include "domxml.h"
#include "host.h"
#include "yamlutil.h"

/* ---------------------------------------------------------------- loader */

struct loader {
	const char *name;
	yaml_document_t *doc;
	struct diag *d;
	int err; /* first error, 0 if none */
};

static struct src_loc node_loc(const struct loader *L, const yaml_node_t *n)
{
	return (struct src_loc){
	    .file = L->name,
	    .line = n ? (unsigned)n->start_mark.line + 1 : 0,
	    .col = n ? (unsigned)n->start_mark.column + 1 : 0,
	};
}

static _printf_(4, 5) int lerr(struct loader *L, const yaml_node_t *n, int err, const char *fmt,
			       ...)
{
	struct src_loc loc = node_loc(L, n);
	_cleanup_(freep) char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	diag_error(L->d, n ? &loc : NULL, err, "%s", msg ? msg : "out of memory");
	if (!L->err)
		L->err = err;
	return err;
}

static yaml_node_t *node(const struct loader *L, int id)
{
	return yaml_document_get_node(L->doc, id);
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

enum plain_kind { PLAIN_NULL, PLAIN_BOOL, PLAIN_INT, PLAIN_OTHER };

static bool is_int_text(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static bool word_in(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (streq(s, *words))
			return true;
	return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", NULL};
/* YAML 1.1 booleans other readers (PyYAML) resolve: never a plain string */
static const char *const yaml11_words[] = {"y",	 "Y",	"yes", "Yes", "YES", "n",
					   "N",	 "no",	"No",  "NO",  "on",  "On",
					   "ON", "off", "Off", "OFF", NULL};

static enum plain_kind classify(const char *s)
{
	if (word_in(s, null_words))
		return PLAIN_NULL;
	if (word_in(s, true_words) || word_in(s, false_words) || word_in(s, yaml11_words))
		return PLAIN_BOOL;
	if (is_int_text(s))
		return PLAIN_INT;
	return PLAIN_OTHER;
}

static bool is_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static bool is_null(const yaml_node_t *n)
{
	return is_plain(n) && classify(sval(n)) == PLAIN_NULL;
}

static const char *type_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		if (!is_plain(n))
			return "a string";
		switch (classify(sval(n))) {
		case PLAIN_NULL:
			return "null";
		case PLAIN_BOOL:
			return "a boolean";
		case PLAIN_INT:
			return "an integer";
		default:
			return "a string";
		}
	default:
		return "nothing";
	}
}

/* A string (nullable: or null -> NULL). *ret is replaced only on success. */
static int get_str(struct loader *L, const yaml_node_t *n, const char *what, bool nullable,
		   char **ret)
{
	if (nullable && is_null(n)) {
		free(*ret);
		*ret = NULL;
		return 0;
	}
	if (n->type != YAML_SCALAR_NODE || (is_plain(n) && classify(sval(n)) != PLAIN_OTHER))
		return lerr(L, n, -EINVAL, "%s must be a string%s, not %s", what,
			    nullable ? " or null" : "", type_name(n));
	if (strlen(sval(n)) != n->data.scalar.length)
		return lerr(L, n, -EINVAL, "%s contains a NUL character", what);
	char *s = strdup(sval(n));
	if (!s)
		return lerr(L, n, -ENOMEM, "out of memory");
	free(*ret);
	*ret = s;
	return 0;
}

/* true/false; with nullable, null -> -1. */
static int get_bool(struct loader *L, const yaml_node_t *n, const char *what, bool nullable,
		    int *ret)
{
	if (nullable && is_null(n)) {
		*ret = -1;
		return 0;
	}
	if (is_plain(n) && word_in(sval(n), true_words)) {
		*ret = 1;
		return 0;
	}
	if (is_plain(n) && word_in(sval(n), false_words)) {
		*ret = 0;
		return 0;
	}
	return lerr(L, n, -EINVAL, "%s must be true or false%s, not %s", what,
		    nullable ? " or null" : "", type_name(n));
}

static int get_int(struct loader *L, const yaml_node_t *n, const char *what, long long min,
		   long long max, long long *ret)
{
	char *end;

	if (!is_plain(n) || classify(sval(n)) != PLAIN_INT)
		return lerr(L, n, -EINVAL, "%s must be an integer, not %s", what, type_name(n));
	errno = 0;
	long long v = strtoll(sval(n), &end, 10);
	if (errno || *end || v < min || v > max)
		return lerr(L, n, -ERANGE, "%s %s is out of range %lld..%lld", what, sval(n), min,
			    max);
	*ret = v;
	return 0;
}

static int get_uint(struct loader *L, const yaml_node_t *n, const char *what, long long max,
		    unsigned *ret)
{
	long long v;
	int r = get_int(L, n, what, 0, max, &v);
	if (r >= 0)
		*ret = (unsigned)v;
	return r;
}

/* An int, or null for unknown (-1). */
static int get_opt_int(struct loader *L, const yaml_node_t *n, const char *what, long long max,
		       int *ret)
{
	long long v;
	int r;

	if (is_null(n)) {
		*ret = -1;
		return 0;
	}
	r = get_int(L, n, what, 0, max, &v);
	if (r >= 0)
		*ret = (int)v;
	return r;
}

static int get_opt_ll(struct loader *L, const yaml_node_t *n, const char *what, long long *ret)
{
	if (is_null(n)) {
		*ret = -1;
		return 0;
	}
	return get_int(L, n, what, 0, INT64_MAX / 2, ret);
}

/* One of a list of words (index into words), or null -> -1. */
static int get_enum(struct loader *L, const yaml_node_t *n, const char *what,
		    const char *const *words, size_t n_words, int *ret)
{
	if (is_null(n)) {
		*ret = -1;
		return 0;
	}
	if (n->type == YAML_SCALAR_NODE)
		for (size_t i = 0; i < n_words; i++)
			if (streq(sval(n), words[i])) {
				*ret = (int)i;
				return 0;
			}
	return lerr(L, n, -EINVAL, "%s must be one of %s%s%s%s%s, not '%s'", what, words[0],
		    n_words > 1 ? ", " : "", n_words > 1 ? words[1] : "", n_words > 2 ? ", " : "",
		    n_words > 2 ? words[2] : "",
		    n->type == YAML_SCALAR_NODE ? sval(n) : type_name(n));
}

static bool expect(struct loader *L, const yaml_node_t *n, yaml_node_type_t t, const char *what)
{
	if (n->type == t)
		return true;
	lerr(L, n, -EINVAL, "%s must be %s, not %s", what,
	     t == YAML_MAPPING_NODE ? "a mapping" : "a list", type_name(n));
	return false;
}

/*
 * The index of a mapping key in keys[], or -1 after reporting an unknown
 * or repeated key. seen is a bitmask of the keys met so far.
 */
static int key_index(struct loader *L, const yaml_node_t *k, const char *what,
		     const char *const *keys, uint32_t *seen)
{
	if (k->type != YAML_SCALAR_NODE)
		return lerr(L, k, -EINVAL, "keys of %s must be strings", what), -1;
	for (int i = 0; keys[i]; i++)
		if (streq(sval(k), keys[i])) {
			if (*seen & (1u << i))
				return lerr(L, k, -EINVAL, "duplicate key '%s' in %s", keys[i],
					    what),
				       -1;
			*seen |= 1u << i;
			return i;
		}
	return lerr(L, k, -EINVAL, "unknown key '%s' in %s", sval(k), what), -1;
}

static void missing(struct loader *L, const yaml_node_t *map, uint32_t seen,
		    const char *const *keys, uint32_t required, const char *what)
{
	for (int i = 0; keys[i]; i++)
		if ((required & (1u << i)) && !(seen & (1u << i)))
			lerr(L, map, -EINVAL, "%s: missing key '%s'", what, keys[i]);
}

#define FOREACH_PAIR(p, map)                                                                       \
	for (yaml_node_pair_t *p = (map)->data.mapping.pairs.start;                                \
	     p < (map)->data.mapping.pairs.top; p++)
#define FOREACH_ITEM(it, seq)                                                                      \
	for (yaml_node_item_t *it = (seq)->data.sequence.items.start;                              \
	     it < (seq)->data.sequence.items.top; it++)

/* Canonical "dddd:bb:ss.f": accept either case, store lowercase. */
static bool pci_addr_ok(const char *s)
{
	if (strlen(s) != 12)
		return false;
	for (size_t i = 0; i < 12; i++) {
		char c = s[i];
		if (i == 4 || i == 7 ? c != ':' : i == 10 ? c != '.' : !isxdigit((unsigned char)c))
			return false;
	}
	unsigned slot = (unsigned)strtoul((char[]){s[8], s[9], 0}, NULL, 16);
	return slot <= 0x1f && s[11] >= '0' && s[11] <= '7';
}

static bool mac_ok(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (size_t i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool hex4_ok(const char *s)
{
	return strlen(s) == 4 && isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[1]) &&
	       isxdigit((unsigned char)s[2]) && isxdigit((unsigned char)s[3]);
}

static void lower(char *s)
{
	for (; s && *s; s++)
		*s = tolower((unsigned char)*s);
}

/* A string that must pass check(); stored lowercase. */
static int get_checked(struct loader *L, const yaml_node_t *n, const char *what, bool nullable,
		       bool (*check)(const char *), const char *form, char **ret)
{
	_cleanup_(freep) char *s = NULL;
	int r = get_str(L, n, what, nullable, &s);
	if (r < 0)
		return r;
	if (s && !check(s))
		return lerr(L, n, -EINVAL, "%s '%s' is not %s", what, s, form);
	lower(s);
	free(*ret);
	*ret = TAKE_PTR(s);
	return 0;
}

/* A MAC into a fixed buffer ("" for null). */
static int get_mac(struct loader *L, const yaml_node_t *n, char mac[VF_MAC_LEN])
{
	_cleanup_(freep) char *s = NULL;
	int r = get_checked(L, n, "mac", true, mac_ok, "a MAC address", &s);
	if (r < 0)
		return r;
	snprintf(mac, VF_MAC_LEN, "%s", s ? s : "");
	return 0;
}

enum {
	VF_ID,
	VF_ADDRESS,
	VF_DRIVER,
	VF_OVERRIDE,
	VF_INTERFACE,
	VF_MAC,
	VF_VLAN,
	VF_QOS,
	VF_VLAN_PROTO,
	VF_SPOOF,
	VF_TRUST,
	VF_LINK,
	VF_MAX_TX,
	VF_MIN_TX
};
static const char *const vf_keys[] = {"id",	     "address",	    "driver", "driver-override",
				      "interface",   "mac",	    "vlan",   "qos",
				      "vlan-proto",  "spoof-check", "trust",  "link-state",
				      "max-tx-rate", "min-tx-rate", NULL};

static void load_vf(struct loader *L, const yaml_node_t *map, struct vf_state *v)
{
	uint32_t seen = 0;

	vf_state_init(v, 0);
	if (!expect(L, map, YAML_MAPPING_NODE, "a VF"))
		return;
	FOREACH_PAIR(p, map)
	{
		const yaml_node_t *val = node(L, p->value);
		switch (key_index(L, node(L, p->key), "a VF", vf_keys, &seen)) {
		case VF_ID:
			get_uint(L, val, "id", UINT16_MAX, &v->id);
			break;
		case VF_ADDRESS:
			get_checked(L, val, "address", false, pci_addr_ok,
				    "a PCI address (dddd:bb:ss.f)", &v->address);
			break;
		case VF_DRIVER:
			get_str(L, val, "driver", true, &v->driver);
			break;
		case VF_OVERRIDE:
			get_str(L, val, "driver-override", true, &v->driver_override);
			break;
		case VF_INTERFACE:
			get_str(L, val, "interface", true, &v->interface);
			break;
		case VF_MAC:
			get_mac(L, val, v->link.mac);
			break;
		case VF_VLAN:
			get_opt_int(L, val, "vlan", 4095, &v->link.vlan);
			break;
		case VF_QOS:
			get_opt_int(L, val, "qos", 7, &v->link.qos);
			break;
		case VF_VLAN_PROTO:
			get_enum(L, val, "vlan-proto", vlan_proto_names, 2, &v->link.vlan_proto);
			break;
		case VF_SPOOF:
			get_bool(L, val, "spoof-check", true, &v->link.spoof_check);
			break;
		case VF_TRUST:
			get_bool(L, val, "trust", true, &v->link.trust);
			break;
		case VF_LINK:
			get_enum(L, val, "link-state", link_state_names, 3, &v->link.link_state);
			break;
		case VF_MAX_TX:
			get_opt_ll(L, val, "max-tx-rate", &v->link.max_tx_rate);
			break;
		case VF_MIN_TX:
			get_opt_ll(L, val, "min-tx-rate", &v->link.min_tx_rate);
			break;
		}
	}
	missing(L, map, seen, vf_keys, 1u << VF_ID | 1u << VF_ADDRESS, "a VF");
}

enum { SR_TOTAL, SR_NUM, SR_AUTOPROBE, SR_OFFSET, SR_STRIDE, SR_VF_DEVICE, SR_VF_NAME, SR_VFS };
static const char *const sriov_keys[] = {"total-vfs", "num-vfs", "drivers-autoprobe",
					 "offset",    "stride",	 "vf-device",
					 "vf-name",   "vfs",	 NULL};

static void load_vfs(struct loader *L, const yaml_node_t *seq, struct sriov_state *s)
{
	size_t cap = 0;

	if (!expect(L, seq, YAML_SEQUENCE_NODE, "vfs"))
		return;
	FOREACH_ITEM(it, seq)
	{
		const yaml_node_t *item = node(L, *it);
		struct vf_state *v = GROW(s->vfs, s->n_vfs, cap);
		if (!v) {
			lerr(L, item, -ENOMEM, "out of memory");
			return;
		}
		load_vf(L, item, v);
		for (size_t i = 0; i + 1 < s->n_vfs; i++) {
			if (s->vfs[i].id == v->id)
				lerr(L, item, -EINVAL, "duplicate VF id %u", v->id);
			if (v->address && streq_ptr(s->vfs[i].address, v->address))
				lerr(L, item, -EINVAL, "duplicate VF address '%s'", v->address);
		}
	}
}

static void load_sriov(struct loader *L, const yaml_node_t *map, struct sriov_state *s)
{
	const yaml_node_t *num_node = map;
	uint32_t seen = 0;

	*s = (struct sriov_state){.drivers_autoprobe = -1, .offset = -1, .stride = -1};
	if (!expect(L, map, YAML_MAPPING_NODE, "sriov"))
		return;
	FOREACH_PAIR(p, map)
	{
		const yaml_node_t *val = node(L, p->value);
		switch (key_index(L, node(L, p->key), "sriov", sriov_keys, &seen)) {
		case SR_TOTAL:
			get_uint(L, val, "total-vfs", UINT16_MAX, &s->total_vfs);
			break;
		case SR_NUM:
			get_uint(L, val, "num-vfs", UINT16_MAX, &s->num_vfs);
			num_node = val;
			break;
		case SR_AUTOPROBE:
			get_bool(L, val, "drivers-autoprobe", true, &s->drivers_autoprobe);
			break;
		case SR_OFFSET:
			get_opt_int(L, val, "offset", UINT16_MAX, &s->offset);
			break;
		case SR_STRIDE:
			get_opt_int(L, val, "stride", UINT16_MAX, &s->stride);
			break;
		case SR_VF_DEVICE:
			get_checked(L, val, "vf-device", true, hex4_ok, "four hex digits",
				    &s->vf_device);
			break;
		case SR_VF_NAME:
			get_str(L, val, "vf-name", true, &s->vf_name);
			break;
		case SR_VFS:
			load_vfs(L, val, s);
			break;
		}
	}
	missing(L, map, seen, sriov_keys, 1u << SR_TOTAL | 1u << SR_NUM, "sriov");
	if ((seen & 1u << SR_TOTAL) && (seen & 1u << SR_NUM) && s->num_vfs > s->total_vfs)
		lerr(L, num_node, -EINVAL, "num-vfs %u exceeds total-vfs %u", s->num_vfs,
		     s->total_vfs);
}

enum { PCI_ADDRESS, PCI_VENDOR, PCI_DEVICE, PCI_NAME, PCI_DRIVER, PCI_INTERFACES, PCI_SRIOV };
static const char *const pci_keys[] = {"address", "vendor",	"device", "name",
				       "driver",  "interfaces", "sriov",  NULL};

static void load_interfaces(struct loader *L, const yaml_node_t *seq, struct pci_dev_state *p)
{
	size_t cap = 0;

	if (!expect(L, seq, YAML_SEQUENCE_NODE, "interfaces"))
		return;
	FOREACH_ITEM(it, seq)
	{
		const yaml_node_t *item = node(L, *it);
		char **s = GROW(p->interfaces, p->n_interfaces, cap);
		if (!s) {
			lerr(L, item, -ENOMEM, "out of memory");
			return;
		}
		get_str(L, item, "an interface", false, s);
	}
}

static void load_pci_dev(struct loader *L, const yaml_node_t *map, struct pci_dev_state *p)
{
	uint32_t seen = 0;

	if (!expect(L, map, YAML_MAPPING_NODE, "a pci device"))
		return;
	FOREACH_PAIR(pr, map)
	{
		const yaml_node_t *val = node(L, pr->value);
		switch (key_index(L, node(L, pr->key), "a pci device", pci_keys, &seen)) {
		case PCI_ADDRESS:
			get_checked(L, val, "address", false, pci_addr_ok,
				    "a PCI address (dddd:bb:ss.f)", &p->address);
			break;
		case PCI_VENDOR:
			get_checked(L, val, "vendor", true, hex4_ok, "four hex digits", &p->vendor);
			break;
		case PCI_DEVICE:
			get_checked(L, val, "device", true, hex4_ok, "four hex digits", &p->device);
			break;
		case PCI_NAME:
			get_str(L, val, "name", true, &p->name);
			break;
		case PCI_DRIVER:
			get_str(L, val, "driver", true, &p->driver);
			break;
		case PCI_INTERFACES:
			load_interfaces(L, val, p);
			break;
		case PCI_SRIOV:
			p->is_pf = true;
			load_sriov(L, val, &p->sriov);
			break;
		}
	}
	missing(L, map, seen, pci_keys, 1u << PCI_ADDRESS, "a pci device");
}

static void load_pci(struct loader *L, const yaml_node_t *seq, struct host *h)
{
	size_t cap = 0;

	if (!expect(L, seq, YAML_SEQUENCE_NODE, "pci"))
		return;
	FOREACH_ITEM(it, seq)
	{
		const yaml_node_t *item = node(L, *it);
		struct pci_dev_state *p = GROW(h->pci, h->n_pci, cap);
		if (!p) {
			lerr(L, item, -ENOMEM, "out of memory");
			return;
		}
		load_pci_dev(L, item, p);
		if (!p->address)
			continue;
		for (size_t i = 0; i + 1 < h->n_pci; i++)
			if (streq_ptr(h->pci[i].address, p->address))
				lerr(L, item, -EINVAL, "duplicate pci device '%s'", p->address);
		for (size_t j = 0; j < p->sriov.n_vfs; j++)
			if (host_find_pci(h, p->sriov.vfs[j].address))
				lerr(L, item, -EINVAL, "VF '%s' is also listed as a pci device",
				     p->sriov.vfs[j].address);
	}
}

static const char *const module_keys[] = {"loaded", "parameters", "config", NULL};
static const char *const conf_keys[] = {"key", "value", "source", NULL};

/* config: [{key: max_vfs, value: "7", source: /etc/modprobe.d/igb.conf}], in kmod's order */
static void load_conf(struct loader *L, const yaml_node_t *seq, struct module_state *m)
{
	size_t cap = 0;

	if (!expect(L, seq, YAML_SEQUENCE_NODE, "config"))
		return;
	FOREACH_ITEM(it, seq)
	{
		const yaml_node_t *item = node(L, *it);
		struct module_conf *c = GROW(m->conf, m->n_conf, cap);
		uint32_t seen = 0;

		if (!c) {
			lerr(L, item, -ENOMEM, "out of memory");
			return;
		}
		if (!expect(L, item, YAML_MAPPING_NODE, "a config entry"))
			continue;
		FOREACH_PAIR(p, item)
		{
			const yaml_node_t *v = node(L, p->value);
			switch (key_index(L, node(L, p->key), "a config entry", conf_keys, &seen)) {
			case 0:
				get_str(L, v, "an option name", false, &c->key);
				break;
			case 1:
				get_str(L, v, "an option value", false, &c->value);
				break;
			case 2:
				get_str(L, v, "a source", false, &c->source);
				break;
			}
		}
		missing(L, item, seen, conf_keys, 7u, "a config entry");
		if (!c->key || !c->value || !c->source) {
			free(c->key);
			free(c->value);
			free(c->source);
			m->n_conf--;
		}
	}
}

static void load_params(struct loader *L, const yaml_node_t *map, struct module_state *m)
{
	size_t cap = 0;

	if (!expect(L, map, YAML_MAPPING_NODE, "parameters"))
		return;
	FOREACH_PAIR(p, map)
	{
		const yaml_node_t *k = node(L, p->key);
		struct module_param *mp = GROW(m->params, m->n_params, cap);
		if (!mp) {
			lerr(L, k, -ENOMEM, "out of memory");
			return;
		}
		if (get_str(L, k, "a parameter name", false, &mp->key) < 0)
			continue;
		get_str(L, node(L, p->value), "a parameter value", false, &mp->value);
		for (size_t i = 0; i + 1 < m->n_params; i++)
			if (streq_ptr(m->params[i].key, mp->key))
				lerr(L, k, -EINVAL, "duplicate parameter '%s'", mp->key);
	}
}

static void load_modules(struct loader *L, const yaml_node_t *map, struct host *h)
{
	size_t cap = 0;

	if (!expect(L, map, YAML_MAPPING_NODE, "modules"))
		return;
	FOREACH_PAIR(p, map)
	{
		const yaml_node_t *k = node(L, p->key), *val = node(L, p->value);
		struct module_state *m = GROW(h->modules, h->n_modules, cap);
		uint32_t seen = 0;
		int loaded = 0;

		if (!m) {
			lerr(L, k, -ENOMEM, "out of memory");
			return;
		}
		if (get_str(L, k, "a module name", false, &m->name) < 0)
			continue;
		for (size_t i = 0; i + 1 < h->n_modules; i++)
			if (streq_ptr(h->modules[i].name, m->name))
				lerr(L, k, -EINVAL, "duplicate module '%s'", m->name);
		if (!expect(L, val, YAML_MAPPING_NODE, "a module"))
			continue;
		FOREACH_PAIR(mp, val)
		{
			const yaml_node_t *v = node(L, mp->value);
			switch (key_index(L, node(L, mp->key), "a module", module_keys, &seen)) {
			case 0:
				if (get_bool(L, v, "loaded", false, &loaded) >= 0)
					m->loaded = loaded;
				break;
			case 1:
				load_params(L, v, m);
				break;
			case 2:
				load_conf(L, v, m);
				break;
			}
		}
		missing(L, val, seen, module_keys, 1u << 0, "a module");
	}
}

static void load_files(struct loader *L, const yaml_node_t *map, struct host *h)
{
	size_t cap = 0;

	if (!expect(L, map, YAML_MAPPING_NODE, "files"))
		return;
	FOREACH_PAIR(p, map)
	{
		const yaml_node_t *k = node(L, p->key);
		struct file_state *f = GROW(h->files, h->n_files, cap);
		if (!f) {
			lerr(L, k, -ENOMEM, "out of memory");
			return;
		}
		if (get_str(L, k, "a file path", false, &f->path) < 0)
			continue;
		if (f->path[0] != '/')
			lerr(L, k, -EINVAL, "file path '%s' is not absolute", f->path);
		for (size_t i = 0; i + 1 < h->n_files; i++)
			if (streq_ptr(h->files[i].path, f->path))
				lerr(L, k, -EINVAL, "duplicate file '%s'", f->path);
		get_str(L, node(L, p->value), "file content", true, &f->content);
	}
}

enum { DOM_NAME, DOM_RUNNING, DOM_XML, DOM_LIVE_XML };
static const char *const domain_keys[] = {"name", "running", "xml", "live-xml", NULL};

static void parse_xml(struct loader *L, const yaml_node_t *n, const char *xml,
		      struct guest_dev_state **devs, size_t *n_devs)
{
	int r;

	if (!xml)
		return;
	xmlResetLastError();
	r = domain_xml_parse_devices(xml, devs, n_devs);
	if (r == -ENOMEM) {
		lerr(L, n, r, "out of memory");
	} else if (r < 0) {
		/* libxml2 keeps the parser's last error even when told not to print it */
		const xmlError *e = xmlGetLastError();
		if (e && e->level >= XML_ERR_ERROR && e->message) {
			size_t len = strcspn(e->message, "\n");
			lerr(L, n, r, "invalid domain XML: line %d: %.*s", e->line, (int)len,
			     e->message);
		} else {
			lerr(L, n, r,
			     "invalid domain XML: not a <domain>, or a PCI hostdev without a valid "
			     "source address or VLAN tag");
		}
	}
}

static void load_domain(struct loader *L, const yaml_node_t *map, struct domain_state *dom)
{
	const yaml_node_t *xml_node = NULL, *live_node = NULL;
	uint32_t seen = 0;
	int running = 0;

	if (!expect(L, map, YAML_MAPPING_NODE, "a domain"))
		return;
	FOREACH_PAIR(p, map)
	{
		const yaml_node_t *val = node(L, p->value);
		switch (key_index(L, node(L, p->key), "a domain", domain_keys, &seen)) {
		case DOM_NAME:
			get_str(L, val, "name", false, &dom->name);
			break;
		case DOM_RUNNING:
			if (get_bool(L, val, "running", false, &running) >= 0)
				dom->running = running;
			break;
		case DOM_XML:
			if (get_str(L, val, "xml", true, &dom->xml) >= 0)
				xml_node = val;
			break;
		case DOM_LIVE_XML:
			if (get_str(L, val, "live-xml", true, &dom->live_xml) >= 0)
				live_node = val;
			break;
		}
	}
	missing(L, map, seen, domain_keys, 1u << DOM_NAME, "a domain");
	parse_xml(L, xml_node, dom->xml, &dom->devs, &dom->n_devs);
	parse_xml(L, live_node, dom->live_xml, &dom->live_devs, &dom->n_live_devs);
	if (dom->live_xml && !dom->running)
		lerr(L, live_node, -EINVAL, "domain '%s' has live-xml but is not running",
		     dom->name ? dom->name : "?");
}

static void load_domains(struct loader *L, const yaml_node_t *seq, struct host *h)
{
	size_t cap = 0;

	if (!expect(L, seq, YAML_SEQUENCE_NODE, "domains"))
		return;
	FOREACH_ITEM(it, seq)
	{
		const yaml_node_t *item = node(L, *it);
		struct domain_state *dom = GROW(h->domains, h->n_domains, cap);
		if (!dom) {
			lerr(L, item, -ENOMEM, "out of memory");
			return;
		}
		load_domain(L, item, dom);
		for (size_t i = 0; dom->name && i + 1 < h->n_domains; i++)
			if (streq_ptr(h->domains[i].name, dom->name))
				lerr(L, item, -EINVAL, "duplicate domain '%s'", dom->name);
	}
}

enum {
	TOP_VERSION,
	TOP_KIND,
	TOP_HOSTNAME,
	TOP_PCI,
	TOP_MODULES,
	TOP_FILES,
	TOP_LIBVIRT,
	TOP_DOMAINS,
	TOP_SIMULATE
};
static const char *const top_keys[] = {"version", "kind",    "hostname", "pci",	     "modules",
				       "files",	  "libvirt", "domains",	 "simulate", NULL};

static void load_top(struct loader *L, const yaml_node_t *root, struct host *h)
{
	uint32_t seen = 0;
	long long version;
	_cleanup_(freep) char *kind = NULL;
	int libvirt = -1;

	if (!expect(L, root, YAML_MAPPING_NODE, "a host-state file"))
		return;
	FOREACH_PAIR(p, root)
	{
		const yaml_node_t *val = node(L, p->value);
		switch (key_index(L, node(L, p->key), "a host-state file", top_keys, &seen)) {
		case TOP_VERSION:
			get_int(L, val, "version", 1, 1, &version);
			break;
		case TOP_KIND:
			if (get_str(L, val, "kind", false, &kind) >= 0 &&
			    !streq(kind, "host-state"))
				lerr(L, val, -EINVAL, "kind must be 'host-state', not '%s'", kind);
			break;
		case TOP_HOSTNAME:
			get_str(L, val, "hostname", true, &h->hostname);
			break;
		case TOP_PCI:
			load_pci(L, val, h);
			break;
		case TOP_MODULES:
			load_modules(L, val, h);
			break;
		case TOP_FILES:
			load_files(L, val, h);
			break;
		case TOP_LIBVIRT:
			get_bool(L, val, "libvirt", false, &libvirt);
			break;
		case TOP_DOMAINS:
			load_domains(L, val, h);
			break;
		case TOP_SIMULATE:
			break; /* for the simulated host only */
		}
	}
	missing(L, root, seen, top_keys, 1u << TOP_VERSION | 1u << TOP_KIND, "a host-state file");
	/* without the flag, domains listed means libvirt was reached */
	h->libvirt_ok = libvirt >= 0 ? libvirt : (seen & 1u << TOP_DOMAINS) != 0;
	if (libvirt == 0 && h->n_domains > 0)
		lerr(L, root, -EINVAL, "domains are listed but libvirt is false");
}

static int parser_error(struct loader *L, const yaml_parser_t *ps)
{
	struct src_loc loc = {
	    .file = L->name,
	    .line = (unsigned)ps->problem_mark.line + 1,
	    .col = (unsigned)ps->problem_mark.column + 1,
	};
	if (ps->context)
		return diag_error(L->d, &loc, -EINVAL, "%s %s", ps->problem ? ps->problem : "",
				  ps->context);
	return diag_error(L->d, &loc, -EINVAL, "%s", ps->problem ? ps->problem : "invalid YAML");
}

static void yaml_parserp(yaml_parser_t *p)
{
	yaml_parser_delete(p);
}

static void yaml_docp(yaml_document_t *d)
{
	yaml_document_delete(d);
}

/*
 * Refuse aliases outside simulate: a node reached twice could make a small
 * file expand into a huge host (and a written file never has them).
 */
static int check_no_aliases(struct loader *L, yaml_node_t *root)
{
	size_t n = (size_t)(L->doc->nodes.top - L->doc->nodes.start);
	_cleanup_(freep) bool *seen = calloc(n + 1, sizeof(bool));
	_cleanup_(freep) int *stack = calloc(n + 1, sizeof(int));
	size_t sp = 0;

	if (!seen || !stack)
		return lerr(L, NULL, -ENOMEM, "out of memory");
	stack[sp++] = 1; /* the root node */
	seen[1] = true;
	while (sp > 0) {
		yaml_node_t *nd = node(L, stack[--sp]);
		int kids[2];

		if (nd->type == YAML_SEQUENCE_NODE) {
			FOREACH_ITEM(it, nd)
			{
				if (seen[*it])
					return lerr(
					    L, nd, -EINVAL,
					    "YAML aliases are not allowed in a host-state file");
				seen[*it] = true;
				stack[sp++] = *it;
			}
		} else if (nd->type == YAML_MAPPING_NODE) {
			FOREACH_PAIR(p, nd)
			{
				const yaml_node_t *k = node(L, p->key);
				if (nd == root && k->type == YAML_SCALAR_NODE &&
				    streq(sval(k), "simulate"))
					continue; /* not ours to read */
				kids[0] = p->key;
				kids[1] = p->value;
				for (size_t i = 0; i < 2; i++) {
					if (seen[kids[i]])
						return lerr(L, nd, -EINVAL,
							    "YAML aliases are not allowed in a "
							    "host-state file");
					seen[kids[i]] = true;
					stack[sp++] = kids[i];
				}
			}
		}
	}
	return 0;
}

int state_load_buffer(const char *name, const char *buf, size_t len, struct diag *d,
		      struct host **ret)
{
	_cleanup_(yaml_parserp) yaml_parser_t ps = {0};
	_cleanup_(yaml_docp) yaml_document_t doc = {0};
	_cleanup_(yaml_docp) yaml_document_t doc2 = {0};
	_cleanup_(host_freep) struct host *h = NULL;
	struct loader L = {.name = name ? name : "<state>", .doc = &doc, .d = d};

	if (!yaml_parser_initialize(&ps))
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	size_t bom = yaml_bom_len(buf, len);
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf + bom, len - bom);
	if (!yaml_parser_load(&ps, &doc)) {
		memset(&doc, 0, sizeof(doc));
		return parser_error(&L, &ps);
	}
	const yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root)
		return diag_error(d, &(struct src_loc){.file = L.name, .line = 1, .col = 1},
				  -EINVAL, "empty host-state file");
	if (!yaml_parser_load(&ps, &doc2)) {
		memset(&doc2, 0, sizeof(doc2));
		return parser_error(&L, &ps);
	}
	if (yaml_document_get_root_node(&doc2)) {
		struct src_loc loc = {.file = L.name,
				      .line = (unsigned)doc2.start_mark.line + 1,
				      .col = (unsigned)doc2.start_mark.column + 1};
		return diag_error(d, &loc, -EINVAL, "more than one YAML document");
	}

	if (check_no_aliases(&L, (yaml_node_t *)root) < 0)
		return L.err;
	h = host_new();
	if (!h)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	load_top(&L, root, h);
	if (L.err < 0)
		return L.err;
	host_sort(h);
	*ret = TAKE_PTR(h);
	return 0;
}

int state_load(const char *path, struct diag *d, struct host **ret)
{
	_cleanup_(fclosep) FILE *f = fopen(path, "re");
	_cleanup_(freep) char *buf = NULL;
	size_t len = 0;

	if (!f) {
		int e = errno;
		return diag_error(d, NULL, -e, "cannot open '%s': %s", path, strerror(e));
	}
	FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	char chunk[65536];
	size_t k;
	size_t total = 0;
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		/* the same cap as a desired-state file: /dev/zero must not eat the memory */
		total += k;
		if (total > YAML_MAX_INPUT) {
			fclose(mem);
			return diag_error(d, &(struct src_loc){.file = path}, -EFBIG,
					  "file is larger than %u MiB", YAML_MAX_INPUT >> 20);
		}
		if (fwrite(chunk, 1, k, mem) != k)
			break;
	}
	int rerr = ferror(f);
	if (fclose(mem) != 0 || !buf)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	if (rerr)
		return diag_error(d, NULL, -EIO, "cannot read '%s'", path);
	return state_load_buffer(path, buf, len, d, ret);
}

/* ---------------------------------------------------------------- writer */

struct writer {
	yaml_emitter_t e;
	bool failed;
};

static void emit(struct writer *w, yaml_event_t *ev, int ok)
{
	if (w->failed) {
		if (ok)
			yaml_event_delete(ev); /* made, but never handed to the emitter */
		return;
	}
	if (!ok || !yaml_emitter_emit(&w->e, ev))
		w->failed = true;
}

static void w_scalar(struct writer *w, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;
	/* libyaml writes UTF-8 only: a byte from the host that is not becomes U+FFFD */
	_cleanup_(freep) char *fixed = utf8_valid(s) ? NULL : utf8_sanitize(s);
	if (fixed)
		s = fixed;
	emit(w, &ev,
	     yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
					  style));
}

/* A string that reads back as the same string. NULL: null. */
static void w_str(struct writer *w, const char *s)
{
	if (!s)
		w_scalar(w, "null", YAML_PLAIN_SCALAR_STYLE);
	else if (strchr(s, '\n'))
		w_scalar(w, s, YAML_LITERAL_SCALAR_STYLE);
	else if (classify(s) != PLAIN_OTHER || strchr("-+.0123456789", s[0]) || strchr(s, ':'))
		w_scalar(w, s, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	else
		w_scalar(w, s, YAML_ANY_SCALAR_STYLE);
}

static void w_ll(struct writer *w, long long v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", v);
	w_scalar(w, buf, YAML_PLAIN_SCALAR_STYLE);
}

static void w_bool(struct writer *w, bool v)
{
	w_scalar(w, v ? "true" : "false", YAML_PLAIN_SCALAR_STYLE);
}

static void w_map_start(struct writer *w, bool flow)
{
	yaml_event_t ev;
	emit(w, &ev,
	     yaml_mapping_start_event_initialize(
		 &ev, NULL, NULL, 1, flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

static void w_map_end(struct writer *w)
{
	yaml_event_t ev;
	emit(w, &ev, yaml_mapping_end_event_initialize(&ev));
}

static void w_seq_start(struct writer *w, bool flow)
{
	yaml_event_t ev;
	emit(w, &ev,
	     yaml_sequence_start_event_initialize(
		 &ev, NULL, NULL, 1, flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

static void w_seq_end(struct writer *w)
{
	yaml_event_t ev;
	emit(w, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void w_key(struct writer *w, const char *k)
{
	w_str(w, k);
}

/* key: value pairs, written only when the value is known */
static void w_kv_str(struct writer *w, const char *k, const char *v)
{
	w_key(w, k);
	w_str(w, v);
}

static void w_kv_opt_str(struct writer *w, const char *k, const char *v)
{
	if (v)
		w_kv_str(w, k, v);
}

static void w_kv_opt_ll(struct writer *w, const char *k, long long v)
{
	if (v < 0)
		return;
	w_key(w, k);
	w_ll(w, v);
}

static void w_kv_opt_bool(struct writer *w, const char *k, int v)
{
	if (v < 0)
		return;
	w_key(w, k);
	w_bool(w, v);
}

static void w_kv_opt_enum(struct writer *w, const char *k, int v, const char *const *words,
			  size_t n)
{
	if (v < 0 || (size_t)v >= n)
		return;
	w_kv_str(w, k, words[v]);
}

static void write_vf(struct writer *w, const struct vf_state *v)
{
	w_map_start(w, false);
	w_key(w, "id");
	w_ll(w, v->id);
	w_kv_str(w, "address", v->address);
	w_kv_str(w, "driver", v->driver);
	w_kv_str(w, "driver-override", v->driver_override);
	w_kv_str(w, "interface", v->interface);
	w_kv_opt_str(w, "mac", v->link.mac[0] ? v->link.mac : NULL);
	w_kv_opt_ll(w, "vlan", v->link.vlan);
	w_kv_opt_ll(w, "qos", v->link.qos);
	w_kv_opt_enum(w, "vlan-proto", v->link.vlan_proto, vlan_proto_names, 2);
	w_kv_opt_bool(w, "spoof-check", v->link.spoof_check);
	w_kv_opt_bool(w, "trust", v->link.trust);
	w_kv_opt_enum(w, "link-state", v->link.link_state, link_state_names, 3);
	w_kv_opt_ll(w, "max-tx-rate", v->link.max_tx_rate);
	w_kv_opt_ll(w, "min-tx-rate", v->link.min_tx_rate);
	w_map_end(w);
}

static void write_pci(struct writer *w, const struct pci_dev_state *p)
{
	const struct sriov_state *s = &p->sriov;

	w_map_start(w, false);
	w_kv_str(w, "address", p->address);
	w_kv_opt_str(w, "vendor", p->vendor);
	w_kv_opt_str(w, "device", p->device);
	w_kv_opt_str(w, "name", p->name);
	w_kv_str(w, "driver", p->driver);
	if (p->n_interfaces) {
		w_key(w, "interfaces");
		w_seq_start(w, true);
		for (size_t i = 0; i < p->n_interfaces; i++)
			w_str(w, p->interfaces[i]);
		w_seq_end(w);
	}
	if (p->is_pf) {
		w_key(w, "sriov");
		w_map_start(w, false);
		w_key(w, "total-vfs");
		w_ll(w, s->total_vfs);
		w_key(w, "num-vfs");
		w_ll(w, s->num_vfs);
		w_kv_opt_bool(w, "drivers-autoprobe", s->drivers_autoprobe);
		w_kv_opt_ll(w, "offset", s->offset);
		w_kv_opt_ll(w, "stride", s->stride);
		w_kv_opt_str(w, "vf-device", s->vf_device);
		w_kv_opt_str(w, "vf-name", s->vf_name);
		w_key(w, "vfs");
		w_seq_start(w, s->n_vfs == 0);
		for (size_t i = 0; i < s->n_vfs; i++)
			write_vf(w, &s->vfs[i]);
		w_seq_end(w);
		w_map_end(w);
	}
	w_map_end(w);
}

static void write_host(struct writer *w, const struct host *h)
{
	w_map_start(w, false);
	w_key(w, "version");
	w_ll(w, 1);
	w_kv_str(w, "kind", "host-state");
	w_kv_str(w, "hostname", h->hostname);

	w_key(w, "pci");
	w_seq_start(w, h->n_pci == 0);
	for (size_t i = 0; i < h->n_pci; i++)
		write_pci(w, &h->pci[i]);
	w_seq_end(w);

	w_key(w, "modules");
	w_map_start(w, h->n_modules == 0);
	for (size_t i = 0; i < h->n_modules; i++) {
		const struct module_state *m = &h->modules[i];
		w_key(w, m->name);
		w_map_start(w, m->n_conf == 0);
		w_key(w, "loaded");
		w_bool(w, m->loaded);
		w_key(w, "parameters");
		w_map_start(w, true);
		for (size_t j = 0; j < m->n_params; j++)
			w_kv_str(w, m->params[j].key, m->params[j].value ? m->params[j].value : "");
		w_map_end(w);
		if (m->n_conf) {
			w_key(w, "config");
			w_seq_start(w, false);
			for (size_t j = 0; j < m->n_conf; j++) {
				w_map_start(w, true);
				w_kv_str(w, "key", m->conf[j].key);
				w_kv_str(w, "value", m->conf[j].value);
				w_kv_str(w, "source", m->conf[j].source);
				w_map_end(w);
			}
			w_seq_end(w);
		}
		w_map_end(w);
	}
	w_map_end(w);

	w_key(w, "files");
	w_map_start(w, h->n_files == 0);
	for (size_t i = 0; i < h->n_files; i++)
		w_kv_str(w, h->files[i].path, h->files[i].content);
	w_map_end(w);

	w_key(w, "libvirt");
	w_bool(w, h->libvirt_ok);
	w_key(w, "domains");
	w_seq_start(w, h->n_domains == 0);
	for (size_t i = 0; i < h->n_domains; i++) {
		const struct domain_state *dom = &h->domains[i];
		w_map_start(w, false);
		w_kv_str(w, "name", dom->name);
		w_key(w, "running");
		w_bool(w, dom->running);
		w_kv_str(w, "xml", dom->xml);
		w_kv_str(w, "live-xml", dom->live_xml);
		w_map_end(w);
	}
	w_seq_end(w);
	w_map_end(w);
}

static void writer_release(struct writer *w)
{
	yaml_emitter_delete(&w->e);
}

int state_write(const struct host *h, FILE *out)
{
	_cleanup_(writer_release) struct writer w = {0};
	yaml_event_t ev;

	if (!h || !out)
		return -EINVAL;
	if (!yaml_emitter_initialize(&w.e))
		return -ENOMEM;
	yaml_emitter_set_output_file(&w.e, out);
	yaml_emitter_set_unicode(&w.e, 1);
	yaml_emitter_set_width(&w.e, -1);
	yaml_emitter_set_indent(&w.e, 2);

	emit(&w, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit(&w, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	write_host(&w, h);
	emit(&w, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit(&w, &ev, yaml_stream_end_event_initialize(&ev));
	if (!w.failed && !yaml_emitter_flush(&w.e))
		w.failed = true;
	if (w.failed)
		return w.e.error == YAML_WRITER_ERROR ? -EIO : -EINVAL;
	return ferror(out) ? -EIO : 0;
}

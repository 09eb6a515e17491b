/* SPDX-License-Identifier: MIT */
/*
 * The host-state loader: YAML tree (yamlutil.c) -> struct host, as strict
 * as the desired-state loader and in its words. Each mapping of the file is
 * a table of its keys, read with yamlutil's typed getters; checks across
 * places (duplicates, num-vfs within total-vfs, domain XML) follow. Every
 * problem is reported with its place; nothing is returned then.
 *
 * Aliases are refused outside simulate: (a written file never has them,
 * and a node reached twice would be loaded twice); only the simulated
 * host reads that section. The writer is host-state-write.c.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"
#include "domxml.h"
#include "host-state.h"
#include "spec.h"
#include "ycheck.h"

#define MAX_U16	 65535
#define MAX_RATE (INT64_MAX / 2)

/* Where a domain's or network's XML texts were, for reading them after the tree is freed. */
struct xml_locs {
	struct src_loc xml, live;
};

struct loader {
	struct ycheck y;
	struct host *h;
	struct ydoc *doc;	       /* the tree, whose large texts the host may take */
	struct xml_locs *domain_locs;  /* one per h->domains */
	struct xml_locs *network_locs; /* one per h->networks */
};

enum ftype {
	F_UINT, /* unsigned, 0..max */
	F_INT,	/* int, 0..max; null: -1 */
	F_LL,	/* long long, 0..max; null: -1 */
	F_TRI,	/* int: true 1, false 0; null: -1 */
	F_FLAG, /* bool */
	F_ENUM, /* int: the index into names; null: -1 */
	F_STR,	/* char *, may be empty (a record of what was found); null: NULL */
	F_TEXT, /* F_STR of a large text (an XML): taken from the tree, not copied */
	F_NAME, /* F_STR of a driver or interface: no '/', no control character */
	F_PCI,	/* char *: a PCI address, stored lowercase */
	F_HEX4, /* char *: four hex digits, stored lowercase; null: NULL */
	F_MAC,	/* char[VF_MAC_LEN], stored lowercase; null: "" */
	F_SUB,	/* read by sub(); sub NULL: ignored */
};

#define F_NULL 1u /* null is accepted: unknown */
#define F_REQ  2u /* required */

typedef void load_fn(struct loader *L, const struct ynode *key, const struct ynode *v, void *obj);

/* One key of a mapping: how its value is read into the object at off. */
struct field {
	const char *key;
	enum ftype type;
	unsigned flags;
	size_t off;
	long long max;		  /* F_UINT, F_INT, F_LL */
	const char *const *names; /* F_ENUM */
	size_t n_names;
	load_fn *sub; /* F_SUB */
};

#define FIELD(k, t, fl, S, member, ...)                                                            \
	{.key = k, .type = t, .flags = fl, .off = offsetof(S, member), __VA_ARGS__}
#define SUB(k, fl, fn) {.key = k, .type = F_SUB, .flags = fl, .sub = fn}

/* ---- values ---- */

static bool hex4_valid(const char *s)
{
	if (strlen(s) != 4)
		return false;
	for (size_t i = 0; i < 4; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

static void lowercase(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* A validated string: a PCI address, four hex digits or a MAC, lowercase. */
static char *get_checked(struct loader *L, const struct ynode *k, const struct ynode *v,
			 enum ftype t)
{
	const char *s = yget_text(&L->y, k, v);
	char *out = NULL;

	if (!s)
		return NULL;
	if (t == F_PCI && !pci_address_valid(s))
		yerror(&L->y, v, "malformed PCI address '%s' " PCI_ADDRESS_EXPECTED, yq(&L->y, s));
	else if (t == F_MAC && !mac_address_valid(s))
		yerror(&L->y, v, "malformed MAC address '%s' " MAC_ADDRESS_EXPECTED, yq(&L->y, s));
	else if (t == F_HEX4 && !hex4_valid(s))
		yerror(&L->y, v, "malformed %s '%s' (expected four hex digits, e.g. 10ca)",
		       k->text, yq(&L->y, s));
	else if (!(out = strdup(s)))
		L->y.oom = true;
	else
		lowercase(out);
	return out;
}

static void set_unknown(const struct field *f, void *p)
{
	switch (f->type) {
	case F_INT:
	case F_TRI:
	case F_ENUM:
		*(int *)p = -1;
		break;
	case F_LL:
		*(long long *)p = -1;
		break;
	case F_MAC:
		*(char *)p = '\0';
		break;
	default:
		free(*(char **)p);
		*(char **)p = NULL;
		break;
	}
}

static void load_field(struct loader *L, const struct field *f, const struct ynode *k,
		       const struct ynode *v, void *obj)
{
	struct ycheck *c = &L->y;
	void *p = (char *)obj + f->off;
	long long x;
	int b;

	if ((f->flags & F_NULL) && ynode_is_null(v)) {
		set_unknown(f, p);
		return;
	}
	switch (f->type) {
	case F_UINT:
		if (yget_int(c, k, v, 0, f->max, &x))
			*(unsigned *)p = (unsigned)x;
		break;
	case F_INT:
		if (yget_int(c, k, v, 0, f->max, &x))
			*(int *)p = (int)x;
		break;
	case F_LL:
		yget_int(c, k, v, 0, f->max, p);
		break;
	case F_TRI:
		yget_bool(c, k, v, p);
		break;
	case F_FLAG:
		if (yget_bool(c, k, v, &b))
			*(bool *)p = b;
		break;
	case F_ENUM:
		if ((b = yget_enum(c, k, v, f->names, f->n_names)) >= 0)
			*(int *)p = b;
		break;
	case F_STR:
		yget_str_or_empty(c, k, v, p);
		break;
	case F_TEXT:
		yget_str_take(c, L->doc, k, v, p);
		break;
	case F_NAME:
		/* as a saved plan's names (plan-load.c): a path or a terminal could abuse it */
		if (yget_str_or_empty(c, k, v, p) && *(char **)p &&
		    strpbrk(*(char **)p, "/\x01\x02\x03\x04\x05\x06\x07\x08\t\n\v\f\r\x0e\x0f"
					 "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b"
					 "\x1c\x1d\x1e\x1f\x7f")) {
			yerror(c, v, "%s '%s' contains a character not allowed in a name", k->text,
			       yq(c, *(char **)p));
			set_unknown(f, p);
		}
		break;
	case F_PCI:
	case F_HEX4: {
		char *s = get_checked(L, k, v, f->type);
		if (s) {
			free(*(char **)p);
			*(char **)p = s;
		}
		break;
	}
	case F_MAC: {
		_cleanup_(freep) char *s = get_checked(L, k, v, F_MAC);
		if (s)
			snprintf(p, VF_MAC_LEN, "%s", s);
		break;
	}
	case F_SUB:
		if (f->sub)
			f->sub(L, k, v, obj);
		break;
	}
}

/* ---- mappings and lists ---- */

/* v is a mapping; key: the key it is the value of, or NULL for a list item named what. */
static bool is_map(struct loader *L, const struct ynode *key, const struct ynode *v,
		   const char *what)
{
	if (key)
		return yexpect(&L->y, key, v, YNODE_MAPPING);
	if (v->kind == YNODE_MAPPING)
		return true;
	yerror(&L->y, v, "wrong type for %s: expected a mapping, got %s", what, ygot(&L->y, v));
	return false;
}

/* Read map's keys by the table fields[n] into obj; where: "in sriov" for messages. */
static void load_map(struct loader *L, const struct ynode *map, const struct field *fields,
		     size_t n, void *obj, const char *where)
{
	const char *names[16];
	size_t next = 0;

	assert(n <= ARRAY_SIZE(names));
	for (size_t j = 0; j < n; j++)
		names[j] = fields[j].key;
	for (size_t i = 0; i < map->n_pairs; i++) {
		const struct ynode *k = map->pairs[i].key;
		size_t j = 0;

		/* a written file has the keys in the table's order: try the next one first */
		if (next < n && streq(k->text, names[next]))
			j = next;
		else
			while (j < n && !streq(k->text, names[j]))
				j++;
		next = j + 1;
		if (j < n)
			load_field(L, &fields[j], k, map->pairs[i].value, obj);
		else
			yunknown_key(&L->y, k, names, n, where);
	}
	for (size_t j = 0; j < n; j++)
		if (fields[j].flags & F_REQ)
			ymissing(&L->y, map, names[j], where);
}

/* An array of n zeroed elements of size (NULL for none, or when out of memory). */
static void *alloc_items(struct loader *L, size_t n, size_t size)
{
	void *p = n ? calloc(n, size) : NULL;

	if (n && !p)
		L->y.oom = true;
	return p;
}

/* A key that names something (a module, a parameter, a file): a non-empty string. */
static const char *key_name(struct loader *L, const struct ynode *k, const char *what)
{
	if (k->type == YSCALAR_STRING && k->len)
		return k->text;
	yerror(&L->y, k, "%s name must be a non-empty string, got %s", what, ygot(&L->y, k));
	return NULL;
}

static char *dup_or_oom(struct loader *L, const char *s)
{
	char *p = s ? strdup(s) : NULL;

	if (s && !p)
		L->y.oom = true;
	return p;
}

/* ---- pci: devices, SR-IOV, VFs ---- */

/*
 * A VF netdev's use by the host and its MTU: netdev: {mtu: 1500, min-mtu: 68,
 * max-mtu: 9216, up: true, addresses: [10.0.0.5/24], master: br0,
 * master-kind: bridge, uppers: [macvlan0]}
 */
/* mtu:, min-mtu: or max-mtu: into m; false for another key. */
static bool load_mtu_key(struct loader *L, const struct ynode *k, const struct ynode *v,
			 struct netdev_mtu *m)
{
	unsigned *p = streq(k->text, "mtu")	  ? &m->mtu
		      : streq(k->text, "min-mtu") ? &m->min
		      : streq(k->text, "max-mtu") ? &m->max
						  : NULL;
	long long x;

	if (!p)
		return false;
	if (yget_int(&L->y, k, v, 1, INT32_MAX, &x))
		*p = (unsigned)x;
	return true;
}

static void load_netdev(struct loader *L, const struct ynode *key, const struct ynode *map,
			void *obj)
{
	static const char *const keys[] = {"mtu",	"min-mtu", "max-mtu",	  "up",
					   "addresses", "master",  "master-kind", "uppers"};
	static const struct field name = {.key = "", .type = F_NAME, .flags = F_NULL};
	struct netdev_use *u = &((struct vf_state *)obj)->use;
	struct netdev_mtu *m = &((struct vf_state *)obj)->mtu;

	if (!yexpect(&L->y, key, map, YNODE_MAPPING))
		return;
	for (size_t i = 0; i < map->n_pairs; i++) {
		const struct ynode *k = map->pairs[i].key, *v = map->pairs[i].value;
		bool addrs = streq(k->text, "addresses");
		if (streq(k->text, "up")) {
			yget_bool(&L->y, k, v, &u->up);
		} else if (load_mtu_key(L, k, v, m)) {
			continue;
		} else if (streq(k->text, "master") || streq(k->text, "master-kind")) {
			load_field(L, &name, k, v,
				   streq(k->text, "master") ? &u->master : &u->master_kind);
		} else if (addrs || streq(k->text, "uppers")) {
			struct strv sv = {0};
			if (!yexpect(&L->y, k, v, YNODE_SEQUENCE))
				continue;
			for (size_t j = 0; j < v->n_items; j++) {
				char *x = NULL;
				if (addrs && yget_str(&L->y, k, v->items[j], &x) &&
				    !netdev_address_valid(x)) {
					yerror(
					    &L->y, v->items[j],
					    "malformed address '%s' (expected ADDRESS/PREFIX, e.g. "
					    "10.0.0.5/24)",
					    yq(&L->y, x));
					free(x);
					continue;
				}
				if (!addrs)
					load_field(L, &name, k, v->items[j], &x);
				if (x && strv_add_unique(&sv, x) < 0)
					L->y.oom = true;
				free(x);
			}
			strv_sort(&sv);
			char ***dst = addrs ? &u->addresses : &u->uppers;
			strv_free(*dst);
			*dst = strv_steal(&sv, addrs ? &u->n_addresses : &u->n_uppers);
		} else {
			yunknown_key(&L->y, k, keys, ARRAY_SIZE(keys), "in netdev");
		}
	}
}

/* stats: {rx-bytes: N, ...}: the counters the PF reported, each optional */
static void load_vf_stats(struct loader *L, const struct ynode *key, const struct ynode *map,
			  void *obj)
{
	struct vf_state *v = obj;
	long long x;

	if (!yexpect(&L->y, key, map, YNODE_MAPPING))
		return;
	for (size_t i = 0; i < map->n_pairs; i++) {
		const struct ynode *k = map->pairs[i].key;
		int s = k->text ? vf_stat_from_string(k->text) : -EINVAL;

		if (s < 0) {
			const char *names[_VF_STAT_MAX];
			for (size_t j = 0; j < _VF_STAT_MAX; j++)
				names[j] = vf_stat_to_string(j);
			yunknown_key(&L->y, k, names, _VF_STAT_MAX, "in stats");
		} else if (yget_int(&L->y, k, map->pairs[i].value, 0, INT64_MAX, &x)) {
			v->stats.v[s] = (uint64_t)x;
			v->stats.present |= 1u << s;
		}
	}
}

static const struct field vf_fields[] = {
    FIELD("id", F_UINT, F_REQ, struct vf_state, id, .max = MAX_U16),
    FIELD("address", F_PCI, F_REQ, struct vf_state, address),
    FIELD("driver", F_NAME, F_NULL, struct vf_state, driver),
    FIELD("driver-override", F_NAME, F_NULL, struct vf_state, driver_override),
    FIELD("interface", F_NAME, F_NULL, struct vf_state, interface),
    FIELD("mac", F_MAC, F_NULL, struct vf_state, link.mac),
    FIELD("vlan", F_INT, F_NULL, struct vf_state, link.vlan, .max = 4095),
    FIELD("qos", F_INT, F_NULL, struct vf_state, link.qos, .max = 7),
    FIELD("vlan-proto", F_ENUM, F_NULL, struct vf_state, link.vlan_proto,
	  .names = vlan_proto_names, .n_names = 2),
    FIELD("spoof-check", F_TRI, F_NULL, struct vf_state, link.spoof_check),
    FIELD("trust", F_TRI, F_NULL, struct vf_state, link.trust),
    FIELD("link-state", F_ENUM, F_NULL, struct vf_state, link.link_state,
	  .names = link_state_names, .n_names = 3),
    FIELD("max-tx-rate", F_LL, F_NULL, struct vf_state, link.max_tx_rate, .max = MAX_RATE),
    FIELD("min-tx-rate", F_LL, F_NULL, struct vf_state, link.min_tx_rate, .max = MAX_RATE),
    SUB("netdev", 0, load_netdev),
    SUB("stats", 0, load_vf_stats),
};

static void load_vfs(struct loader *L, const struct ynode *key, const struct ynode *seq, void *obj)
{
	struct sriov_state *s = obj;

	if (!yexpect(&L->y, key, seq, YNODE_SEQUENCE) ||
	    !(s->vfs = alloc_items(L, seq->n_items, sizeof(*s->vfs))))
		return;
	for (size_t i = 0; i < seq->n_items; i++) {
		const struct ynode *item = seq->items[i];
		struct vf_state *v = &s->vfs[s->n_vfs++];

		vf_state_init(v, 0);
		if (is_map(L, NULL, item, "a VF"))
			load_map(L, item, vf_fields, ARRAY_SIZE(vf_fields), v, "in a VF");
		for (size_t j = 0; j < i; j++) {
			if (ynode_get(item, "id") && s->vfs[j].id == v->id)
				yerror(&L->y, item, "duplicate VF id %u", v->id);
			if (v->address && streq_ptr(s->vfs[j].address, v->address))
				yerror(&L->y, item, "duplicate VF address '%s'", v->address);
		}
	}
}

/* vf-total-msix: N (sriov_vf_total_msix), absent or null when the kernel does not show it */
static void load_msix(struct loader *L, const struct ynode *key, const struct ynode *v, void *obj)
{
	struct sriov_state *s = obj;
	long long x;

	if (!ynode_is_null(v) && yget_int(&L->y, key, v, 0, UINT32_MAX, &x)) {
		s->has_vf_total_msix = true;
		s->vf_total_msix = (unsigned)x;
	}
}

/* eswitch-mode: legacy | switchdev; absent or null when the PF's driver has none */
static void load_eswitch(struct loader *L, const struct ynode *key, const struct ynode *v,
			 void *obj)
{
	struct sriov_state *s = obj;
	int m;

	if (ynode_is_null(v))
		return;
	m = yget_enum(&L->y, key, v, eswitch_mode_names + 1, _ESWITCH_MODE_MAX - 1);
	if (m >= 0)
		s->eswitch_mode = (enum eswitch_mode)(m + 1);
}

static const struct field sriov_fields[] = {
    FIELD("total-vfs", F_UINT, F_REQ, struct sriov_state, total_vfs, .max = MAX_U16),
    FIELD("num-vfs", F_UINT, F_REQ, struct sriov_state, num_vfs, .max = MAX_U16),
    FIELD("drivers-autoprobe", F_TRI, F_NULL, struct sriov_state, drivers_autoprobe),
    FIELD("offset", F_INT, F_NULL, struct sriov_state, offset, .max = MAX_U16),
    FIELD("stride", F_INT, F_NULL, struct sriov_state, stride, .max = MAX_U16),
    FIELD("vf-device", F_HEX4, F_NULL, struct sriov_state, vf_device),
    FIELD("vf-name", F_STR, F_NULL, struct sriov_state, vf_name),
    SUB("vfs", 0, load_vfs),
    SUB("vf-total-msix", 0, load_msix),
    SUB("eswitch-mode", 0, load_eswitch),
};

static void load_sriov(struct loader *L, const struct ynode *key, const struct ynode *map,
		       void *obj)
{
	struct pci_dev_state *p = obj;
	struct sriov_state *s = &p->sriov;
	const struct ynode *num = ynode_get(map, "num-vfs");

	p->is_pf = true;
	*s = (struct sriov_state){.drivers_autoprobe = -1, .offset = -1, .stride = -1};
	if (!yexpect(&L->y, key, map, YNODE_MAPPING))
		return;
	load_map(L, map, sriov_fields, ARRAY_SIZE(sriov_fields), s, "in sriov");
	if (num && ynode_get(map, "total-vfs") && s->num_vfs > s->total_vfs)
		yerror(&L->y, num, "num-vfs %u exceeds total-vfs %u", s->num_vfs, s->total_vfs);
}

static void load_interfaces(struct loader *L, const struct ynode *key, const struct ynode *seq,
			    void *obj)
{
	struct pci_dev_state *p = obj;

	if (!yexpect(&L->y, key, seq, YNODE_SEQUENCE) ||
	    !(p->interfaces = alloc_items(L, seq->n_items, sizeof(*p->interfaces))))
		return;
	for (size_t i = 0; i < seq->n_items; i++)
		yget_str_or_empty(&L->y, key, seq->items[i], &p->interfaces[p->n_interfaces++]);
}

static const struct field pci_fields[] = {
    FIELD("address", F_PCI, F_REQ, struct pci_dev_state, address),
    FIELD("vendor", F_HEX4, F_NULL, struct pci_dev_state, vendor),
    FIELD("device", F_HEX4, F_NULL, struct pci_dev_state, device),
    FIELD("name", F_STR, F_NULL, struct pci_dev_state, name),
    FIELD("driver", F_NAME, F_NULL, struct pci_dev_state, driver),
    SUB("interfaces", 0, load_interfaces),
    FIELD("iommu-group", F_INT, F_NULL, struct pci_dev_state, iommu_group, .max = INT32_MAX),
    FIELD("mtu", F_UINT, F_NULL, struct pci_dev_state, mtu.mtu, .max = INT32_MAX),
    FIELD("min-mtu", F_UINT, F_NULL, struct pci_dev_state, mtu.min, .max = INT32_MAX),
    FIELD("max-mtu", F_UINT, F_NULL, struct pci_dev_state, mtu.max, .max = INT32_MAX),
    SUB("sriov", 0, load_sriov),
};

static bool pci_listed(const struct host *h, const char *address)
{
	for (size_t i = 0; address && i < h->n_pci; i++)
		if (streq_ptr(h->pci[i].address, address))
			return true;
	return false;
}

/* No device twice, and no VF also listed as a device of its own. */
static void check_pci(struct loader *L, const struct ynode *seq)
{
	const struct host *h = L->h;

	for (size_t i = 0; i < h->n_pci; i++) {
		const struct pci_dev_state *p = &h->pci[i];

		for (size_t j = 0; p->address && j < i; j++)
			if (streq_ptr(h->pci[j].address, p->address))
				yerror(&L->y, seq->items[i], "duplicate pci device '%s'",
				       p->address);
		for (size_t j = 0; j < p->sriov.n_vfs; j++)
			if (pci_listed(h, p->sriov.vfs[j].address))
				yerror(&L->y, seq->items[i],
				       "VF '%s' is also listed as a pci device",
				       p->sriov.vfs[j].address);
	}
}

static void load_pci(struct loader *L, const struct ynode *key, const struct ynode *seq, void *obj)
{
	struct host *h = obj;

	if (!yexpect(&L->y, key, seq, YNODE_SEQUENCE) ||
	    !(h->pci = alloc_items(L, seq->n_items, sizeof(*h->pci))))
		return;
	for (size_t i = 0; i < seq->n_items; i++) {
		const struct ynode *item = seq->items[i];
		struct pci_dev_state *p = &h->pci[h->n_pci++];

		p->iommu_group = -1;
		if (is_map(L, NULL, item, "a pci device"))
			load_map(L, item, pci_fields, ARRAY_SIZE(pci_fields), p,
				 "in a pci device");
	}
	check_pci(L, seq);
}

/* ---- iommu-groups: [{id: 14, devices: [{address, class, driver}]}] ---- */

/* class: "0x040300", the class attribute as sysfs has it; null: unknown */
static void load_class(struct loader *L, const struct ynode *key, const struct ynode *v, void *obj)
{
	struct iommu_member *m = obj;
	_cleanup_(freep) char *s = NULL;
	char *end;

	m->class = -1;
	if (ynode_is_null(v) || !yget_str(&L->y, key, v, &s))
		return;
	unsigned long x = strtoul(s, &end, 16);
	if (strncmp(s, "0x", 2) != 0 || strlen(s) != 8 || *end)
		yerror(&L->y, v,
		       "malformed class '%s' (expected 0x and six hex digits, e.g. 0x040300)",
		       yq(&L->y, s));
	else
		m->class = (int)x;
}

static const struct field member_fields[] = {
    FIELD("address", F_PCI, F_REQ, struct iommu_member, address),
    SUB("class", 0, load_class),
    FIELD("driver", F_NAME, F_NULL, struct iommu_member, driver),
};

static void load_members(struct loader *L, const struct ynode *key, const struct ynode *seq,
			 void *obj)
{
	struct iommu_group *g = obj;

	if (!yexpect(&L->y, key, seq, YNODE_SEQUENCE) ||
	    !(g->members = alloc_items(L, seq->n_items, sizeof(*g->members))))
		return;
	for (size_t i = 0; i < seq->n_items; i++) {
		struct iommu_member *m = &g->members[g->n_members++];

		m->class = -1;
		if (is_map(L, NULL, seq->items[i], "an IOMMU group device"))
			load_map(L, seq->items[i], member_fields, ARRAY_SIZE(member_fields), m,
				 "in an IOMMU group device");
	}
}

static const struct field group_fields[] = {
    FIELD("id", F_UINT, F_REQ, struct iommu_group, id, .max = INT32_MAX),
    SUB("devices", F_REQ, load_members),
};

static void load_groups(struct loader *L, const struct ynode *key, const struct ynode *seq,
			void *obj)
{
	struct host *h = obj;

	if (!yexpect(&L->y, key, seq, YNODE_SEQUENCE) ||
	    !(h->iommu_groups = alloc_items(L, seq->n_items, sizeof(*h->iommu_groups))))
		return;
	for (size_t i = 0; i < seq->n_items; i++) {
		const struct ynode *item = seq->items[i];
		struct iommu_group *g = &h->iommu_groups[h->n_iommu_groups++];

		if (is_map(L, NULL, item, "an IOMMU group"))
			load_map(L, item, group_fields, ARRAY_SIZE(group_fields), g,
				 "in an IOMMU group");
		for (size_t j = 0; j < i; j++)
			if (ynode_get(item, "id") && h->iommu_groups[j].id == g->id)
				yerror(&L->y, item, "duplicate IOMMU group %u", g->id);
	}
}

/* ---- modules, files ---- */

static void load_params(struct loader *L, const struct ynode *key, const struct ynode *map,
			void *obj)
{
	struct module_state *m = obj;

	if (!yexpect(&L->y, key, map, YNODE_MAPPING) ||
	    !(m->params = alloc_items(L, map->n_pairs, sizeof(*m->params))))
		return;
	for (size_t i = 0; i < map->n_pairs; i++) {
		const struct ynode *k = map->pairs[i].key;
		struct module_param *mp = &m->params[m->n_params++];

		mp->key = dup_or_oom(L, key_name(L, k, "a parameter"));
		yget_str_or_empty(&L->y, k, map->pairs[i].value, &mp->value);
	}
}

static const struct field conf_fields[] = {
    FIELD("key", F_STR, F_REQ, struct module_conf, key),
    FIELD("value", F_STR, F_REQ, struct module_conf, value),
    FIELD("source", F_STR, F_REQ, struct module_conf, source),
};

/* config: [{key: max_vfs, value: "7", source: /etc/modprobe.d/igb.conf}], in kmod's order */
static void load_conf(struct loader *L, const struct ynode *key, const struct ynode *seq,
		      void *obj)
{
	struct module_state *m = obj;

	if (!yexpect(&L->y, key, seq, YNODE_SEQUENCE) ||
	    !(m->conf = alloc_items(L, seq->n_items, sizeof(*m->conf))))
		return;
	for (size_t i = 0; i < seq->n_items; i++) {
		const struct ynode *item = seq->items[i];
		struct module_conf *c = &m->conf[m->n_conf++];

		if (is_map(L, NULL, item, "a config entry"))
			load_map(L, item, conf_fields, ARRAY_SIZE(conf_fields), c,
				 "in a config entry");
	}
}

/* available: true|false (kmod finds the module), absent or null: not looked up */
static void load_available(struct loader *L, const struct ynode *key, const struct ynode *v,
			   void *obj)
{
	struct module_state *m = obj;
	int b;

	if (!ynode_is_null(v) && yget_bool(&L->y, key, v, &b))
		m->presence = b ? MODULE_PRESENCE_FOUND : MODULE_PRESENCE_MISSING;
}

static const struct field module_fields[] = {
    FIELD("loaded", F_FLAG, F_REQ, struct module_state, loaded),
    SUB("available", 0, load_available),
    SUB("parameters", 0, load_params),
    SUB("config", 0, load_conf),
};

static void load_modules(struct loader *L, const struct ynode *key, const struct ynode *map,
			 void *obj)
{
	struct host *h = obj;

	if (!yexpect(&L->y, key, map, YNODE_MAPPING) ||
	    !(h->modules = alloc_items(L, map->n_pairs, sizeof(*h->modules))))
		return;
	for (size_t i = 0; i < map->n_pairs; i++) {
		const struct ynode *k = map->pairs[i].key, *v = map->pairs[i].value;
		struct module_state *m = &h->modules[h->n_modules++];

		m->name = dup_or_oom(L, key_name(L, k, "a module"));
		if (yexpect(&L->y, k, v, YNODE_MAPPING))
			load_map(L, v, module_fields, ARRAY_SIZE(module_fields), m, "in a module");
	}
}

static void load_files(struct loader *L, const struct ynode *key, const struct ynode *map,
		       void *obj)
{
	struct host *h = obj;

	if (!yexpect(&L->y, key, map, YNODE_MAPPING) ||
	    !(h->files = alloc_items(L, map->n_pairs, sizeof(*h->files))))
		return;
	for (size_t i = 0; i < map->n_pairs; i++) {
		const struct ynode *k = map->pairs[i].key, *v = map->pairs[i].value;
		struct file_state *f = &h->files[h->n_files++];

		f->path = dup_or_oom(L, key_name(L, k, "a file"));
		if (f->path && f->path[0] != '/')
			yerror(&L->y, k, "file path '%s' is not absolute", yq(&L->y, f->path));
		if (!ynode_is_null(v))
			yget_str_take(&L->y, L->doc, k, v, &f->content);
	}
}

/* ---- domains ---- */

/* The devices of a domain XML, and its interfaces on a network unless nets is NULL. */
static void parse_xml(struct loader *L, const struct src_loc *at, const char *xml,
		      struct guest_dev_state **devs, size_t *n_devs, struct guest_dev_state **nets,
		      size_t *n_nets, int *ret_nets_r)
{
	int r, line;

	*ret_nets_r = 0;
	if (!xml)
		return;
	r = domain_xml_parse(xml, devs, n_devs, nets, n_nets, nets ? ret_nets_r : NULL);
	if (r == -ENOMEM) {
		L->y.oom = true;
	} else if (r == -ELIBACC) {
		yerror_at(&L->y, at, "cannot read domain XML: %s", domain_xml_error(&line));
	} else if (r < 0) {
		const char *e = domain_xml_error(&line);
		if (e)
			yerror_at(&L->y, at, "invalid domain XML: line %d: %.*s", line,
				  (int)strcspn(e, "\n"), e);
		else
			yerror_at(&L->y, at,
				  "invalid domain XML: not a <domain>, or a PCI hostdev without a "
				  "valid source address or VLAN tag");
	}
}

static const struct field domain_fields[] = {
    FIELD("name", F_STR, F_REQ, struct domain_state, name),
    FIELD("running", F_FLAG, 0, struct domain_state, running),
    FIELD("xml", F_TEXT, F_NULL, struct domain_state, xml),
    FIELD("live-xml", F_TEXT, F_NULL, struct domain_state, live_xml),
};

/* The place of n; without n the file, as yerror() reports at NULL. */
static struct src_loc loc_of(struct loader *L, const struct ynode *n)
{
	return n ? n->loc : (struct src_loc){.file = L->y.file};
}

/* The XMLs are read later (domain_xmls()): only the places are kept. */
static void load_domain(struct loader *L, const struct ynode *map, struct domain_state *dom,
			struct xml_locs *locs)
{
	load_map(L, map, domain_fields, ARRAY_SIZE(domain_fields), dom, "in a domain");
	locs->xml = loc_of(L, ynode_get(map, "xml"));
	locs->live = loc_of(L, ynode_get(map, "live-xml"));
}

/*
 * The devices in the domains' XMLs, once the tree is freed: libxml2 and
 * its documents need not share the peak with a large file's tree.
 */
static void domain_xmls(struct loader *L)
{
	for (size_t i = 0; L->domain_locs && i < L->h->n_domains; i++) {
		struct domain_state *dom = &L->h->domains[i];
		const struct xml_locs *locs = &L->domain_locs[i];
		int nets_r, live_nets_r;

		parse_xml(L, &locs->xml, dom->xml, &dom->devs, &dom->n_devs, &dom->nets,
			  &dom->n_nets, &nets_r);
		/* no live interfaces when the persistent ones cannot be read */
		parse_xml(L, &locs->live, dom->live_xml, &dom->live_devs, &dom->n_live_devs,
			  nets_r < 0 ? NULL : &dom->live_nets, &dom->n_live_nets, &live_nets_r);
		if (nets_r == -ENOMEM || live_nets_r == -ENOMEM)
			L->y.oom = true;
		if (dom->live_xml && !dom->running)
			yerror_at(&L->y, &locs->live, "domain '%s' has live-xml but is not running",
				  yq(&L->y, dom->name ? dom->name : "?"));
	}
}

static void load_domains(struct loader *L, const struct ynode *key, const struct ynode *seq,
			 void *obj)
{
	struct host *h = obj;

	if (!yexpect(&L->y, key, seq, YNODE_SEQUENCE) ||
	    !(h->domains = alloc_items(L, seq->n_items, sizeof(*h->domains))) ||
	    !(L->domain_locs = alloc_items(L, seq->n_items, sizeof(*L->domain_locs))))
		return;
	for (size_t i = 0; i < seq->n_items; i++) {
		const struct ynode *item = seq->items[i];
		struct domain_state *dom = &h->domains[h->n_domains++];

		if (!is_map(L, NULL, item, "a domain"))
			continue;
		load_domain(L, item, dom, &L->domain_locs[i]);
		for (size_t j = 0; dom->name && j < i; j++)
			if (streq_ptr(h->domains[j].name, dom->name))
				yerror(&L->y, item, "duplicate domain '%s'", yq(&L->y, dom->name));
	}
}

/* ---- networks ---- */

static const struct field network_fields[] = {
    FIELD("name", F_STR, F_REQ, struct network_state, name),
    FIELD("active", F_FLAG, 0, struct network_state, active),
    FIELD("persistent", F_FLAG, 0, struct network_state, persistent),
    FIELD("autostart", F_FLAG, 0, struct network_state, autostart),
    FIELD("xml", F_TEXT, F_NULL, struct network_state, xml),
    FIELD("live-xml", F_TEXT, F_NULL, struct network_state, live_xml),
};

static void load_networks(struct loader *L, const struct ynode *key, const struct ynode *seq,
			  void *obj)
{
	struct host *h = obj;

	if (!yexpect(&L->y, key, seq, YNODE_SEQUENCE) ||
	    !(h->networks = alloc_items(L, seq->n_items, sizeof(*h->networks))) ||
	    !(L->network_locs = alloc_items(L, seq->n_items, sizeof(*L->network_locs))))
		return;
	for (size_t i = 0; i < seq->n_items; i++) {
		const struct ynode *item = seq->items[i];
		struct network_state *n = &h->networks[h->n_networks++];

		*n = (struct network_state){.managed = -1, .vlan = -1};
		if (!is_map(L, NULL, item, "a network"))
			continue;
		load_map(L, item, network_fields, ARRAY_SIZE(network_fields), n, "in a network");
		if (n->live_xml && !n->active)
			yerror(&L->y, ynode_get(item, "live-xml"),
			       "network '%s' has live-xml but is not active",
			       yq(&L->y, n->name ? n->name : "?"));
		if (!n->xml && !n->live_xml)
			yerror(&L->y, item, "network '%s' has neither xml nor live-xml",
			       yq(&L->y, n->name ? n->name : "?"));
		/* the XML is read by network_xmls() */
		L->network_locs[i].xml = loc_of(L, ynode_get(item, "xml"));
		L->network_locs[i].live = loc_of(L, ynode_get(item, "live-xml"));
		for (size_t j = 0; n->name && j < i; j++)
			if (streq_ptr(h->networks[j].name, n->name))
				yerror(&L->y, item, "duplicate network '%s'", yq(&L->y, n->name));
	}
}

/* The networks' XMLs, once the tree is freed (as domain_xmls()). */
static void network_xmls(struct loader *L)
{
	for (size_t i = 0; L->network_locs && i < L->h->n_networks; i++) {
		struct network_state *n = &L->h->networks[i];
		const struct xml_locs *locs = &L->network_locs[i];
		int r;

		if (!n->xml && !n->live_xml)
			continue;
		if ((r = network_state_parse(n)) == -ENOMEM)
			L->y.oom = true;
		else if (r < 0)
			yerror_at(&L->y, n->live_xml ? &locs->live : &locs->xml,
				  "invalid network XML: not a <network>, or a forward address "
				  "that is not a PCI address");
	}
}

/* ---- the file ---- */

static void load_version(struct loader *L, const struct ynode *key, const struct ynode *v,
			 void *obj)
{
	(void)obj;
	yget_version(&L->y, key, v, 1);
}

static void load_kind(struct loader *L, const struct ynode *key, const struct ynode *v, void *obj)
{
	const char *t = yget_text(&L->y, key, v);

	(void)obj;
	if (t && !streq(t, "host-state"))
		yerror(&L->y, v, "unsupported kind '%s' (expected host-state)", yq(&L->y, t));
}

static const struct field kernel_fields[] = {
    FIELD("cmdline", F_STR, F_NULL, struct kernel_state, cmdline),
    FIELD("iommu", F_TRI, F_NULL, struct kernel_state, iommu),
};

/* kernel: {cmdline: "...", iommu: true}: what a preflight (doctor) reads */
static void load_kernel(struct loader *L, const struct ynode *key, const struct ynode *map,
			void *obj)
{
	struct host *h = obj;

	if (yexpect(&L->y, key, map, YNODE_MAPPING))
		load_map(L, map, kernel_fields, ARRAY_SIZE(kernel_fields), &h->kernel, "in kernel");
}

static const struct field top_fields[] = {
    SUB("version", F_REQ, load_version),
    SUB("kind", F_REQ, load_kind),
    FIELD("hostname", F_STR, F_NULL, struct host, hostname),
    SUB("pci", 0, load_pci),
    SUB("iommu-groups", 0, load_groups),
    SUB("modules", 0, load_modules),
    SUB("files", 0, load_files),
    FIELD("libvirt", F_FLAG, 0, struct host, libvirt_ok),
    SUB("domains", 0, load_domains),
    SUB("networks", 0, load_networks),
    SUB("simulate", 0, NULL), /* for the simulated host only */
    SUB("kernel", 0, load_kernel),
    FIELD("libvirt-version", F_STR, F_NULL, struct host, libvirt_version),
};

#define TOP_EXPECTED "a mapping with 'version: 1' and 'kind: host-state'"

static void load_top(struct loader *L, const struct ynode *root)
{
	struct host *h = L->h;

	if (ynode_is_null(root)) {
		yerror(&L->y, NULL, "empty file: expected " TOP_EXPECTED);
		return;
	}
	if (root->kind != YNODE_MAPPING) {
		yerror(&L->y, root, "expected " TOP_EXPECTED " at top level, got %s",
		       ygot(&L->y, root));
		return;
	}
	load_map(L, root, top_fields, ARRAY_SIZE(top_fields), h, "at top level");
	/* without the flag, domains listed means libvirt was reached */
	if (!ynode_get(root, "libvirt"))
		h->libvirt_ok = ynode_get(root, "domains") != NULL;
	else if (!h->libvirt_ok && h->n_domains > 0)
		yerror(&L->y, ynode_get(root, "libvirt"), "domains are listed but libvirt is false");
}

/* Aliases only under simulate: (see the top of the file). */
static void refuse_aliases(struct loader *L, const struct ydoc *doc)
{
	for (size_t i = 0; i < doc->n_aliases; i++) {
		const struct yalias *a = &doc->aliases[i];

		if (a->top && streq(a->top->text, "simulate"))
			continue;
		diag_error(L->y.d, &a->loc, -EINVAL,
			   "alias '*%s' is not allowed in a host-state file (only under "
			   "'simulate')",
			   yq(&L->y, a->name));
	}
}

/* The host of a parsed file; doc is freed (before the XMLs are read). */
static int load_doc(const char *name, struct ydoc *doc_in, struct diag *d, struct host **ret)
{
	_cleanup_(ydoc_freep) struct ydoc *doc = doc_in;
	_cleanup_(host_freep) struct host *h = NULL;
	size_t errors = d->n_errors;
	struct loader L = {0};

	h = host_new();
	if (!h)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	ycheck_init(&L.y, name, d);
	L.h = h;
	L.doc = doc;
	refuse_aliases(&L, doc);
	if (d->n_errors == errors)
		load_top(&L, doc->root);
	/* the host points into the tree nowhere (it took some texts, now its own) */
	ydoc_free(TAKE_PTR(doc));
	L.doc = NULL;
	domain_xmls(&L);
	network_xmls(&L);
	free(L.domain_locs);
	free(L.network_locs);
	if (L.y.oom)
		return diag_error(d, NULL, -ENOMEM, "out of memory while loading '%s'", name);
	if (d->n_errors > errors)
		return -EINVAL;
	host_sort(h);
	*ret = TAKE_PTR(h);
	return 0;
}

int state_load_buffer(const char *name, const char *buf, size_t len, struct diag *d,
		      struct host **ret)
{
	struct ydoc *doc = NULL;
	int r;

	name = name ? name : "<state>";
	r = ydoc_parse(name, buf, len, d, &doc);
	if (r < 0)
		return r;
	return load_doc(name, doc, d, ret);
}

/* A large file is not held while the host is loaded (ydoc_parse_file()). */
int state_load(const char *path, struct diag *d, struct host **ret)
{
	struct ydoc *doc = NULL;
	int r;

	r = ydoc_parse_file(path, d, &doc);
	if (r < 0)
		return r;
	return load_doc(path, doc, d, ret);
}

/* SPDX-License-Identifier: MIT */
/*
 * The desired-state loader: YAML tree (yamlutil.c) -> struct spec, with
 * strict validation. Fields are checked while the tree is walked; checks
 * that relate several places (duplicate VFs, a VF given to two guests,
 * one MAC on two devices) run afterwards on records of where each VF or
 * device was named. Every problem is reported; nothing is returned then.
 */
#include <stdint.h>

#include "modconf.h"
#include "spec-internal.h"

#define MODPROBE_DIR  "/etc/modprobe.d/"
#define MAX_VFS	      65535u	   /* sriov_totalvfs is 16 bits */
#define MAX_RATE      4294967295LL /* IFLA_VF_RATE carries u32 Mbit/s */
#define MAX_PROFILEID 39	   /* libvirt's profileid buffer holds 40 bytes */

/* ---- small syntax helpers ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse n hex digits at s into *v. */
static bool hexn(const char *s, size_t n, unsigned *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		int h = hexval(s[i]);
		if (h < 0)
			return false;
		*v = *v * 16 + (unsigned)h;
	}
	return true;
}

/* "BB:SS.F" at s (exactly 7 characters). */
static bool bus_slot_fn(const char *s, unsigned *bus, unsigned *slot, unsigned *fn)
{
	if (strlen(s) != 7 || s[2] != ':' || s[5] != '.')
		return false;
	if (!hexn(s, 2, bus) || !hexn(s + 3, 2, slot) || !hexn(s + 6, 1, fn))
		return false;
	return *slot <= 0x1f && *fn <= 7;
}

/* Domain of 4 hex digits, or 5..8 without a leading zero (VMD domains). */
static bool split_domain(const char *s, unsigned *dom, const char **rest)
{
	const char *colon = strchr(s, ':');
	size_t n;

	if (!colon)
		return false;
	n = (size_t)(colon - s);
	if (n < 4 || n > 8 || (n > 4 && s[0] == '0'))
		return false;
	if (!hexn(s, n, dom))
		return false;
	*rest = colon + 1;
	return true;
}

bool pci_address_valid(const char *s)
{
	unsigned dom, bus, slot, fn;
	const char *rest;

	return s && split_domain(s, &dom, &rest) && bus_slot_fn(rest, &bus, &slot, &fn);
}

/* Normalise into out (lowercase, with domain); false if s is not an address. */
static bool pci_norm(const char *s, char out[24])
{
	unsigned dom = 0, bus, slot, fn;
	const char *rest = s;

	if (!s)
		return false;
	if (strlen(s) != 7 && !split_domain(s, &dom, &rest))
		return false;
	if (!bus_slot_fn(rest, &bus, &slot, &fn))
		return false;
	snprintf(out, 24, "%04x:%02x:%02x.%x", dom, bus, slot, fn);
	return true;
}

char *pci_address_normalize(const char *s)
{
	char buf[24];

	return pci_norm(s, buf) ? strdup(buf) : NULL;
}

bool mac_address_valid(const char *s)
{
	if (!s || strlen(s) != 17)
		return false;
	for (size_t i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : hexval(s[i]) < 0)
			return false;
	}
	return true;
}

bool mac_address_multicast(const char *s)
{
	return mac_address_valid(s) && (hexval(s[1]) & 1);
}


static const char *const method_names[] = {"sysfs", "module"};
static const char *const type_names[] = {[DEVICE_INTERFACE] = "interface",
					  [DEVICE_HOSTDEV] = "hostdev"};

const char *device_type_to_string(enum device_type t)
{
	return (unsigned)t < ARRAY_SIZE(type_names) ? type_names[t] : NULL;
}

/* [A-Za-z0-9_-]+ (module and driver names); extra adds allowed characters. */
static bool name_valid(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || (extra && strchr(extra, c))))
			return false;
	}
	return true;
}

/* As the kernel's dev_valid_name(). */
static bool ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || streq(s, ".") || streq(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || (unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

/* An absolute path directly in /etc/modprobe.d/, NAME.conf, NAME harmless. */
static bool modprobe_file_valid(const char *s)
{
	size_t n = strlen(MODPROBE_DIR), len = strlen(s);
	const char *base = s + n;

	if (len <= n + 5 || strncmp(s, MODPROBE_DIR, n) != 0)
		return false;
	if (base[0] == '.' || strstr(base, "..") || !name_valid(base, "-.+"))
		return false;
	return streq(s + len - 5, ".conf");
}

/* ---- values ---- */

const char *pf_label(const struct pf_spec *pf)
{
	if (pf->pci)
		return pf->pci;
	return pf->interface ? pf->interface : "?";
}

static bool get_pci(struct loader *ld, const struct ynode *key, const struct ynode *v, char **out)
{
	const char *t = yget_text(&ld->y, key, v);

	if (!t)
		return false;
	free(*out);
	*out = pci_address_normalize(t);
	if (!*out) {
		yerror(&ld->y, v,
		       "malformed PCI address '%s' " PCI_ADDRESS_EXPECTED,
		       yq(&ld->y, t));
		return false;
	}
	return true;
}

static bool get_mac(struct loader *ld, const struct ynode *key, const struct ynode *v, char **out)
{
	const char *t = yget_text(&ld->y, key, v);

	if (!t)
		return false;
	if (!mac_address_valid(t)) {
		yerror(
		    &ld->y, v,
		    "malformed MAC address '%s' " MAC_ADDRESS_EXPECTED,
		    yq(&ld->y, t));
		return false;
	}
	if (mac_address_multicast(t)) {
		yerror(&ld->y, v, "MAC address '%s' is multicast (the first octet must be even)",
		       yq(&ld->y, t));
		return false;
	}
	free(*out);
	*out = strdup(t);
	if (!*out) {
		ld->y.oom = true;
		return false;
	}
	for (char *p = *out; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	return true;
}

static bool get_driver(struct loader *ld, const struct ynode *key, const struct ynode *v,
		       char **out)
{
	const char *t = yget_text(&ld->y, key, v);

	if (!t)
		return false;
	if (!name_valid(t, "-")) {
		yerror(&ld->y, v,
		       "invalid driver name '%s' (allowed: letters, digits, '_' and '-')",
		       yq(&ld->y, t));
		return false;
	}
	return yget_str(&ld->y, key, v, out);
}

static bool get_ifname(struct loader *ld, const struct ynode *key, const struct ynode *v,
		       char **out)
{
	const char *t = yget_text(&ld->y, key, v);

	if (!t)
		return false;
	if (!ifname_valid(t)) {
		yerror(&ld->y, v, "invalid interface name '%s'", yq(&ld->y, t));
		return false;
	}
	return yget_str(&ld->y, key, v, out);
}

/* ---- walking the tree ---- */

static const char *const top_keys[] = {"version", "host", "libvirt", "modules", "pfs", "guests"};
static const char *const libvirt_keys[] = {"uri"};
static const char *const module_keys[] = {"options", "file", "reload"};
static const char *const pf_keys[] = {
    "pci", "interface", "num-vfs", "method", "drivers-autoprobe", "vf-driver", "vfs"};
static const char *const vf_keys[] = {"id",	     "mac",	    "vlan",  "vlan-proto",
				      "qos",	     "spoof-check", "trust", "link-state",
				      "max-tx-rate", "min-tx-rate", "driver"};
static const char *const guest_keys[] = {"prune", "devices"};
static const char *const device_keys[] = {"vf",	  "pci",	 "type",       "mac",
					  "vlan", "virtualport", "persistent", "live"};
static const char *const vfsel_keys[] = {"pf", "id"};
static const char *const vport_keys[] = {"type", "profileid"};

#define UNKNOWN(ld, key, keys, where) yunknown_key(&(ld)->y, key, keys, ARRAY_SIZE(keys), where)

static bool item_is_mapping(struct loader *ld, const struct ynode *item, const char *what)
{
	if (item->kind == YNODE_MAPPING)
		return true;
	yerror(&ld->y, item, "wrong type for %s: expected a mapping, got %s", what,
	       ygot(&ld->y, item));
	return false;
}

static void vf_rates(struct loader *ld, const struct vf_spec *vf, const struct ynode *min_node)
{
	const struct vf_link *l = &vf->link;

	if (l->min_tx_rate > 0 && l->max_tx_rate > 0 && l->min_tx_rate > l->max_tx_rate)
		yerror(&ld->y, min_node, "min-tx-rate %lld exceeds max-tx-rate %lld",
		       l->min_tx_rate, l->max_tx_rate);
}

static void load_vf(struct loader *ld, size_t pfi, const struct ynode *item)
{
	struct pf_spec *pf = &ld->s->pfs[pfi];
	const struct ynode *min_node = NULL;
	struct vf_ref ref = {.pf = pfi, .seq = ld->seq++};
	long long x;
	int b;

	if (!item_is_mapping(ld, item, "VF"))
		return;
	struct vf_spec *vf = &pf->vfs[pf->n_vfs++];
	*vf = (struct vf_spec){.loc = item->loc};
	vf_link_init(&vf->link);
	for (size_t i = 0; i < item->n_pairs; i++) {
		const struct ynode *k = item->pairs[i].key, *v = item->pairs[i].value;
		const char *key = k->text;

		if (streq(key, "id")) {
			if (yget_int(&ld->y, k, v, 0, MAX_VFS - 1, &x)) {
				vf->id = (unsigned)x;
				ref.id = vf->id;
				ref.id_node = v;
			}
		} else if (streq(key, "mac")) {
			_cleanup_(freep) char *mac = NULL;
			if (get_mac(ld, k, v, &mac) && strlen(mac) < sizeof(vf->link.mac)) {
				strcpy(vf->link.mac, mac);
				ref.mac = vf->link.mac;
				ref.mac_node = v;
			}
		} else if (streq(key, "vlan")) {
			if (yget_int(&ld->y, k, v, 0, 4095, &x))
				vf->link.vlan = (int)x;
		} else if (streq(key, "vlan-proto")) {
			vf->link.vlan_proto =
			    yget_enum(&ld->y, k, v, vlan_proto_names, ARRAY_SIZE(vlan_proto_names));
		} else if (streq(key, "qos")) {
			if (yget_int(&ld->y, k, v, 0, 7, &x))
				vf->link.qos = (int)x;
		} else if (streq(key, "spoof-check")) {
			if (yget_bool(&ld->y, k, v, &b))
				vf->link.spoof_check = b;
		} else if (streq(key, "trust")) {
			if (yget_bool(&ld->y, k, v, &b))
				vf->link.trust = b;
		} else if (streq(key, "link-state")) {
			vf->link.link_state =
			    yget_enum(&ld->y, k, v, link_state_names, ARRAY_SIZE(link_state_names));
		} else if (streq(key, "max-tx-rate")) {
			if (yget_int(&ld->y, k, v, 0, MAX_RATE, &x))
				vf->link.max_tx_rate = x;
		} else if (streq(key, "min-tx-rate")) {
			if (yget_int(&ld->y, k, v, 0, MAX_RATE, &x)) {
				vf->link.min_tx_rate = x;
				min_node = v;
			}
		} else if (streq(key, "driver")) {
			get_driver(ld, k, v, &vf->driver);
		} else {
			UNKNOWN(ld, k, vf_keys, "in VF");
		}
	}
	ymissing(&ld->y, item, "id", "in VF");
	vf_rates(ld, vf, min_node);
	if (ref.id_node) {
		struct vf_ref *r = GROW(ld->vfs, ld->n_vfs, ld->cap_vfs);
		if (r)
			*r = ref;
		else
			ld->y.oom = true;
	}
}

static void load_pf_name(struct loader *ld, size_t pfi, const struct ynode *k,
			 const struct ynode *v, const struct ynode **name_key)
{
	struct pf_spec *pf = &ld->s->pfs[pfi];

	if (*name_key) {
		yerror(&ld->y, k, "PF has both '%s' and '%s': give exactly one", (*name_key)->text,
		       k->text);
		return;
	}
	*name_key = k;
	ld->pf_nodes[pfi] = v;
	if (streq(k->text, "pci"))
		get_pci(ld, k, v, &pf->pci);
	else
		get_ifname(ld, k, v, &pf->interface);
}

static void load_pf(struct loader *ld, const struct ynode *item)
{
	struct spec *s = ld->s;
	const struct ynode *vfs = NULL, *name_key = NULL;
	long long x;
	int b;

	if (!item_is_mapping(ld, item, "PF"))
		return;
	size_t pfi = s->n_pfs++;
	struct pf_spec *pf = &s->pfs[pfi];
	*pf = (struct pf_spec){.num_vfs = SPEC_UNSET, .drivers_autoprobe = -1, .loc = item->loc};
	ld->pf_nodes[pfi] = item;
	for (size_t i = 0; i < item->n_pairs; i++) {
		const struct ynode *k = item->pairs[i].key, *v = item->pairs[i].value;
		const char *key = k->text;

		if (streq(key, "pci") || streq(key, "interface")) {
			load_pf_name(ld, pfi, k, v, &name_key);
		} else if (streq(key, "num-vfs")) {
			if (yget_int(&ld->y, k, v, 0, MAX_VFS, &x)) {
				pf->num_vfs = (unsigned)x;
				pf->num_vfs_loc = v->loc;
			}
		} else if (streq(key, "method")) {
			b = yget_enum(&ld->y, k, v, method_names, ARRAY_SIZE(method_names));
			if (b >= 0)
				pf->method = (enum pf_method)b;
		} else if (streq(key, "drivers-autoprobe")) {
			if (yget_bool(&ld->y, k, v, &b))
				pf->drivers_autoprobe = b;
		} else if (streq(key, "vf-driver")) {
			get_driver(ld, k, v, &pf->vf_driver);
		} else if (streq(key, "vfs")) {
			if (yexpect(&ld->y, k, v, YNODE_SEQUENCE))
				vfs = v;
		} else {
			UNKNOWN(ld, k, pf_keys, "in PF");
		}
	}
	if (!name_key)
		yerror(&ld->y, item, "missing key 'pci' or 'interface' in PF");
	if (!pf->pci && !pf->interface)
		ld->broken_pf = true;
	if (!vfs || vfs->n_items == 0)
		return;
	pf->vfs = calloc(vfs->n_items, sizeof(*pf->vfs));
	if (!pf->vfs) {
		ld->y.oom = true;
		return;
	}
	for (size_t i = 0; i < vfs->n_items; i++)
		load_vf(ld, pfi, vfs->items[i]);
}

/* A module option value as the text modprobe.d will hold. */
static char *option_text(struct loader *ld, const struct ynode *k, const struct ynode *v)
{
	if (v->kind == YNODE_SCALAR && v->type == YSCALAR_BOOL)
		return strdup(v->text[0] == 't' || v->text[0] == 'T' ? "1" : "0");
	if (v->kind != YNODE_SCALAR || (v->type != YSCALAR_INT && v->type != YSCALAR_STRING)) {
		ywrong_type(&ld->y, k, v, "an integer, a string or a boolean");
		return NULL;
	}
	if (v->len == 0) {
		yerror(&ld->y, v, "value of option '%s' is empty", yq(&ld->y, k->text));
		return NULL;
	}
	for (const char *p = v->text; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '"' || *p == '\'' ||
		    *p == '#' || *p == '\\') {
			yerror(
			    &ld->y, v,
			    "value '%s' of option '%s' contains a space, quote, '#' or backslash",
			    yq(&ld->y, v->text), yq(&ld->y, k->text));
			return NULL;
		}
	return strdup(v->text);
}

static void load_options(struct loader *ld, struct module_spec *m, const struct ynode *map)
{
	if (map->n_pairs == 0)
		return;
	m->options = calloc(map->n_pairs, sizeof(*m->options));
	if (!m->options) {
		ld->y.oom = true;
		return;
	}
	for (size_t i = 0; i < map->n_pairs; i++) {
		const struct ynode *k = map->pairs[i].key, *v = map->pairs[i].value;

		if (!name_valid(k->text, NULL)) {
			yerror(
			    &ld->y, k,
			    "invalid option name '%s' of module '%s' (allowed: letters, digits and "
			    "'_')",
			    yq(&ld->y, k->text), yq(&ld->y, m->name));
			continue;
		}
		char *val = option_text(ld, k, v);
		if (!val)
			continue;
		const struct count_option *co = modconf_count_option(m->name);
		if (co && co->one_value && modname_eq(k->text, co->option) && strchr(val, ','))
			yerror(&ld->y, v,
			       "%s takes one %s for all its ports: '%s' is a list (the module "
			       "refuses to load with one; use method: sysfs for different counts)",
			       co->driver, co->option, yq(&ld->y, val));
		struct module_option *o = &m->options[m->n_options++];
		o->key = strdup(k->text);
		o->value = val;
		o->loc = k->loc;
		if (!o->key)
			ld->y.oom = true;
	}
}

static void load_module(struct loader *ld, const struct ynode *key, const struct ynode *v)
{
	size_t idx = ld->s->n_modules++;
	struct module_spec *m = &ld->s->modules[idx];
	int b;

	ld->module_keys[idx] = key;

	*m = (struct module_spec){.loc = key->loc};
	m->name = strdup(key->text);
	if (!m->name) {
		ld->y.oom = true;
		return;
	}
	if (!name_valid(m->name, "-"))
		yerror(&ld->y, key,
		       "invalid module name '%s' (allowed: letters, digits, '_' and '-')",
		       yq(&ld->y, m->name));
	if (yexpect(&ld->y, key, v, YNODE_MAPPING)) {
		for (size_t i = 0; i < v->n_pairs; i++) {
			const struct ynode *k = v->pairs[i].key, *val = v->pairs[i].value;

			if (streq(k->text, "options")) {
				if (yexpect(&ld->y, k, val, YNODE_MAPPING))
					load_options(ld, m, val);
			} else if (streq(k->text, "file")) {
				const char *t = yget_text(&ld->y, k, val);
				if (t && !modprobe_file_valid(t))
					yerror(&ld->y, val,
					       "module file '%s' must be " MODPROBE_DIR
					       "NAME.conf (NAME of letters, digits, '.', '_', '-', "
					       "'+', not starting with '.')",
					       yq(&ld->y, t));
				else if (t && yget_str(&ld->y, k, val, &m->file)) {
					m->file_given = true;
					ld->module_files[idx] = val;
				}
			} else if (streq(k->text, "reload")) {
				if (yget_bool(&ld->y, k, val, &b))
					m->reload = b;
			} else {
				char where[100];
				snprintf(where, sizeof(where), "in module '%s'",
					 yq(&ld->y, m->name));
				UNKNOWN(ld, k, module_keys, where);
			}
		}
	}
	if (!m->file)
		m->file = modconf_default_path(m->name);
	if (!m->file)
		ld->y.oom = true;
}

static void load_vf_selector(struct loader *ld, const struct ynode *v, struct guest_device *dev,
			     struct dev_ref *r)
{
	char buf[24];
	long long x;

	for (size_t i = 0; i < v->n_pairs; i++) {
		const struct ynode *k = v->pairs[i].key, *val = v->pairs[i].value;

		if (streq(k->text, "pf")) {
			const char *t = yget_text(&ld->y, k, val);
			if (!t)
				continue;
			if (!pci_norm(t, buf) && !ifname_valid(t)) {
				yerror(&ld->y, val,
				       "'%s' in 'vf.pf' is neither a PCI address nor an interface "
				       "name",
				       yq(&ld->y, t));
				continue;
			}
			free(dev->vf_pf);
			dev->vf_pf = strdup(pci_norm(t, buf) ? buf : t);
			if (!dev->vf_pf)
				ld->y.oom = true;
			r->pf_node = val;
		} else if (streq(k->text, "id")) {
			if (yget_int(&ld->y, k, val, 0, MAX_VFS - 1, &x)) {
				dev->vf_id = (unsigned)x;
				r->id = dev->vf_id;
				r->id_node = val;
			}
		} else {
			UNKNOWN(ld, k, vfsel_keys, "in 'vf'");
		}
	}
	ymissing(&ld->y, v, "pf", "in 'vf'");
	ymissing(&ld->y, v, "id", "in 'vf'");
	if (r->pf_node && r->id_node) {
		r->pf_name = dev->vf_pf;
		r->node = v;
	}
}

static void load_virtualport(struct loader *ld, const struct ynode *v, struct guest_device *dev)
{
	for (size_t i = 0; i < v->n_pairs; i++) {
		const struct ynode *k = v->pairs[i].key, *val = v->pairs[i].value;

		if (streq(k->text, "type")) {
			const char *t = yget_text(&ld->y, k, val);
			if (t && !streq(t, "802.1Qbh"))
				yerror(&ld->y, val,
				       "unsupported virtualport type '%s' (only 802.1Qbh)",
				       yq(&ld->y, t));
			else if (t)
				yget_str(&ld->y, k, val, &dev->virtualport_type);
		} else if (streq(k->text, "profileid")) {
			const char *t = yget_text(&ld->y, k, val);
			if (t && strlen(t) > MAX_PROFILEID)
				yerror(&ld->y, val, "profileid '%s' is longer than %d bytes",
				       yq(&ld->y, t), MAX_PROFILEID);
			else if (t)
				yget_str(&ld->y, k, val, &dev->profileid);
		} else {
			UNKNOWN(ld, k, vport_keys, "in 'virtualport'");
		}
	}
	ymissing(&ld->y, v, "type", "in 'virtualport'");
	ymissing(&ld->y, v, "profileid", "in 'virtualport'");
}

/* Keys of a device that only an <interface> can carry. */
static void check_device_type(struct loader *ld, const struct guest_device *dev,
			      const struct ynode *item)
{
	static const char *const only_interface[] = {"mac", "vlan", "virtualport"};

	if (dev->type != DEVICE_HOSTDEV)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(only_interface); i++) {
		const struct ypair *p = ynode_get_pair(item, only_interface[i]);
		if (p)
			yerror(&ld->y, p->key,
			       "'%s' is only valid for a device of type interface, not hostdev",
			       only_interface[i]);
	}
}

static void add_dev_ref(struct loader *ld, const struct dev_ref *r)
{
	struct dev_ref *n;

	if (!r->node)
		return;
	n = GROW(ld->devs, ld->n_devs, ld->cap_devs);
	if (!n) {
		ld->y.oom = true;
		return;
	}
	*n = *r;
}

static void load_device(struct loader *ld, struct guest_spec *g, const char *gname,
			const struct ynode *item)
{
	const struct ynode *sel_key = NULL;
	struct dev_ref r = {.seq = ld->seq++, .guest = gname, .pf = SIZE_MAX};
	long long x;
	int b, type = -1, persistent = 1, live = 1;

	if (!item_is_mapping(ld, item, "guest device"))
		return;
	struct guest_device *dev = &g->devices[g->n_devices++];
	*dev = (struct guest_device){.vlan = -1, .loc = item->loc};
	for (size_t i = 0; i < item->n_pairs; i++) {
		const struct ynode *k = item->pairs[i].key, *v = item->pairs[i].value;
		const char *key = k->text;

		if (streq(key, "vf") || streq(key, "pci")) {
			if (sel_key) {
				yerror(&ld->y, k,
				       "guest device has both '%s' and '%s': give exactly one",
				       sel_key->text, key);
				continue;
			}
			sel_key = k;
			if (streq(key, "pci")) {
				if (get_pci(ld, k, v, &dev->pci)) {
					r.pci = dev->pci;
					r.node = v;
				}
			} else if (yexpect(&ld->y, k, v, YNODE_MAPPING)) {
				load_vf_selector(ld, v, dev, &r);
			}
		} else if (streq(key, "type")) {
			type = yget_enum(&ld->y, k, v, type_names, ARRAY_SIZE(type_names));
		} else if (streq(key, "mac")) {
			if (get_mac(ld, k, v, &dev->mac)) {
				r.mac = dev->mac;
				r.mac_node = v;
			}
		} else if (streq(key, "vlan")) {
			if (yget_int(&ld->y, k, v, 0, 4095, &x))
				dev->vlan = (int)x;
		} else if (streq(key, "virtualport")) {
			if (yexpect(&ld->y, k, v, YNODE_MAPPING))
				load_virtualport(ld, v, dev);
		} else if (streq(key, "persistent")) {
			if (yget_bool(&ld->y, k, v, &b))
				persistent = b;
		} else if (streq(key, "live")) {
			if (yget_bool(&ld->y, k, v, &b))
				live = b;
		} else {
			UNKNOWN(ld, k, device_keys, "in guest device");
		}
	}
	if (!sel_key)
		yerror(&ld->y, item, "missing key 'vf' or 'pci' in guest device");
	if (type >= 0)
		dev->type = (enum device_type)type;
	else
		dev->type =
		    sel_key && streq(sel_key->text, "pci") ? DEVICE_HOSTDEV : DEVICE_INTERFACE;
	check_device_type(ld, dev, item);
	dev->persistent = persistent;
	dev->live = live;
	if (!persistent && !live)
		yerror(
		    &ld->y, item,
		    "guest device has 'persistent' and 'live' both false: it would change nothing");
	add_dev_ref(ld, &r);
}

static void load_guest(struct loader *ld, const struct ynode *key, const struct ynode *v)
{
	struct guest_spec *g = &ld->s->guests[ld->s->n_guests++];
	const struct ynode *devices = NULL;
	char where[100];
	int b;

	*g = (struct guest_spec){.loc = key->loc};
	g->name = strdup(key->text);
	if (!g->name) {
		ld->y.oom = true;
		return;
	}
	if (key->len == 0 || key->type == YSCALAR_NULL) {
		yerror(&ld->y, key, "guest name is empty");
		return;
	}
	const char *bad = spec_guest_name_refusal(key->text);
	if (bad) {
		yerror(&ld->y, key, "guest name '%s' %s", yq(&ld->y, key->text), bad);
		return;
	}
	if (!yexpect(&ld->y, key, v, YNODE_MAPPING))
		return;
	snprintf(where, sizeof(where), "in guest '%s'", yq(&ld->y, g->name));
	for (size_t i = 0; i < v->n_pairs; i++) {
		const struct ynode *k = v->pairs[i].key, *val = v->pairs[i].value;

		if (streq(k->text, "prune")) {
			if (yget_bool(&ld->y, k, val, &b))
				g->prune = b;
		} else if (streq(k->text, "devices")) {
			if (yexpect(&ld->y, k, val, YNODE_SEQUENCE))
				devices = val;
		} else {
			UNKNOWN(ld, k, guest_keys, where);
		}
	}
	if (!devices || devices->n_items == 0)
		return;
	g->devices = calloc(devices->n_items, sizeof(*g->devices));
	if (!g->devices) {
		ld->y.oom = true;
		return;
	}
	for (size_t i = 0; i < devices->n_items; i++)
		load_device(ld, g, key->text, devices->items[i]);
}

static void load_libvirt(struct loader *ld, const struct ynode *v)
{
	for (size_t i = 0; i < v->n_pairs; i++) {
		const struct ynode *k = v->pairs[i].key, *val = v->pairs[i].value;

		if (streq(k->text, "uri")) {
			if (!yget_str(&ld->y, k, val, &ld->s->libvirt_uri))
				continue;
			_cleanup_(freep) char *why = spec_libvirt_uri_refusal(val->text);
			if (why)
				yerror(&ld->y, val,
				       "libvirt uri '%s' %s: a file may name only qemu:///system, "
				       "qemu:///session or test:///default (give others with "
				       "--libvirt or SRIOVCTL_LIBVIRT_URI)",
				       yq(&ld->y, val->text), why);
		} else
			UNKNOWN(ld, k, libvirt_keys, "in 'libvirt'");
	}
}

static void load_lists(struct loader *ld, const struct ynode *k, const struct ynode *v)
{
	struct spec *s = ld->s;

	if (streq(k->text, "modules") && yexpect(&ld->y, k, v, YNODE_MAPPING) && v->n_pairs) {
		s->modules = calloc(v->n_pairs, sizeof(*s->modules));
		ld->module_keys = calloc(v->n_pairs, sizeof(*ld->module_keys));
		ld->module_files = calloc(v->n_pairs, sizeof(*ld->module_files));
		if (!s->modules || !ld->module_keys || !ld->module_files)
			goto oom;
		for (size_t i = 0; i < v->n_pairs; i++)
			load_module(ld, v->pairs[i].key, v->pairs[i].value);
	} else if (streq(k->text, "pfs") && yexpect(&ld->y, k, v, YNODE_SEQUENCE) && v->n_items) {
		s->pfs = calloc(v->n_items, sizeof(*s->pfs));
		ld->pf_nodes = calloc(v->n_items, sizeof(*ld->pf_nodes));
		if (!s->pfs || !ld->pf_nodes)
			goto oom;
		for (size_t i = 0; i < v->n_items; i++)
			load_pf(ld, v->items[i]);
	} else if (streq(k->text, "guests") && yexpect(&ld->y, k, v, YNODE_MAPPING) && v->n_pairs) {
		if (!(s->guests = calloc(v->n_pairs, sizeof(*s->guests))))
			goto oom;
		for (size_t i = 0; i < v->n_pairs; i++)
			load_guest(ld, v->pairs[i].key, v->pairs[i].value);
	}
	return;
oom:
	ld->y.oom = true;
}

static void load_top(struct loader *ld, const struct ynode *root)
{
	if (ynode_is_null(root)) {
		yerror(&ld->y, NULL, "empty file: expected a mapping with 'version: 1'");
		return;
	}
	if (root->kind != YNODE_MAPPING) {
		yerror(&ld->y, root, "expected a mapping with 'version: 1' at top level, got %s",
		       ygot(&ld->y, root));
		return;
	}
	for (size_t i = 0; i < root->n_pairs; i++) {
		const struct ynode *k = root->pairs[i].key, *v = root->pairs[i].value;

		if (streq(k->text, "version")) {
			yget_version(&ld->y, k, v, 1);
		} else if (streq(k->text, "host")) {
			if (yget_str(&ld->y, k, v, &ld->s->host)) {
				ld->s->host_loc = v->loc;
				/* a hostname never holds one: it would only reach the terminal */
				for (const char *p = ld->s->host; *p; p++)
					if ((unsigned char)*p < ' ' || *p == 0x7f) {
						yerror(&ld->y, v,
						       "host '%s' contains a control character",
						       yq(&ld->y, ld->s->host));
						break;
					}
			}
		} else if (streq(k->text, "libvirt")) {
			if (yexpect(&ld->y, k, v, YNODE_MAPPING))
				load_libvirt(ld, v);
		} else if (streq(k->text, "modules") || streq(k->text, "pfs") ||
			   streq(k->text, "guests")) {
			load_lists(ld, k, v);
		} else {
			UNKNOWN(ld, k, top_keys, "at top level");
		}
	}
	ymissing(&ld->y, root, "version", "at top level");
}

/* ---- ordering of the result ---- */

static int vf_spec_cmp(const void *x, const void *y)
{
	const struct vf_spec *a = x, *b = y;

	return a->id < b->id ? -1 : a->id > b->id;
}

static int module_cmp(const void *x, const void *y)
{
	return strcmp(((const struct module_spec *)x)->name, ((const struct module_spec *)y)->name);
}

static int guest_cmp(const void *x, const void *y)
{
	return strcmp(((const struct guest_spec *)x)->name, ((const struct guest_spec *)y)->name);
}

static void sort_spec(struct spec *s)
{
	for (size_t i = 0; i < s->n_pfs; i++)
		if (s->pfs[i].n_vfs)
			qsort(s->pfs[i].vfs, s->pfs[i].n_vfs, sizeof(struct vf_spec), vf_spec_cmp);
	if (s->n_modules)
		qsort(s->modules, s->n_modules, sizeof(*s->modules), module_cmp);
	if (s->n_guests)
		qsort(s->guests, s->n_guests, sizeof(*s->guests), guest_cmp);
}

/* ---- public entry points ---- */

static int entry_ptr_cmp(const void *x, const void *y)
{
	const struct diag_entry *a = *(const struct diag_entry *const *)x;
	const struct diag_entry *b = *(const struct diag_entry *const *)y;
	int r;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	r = strcmp(a->msg ? a->msg : "", b->msg ? b->msg : "");
	if (r)
		return r;
	return a < b ? -1 : a > b;
}

/*
 * Content shared through aliases is checked once per use, so its errors
 * come several times: keep the first of identical entries from index from.
 */
static void drop_repeated(struct diag *d, size_t from)
{
	size_t n = d->n - from, k = from;

	if (n < 2)
		return;
	_cleanup_(freep) struct diag_entry **p = malloc(n * sizeof(*p));
	_cleanup_(freep) bool *drop = calloc(n, sizeof(*drop));
	if (!p || !drop)
		return;
	for (size_t i = 0; i < n; i++)
		p[i] = &d->v[from + i];
	qsort(p, n, sizeof(*p), entry_ptr_cmp);
	for (size_t i = 1; i < n; i++)
		if (p[i - 1]->line == p[i]->line && p[i - 1]->col == p[i]->col &&
		    p[i - 1]->level == p[i]->level && streq_ptr(p[i - 1]->msg, p[i]->msg))
			drop[p[i] - &d->v[from]] = true;
	for (size_t i = 0; i < n; i++) {
		struct diag_entry *e = &d->v[from + i];
		if (!drop[i]) {
			d->v[k++] = *e;
			continue;
		}
		if (e->level == DIAG_ERROR)
			d->n_errors--;
		else if (e->level == DIAG_WARNING)
			d->n_warnings--;
		free(e->file);
		free(e->msg);
	}
	d->n = k;
}

int spec_load_buffer(const char *name, const char *buf, size_t len, struct diag *d,
		     struct spec **ret)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(ydoc_freep) struct ydoc *doc = NULL;
	size_t errors = d->n_errors, first = d->n;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(name)))
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	r = ydoc_parse(s->path, buf, len, d, &doc);
	if (r < 0)
		return r;

	struct loader ld = {.s = s};
	ycheck_init(&ld.y, s->path, d);
	load_top(&ld, doc->root);
	if (!ld.y.oom) {
		spec_check_across(&ld);
	}
	free(ld.vfs);
	free(ld.devs);
	free(ld.pf_nodes);
	free(ld.module_keys);
	free(ld.module_files);
	if (doc->alias_nodes)
		drop_repeated(d, first);
	if (ld.y.oom)
		return diag_error(d, NULL, -ENOMEM, "out of memory while loading '%s'", name);
	if (d->n_errors > errors)
		return -EINVAL;
	s->version = 1;
	sort_spec(s);
	*ret = TAKE_PTR(s);
	return 0;
}

int spec_load(const char *path, struct diag *d, struct spec **ret)
{
	_cleanup_(freep) char *buf = NULL;
	size_t len = 0;
	int r;

	r = yfile_read(path, d, &buf, &len);
	if (r < 0)
		return r;
	return spec_load_buffer(path, buf, len, d, ret);
}

void spec_free(struct spec *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_modules; i++) {
		struct module_spec *m = &s->modules[i];
		for (size_t j = 0; j < m->n_options; j++) {
			free(m->options[j].key);
			free(m->options[j].value);
		}
		free(m->options);
		free(m->name);
		free(m->file);
	}
	free(s->modules);
	for (size_t i = 0; i < s->n_pfs; i++) {
		struct pf_spec *pf = &s->pfs[i];
		for (size_t j = 0; j < pf->n_vfs; j++) {
			free(pf->vfs[j].driver);
		}
		free(pf->vfs);
		free(pf->pci);
		free(pf->interface);
		free(pf->vf_driver);
	}
	free(s->pfs);
	for (size_t i = 0; i < s->n_guests; i++) {
		struct guest_spec *g = &s->guests[i];
		for (size_t j = 0; j < g->n_devices; j++) {
			struct guest_device *dev = &g->devices[j];
			free(dev->vf_pf);
			free(dev->pci);
			free(dev->mac);
			free(dev->virtualport_type);
			free(dev->profileid);
		}
		free(g->devices);
		free(g->name);
	}
	free(s->guests);
	free(s->host);
	free(s->libvirt_uri);
	free(s->path);
	for (size_t i = 0; i < s->n_merged; i++)
		free(s->merged[i]);
	free(s->merged);
	free(s);
}

/* ---- lookups ---- */

const struct pf_spec *spec_find_pf(const struct spec *s, const char *pci_or_interface)
{
	char buf[24];
	bool is_pci;

	if (!s || !pci_or_interface)
		return NULL;
	is_pci = pci_norm(pci_or_interface, buf);
	for (size_t i = 0; i < s->n_pfs; i++) {
		const struct pf_spec *pf = &s->pfs[i];
		if (is_pci && pf->pci && streq(pf->pci, buf))
			return pf;
		if (!is_pci && pf->interface && streq(pf->interface, pci_or_interface))
			return pf;
	}
	return NULL;
}

const struct module_spec *spec_find_module(const struct spec *s, const char *name)
{
	if (!s || !name)
		return NULL;
	for (size_t i = 0; i < s->n_modules; i++)
		if (modname_eq(s->modules[i].name, name))
			return &s->modules[i];
	return NULL;
}

const struct vf_spec *pf_spec_find_vf(const struct pf_spec *pf, unsigned id)
{
	struct vf_spec key = {.id = id};

	if (!pf || !pf->n_vfs)
		return NULL;
	return bsearch(&key, pf->vfs, pf->n_vfs, sizeof(*pf->vfs), vf_spec_cmp);
}

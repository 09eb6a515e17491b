/* SPDX-License-Identifier: MIT */
/*
 * The desired-state loader's reader of the 'guests:' section: each guest
 * and its devices (a VF of a declared PF or any PCI device), their type,
 * MAC, VLAN and virtualport. Records of where each device and MAC was
 * named go to the loader for the checks across places (spec-check.c).
 */
#include "spec-internal.h"

static const char *const type_names[] = {
    [DEVICE_INTERFACE] = "interface", [DEVICE_HOSTDEV] = "hostdev"};

const char *device_type_to_string(enum device_type t)
{
	return (unsigned)t < ARRAY_SIZE(type_names) ? type_names[t] : NULL;
}

static const char *const guest_keys[] = {"prune", "devices"};
static const char *const device_keys[] = {"vf",	     "pci",	   "network",	  "type",
					  "mac",     "vlan",	   "virtualport", "driver",
					  "managed", "persistent", "live"};
static const char *const vfsel_keys[] = {"pf", "id"};
static const char *const vport_keys[] = {"type", "profileid"};

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
			if (!spec_pci_norm(t, buf) && !spec_ifname_valid(t)) {
				yerror(&ld->y, val,
				       "'%s' in 'vf.pf' is neither a PCI address nor an interface "
				       "name",
				       yq(&ld->y, t));
				continue;
			}
			free(dev->vf_pf);
			dev->vf_pf = strdup(spec_pci_norm(t, buf) ? buf : t);
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

/* A VF from a pool is an interface with a MAC at most: libvirt's network sets the rest. */
static void check_network_device(struct loader *ld, const struct ynode *item, int type)
{
	static const char *const not_on_network[] = {"vlan", "virtualport", "driver", "managed"};

	if (type == DEVICE_HOSTDEV)
		yerror(&ld->y, ynode_get_pair(item, "type")->value,
		       "a 'network' device is an interface, not a hostdev");
	for (size_t i = 0; i < ARRAY_SIZE(not_on_network); i++) {
		const struct ypair *p = ynode_get_pair(item, not_on_network[i]);
		if (p)
			yerror(&ld->y, p->key,
			       "'%s' is not valid for a 'network' device: the network sets it",
			       not_on_network[i]);
	}
}

/*
 * driver: binds a whole device (pci:) before it is attached; a VF's driver
 * is its PF's business (pfs[].vfs[].driver). With managed: false libvirt
 * leaves the binding to the host, and QEMU opens only a device on vfio-pci.
 */
static void check_device_driver(struct loader *ld, const struct guest_device *dev,
				const struct ynode *item)
{
	const struct ypair *drv = ynode_get_pair(item, "driver");

	if (!drv || dev->network)
		return;
	if (!dev->pci) {
		yerror(&ld->y, drv->key,
		       "'driver' is for a pci: device; a VF's driver is set in its PF's "
		       "'vfs' (driver:) or 'vf-driver'");
		return;
	}
	if (!dev->managed && dev->driver && !streq(dev->driver, "vfio-pci"))
		yerror(&ld->y, drv->value,
		       "driver '%s' with managed: false: libvirt then leaves the device on the "
		       "driver it has, and QEMU can only open a device bound to vfio-pci",
		       yq(&ld->y, dev->driver));
}

/* A MAC of a device on a pool, for the MAC checks across places (each such device is its own). */
static void add_net_mac(struct loader *ld, const char *guest, const struct guest_device *dev,
			const struct ynode *mac_node, size_t seq)
{
	struct mac_ref *m;

	if (!dev->mac || !mac_node)
		return;
	m = GROW(ld->net_macs, ld->n_net_macs, ld->cap_net_macs);
	if (!m) {
		ld->y.oom = true;
		return;
	}
	*m = (struct mac_ref){.seq = seq,
			      .mac = dev->mac,
			      .node = mac_node,
			      .pf = SIZE_MAX,
			      .network = dev->network,
			      .guest = guest};
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

	if (!spec_item_is_mapping(ld, item, "guest device"))
		return;
	struct guest_device *dev = &g->devices[g->n_devices++];
	*dev = (struct guest_device){.vlan = -1, .managed = true, .loc = item->loc};
	for (size_t i = 0; i < item->n_pairs; i++) {
		const struct ynode *k = item->pairs[i].key, *v = item->pairs[i].value;
		const char *key = k->text;

		if (streq(key, "vf") || streq(key, "pci") || streq(key, "network")) {
			if (sel_key) {
				yerror(&ld->y, k,
				       "guest device has both '%s' and '%s': give exactly one",
				       sel_key->text, key);
				continue;
			}
			sel_key = k;
			if (streq(key, "network")) {
				const char *t = yget_text(&ld->y, k, v);
				const char *bad = t ? spec_guest_name_refusal(t) : NULL;
				if (t && bad)
					yerror(&ld->y, v, "network name '%s' %s", yq(&ld->y, t),
					       bad);
				else if (t)
					yget_str(&ld->y, k, v, &dev->network);
			} else if (streq(key, "pci")) {
				if (spec_get_pci(ld, k, v, &dev->pci)) {
					r.pci = dev->pci;
					r.node = v;
				}
			} else if (yexpect(&ld->y, k, v, YNODE_MAPPING)) {
				load_vf_selector(ld, v, dev, &r);
			}
		} else if (streq(key, "type")) {
			type = yget_enum(&ld->y, k, v, type_names, ARRAY_SIZE(type_names));
		} else if (streq(key, "mac")) {
			if (spec_get_mac(ld, k, v, &dev->mac)) {
				r.mac = dev->mac;
				r.mac_node = v;
			}
		} else if (streq(key, "vlan")) {
			if (yget_int(&ld->y, k, v, 0, 4095, &x))
				dev->vlan = (int)x;
		} else if (streq(key, "virtualport")) {
			if (yexpect(&ld->y, k, v, YNODE_MAPPING))
				load_virtualport(ld, v, dev);
		} else if (streq(key, "driver")) {
			spec_get_driver(ld, k, v, &dev->driver);
		} else if (streq(key, "managed")) {
			if (yget_bool(&ld->y, k, v, &b)) {
				dev->managed = b;
				dev->managed_loc = v->loc;
			}
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
		yerror(&ld->y, item, "missing key 'vf', 'pci' or 'network' in guest device");
	if (sel_key && streq(sel_key->text, "network"))
		check_network_device(ld, item, type);
	if (type >= 0)
		dev->type = (enum device_type)type;
	else
		dev->type =
		    sel_key && streq(sel_key->text, "pci") ? DEVICE_HOSTDEV : DEVICE_INTERFACE;
	check_device_type(ld, dev, item);
	check_device_driver(ld, dev, item);
	dev->persistent = persistent;
	dev->live = live;
	if (!persistent && !live)
		yerror(
		    &ld->y, item,
		    "guest device has 'persistent' and 'live' both false: it would change nothing");
	if (dev->network)
		add_net_mac(ld, gname, dev, r.mac_node, r.seq);
	add_dev_ref(ld, &r);
}

bool spec_libvirt_name(struct loader *ld, const char *kind, const struct ynode *key,
		       const struct ynode *v, char **ret)
{
	*ret = strdup(key->text);
	if (!*ret) {
		ld->y.oom = true;
		return false;
	}
	if (key->len == 0 || key->type == YSCALAR_NULL) {
		yerror(&ld->y, key, "%s name is empty", kind);
		return false;
	}
	const char *bad = spec_guest_name_refusal(key->text);
	if (bad) {
		yerror(&ld->y, key, "%s name '%s' %s", kind, yq(&ld->y, key->text), bad);
		return false;
	}
	return yexpect(&ld->y, key, v, YNODE_MAPPING);
}

void spec_load_guest(struct loader *ld, const struct ynode *key, const struct ynode *v)
{
	struct guest_spec *g = &ld->s->guests[ld->s->n_guests++];
	const struct ynode *devices = NULL;
	char where[100];
	int b;

	*g = (struct guest_spec){.loc = key->loc};
	if (!spec_libvirt_name(ld, "guest", key, v, &g->name))
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

/* SPDX-License-Identifier: MIT */
/*
 * The desired-state loader's readers of the 'pfs:' and 'modules:'
 * sections: each PF with its VFs and link settings, each module with its
 * options and modprobe.d file. Records of where each VF was named go to
 * the loader for the checks across places (spec-check.c).
 */
#include "modconf.h"
#include "spec-internal.h"

static const char *const method_names[] = {"sysfs", "module"};
static const char *const module_keys[] = {"options", "file", "reload"};
static const char *const pf_keys[] = {
    "pci",	 "interface", "num-vfs", "method",	 "drivers-autoprobe",
    "vf-driver", "mtu",	      "vf-mtu",	 "eswitch-mode", "vfs"};
static const char *const vf_keys[] = {"id",	     "mac",	    "vlan",   "vlan-proto",
				      "qos",	     "spoof-check", "trust",  "link-state",
				      "max-tx-rate", "min-tx-rate", "driver", "mtu"};

static void vf_rates(struct loader *ld, const struct vf_spec *vf, const struct ynode *min_node)
{
	const struct vf_link *l = &vf->link;

	if (l->min_tx_rate > 0 && l->max_tx_rate > 0 && l->min_tx_rate > l->max_tx_rate)
		yerror(&ld->y, min_node, "min-tx-rate %lld exceeds max-tx-rate %lld",
		       l->min_tx_rate, l->max_tx_rate);
}

/* An mtu: or vf-mtu: value into *out, its place into *loc. */
static void get_mtu(struct loader *ld, const struct ynode *k, const struct ynode *v, unsigned *out,
		    struct src_loc *loc)
{
	long long x;

	if (yget_int(&ld->y, k, v, SPEC_MTU_MIN, SPEC_MTU_MAX, &x)) {
		*out = (unsigned)x;
		*loc = v->loc;
	}
}

/*
 * A VF's MTU (its own or the PF's vf-mtu) needs a netdev, and never lowers
 * the PF's: a VF above the PF's mtu: would make the PF's a lie or be refused.
 */
static void vf_mtu_check(struct loader *ld, const struct pf_spec *pf, const struct vf_spec *vf)
{
	const char *drv = vf->driver ? vf->driver : pf->vf_driver;

	if (!vf->mtu)
		return;
	if (driver_is_passthrough(drv))
		diag_error(ld->y.d, &vf->mtu_loc, -EINVAL,
			   "VF %u has mtu %u but its driver %s gives it no netdev on the host "
			   "(set the MTU in the guest)",
			   vf->id, vf->mtu, drv);
	else if (pf->mtu && vf->mtu > pf->mtu)
		diag_error(ld->y.d, &vf->mtu_loc, -ERANGE,
			   "VF %u mtu %u exceeds the PF's mtu %u: raise the PF's mtu to at least "
			   "%u",
			   vf->id, vf->mtu, pf->mtu, vf->mtu);
}

static void load_vf(struct loader *ld, size_t pfi, const struct ynode *item)
{
	struct pf_spec *pf = &ld->s->pfs[pfi];
	const struct ynode *min_node = NULL;
	struct vf_ref ref = {.pf = pfi, .seq = ld->seq++};
	long long x;
	int b;

	if (!spec_item_is_mapping(ld, item, "VF"))
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
			if (spec_get_mac(ld, k, v, &mac) && strlen(mac) < sizeof(vf->link.mac)) {
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
			spec_get_driver(ld, k, v, &vf->driver);
		} else if (streq(key, "mtu")) {
			get_mtu(ld, k, v, &vf->mtu, &vf->mtu_loc);
		} else {
			UNKNOWN(ld, k, vf_keys, "in VF");
		}
	}
	ymissing(&ld->y, item, "id", "in VF");
	vf_rates(ld, vf, min_node);
	vf_mtu_check(ld, pf, vf);
	if (ref.id_node) {
		struct vf_ref *r = GROW(ld->vfs, ld->n_vfs, ld->cap_vfs);
		if (r)
			*r = ref;
		else
			ld->y.oom = true;
	}
}

static void pf_vf_mtu_check(struct loader *ld, const struct pf_spec *pf)
{
	if (!pf->vf_mtu)
		return;
	if (driver_is_passthrough(pf->vf_driver))
		diag_error(
		    ld->y.d, &pf->vf_mtu_loc, -EINVAL,
		    "vf-mtu %u but vf-driver %s gives the VFs no netdev on the host (set the "
		    "MTU in the guests)",
		    pf->vf_mtu, pf->vf_driver);
	else if (pf->mtu && pf->vf_mtu > pf->mtu)
		diag_error(ld->y.d, &pf->vf_mtu_loc, -ERANGE,
			   "vf-mtu %u exceeds the PF's mtu %u: raise the PF's mtu to at least %u",
			   pf->vf_mtu, pf->mtu, pf->vf_mtu);
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
		spec_get_pci(ld, k, v, &pf->pci);
	else
		spec_get_ifname(ld, k, v, &pf->interface);
}

void spec_load_pf(struct loader *ld, const struct ynode *item)
{
	struct spec *s = ld->s;
	const struct ynode *vfs = NULL, *name_key = NULL;
	long long x;
	int b;

	if (!spec_item_is_mapping(ld, item, "PF"))
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
			spec_get_driver(ld, k, v, &pf->vf_driver);
		} else if (streq(key, "mtu")) {
			get_mtu(ld, k, v, &pf->mtu, &pf->mtu_loc);
		} else if (streq(key, "vf-mtu")) {
			get_mtu(ld, k, v, &pf->vf_mtu, &pf->vf_mtu_loc);
		} else if (streq(key, "eswitch-mode")) {
			/* the names after ESWITCH_MODE_UNSET's NULL */
			b = yget_enum(&ld->y, k, v, eswitch_mode_names + 1, _ESWITCH_MODE_MAX - 1);
			if (b >= 0) {
				pf->eswitch_mode = (enum eswitch_mode)(b + 1);
				pf->eswitch_mode_loc = v->loc;
			}
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
	pf_vf_mtu_check(ld, pf);
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

		if (!spec_name_valid(k->text, NULL)) {
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

void spec_load_module(struct loader *ld, const struct ynode *key, const struct ynode *v)
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
	if (!spec_name_valid(m->name, "-"))
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
				if (t && !spec_modprobe_file_valid(t))
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

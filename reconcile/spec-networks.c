/* SPDX-License-Identifier: MIT */
/*
 * The desired-state loader's reader of the 'networks:' section: libvirt
 * VF pools (networks with <forward mode='hostdev'><pf dev='...'/>), each
 * on a PF the file declares in 'pfs:' (so that a change of its VF count
 * refreshes the pool in the same plan).
 */
#include "spec-internal.h"

static const char *const network_keys[] = {"pf", "managed", "vlan", "autostart"};

void spec_load_network(struct loader *ld, const struct ynode *key, const struct ynode *v)
{
	struct network_spec *n = &ld->s->networks[ld->s->n_networks++];
	char buf[24], where[100];
	long long x;
	int b;

	*n = (struct network_spec){.managed = true, .vlan = -1, .autostart = true, .loc = key->loc};
	/* libvirt's rules for a network name are those for a domain name */
	if (!spec_libvirt_name(ld, "network", key, v, &n->name))
		return;
	snprintf(where, sizeof(where), "in network '%s'", yq(&ld->y, n->name));
	for (size_t i = 0; i < v->n_pairs; i++) {
		const struct ynode *k = v->pairs[i].key, *val = v->pairs[i].value;

		if (streq(k->text, "pf")) {
			const char *t = yget_text(&ld->y, k, val);
			if (!t)
				continue;
			if (!spec_pci_norm(t, buf) && !spec_ifname_valid(t)) {
				yerror(
				    &ld->y, val,
				    "'%s' in 'pf' is neither a PCI address nor an interface name",
				    yq(&ld->y, t));
				continue;
			}
			free(n->pf);
			n->pf = strdup(spec_pci_norm(t, buf) ? buf : t);
			if (!n->pf)
				ld->y.oom = true;
			n->pf_loc = val->loc;
		} else if (streq(k->text, "managed")) {
			if (yget_bool(&ld->y, k, val, &b))
				n->managed = b;
		} else if (streq(k->text, "vlan")) {
			if (yget_int(&ld->y, k, val, 0, 4095, &x))
				n->vlan = (int)x;
		} else if (streq(k->text, "autostart")) {
			if (yget_bool(&ld->y, k, val, &b))
				n->autostart = b;
		} else {
			UNKNOWN(ld, k, network_keys, where);
		}
	}
	ymissing(&ld->y, v, "pf", where);
}

void spec_check_networks(struct loader *ld)
{
	const struct spec *s = ld->s;

	for (size_t i = 0; i < s->n_networks; i++) {
		const struct network_spec *n = &s->networks[i];
		if (n->pf && !spec_find_pf(s, n->pf) && !ld->broken_pf)
			diag_error(ld->y.d, &n->pf_loc, -EINVAL,
				   "PF '%s' of network '%s' is not declared in 'pfs'", n->pf,
				   n->name);
	}
}

const struct network_spec *spec_find_network(const struct spec *s, const char *name)
{
	for (size_t i = 0; s && name && i < s->n_networks; i++)
		if (streq(s->networks[i].name, name))
			return &s->networks[i];
	return NULL;
}

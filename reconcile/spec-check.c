/* SPDX-License-Identifier: MIT */
/*
 * The desired-state loader's checks across places: they run after the
 * tree was walked, on the records spec.c kept of where each VF, device and
 * MAC was named, so that each error points at the later of two places
 * and names the first.
 */
#include "modconf.h"
#include "spec-internal.h"

/* qsort, which must not be given a NULL array even when it is empty. */
static void sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static size_t pf_index(const struct spec *s, const struct pf_spec *pf)
{
	return (size_t)(pf - s->pfs);
}

/* "VF 3 of PF '0000:0b:00.0'" or "PCI device '0000:5e:00.0'" */
static char *device_name(const struct spec *s, size_t pf, unsigned id, const char *pci)
{
	if (pf == SIZE_MAX)
		return strprintf("PCI device '%s'", pci);
	return strprintf("VF %u of PF '%s'", id, pf_label(&s->pfs[pf]));
}

static void check_pfs(struct loader *ld)
{
	const struct spec *s = ld->s;

	for (size_t j = 1; j < s->n_pfs; j++) {
		const struct pf_spec *b = &s->pfs[j];
		for (size_t i = 0; i < j; i++) {
			const struct pf_spec *a = &s->pfs[i];
			if ((a->pci && b->pci && streq(a->pci, b->pci)) ||
			    (a->interface && b->interface && streq(a->interface, b->interface))) {
				yerror(&ld->y, ld->pf_nodes[j],
				       "PF '%s' is declared twice (first at line %u)", pf_label(b),
				       a->loc.line);
				break;
			}
		}
	}
}

static void check_vf_exists(struct loader *ld, size_t pf, unsigned id, const struct ynode *node)
{
	const struct pf_spec *p = &ld->s->pfs[pf];

	if (p->num_vfs != SPEC_UNSET && id >= p->num_vfs)
		yerror(&ld->y, node, "VF %u of PF '%s' does not exist: num-vfs is %u", id,
		       pf_label(p), p->num_vfs);
}

static int vf_ref_cmp(const void *x, const void *y)
{
	const struct vf_ref *a = x, *b = y;

	if (a->pf != b->pf)
		return a->pf < b->pf ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void check_vfs(struct loader *ld)
{
	for (size_t i = 0; i < ld->n_vfs; i++)
		check_vf_exists(ld, ld->vfs[i].pf, ld->vfs[i].id, ld->vfs[i].id_node);
	sort_n(ld->vfs, ld->n_vfs, sizeof(*ld->vfs), vf_ref_cmp);
	for (size_t i = 1; i < ld->n_vfs; i++) {
		const struct vf_ref *a = &ld->vfs[i - 1], *b = &ld->vfs[i];
		if (a->pf == b->pf && a->id == b->id)
			yerror(&ld->y, b->id_node,
			       "VF %u of PF '%s' is listed twice (first at line %u)", b->id,
			       pf_label(&ld->s->pfs[b->pf]), a->id_node->loc.line);
	}
}

/* Order by device (VFs by PF and id, then PCI devices by address), then seq. */
static int dev_key_cmp(size_t pfa, unsigned ida, const char *pcia, size_t pfb, unsigned idb,
		       const char *pcib)
{
	if (pfa != pfb)
		return pfa < pfb ? -1 : 1;
	if (pfa == SIZE_MAX)
		return strcmp(pcia, pcib);
	return ida < idb ? -1 : ida > idb;
}

static int dev_ref_cmp(const void *x, const void *y)
{
	const struct dev_ref *a = x, *b = y;
	int r = dev_key_cmp(a->pf, a->id, a->pci, b->pf, b->id, b->pci);

	if (r)
		return r;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Resolve vf.pf of every device; unresolved ones are dropped. */
static void resolve_devs(struct loader *ld)
{
	size_t k = 0;

	for (size_t i = 0; i < ld->n_devs; i++) {
		struct dev_ref *r = &ld->devs[i];
		if (r->pf_name) {
			const struct pf_spec *pf = spec_find_pf(ld->s, r->pf_name);
			if (!pf) {
				if (!ld->broken_pf)
					yerror(&ld->y, r->pf_node,
					       "PF '%s' in 'vf.pf' is not declared in 'pfs'",
					       yq(&ld->y, r->pf_name));
				continue;
			}
			r->pf = pf_index(ld->s, pf);
			check_vf_exists(ld, r->pf, r->id, r->id_node);
		}
		ld->devs[k++] = *r;
	}
	ld->n_devs = k;
}

static void check_devs(struct loader *ld)
{
	resolve_devs(ld);
	sort_n(ld->devs, ld->n_devs, sizeof(*ld->devs), dev_ref_cmp);
	for (size_t i = 1, first = 0; i < ld->n_devs; i++) {
		const struct dev_ref *a = &ld->devs[first], *b = &ld->devs[i];

		if (dev_key_cmp(a->pf, a->id, a->pci, b->pf, b->id, b->pci) != 0) {
			first = i;
			continue;
		}
		_cleanup_(freep) char *what = device_name(ld->s, b->pf, b->id, b->pci);
		if (!what) {
			ld->y.oom = true;
			return;
		}
		if (streq(a->guest, b->guest))
			yerror(&ld->y, b->node, "%s is given twice to guest '%s' (line %u)", what,
			       yq(&ld->y, a->guest), a->node->loc.line);
		else
			yerror(&ld->y, b->node,
			       "%s is given to two guests: '%s' (line %u) and '%s'", what,
			       yq(&ld->y, a->guest), a->node->loc.line, yq(&ld->y, b->guest));
	}
}

/* Order by the device a MAC is for; each device on a network is its own, after the rest. */
static int mac_key_cmp(const struct mac_ref *a, const struct mac_ref *b)
{
	if (a->network || b->network) {
		if (!a->network || !b->network)
			return a->network ? 1 : -1;
		return a->seq < b->seq ? -1 : a->seq > b->seq;
	}
	return dev_key_cmp(a->pf, a->id, a->pci, b->pf, b->id, b->pci);
}

/* Who a MAC is given to, for messages. Owned. */
static char *mac_owner(struct loader *ld, const struct mac_ref *m)
{
	if (m->network)
		return strprintf("the interface of guest '%s' on network '%s'",
				 yq(&ld->y, m->guest), yq(&ld->y, m->network));
	return device_name(ld->s, m->pf, m->id, m->pci);
}

static int mac_ref_cmp(const void *x, const void *y)
{
	const struct mac_ref *a = x, *b = y;
	int r = strcmp(a->mac, b->mac);

	if (r)
		return r;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int mac_dev_cmp(const void *x, const void *y)
{
	const struct mac_ref *a = x, *b = y;
	int r = mac_key_cmp(a, b);

	if (r)
		return r;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* One MAC on two devices; two MACs for one device. */
static void check_macs_of(struct loader *ld, struct mac_ref *m, size_t n)
{
	sort_n(m, n, sizeof(*m), mac_ref_cmp);
	for (size_t i = 1, first = 0; i < n; i++) {
		const struct mac_ref *a = &m[first], *b = &m[i];
		if (!streq(a->mac, b->mac)) {
			first = i;
			continue;
		}
		if (!mac_key_cmp(a, b))
			continue;
		_cleanup_(freep) char *da = mac_owner(ld, a);
		_cleanup_(freep) char *db = mac_owner(ld, b);
		if (!da || !db) {
			ld->y.oom = true;
			return;
		}
		yerror(&ld->y, b->node, "MAC address '%s' is used twice: %s (line %u) and %s",
		       b->mac, da, a->node->loc.line, db);
	}
	sort_n(m, n, sizeof(*m), mac_dev_cmp);
	for (size_t i = 1; i < n; i++) {
		const struct mac_ref *a = &m[i - 1], *b = &m[i];
		if (mac_key_cmp(a, b) || streq(a->mac, b->mac))
			continue;
		_cleanup_(freep) char *db = mac_owner(ld, b);
		if (!db) {
			ld->y.oom = true;
			return;
		}
		yerror(&ld->y, b->node,
		       "MAC address '%s' of %s disagrees with '%s' given at line %u", b->mac, db,
		       a->mac, a->node->loc.line);
	}
}

static void check_macs(struct loader *ld)
{
	_cleanup_(freep) struct mac_ref *m =
	    calloc(ld->n_vfs + ld->n_devs + ld->n_net_macs + 1, sizeof(*m));
	size_t n = 0;

	if (!m) {
		ld->y.oom = true;
		return;
	}
	for (size_t i = 0; i < ld->n_vfs; i++) {
		const struct vf_ref *r = &ld->vfs[i];
		if (r->mac)
			m[n++] = (struct mac_ref){.seq = r->seq,
						  .mac = r->mac,
						  .node = r->mac_node,
						  .pf = r->pf,
						  .id = r->id};
	}
	for (size_t i = 0; i < ld->n_devs; i++) {
		const struct dev_ref *r = &ld->devs[i];
		if (r->mac)
			m[n++] = (struct mac_ref){.seq = r->seq,
						  .mac = r->mac,
						  .node = r->mac_node,
						  .pf = r->pf,
						  .id = r->id,
						  .pci = r->pci};
	}
	for (size_t i = 0; i < ld->n_net_macs; i++)
		m[n++] = ld->net_macs[i];
	check_macs_of(ld, m, n);
}

/*
 * Modules are still in file order here. kmod takes "ice-x" and "ice_x" for
 * one module: two entries would be two opinions about it. Two modules in
 * one file would be two writes of the same file, each undoing the other.
 */
static void check_modules(struct loader *ld)
{
	const struct spec *s = ld->s;

	for (size_t j = 1; j < s->n_modules; j++) {
		const struct module_spec *b = &s->modules[j];
		for (size_t i = 0; i < j; i++) {
			const struct module_spec *a = &s->modules[i];
			if (!a->name || !b->name)
				continue;
			if (modname_eq(a->name, b->name)) {
				yerror(&ld->y, ld->module_keys[j],
				       "module '%s' is the same module as '%s' (line %u): kmod "
				       "treats '-' and "
				       "'_' in module names alike",
				       yq(&ld->y, b->name), yq(&ld->y, a->name), a->loc.line);
				continue;
			}
			if (a->file && b->file && streq(a->file, b->file)) {
				const struct ynode *at =
				    ld->module_files[j] ? ld->module_files[j] : ld->module_keys[j];
				const struct ynode *first =
				    ld->module_files[i] ? ld->module_files[i] : ld->module_keys[i];
				yerror(&ld->y, at,
				       "modules '%s' (line %u) and '%s' have the same file '%s': "
				       "give each module its own file",
				       yq(&ld->y, a->name), first->loc.line, yq(&ld->y, b->name),
				       yq(&ld->y, b->file));
			}
		}
	}
}

void spec_check_across(struct loader *ld)
{
	check_modules(ld);
	check_pfs(ld);
	check_vfs(ld);
	check_devs(ld);
	check_macs(ld);
	spec_check_networks(ld);
}

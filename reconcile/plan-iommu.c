/* SPDX-License-Identifier: MIT */
/*
 * Whole-device passthrough and IOMMU groups: VFIO gives a guest a whole
 * group, and QEMU refuses to start ("group N is not viable") while an
 * endpoint of the group stays with a host driver. An attach of a device
 * whose group holds such a mate the file does not give the same guest is
 * blocked, naming the mates. Bridges in a group are harmless; a device
 * whose group is unknown (no IOMMU observed) is not checked.
 */
#include <strings.h>

#include "plan-internal.h"

/* The file gives address to guest: a pci: device of it, or another attach to it. */
static bool given_to(const struct plan_ctx *c, const char *guest, const char *address)
{
	for (size_t i = 0; i < c->s->n_guests; i++) {
		const struct guest_spec *g = &c->s->guests[i];
		if (!streq(g->name, guest))
			continue;
		for (size_t j = 0; j < g->n_devices; j++)
			if (g->devices[j].pci && strcasecmp(g->devices[j].pci, address) == 0)
				return true;
	}
	for (size_t i = 0; i < c->n_acts; i++) {
		const struct action *a = &c->acts[i].a;
		if (a->kind == ACTION_ATTACH && streq(a->target, guest) && a->device &&
		    strcasecmp(a->device, address) == 0)
			return true;
	}
	return false;
}

/* A mate that would make the group not viable for the guest. */
static bool blocks(const struct plan_ctx *c, const struct pending *p, const struct iommu_member *m)
{
	return m->address && strcasecmp(m->address, p->a.device) != 0 &&
	       !pci_class_is_bridge(m->class) && !driver_is_passthrough(m->driver) &&
	       !given_to(c, p->a.target, m->address);
}

void plan_iommu_check(struct plan_ctx *c, struct pending *p)
{
	const struct pci_dev_state *dev = host_find_pci(c->h, p->a.device);
	if (!dev || dev->iommu_group < 0)
		return;
	const struct iommu_group *g = host_find_iommu_group(c->h, dev->iommu_group);
	if (!g)
		return;

	size_t n = 0;
	for (size_t i = 0; i < g->n_members; i++)
		n += blocks(c, p, &g->members[i]);
	if (n == 0)
		return;

	char *buf = NULL;
	size_t len = 0, k = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		ctx_oom(c);
		return;
	}
	fprintf(f, "IOMMU group %u also holds ", g->id);
	for (size_t i = 0; i < g->n_members; i++) {
		const struct iommu_member *m = &g->members[i];
		char class[16] = "unknown";

		if (!blocks(c, p, m))
			continue;
		if (m->class >= 0)
			snprintf(class, sizeof(class), "0x%06x", (unsigned)m->class);
		fprintf(f, "%s%s (class %s, %s%s)",
			k == 0	     ? ""
			: k + 1 == n ? " and "
				     : ", ",
			m->address, class, m->driver ? "driver " : "no driver",
			m->driver ? m->driver : "");
		k++;
	}
	fprintf(f,
		": list %s for guest '%s' too, or the guest will not start ('group %u is not "
		"viable')",
		n == 1 ? "it" : "them", p->a.target, g->id);
	if (fclose(f) != 0) {
		free(buf);
		ctx_oom(c);
		return;
	}
	ctx_block(c, p, buf);
}

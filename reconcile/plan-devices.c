/* SPDX-License-Identifier: MIT */
/*
 * The binding a guest's device needs before libvirt can hand it over.
 * driver: on a pci: device (a GPU and its audio function, a NIC given
 * whole) plans a bind-driver of it: unbind, driver_override,
 * drivers_probe, as for a VF. A device with managed: false
 * (<hostdev managed='no'>) is not bound by libvirt at all: QEMU opens it
 * through VFIO, so it must be on vfio-pci when the guest starts; when
 * neither the host nor this plan puts it there, planning fails and says
 * why (the guest would not start).
 */
#include <strings.h>

#include "plan-internal.h"

#define VFIO_PCI "vfio-pci"

const struct pending *plan_bind_of(const struct plan_ctx *c, const char *addr)
{
	for (size_t i = 0; addr && i < c->n_acts; i++) {
		const struct action *a = &c->acts[i].a;
		if (a->kind == ACTION_BIND_DRIVER && a->device && strcasecmp(a->device, addr) == 0)
			return &c->acts[i];
	}
	return NULL;
}

/* Who else holds addr: guests other than guest that this plan does not detach it from. */
static char *others_why(struct plan_ctx *c, const char *guest, const char *addr,
			const struct vf_state *vf)
{
	char *buf = NULL;
	size_t len = 0, nh;
	bool first = true;
	const struct holder *hv = plan_holders_of(c, addr, &nh);
	const struct domain_state *said = NULL;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return ctx_oom(c);
	for (size_t j = 0; j < nh; j++) {
		if (hv[j].dom == said || streq(hv[j].dom->name, guest) ||
		    plan_detached(c, hv[j].dom->name, addr, hv[j].live))
			continue;
		fprintf(f, "%sdevice %s is used by guest %s", first ? "" : "; ", addr,
			hv[j].dom->name);
		said = hv[j].dom;
		first = false;
	}
	_cleanup_(freep) char *use = plan_host_use_why(c, addr, vf);
	if (use) {
		fprintf(f, "%s%s", first ? "" : "; ", use);
		first = false;
	}
	return plan_why_finish(c, f, &buf, first);
}

/* driver: on a pci: device: bind it before the attach, unless it is bound so already. */
static void plan_whole_driver(struct plan_ctx *c, const struct guest_spec *g,
			      const struct guest_device *gd)
{
	const struct vf_ref *v = plan_vf_by_address(c, gd->pci);
	const struct pci_dev_state *dev = host_find_pci(c->h, gd->pci);
	const struct vf_state *vf = v ? v->vf : NULL;

	if (v && v->res) {
		ctx_error(c, &gd->loc, -EINVAL,
			  "%s is VF %u of PF %s, which this file declares: give its driver there "
			  "(vfs: - id: %u, driver: %s)",
			  gd->pci, v->id, v->pf->address, v->id, gd->driver);
		return;
	}
	if (!dev && !vf)
		return; /* not on this host: plan_guests said so */
	if (dev && dev->is_pf && dev->sriov.num_vfs > 0) {
		ctx_error(
		    c, &gd->loc, -EBUSY,
		    "PCI device %s is an SR-IOV PF with %u VFs: binding it to %s would remove "
		    "them",
		    gd->pci, dev->sriov.num_vfs, gd->driver);
		return;
	}
	const char *have = dev ? dev->driver : vf->driver;
	if (streq_ptr(have, gd->driver) || plan_bind_of(c, gd->pci))
		return; /* a second guest given it: plan_attach_safety blocks that attach */
	struct pending *p = ctx_add(c, ACTION_BIND_DRIVER, gd->pci);
	if (!p)
		return;
	p->loc = &gd->loc;
	p->a.device = strdup(gd->pci);
	p->a.driver.from = strdup_or_null(have);
	p->a.driver.to = strdup(gd->driver);
	p->a.reason = strprintf("guest %s gets it on %s", g->name, gd->driver);
	if (!p->a.device || (have && !p->a.driver.from) || !p->a.driver.to || !p->a.reason) {
		ctx_oom(c);
		return;
	}
	char *why = others_why(c, g->name, gd->pci, vf);
	if (why)
		ctx_block(c, p, why);
}

/*
 * managed: false: the device must be on vfio-pci when the guest starts,
 * bound by the host or by this plan (driver: on a pci: device, a VF's
 * driver under pfs); libvirt binds nothing then.
 */
static void check_unmanaged(struct plan_ctx *c, const struct guest_spec *g,
			    const struct guest_device *gd)
{
	const struct src_loc *loc = gd->managed_loc.line ? &gd->managed_loc : &gd->loc;
	_cleanup_(freep) char *what = NULL;
	const char *drv, *fix;

	if (gd->pci) {
		const struct pci_dev_state *dev = host_find_pci(c->h, gd->pci);
		const struct vf_ref *v = plan_vf_by_address(c, gd->pci);
		if (!dev && !(v && v->vf))
			return; /* not on this host: plan_guests said so */
		const struct pending *b = plan_bind_of(c, gd->pci);
		drv = gd->driver ? gd->driver
		      : b	 ? b->a.driver.to
		      : dev	 ? dev->driver
				 : v->vf->driver;
		what = strprintf("PCI device %s", gd->pci);
		fix = "give it driver: vfio-pci";
	} else {
		const struct pf_res *r = plan_pf_named(c, gd->vf_pf);
		if (!r || !r->host || gd->vf_id >= r->want)
			return; /* plan_guests said so */
		const struct vf_spec *vs = pf_spec_find_vf(r->spec, gd->vf_id);
		const struct vf_state *hv = plan_host_vf(r->host, gd->vf_id);
		drv = vs && vs->driver ? vs->driver : r->spec->vf_driver;
		if (!drv && hv && !r->recreate)
			drv = hv->driver;
		what = strprintf("VF %u of PF %s", gd->vf_id, r->host->address);
		fix = "give the VF driver: vfio-pci under pfs (vfs: or vf-driver:)";
	}
	if (!what) {
		ctx_oom(c);
		return;
	}
	if (streq_ptr(drv, VFIO_PCI))
		return;
	ctx_error(c, loc, -EINVAL,
		  "%s (guest '%s') has managed: false but %s%s: libvirt binds nothing for "
		  "managed='no', and QEMU cannot open a device that is not on vfio-pci, so the "
		  "guest would not start; %s",
		  what, g->name, drv ? "stays on driver " : "has no driver", drv ? drv : "", fix);
}

int plan_devices(struct plan_ctx *c)
{
	for (size_t i = 0; i < c->s->n_guests; i++) {
		const struct guest_spec *g = &c->s->guests[i];
		if (!host_find_domain(c->h, g->name))
			continue; /* plan_guests said so */
		for (size_t j = 0; j < g->n_devices; j++)
			if (g->devices[j].pci && g->devices[j].driver)
				plan_whole_driver(c, g, &g->devices[j]);
		for (size_t j = 0; j < g->n_devices; j++)
			if (!g->devices[j].managed && !g->devices[j].network)
				check_unmanaged(c, g, &g->devices[j]);
	}
	return 0;
}

struct pf_res *plan_pf_named(const struct plan_ctx *c, const char *name)
{
	for (size_t i = 0; name && i < c->s->n_pfs; i++) {
		struct pf_res *r = &c->pfs[i];
		if (streq_ptr(r->spec->pci, name) || streq_ptr(r->spec->interface, name) ||
		    (r->host && streq(r->host->address, name)))
			return r;
	}
	return NULL;
}

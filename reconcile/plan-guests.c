/* SPDX-License-Identifier: MIT */
/*
 * Guests: attach what the file lists and the domain XML lacks, replace
 * what differs, prune what the file no longer lists (prune: true).
 * Guests the file does not name are never touched.
 */
#include <strings.h>

#include "plan-internal.h"

/* A name a vf: {pf: ...} may use for a declared PF, for bisection. */
struct pf_name {
	const char *name;
	size_t i; /* index into c->pfs: the first PF a name matches wins */
};

static int pf_name_cmp(const void *a, const void *b)
{
	const struct pf_name *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : (x->i > y->i) - (x->i < y->i);
}

/* Every declared PF's pci, interface and host address, sorted; *ret owned. */
static int pf_names(const struct plan_ctx *c, struct pf_name **ret, size_t *ret_n)
{
	struct pf_name *v = calloc(3 * c->s->n_pfs + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < c->s->n_pfs; i++) {
		const struct pf_res *r = &c->pfs[i];
		const char *names[] = {r->spec->pci, r->spec->interface,
				       r->host ? r->host->address : NULL};
		for (size_t k = 0; k < ARRAY_SIZE(names); k++)
			if (names[k])
				v[n++] = (struct pf_name){names[k], i};
	}
	qsort(v, n, sizeof(*v), pf_name_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* A vf: {pf: ...} reference: a declared PF's pci or interface, or its host address. */
static struct pf_res *res_by_name(struct plan_ctx *c, const struct pf_name *names, size_t n,
				  const char *name)
{
	size_t lo = 0, hi = n;

	if (!name) { /* streq_ptr(NULL, NULL): a PF declared without pci or interface */
		for (size_t i = 0; i < c->s->n_pfs; i++)
			if (!c->pfs[i].spec->pci || !c->pfs[i].spec->interface)
				return &c->pfs[i];
		return NULL;
	}
	while (lo < hi) { /* the first entry not below name: the lowest index */
		size_t mid = (lo + hi) / 2;
		if (strcmp(names[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && streq(names[lo].name, name) ? &c->pfs[names[lo].i] : NULL;
}

/*
 * The address of a guest device, kept in the context. *note tells how a
 * VF that does not exist yet was resolved (owned). NULL on error.
 */
static const char *resolve_device(struct plan_ctx *c, const struct pf_name *names, size_t n_names,
				  const struct guest_device *gd, struct pf_res **ret_res, char **note)
{
	*ret_res = NULL;
	*note = NULL;
	if (gd->pci) {
		if (host_find_pci(c->h, gd->pci) || plan_vf_by_address(c, gd->pci))
			return gd->pci;
		ctx_error(c, &gd->loc, -ENODEV, "PCI device '%s' not found on this host", gd->pci);
		return NULL;
	}
	struct pf_res *r = res_by_name(c, names, n_names, gd->vf_pf);
	if (!r) {
		ctx_error(c, &gd->loc, -EINVAL, "'%s' is not a PF declared in this file",
			  gd->vf_pf ? gd->vf_pf : "(none)");
		return NULL;
	}
	if (!r->host)
		return NULL; /* already reported */
	if (gd->vf_id >= r->want) {
		ctx_error(c, &gd->loc, -ERANGE, "VF %u of '%s' does not exist (num-vfs %u)",
			  gd->vf_id, r->host->address, r->want);
		return NULL;
	}
	*ret_res = r;
	const struct vf_state *vf = plan_host_vf(r->host, gd->vf_id);
	if (vf && vf->address)
		return vf->address;
	char *a = pf_vf_address(r->host, gd->vf_id);
	if (!a) {
		ctx_error(c, &gd->loc, -EADDRNOTAVAIL,
			  "cannot resolve the address of VF %u of '%s': it does not exist yet and "
			  "the PF's offset and stride are unknown",
			  gd->vf_id, r->host->address);
		return NULL;
	}
	*note = strprintf("VF %u of %s will be %s once created", gd->vf_id, r->host->address, a);
	return ctx_keep(c, a);
}

static bool same_text(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcasecmp(a, b) == 0;
}

/* Does the existing device satisfy the file? Unset fields of the file match anything. */
static bool dev_matches(const struct guest_device *gd, const struct guest_dev_state *ex)
{
	if (gd->type != ex->type || gd->managed != ex->managed)
		return false;
	if (gd->mac && !same_text(gd->mac, ex->mac))
		return false;
	if (gd->vlan >= 0 && gd->vlan != (ex->vlan < 0 ? 0 : ex->vlan))
		return false;
	if (gd->virtualport_type && (!same_text(gd->virtualport_type, ex->virtualport_type) ||
				     !streq_ptr(gd->profileid, ex->profileid)))
		return false;
	return true;
}

static bool dev_equal(const struct guest_dev_state *a, const struct guest_dev_state *b)
{
	return a->type == b->type && streq_ptr(a->address, b->address) &&
	       same_text(a->mac, b->mac) && a->vlan == b->vlan &&
	       streq_ptr(a->virtualport_type, b->virtualport_type) &&
	       streq_ptr(a->profileid, b->profileid);
}

static int copy_dev(struct guest_dev_state *to, const struct guest_dev_state *from)
{
	*to = (struct guest_dev_state){
	    .type = from->type,
	    .address = strdup_or_null(from->address),
	    .mac = strdup_or_null(from->mac),
	    .vlan = from->vlan,
	    .virtualport_type = strdup_or_null(from->virtualport_type),
	    .profileid = strdup_or_null(from->profileid),
	    .managed = from->managed,
	    .network = strdup_or_null(from->network),
	};
	if ((from->network && !to->network) || (from->address && !to->address) ||
	    (from->mac && !to->mac) || (from->virtualport_type && !to->virtualport_type) ||
	    (from->profileid && !to->profileid))
		return -ENOMEM;
	return 0;
}

static bool dom_running(const struct plan_ctx *c, const char *name)
{
	const struct domain_state *dom = host_find_domain(c->h, name);
	return dom && dom->running;
}

/* What the guest's scopes hold at addr now, as the attach's observed "from". */
static int attach_was(const struct domain_state *dom, const char *addr,
		      struct action_guest_was *was)
{
	const struct guest_dev_state *p = guest_dev_find(dom->devs, dom->n_devs, addr);
	const struct guest_dev_state *l =
	    dom->running ? guest_dev_find(dom->live_devs, dom->n_live_devs, addr) : NULL;

	if ((p && !(was->persistent = plan_describe_dev(p))) ||
	    (l && !(was->live = plan_describe_dev(l))))
		return -ENOMEM;
	return 0;
}

static void add_detach(struct plan_ctx *c, const struct guest_spec *g,
		       const struct guest_dev_state *ex, bool persistent, bool live,
		       const char *reason)
{
	struct pending *p = ctx_add(c, ACTION_DETACH, g->name);
	if (!p)
		return;
	p->loc = &g->loc;
	p->a.device = strdup_or_null(ex->address);
	p->a.guest.persistent = persistent;
	p->a.guest.live = live;
	p->a.guest.running = dom_running(c, g->name);
	p->a.reason = strdup(reason);
	if (copy_dev(&p->a.guest.dev, ex) < 0 || !p->a.device || !p->a.reason)
		ctx_oom(c);
}

/* Detach ex from the scopes given, as one action when both scopes hold the same device. */
static void detach_scopes(struct plan_ctx *c, const struct guest_spec *g,
			  const struct guest_dev_state *pers, const struct guest_dev_state *live,
			  const char *reason)
{
	if (pers && live && dev_equal(pers, live)) {
		add_detach(c, g, pers, true, true, reason);
		return;
	}
	if (pers)
		add_detach(c, g, pers, true, false, reason);
	if (live)
		add_detach(c, g, live, false, true, reason);
}

static void plan_device(struct plan_ctx *c, const struct guest_spec *g,
			const struct domain_state *dom, const struct guest_device *gd,
			const char *addr, struct pf_res *res, char *note)
{
	const struct guest_dev_state *pers = NULL, *live = NULL;
	bool attach_pers = false, attach_live = false;

	/* a transient domain (no persistent XML) has no definition to change */
	if (gd->persistent && dom->xml) {
		pers = guest_dev_find(dom->devs, dom->n_devs, addr);
		attach_pers = !pers || !dev_matches(gd, pers);
		if (pers && !attach_pers)
			pers = NULL;
	}
	if (gd->live && dom->running) {
		live = guest_dev_find(dom->live_devs, dom->n_live_devs, addr);
		attach_live = !live || !dev_matches(gd, live);
		if (live && !attach_live)
			live = NULL;
	}
	if (!attach_pers && !attach_live) {
		free(note);
		return;
	}

	struct guest_dev_state want = {
	    .type = gd->type,
	    .address = (char *)addr,
	    .mac = gd->mac,
	    .vlan = gd->vlan,
	    .virtualport_type = gd->virtualport_type,
	    .profileid = gd->profileid,
	    .managed = gd->managed,
	};
	if (pers || live) {
		_cleanup_(freep) char *desc = plan_describe_dev(&want);
		_cleanup_(freep) char *why = desc ? strprintf("the file wants (%s)", desc) : NULL;
		if (!why) {
			free(note);
			ctx_oom(c);
			return;
		}
		detach_scopes(c, g, pers, live, why);
	}

	struct pending *p = ctx_add(c, ACTION_ATTACH, g->name);
	if (!p) {
		free(note);
		return;
	}
	p->loc = &gd->loc;
	p->a.device = strdup(addr);
	p->a.guest.persistent = attach_pers;
	p->a.guest.live = attach_live;
	p->a.guest.running = dom->running;
	if (res) {
		p->a.vf.pf = strdup(res->host->address);
		p->a.vf.id = gd->vf_id;
		if (!p->a.vf.pf)
			ctx_oom(c);
	}
	if (note) {
		p->a.reason = note;
		p->a.show_reason = true;
	} else {
		p->a.reason = strdup(pers || live ? "replaces the device assigned now"
						  : "not assigned to the guest");
	}
	if (copy_dev(&p->a.guest.dev, &want) < 0 || !p->a.device || !p->a.reason ||
	    attach_was(dom, addr, &p->a.guest.was) < 0)
		ctx_oom(c);
}

/*
 * A VF from a pool: an <interface type='network'> on the network, with the
 * MAC if the file gives one. libvirt picks the VF when the guest starts
 * (or at a live attach), so there is no address to plan with.
 */
static void plan_net_device(struct plan_ctx *c, const struct guest_spec *g,
			    const struct domain_state *dom, const struct guest_device *gd)
{
	const struct network_state *hn = host_find_network(c->h, gd->network);
	bool pers, live;

	if (!spec_find_network(c->s, gd->network) && (!hn || !hn->hostdev)) {
		ctx_error(c, &gd->loc, -ENOENT,
			  hn ? "network '%s' is not a VF pool (forward mode hostdev)"
			     : "network '%s' is neither declared in 'networks' nor defined in "
			       "libvirt",
			  gd->network);
		return;
	}
	pers = gd->persistent && dom->xml &&
	       !guest_net_find(dom->nets, dom->n_nets, gd->network, gd->mac);
	live = gd->live && dom->running && !domain_live_net(c->h, dom, gd->network, gd->mac);
	if (!pers && !live)
		return;
	struct pending *p = ctx_add(c, ACTION_ATTACH, g->name);
	if (!p)
		return;
	p->loc = &gd->loc;
	p->a.guest.persistent = pers;
	p->a.guest.live = live;
	p->a.guest.running = dom->running;
	p->a.reason = strprintf("no interface on network %s%s%s", gd->network,
				gd->mac ? " with mac " : "", gd->mac ? gd->mac : "");
	struct guest_dev_state want = {
	    .type = DEVICE_INTERFACE,
	    .mac = gd->mac,
	    .vlan = -1,
	    .network = gd->network,
	};
	if (copy_dev(&p->a.guest.dev, &want) < 0 || !p->a.reason)
		ctx_oom(c);
}

/* A device of a PF the file manages: the PF itself or one of its VFs. */
static bool managed_address(const struct plan_ctx *c, const char *addr)
{
	const struct vf_ref *v = plan_vf_by_address(c, addr);
	if (v)
		return v->res != NULL;
	for (size_t i = 0; i < c->s->n_pfs; i++)
		if (c->pfs[i].host && streq(c->pfs[i].host->address, addr))
			return true;
	return false;
}

static bool listed(const char *const *addrs, size_t n, const char *addr)
{
	for (size_t i = 0; i < n; i++)
		if (addrs[i] && streq(addrs[i], addr))
			return true;
	return false;
}

/* A VF pool of the file: declared in networks:, or observed on a declared PF. */
static bool managed_network(const struct plan_ctx *c, const char *name)
{
	const struct network_state *hn = host_find_network(c->h, name);

	if (spec_find_network(c->s, name))
		return true;
	if (!hn || !hn->hostdev)
		return false;
	for (size_t i = 0; i < c->s->n_pfs; i++) {
		const struct pci_dev_state *pf = c->pfs[i].host;
		for (size_t j = 0; pf && hn->pf && j < pf->n_interfaces; j++)
			if (streq(pf->interfaces[j], hn->pf))
				return true;
	}
	for (size_t i = 0; i < hn->n_vfs; i++) /* a pool listing VF addresses */
		if (hn->vfs[i] && managed_address(c, hn->vfs[i]))
			return true;
	return false;
}

/* The file lists an interface on that network (with that MAC, when it gives one). */
static bool net_listed(const struct guest_spec *g, const char *network, const char *mac)
{
	for (size_t i = 0; i < g->n_devices; i++) {
		const struct guest_device *gd = &g->devices[i];
		if (gd->network && streq(gd->network, network) &&
		    (!gd->mac || same_text(gd->mac, mac)))
			return true;
	}
	return false;
}

/* The VF network handed dom for its interface with that MAC (live XML); NULL if none. */
static const char *handed_vf(const struct plan_ctx *c, const struct domain_state *dom,
			     const char *network, const char *mac)
{
	for (size_t i = 0; dom && i < dom->n_live_devs; i++) {
		const struct guest_dev_state *l = &dom->live_devs[i];
		const struct domain_state *to = NULL;
		const struct network_state *n =
		    l->address ? host_vf_handed_out(c->h, l->address, &to) : NULL;
		if (n && to == dom && streq(n->name, network) && (!mac || same_text(l->mac, mac)))
			return l->address;
	}
	return NULL;
}

/*
 * Detach a guest's interface on a pool from the scopes that hold it: pers
 * (its persistent interface) and live (in the running guest: the
 * interface, or the VF the pool handed out, whose address the action
 * keeps so that the VF counts as freed).
 */
static void add_net_detach(struct plan_ctx *c, const struct guest_spec *g, const char *network,
			   const struct guest_dev_state *pers, const struct guest_dev_state *live,
			   const char *reason)
{
	const struct guest_dev_state *from = pers ? pers : live;
	const struct domain_state *dom = host_find_domain(c->h, g->name);
	struct guest_dev_state dev = {
	    .type = DEVICE_INTERFACE,
	    .address = live ? (live->address ? live->address
					     : (char *)handed_vf(c, dom, network, from->mac))
			    : NULL,
	    .mac = from->mac,
	    .vlan = -1,
	    .managed = from->managed,
	    .network = (char *)network,
	};
	struct pending *p = ctx_add(c, ACTION_DETACH, g->name);

	if (!p)
		return;
	p->loc = &g->loc;
	p->a.guest.persistent = pers != NULL;
	p->a.guest.live = live != NULL;
	p->a.guest.running = dom_running(c, g->name);
	p->a.reason = strdup(reason);
	if (copy_dev(&p->a.guest.dev, &dev) < 0 || !p->a.reason)
		ctx_oom(c);
}

/* The interfaces on the file's pools that the file does not list. */
static void prune_nets(struct plan_ctx *c, const struct guest_spec *g,
		       const struct domain_state *dom, const char *reason)
{
	for (size_t i = 0; i < dom->n_nets; i++) {
		const struct guest_dev_state *e = &dom->nets[i];
		if (!managed_network(c, e->network) || net_listed(g, e->network, e->mac))
			continue;
		add_net_detach(c, g, e->network, e, domain_live_net(c->h, dom, e->network, e->mac),
			       reason);
	}
	if (!dom->running)
		return;
	/* only in the running guest: an interface naming the pool, or a VF it handed out */
	for (size_t i = 0; i < dom->n_live_nets; i++) {
		const struct guest_dev_state *l = &dom->live_nets[i];
		if (managed_network(c, l->network) && !net_listed(g, l->network, l->mac) &&
		    !guest_net_find(dom->nets, dom->n_nets, l->network, l->mac))
			add_net_detach(c, g, l->network, NULL, l, reason);
	}
	for (size_t i = 0; i < dom->n_live_devs; i++) {
		const struct guest_dev_state *l = &dom->live_devs[i];
		const struct domain_state *to = NULL;
		const struct network_state *n =
		    l->address ? host_vf_handed_out(c->h, l->address, &to) : NULL;
		if (n && to == dom && managed_network(c, n->name) &&
		    !net_listed(g, n->name, l->mac) &&
		    !guest_net_find(dom->nets, dom->n_nets, n->name, l->mac) &&
		    !guest_net_find(dom->live_nets, dom->n_live_nets, n->name, l->mac))
			add_net_detach(c, g, n->name, NULL, l, reason);
	}
}

static void prune(struct plan_ctx *c, const struct guest_spec *g, const struct domain_state *dom,
		  const char *const *addrs)
{
	const char *reason = "not in the file, and prune: true";

	prune_nets(c, g, dom, reason);

	for (size_t i = 0; i < dom->n_devs; i++) {
		const struct guest_dev_state *d = &dom->devs[i];
		if (!d->address || !managed_address(c, d->address) ||
		    listed(addrs, g->n_devices, d->address))
			continue;
		const struct guest_dev_state *l =
		    dom->running ? guest_dev_find(dom->live_devs, dom->n_live_devs, d->address)
				 : NULL;
		detach_scopes(c, g, d, l, reason);
	}
	if (!dom->running)
		return;
	for (size_t i = 0; i < dom->n_live_devs; i++) {
		const struct guest_dev_state *l = &dom->live_devs[i];
		const struct domain_state *by_net = NULL;
		/* a VF a pool gave it goes back with the pool's interface, not alone */
		if (l->address && host_vf_handed_out(c->h, l->address, &by_net) && by_net == dom)
			continue;
		if (!l->address || !managed_address(c, l->address) ||
		    listed(addrs, g->n_devices, l->address) ||
		    guest_dev_find(dom->devs, dom->n_devs, l->address))
			continue; /* the persistent loop handled those */
		add_detach(c, g, l, false, true, reason);
	}
}

int plan_guests(struct plan_ctx *c)
{
	const struct spec *s = c->s;
	_cleanup_(freep) struct pf_name *names = NULL;
	size_t n_names = 0;

	if (s->n_guests > 0 && !c->h->libvirt_ok)
		return ctx_error(c, &s->guests[0].loc, -ENOTCONN,
				 "guests are declared but libvirt was not observed");
	if (s->n_guests > 0 && pf_names(c, &names, &n_names) < 0)
		return ctx_oom(c), -ENOMEM;

	for (size_t i = 0; i < s->n_guests; i++) {
		const struct guest_spec *g = &s->guests[i];
		const struct domain_state *dom = host_find_domain(c->h, g->name);
		if (!dom) {
			ctx_error(c, &g->loc, -ENOENT, "guest '%s' is not defined in libvirt",
				  g->name);
			continue;
		}
		_cleanup_(freep) const char **addrs = calloc(g->n_devices + 1, sizeof(char *));
		if (!addrs)
			return ctx_oom(c), -ENOMEM;
		for (size_t j = 0; j < g->n_devices; j++) {
			struct pf_res *res;
			char *note;
			if (g->devices[j].network) {
				plan_net_device(c, g, dom, &g->devices[j]);
				continue;
			}
			addrs[j] = resolve_device(c, names, n_names, &g->devices[j], &res, &note);
			if (!addrs[j])
				continue;
			for (size_t k = 0; k < j; k++)
				if (addrs[k] && streq(addrs[k], addrs[j]))
					ctx_error(c, &g->devices[j].loc, -EINVAL,
						  "device %s is listed twice for guest '%s'",
						  addrs[j], g->name);
			plan_device(c, g, dom, &g->devices[j], addrs[j], res, note);
		}
		if (g->prune)
			prune(c, g, dom, addrs);
	}
	return 0;
}

/* h holds the attach's device and keeps it: another guest, not detached by this plan. */
static bool holds_against(const struct plan_ctx *c, const struct pending *p, const struct holder *h)
{
	return !streq(h->dom->name, p->a.target) &&
	       !plan_detached(c, h->dom->name, p->a.device, h->live);
}

static bool held_elsewhere(const struct plan_ctx *c, const struct pending *p,
			   const struct holder *hv, size_t nh)
{
	for (size_t j = 0; j < nh; j++)
		if (holds_against(c, p, &hv[j]))
			return true;
	return false;
}

/*
 * After the counts are known: an attach of a VF that will not be created
 * (its count change is blocked), of a device whose driver binding is
 * blocked, of a VF whose netdev the host uses, of a device another guest
 * holds and keeps, or of a whole device whose IOMMU group the guest
 * cannot have (plan-iommu.c), is blocked.
 */
int plan_attach_safety(struct plan_ctx *c)
{
	for (size_t i = 0; i < c->n_acts; i++) {
		struct pending *p = &c->acts[i];
		if (p->a.kind != ACTION_ATTACH || !p->a.device)
			continue; /* a VF from a pool: libvirt picks a free one */
		const struct vf_ref *v = plan_vf_by_address(c, p->a.device);
		if (v && v->res && v->res->count_blocked && (!v->vf || v->id >= v->res->cur)) {
			ctx_block(c, p, strdup(v->res->count_why));
			continue;
		}
		const struct pending *bind = plan_bind_of(c, p->a.device);
		if (bind && bind->blocked) {
			ctx_block(c, p,
				  strprintf("needs the blocked bind-driver of %s", p->a.device));
			continue;
		}
		/* libvirt takes the VF from its host driver, and the host's use of it with it */
		char *host_use = v && !bind ? plan_host_use_why(c, p->a.device, v->vf) : NULL;
		if (host_use) {
			ctx_block(c, p, host_use);
			continue;
		}

		size_t nh;
		const struct holder *hv = plan_holders_of(c, p->a.device, &nh);
		if (!held_elsewhere(c, p, hv, nh)) {
			plan_iommu_check(c, p);
			continue;
		}
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		if (!f)
			return ctx_oom(c), -ENOMEM;
		const struct domain_state *last = NULL;
		for (size_t j = 0; j < nh; j++) {
			if (!holds_against(c, p, &hv[j]) || hv[j].dom == last)
				continue;
			fprintf(
			    f, "%s%s %s is held by guest %s, which the file does not give it to",
			    last ? "; " : "", v ? "VF" : "device", p->a.device, hv[j].dom->name);
			last = hv[j].dom;
		}
		if (fclose(f) != 0) {
			free(buf);
			return ctx_oom(c), -ENOMEM;
		}
		ctx_block(c, p, buf);
	}
	return 0;
}

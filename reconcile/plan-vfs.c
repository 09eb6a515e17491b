/* SPDX-License-Identifier: MIT */
/*
 * PFs and their VFs: drivers autoprobe, the eswitch mode, the VF count
 * (and what it would take from guests), VF drivers, per-VF settings and netdev MTUs.
 */
#include <strings.h>

#include "driver-limits.h"
#include "plan-internal.h"

/* ---- counts ---- */

static void plan_autoprobe(struct plan_ctx *c, struct pf_res *r)
{
	int want = r->spec->drivers_autoprobe, have = r->host->sriov.drivers_autoprobe;

	if (want < 0 || want == have)
		return;
	struct pending *p = ctx_add(c, ACTION_SET_DRIVERS_AUTOPROBE, r->host->address);
	if (!p)
		return;
	p->loc = &r->spec->loc;
	p->a.autoprobe.from = have;
	p->a.autoprobe.to = want;
	p->a.reason = strdup(want ? "new VFs are bound to their default driver"
				  : "new VFs stay unbound until a driver is chosen");
	if (!p->a.reason)
		ctx_oom(c);
}

/* Addresses of every VF a PF has now. */
static const char **existing_vfs(const struct pci_dev_state *pf, size_t *n)
{
	const char **v = calloc(pf->sriov.n_vfs + 1, sizeof(char *));

	*n = 0;
	for (size_t i = 0; v && i < pf->sriov.n_vfs; i++)
		if (pf->sriov.vfs[i].address)
			v[(*n)++] = pf->sriov.vfs[i].address;
	return v;
}

/*
 * p takes the PF's VFs away (set-num-vfs, set-eswitch-mode): blocked when
 * someone uses one of them. Blocked, the PF keeps them, and whatever needs
 * the new ones is blocked with it.
 */
static void guard_vfs(struct plan_ctx *c, struct pf_res *r, struct pending *p)
{
	size_t n;
	_cleanup_(freep) const char **addrs = existing_vfs(r->host, &n);

	if (!addrs)
		return (void)ctx_oom(c);
	char *why = plan_holders_why(c, addrs, n);
	if (!why)
		return;
	ctx_block(c, p, why);
	if (!p->blocked)
		return;
	r->emptied = false;
	r->count_blocked = true;
	r->recreate = false;
	free(r->count_why); /* an earlier change's, blocked by the same users */
	r->count_why = strprintf("needs the blocked %s change of %s",
				 p->a.kind == ACTION_SET_ESWITCH_MODE ? "eswitch-mode" : "num-vfs",
				 r->host->address);
	if (!r->count_why)
		ctx_oom(c);
}

/*
 * The eswitch mode. mlx5 and ice refuse to change it while VFs exist, so a
 * PF with VFs loses them first (the applier writes 0) and set-num-vfs
 * creates them again: disruptive, and guarded like a smaller VF count.
 */
static void plan_eswitch(struct plan_ctx *c, struct pf_res *r)
{
	enum eswitch_mode want = r->spec->eswitch_mode, have = r->host->sriov.eswitch_mode;
	const char *addr = r->host->address;

	if (!want || want == have)
		return;
	if (!have) {
		ctx_error(c, &r->spec->eswitch_mode_loc, -EOPNOTSUPP,
			  "eswitch-mode %s: PF '%s' has no eswitch mode (driver %s: not supported "
			  "through devlink)",
			  eswitch_mode_name(want), addr,
			  r->host->driver ? r->host->driver : "(none)");
		return;
	}
	struct pending *p = ctx_add(c, ACTION_SET_ESWITCH_MODE, addr);
	if (!p)
		return;
	p->loc = &r->spec->eswitch_mode_loc;
	p->a.eswitch.from = have;
	p->a.eswitch.to = want;
	p->a.eswitch.vfs = r->cur;
	p->a.disruptive = r->cur > 0;
	p->a.reason = r->cur ? strprintf("the eswitch mode changes only without VFs (mlx5, ice): "
					 "all %u VFs are removed first",
					 r->cur)
			     : strdup("the PF has no VFs: the mode changes before any is created");
	if (!p->a.reason)
		ctx_oom(c);
	if (r->cur == 0)
		return;
	r->emptied = true;
	r->recreate = r->want > 0;
	guard_vfs(c, r, p);
}

static void plan_num_vfs(struct plan_ctx *c, struct pf_res *r)
{
	const char *addr = r->host->address;

	if (r->by_reload || (r->want == r->cur && !r->emptied))
		return;
	struct pending *p = ctx_add(c, ACTION_SET_NUM_VFS, addr);
	if (!p)
		return;
	p->loc = r->spec->num_vfs_loc.line ? &r->spec->num_vfs_loc : &r->spec->loc;
	p->a.num.from = r->cur;
	p->a.num.to = r->want;
	p->a.num.pf_driver = strdup_or_null(r->host->driver);
	p->a.disruptive = r->cur > 0;
	const char *how =
	    r->spec->method == PF_METHOD_MODULE
		? "; reached through sysfs now, the module option keeps it across loads"
		: "";
	if (r->cur == 0)
		p->a.reason = strprintf("create %u VFs%s", r->want, how);
	else if (r->emptied && r->want > 0)
		p->a.reason = strprintf("set-eswitch-mode removes all %u VFs first: %u are created "
					"in the new mode%s",
					r->cur, r->want, how);
	else if (r->want == 0)
		p->a.reason = strprintf("remove all %u VFs%s", r->cur, how);
	else
		p->a.reason = strprintf("the kernel changes a non-zero VF count only through 0: "
					"all %u VFs are removed and %u created%s",
					r->cur, r->want, how);
	p->a.show_reason = r->emptied; /* a count the file may not change is explained */
	if (!p->a.reason || (r->host->driver && !p->a.num.pf_driver))
		ctx_oom(c);
	if (r->cur == 0)
		return;
	r->recreate = r->want > 0;
	guard_vfs(c, r, p);
}

/* A blocked module reload keeps every PF of that driver as it is. */
static void reload_safety(struct plan_ctx *c, size_t i)
{
	const char *driver = c->acts[i].a.target;
	const char **addrs = NULL;
	size_t n = 0, cap = 0;

	for (size_t j = 0; j < c->h->n_pci; j++) {
		const struct pci_dev_state *pf = &c->h->pci[j];
		if (!pf->is_pf || !streq_ptr(pf->driver, driver))
			continue;
		for (size_t k = 0; k < pf->sriov.n_vfs; k++) {
			const char **slot = pf->sriov.vfs[k].address ? GROW(addrs, n, cap) : NULL;
			if (slot)
				*slot = pf->sriov.vfs[k].address;
			else if (pf->sriov.vfs[k].address)
				ctx_oom(c);
		}
	}
	char *why = plan_holders_why(c, addrs, n);
	free(addrs);
	if (!why)
		return;
	ctx_block(c, &c->acts[i], why);
	if (!c->acts[i].blocked)
		return;
	for (size_t j = 0; j < c->s->n_pfs; j++) {
		struct pf_res *r = &c->pfs[j];
		if (!r->host || !streq_ptr(r->host->driver, driver))
			continue;
		r->recreate = false;
		if (!r->by_reload)
			continue;
		r->count_blocked = true;
		free(r->count_why);
		r->count_why = strprintf("needs the blocked reload of module %s", driver);
		if (!r->count_why)
			ctx_oom(c);
	}
}

int plan_counts(struct plan_ctx *c)
{
	for (size_t i = 0; i < c->s->n_pfs; i++) {
		struct pf_res *r = &c->pfs[i];
		if (!r->host)
			continue;
		plan_autoprobe(c, r);
		plan_eswitch(c, r);
		plan_num_vfs(c, r);
	}
	for (size_t i = 0; i < c->n_acts; i++)
		if (c->acts[i].a.kind == ACTION_RELOAD_MODULE)
			reload_safety(c, i);
	return 0;
}

/* ---- per VF ---- */

struct vf_ctx {
	struct pf_res *r;
	unsigned id;
	const struct vf_state *hv; /* NULL: does not exist now */
	bool is_new;		   /* created by this plan: settings are defaults */
	const char *dep_why;	   /* the VF needs a blocked count change */
	char *address;		   /* owned; NULL when unknown */
};

static struct pending *vf_action(struct plan_ctx *c, const struct vf_ctx *v, enum action_kind k,
				 const struct src_loc *loc)
{
	struct pending *p = ctx_add(c, k, v->r->host->address);
	if (!p)
		return NULL;
	p->loc = loc;
	p->a.vf.pf = strdup(v->r->host->address);
	p->a.vf.id = v->id;
	p->a.vf.is_new = v->is_new;
	p->a.device = strdup_or_null(v->address);
	if (k == ACTION_SET_VF && v->r->host->n_interfaces > 0 &&
	    !(p->a.vf.pf_interface = strdup(v->r->host->interfaces[0])))
		ctx_oom(c);
	if (!p->a.vf.pf || (v->address && !p->a.device))
		ctx_oom(c);
	if (v->dep_why)
		ctx_block(c, p, strdup(v->dep_why));
	return p;
}

static void plan_driver(struct plan_ctx *c, const struct vf_ctx *v, const char *want,
			const struct src_loc *loc)
{
	const char *have = v->hv ? v->hv->driver : NULL;

	if (!v->is_new && streq_ptr(have, want))
		return;
	struct pending *p = vf_action(c, v, ACTION_BIND_DRIVER, loc);
	if (!p)
		return;
	p->a.driver.from = v->is_new ? NULL : strdup_or_null(have);
	p->a.driver.to = strdup(want);
	p->a.reason = strdup(v->is_new ? "the VF is created by this plan"
			     : have    ? "the VF is bound to another driver"
				       : "the VF has no driver");
	if ((!v->is_new && have && !p->a.driver.from) || !p->a.driver.to || !p->a.reason)
		ctx_oom(c);
	if (v->is_new || v->dep_why || !v->hv->address)
		return;
	const char *addr = v->hv->address;
	char *why = plan_holders_why(c, &addr, 1);
	if (why)
		ctx_block(c, p, why);
}

/* One set-vf action of attribute a, when the VF does not have it already. */
static void set_vf(struct plan_ctx *c, const struct vf_ctx *v, const struct vf_spec *vs,
		   enum vf_attr a)
{
	const struct vf_state *hv = v->is_new ? NULL : v->hv;

	if (!vf_link_has(&vs->link, a) || (hv && vf_link_matches(&hv->link, &vs->link, a)))
		return;
	struct pending *p = vf_action(c, v, ACTION_SET_VF, &vs->loc);
	if (!p)
		return;
	p->a.link.attr = a;
	if (hv)
		vf_link_copy_attr(&p->a.link.from, &hv->link, a);
	vf_link_copy_attr(&p->a.link.to, &vs->link, a);
	if (a == VF_ATTR_MIN_TX_RATE || a == VF_ATTR_MAX_TX_RATE) {
		/* the kernel takes both rates in one request: the other as wanted, or as found */
		enum vf_attr other = a == VF_ATTR_MIN_TX_RATE ? VF_ATTR_MAX_TX_RATE
							      : VF_ATTR_MIN_TX_RATE;
		if (vf_link_has(&vs->link, other))
			vf_link_copy_attr(&p->a.link.to, &vs->link, other);
	}
	p->a.reason = strdup(v->is_new ? "the VF is created with default settings"
				       : "the VF's setting differs");
	if (!p->a.reason)
		ctx_oom(c);
	/* a known refusal of the PF's driver is shown now, not met halfway through apply */
	const struct driver_limit *dl = driver_limit_find(v->r->host->driver, a, &p->a.link.to);
	if (dl && !p->a.why)
		ctx_block(c, p,
			  strprintf("the PF's driver %s refuses it: %s (it answers %s)", dl->driver,
				    dl->what, dl->error));
}

static void plan_settings(struct plan_ctx *c, const struct vf_ctx *v, const struct vf_spec *vs)
{
	for (enum vf_attr a = 0; a < _VF_ATTR_MAX; a++)
		set_vf(c, v, vs, a);
}

/* ---- MTU ---- */

/* The MTU a VF's netdev should have (its own or the PF's vf-mtu); 0: none asked. */
static unsigned vf_mtu_want(const struct pf_spec *ps, const struct vf_spec *vs,
			    const struct src_loc **ret_loc)
{
	if (vs && vs->mtu) {
		*ret_loc = &vs->mtu_loc;
		return vs->mtu;
	}
	*ret_loc = &ps->vf_mtu_loc;
	return ps->vf_mtu;
}

/* An MTU outside the range the netdev's driver reported is refused now, not halfway. */
static bool mtu_in_range(struct plan_ctx *c, const struct src_loc *loc, const char *what,
			 unsigned want, const struct netdev_mtu *m)
{
	if ((!m->min || want >= m->min) && (!m->max || want <= m->max))
		return true;
	ctx_error(c, loc, -ERANGE, "mtu %u of %s is outside the range its driver takes (%u..%u)",
		  want, what, m->min, m->max);
	return false;
}

/*
 * set-mtu action of a netdev: target is the PF's address (so that the PF's
 * own, without vf, is ordered before its VFs'), device the netdev's.
 */
static struct pending *mtu_action(struct plan_ctx *c, const struct pf_res *r, const char *device,
				  const char *interface, const struct netdev_mtu *have,
				  unsigned want, const struct src_loc *loc)
{
	struct pending *p = ctx_add(c, ACTION_SET_MTU, r->host->address);

	if (!p)
		return NULL;
	p->loc = loc;
	p->a.device = strdup_or_null(device);
	p->a.mtu.interface = strdup_or_null(interface);
	p->a.mtu.from = have ? have->mtu : 0;
	p->a.mtu.to = want;
	p->a.mtu.min = have ? have->min : 0;
	p->a.mtu.max = have ? have->max : 0;
	if ((device && !p->a.device) || (interface && !p->a.mtu.interface))
		ctx_oom(c);
	return p;
}

/*
 * The PF's MTU: as the file says, or raised to the largest MTU its VFs
 * ask when that is above the PF's (a VF above its PF is refused by igb,
 * ixgbe and i40e, or drops what the PF cannot carry); never lowered
 * below a VF's.
 */
static void plan_pf_mtu(struct plan_ctx *c, struct pf_res *r)
{
	const struct pf_spec *ps = r->spec;
	const struct pci_dev_state *pf = r->host;
	const struct src_loc *loc = &ps->mtu_loc, *vloc;
	unsigned want = ps->mtu, vf_max = 0, vf_id = 0;
	size_t j = 0;

	for (unsigned id = 0; id < r->want; id++) {
		while (j < ps->n_vfs && ps->vfs[j].id < id)
			j++;
		const struct vf_spec *vs =
		    j < ps->n_vfs && ps->vfs[j].id == id ? &ps->vfs[j] : NULL;
		unsigned m = vf_mtu_want(ps, vs, &vloc);
		if (ps->mtu && m > ps->mtu) {
			ctx_error(c, vloc, -ERANGE,
				  "VF %u mtu %u exceeds the PF's mtu %u: raise the PF's mtu to at "
				  "least %u",
				  id, m, ps->mtu, m);
			return;
		}
		if (m > vf_max) {
			vf_max = m;
			vf_id = id;
			if (!ps->mtu)
				loc = vloc;
		}
	}
	if (!want && vf_max > pf->mtu.mtu && pf->mtu.mtu)
		want = vf_max;
	if (!want || want == pf->mtu.mtu)
		return;
	if (pf->n_interfaces == 0) {
		ctx_error(c, loc, -ENODEV, "PF %s has no netdev to set mtu %u on", pf->address,
			  want);
		return;
	}
	if (!mtu_in_range(c, loc, pf->interfaces[0], want, &pf->mtu))
		return;
	struct pending *p = mtu_action(c, r, pf->address, pf->interfaces[0], &pf->mtu, want, loc);
	if (!p)
		return;
	p->a.reason = ps->mtu ? strdup("the PF's MTU differs")
			      : strprintf("raised for VF %u's mtu %u: a VF's MTU is never above "
					  "its PF's",
					  vf_id, vf_max);
	p->a.show_reason = !ps->mtu; /* a change the file does not name is explained */
	if (!p->a.reason)
		ctx_oom(c);
}

/* The VF netdev's MTU; drv is the driver the plan binds (NULL: as found). */
static void plan_vf_mtu(struct plan_ctx *c, const struct vf_ctx *v, const struct vf_spec *vs,
			const char *drv)
{
	const struct pf_spec *ps = v->r->spec;
	const struct src_loc *loc;
	unsigned want = vf_mtu_want(ps, vs, &loc);
	const struct vf_state *hv = v->is_new ? NULL : v->hv;
	const char *now_drv = drv ? drv : hv ? hv->driver : NULL;

	if (!want || (hv && !drv && hv->mtu.mtu == want))
		return;
	if (driver_is_passthrough(now_drv) && !(vs && vs->mtu))
		return; /* vf-mtu is for the VFs that have a netdev */
	if (driver_is_passthrough(now_drv)) {
		ctx_error(c, loc, -EINVAL,
			  "VF %u of %s has mtu %u but its driver %s gives it no netdev on the host",
			  v->id, v->r->host->address, want, now_drv);
		return;
	}
	if (hv && !drv && !hv->driver) {
		ctx_error(c, loc, -EINVAL,
			  "VF %u of %s has mtu %u but no driver, so no netdev on the host (give it "
			  "one with driver:)",
			  v->id, v->r->host->address, want);
		return;
	}
	if (hv &&
	    !mtu_in_range(c, loc, hv->interface ? hv->interface : hv->address, want, &hv->mtu))
		return;
	/* a rebound VF gets a new netdev: its name and MTU are known only then */
	bool known = hv && !drv;
	struct pending *p = mtu_action(c, v->r, v->address, known ? hv->interface : NULL,
				       known ? &hv->mtu : NULL, want, loc);
	if (!p)
		return;
	if (v->is_new || (hv && drv && !streq_ptr(drv, hv->driver)) || !hv)
		p->a.vf.is_new = true;
	p->a.vf.pf = strdup(v->r->host->address);
	p->a.vf.id = v->id;
	p->a.reason = strdup(p->a.vf.is_new ? "the VF's netdev is created by this plan"
					    : "the VF netdev's MTU differs");
	if (!p->a.vf.pf || !p->a.reason)
		ctx_oom(c);
	if (v->dep_why)
		ctx_block(c, p, strdup(v->dep_why));
}

static void plan_pf_vfs(struct plan_ctx *c, struct pf_res *r)
{
	const struct pf_spec *ps = r->spec;
	size_t j = 0;

	plan_pf_mtu(c, r);
	if (!ps->vf_driver && !ps->vf_mtu && ps->n_vfs == 0)
		return;
	for (unsigned id = 0; id < r->want; id++) {
		const struct vf_spec *vs = NULL;
		while (j < ps->n_vfs && ps->vfs[j].id < id)
			j++;
		if (j < ps->n_vfs && ps->vfs[j].id == id)
			vs = &ps->vfs[j];
		const char *drv = vs && vs->driver ? vs->driver : ps->vf_driver;
		if (!drv && !vs && !ps->vf_mtu)
			continue;

		struct vf_ctx v = {.r = r, .id = id, .hv = plan_host_vf(r->host, id)};
		v.is_new = r->recreate || !v.hv;
		if (r->count_blocked && !v.hv)
			v.dep_why = r->count_why;
		v.address =
		    v.hv && v.hv->address ? strdup(v.hv->address) : pf_vf_address(r->host, id);
		if (drv)
			plan_driver(c, &v, drv, vs && vs->driver ? &vs->loc : &ps->loc);
		if (vs)
			plan_settings(c, &v, vs);
		plan_vf_mtu(c, &v, vs,
			    drv && (v.is_new || !streq_ptr(v.hv->driver, drv)) ? drv : NULL);
		free(v.address);
	}
}

int plan_vfs(struct plan_ctx *c)
{
	for (size_t i = 0; i < c->s->n_pfs; i++)
		if (c->pfs[i].host)
			plan_pf_vfs(c, &c->pfs[i]);
	return 0;
}

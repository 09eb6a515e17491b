/* SPDX-License-Identifier: MIT */
/* Narrowing a plan to one PF or one side (host, guests). See plan-only.h. */
#include "plan-only.h"

static const char *const scope_names[_PLAN_SCOPE_MAX] = {
    [PLAN_SCOPE_ALL] = "all",
    [PLAN_SCOPE_HOST] = "host",
    [PLAN_SCOPE_GUESTS] = "guests",
};

const char *plan_scope_to_string(enum plan_scope s)
{
	return (unsigned)s < _PLAN_SCOPE_MAX ? scope_names[s] : NULL;
}

int plan_scope_from_string(const char *s)
{
	for (size_t i = 0; s && i < _PLAN_SCOPE_MAX; i++)
		if (streq(s, scope_names[i]))
			return (int)i;
	return -EINVAL;
}

int plan_only_resolve(const struct host *h, const char *name, const char **ret)
{
	_cleanup_(freep) char *norm = pci_address_normalize(name);
	const struct pci_dev_state *pf = host_find_pf(h, norm ? norm : name);

	if (!pf)
		return -ENODEV;
	*ret = pf->address;
	return 0;
}

static bool is_module_action(const struct action *a)
{
	return a->kind == ACTION_WRITE_MODPROBE_CONF || a->kind == ACTION_RELOAD_MODULE;
}

/* The PF an action is about; NULL for module actions and devices of no PF. */
static const char *action_pf(const struct action *a, const struct host *h)
{
	const struct pci_dev_state *pf = NULL;

	switch (a->kind) {
	case ACTION_SET_NUM_VFS:
	case ACTION_SET_DRIVERS_AUTOPROBE:
	case ACTION_SET_ESWITCH_MODE:
	case ACTION_SET_MTU:
		return a->target;
	case ACTION_BIND_DRIVER:
	case ACTION_SET_VF:
		return a->vf.pf;
	case ACTION_ATTACH:
	case ACTION_DETACH:
		/* a VF of a managed PF carries its PF (also when not created yet) */
		if (a->vf.pf)
			return a->vf.pf;
		if (a->device && host_find_vf(h, a->device, &pf) && pf)
			return pf->address;
		/* a whole PF handed to a guest */
		return a->device && host_find_pf(h, a->device) ? a->device : NULL;
	case ACTION_DEFINE_NETWORK:
	case ACTION_START_NETWORK:
	case ACTION_REFRESH_NETWORK:
	case ACTION_SET_NETWORK_AUTOSTART:
		return a->net.pf;
	default:
		return NULL;
	}
}

static bool selected(const struct action *a, const struct host *h, const struct plan_filter *f)
{
	if (f->scope == PLAN_SCOPE_HOST && action_is_libvirt(a))
		return false;
	if (f->scope == PLAN_SCOPE_GUESTS && !action_is_libvirt(a))
		return false;
	if (!f->only)
		return true;
	const char *pf = action_pf(a, h);
	return pf && streq(pf, f->only);
}

/* A VF of pf (an address) bound to vfio-pci, or NULL. */
static const char *vfio_vf(const struct host *h, const char *pf_address)
{
	const struct pci_dev_state *pf = host_find_pci(h, pf_address);

	for (size_t i = 0; pf && pf->is_pf && i < pf->sriov.n_vfs; i++) {
		const struct vf_state *v = &pf->sriov.vfs[i];
		if (v->driver && streq(v->driver, "vfio-pci"))
			return v->address;
	}
	return NULL;
}

/*
 * Without libvirt nobody is known to hold a VF. A guest holds a VF through
 * vfio-pci: an action that takes such a VF away (destroys it, rebinds it)
 * may take it from a guest. The VF in question, or NULL.
 */
static const char *takes_vfio_vf(const struct action *a, const struct host *h)
{
	const char *v = NULL;

	switch (a->kind) {
	case ACTION_SET_NUM_VFS:
		return a->num.from > 0 ? vfio_vf(h, a->target) : NULL;
	case ACTION_SET_ESWITCH_MODE:
		return a->eswitch.vfs > 0 ? vfio_vf(h, a->target) : NULL;
	case ACTION_BIND_DRIVER:
		return a->driver.from && streq(a->driver.from, "vfio-pci") ? a->device : NULL;
	case ACTION_RELOAD_MODULE:
		for (size_t i = 0; a->module.loaded && !v && i < a->module.n_pfs; i++)
			v = vfio_vf(h, a->module.pfs[i]);
		return v;
	default:
		return NULL;
	}
}

static int add_blocked(struct plan *p, struct action *a)
{
	struct action *b = GROW(p->blocked, p->n_blocked, p->cap_blocked);

	if (!b)
		return -ENOMEM;
	*b = *a;
	*a = (struct action){0};
	return 0;
}

/* The host-only guard (see struct plan_filter): *ret_block when a must be blocked. */
static int guard_host_scope(struct action *a, const struct host *h, bool force, struct diag *d,
			    bool *ret_block)
{
	const char *vf = takes_vfio_vf(a, h);

	*ret_block = false;
	if (!vf || h->libvirt_ok)
		return 0;
	_cleanup_(freep) char *why = strprintf(
	    "VF %s is bound to vfio-pci and may be held by a guest; --scope host does not ask "
	    "libvirt (run --scope all once libvirt is up)",
	    vf);
	if (!why)
		return -ENOMEM;
	if (force) {
		diag_warning(d, NULL, "--force: %s %s goes ahead although %s",
			     action_kind_to_string(a->kind), a->device ? a->device : a->target,
			     why);
		return 0;
	}
	free(a->why);
	a->why = TAKE_PTR(why);
	*ret_block = true;
	return 0;
}

/* Keep the selected actions of v[0..*n) in order; count the module actions --only drops. */
static void narrow(struct action *v, size_t *n, const struct host *h, const struct plan_filter *f,
		   size_t *ret_modules)
{
	size_t k = 0;

	for (size_t i = 0; i < *n; i++) {
		if (selected(&v[i], h, f)) {
			v[k++] = v[i];
			continue;
		}
		if (f->only && f->scope != PLAN_SCOPE_GUESTS && is_module_action(&v[i]))
			(*ret_modules)++;
		action_release(&v[i]);
	}
	*n = k;
}

/* The host changes of p that the scope guests leaves out (of the --only PF, if given). */
static size_t host_changes_left(const struct plan *p, const struct host *h,
				const struct plan_filter *f)
{
	const struct plan_filter both_sides = {.only = f->only};
	size_t n = 0;

	for (size_t i = 0; i < p->n_changes; i++)
		n += !action_is_libvirt(&p->changes[i]) && selected(&p->changes[i], h, &both_sides);
	return n;
}

/* Scope host: move the changes the guard blocks to the blocked list. */
static int block_unguarded(struct plan *p, const struct host *h, bool force, struct diag *d)
{
	size_t k = 0;
	int r = 0;

	for (size_t i = 0; i < p->n_changes; i++) {
		bool block = false;
		if (r >= 0)
			r = guard_host_scope(&p->changes[i], h, force, d, &block);
		if (block && add_blocked(p, &p->changes[i]) >= 0)
			continue;
		if (block)
			r = -ENOMEM;
		p->changes[k++] = p->changes[i];
	}
	p->n_changes = k;
	return r;
}

int plan_filter(struct plan *p, const struct host *h, const struct plan_filter *f, struct diag *d)
{
	size_t modules = 0, host_left = 0;

	if (f->scope == PLAN_SCOPE_GUESTS)
		host_left = host_changes_left(p, h, f);
	narrow(p->changes, &p->n_changes, h, f, &modules);
	narrow(p->blocked, &p->n_blocked, h, f, &modules);
	if (modules > 0)
		diag_note(d, NULL,
			  "--only %s: %zu module action%s left out (a modprobe.d file or a module "
			  "load concerns every PF of its driver; run without --only)",
			  f->only, modules, modules == 1 ? "" : "s");
	if (host_left > 0)
		diag_warning(d, NULL,
			     "--scope guests: %zu host change%s left out; the host does not match "
			     "the file yet (run 'sriovctl apply --scope host')",
			     host_left, host_left == 1 ? "" : "s");
	if (f->scope == PLAN_SCOPE_HOST)
		return block_unguarded(p, h, f->force, d);
	return 0;
}

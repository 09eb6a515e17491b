/* SPDX-License-Identifier: MIT */
/*
 * What a desired-state file needs observed, and whether it is for this
 * host. See scope.h.
 */
#include "modconf.h"
#include "scope.h"

/* The passthrough driver VFs are bound to for guests (vf-driver: vfio-pci). */
static const char *const passthrough_module = "vfio-pci";

const char *scope_libvirt_uri(const struct spec *s, const char *override)
{
	if (override)
		return override;
	if (s && s->libvirt_uri)
		return s->libvirt_uri;
	return SRIOVCTL_DEFAULT_LIBVIRT_URI;
}

void observe_scope_release(struct observe_scope *sc)
{
	free(sc->modules);
	free(sc->files);
	free(sc->pci);
	free(sc->module_pfs);
	*sc = (struct observe_scope){0};
}

/* The file asks an MTU somewhere (so the VF netdevs' MTUs are read). */
static bool spec_asks_mtu(const struct spec *s)
{
	for (size_t i = 0; i < s->n_pfs; i++) {
		if (s->pfs[i].mtu || s->pfs[i].vf_mtu)
			return true;
		for (size_t j = 0; j < s->pfs[i].n_vfs; j++)
			if (s->pfs[i].vfs[j].mtu)
				return true;
	}
	return false;
}

/* The file asks an eswitch mode (so devlink is asked for every PF's). */
static bool spec_asks_eswitch(const struct spec *s)
{
	for (size_t i = 0; i < s->n_pfs; i++)
		if (s->pfs[i].eswitch_mode)
			return true;
	return false;
}

int observe_scope_init(struct observe_scope *sc, const struct spec *s, const char *root,
		       const char *libvirt_uri)
{
	size_t n_mod = s ? s->n_modules : 0, n_dev = 0, n_count = 0;
	const struct count_option *count = modconf_count_options(&n_count);

	*sc = (struct observe_scope){0};
	for (size_t i = 0; s && i < s->n_guests; i++)
		n_dev += s->guests[i].n_devices;
	sc->modules = calloc(n_mod + n_count + 2, sizeof(char *));
	sc->files = calloc(n_mod + 1, sizeof(char *));
	sc->pci = calloc(n_dev + 1, sizeof(char *));
	sc->module_pfs = calloc((s ? s->n_pfs : 0) + 1, sizeof(char *));
	if (!sc->modules || !sc->files || !sc->pci || !sc->module_pfs)
		return -ENOMEM;

	struct observe_opts *o = &sc->opts;
	*o = (struct observe_opts){
	    .root = root,
	    .libvirt_uri = libvirt_uri,
	    .libvirt_required = s && s->n_guests > 0,
	    .modules = sc->modules,
	    .files = sc->files,
	    .pci = sc->pci,
	    .module_pfs = sc->module_pfs,
	    .complete = true,
	    .mtu = !s || spec_asks_mtu(s), /* show prints them */
	    .eswitch = !s || spec_asks_eswitch(s),
	};
	/* the observer drops duplicates */
	for (size_t i = 0; i < n_mod; i++) {
		sc->modules[o->n_modules++] = s->modules[i].name;
		sc->files[o->n_files++] = s->modules[i].file;
	}
	for (size_t i = 0; i < n_count; i++)
		sc->modules[o->n_modules++] = count[i].driver;
	/* a PF with method module: its driver's default file, where the count is kept */
	for (size_t i = 0; s && i < s->n_pfs; i++)
		if (s->pfs[i].method == PF_METHOD_MODULE)
			sc->module_pfs[o->n_module_pfs++] =
			    s->pfs[i].pci ? s->pfs[i].pci : s->pfs[i].interface;
	sc->modules[o->n_modules++] = passthrough_module;
	for (size_t i = 0; s && i < s->n_guests; i++)
		for (size_t j = 0; j < s->guests[i].n_devices; j++)
			if (s->guests[i].devices[j].pci)
				sc->pci[o->n_pci++] = s->guests[i].devices[j].pci;
	return 0;
}

void observe_scope_for_plan(struct observe_scope *sc, const struct spec *s)
{
	/* the file's own modules come first in sc->modules */
	sc->opts.n_modules = s ? s->n_modules : 0;
	sc->opts.named_modules_only = true;
}

int host_guard_check(const struct spec *s, const struct host *h, const char *state_path,
		     struct diag *d)
{
	if (!s->host || (h->hostname && streq(h->hostname, s->host)))
		return 0;
	if (!state_path)
		return diag_error(d, &s->host_loc, -EPERM,
				  "this file is for host '%s', but this is '%s'", s->host,
				  h->hostname ? h->hostname : "(unknown)");
	if (!h->hostname)
		return diag_error(d, &s->host_loc, -EPERM,
				  "this file is for host '%s', but the host-state file '%s' has "
				  "no hostname",
				  s->host, state_path);
	return diag_error(d, &s->host_loc, -EPERM,
			  "this file is for host '%s', but the host-state file '%s' is of host "
			  "'%s'",
			  s->host, state_path, h->hostname);
}

int observe_scope_init_plan(struct observe_scope *sc, const struct plan *p, const char *root,
			    const char *libvirt_uri)
{
	size_t n = p->n_changes + p->n_blocked;
	bool guests = false;

	*sc = (struct observe_scope){0};
	sc->modules = calloc(2 * n + 1, sizeof(char *));
	sc->files = calloc(n + 1, sizeof(char *));
	sc->pci = calloc(n + 1, sizeof(char *));
	if (!sc->modules || !sc->files || !sc->pci)
		return -ENOMEM;
	struct observe_opts *o = &sc->opts;
	*o = (struct observe_opts){
	    .root = root,
	    .libvirt_uri = libvirt_uri ? libvirt_uri : SRIOVCTL_DEFAULT_LIBVIRT_URI,
	    .modules = sc->modules,
	    .files = sc->files,
	    .pci = sc->pci,
	    .complete = true,
	};
	for (size_t i = 0; i < n; i++) {
		const struct action *a =
		    i < p->n_changes ? &p->changes[i] : &p->blocked[i - p->n_changes];
		switch (a->kind) {
		case ACTION_SET_MTU:
			o->mtu = true;
			break;
		case ACTION_SET_ESWITCH_MODE:
			o->eswitch = true;
			break;
		case ACTION_RELOAD_MODULE:
			sc->modules[o->n_modules++] = a->target;
			break;
		case ACTION_WRITE_MODPROBE_CONF:
			sc->files[o->n_files++] = a->target;
			sc->modules[o->n_modules++] = a->module.module;
			break;
		case ACTION_ATTACH:
		case ACTION_DETACH:
			guests = true;
			if (a->device)
				sc->pci[o->n_pci++] = a->device;
			break;
		default:
			break;
		}
		guests = guests || a->n_users > 0;
	}
	/* the facts of guest actions and users come from libvirt: it must answer */
	o->libvirt_required = guests;
	/* nothing of it is a guest's and nothing takes VFs away: libvirt has nothing to say */
	if (!guests && !plan_takes_vfs(p))
		o->libvirt_uri = NULL;
	return 0;
}

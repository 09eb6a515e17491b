/* SPDX-License-Identifier: MIT */
/*
 * sriovctl doctor: why SR-IOV will or will not work here, before anything
 * is changed. The checks are reconcile/doctor.c's; this file loads the
 * file (if any), observes the host with what a preflight reads, and says
 * the result (text or JSON) and the exit status.
 */
#include "doctor.h"
#include "cli.h"
#include "host-state.h"
#include "observe.h"
#include "scope.h"
#include "spec-merge.h"

/*
 * The desired state and its "file" check: FILE, else the default file and
 * its drop-ins when there are some, else none (the host alone is checked).
 * *ret_invalid: the file is invalid (its errors are on stderr).
 */
static int load_file(const struct args *a, struct doctor *dr, struct spec **ret, bool *ret_invalid)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	char **paths = NULL;
	size_t n = 0;
	const char *name = a->file;
	struct diag d;
	int r;

	diag_init(&d);
	if (a->file) {
		r = spec_load(a->file, &d, &s);
	} else {
		r = spec_default_files(a->root, &d, &paths, &n);
		if (r >= 0 && n > 0) {
			name = paths[0];
			r = spec_load_merged(paths, n, &d, &s);
		}
	}
	print_diag(&d);
	if (!name && r >= 0)
		r = doctor_add(dr, "file", DOCTOR_OK, false, NULL,
			       "no desired-state file: the host alone is checked");
	else if (r >= 0)
		r = doctor_add(dr, "file", DOCTOR_OK, true, NULL,
			       "%s%s: valid (%zu PF%s, %zu guest%s)", name,
			       n > 1 ? " and its drop-ins" : "", s->n_pfs, s->n_pfs == 1 ? "" : "s",
			       s->n_guests, s->n_guests == 1 ? "" : "s");
	else {
		const struct diag_entry *e = NULL;
		for (size_t i = 0; i < d.n && !e; i++)
			if (d.v[i].level == DIAG_ERROR)
				e = &d.v[i];
		*ret_invalid = true;
		r = doctor_add(dr, "file", DOCTOR_FAIL, true,
			       "correct the errors (sriovctl validate lists them all)",
			       "%s: invalid: %s%s%u:%u: %s", name ? name : "?",
			       e && e->file ? e->file : "", e && e->file ? ":" : "",
			       e ? e->line : 0, e ? e->col : 0, e ? e->msg : "unreadable");
	}
	spec_paths_free(paths, n);
	diag_release(&d);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

/*
 * The live host with what a preflight reads: every PF, the file's PFs also
 * when they have no SR-IOV (to say so), vfio-pci and the VF drivers, and
 * libvirt only when the file has guests or VF pools, unreachable being a
 * check.
 */
static int observe(const struct args *a, const struct spec *s, struct diag *d, struct host **ret)
{
	_cleanup_(observe_scope_releasep) struct observe_scope sc = {0};
	_cleanup_(strv_release) struct strv mods = {0}, pci = {0};
	int r;

	r = observe_scope_init(&sc, s, a->root, s && (s->n_guests || s->n_networks) ? libvirt_uri(a, s) : NULL);
	for (size_t i = 0; r >= 0 && i < sc.opts.n_modules; i++)
		r = strv_add_unique(&mods, sc.opts.modules[i]);
	if (r >= 0)
		r = doctor_module_names(s, &mods);
	for (size_t i = 0; r >= 0 && i < sc.opts.n_pci; i++)
		r = strv_add_unique(&pci, sc.opts.pci[i]);
	for (size_t i = 0; r >= 0 && s && i < s->n_pfs; i++)
		if (s->pfs[i].pci)
			r = strv_add_unique(&pci, s->pfs[i].pci);
	if (r < 0)
		return diag_error(d, NULL, r, "out of memory");
	sc.opts.modules = (const char *const *)mods.v;
	sc.opts.n_modules = mods.n;
	sc.opts.pci = (const char *const *)pci.v;
	sc.opts.n_pci = pci.n;
	sc.opts.libvirt_required = false;
	sc.opts.preflight = true;
	log_verbose("observing the host for a preflight");
	return host_observe(&sc.opts, d, ret);
}

int cmd_doctor(struct args *a)
{
	_cleanup_(doctor_releasep) struct doctor dr = {0};
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(host_freep) struct host *h = NULL;
	const char *fmt = a->format ? a->format : "text";
	bool invalid = false;
	struct diag d;
	int r;

	if (!streq(fmt, "text") && !streq(fmt, "json"))
		return usage_error("unknown format '%s' (text, json)", fmt);
	if (load_file(a, &dr, &s, &invalid) < 0)
		return log_error("out of memory"), EXIT_ERROR;

	diag_init(&d);
	if (a->state) {
		log_verbose("reading the host-state file %s", a->state);
		r = state_load(a->state, &d, &h);
	} else {
		r = observe(a, s, &d, &h);
	}
	print_diag(&d);
	diag_release(&d);
	if (r < 0)
		return EXIT_ERROR;

	r = doctor_check_host(&dr, s, h);
	if (r < 0)
		return log_error("out of memory"), EXIT_ERROR;
	r = streq(fmt, "json") ? doctor_render_json(&dr, stdout) : doctor_render_text(&dr, stdout);
	if (r < 0 || fflush(stdout) != 0) {
		log_error("cannot write output");
		return EXIT_ERROR;
	}
	if (invalid)
		return EXIT_INVALID;
	return doctor_failed(&dr) ? EXIT_ERROR : EXIT_OK;
}

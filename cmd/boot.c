/* SPDX-License-Identifier: MIT */
/*
 * What boot-time and event-driven runs add to plan and apply (doc/boot.md):
 * waiting for the file's PFs while their drivers probe (--wait-pfs),
 * narrowing the plan to one side (--scope host|guests) or one PF
 * (--only), and the progress line while VFs appear.
 */
#include <unistd.h>

#include "cli.h"
#include "pci-sysfs.h"
#include "plan-only.h"

int boot_check_options(const struct args *a)
{
	if (a->scope && plan_scope_from_string(a->scope) < 0)
		return usage_error("--scope: unknown scope '%s' (host, guests, all)", a->scope);
	if (boot_narrowed(a) && a->out)
		return usage_error(
		    "-o saves a whole plan: it cannot be used with --only or --scope");
	if (boot_narrowed(a) && a->plan)
		return usage_error("--plan applies a saved plan exactly: it cannot be used with "
				   "--only or --scope");
	if (a->wait_pfs > 0 && a->state)
		return usage_error("--wait-pfs waits for the live host: it cannot be used with "
				   "--state");
	return -1;
}

static enum plan_scope scope_of(const struct args *a)
{
	int s = a->scope ? plan_scope_from_string(a->scope) : PLAN_SCOPE_ALL;
	return s < 0 ? PLAN_SCOPE_ALL : (enum plan_scope)s;
}

bool boot_narrowed(const struct args *a)
{
	return a->only || scope_of(a) != PLAN_SCOPE_ALL;
}

bool boot_host_only(const struct args *a)
{
	return scope_of(a) == PLAN_SCOPE_HOST;
}

void boot_wait_pfs(const struct args *a, const struct spec *s)
{
	_cleanup_(freep) const char **names = NULL;
	size_t n = 0;
	struct diag d;

	if (a->wait_pfs <= 0 || a->state)
		return;
	names = calloc(s->n_pfs + 1, sizeof(*names));
	if (!names)
		return;
	if (a->only)
		names[n++] = a->only;
	else
		for (size_t i = 0; i < s->n_pfs; i++)
			names[n++] = s->pfs[i].pci ? s->pfs[i].pci : s->pfs[i].interface;
	diag_init(&d);
	sysfs_wait_pfs(names, n, a->wait_pfs, &d);
	print_diag(&d);
	diag_release(&d);
}

/* Is the PF at address (with its netdevs on h) one of s's? */
static bool spec_names_pf(const struct spec *s, const struct host *h, const char *address)
{
	const struct pci_dev_state *pf = host_find_pci(h, address);

	if (spec_find_pf(s, address))
		return true;
	for (size_t i = 0; pf && i < pf->n_interfaces; i++)
		if (spec_find_pf(s, pf->interfaces[i]))
			return true;
	return false;
}

int boot_narrow(const struct args *a, const struct spec *s, const struct host *h, struct plan *p,
		struct diag *d)
{
	struct plan_filter f = {.scope = scope_of(a), .force = a->force};

	if (!boot_narrowed(a))
		return 0;
	if (a->only && plan_only_resolve(h, a->only, &f.only) < 0)
		return diag_error(
		    d, NULL, -ENODEV,
		    "--only '%s': no SR-IOV PF with that address or interface on this "
		    "host",
		    a->only);
	if (f.only && !spec_names_pf(s, h, f.only))
		diag_note(d, NULL,
			  "--only %s: '%s' does not name this PF; only guest devices of it "
			  "are considered",
			  f.only, s->path);
	if (plan_filter(p, h, &f, d) < 0)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	return 0;
}

/* ---- progress ---- */

static bool progress_on;

/*
 * Runs in the worker that sets a PF's VF count (a child process); its
 * stderr is ours. Each PF rewrites the one line; the last call clears it.
 */
static void show_progress(const char *pf, unsigned have, unsigned want, void *userdata)
{
	(void)userdata;
	if (have >= want)
		fputs("\r\033[K", stderr);
	else
		fprintf(stderr, "\r\033[K%s: %u/%u VFs", pf, have, want);
	fflush(stderr);
}

void boot_progress_start(const struct args *a)
{
	progress_on = !a->quiet && isatty(STDERR_FILENO);
	if (progress_on)
		sysfs_set_progress(show_progress, NULL);
}

void boot_progress_end(void)
{
	if (progress_on)
		fputs("\r\033[K", stderr);
}

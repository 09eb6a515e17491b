/* SPDX-License-Identifier: MIT */
/* sriovctl show: the observed host as text, JSON, a host-state file or a desired-state file. */
#include "cli.h"
#include "host-state.h"
#include "observe.h"
#include "render-spec.h"
#include "render.h"

int cmd_show(struct args *a)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(host_freep) struct host *h = NULL;
	struct diag d;
	int r, ret = EXIT_OK;

	const char *fmt = a->format ? a->format : "text";
	if (!streq(fmt, "text") && !streq(fmt, "json") && !streq(fmt, "state") &&
	    !streq(fmt, "spec") && !streq(fmt, "dot"))
		return usage_error("unknown format '%s' (text, json, state, spec, dot)", fmt);

	if (a->file && load_spec(a->file, &s) < 0)
		return EXIT_INVALID;
	diag_init(&d);
	r = get_host(a, s, false, &d, &h);
	/* names are read from pci.ids only for the formats that print them */
	if (r >= 0 && !a->state && !streq(fmt, "spec") && host_lookup_names(h) < 0)
		r = diag_error(&d, NULL, -ENOMEM, "out of memory");
	if (r >= 0 && !h->libvirt_ok && h->libvirt_error)
		diag_note(&d, NULL, "guests not observed: %s", h->libvirt_error);
	print_diag(&d);
	diag_release(&d);
	if (r < 0)
		return EXIT_ERROR;

	if (streq(fmt, "json"))
		r = state_write_json(h, stdout);
	else if (streq(fmt, "state"))
		r = state_write(h, stdout);
	else if (streq(fmt, "spec"))
		r = render_host_spec(h, stdout);
	else if (streq(fmt, "dot"))
		r = render_host_dot(h, NULL, stdout);
	else
		r = render_host_text(h, stdout);
	if (r < 0 || fflush(stdout) != 0) {
		log_error("cannot write output: %s", strerror(r < 0 ? -r : errno));
		ret = EXIT_ERROR;
	}
	return ret;
}

/* SPDX-License-Identifier: MIT */
/*
 * sriovctl metrics: the drift of the desired state and the host's VFs for
 * Prometheus, on stdout or written atomically for node_exporter's
 * textfile collector (--output). The rendering is reconcile/metrics.c's.
 */
#include "metrics.h"
#include "cli.h"
#include "scope.h"
#include "spec-merge.h"

/* The desired state: FILE, else the default file and its drop-ins, else none (-1 with *ret NULL).
 */
static int load_optional(const struct args *a, struct spec **ret)
{
	char **paths = NULL;
	size_t n = 0;
	struct diag d;
	int r;

	*ret = NULL;
	if (a->file)
		return load_desired(a, ret);
	diag_init(&d);
	r = spec_default_files(a->root, &d, &paths, &n);
	print_diag(&d);
	diag_release(&d);
	spec_paths_free(paths, n);
	if (r < 0)
		return EXIT_ERROR;
	return n > 0 ? load_desired(a, ret) : -1;
}

struct output {
	const struct spec *s;
	const struct host *h;
	const struct plan *p;
};

static int write_metrics(FILE *f, void *arg)
{
	const struct output *o = arg;

	return metrics_render(o->s, o->h, o->p, f);
}

int cmd_metrics(struct args *a)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(host_freep) struct host *h = NULL;
	_cleanup_(plan_freep) struct plan *p = NULL;
	struct plan_opts o = {0};
	struct diag d;
	int r, ret;

	ret = load_optional(a, &s);
	if (ret >= 0)
		return ret;
	diag_init(&d);
	/* libvirt is asked whatever the file says: the guests label the VFs */
	r = get_host(a, s, true, &d, &h);
	if (r >= 0 && s && host_guard_check(s, h, a->state, &d) >= 0 &&
	    plan_compute(s, h, &o, &d, &p) < 0)
		ret = EXIT_ERROR; /* said on stderr, and as sriovctl_plan_ok 0 */
	print_diag(&d);
	diag_release(&d);
	if (r < 0)
		return EXIT_ERROR;
	if (s && !p)
		ret = EXIT_ERROR;

	struct output out = {s, h, p};
	if (a->out) {
		r = write_file_atomic(a->out, 0644, write_metrics, &out);
		if (r < 0)
			return log_error("cannot write the metrics to '%s': %s", a->out,
					 strerror(-r)),
			       EXIT_ERROR;
	} else if (write_metrics(stdout, &out) < 0 || fflush(stdout) != 0) {
		log_error("cannot write output");
		return EXIT_ERROR;
	}
	return ret >= 0 ? ret : EXIT_OK;
}

/* SPDX-License-Identifier: MIT */
/*
 * sriovctl: make a host's SR-IOV setup match a YAML file.
 *
 * This file owns everything the user sees: option parsing, the subcommand
 * table, exit codes, and printing of diagnostics. reconcile/ never prints.
 */
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <unistd.h>

#include <json-c/json.h>

#include "apply.h"
#include "diag.h"
#include "host.h"
#include "observe.h"
#include "host-state.h"
#include "lock.h"
#include "plan.h"
#include "render.h"
#include "sha256.h"
#include "scope.h"
#include "spec.h"
#include "util.h"
#include "worker.h"

enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_CHANGES = 2,
	EXIT_BLOCKED = 3,
	EXIT_STALE = 4,
	EXIT_USAGE = 64,
	EXIT_INVALID = 65,
};

struct args {
	const char *file;    /* -f */
	const char *state;   /* --state */
	const char *root;    /* --root, SRIOVCTL_ROOT */
	const char *libvirt; /* --libvirt, SRIOVCTL_LIBVIRT_URI */
	const char *format;  /* --format text|json|state */
	const char *out;     /* plan -o: save the plan */
	const char *plan;    /* apply --plan: apply a saved plan */
	bool quiet, detailed_exitcode, dry_run, force;
	double timeout, lock_timeout;
	int argc;
	char **argv;
};

static const char *prog = "sriovctl";

static _printf_(1, 2) int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s --help')\n", prog);
	return EXIT_USAGE;
}

static void print_diag(struct diag *d)
{
	diag_sort(d);
	diag_print(d, stderr);
}

/* ---- validate ---- */

/* One line of JSON for a file: {"file", "valid", "diagnostics"}. */
static int print_validate_json(const char *file, bool valid, struct diag *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *diags = diag_to_json(d);
	int r = -ENOMEM;

	if (o && diags) {
		json_object_object_add(o, "file", json_object_new_string(file));
		json_object_object_add(o, "valid", json_object_new_boolean(valid));
		json_object_object_add(o, "diagnostics", diags);
		diags = NULL;
		const char *text = json_object_to_json_string_ext(
		    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		r = text && printf("%s\n", text) > 0 ? 0 : -EIO;
	}
	json_object_put(diags);
	json_object_put(o);
	return r;
}

static int cmd_validate(struct args *a)
{
	bool json = a->format && streq(a->format, "json");
	int ret = EXIT_OK;

	if (a->format && !json && !streq(a->format, "text"))
		return usage_error("validate: unknown format '%s' (text, json)", a->format);
	if (a->argc < 1)
		return usage_error("validate: no file given");
	for (int i = 0; i < a->argc; i++) {
		_cleanup_(spec_freep) struct spec *s = NULL;
		struct diag d;
		int r;

		diag_init(&d);
		r = spec_load(a->argv[i], &d, &s);
		if (r < 0)
			ret = EXIT_INVALID;
		if (json) {
			/* the diagnostics are in the object, not on stderr; -q keeps the objects */
			diag_sort(&d);
			if (print_validate_json(a->argv[i], r >= 0, &d) < 0) {
				fprintf(stderr, "%s: error: cannot write output\n", prog);
				ret = EXIT_ERROR;
			}
			diag_release(&d);
			continue;
		}
		print_diag(&d);
		if (r < 0) {
			/* reported above */
		} else if (!a->quiet) {
			printf("%s: valid (%zu PF%s, %zu module%s, %zu guest%s)\n", a->argv[i],
			       s->n_pfs, s->n_pfs == 1 ? "" : "s", s->n_modules,
			       s->n_modules == 1 ? "" : "s", s->n_guests,
			       s->n_guests == 1 ? "" : "s");
		}
		diag_release(&d);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "%s: error: cannot write output: %s\n", prog, strerror(errno));
		return EXIT_ERROR;
	}
	return ret;
}

/* ---- observing: live host or --state ---- */

static const char *libvirt_uri(const struct args *a, const struct spec *s)
{
	return scope_libvirt_uri(s, a->libvirt);
}

/* Observe the host (or load --state). Diagnostics go to d. */
static int get_host(const struct args *a, const struct spec *s, struct diag *d, struct host **ret)
{
	struct observe_scope sc;
	int r;

	if (a->state)
		return state_load(a->state, d, ret);
	r = observe_scope_init(&sc, s, a->root, libvirt_uri(a, s));
	if (r >= 0)
		r = host_observe(&sc.opts, d, ret);
	else
		diag_error(d, NULL, r, "out of memory");
	observe_scope_release(&sc);
	return r;
}

/* ---- show ---- */

static int cmd_show(struct args *a)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(host_freep) struct host *h = NULL;
	struct diag d;
	int r, ret = EXIT_OK;

	if (a->argc > 0)
		return usage_error("show: unexpected argument '%s'", a->argv[0]);
	const char *fmt = a->format ? a->format : "text";
	if (!streq(fmt, "text") && !streq(fmt, "json") && !streq(fmt, "state"))
		return usage_error("show: unknown format '%s' (text, json, state)", fmt);

	diag_init(&d);
	if (a->file) {
		r = spec_load(a->file, &d, &s);
		if (r < 0) {
			print_diag(&d);
			diag_release(&d);
			return EXIT_INVALID;
		}
	}
	r = get_host(a, s, &d, &h);
	if (r >= 0 && !h->libvirt_ok && h->libvirt_error)
		diag_note(&d, NULL, "guests not observed: %s", h->libvirt_error);
	print_diag(&d);
	diag_release(&d);
	if (r < 0)
		return EXIT_ERROR;

	if (streq(fmt, "json"))
		r = render_host_json(h, stdout);
	else if (streq(fmt, "state"))
		r = state_write(h, stdout);
	else
		r = render_host_text(h, stdout);
	if (r < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "%s: error: cannot write output: %s\n", prog,
			strerror(r < 0 ? -r : errno));
		ret = EXIT_ERROR;
	}
	return ret;
}

/* ---- plan and apply ---- */

static void lock_releasep(int *fd)
{
	lock_release(*fd);
}

/* Load the spec, get the host, compute the plan. Returns an exit code or -1 to go on. */
static int load_and_plan(struct args *a, struct spec **ret_s, struct host **ret_h,
			 struct plan **ret_p)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(host_freep) struct host *h = NULL;
	_cleanup_(plan_freep) struct plan *p = NULL;
	struct diag d;
	int r;

	if (!a->file)
		return usage_error("no desired-state file given (-f FILE)");
	if (a->argc > 0)
		return usage_error("unexpected argument '%s'", a->argv[0]);

	diag_init(&d);
	r = spec_load(a->file, &d, &s);
	if (r < 0) {
		print_diag(&d);
		diag_release(&d);
		return EXIT_INVALID;
	}
	r = get_host(a, s, &d, &h);
	if (r >= 0)
		r = host_guard_check(s, h, a->state, &d);
	if (r >= 0) {
		struct plan_opts o = {.force = a->force};
		r = plan_compute(s, h, &o, &d, &p);
	}
	print_diag(&d);
	diag_release(&d);
	if (r < 0)
		return EXIT_ERROR;
	*ret_s = TAKE_PTR(s);
	*ret_h = TAKE_PTR(h);
	*ret_p = TAKE_PTR(p);
	return -1;
}

static int print_plan(const struct args *a, const struct plan *p)
{
	int r = (a->format && streq(a->format, "json")) ? render_plan_json(p, stdout)
							: render_plan_text(p, stdout);
	if (r < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "%s: error: cannot write output\n", prog);
		return -EIO;
	}
	return 0;
}

/*
 * plan -o FILE: the plan with what it was computed from, written to a
 * temporary file and renamed, so that a reader never sees half a plan.
 */
static int save_plan(const struct args *a, const struct spec *s, const struct host *h,
		     struct plan *p)
{
	_cleanup_(freep) char *text = NULL, *tmp = NULL;
	char digest[SHA256_HEX_LEN];
	json_object *root;
	FILE *f;
	int r;

	r = read_text_file(a->file, 16u << 20, &text);
	if (r < 0) {
		fprintf(stderr, "%s: error: cannot read '%s' again: %s\n", prog, a->file,
			strerror(-r));
		return r;
	}
	sha256_hex(text, strlen(text), digest);
	p->source = (struct plan_source){
	    .version = strdup(VERSION),
	    .hostname = strdup_or_null(h->hostname),
	    .spec_path = strdup(a->file),
	    .spec_sha256 = strdup(digest),
	    .libvirt_uri = strdup(libvirt_uri(a, s)),
	    .forced = a->force,
	};
	root = render_plan_tree(p, RENDER_PLAN_SAVED);
	tmp = strprintf("%s.tmpXXXXXX", a->out);
	int fd = tmp && root ? mkostemp(tmp, O_CLOEXEC) : -1;
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	r = f ? render_json(root, true, f) : -errno;
	if (f && (fflush(f) != 0 || fsync(fileno(f)) != 0) && r >= 0)
		r = -errno;
	if (f && fclose(f) != 0 && r >= 0)
		r = -errno;
	else if (!f && fd >= 0)
		close(fd);
	if (r >= 0 && rename(tmp, a->out) < 0)
		r = -errno;
	if (r < 0) {
		if (fd >= 0)
			unlink(tmp);
		fprintf(stderr, "%s: error: cannot write the plan to '%s': %s\n", prog, a->out,
			strerror(-r));
	}
	json_object_put(root);
	return r;
}

static int cmd_plan(struct args *a)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(host_freep) struct host *h = NULL;
	_cleanup_(plan_freep) struct plan *p = NULL;
	int ret;

	if (a->format && !streq(a->format, "text") && !streq(a->format, "json"))
		return usage_error("plan: unknown format '%s' (text, json)", a->format);
	ret = load_and_plan(a, &s, &h, &p);
	if (ret >= 0)
		return ret;
	if (print_plan(a, p) < 0)
		return EXIT_ERROR;
	if (a->out && save_plan(a, s, h, p) < 0)
		return EXIT_ERROR;
	if (a->detailed_exitcode && (p->n_changes > 0 || p->n_blocked > 0))
		return EXIT_CHANGES;
	return EXIT_OK;
}

/* apply --json: one JSON object per line on stdout. */
struct json_events {
	size_t done, failed, skipped;
};

static void json_line(json_object *o)
{
	render_json(o, false, stdout);
	fflush(stdout);
	json_object_put(o);
}

static void on_event(void *userdata, const struct plan *p, size_t i, enum apply_event ev,
		     const char *msg)
{
	static const char *const names[] = {"start", "done", "error", "skipped"};
	struct json_events *je = userdata;
	const struct action *a = &p->changes[i];
	json_object *o = json_object_new_object();

	je->done += ev == APPLY_DONE;
	je->failed += ev == APPLY_ERROR;
	je->skipped += ev == APPLY_SKIPPED;
	json_object_object_add(o, "type", json_object_new_string("event"));
	json_object_object_add(o, "event", json_object_new_string(names[ev]));
	json_object_object_add(o, "index", json_object_new_int64(i));
	json_object_object_add(o, "action", json_object_new_string(action_kind_to_string(a->kind)));
	json_object_object_add(o, "target", json_object_new_string(a->target));
	if (a->device)
		json_object_object_add(o, "device", json_object_new_string(a->device));
	if (msg)
		json_object_object_add(o, "message", json_object_new_string(msg));
	json_line(o);
}

static bool json_out(const struct args *a)
{
	return a->format && streq(a->format, "json");
}

/* The summary line of apply --json; returns code. */
static int json_summary(const struct args *a, const struct plan *p, const struct json_events *je,
			const char *result, int code)
{
	if (!json_out(a))
		return code;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("summary"));
	json_object_object_add(o, "result", json_object_new_string(result));
	json_object_object_add(o, "changes", json_object_new_int64(p ? p->n_changes : 0));
	json_object_object_add(o, "blocked", json_object_new_int64(p ? p->n_blocked : 0));
	json_object_object_add(o, "done", json_object_new_int64(je->done));
	json_object_object_add(o, "failed", json_object_new_int64(je->failed));
	json_object_object_add(o, "skipped", json_object_new_int64(je->skipped));
	json_object_object_add(o, "exit-code", json_object_new_int(code));
	json_line(o);
	return code;
}

/* The plan first: text as plan prints it, or one JSON line. */
static int apply_print_plan(const struct args *a, const struct plan *p)
{
	if (!json_out(a))
		return print_plan(a, p);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("plan"));
	json_object_object_add(o, "plan", render_plan_tree(p, 0));
	json_line(o);
	return ferror(stdout) ? -EIO : 0;
}

/*
 * apply --plan: load the saved plan, observe the host it needs, and refuse
 * (EXIT_STALE) when the host is another one or any fact changed.
 */
static int load_saved_plan(struct args *a, struct observe_scope *sc, struct host **ret_h,
			   struct plan **ret_p)
{
	_cleanup_(plan_freep) struct plan *p = NULL;
	_cleanup_(host_freep) struct host *h = NULL;
	struct diag d;
	int r, ret = -1;

	if (a->file)
		return usage_error("apply: give either -f FILE or --plan PLAN, not both");
	if (a->argc > 0)
		return usage_error("unexpected argument '%s'", a->argv[0]);
	diag_init(&d);
	r = plan_load(a->plan, &d, &p);
	if (r >= 0) {
		r = observe_scope_init_plan(sc, p, a->root,
					    a->libvirt ? a->libvirt : p->source.libvirt_uri);
		if (r < 0)
			diag_error(&d, NULL, r, "out of memory");
		else
			r = a->state ? state_load(a->state, &d, &h) : host_observe(&sc->opts, &d, &h);
	}
	if (r < 0) {
		ret = EXIT_ERROR;
	} else if (p->source.hostname && !streq_ptr(h->hostname, p->source.hostname)) {
		diag_error(&d, NULL, -ESTALE,
			   "the plan was made on host '%s', but this is '%s'; nothing applied",
			   p->source.hostname, h->hostname ? h->hostname : "(unknown)");
		ret = EXIT_STALE;
	} else {
		for (size_t i = 0; i < p->n_changes + p->n_blocked; i++) {
			const struct action *x = i < p->n_changes ? &p->changes[i]
								  : &p->blocked[i - p->n_changes];
			_cleanup_(freep) char *msg = action_stale(x, h);
			if (msg) {
				diag_error(&d, NULL, -ESTALE,
					   "the plan is stale: %s; nothing applied (make a new "
					   "plan)",
					   msg);
				ret = EXIT_STALE;
				break;
			}
		}
	}
	print_diag(&d);
	diag_release(&d);
	if (ret >= 0)
		return ret;
	*ret_h = TAKE_PTR(h);
	*ret_p = TAKE_PTR(p);
	return -1;
}

static void on_stop_signal(int sig)
{
	worker_stop(sig);
}

/*
 * SIGINT and SIGTERM stop an apply cleanly: no new step starts, running
 * workers are ended, the lock is released. No SA_RESTART: a wait in
 * progress returns at once.
 */
static void stop_on_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int cmd_apply(struct args *a)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(host_freep) struct host *h = NULL;
	_cleanup_(plan_freep) struct plan *p = NULL;
	_cleanup_(lock_releasep) int lock_fd = -1;
	struct json_events je = {0};
	struct observe_scope sc = {0};
	struct diag d;
	int ret, r;

	if (a->format && !streq(a->format, "text") && !streq(a->format, "json"))
		return usage_error("apply: unknown format '%s' (text, json)", a->format);
	if (a->state && !a->dry_run)
		return usage_error(
		    "apply: --state describes a captured host; it can only be used with --dry-run");
	if (!a->dry_run) {
		stop_on_signals();
		/* lock before observing: a plan made while another run works would be stale */
		diag_init(&d);
		/*
		 * host-wide, whatever --root says: runs with different file roots
		 * still write the same sysfs
		 */
		r = lock_acquire(NULL, a->lock_timeout, &d, &lock_fd);
		print_diag(&d);
		diag_release(&d);
		if (r < 0)
			return json_summary(a, NULL, &je, "error", EXIT_ERROR);
	}
	if (a->plan) {
		ret = load_saved_plan(a, &sc, &h, &p);
	} else {
		ret = load_and_plan(a, &s, &h, &p);
		if (ret < 0 && observe_scope_init(&sc, s, a->root, libvirt_uri(a, s)) < 0) {
			fprintf(stderr, "%s: error: out of memory\n", prog);
			ret = EXIT_ERROR;
		}
	}
	if (ret >= 0) {
		observe_scope_release(&sc);
		return json_summary(a, p, &je, ret == EXIT_STALE ? "stale" : "error", ret);
	}
	if (apply_print_plan(a, p) < 0) {
		observe_scope_release(&sc);
		return EXIT_ERROR;
	}
	if (p->n_blocked > 0) {
		fprintf(stderr,
			"%s: error: %zu change%s blocked; nothing applied (see '! blocked' above; "
			"--force overrides)\n",
			prog, p->n_blocked, p->n_blocked == 1 ? " is" : "s are");
		observe_scope_release(&sc);
		return json_summary(a, p, &je, "blocked", EXIT_BLOCKED);
	}
	if (a->dry_run) {
		observe_scope_release(&sc);
		return json_summary(a, p, &je, "dry-run", EXIT_OK);
	}

	diag_init(&d);
	struct apply_opts o = {
	    .root = a->root,
	    .libvirt_uri = sc.opts.libvirt_uri,
	    .timeout = a->timeout,
	    .observe = &sc.opts,
	    .spec = s,
	    .event = json_out(a) ? on_event : NULL,
	    .userdata = &je,
	};
	r = apply_run(p, &o, &d);
	observe_scope_release(&sc);
	print_diag(&d);
	diag_release(&d);
	if (r < 0 && worker_stopped()) {
		fprintf(stderr,
			"%s: apply stopped by signal %d; the lock is released; run it again to "
			"finish (it resumes where it stopped)\n",
			prog, worker_stopped());
		return EXIT_ERROR;
	}
	if (r < 0) {
		fprintf(stderr,
			"%s: apply failed; fix the cause and run it again (it resumes where it "
			"stopped)\n",
			prog);
		return json_summary(a, p, &je, "error", EXIT_ERROR);
	}
	if (!a->quiet && !json_out(a) && p->n_changes > 0)
		printf("Applied %zu change%s; the host matches the %s.\n", p->n_changes,
		       p->n_changes == 1 ? "" : "s", a->plan ? "plan" : "desired state");
	return json_summary(a, p, &je, "applied", EXIT_OK);
}

/* ---- qemu-args ---- */

/* The address of a guest device of the file; NULL with an error in d. */
static const char *spec_device_address(const struct spec *s, const struct host *h,
				       const struct guest_device *gd, char **owned, struct diag *d)
{
	*owned = NULL;
	if (gd->pci)
		return gd->pci;
	const struct pf_spec *ps = spec_find_pf(s, gd->vf_pf);
	const char *name = ps ? (ps->pci ? ps->pci : ps->interface) : gd->vf_pf;
	const struct pci_dev_state *pf = host_find_pf(h, name);
	if (!pf) {
		diag_error(d, &gd->loc, -ENODEV, "PF '%s' not found on this host", name);
		return NULL;
	}
	for (size_t i = 0; i < pf->sriov.n_vfs; i++)
		if (pf->sriov.vfs[i].id == gd->vf_id && pf->sriov.vfs[i].address)
			return pf->sriov.vfs[i].address;
	*owned = pf_vf_address(pf, gd->vf_id);
	if (!*owned) {
		diag_error(d, &gd->loc, -EADDRNOTAVAIL,
			   "VF %u of '%s' does not exist and its address is unknown", gd->vf_id,
			   pf->address);
		return NULL;
	}
	diag_note(d, &gd->loc, "VF %u of '%s' does not exist yet; it will be %s", gd->vf_id,
		  pf->address, *owned);
	return *owned;
}

/* Why QEMU could not open the device: its driver, when known, is not vfio-pci. */
static void note_driver(const struct host *h, const char *addr, struct diag *d)
{
	const struct vf_state *vf = host_find_vf(h, addr, NULL);
	const struct pci_dev_state *dev = vf ? NULL : host_find_pci(h, addr);
	bool known = vf || dev;
	const char *drv = vf ? vf->driver : dev ? dev->driver : NULL;

	if (known && !(drv && streq(drv, "vfio-pci")))
		diag_note(d, NULL,
			  "%s is bound to %s, not vfio-pci: QEMU's vfio-pci needs it bound to "
			  "vfio-pci first (driver: vfio-pci in the file; libvirt does it for "
			  "managed='yes' devices)",
			  addr, drv ? drv : "no driver");
}

/*
 * The QEMU arguments of a guest's devices: from the file's guest (-f),
 * else from the guest's libvirt definition (live when it runs).
 */
static int cmd_qemu_args(struct args *a)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(host_freep) struct host *h = NULL;
	_cleanup_(freep) char *out = NULL;
	size_t out_len = 0;
	struct diag d;
	int r, ret = EXIT_OK;

	if (a->argc != 1)
		return usage_error("qemu-args: give one guest name");
	const char *name = a->argv[0];

	diag_init(&d);
	if (a->file && spec_load(a->file, &d, &s) < 0) {
		print_diag(&d);
		diag_release(&d);
		return EXIT_INVALID;
	}
	if (a->state) {
		r = state_load(a->state, &d, &h);
	} else {
		struct observe_scope sc;
		/* with a file, the host's VFs are enough; without, libvirt is the source */
		r = observe_scope_init(&sc, s, a->root, s ? NULL : libvirt_uri(a, NULL));
		if (r >= 0) {
			sc.opts.libvirt_required = !s;
			r = host_observe(&sc.opts, &d, &h);
		} else {
			diag_error(&d, NULL, r, "out of memory");
		}
		observe_scope_release(&sc);
	}

	FILE *f = r >= 0 ? open_memstream(&out, &out_len) : NULL;
	if (r >= 0 && !f)
		r = diag_error(&d, NULL, -ENOMEM, "out of memory");
	if (r >= 0 && s) {
		const struct guest_spec *g = NULL;
		for (size_t i = 0; i < s->n_guests; i++)
			if (streq(s->guests[i].name, name))
				g = &s->guests[i];
		if (!g)
			r = diag_error(&d, NULL, -ENOENT, "guest '%s' is not in '%s'", name,
				       a->file);
		for (size_t i = 0; g && i < g->n_devices; i++) {
			_cleanup_(freep) char *owned = NULL;
			const char *addr = spec_device_address(s, h, &g->devices[i], &owned, &d);
			if (!addr) {
				r = -EINVAL;
				continue;
			}
			fprintf(f, "-device vfio-pci,host=%s\n", addr);
			note_driver(h, addr, &d);
		}
	} else if (r >= 0) {
		const struct domain_state *dom = host_find_domain(h, name);
		if (!dom) {
			r = diag_error(&d, NULL, -ENOENT, "guest '%s' is not defined in libvirt",
				       name);
		} else {
			const struct guest_dev_state *v = dom->running ? dom->live_devs : dom->devs;
			size_t n = dom->running ? dom->n_live_devs : dom->n_devs;
			for (size_t i = 0; i < n; i++) {
				fprintf(f, "-device vfio-pci,host=%s\n", v[i].address);
				note_driver(h, v[i].address, &d);
			}
		}
	}
	if (f && fclose(f) != 0 && r >= 0)
		r = diag_error(&d, NULL, -ENOMEM, "out of memory");
	print_diag(&d);
	diag_release(&d);
	if (r < 0)
		return EXIT_ERROR;
	/* all or nothing: a script must not start QEMU with half the devices */
	if (out_len && (fwrite(out, 1, out_len, stdout) != out_len || fflush(stdout) != 0)) {
		fprintf(stderr, "%s: error: cannot write output: %s\n", prog, strerror(errno));
		ret = EXIT_ERROR;
	}
	return ret;
}

/* ---- dispatch ---- */

struct command {
	const char *name;
	int (*run)(struct args *a);
	const char *synopsis;
};

static const struct command commands[] = {
    {"validate", cmd_validate,
     "validate [-q] [--json] FILE...  check desired-state files; --json: one object\n"
     "                            per file and line, {file, valid, diagnostics}"},
    {"show", cmd_show,
     "show [-f FILE] [--format text|json|state]  the observed host; --format state\n"
     "                            captures all that a plan reads (with -f, also what\n"
     "                            FILE names) for plan --state"},
    {"plan", cmd_plan,
     "plan -f FILE [--json] [--detailed-exitcode] [-o PLAN]  what apply would do"},
    {"apply", cmd_apply,
     "apply -f FILE | --plan PLAN [--dry-run] [--force] [--json]  make the host match"},
    {"qemu-args", cmd_qemu_args,
     "qemu-args GUEST [-f FILE]  QEMU '-device vfio-pci,host=...' arguments of GUEST's\n"
     "                            devices, one per line: FILE's guest, else its libvirt\n"
     "                            definition (the running one when it runs)"},
};

static void help(void)
{
	printf("Usage: %s [OPTIONS] COMMAND [ARGS]\n\n"
	       "Make a host's SR-IOV setup (VFs, VF settings, drivers, module options,\n"
	       "libvirt guest assignments) match a desired-state YAML file.\n\n"
	       "Commands:\n",
	       prog);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %s\n", commands[i].synopsis);
	printf(
	    "\nOptions:\n"
	    "  -f, --file FILE        desired-state file\n"
	    "      --state FILE       use a saved host-state file instead of the live host\n"
	    "                         (the -f file's host: must match the captured hostname)\n"
	    "      --root DIR         file root for /etc/modprobe.d (env SRIOVCTL_ROOT); the\n"
	    "                         lock stays /run/sriovctl.lock, the hostname the real one\n"
	    "      --libvirt URI      libvirt URI (env SRIOVCTL_LIBVIRT_URI; default from the "
	    "file,\n"
	    "                         else " SRIOVCTL_DEFAULT_LIBVIRT_URI ")\n"
	    "      --json             same as --format json\n"
	    "      --format FMT       text (default), json; for show also state\n"
	    "                         (validate --json: diagnostics in the JSON, not on stderr)\n"
	    "      --detailed-exitcode  plan: exit 2 when the host does not match (changes\n"
	    "                         or blocked changes)\n"
	    "  -o, --out PLAN         plan: also save the plan, with what it was made from\n"
	    "      --plan PLAN        apply: apply a saved plan exactly, or exit 4 if the\n"
	    "                         host changed since it was made\n"
	    "      --dry-run          apply: print the plan, change nothing\n"
	    "      --force            apply blocked changes too (takes devices from guests)\n"
	    "      --timeout SEC      apply: wait at most SEC for VFs to appear (default 120)\n"
	    "      --lock-timeout SEC apply: wait at most SEC for another run (default 60)\n"
	    "  -q, --quiet            validate: print nothing on success (with --json the\n"
	    "                         objects are still printed)\n"
	    "  -h, --help             this help\n"
	    "  -V, --version          print the version\n\n"
	    "Exit status: 0 success (plan: no changes), 1 error, 2 plan --detailed-exitcode\n"
	    "with changes, 3 apply refused because of blocked changes, 4 a saved plan is\n"
	    "stale (nothing applied), 64 usage error, 65 invalid desired-state file.\n");
}

static int parse_seconds(const char *opt, const char *s, double *ret)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 86400)
		return usage_error("%s: invalid number of seconds '%s'", opt, s);
	*ret = v;
	return 0;
}

int main(int argc, char **argv)
{
	enum {
		OPT_STATE = 256,
		OPT_ROOT,
		OPT_LIBVIRT,
		OPT_JSON,
		OPT_FORMAT,
		OPT_DETAILED,
		OPT_DRY_RUN,
		OPT_FORCE,
		OPT_TIMEOUT,
		OPT_LOCK_TIMEOUT,
		OPT_PLAN
	};
	static const struct option opts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"state", required_argument, NULL, OPT_STATE},
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"libvirt", required_argument, NULL, OPT_LIBVIRT},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"detailed-exitcode", no_argument, NULL, OPT_DETAILED},
	    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	    {"force", no_argument, NULL, OPT_FORCE},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
	    {"out", required_argument, NULL, 'o'},
	    {"plan", required_argument, NULL, OPT_PLAN},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {},
	};
	struct args a = {
	    .root = getenv("SRIOVCTL_ROOT"),
	    .libvirt = getenv("SRIOVCTL_LIBVIRT_URI"),
	    .timeout = 120,
	    .lock_timeout = 60,
	};
	const struct command *cmd = NULL;
	int c;

	/*
	 * libvirt writes to its socket without MSG_NOSIGNAL: a daemon that
	 * dies mid-call would kill us with SIGPIPE instead of returning an
	 * error we can report (virsh ignores it for the same reason). A
	 * closed stdout then fails with EPIPE, which is reported too.
	 */
	signal(SIGPIPE, SIG_IGN);

	if (a.root && !*a.root)
		a.root = NULL;
	if (a.libvirt && !*a.libvirt)
		a.libvirt = NULL;

	/* options may come before or after the command: permute, as git does not but users expect
	 */
	while ((c = getopt_long(argc, argv, "f:o:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (a.file)
				return usage_error("-f given twice ('%s' and '%s'): give one "
						   "desired-state file",
						   a.file, optarg);
			a.file = optarg;
			break;
		case OPT_STATE:
			a.state = optarg;
			break;
		case 'o':
			a.out = optarg;
			break;
		case OPT_PLAN:
			a.plan = optarg;
			break;
		case OPT_ROOT:
			a.root = optarg;
			break;
		case OPT_LIBVIRT:
			a.libvirt = optarg;
			break;
		case OPT_JSON:
			a.format = "json";
			break;
		case OPT_FORMAT:
			a.format = optarg;
			break;
		case OPT_DETAILED:
			a.detailed_exitcode = true;
			break;
		case OPT_DRY_RUN:
			a.dry_run = true;
			break;
		case OPT_FORCE:
			a.force = true;
			break;
		case OPT_TIMEOUT:
			if (parse_seconds("--timeout", optarg, &a.timeout))
				return EXIT_USAGE;
			break;
		case OPT_LOCK_TIMEOUT:
			if (parse_seconds("--lock-timeout", optarg, &a.lock_timeout))
				return EXIT_USAGE;
			break;
		case 'q':
			a.quiet = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		case 'V':
			printf("sriovctl %s\n", VERSION);
			return EXIT_OK;
		default:
			/* getopt printed what was wrong */
			fprintf(stderr, "see '%s --help'\n", prog);
			return EXIT_USAGE;
		}
	}
	/* every write to the kernel and netlink request is bounded by --timeout */
	worker_set_timeout(a.timeout);
	if (optind >= argc)
		return usage_error("no command given");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (streq(argv[optind], commands[i].name))
			cmd = &commands[i];
	if (!cmd)
		return usage_error("unknown command '%s'", argv[optind]);
	a.argc = argc - optind - 1;
	a.argv = argv + optind + 1;
	return cmd->run(&a);
}

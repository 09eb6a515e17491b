/* SPDX-License-Identifier: MIT */
/* sriovctl apply: make the host match a file, or carry out a saved plan exactly. */
#include <signal.h>

#include <json-c/json.h>

#include "apply.h"
#include "cli.h"
#include "host-state.h"
#include "observe.h"
#include "render.h"
#include "scope.h"
#include "worker.h"

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
		return usage_error("give either FILE or --plan PLAN, not both");
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

/* The host-wide lock, before observing: a plan made while another run works would be stale. */
static int apply_lock(const struct args *a, int *lock_fd)
{
	struct diag d;
	int r;

	stop_on_signals();
	diag_init(&d);
	/* host-wide, whatever --root says: runs with different file roots write the same sysfs */
	log_verbose("taking the lock %s (waiting at most %g s)", LOCK_PATH, a->lock_timeout);
	r = lock_acquire(NULL, a->lock_timeout, &d, lock_fd);
	print_diag(&d);
	diag_release(&d);
	return r;
}

/* Carry out p and say how it went; returns the exit code. */
static int apply_carry_out(const struct args *a, const struct spec *s, const struct plan *p,
			   const struct observe_scope *sc, struct json_events *je)
{
	struct diag d;
	int r;

	diag_init(&d);
	struct apply_opts o = {
	    .root = a->root,
	    .libvirt_uri = sc->opts.libvirt_uri,
	    .timeout = a->timeout,
	    .observe = &sc->opts,
	    /* a narrowed plan (--only, --scope) is verified action by action, not planned again */
	    .spec = boot_narrowed(a) ? NULL : s,
	    .event = json_out(a) ? on_event : NULL,
	    .userdata = je,
	};
	boot_progress_start(a);
	r = apply_run(p, &o, &d);
	boot_progress_end();
	print_diag(&d);
	diag_release(&d);
	if (r < 0 && worker_stopped()) {
		log_error("apply stopped by signal %d; the lock is released; run it again to "
			  "finish (it resumes where it stopped)",
			  worker_stopped());
		return json_summary(a, p, je, "stopped", EXIT_ERROR);
	}
	if (r < 0) {
		log_error("apply failed; fix the cause and run it again (it resumes where it "
			  "stopped)");
		return json_summary(a, p, je, "error", EXIT_ERROR);
	}
	if (!a->quiet && !json_out(a) && p->n_changes > 0)
		printf("Applied %zu change%s; the host matches the %s.\n", p->n_changes,
		       p->n_changes == 1 ? "" : "s",
		       a->plan || boot_narrowed(a) ? "plan" : "desired state");
	return json_summary(a, p, je, "applied", EXIT_OK);
}

int cmd_apply(struct args *a)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(host_freep) struct host *h = NULL;
	_cleanup_(plan_freep) struct plan *p = NULL;
	_cleanup_(lock_releasep) int lock_fd = -1;
	_cleanup_(observe_scope_releasep) struct observe_scope sc = {0};
	struct json_events je = {0};
	int ret;

	if (a->format && !streq(a->format, "text") && !streq(a->format, "json"))
		return usage_error("unknown format '%s' (text, json)", a->format);
	if (a->state && !a->dry_run)
		return usage_error(
		    "--state describes a captured host; it can only be used with --dry-run");
	if (!a->dry_run && apply_lock(a, &lock_fd) < 0)
		return json_summary(a, NULL, &je, "error", EXIT_ERROR);
	if (a->plan) {
		ret = load_saved_plan(a, &sc, &h, &p);
	} else {
		ret = load_and_plan(a, &s, &h, &p);
		/* the check after the apply observes as the plan did */
		if (ret < 0 && observe_scope_init(&sc, s, a->root,
						  a->libvirt_asked ? libvirt_uri(a, s) : NULL) < 0) {
			log_error("out of memory");
			ret = EXIT_ERROR;
		} else if (ret < 0) {
			observe_scope_for_plan(&sc, s);
		}
	}
	if (ret >= 0)
		return json_summary(a, p, &je, ret == EXIT_STALE ? "stale" : "error", ret);
	if (apply_print_plan(a, p) < 0)
		return EXIT_ERROR;
	if (p->n_blocked > 0) {
		log_error("%zu change%s blocked; nothing applied (see '! blocked' above; "
			  "--force overrides)",
			  p->n_blocked, p->n_blocked == 1 ? " is" : "s are");
		return json_summary(a, p, &je, "blocked", EXIT_BLOCKED);
	}
	if (a->dry_run)
		return json_summary(a, p, &je, "dry-run", EXIT_OK);
	return apply_carry_out(a, s, p, &sc, &je);
}

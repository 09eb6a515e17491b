/* SPDX-License-Identifier: MIT */
/*
 * apply: run a plan's actions in order through their appliers.
 *
 * Independence: a failure is charged to its PF or guest, and later actions
 * of that PF or guest are skipped; the others go on. The VF counts of
 * several PFs are set in parallel (one child process per PF), since a
 * driver may take tens of seconds to create VFs. Afterwards the host is observed
 * again and planned against; anything left is reported as not converged.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "modprobe.h"
#include "sysfs.h"
#include "vfnet.h"
#include "worker.h"

struct failed {
	char **keys;
	size_t n, cap;
};

static void failed_release(struct failed *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->keys[i]);
	free(f->keys);
}

static void failed_add(struct failed *f, const char *key)
{
	if (!key)
		return;
	char **k = GROW(f->keys, f->n, f->cap);
	if (k)
		*k = strdup(key);
}

static const char *failed_has(const struct failed *f, const char *key)
{
	for (size_t i = 0; key && i < f->n; i++)
		if (f->keys[i] && streq(f->keys[i], key))
			return f->keys[i];
	return NULL;
}

/* The PF an action depends on (NULL: none). */
static const char *action_pf(const struct action *a)
{
	switch (a->kind) {
	case ACTION_SET_NUM_VFS:
	case ACTION_SET_DRIVERS_AUTOPROBE:
		return a->target;
	default:
		return a->pf;
	}
}

/* One line naming an action, for errors. Owned. */
static char *action_describe(const struct action *a)
{
	return strprintf("%s %s%s%s%s%s%s%s", action_kind_to_string(a->kind), a->target,
			 a->device ? " " : "", a->device ? a->device : "", a->field ? " " : "",
			 a->field ? a->field : "", a->to ? " -> " : "", a->to ? a->to : "");
}

/* ---- set-num-vfs, in parallel ---- */

/* Copy the entries of from into to; with errors_only, only the errors. */
static void merge_diag(struct diag *to, const struct diag *from, bool errors_only)
{
	for (size_t i = 0; i < from->n; i++) {
		const struct diag_entry *e = &from->v[i];
		struct src_loc loc = {.file = e->file, .line = e->line, .col = e->col};
		if (errors_only && e->level != DIAG_ERROR)
			continue;
		diag_add(to, e->level, e->file ? &loc : NULL, e->msg);
	}
}

/*
 * A PF's VF count is set in a worker (worker.h) of its own. The kernel's
 * write to sriov_numvfs returns once the driver has created the VFs (tens
 * of seconds for some), so PFs are done side by side. A process rather
 * than a thread: a write that hangs in the driver takes nothing of ours
 * with it and can be abandoned cleanly, and nothing we call (libudev; in
 * the tests the umockdev preload, whose fd bookkeeping uses static
 * buffers) has to be thread-safe.
 */

/* Grace after --timeout for a worker to report its own timeout first. */
#define NUMVFS_JOIN_GRACE_S 0.5

static int numvfs_fn(void *arg, struct diag *d, FILE *out)
{
	const struct action *a = arg;

	(void)out;
	return sysfs_set_num_vfs(a->target, a->num_to, worker_timeout(), NULL, d);
}

/* A worker that did not finish: why, in the words of the step. */
static void numvfs_unfinished(const struct action *a, int why, double timeout, struct diag *d)
{
	if (why == -EINTR)
		diag_error(d, NULL, -EINTR,
			   "PF '%s': setting sriov_numvfs to %u was interrupted (signal %d); its "
			   "worker was ended",
			   a->target, a->num_to, worker_stopped());
	else
		diag_error(d, NULL, -ETIMEDOUT,
			   "PF '%s': setting sriov_numvfs to %u did not finish within %g s "
			   "(the driver does not answer)",
			   a->target, a->num_to, timeout);
}

static void run_numvfs_batch(const struct plan *p, const struct apply_opts *o,
			     struct failed *failed, struct diag *d)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n_changes; i++)
		n += p->changes[i].kind == ACTION_SET_NUM_VFS;
	_cleanup_(freep) struct worker *jobs = calloc(n ? n : 1, sizeof(*jobs));
	_cleanup_(freep) const struct action **acts = calloc(n ? n : 1, sizeof(*acts));
	double deadline = monotonic_s() + o->timeout + NUMVFS_JOIN_GRACE_S;
	size_t k = 0;
	int wr;

	worker_set_timeout(o->timeout);
	for (size_t i = 0; i < p->n_changes; i++) {
		const struct action *a = &p->changes[i];
		if (a->kind != ACTION_SET_NUM_VFS)
			continue;
		if (!jobs || !acts) {
			diag_error(d, NULL, -ENOMEM, "PF '%s': num-vfs not set: out of memory",
				   a->target);
			failed_add(failed, a->target);
			continue;
		}
		struct worker *j = &jobs[k];
		acts[k++] = a;
		if (failed_has(failed, a->target) || worker_stopped()) {
			*j = (struct worker){.pid = -1, .fd = -1, .done = true};
			diag_init(&j->d);
			j->r = diag_error(&j->d, NULL, -ECANCELED,
					  worker_stopped()
					      ? "PF '%s': num-vfs not set, the run was stopped"
					      : "PF '%s': num-vfs not set, an earlier step failed",
					  a->target);
		} else {
			worker_start(j, numvfs_fn, (void *)a);
		}
	}
	wr = worker_wait(jobs, k, deadline);
	for (size_t i = 0; i < k; i++) {
		struct worker *j = &jobs[i];
		if (!j->done) {
			/* hangs in the driver, or the run stops: report it, end the worker */
			worker_abandon(j);
			numvfs_unfinished(acts[i], wr == -EINTR ? -EINTR : -ETIMEDOUT, o->timeout,
					  d);
			failed_add(failed, acts[i]->target);
		} else {
			merge_diag(d, &j->d, false);
			if (j->r == -ECHILD && !j->d.n_errors)
				diag_error(d, NULL, -EIO,
					   "PF '%s': setting num-vfs failed: its worker died",
					   acts[i]->target);
			if (j->r < 0)
				failed_add(failed, acts[i]->target);
		}
		worker_release(j);
	}
}

/*
 * Has the run been asked to stop (SIGINT, SIGTERM) before change i? Then
 * say so, and which changes were not started.
 */
static bool apply_stopping(const struct plan *p, size_t i, bool numvfs_done, struct diag *d)
{
	int sig = worker_stopped();
	size_t left = 0;

	if (!sig)
		return false;
	/* the VF counts are all done by the first set-num-vfs */
	for (size_t j = i; j < p->n_changes; j++)
		left += !(numvfs_done && p->changes[j].kind == ACTION_SET_NUM_VFS);
	diag_error(d, NULL, -EINTR,
		   "stopped by signal %d (%s): no further change started; %zu of %zu changes "
		   "were attempted (errors above), %zu not started:",
		   sig, strsignal(sig), p->n_changes - left, p->n_changes, left);
	for (size_t j = i; j < p->n_changes; j++) {
		if (numvfs_done && p->changes[j].kind == ACTION_SET_NUM_VFS)
			continue;
		_cleanup_(freep) char *what = action_describe(&p->changes[j]);
		diag_note(d, NULL, "not started: %s", what ? what : "?");
	}
	return true;
}

/* ---- other host actions ---- */

static const struct vf_spec *find_vf_spec(const struct spec *s, const struct action *a)
{
	for (size_t i = 0; i < s->n_pfs; i++) {
		const struct pf_spec *pf = &s->pfs[i];
		if (a->vf_id >= 0 && pf->pci && a->pf && streq(pf->pci, a->pf))
			return pf_spec_find_vf(pf, a->vf_id);
	}
	return NULL;
}

static int run_set_vf(const struct spec *s, const struct host *h, const struct action *a,
		      struct diag *d)
{
	const struct pci_dev_state *pf = a->pf ? host_find_pci(h, a->pf) : NULL;
	const struct vf_spec *vf = find_vf_spec(s, a);

	if (!pf || pf->n_interfaces == 0)
		return diag_error(d, NULL, -ENODEV,
				  "PF '%s': no network interface to set VF %d settings through",
				  a->pf ? a->pf : "?", a->vf_id);
	if (!vf)
		return diag_error(d, NULL, -EINVAL, "VF %d of '%s': not in the desired state",
				  a->vf_id, a->pf);
	return vfnet_apply(pf->interfaces[0], (unsigned)a->vf_id, a->field, vf, d);
}

static int run_reload(const struct spec *s, const struct host *h, const struct action *a,
		      const struct apply_opts *o, struct diag *d)
{
	const struct module_spec *m = spec_find_module(s, a->target);
	_cleanup_(freep) char *opts = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&opts, &len);
	int r;

	if (!f)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	for (size_t i = 0; m && i < m->n_options; i++)
		fprintf(f, "%s%s=%s", i ? " " : "", m->options[i].key, m->options[i].value);
	if (fclose(f) != 0)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	r = modprobe_reload_module(a->target, len ? opts : NULL, d);
	if (r < 0)
		return r;
	/* the PFs of that driver come back: wait for each to be bound again */
	for (size_t i = 0; i < h->n_pci; i++) {
		const struct pci_dev_state *pf = &h->pci[i];
		if (!pf->driver || !streq(pf->driver, a->target))
			continue;
		int q = sysfs_wait_driver(pf->address, pf->driver, o->timeout, d);
		if (q < 0)
			r = q;
	}
	return r;
}

static int run_action(const struct spec *s, const struct host *h, const struct action *a,
		      const struct apply_opts *o, struct guest_conn **conn, struct diag *d)
{
	int r;

	switch (a->kind) {
	case ACTION_WRITE_MODPROBE_CONF:
		return modprobe_write_file(o->root, a->target, a->content, d);
	case ACTION_RELOAD_MODULE:
		return run_reload(s, h, a, o, d);
	case ACTION_SET_DRIVERS_AUTOPROBE:
		return sysfs_set_drivers_autoprobe(a->target, a->to && streq(a->to, "true"), d);
	case ACTION_BIND_DRIVER:
		return sysfs_bind_driver(a->device, a->to, NULL, d);
	case ACTION_SET_VF:
		return run_set_vf(s, h, a, d);
	case ACTION_ATTACH:
	case ACTION_DETACH:
		if (!*conn) {
			r = guest_conn_open(o->libvirt_uri, d, conn);
			if (r < 0)
				return r;
		}
		return guest_apply_action(*conn, a, d);
	case ACTION_SET_NUM_VFS:
	default:
		return diag_error(d, NULL, -EINVAL, "internal error: unexpected action '%s'",
				  action_kind_to_string(a->kind));
	}
}

/* Key of a guest device, to skip the attach after a failed detach. */
static char *guest_key(const struct action *a)
{
	return strprintf("guest:%s:%s", a->target, a->device ? a->device : "");
}

/*
 * An attach failed. If this plan detached a device at the same address
 * from the same guest (a MAC, VLAN or virtualport change), put the old
 * device back, so that no guest is left without it.
 */
static void restore_detached(const struct plan *p, size_t attach_idx, struct guest_conn *conn,
			     struct diag *d)
{
	const struct action *at = &p->changes[attach_idx];
	unsigned done = guest_conn_last_done(conn);

	for (size_t i = 0; conn && i < attach_idx; i++) {
		const struct action *de = &p->changes[i];
		if (de->kind != ACTION_DETACH || !streq(de->target, at->target) ||
		    !streq_ptr(de->device, at->device))
			continue;
		struct action back = *de;
		back.kind = ACTION_ATTACH;
		/* a scope the failed attach did change holds the new device: keep it */
		back.persistent = de->persistent && !(done & GUEST_SCOPE_CONFIG);
		back.live = de->live && !(done & GUEST_SCOPE_LIVE);
		if (!back.persistent && !back.live)
			continue;
		if (guest_apply_action(conn, &back, d) >= 0)
			diag_note(d, NULL, "guest '%s': the previous %s device was attached again",
				  de->target, de->device ? de->device : "");
	}
}

static int verify(const struct spec *s, const struct apply_opts *o, struct diag *d)
{
	_cleanup_(host_freep) struct host *h = NULL;
	_cleanup_(plan_freep) struct plan *p = NULL;
	struct plan_opts po = {.force = false};
	int r;

	if (!o->observe)
		return 0;
	/* the first observation said its warnings already: keep only errors */
	struct diag scratch;
	diag_init(&scratch);
	r = host_observe(o->observe, &scratch, &h);
	if (r >= 0)
		r = plan_compute(s, h, &po, &scratch, &p);
	merge_diag(d, &scratch, true);
	diag_release(&scratch);
	if (r < 0)
		return diag_error(d, NULL, r, "cannot observe the host again to verify the result");
	for (size_t i = 0; i < p->n_changes + p->n_blocked; i++) {
		const struct action *a =
		    i < p->n_changes ? &p->changes[i] : &p->blocked[i - p->n_changes];
		_cleanup_(freep) char *what = action_describe(a);
		diag_error(d, NULL, -EAGAIN, "not converged: %s (now %s)", what ? what : "?",
			   a->from ? a->from : "absent");
	}
	return p->n_changes + p->n_blocked ? -EAGAIN : 0;
}

int apply_run(const struct spec *s, const struct host *h, const struct plan *p,
	      const struct apply_opts *o, struct diag *d)
{
	struct failed failed = {0};
	struct guest_conn *conn = NULL;
	bool numvfs_done = false;
	size_t errors_before = d->n_errors;
	int r;

	if (p->n_changes == 0)
		return 0;

	for (size_t i = 0; i < p->n_changes; i++) {
		const struct action *a = &p->changes[i];
		const char *pf = action_pf(a);
		_cleanup_(freep) char *gkey = NULL;

		if (apply_stopping(p, i, numvfs_done, d))
			break;
		if (a->kind == ACTION_SET_NUM_VFS) {
			if (!numvfs_done)
				run_numvfs_batch(p, o, &failed, d);
			numvfs_done = true;
			continue;
		}
		if (a->kind == ACTION_ATTACH || a->kind == ACTION_DETACH)
			gkey = guest_key(a);
		if (failed_has(&failed, pf) || failed_has(&failed, gkey)) {
			_cleanup_(freep) char *what = action_describe(a);
			diag_error(d, NULL, -ECANCELED,
				   "skipped %s: an earlier step for '%s' failed", what ? what : "?",
				   failed_has(&failed, pf) ? pf : a->target);
			failed_add(&failed, gkey);
			continue;
		}
		r = run_action(s, h, a, o, &conn, d);
		if (r < 0 && gkey) {
			failed_add(&failed, gkey);
			if (a->kind == ACTION_ATTACH)
				restore_detached(p, i, conn, d);
		} else if (r < 0) {
			failed_add(&failed, pf);
		}
	}
	guest_conn_free(conn);

	if (d->n_errors == errors_before)
		r = verify(s, o, d);
	else
		r = -EIO;
	failed_release(&failed);
	return d->n_errors > errors_before ? (r < 0 ? r : -EIO) : 0;
}

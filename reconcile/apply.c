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
#include "devlink.h"
#include "libvirt.h"
#include "modprobe.h"
#include "observe.h"
#include "pci-sysfs.h"
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
	case ACTION_SET_ESWITCH_MODE:
	case ACTION_SET_MTU:
		return a->target;
	case ACTION_DEFINE_NETWORK:
	case ACTION_START_NETWORK:
	case ACTION_REFRESH_NETWORK:
	case ACTION_SET_NETWORK_AUTOSTART:
		return a->net.pf;
	case ACTION_BIND_DRIVER:
	case ACTION_ATTACH:
		/* a whole device's attach waits for its own binding */
		return a->vf.pf ? a->vf.pf : a->device;
	default:
		return a->vf.pf;
	}
}

/* One line naming an action and what it makes, for errors. Owned. */
static char *action_describe(const struct action *a)
{
	const char *attr = a->kind == ACTION_SET_VF ? vf_attr_to_string(a->link.attr) : NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s %s%s%s%s%s", action_kind_to_string(a->kind), a->target,
		a->device ? " " : "", a->device ? a->device : "", attr ? " " : "", attr ? attr : "");
	switch (a->kind) {
	case ACTION_SET_NUM_VFS:
		fprintf(f, " -> %u", a->num.to);
		break;
	case ACTION_SET_DRIVERS_AUTOPROBE:
		fprintf(f, " -> %s", a->autoprobe.to ? "true" : "false");
		break;
	case ACTION_SET_ESWITCH_MODE:
		fprintf(f, " eswitch-mode -> %s", eswitch_mode_name(a->eswitch.to));
		break;
	case ACTION_BIND_DRIVER:
		fprintf(f, " -> %s", a->driver.to ? a->driver.to : "?");
		break;
	case ACTION_SET_VF:
		fputs(" -> ", f);
		vf_link_print_attr(&a->link.to, &a->link.to, a->link.attr, f);
		break;
	case ACTION_SET_MTU:
		fprintf(f, " mtu -> %u", a->mtu.to);
		break;
	case ACTION_WRITE_MODPROBE_CONF:
	case ACTION_RELOAD_MODULE:
		if (a->module.to)
			fprintf(f, " -> %s", a->module.to);
		break;
	default:
		break;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The error for a fact that no longer holds; returns -ESTALE. */
#define changed(d, fmt, ...)                                                                       \
	diag_error((d), NULL, -ESTALE, "host changed since the plan: " fmt, __VA_ARGS__)

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

/*
 * Grace after --timeout for a worker to report its own timeout first: at
 * its deadline it reads sysfs once more, which takes time on a loaded host.
 */
#define NUMVFS_JOIN_GRACE_S 2.0

/* What a VF-count writer is given. */
struct numvfs_job {
	const struct action *a;
	double deadline; /* for VFs removed on the way */
	pid_t parent;
	int watch_fd; /* the run's udev monitor: a writer has no use for it */
};

/* The count read back goes to out (the payload). */
static int numvfs_fn(void *arg, struct diag *d, FILE *out)
{
	const struct numvfs_job *job = arg;
	unsigned count = UINT_MAX;

	/* a writer left hanging in the driver must not keep the run's monitor open */
	if (getpid() != job->parent)
		close(job->watch_fd);
	int r = sysfs_write_num_vfs(job->a->target, job->a->num.to, job->deadline, &count, d);
	fprintf(out, "%u", count);
	return r;
}

/* The count a writer read back; UINT_MAX when it did not say. */
static unsigned numvfs_count(const struct worker *j)
{
	unsigned count;

	if (!j->payload || sscanf(j->payload, "%u", &count) != 1)
		return UINT_MAX;
	return count;
}

/* A worker that did not finish: why, in the words of the step. */
static void numvfs_unfinished(const struct action *a, int why, double timeout, struct diag *d)
{
	if (why == -EINTR)
		diag_error(d, NULL, -EINTR,
			   "PF '%s': setting sriov_numvfs to %u was interrupted (signal %d); its "
			   "worker was ended",
			   a->target, a->num.to, worker_stopped());
	else
		diag_error(d, NULL, -ETIMEDOUT,
			   "PF '%s': setting sriov_numvfs to %u did not finish within %g s "
			   "(the driver does not answer)",
			   a->target, a->num.to, timeout);
}

/* A set-eswitch-mode of this plan removed pf's VFs (before its set-num-vfs). */
static bool plan_empties(const struct plan *p, const char *pf)
{
	for (size_t i = 0; i < p->n_changes; i++)
		if (p->changes[i].kind == ACTION_SET_ESWITCH_MODE &&
		    p->changes[i].eswitch.vfs > 0 && streq(p->changes[i].target, pf))
			return true;
	return false;
}

/*
 * The VF counts of the plan, all PFs at once: each write in a worker (it
 * blocks in the driver until the VFs are made), one udev monitor for the
 * VFs of all of them. A PF's writer has --timeout and a grace to end; its
 * VFs must be there and announced within --timeout of the start.
 */
static void run_numvfs_batch(const struct plan *p, const struct apply_opts *o,
			     struct failed *failed, struct diag *d)
{
	size_t n = 0;
	unsigned n_vfs = 0;
	for (size_t i = 0; i < p->n_changes; i++)
		if (p->changes[i].kind == ACTION_SET_NUM_VFS) {
			n++;
			n_vfs += p->changes[i].num.from > p->changes[i].num.to ? p->changes[i].num.from
										 : p->changes[i].num.to;
		}
	_cleanup_(freep) struct worker *jobs = calloc(n ? n : 1, sizeof(*jobs));
	_cleanup_(freep) struct numvfs_job *args = calloc(n ? n : 1, sizeof(*args));
	_cleanup_(freep) size_t *slot = calloc(n ? n : 1, sizeof(*slot));
	_cleanup_(freep) bool *seen = calloc(n ? n : 1, sizeof(*seen)); /* its result was taken */
	_cleanup_(vf_watch_freep) struct vf_watch *watch = NULL;
	double ready_by = monotonic_now() + o->timeout, write_by = ready_by + NUMVFS_JOIN_GRACE_S;
	size_t k = 0;

	if (!jobs || !args || !slot || !seen) {
		for (size_t i = 0; i < p->n_changes; i++)
			if (p->changes[i].kind == ACTION_SET_NUM_VFS) {
				diag_error(d, NULL, -ENOMEM, "PF '%s': num-vfs not set: out of memory",
					   p->changes[i].target);
				failed_add(failed, p->changes[i].target);
			}
		return;
	}
	/* listen before the first write, so that no event is missed */
	int wrr = n ? vf_watch_new(n_vfs, &watch, d) : 0;
	pid_t self = getpid();
	worker_set_timeout(o->timeout);
	for (size_t i = 0; i < p->n_changes; i++) {
		const struct action *a = &p->changes[i];
		if (a->kind != ACTION_SET_NUM_VFS)
			continue;
		struct worker *j = &jobs[k];
		args[k] = (struct numvfs_job){a, ready_by, self, watch ? vf_watch_fd(watch) : -1};
		unsigned now;
		*j = (struct worker){.pid = -1, .fd = -1, .done = true};
		diag_init(&j->d);
		if (failed_has(failed, a->target) || worker_stopped())
			j->r = diag_error(&j->d, NULL, -ECANCELED,
					  worker_stopped()
					      ? "PF '%s': num-vfs not set, the run was stopped"
					      : "PF '%s': num-vfs not set, an earlier step failed",
					  a->target);
		else if (wrr < 0)
			j->r = diag_error(&j->d, NULL, wrr,
					  "PF '%s': num-vfs not set: its VFs cannot be waited for",
					  a->target);
		else if (sysfs_num_vfs(a->target, &now) >= 0 && now != a->num.from &&
			 !(now == 0 && plan_empties(p, a->target)))
			j->r = changed(&j->d, "%s num-vfs is %u, the plan was made when it was %u",
				       a->target, now, a->num.from);
		else if ((j->r = vf_watch_add(watch, a->target, a->num.to, &slot[k], &j->d)) >= 0)
			worker_start(j, numvfs_fn, &args[k]);
		k++;
	}

	/* the writes, then the VFs: events and writers ending wake the wait */
	for (;;) {
		bool writing = false;
		for (size_t i = 0; i < k; i++) {
			if (jobs[i].done && !seen[i] && jobs[i].r >= 0)
				vf_watch_written(watch, slot[i], jobs[i].r == 0, numvfs_count(&jobs[i]));
			seen[i] = seen[i] || jobs[i].done;
			writing = writing || !jobs[i].done;
		}
		bool ready = !watch || vf_watch_update(watch);
		if (!writing && ready)
			break;
		double now = monotonic_now(), by = writing ? write_by : ready_by;
		if (now >= by)
			break;
		/* links are looked at again at least once a second, events or not */
		int wr = worker_wait_any(jobs, k, by < now + 1.0 ? by : now + 1.0,
					 watch ? vf_watch_fd(watch) : -1);
		if (wr == -EINTR || (wr < 0 && wr != -ETIMEDOUT))
			break;
	}
	for (size_t i = 0; i < k; i++) {
		struct worker *j = &jobs[i];
		const struct action *a = args[i].a;
		if (!j->done) {
			/* hangs in the driver, or the run stops: report it, end the worker */
			worker_abandon(j);
			numvfs_unfinished(a, worker_stopped() ? -EINTR : -ETIMEDOUT, o->timeout, d);
			failed_add(failed, a->target);
			worker_release(j);
			continue;
		}
		merge_diag(d, &j->d, false);
		if (j->r == -ECHILD && !j->d.n_errors)
			diag_error(d, NULL, -EIO, "PF '%s': setting num-vfs failed: its worker died",
				   a->target);
		int r = j->r;
		if (r >= 0 && worker_stopped() && !vf_watch_ready(watch, slot[i]))
			r = diag_error(d, NULL, -EINTR,
				       "PF '%s': setting sriov_numvfs to %u was interrupted (signal "
				       "%d) while its VFs were waited for",
				       a->target, a->num.to, worker_stopped());
		else if (r >= 0)
			r = vf_watch_finish(watch, slot[i], d);
		if (r < 0)
			failed_add(failed, a->target);
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
	if (left == 0) {
		/* during the last change: it ran to its end, but the stop is still said */
		diag_error(d, NULL, -EINTR,
			   "stopped by signal %d (%s) during the last change: all %zu changes were "
			   "attempted (errors above, if any), not verified",
			   sig, strsignal(sig), p->n_changes);
		return true;
	}
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

static int run_set_vf(const struct action *a, struct diag *d)
{
	if (!a->vf.pf_interface)
		return diag_error(d, NULL, -ENODEV,
				  "PF '%s': no network interface to set VF %u settings through",
				  a->vf.pf ? a->vf.pf : "?", a->vf.id);
	if (!a->vf.is_new) {
		_cleanup_(freep) struct vf_info *cur = NULL;
		size_t n = 0;
		int r = vfnet_get(a->vf.pf_interface, &cur, &n, d);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++)
			if (cur[i].id == a->vf.id &&
			    !vf_link_matches(&cur[i].link, &a->link.from, a->link.attr))
				return changed(d, "%s vf %u %s differs from what was planned",
					       a->vf.pf, a->vf.id, vf_attr_to_string(a->link.attr));
	}
	return vfnet_apply(a->vf.pf_interface, a->vf.id, a->link.attr, &a->link.to, d);
}

/*
 * The netdev is found by the device's address (a VF bound by this plan
 * registers it meanwhile: waited for up to --timeout) and set by index.
 */
static int run_set_mtu(const struct action *a, const struct apply_opts *o, struct diag *d)
{
	_cleanup_(freep) char *name = NULL;
	struct netdev_mtu now;
	unsigned ifindex;
	int r;

	if (!a->device)
		return diag_error(d, NULL, -EADDRNOTAVAIL, "set-mtu of '%s': address unknown",
				  a->target);
	r = sysfs_device_netdev(a->device, o->timeout, &name, &ifindex, d);
	if (r < 0)
		return r;
	r = vfnet_get_mtu(ifindex, name, &now, d);
	if (r < 0)
		return r;
	if (!a->vf.is_new && a->mtu.from && now.mtu != a->mtu.from)
		return changed(d, "%s (%s) mtu is %u, the plan was made when it was %u", a->device,
			       name, now.mtu, a->mtu.from);
	if (now.mtu == a->mtu.to)
		return 0;
	return vfnet_set_mtu(ifindex, name, a->mtu.to, d);
}

static int run_bind(const struct action *a, struct diag *d)
{
	if (!a->device)
		return diag_error(d, NULL, -EADDRNOTAVAIL, "VF %u of '%s': address unknown",
				  a->vf.id, a->vf.pf);
	if (!a->vf.is_new) {
		_cleanup_(freep) char *now = sysfs_device_driver(a->device);
		if (!streq_ptr(now, a->driver.from))
			return changed(d, "%s driver is %s, the plan was made when it was %s",
				       a->device, now ? now : "(none)",
				       a->driver.from ? a->driver.from : "(none)");
	}
	return sysfs_bind_driver(a->device, a->driver.to, NULL, d);
}

static int run_write_conf(const struct action *a, const struct apply_opts *o, struct diag *d)
{
	_cleanup_(freep) char *path = root_path(o->root, a->target);
	_cleanup_(freep) char *now = NULL;
	int r;

	if (!path)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	r = read_text_file(path, 1 << 20, &now);
	if (r < 0 && r != -ENOENT)
		return diag_error(d, NULL, r, "cannot read '%s': %s", a->target, strerror(-r));
	if (!streq_ptr(now, a->module.old_content))
		return changed(d, "%s %s since the plan was made", a->target,
			       !now			? "was removed"
			       : !a->module.old_content ? "was created"
							: "was changed");
	return modprobe_write_file(o->root, a->target, a->module.content, d);
}

static int run_reload(const struct action *a, const struct apply_opts *o, struct diag *d)
{
	int r = modprobe_reload_module(a->target, a->module.load_options, d);
	if (r < 0)
		return r;
	/* the PFs of that driver come back: wait for each to be bound again */
	for (size_t i = 0; i < a->module.n_pfs; i++) {
		int q = sysfs_wait_driver(a->module.pfs[i], a->target, o->timeout, d);
		if (q < 0)
			r = q;
	}
	return r;
}

/* A PF's VFs removed, in a worker bounded by --timeout: the eswitch-mode change's first step. */
static int empty_fn(void *arg, struct diag *d, FILE *out)
{
	const struct action *a = arg;
	unsigned count;

	(void)out;
	return sysfs_write_num_vfs(a->target, 0, monotonic_now() + worker_timeout(), &count, d);
}

/*
 * set-eswitch-mode: the mode and the VF count still as planned, the VFs
 * removed (mlx5 and ice change the mode only without them), then the mode
 * through devlink; set-num-vfs creates the VFs again.
 */
static int run_eswitch(const struct action *a, const struct apply_opts *o, struct diag *d)
{
	enum eswitch_mode now = ESWITCH_MODE_UNSET;
	unsigned n;
	int r;

	r = devlink_eswitch_get("pci", a->target, &now, d);
	if (r < 0)
		return r;
	if (now != a->eswitch.from)
		return changed(d, "%s eswitch-mode is %s, the plan was made when it was %s",
			       a->target, eswitch_mode_name(now),
			       eswitch_mode_name(a->eswitch.from));
	if (a->eswitch.vfs > 0) {
		r = sysfs_num_vfs(a->target, &n);
		if (r >= 0 && n != a->eswitch.vfs)
			return changed(d, "%s num-vfs is %u, the plan was made when it was %u",
				       a->target, n, a->eswitch.vfs);
		worker_set_timeout(o->timeout);
		r = worker_call(empty_fn, (void *)a, o->timeout + NUMVFS_JOIN_GRACE_S, d, NULL,
				NULL, NULL);
		if (r == -ETIMEDOUT || r == -EINTR) {
			numvfs_unfinished(a, r, o->timeout, d); /* a->num.to: 0 */
			return r;
		}
		if (r < 0)
			return r;
	}
	return devlink_eswitch_set("pci", a->target, a->eswitch.to, d);
}

static int run_action(const struct action *a, const struct apply_opts *o,
		      struct libvirt **conn, struct diag *d)
{
	int r;

	if (action_is_libvirt(a)) {
		if (!*conn) {
			r = libvirt_open(o->libvirt_uri, 0, d, conn);
			if (r < 0)
				return r;
		}
		return libvirt_apply(*conn, a, d);
	}
	switch (a->kind) {
	case ACTION_WRITE_MODPROBE_CONF:
		return run_write_conf(a, o, d);
	case ACTION_RELOAD_MODULE:
		return run_reload(a, o, d);
	case ACTION_SET_DRIVERS_AUTOPROBE:
		return sysfs_set_drivers_autoprobe(a->target, a->autoprobe.to > 0, d);
	case ACTION_SET_ESWITCH_MODE:
		return run_eswitch(a, o, d);
	case ACTION_BIND_DRIVER:
		return run_bind(a, d);
	case ACTION_SET_VF:
		return run_set_vf(a, d);
	case ACTION_SET_MTU:
		return run_set_mtu(a, o, d);
	case ACTION_SET_NUM_VFS:
	default:
		return diag_error(d, NULL, -EINVAL, "internal error: unexpected action '%s'",
				  action_kind_to_string(a->kind));
	}
}

/* Key of a guest device, to skip the attach after a failed detach. */
static char *guest_key(const struct action *a)
{
	if (!a->device && a->guest.dev.network)
		return strprintf("guest:%s:network:%s", a->target, a->guest.dev.network);
	return strprintf("guest:%s:%s", a->target, a->device ? a->device : "");
}

/*
 * An attach failed. If this plan detached a device at the same address
 * from the same guest (a MAC, VLAN or virtualport change), put the old
 * device back, so that no guest is left without it.
 */
static void restore_detached(const struct plan *p, size_t attach_idx, struct libvirt *conn,
			     struct diag *d)
{
	const struct action *at = &p->changes[attach_idx];
	unsigned done = libvirt_last_done(conn);

	for (size_t i = 0; conn && i < attach_idx; i++) {
		const struct action *de = &p->changes[i];
		if (de->kind != ACTION_DETACH || !streq(de->target, at->target) ||
		    !streq_ptr(de->device, at->device))
			continue;
		struct action back = *de;
		back.kind = ACTION_ATTACH;
		/* a scope the failed attach did change holds the new device: keep it */
		back.guest.persistent = de->guest.persistent && !(done & LIBVIRT_SCOPE_CONFIG);
		back.guest.live = de->guest.live && !(done & LIBVIRT_SCOPE_LIVE);
		if (!back.guest.persistent && !back.guest.live)
			continue;
		if (libvirt_apply(conn, &back, d) >= 0)
			diag_note(d, NULL, "guest '%s': the previous %s device was attached again",
				  de->target, de->device ? de->device : "");
	}
}

/*
 * Observe again: every action holds, and with a spec, planning again finds
 * nothing. early: the guests' listing, begun once the last change to
 * libvirt was made (may be NULL).
 */
static int verify(const struct plan *done, const struct apply_opts *o,
		  struct observe_guests *early, struct diag *d)
{
	_cleanup_(host_freep) struct host *h = NULL;
	_cleanup_(plan_freep) struct plan *p = NULL;
	struct plan_opts po = {.force = false};
	int r, bad = 0;

	if (!o->observe)
		return 0;
	/* the first observation said its warnings already: keep only errors */
	struct diag scratch;
	diag_init(&scratch);
	r = host_observe_with(o->observe, early, &scratch, &h);
	if (r >= 0 && o->spec)
		r = plan_compute(o->spec, h, &po, &scratch, &p);
	merge_diag(d, &scratch, true);
	diag_release(&scratch);
	if (r < 0)
		return diag_error(d, NULL, r, "cannot observe the host again to verify the result");
	for (size_t i = 0; i < done->n_changes; i++) {
		_cleanup_(freep) char *msg = action_unmet(&done->changes[i], h);
		if (msg && !p) {
			diag_error(d, NULL, -EAGAIN, "not converged: %s", msg);
			bad++;
		}
	}
	for (size_t i = 0; p && i < p->n_changes + p->n_blocked; i++) {
		const struct action *a =
		    i < p->n_changes ? &p->changes[i] : &p->blocked[i - p->n_changes];
		_cleanup_(freep) char *what = action_describe(a);
		_cleanup_(freep) char *msg = action_unmet(a, h);
		diag_error(d, NULL, -EAGAIN, "not converged: %s%s%s", what ? what : "?",
			   msg ? ": " : "", msg ? msg : "");
		bad++;
	}
	return bad ? -EAGAIN : 0;
}

static void emit(const struct apply_opts *o, const struct plan *p, size_t i, enum apply_event ev,
		 const struct diag *d, size_t errors_before)
{
	const char *msg = NULL;

	if (!o->event)
		return;
	if (ev == APPLY_ERROR || ev == APPLY_SKIPPED)
		for (size_t k = d->n; k-- > 0 && d->n_errors > errors_before;)
			if (d->v[k].level == DIAG_ERROR) {
				msg = d->v[k].msg;
				break;
			}
	o->event(o->userdata, p, i, ev, msg);
}

int apply_run(const struct plan *p, const struct apply_opts *o, struct diag *d)
{
	struct failed failed = {0};
	struct libvirt *conn = NULL;
	struct observe_guests *early = NULL;
	bool numvfs_done = false;
	size_t errors_before = d->n_errors, guests_final = 0;
	int r;

	if (p->n_changes == 0)
		return 0;
	/*
	 * The verification's listing of the guests begins as soon as libvirt
	 * will not be changed any more: it then runs while the host's VF
	 * counts and settings are carried out (the driver may take seconds).
	 */
	for (size_t i = 0; i < p->n_changes; i++)
		if (action_is_libvirt(&p->changes[i]))
			guests_final = i + 1;

	for (size_t i = 0; i <= p->n_changes; i++) {
		/* also after the last change: a signal during it is not lost */
		if (apply_stopping(p, i, numvfs_done, d) || i == p->n_changes)
			break;
		if (i == guests_final && o->observe && o->observe->libvirt_uri &&
		    observe_guests_begin(o->observe, &early) < 0)
			early = NULL; /* out of memory: the verification lists them itself */
		const struct action *a = &p->changes[i];
		const char *pf = action_pf(a);
		_cleanup_(freep) char *gkey = NULL;
		size_t before = d->n_errors;

		if (a->kind == ACTION_SET_NUM_VFS) {
			if (numvfs_done)
				continue;
			numvfs_done = true;
			size_t first = i, errs = d->n_errors;
			for (size_t k = first; k < p->n_changes; k++)
				if (p->changes[k].kind == ACTION_SET_NUM_VFS)
					emit(o, p, k, APPLY_START, d, errs);
			run_numvfs_batch(p, o, &failed, d);
			for (size_t k = first; k < p->n_changes; k++)
				if (p->changes[k].kind == ACTION_SET_NUM_VFS)
					emit(o, p, k,
					     failed_has(&failed, p->changes[k].target) ? APPLY_ERROR
										      : APPLY_DONE,
					     d, errs);
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
			emit(o, p, i, APPLY_SKIPPED, d, before);
			continue;
		}
		emit(o, p, i, APPLY_START, d, before);
		r = run_action(a, o, &conn, d);
		emit(o, p, i, r < 0 ? APPLY_ERROR : APPLY_DONE, d, before);
		if (r < 0 && gkey) {
			failed_add(&failed, gkey);
			if (a->kind == ACTION_ATTACH)
				restore_detached(p, i, conn, d);
		} else if (r < 0 && a->kind != ACTION_SET_VF &&
			   !(a->kind == ACTION_SET_MTU && a->vf.pf)) {
			/*
			 * A driver refusing one VF setting (igb: link-state, 802.1ad,
			 * min-tx-rate) or one VF's MTU says nothing about the others:
			 * those are still applied, and the refusal is reported with the
			 * rest. A PF's MTU refused stops its VFs' (they need it).
			 */
			failed_add(&failed, pf);
		}
	}
	libvirt_close(conn);

	if (d->n_errors == errors_before)
		r = verify(p, o, early, d);
	else
		r = -EIO;
	observe_guests_free(early);
	failed_release(&failed);
	return d->n_errors > errors_before ? (r < 0 ? r : -EIO) : 0;
}

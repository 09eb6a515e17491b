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
#include <stdarg.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "modprobe.h"
#include "sysfs.h"
#include "vfnet.h"

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
	case ACTION_BIND_DRIVER:
		fprintf(f, " -> %s", a->driver.to ? a->driver.to : "?");
		break;
	case ACTION_SET_VF:
		fputs(" -> ", f);
		vf_link_print_attr(&a->link.to, &a->link.to, a->link.attr, f);
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
static int changed(struct diag *d, const char *fmt, ...) _printf_(2, 3);
static int changed(struct diag *d, const char *fmt, ...)
{
	_cleanup_(freep) char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	return diag_error(d, NULL, -ESTALE, "host changed since the plan: %s",
			  msg ? msg : "out of memory");
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
 * A PF's VF count is set in a child process of its own. The kernel's write
 * to sriov_numvfs returns once the driver has created the VFs (tens of
 * seconds for some), so PFs are done side by side. A process rather than
 * a thread: a write that hangs in the driver takes nothing of ours with it
 * and can be abandoned cleanly, and nothing we call (libudev; in the tests
 * the umockdev preload, whose fd bookkeeping uses static buffers) has to
 * be thread-safe. The child sends its diagnostics back through a pipe,
 * one record a line: LEVEL US FILE US LINE US COL US MESSAGE, then R US RESULT.
 */
#define REC_SEP '\x1f'

struct numvfs_job {
	const struct action *a;
	pid_t pid; /* -1: ran here, or not started */
	int fd;	   /* read end of the child's pipe; -1 once at EOF */
	char *buf; /* what the child sent */
	size_t len, cap;
	int r;
	struct diag d;
};

/* Grace after --timeout for a child to report its own timeout first. */
#define NUMVFS_JOIN_GRACE_S 0.5

static double monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The record of one diagnostic, without separators or newlines inside fields. */
static void put_field(FILE *f, const char *s)
{
	for (; s && *s; s++)
		fputc(*s == '\n' || *s == REC_SEP ? ' ' : *s, f);
}

static void numvfs_child(const struct action *a, double timeout, int fd)
{
	struct diag d;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	diag_init(&d);
	r = sysfs_set_num_vfs(a->target, a->num.to, timeout, NULL, &d);
	f = open_memstream(&out, &len);
	if (f) {
		for (size_t i = 0; i < d.n; i++) {
			fprintf(f, "%d%c", (int)d.v[i].level, REC_SEP);
			put_field(f, d.v[i].file);
			fprintf(f, "%c%u%c%u%c", REC_SEP, d.v[i].line, REC_SEP, d.v[i].col,
				REC_SEP);
			put_field(f, d.v[i].msg);
			fputc('\n', f);
		}
		fprintf(f, "R%c%d\n", REC_SEP, r);
		fclose(f);
	}
	for (size_t done = 0; out && done < len;) {
		ssize_t n = write(fd, out + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += n;
	}
	_exit(0);
}

/* Turn what a child sent into j->r and j->d. No result line: it died. */
static void numvfs_job_parse(struct numvfs_job *j)
{
	bool have_result = false;
	char *save = NULL;

	j->r = -EIO;
	for (char *line = j->buf ? strtok_r(j->buf, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *fld[5] = {0};
		size_t n = 0;
		for (char *p = line; n < 5; n++) {
			fld[n] = p;
			p = strchr(p, REC_SEP);
			if (!p) {
				n++;
				break;
			}
			*p++ = 0;
		}
		if (n == 2 && streq(fld[0], "R")) {
			j->r = atoi(fld[1]);
			have_result = true;
		} else if (n == 5) {
			struct src_loc loc = {.file = fld[1],
					      .line = strtoul(fld[2], NULL, 10),
					      .col = strtoul(fld[3], NULL, 10)};
			const struct src_loc *l = *fld[1] ? &loc : NULL;
			diag_add(&j->d, (enum diag_level)atoi(fld[0]), l, fld[4]);
		}
	}
	if (!have_result)
		diag_error(&j->d, NULL, -EIO, "PF '%s': setting num-vfs failed: its worker died",
			   j->a->target);
}

/* Start a job's child, or run it here when no process can be had. */
static void numvfs_job_start(struct numvfs_job *j, double timeout)
{
	int p[2];

	j->pid = -1;
	j->fd = -1;
	if (pipe2(p, O_CLOEXEC) == 0) {
		fflush(NULL);
		j->pid = fork();
		if (j->pid == 0) {
			close(p[0]);
			numvfs_child(j->a, timeout, p[1]);
		}
		close(p[1]);
		if (j->pid > 0) {
			j->fd = p[0];
			return;
		}
		close(p[0]);
	}
	j->r = sysfs_set_num_vfs(j->a->target, j->a->num.to, timeout, NULL, &j->d);
}

/* Read what the running children send until all are done or the deadline. */
static void numvfs_jobs_wait(struct numvfs_job *jobs, size_t n, double deadline)
{
	_cleanup_(freep) struct pollfd *pfd = calloc(n, sizeof(*pfd));
	_cleanup_(freep) size_t *idx = calloc(n, sizeof(*idx));

	if (!pfd || !idx)
		return;
	for (;;) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (jobs[i].fd >= 0) {
				pfd[k] = (struct pollfd){.fd = jobs[i].fd, .events = POLLIN};
				idx[k++] = i;
			}
		double left = deadline - monotonic_now();
		if (k == 0 || left <= 0)
			return;
		int r = poll(pfd, k, left > 1.0 ? 1000 : (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR)
			return;
		for (size_t m = 0; r > 0 && m < k; m++) {
			struct numvfs_job *j = &jobs[idx[m]];
			if (!(pfd[m].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (j->len + 4096 + 1 > j->cap) {
				char *nb = realloc(j->buf, j->cap + 8192);
				if (!nb)
					continue;
				j->buf = nb;
				j->cap += 8192;
			}
			ssize_t got = read(j->fd, j->buf + j->len, j->cap - j->len - 1);
			if (got > 0) {
				j->len += got;
				j->buf[j->len] = 0;
			} else if (got == 0 || errno != EINTR) {
				close(j->fd);
				j->fd = -1;
				waitpid(j->pid, NULL, 0);
				numvfs_job_parse(j);
			}
		}
	}
}

static void run_numvfs_batch(const struct plan *p, const struct apply_opts *o,
			     struct failed *failed, struct diag *d)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n_changes; i++)
		n += p->changes[i].kind == ACTION_SET_NUM_VFS;
	_cleanup_(freep) struct numvfs_job *jobs = calloc(n ? n : 1, sizeof(*jobs));
	double deadline = monotonic_now() + o->timeout + NUMVFS_JOIN_GRACE_S;
	size_t k = 0;

	for (size_t i = 0; i < p->n_changes; i++) {
		const struct action *a = &p->changes[i];
		if (a->kind != ACTION_SET_NUM_VFS)
			continue;
		if (!jobs) {
			diag_error(d, NULL, -ENOMEM, "PF '%s': num-vfs not set: out of memory",
				   a->target);
			failed_add(failed, a->target);
			continue;
		}
		struct numvfs_job *j = &jobs[k++];
		*j = (struct numvfs_job){.a = a, .pid = -1, .fd = -1};
		diag_init(&j->d);
		unsigned now;
		if (failed_has(failed, a->target))
			j->r = diag_error(&j->d, NULL, -ECANCELED,
					  "PF '%s': num-vfs not set, an earlier step failed",
					  a->target);
		else if (sysfs_num_vfs(a->target, &now) >= 0 && now != a->num.from)
			j->r = changed(&j->d, "%s num-vfs is %u, the plan was made when it was %u",
				       a->target, now, a->num.from);
		else
			numvfs_job_start(j, o->timeout);
	}
	numvfs_jobs_wait(jobs, k, deadline);
	for (size_t i = 0; i < k; i++) {
		struct numvfs_job *j = &jobs[i];
		if (j->fd >= 0) {
			/* the write hangs in the driver: report it, abandon the child */
			kill(j->pid, SIGKILL);
			waitpid(j->pid, NULL, WNOHANG);
			close(j->fd);
			diag_error(d, NULL, -ETIMEDOUT,
				   "PF '%s': setting sriov_numvfs to %u did not finish within %g s "
				   "(the driver does not answer)",
				   j->a->target, j->a->num.to, o->timeout);
			failed_add(failed, j->a->target);
		} else {
			merge_diag(d, &j->d, false);
			if (j->r < 0)
				failed_add(failed, j->a->target);
		}
		diag_release(&j->d);
		free(j->buf);
	}
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

static int run_action(const struct action *a, const struct apply_opts *o,
		      struct guest_conn **conn, struct diag *d)
{
	int r;

	switch (a->kind) {
	case ACTION_WRITE_MODPROBE_CONF:
		return run_write_conf(a, o, d);
	case ACTION_RELOAD_MODULE:
		return run_reload(a, o, d);
	case ACTION_SET_DRIVERS_AUTOPROBE:
		return sysfs_set_drivers_autoprobe(a->target, a->autoprobe.to > 0, d);
	case ACTION_BIND_DRIVER:
		return run_bind(a, d);
	case ACTION_SET_VF:
		return run_set_vf(a, d);
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
		back.guest.persistent = de->guest.persistent && !(done & GUEST_SCOPE_CONFIG);
		back.guest.live = de->guest.live && !(done & GUEST_SCOPE_LIVE);
		if (!back.guest.persistent && !back.guest.live)
			continue;
		if (guest_apply_action(conn, &back, d) >= 0)
			diag_note(d, NULL, "guest '%s': the previous %s device was attached again",
				  de->target, de->device ? de->device : "");
	}
}

/* Observe again: every action holds, and with a spec, planning again finds nothing. */
static int verify(const struct plan *done, const struct apply_opts *o, struct diag *d)
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
	r = host_observe(o->observe, &scratch, &h);
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
		} else if (r < 0 && a->kind != ACTION_SET_VF) {
			/*
			 * A driver refusing one VF setting (igb: link-state, 802.1ad,
			 * min-tx-rate) says nothing about the others: those are still
			 * applied, and the refusal is reported with the rest.
			 */
			failed_add(&failed, pf);
		}
	}
	guest_conn_free(conn);

	if (d->n_errors == errors_before)
		r = verify(p, o, d);
	else
		r = -EIO;
	failed_release(&failed);
	return d->n_errors > errors_before ? (r < 0 ? r : -EIO) : 0;
}

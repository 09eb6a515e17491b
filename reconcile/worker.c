/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "worker.h"

static double timeout_s = 120;
static volatile sig_atomic_t stop_sig;
static int step_fd = -1; /* in a worker: the pipe to its parent */

void worker_set_timeout(double seconds)
{
	timeout_s = seconds;
}

double worker_timeout(void)
{
	return timeout_s;
}

void worker_stop(int sig)
{
	stop_sig = sig ? sig : SIGTERM;
}

int worker_stopped(void)
{
	return stop_sig;
}

/* ---- the records a worker sends: TYPE (1 byte), LENGTH (4), BYTES ---- */

static void put_all(int fd, const void *p, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, (const char *)p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		done += (size_t)n;
	}
}

static void put_record(int fd, char type, const void *a, size_t alen, const void *b, size_t blen)
{
	uint32_t len = (uint32_t)(alen + blen);
	char hdr[5] = {type};

	memcpy(hdr + 1, &len, 4);
	put_all(fd, hdr, 5);
	if (alen)
		put_all(fd, a, alen);
	if (blen)
		put_all(fd, b, blen);
}

void worker_step(const char *fmt, ...)
{
	va_list ap;
	char buf[512];
	int n;

	if (step_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		put_record(step_fd, 'S', buf, strnlen(buf, sizeof(buf)), NULL, 0);
}

static void send_diag(int fd, const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_entry *e = &d->v[i];
		const char *file = e->file ? e->file : "";
		const char *msg = e->msg ? e->msg : "(out of memory)";
		uint32_t head[3] = {(uint32_t)e->level, e->line, e->col};
		size_t flen = strlen(file) + 1;
		_cleanup_(freep) char *body = malloc(sizeof(head) + flen);
		if (!body)
			continue;
		memcpy(body, head, sizeof(head));
		memcpy(body + sizeof(head), file, flen);
		put_record(fd, 'D', body, sizeof(head) + flen, msg, strlen(msg));
	}
}

static _Noreturn void worker_child(worker_fn fn, void *arg, pid_t parent, int fd)
{
	struct diag d;
	char *out = NULL;
	size_t out_len = 0;
	FILE *f;
	int32_t r;

	/* die with the run, and never hold its lock */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	lock_close_inherited();
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	step_fd = fd;

	diag_init(&d);
	f = open_memstream(&out, &out_len);
	r = fn(arg, &d, f ? f : stderr);
	if (f && fclose(f) == 0 && out_len)
		put_record(fd, 'P', out, out_len, NULL, 0);
	send_diag(fd, &d);
	put_record(fd, 'R', &r, sizeof(r), NULL, 0);
	_exit(0);
}

void worker_start(struct worker *w, worker_fn fn, void *arg)
{
	pid_t parent = getpid();
	int p[2];

	*w = (struct worker){.pid = -1, .fd = -1, .heard = monotonic_now()};
	diag_init(&w->d);
	if (pipe2(p, O_CLOEXEC) == 0) {
		fflush(NULL);
		w->pid = fork();
		if (w->pid == 0) {
			close(p[0]);
			worker_child(fn, arg, parent, p[1]);
		}
		close(p[1]);
		if (w->pid > 0) {
			w->fd = p[0];
			return;
		}
		close(p[0]);
	}
	/* no process to be had: do it here, without a deadline */
	FILE *f = open_memstream(&w->payload, &w->payload_len);
	w->r = fn(arg, &w->d, f ? f : stderr);
	if (f)
		fclose(f);
	w->done = true;
}

/* Turn what a worker sent into its result. No result record: it died. */
static void worker_parse(struct worker *w)
{
	bool have_result = false;
	size_t i = 0;

	w->r = -ECHILD;
	while (w->buf && i + 5 <= w->len) {
		char type = w->buf[i];
		uint32_t len;
		memcpy(&len, w->buf + i + 1, 4);
		if (len > w->len - i - 5)
			break; /* cut short */
		const char *p = w->buf + i + 5;
		i += 5 + len;
		if (type == 'R' && len == sizeof(int32_t)) {
			int32_t r;
			memcpy(&r, p, sizeof(r));
			w->r = r;
			have_result = true;
		} else if (type == 'S') {
			free(w->step);
			w->step = strndup(p, len);
		} else if (type == 'P') {
			free(w->payload);
			w->payload = malloc(len + 1);
			if (w->payload) {
				memcpy(w->payload, p, len);
				w->payload[len] = '\0';
				w->payload_len = len;
			}
		} else if (type == 'D' && len > 3 * sizeof(uint32_t)) {
			uint32_t head[3];
			memcpy(head, p, sizeof(head));
			const char *file = p + sizeof(head);
			size_t flen = strnlen(file, len - sizeof(head));
			if (flen >= len - sizeof(head))
				continue;
			_cleanup_(freep) char *msg =
			    strndup(file + flen + 1, len - sizeof(head) - flen - 1);
			struct src_loc loc = {.file = file, .line = head[1], .col = head[2]};
			diag_add(&w->d, (enum diag_level)head[0], *file ? &loc : NULL, msg);
		}
	}
	if (!have_result)
		w->r = -ECHILD;
}

/* Read what is there from w; at the end, reap it and parse. */
static void worker_read(struct worker *w)
{
	if (w->cap - w->len < 4096) {
		char *nb = realloc(w->buf, w->cap + 65536);
		if (!nb) {
			worker_abandon(w);
			w->r = -ENOMEM;
			return;
		}
		w->buf = nb;
		w->cap += 65536;
	}
	ssize_t got = read(w->fd, w->buf + w->len, w->cap - w->len);
	if (got > 0) {
		w->len += (size_t)got;
		w->heard = monotonic_now();
		return;
	}
	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	close(w->fd);
	w->fd = -1;
	waitpid(w->pid, NULL, 0);
	w->pid = -1;
	worker_parse(w);
	w->done = true;
}

int worker_wait_any(struct worker *w, size_t n, double deadline, int fd)
{
	_cleanup_(freep) struct pollfd *pfd = calloc(n + 1, sizeof(*pfd));
	_cleanup_(freep) size_t *idx = calloc(n + 1, sizeof(*idx));

	if (!pfd || !idx)
		return -ENOMEM;
	for (;;) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (!w[i].done && w[i].fd >= 0) {
				pfd[k] = (struct pollfd){.fd = w[i].fd, .events = POLLIN};
				idx[k++] = i;
			}
		if (k == 0 && fd < 0)
			return 0;
		if (worker_stopped())
			return -EINTR;
		double left = deadline - monotonic_now();
		if (left <= 0)
			return -ETIMEDOUT;
		if (fd >= 0)
			pfd[k] = (struct pollfd){.fd = fd, .events = POLLIN};
		/* a signal interrupts poll: the stop is seen at once */
		int r = poll(pfd, k + (fd >= 0), left > 1.0 ? 1000 : (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR)
			return -errno;
		bool ended = false;
		for (size_t m = 0; r > 0 && m < k; m++)
			if (pfd[m].revents & (POLLIN | POLLHUP | POLLERR)) {
				worker_read(&w[idx[m]]);
				ended = ended || w[idx[m]].done;
			}
		if (ended || (r > 0 && fd >= 0 && pfd[k].revents))
			return 1;
	}
}

int worker_wait(struct worker *w, size_t n, double deadline)
{
	int r;

	while ((r = worker_wait_any(w, n, deadline, -1)) == 1)
		;
	return r;
}

int worker_wait_quiet(struct worker *w, double quiet_s)
{
	/*
	 * Silence counts while we listen: a worker begun long before (its
	 * answer waiting in the pipe meanwhile) is not taken for a hung one.
	 */
	double now = monotonic_now();
	if (w->heard < now)
		w->heard = now;
	for (;;) {
		int r = worker_wait(w, 1, w->heard + quiet_s);
		/* it may have spoken while we waited: then it has time again */
		if (r != -ETIMEDOUT || monotonic_now() >= w->heard + quiet_s)
			return r;
	}
}

void worker_abandon(struct worker *w)
{
	if (w->done)
		return;
	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		/* reaped now if it could die; one stuck in the kernel stays a zombie */
		waitpid(w->pid, NULL, WNOHANG);
	}
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->pid = -1;
	w->done = true;
}

void worker_release(struct worker *w)
{
	worker_abandon(w);
	diag_release(&w->d);
	free(w->buf);
	free(w->step);
	free(w->payload);
	w->buf = w->step = w->payload = NULL;
}

int worker_begin(struct worker *w, worker_fn fn, void *arg)
{
	*w = (struct worker){.pid = -1, .fd = -1};
	if (worker_stopped())
		return -EINTR;
	worker_start(w, fn, arg);
	return 0;
}

/*
 * Wait for w (begun) as worker_call()/worker_call_steps() do, then take its
 * result, diagnostics and payload; w is released (releasing it again is
 * harmless).
 */
static int finish(struct worker *w, double timeout, bool per_step, struct diag *d, char **ret_step,
		  char **ret_payload, size_t *ret_len)
{
	int r;

	if (timeout <= 0)
		timeout = timeout_s;
	r = per_step ? worker_wait_quiet(w, timeout) : worker_wait(w, 1, monotonic_now() + timeout);
	if (r < 0 && !w->done) {
		/* the step it is stuck in: the last one among what it sent so far */
		worker_parse(w);
		if (ret_step)
			*ret_step = TAKE_PTR(w->step);
		worker_release(w);
		return r == -ETIMEDOUT || r == -EINTR ? r : -EIO;
	}
	bool said = w->d.n_errors > 0;
	diag_move_all(d, &w->d);
	r = w->r;
	if (r == -ECHILD && !said)
		r = diag_error(d, NULL, -ECHILD, "a worker process ended without a result");
	if (ret_payload) {
		*ret_payload = TAKE_PTR(w->payload);
		*ret_len = w->payload_len;
	}
	worker_release(w);
	return r;
}

int worker_finish_steps(struct worker *w, double timeout, struct diag *d, char **ret_step,
			char **ret_payload, size_t *ret_len)
{
	return finish(w, timeout, true, d, ret_step, ret_payload, ret_len);
}

static int call(worker_fn fn, void *arg, double timeout, bool per_step, struct diag *d,
		char **ret_step, char **ret_payload, size_t *ret_len)
{
	struct worker w;
	int r = worker_begin(&w, fn, arg);

	if (r < 0)
		return r;
	return finish(&w, timeout, per_step, d, ret_step, ret_payload, ret_len);
}

int worker_call(worker_fn fn, void *arg, double timeout, struct diag *d, char **ret_step,
		char **ret_payload, size_t *ret_len)
{
	return call(fn, arg, timeout, false, d, ret_step, ret_payload, ret_len);
}

int worker_call_steps(worker_fn fn, void *arg, double timeout, struct diag *d, char **ret_step,
		      char **ret_payload, size_t *ret_len)
{
	return call(fn, arg, timeout, true, d, ret_step, ret_payload, ret_len);
}

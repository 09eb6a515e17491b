/* SPDX-License-Identifier: MIT */
/*
 * Kernel requests with a deadline. A write to sysfs or a netlink request
 * is answered by a driver, which may never answer: the writer then sleeps
 * in the kernel (often uninterruptibly). So every such request runs in a
 * child process (a worker) that the run waits for with a deadline, and
 * abandons (SIGKILL; it ends when the kernel lets go) when the deadline
 * passes. A worker dies with its parent (PR_SET_PDEATHSIG) and closes the
 * run lock (lock.h) first, so that an abandoned one never holds it.
 *
 * A worker sends back its result, its diagnostics, the step it is in and
 * an optional payload (bytes) through a pipe.
 *
 * Stopping: cmd/ turns SIGINT and SIGTERM into worker_stop(); waits then
 * end early, running workers are killed, and callers start no new step.
 */
#pragma once

#include <sys/types.h>

#include "diag.h"

/* The time a single kernel request may take (--timeout); default 120 s. */
void worker_set_timeout(double seconds);
double worker_timeout(void);

/* Ask the run to stop (async-signal-safe): sig is the signal's number. */
void worker_stop(int sig);
/* The signal that asked the run to stop, or 0. */
int worker_stopped(void);

/* The function a worker runs; its payload (may be ignored) goes to out. */
typedef int (*worker_fn)(void *arg, struct diag *d, FILE *out);

struct worker {
	pid_t pid; /* -1: ran in this process, or not started */
	int fd;	   /* read end of the pipe; -1 once done */
	char *buf; /* what the worker sent */
	size_t len, cap;
	bool done;     /* its result arrived, or it ended without one */
	int r;	       /* its result */
	struct diag d; /* its diagnostics */
	char *step;    /* the last step it announced; owned */
	char *payload; /* what it wrote to out; owned */
	size_t payload_len;
	double heard; /* CLOCK_MONOTONIC of its start or the last bytes it sent */
};

/*
 * Start fn(arg) in a worker. When no process can be started, fn runs here
 * (unbounded). w is initialised; release it with worker_release().
 */
void worker_start(struct worker *w, worker_fn fn, void *arg);

/*
 * Collect the n workers until all are done, the deadline (CLOCK_MONOTONIC
 * seconds) passes or the run is asked to stop. Returns 0, -ETIMEDOUT or
 * -EINTR; workers not done are still running (see worker_abandon).
 */
int worker_wait(struct worker *w, size_t n, double deadline);

/*
 * Like worker_wait(), but returns 1 as soon as one of the workers is done
 * or fd (when >= 0) is readable, for the caller to look and wait again.
 * With fd >= 0 it waits for fd also when no worker is left.
 */
int worker_wait_any(struct worker *w, size_t n, double deadline, int fd);

/*
 * Collect one worker until it is done, the run is asked to stop, or it has
 * sent nothing (no step, no result) for quiet_s seconds while waited for
 * (what it sent before, unread, counts as sent now): each step it
 * announces gets quiet_s of its own. Returns 0, -ETIMEDOUT or -EINTR.
 */
int worker_wait_quiet(struct worker *w, double quiet_s);

/* Kill a worker that is not done and stop waiting for it. */
void worker_abandon(struct worker *w);

void worker_release(struct worker *w);

/*
 * In a worker: announce the step it is about to take ("writing
 * /sys/bus/pci/drivers_probe"), named in the error if it never ends.
 * Elsewhere a no-op.
 */
void worker_step(const char *fmt, ...) _printf_(1, 2);

/*
 * Run fn(arg) in a worker and wait for it, up to timeout_s (<= 0: the
 * worker timeout). Its diagnostics go to d. When it does not finish in
 * time, returns -ETIMEDOUT (nothing recorded: the caller names what hung;
 * *ret_step, if given, receives the worker's last step, owned); when the
 * run is asked to stop, -EINTR. Its payload, when ret_payload is given,
 * is stored there (owned, NUL-terminated) with its length.
 */
int worker_call(worker_fn fn, void *arg, double timeout_s, struct diag *d, char **ret_step,
		char **ret_payload, size_t *ret_len);

/*
 * Like worker_call(), but timeout_s bounds each step the worker announces
 * (worker_step()) rather than the whole call: a worker making several
 * requests in turn (libvirt calls) fails only when one of them gets no
 * answer in time.
 */
int worker_call_steps(worker_fn fn, void *arg, double timeout_s, struct diag *d, char **ret_step,
		      char **ret_payload, size_t *ret_len);

/*
 * worker_call_steps() in two halves, so that the run does other work
 * meanwhile: worker_begin() starts fn(arg) (-EINTR when the run is asked
 * to stop; w is then empty), worker_finish_steps() waits for it as
 * worker_call_steps() does and collects it. A begun worker that is not
 * finished is killed by worker_release().
 */
int worker_begin(struct worker *w, worker_fn fn, void *arg);
int worker_finish_steps(struct worker *w, double timeout_s, struct diag *d, char **ret_step,
			char **ret_payload, size_t *ret_len);

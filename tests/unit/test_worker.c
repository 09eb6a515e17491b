/* SPDX-License-Identifier: MIT */
/*
 * Workers with deadlines: worker_call() bounds the whole call,
 * worker_call_steps() each step the worker announces (libvirt.c's calls),
 * worker_wait_any() wakes for a worker or a descriptor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <time.h>
#include <unistd.h>

#include "worker.h"

/* A worker of n steps, each announced, then ms milliseconds long. */
struct steps {
	int n;
	unsigned ms;
};

static int steps_fn(void *arg, struct diag *d, FILE *out)
{
	const struct steps *s = arg;

	for (int i = 0; i < s->n; i++) {
		worker_step("step %d", i + 1);
		usleep(s->ms * 1000);
	}
	fputs("done", out);
	diag_note(d, NULL, "%d steps", s->n);
	return 7;
}

/* Three steps of 0.6 s: 1.8 s in all, none longer than 1.2 s. */
static void test_steps_each_bounded(void **state)
{
	struct steps s = {3, 600};
	char *step = NULL, *payload = NULL;
	size_t len = 0;
	struct diag d;
	double t0 = monotonic_now();
	int r;

	(void)state;
	diag_init(&d);
	r = worker_call_steps(steps_fn, &s, 1.2, &d, &step, &payload, &len);
	assert_int_equal(r, 7);
	assert_true(monotonic_now() - t0 >= 1.8);
	assert_null(step);
	assert_string_equal(payload, "done");
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "3 steps");
	free(payload);
	diag_release(&d);
}

/*
 * Steps of 1 s under worker_call(): the whole call is bounded, and at 1.5 s
 * the worker is in its second step (half a second from either edge, so a
 * loaded machine does not move it).
 */
static void test_call_whole_bounded(void **state)
{
	struct steps s = {3, 1000};
	char *step = NULL;
	struct diag d;
	int r;

	(void)state;
	diag_init(&d);
	r = worker_call(steps_fn, &s, 1.5, &d, &step, NULL, NULL);
	assert_int_equal(r, -ETIMEDOUT);
	assert_string_equal(step, "step 2");
	assert_int_equal(d.n, 0);
	free(step);
	diag_release(&d);
}

/* One step that hangs: -ETIMEDOUT after about the bound, naming that step. */
static void test_steps_hang_named(void **state)
{
	struct steps s = {2, 60 * 1000};
	char *step = NULL;
	struct diag d;
	double t0 = monotonic_now();
	int r;

	(void)state;
	diag_init(&d);
	r = worker_call_steps(steps_fn, &s, 0.5, &d, &step, NULL, NULL);
	assert_int_equal(r, -ETIMEDOUT);
	assert_true(monotonic_now() - t0 < 5);
	assert_string_equal(step, "step 1");
	free(step);
	diag_release(&d);
}

/*
 * A worker begun ahead, done while no one listened (apply lists the guests
 * while the VFs are created): its answer is taken, however long it waited
 * in the pipe, and it is not taken for one that hung.
 */
static void test_begun_ahead_not_hung(void **state)
{
	struct steps s = {2, 0};
	struct worker w;
	char *step = NULL, *payload = NULL;
	size_t len = 0;
	struct diag d;
	int r;

	(void)state;
	diag_init(&d);
	assert_int_equal(worker_begin(&w, steps_fn, &s), 0);
	usleep(1200 * 1000); /* twice the bound below, listening to nothing */
	r = worker_finish_steps(&w, 0.6, &d, &step, &payload, &len);
	assert_int_equal(r, 7);
	assert_null(step);
	assert_string_equal(payload, "done");
	free(payload);
	diag_release(&d);
}

/*
 * worker_wait_any() (apply's VF counts: writers and a udev monitor): it
 * returns 1 when the descriptor has something, 1 when a worker is done,
 * waits for the descriptor also with no worker left, and 0 without one.
 */
static void test_wait_any(void **state)
{
	struct steps fast = {1, 0}, slow = {1, 800};
	struct worker w[2];
	int p[2];
	double t0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	worker_start(&w[0], steps_fn, &slow);
	worker_start(&w[1], steps_fn, &fast);
	/* the fast one ends first; the descriptor is quiet */
	do
		assert_int_equal(worker_wait_any(w, 2, monotonic_now() + 5, p[0]), 1);
	while (!w[1].done);
	assert_false(w[0].done);
	assert_int_equal(w[1].r, 7);
	/* the descriptor wakes the wait before the slow one ends */
	assert_int_equal(write(p[1], "x", 1), 1);
	t0 = monotonic_now();
	assert_int_equal(worker_wait_any(w, 2, t0 + 5, p[0]), 1);
	assert_true(monotonic_now() - t0 < 0.5);
	assert_false(w[0].done);
	char c;
	assert_int_equal(read(p[0], &c, 1), 1);
	/* then the slow one */
	while (!w[0].done)
		assert_int_equal(worker_wait_any(w, 2, monotonic_now() + 5, p[0]), 1);
	assert_int_equal(w[0].r, 7);
	/* no worker left: the descriptor is still waited for, up to the deadline */
	t0 = monotonic_now();
	assert_int_equal(worker_wait_any(w, 2, t0 + 0.3, p[0]), -ETIMEDOUT);
	assert_true(monotonic_now() - t0 >= 0.3);
	assert_int_equal(worker_wait_any(w, 2, t0 + 5, -1), 0);
	worker_release(&w[0]);
	worker_release(&w[1]);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_steps_each_bounded),
	    cmocka_unit_test(test_call_whole_bounded),
	    cmocka_unit_test(test_steps_hang_named),
	    cmocka_unit_test(test_begun_ahead_not_hung),
	    cmocka_unit_test(test_wait_any),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

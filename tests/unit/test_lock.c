/* SPDX-License-Identifier: MIT */
/* The run lock: two processes contend for <root>/run/sriovctl.lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "unit.h"

static char root[64];

static int make_root(void **state)
{
	(void)state;
	return unit_mkdtemp(root, "lock");
}

static int remove_root(void **state)
{
	(void)state;
	return unit_rm_rf(root);
}

/* Exit codes of a contending child process. */
enum {
	CHILD_GOT_LOCK = 10,
	CHILD_TIMED_OUT_CLEANLY = 11,
	CHILD_WRONG = 12,
};

/*
 * In a child: try to take the lock with timeout; report whether it got it,
 * or timed out with the expected message after about timeout seconds.
 */
static pid_t contend(double timeout)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid > 0)
		return pid;

	struct diag d;
	int fd = -1, code = CHILD_WRONG;
	double start = monotonic_now();
	/* the parent holds the lock: the message names it */
	char *want = strprintf(
	    "another sriovctl run (pid %ld) holds '%s/run/sriovctl.lock' (waited %g s)",
	    (long)getppid(), root, timeout);

	diag_init(&d);
	int r = lock_acquire(root, timeout, &d, &fd);
	double took = monotonic_now() - start;
	if (r == 0 && fd >= 0 && d.n_errors == 0)
		code = CHILD_GOT_LOCK;
	else if (r == -EWOULDBLOCK && d.n_errors == 1 && want && streq(d.v[0].msg, want) &&
		 took >= timeout && took < timeout + 1.0)
		code = CHILD_TIMED_OUT_CLEANLY;
	else if (d.n)
		fprintf(stderr, "child: r=%d took=%.2f msg=%s\n", r, took, d.v[0].msg);
	_exit(code);
}

static int child_code(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_creates_run_dir(void **state)
{
	(void)state;
	struct diag d;
	struct stat st;
	int fd = -1;
	char *dir = strprintf("%s/run", root), *file = strprintf("%s/run/sriovctl.lock", root);

	diag_init(&d);
	assert_int_equal(stat(dir, &st), -1);
	assert_int_equal(lock_acquire(root, 0, &d, &fd), 0);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(stat(file, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	lock_release(fd);
	lock_release(-1); /* a no-op */
	assert_int_equal(d.n_errors, 0);
	diag_release(&d);
	free(dir);
	free(file);
}

static void test_second_run_times_out(void **state)
{
	(void)state;
	struct diag d;
	int fd = -1;

	diag_init(&d);
	assert_int_equal(lock_acquire(root, 1, &d, &fd), 0);
	/* held: a second run waits its timeout, then gives up with the message */
	assert_int_equal(child_code(contend(0.3)), CHILD_TIMED_OUT_CLEANLY);
	assert_int_equal(child_code(contend(0)), CHILD_TIMED_OUT_CLEANLY);
	lock_release(fd);
	/* released: the next run gets it at once */
	assert_int_equal(child_code(contend(0)), CHILD_GOT_LOCK);
	diag_release(&d);
}

static void test_waiter_gets_released_lock(void **state)
{
	(void)state;
	struct diag d;
	int fd = -1;

	diag_init(&d);
	assert_int_equal(lock_acquire(root, 1, &d, &fd), 0);
	double start = monotonic_now();
	pid_t pid = contend(10);
	usleep(200 * 1000);
	lock_release(fd);
	assert_int_equal(child_code(pid), CHILD_GOT_LOCK);
	/* well before its timeout: it noticed the release */
	assert_true(monotonic_now() - start < 2.0);
	diag_release(&d);
}

static void test_bad_root(void **state)
{
	(void)state;
	struct diag d;
	int fd = -1;
	char *missing = strprintf("%s/no/such/dir", root);

	diag_init(&d);
	assert_int_equal(lock_acquire(missing, 0, &d, &fd), -ENOENT);
	assert_int_equal(fd, -1);
	assert_int_equal(d.n_errors, 1);
	assert_non_null(strstr(d.v[0].msg, "cannot create directory '"));
	assert_non_null(strstr(d.v[0].msg, "/no/such/dir/run': No such file or directory"));
	diag_release(&d);
	free(missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_creates_run_dir),
	    cmocka_unit_test(test_second_run_times_out),
	    cmocka_unit_test(test_waiter_gets_released_lock),
	    cmocka_unit_test(test_bad_root),
	};
	return cmocka_run_group_tests_name("lock", tests, make_root, remove_root);
}

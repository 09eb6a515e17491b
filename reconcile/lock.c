/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "worker.h"

/* The lock this process holds (a child inherits it); -1: none. */
static int held_fd = -1;

/* Time between two attempts: short next to any useful timeout. */
#define LOCK_POLL_NS (20 * 1000 * 1000L)

/*
 * The pid holding the lock on fd: the kernel's word (/proc/locks, an
 * FLOCK line on this device and inode), when that process still lives
 * (the kernel keeps the pid of whoever took the lock, which may have
 * exited leaving the file open elsewhere, as flock(1) does). 0 when
 * unknown. Nothing is written to the file: a run that waits changes nothing.
 */
static long lock_holder(int fd)
{
	_cleanup_(fclosep) FILE *f = fopen("/proc/locks", "re");
	char line[256];
	struct stat st;
	long pid = 0;

	if (fstat(fd, &st) == 0 && f)
		while (!pid && fgets(line, sizeof(line), f)) {
			unsigned maj, min;
			unsigned long long ino;
			long p;
			if (sscanf(line, "%*d: FLOCK %*s %*s %ld %x:%x:%llu", &p, &maj, &min,
				   &ino) == 4 &&
			    makedev(maj, min) == st.st_dev && ino == st.st_ino)
				pid = p;
		}
	if (pid > 0 && kill(pid, 0) < 0 && errno == ESRCH)
		pid = 0;
	return pid > 0 ? pid : 0;
}

static int open_lock_file(const char *root, const char *path, struct diag *d)
{
	_cleanup_(freep) char *dir = root_path(root, "/run");
	int fd;

	if (!dir)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return diag_error(d, NULL, -errno, "cannot create directory '%s': %s", dir,
				  strerror(errno));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0644);
	if (fd < 0)
		return diag_error(d, NULL, -errno, "cannot open lock file '%s': %s", path,
				  strerror(errno));
	return fd;
}

int lock_acquire(const char *root, double timeout_s, struct diag *d, int *ret_fd)
{
	_cleanup_(freep) char *path = root_path(root, LOCK_PATH);
	double start = monotonic_now();
	int fd;

	if (!path)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	fd = open_lock_file(root, path, d);
	if (fd < 0)
		return fd;

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			held_fd = fd;
			*ret_fd = fd;
			return 0;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int r = -errno;
			close(fd);
			return diag_error(d, NULL, r, "cannot lock '%s': %s", path, strerror(-r));
		}
		if (worker_stopped()) {
			close(fd);
			return diag_error(d, NULL, -EINTR,
					  "stopped by signal %d while waiting for '%s'",
					  worker_stopped(), path);
		}
		double waited = monotonic_now() - start;
		if (timeout_s >= 0 && waited >= timeout_s) {
			long pid = lock_holder(fd);
			close(fd);
			if (pid)
				return diag_error(
				    d, NULL, -EWOULDBLOCK,
				    "another sriovctl run (pid %ld) holds '%s' (waited %g s)", pid,
				    path, timeout_s);
			return diag_error(d, NULL, -EWOULDBLOCK,
					  "another sriovctl run holds '%s' (waited %g s)", path,
					  timeout_s);
		}
		double left = timeout_s >= 0 ? timeout_s - waited : 1.0;
		long ns = left * 1e9 < LOCK_POLL_NS ? (long)(left * 1e9) : LOCK_POLL_NS;
		nanosleep(&(struct timespec){.tv_nsec = ns}, NULL);
	}
}

void lock_release(int fd)
{
	if (fd < 0)
		return;
	if (fd == held_fd)
		held_fd = -1;
	flock(fd, LOCK_UN);
	close(fd);
}

void lock_close_inherited(void)
{
	/*
	 * Drop only this copy: an flock(LOCK_UN) here would unlock the
	 * parent's lock too. /dev/null takes its place, so that the child's
	 * next descriptors are numbered as they would have been (umockdev,
	 * under which the tests run, names its uevent sockets by descriptor).
	 */
	if (held_fd < 0)
		return;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup3(null, held_fd, O_CLOEXEC) < 0)
		close(held_fd);
	if (null >= 0 && null != held_fd)
		close(null);
	held_fd = -1;
}

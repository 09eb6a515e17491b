// SPDX-License-Identifier: MIT
/*
 * The fake kernel: an LD_PRELOAD library, loaded before umockdev's, that
 * gives the testbed's writable sysfs attributes the kernel's behaviour.
 *
 * Under umockdev an attribute is a plain file, so a write can only fail
 * if something in the writing process makes it fail. This library tracks
 * the file descriptors opened for writing on the attributes it simulates
 * (sriov_numvfs, sriov_drivers_autoprobe, driver_override, bind, unbind,
 * drivers_probe, and any attribute with an injected fault) and hands
 * every write to them to attrs.c instead of the file:
 *   - write(2), pwrite, writev: plain writers (dash, Python, C);
 *   - fdopen/fopen: a fopencookie() stream, for libudev (open + fdopen +
 *     fputs) and other stdio writers;
 *   - fflush/fclose of a stdio stream on such a descriptor: what bash's
 *     `echo 7 > attr` and coreutils do, writing from inside libc.
 * Descriptors inherited across exec are found again in /proc/self/fd.
 * rtnl.c adds a fake rtnetlink for the simulated netdevs.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "simhost.h"

#define MAX_FDS 4096

/* resolved testbed path of a tracked fd, and the file it was opened on */
static char *tracked[MAX_FDS];
static dev_t tracked_dev[MAX_FDS];
static ino_t tracked_ino[MAX_FDS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void stdout_follow(void);
static void stdout_flush_before(int to);

#define NEXT(name, ret, ...)                                                                       \
	static ret (*next_##name)(__VA_ARGS__);                                                    \
	if (!next_##name)                                                                          \
		next_##name = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name);

static const char *fd_path(int fd)
{
	return fd >= 0 && fd < MAX_FDS ? tracked[fd] : NULL;
}

static void track(int fd, const char *path)
{
	if (fd < 0 || fd >= MAX_FDS)
		return;
	struct stat st;

	if (path && syscall(SYS_fstat, fd, &st) < 0)
		path = NULL;
	pthread_mutex_lock(&lock);
	free(tracked[fd]);
	tracked[fd] = path ? strdup(path) : NULL;
	if (path) {
		tracked_dev[fd] = st.st_dev;
		tracked_ino[fd] = st.st_ino;
	}
	pthread_mutex_unlock(&lock);
}

/*
 * The resolved testbed path of a sysfs attribute that this library
 * simulates, or false. path may be "/sys/...", already inside the
 * testbed, or relative to dirfd.
 */
static bool simulated(int dirfd, const char *path, int flags, char *out)
{
	const struct sim_config *c;
	char abs[PATH_MAX * 2], base[PATH_MAX];

	if ((flags & O_ACCMODE) == O_RDONLY || !path || !(c = sim_config()))
		return false;
	if (path[0] == '/') {
		if (strncmp(path, "/sys/", 5) == 0)
			snprintf(abs, sizeof(abs), "%s%s", c->tb, path);
		else
			snprintf(abs, sizeof(abs), "%s", path);
	} else {
		if (dirfd == AT_FDCWD) {
			if (!getcwd(base, sizeof(base)))
				return false;
		} else {
			char proc[64];
			ssize_t n;

			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
			n = readlink(proc, base, sizeof(base) - 1);
			if (n < 0)
				return false;
			base[n] = '\0';
		}
		if (strncmp(base, "/sys", 4) == 0 && (base[4] == '/' || !base[4]))
			snprintf(abs, sizeof(abs), "%s%s/%s", c->tb, base, path);
		else
			snprintf(abs, sizeof(abs), "%s/%s", base, path);
	}
	if (strncmp(abs, c->sys, c->sys_len) != 0 || abs[c->sys_len] != '/')
		return false;
	if (!realpath(abs, out))
		return false;
	if (strncmp(out, c->sys, c->sys_len) != 0 || out[c->sys_len] != '/')
		return false;
	return sim_attr_kind(out) != ATTR_NONE;
}

static ssize_t do_write(const char *path, const void *buf, size_t len)
{
	ssize_t r = sim_attr_hang(path, buf, len);

	if (r == 0) {
		pthread_mutex_lock(&lock);
		r = sim_attr_write(path, buf, len);
		pthread_mutex_unlock(&lock);
	}
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

/*
 * A tracked fd's path copied out, so that a concurrent close can't free it.
 * An fd closed behind our back (fclose, close_range) and reused for another
 * file is forgotten here.
 */
static bool tracked_path(int fd, char *out)
{
	struct stat st;
	bool ok = false;

	if (fd < 0 || fd >= MAX_FDS)
		return false;
	pthread_mutex_lock(&lock);
	if (tracked[fd]) {
		if (syscall(SYS_fstat, fd, &st) == 0 && st.st_dev == tracked_dev[fd] &&
		    st.st_ino == tracked_ino[fd]) {
			snprintf(out, PATH_MAX, "%s", tracked[fd]);
			ok = true;
		} else {
			free(tracked[fd]);
			tracked[fd] = NULL;
		}
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

/* ---- open ---- */

/*
 * A read of sriov_numvfs waits while a change of the PF's VF count is
 * under way, as sriov_numvfs_show() waits for the device lock.
 */
static void numvfs_read_wait(int dirfd, const char *path, int flags)
{
	char real[PATH_MAX];
	const char *base = path ? strrchr(path, '/') : NULL;

	if ((flags & O_ACCMODE) != O_RDONLY || !path ||
	    strcmp(base ? base + 1 : path, "sriov_numvfs") != 0)
		return;
	if (!simulated(dirfd, path, O_WRONLY, real))
		return;
	*strrchr(real, '/') = '\0';
	sim_wait_settled(real);
}

static int open_common(int dirfd, const char *path, int flags, mode_t mode, bool at)
{
	char real[PATH_MAX];
	bool sim = simulated(dirfd, path, flags, real);
	int fd;

	numvfs_read_wait(dirfd, path, flags);
	if (sim)
		flags &= ~O_TRUNC; /* sysfs has no truncation; the value is rewritten whole */
	if (at) {
		NEXT(openat, int, int, const char *, int, ...);
		fd = next_openat(dirfd, path, flags, mode);
	} else {
		NEXT(open, int, const char *, int, ...);
		fd = next_open(path, flags, mode);
	}
	if (fd >= 0)
		track(fd, sim ? real : NULL);
	return fd;
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common(AT_FDCWD, path, flags, mode, false);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common(AT_FDCWD, path, flags, mode, false);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common(dirfd, path, flags, mode, true);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common(dirfd, path, flags, mode, true);
}

int __open_2(const char *path, int flags)
{
	return open_common(AT_FDCWD, path, flags, 0, false);
}

int __open64_2(const char *path, int flags)
{
	return open_common(AT_FDCWD, path, flags, 0, false);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	return open_common(dirfd, path, flags, 0, true);
}

int __openat64_2(int dirfd, const char *path, int flags)
{
	return open_common(dirfd, path, flags, 0, true);
}

/* ---- write ---- */

ssize_t write(int fd, const void *buf, size_t len)
{
	char path[PATH_MAX];

	if (fd_path(fd) && tracked_path(fd, path))
		return do_write(path, buf, len);
	NEXT(write, ssize_t, int, const void *, size_t);
	return next_write(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	char path[PATH_MAX];

	if (fd_path(fd) && tracked_path(fd, path))
		return do_write(path, buf, len);
	NEXT(pwrite, ssize_t, int, const void *, size_t, off_t);
	return next_pwrite(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	char path[PATH_MAX];

	if (fd_path(fd) && tracked_path(fd, path))
		return do_write(path, buf, len);
	NEXT(pwrite64, ssize_t, int, const void *, size_t, off_t);
	return next_pwrite64(fd, buf, len, off);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	char path[PATH_MAX], buf[4096];
	size_t len = 0;

	if (!fd_path(fd) || !tracked_path(fd, path)) {
		NEXT(writev, ssize_t, int, const struct iovec *, int);
		return next_writev(fd, iov, n);
	}
	for (int i = 0; i < n; i++) {
		if (len + iov[i].iov_len > sizeof(buf)) {
			errno = EINVAL;
			return -1;
		}
		memcpy(buf + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	return do_write(path, buf, len);
}

/* ---- descriptors: close and duplicates ---- */

int close(int fd)
{
	NEXT(close, int, int);
	sim_rtnl_close(fd);
	if (fd_path(fd)) {
		stdout_flush_before(fd);
		track(fd, NULL);
		if (fd == STDOUT_FILENO)
			stdout_follow();
	}
	return next_close(fd);
}

static int dup_result(int from, int to)
{
	char path[PATH_MAX];

	if (to >= 0 && to != from) {
		track(to, tracked_path(from, path) ? path : NULL);
		if (to == STDOUT_FILENO)
			stdout_follow();
	}
	return to;
}

int dup(int fd)
{
	NEXT(dup, int, int);
	return dup_result(fd, next_dup(fd));
}

int dup2(int fd, int fd2)
{
	NEXT(dup2, int, int, int);
	stdout_flush_before(fd2);
	return dup_result(fd, next_dup2(fd, fd2));
}

int dup3(int fd, int fd2, int flags)
{
	NEXT(dup3, int, int, int, int);
	stdout_flush_before(fd2);
	return dup_result(fd, next_dup3(fd, fd2, flags));
}

static int fcntl_common(int fd, int cmd, void *arg, bool is64)
{
	int r;

	if (is64) {
		NEXT(fcntl64, int, int, int, ...);
		r = next_fcntl64(fd, cmd, arg);
	} else {
		NEXT(fcntl, int, int, int, ...);
		r = next_fcntl(fd, cmd, arg);
	}
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		dup_result(fd, r);
	return r;
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(fd, cmd, arg, false);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(fd, cmd, arg, true);
}

/* ---- stdio ---- */

static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
	return syscall(SYS_read, (int)(long)cookie, buf, size);
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t size)
{
	char path[PATH_MAX];

	if (!tracked_path((int)(long)cookie, path)) {
		errno = EBADF;
		return 0;
	}
	/* a cookie stream reports an error by writing nothing */
	return do_write(path, buf, size) < 0 ? 0 : (ssize_t)size;
}

static int cookie_seek(void *cookie, off64_t *off, int whence)
{
	off64_t r = lseek((int)(long)cookie, *off, whence);

	if (r < 0)
		return -1;
	*off = r;
	return 0;
}

static int cookie_close(void *cookie)
{
	return close((int)(long)cookie);
}

static FILE *cookie_stream(int fd, const char *mode)
{
	cookie_io_functions_t io = {cookie_read, cookie_write, cookie_seek, cookie_close};

	return fopencookie((void *)(long)fd, mode, io);
}

/*
 * A shell redirecting stdout to an attribute (`echo 7 > sriov_numvfs` in
 * bash) writes through the stdout stream from inside libc, line-buffered.
 * While fd 1 is tracked, stdout is a cookie stream, so that the shell's
 * fflush(stdout) and ferror(stdout) see the kernel's answer. glibc's
 * stdout is an assignable variable.
 */
static FILE *saved_stdout, *cookie_stdout;

static void stdout_flush_before(int to)
{
	NEXT(fflush, int, FILE *);
	if (to == STDOUT_FILENO && cookie_stdout)
		next_fflush(cookie_stdout);
}

static void stdout_follow(void)
{
	NEXT(fflush, int, FILE *);
	NEXT(fclose, int, FILE *);
	bool now = fd_path(STDOUT_FILENO) != NULL;

	if (now && !cookie_stdout) {
		cookie_io_functions_t io = {cookie_read, cookie_write, NULL, NULL};

		next_fflush(stdout);
		cookie_stdout = fopencookie((void *)(long)STDOUT_FILENO, "w", io);
		if (cookie_stdout) {
			saved_stdout = stdout;
			stdout = cookie_stdout;
		}
	} else if (!now && cookie_stdout) {
		FILE *f = cookie_stdout;

		stdout = saved_stdout;
		cookie_stdout = NULL;
		next_fclose(f); /* no close callback: fd 1 stays open */
	}
}

FILE *fdopen(int fd, const char *mode)
{
	NEXT(fdopen, FILE *, int, const char *);
	if (fd_path(fd))
		return cookie_stream(fd, mode);
	return next_fdopen(fd, mode);
}

static int fopen_flags(const char *mode)
{
	int flags = strchr(mode, '+') ? O_RDWR : mode[0] == 'r' ? O_RDONLY : O_WRONLY;

	if (mode[0] == 'w')
		flags |= O_CREAT | O_TRUNC;
	if (mode[0] == 'a')
		flags |= O_CREAT | O_APPEND;
	if (strchr(mode, 'e'))
		flags |= O_CLOEXEC;
	return flags;
}

static FILE *fopen_common(const char *path, const char *mode, bool is64)
{
	char real[PATH_MAX];
	int flags = fopen_flags(mode), fd;
	FILE *f;

	if (!simulated(AT_FDCWD, path, flags, real)) {
		if (is64) {
			NEXT(fopen64, FILE *, const char *, const char *);
			return next_fopen64(path, mode);
		}
		NEXT(fopen, FILE *, const char *, const char *);
		return next_fopen(path, mode);
	}
	fd = open_common(AT_FDCWD, path, flags, 0644, false);
	if (fd < 0)
		return NULL;
	f = cookie_stream(fd, mode);
	if (!f)
		close(fd);
	return f;
}

FILE *fopen(const char *path, const char *mode)
{
	return fopen_common(path, mode, false);
}

FILE *fopen64(const char *path, const char *mode)
{
	return fopen_common(path, mode, true);
}

/*
 * A glibc stream on a tracked fd (stdout redirected by the shell):
 * apply its buffered bytes here, since libc's own write can't be seen.
 */
static int flush_tracked(FILE *f)
{
	char path[PATH_MAX];
	size_t len;
	ssize_t r;
	int fd;

	if (!f)
		return 0;
	fd = fileno(f);
	if (!fd_path(fd) || !tracked_path(fd, path))
		return 0;
	len = f->_IO_write_ptr - f->_IO_write_base;
	if (!f->_IO_write_base || len == 0)
		return 0;
	r = do_write(path, f->_IO_write_base, len);
	f->_IO_write_ptr = f->_IO_write_base;
	if (r < 0) {
		int err = errno;

		f->_flags |= _IO_ERR_SEEN;
		errno = err;
		return -1;
	}
	return 0;
}

int fflush(FILE *f)
{
	NEXT(fflush, int, FILE *);
	if (flush_tracked(f) < 0)
		return EOF;
	return next_fflush(f);
}

int fflush_unlocked(FILE *f)
{
	NEXT(fflush_unlocked, int, FILE *);
	if (flush_tracked(f) < 0)
		return EOF;
	return next_fflush_unlocked(f);
}

int fclose(FILE *f)
{
	NEXT(fclose, int, FILE *);
	if (flush_tracked(f) < 0) {
		int err = errno;

		next_fclose(f);
		errno = err;
		return EOF;
	}
	return next_fclose(f);
}

/* Descriptors opened by a parent before exec: `/bin/echo 7 > attr`. */
__attribute__((constructor)) static void find_inherited(void)
{
	char proc[64], target[PATH_MAX], real[PATH_MAX];
	int fd, flags;

	if (!sim_config())
		return;
	sim_delayed_worker();
	for (fd = 0; fd < 256; fd++) {
		ssize_t n;

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		n = readlink(proc, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		flags = (int)syscall(SYS_fcntl, fd, F_GETFL);
		if (flags >= 0 && simulated(AT_FDCWD, target, flags, real))
			track(fd, real);
	}
	if (fd_path(STDOUT_FILENO))
		stdout_follow();
}

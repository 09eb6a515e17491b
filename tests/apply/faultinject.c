/* SPDX-License-Identifier: MIT */
/*
 * Preloaded into sriovctl by fault-matrix.t: faults at the write points
 * the fake kernel does not own, the modprobe.d file and the libvirt calls.
 *
 *   FAULT_POINT   file | attach | detach
 *   FAULT         EBUSY EIO ENOSPC EACCES EPERM: the call fails with it
 *                 (a file: EIO/ENOSPC at write(2) of the new content,
 *                 EBUSY/EACCES/EPERM at the rename onto the target; a
 *                 libvirt call: libvirt's "operation failed" with it);
 *                 hang: the libvirt daemon (pid in FAULT_LIBVIRTD_PIDFILE)
 *                 is stopped (SIGSTOP) just before the call: no answer;
 *                 lost: the libvirt daemon (pid in FAULT_LIBVIRTD_PIDFILE)
 *                 is killed just before the call;
 *                 stall: the call waits FAULT_STALL_MS, then proceeds (a
 *                 window for a signal during the step)
 *   FAULT_DIR     the file point: the directory of the file
 *   FAULT_MARK    created when the point is reached (a test waits for it)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "../lib/libvirt-preload.h"
#include "../lib/pidfile.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v ? v : "";
}

static int point_is(const char *p)
{
	return strcmp(env("FAULT_POINT"), p) == 0;
}

static int fault_errno(void)
{
	static const struct {
		const char *name;
		int err;
	} names[] = {{"EBUSY", EBUSY},	 {"EIO", EIO},	 {"ENOSPC", ENOSPC},
		     {"EACCES", EACCES}, {"EPERM", EPERM}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(env("FAULT"), names[i].name) == 0)
			return names[i].err;
	return 0;
}

static void mark(void)
{
	const char *m = env("FAULT_MARK");
	if (*m)
		close(open(m, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
}

/* sleep ms (0: forever), going on after signal handlers */
static void pause_ms(unsigned ms)
{
	struct timespec ts = {ms ? ms / 1000 : 24 * 3600, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void stall(void)
{
	mark();
	pause_ms((unsigned)atoi(env("FAULT_STALL_MS")));
}

/* ---- the modprobe.d file ---- */

static int in_dir(int fd)
{
	char link[64], path[PATH_MAX];
	const char *dir = env("FAULT_DIR");
	size_t n = strlen(dir);
	ssize_t k;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	k = readlink(link, path, sizeof(path) - 1);
	if (k < 0 || !n)
		return 0;
	path[k] = 0;
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

ssize_t write(int fd, const void *buf, size_t len)
{
	static ssize_t (*real)(int, const void *, size_t);
	int saved = errno;

	if (!real)
		real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (point_is("file") && in_dir(fd)) {
		int e = fault_errno();
		if (e == EIO || e == ENOSPC) {
			mark();
			errno = e;
			return -1;
		}
		if (strcmp(env("FAULT"), "stall") == 0)
			stall();
	}
	errno = saved;
	return real(fd, buf, len);
}

int rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);
	const char *dir = env("FAULT_DIR");
	int e = fault_errno();

	if (!real)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	if (point_is("file") && *dir && strncmp(to, dir, strlen(dir)) == 0 &&
	    (e == EBUSY || e == EACCES || e == EPERM)) {
		mark();
		errno = e;
		return -1;
	}
	return real(from, to);
}

/* ---- libvirt ---- */

static void kill_libvirtd(void)
{
	pid_kill_wait(pidfile_read(env("FAULT_LIBVIRTD_PIDFILE")));
}

/* a daemon that no longer answers: stopped (the test resumes it afterwards) */
static void stop_libvirtd(void)
{
	long pid = pidfile_read(env("FAULT_LIBVIRTD_PIDFILE"));

	if (pid > 0)
		kill((pid_t)pid, SIGSTOP);
}

/*
 * Once per run: sriovctl makes each libvirt call in a child process of its
 * own, so "done" is the mark file (which the test removes per fault).
 */
static int libvirt_done;

static int fault_done(void)
{
	const char *m = env("FAULT_MARK");

	return libvirt_done || (*m && access(m, F_OK) == 0);
}

/* Before a libvirt call at this point: -1 when the call is to fail. */
static int libvirt_fault(const char *point)
{
	int e = fault_errno();

	if (!point_is(point) || fault_done())
		return 0;
	libvirt_done = 1;
	mark();
	if (e) {
		virError err = {.code = VIR_ERR_OPERATION_FAILED,
				.domain = VIR_FROM_QEMU,
				.level = VIR_ERR_ERROR};
		char msg[256];
		snprintf(msg, sizeof(msg), "operation failed: %s of the device: %s", point,
			 strerror(e));
		err.message = msg;
		/* libvirt's own setter of the thread's last error (not in its headers) */
		int (*set)(virErrorPtr) = (int (*)(virErrorPtr))dlsym(RTLD_DEFAULT, "virSetError");
		if (set)
			set(&err);
		return -1;
	}
	if (strcmp(env("FAULT"), "hang") == 0)
		stop_libvirtd();
	else if (strcmp(env("FAULT"), "lost") == 0)
		kill_libvirtd();
	else if (strcmp(env("FAULT"), "stall") == 0)
		pause_ms((unsigned)atoi(env("FAULT_STALL_MS")));
	return 0;
}

int virDomainAttachDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags)
{
	static int (*real)(virDomainPtr, const char *, unsigned int);

	if (!real)
		real = (int (*)(virDomainPtr, const char *, unsigned int))dlsym(
		    RTLD_NEXT, "virDomainAttachDeviceFlags");
	if (libvirt_fault("attach") < 0)
		return -1;
	return real(dom, xml, flags);
}

int virDomainDetachDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags)
{
	static int (*real)(virDomainPtr, const char *, unsigned int);

	if (!real)
		real = (int (*)(virDomainPtr, const char *, unsigned int))dlsym(
		    RTLD_NEXT, "virDomainDetachDeviceFlags");
	if (libvirt_fault("detach") < 0)
		return -1;
	return real(dom, xml, flags);
}

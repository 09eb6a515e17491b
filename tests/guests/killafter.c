/* SPDX-License-Identifier: MIT */
/*
 * Preloaded into sriovctl by connloss.t: after the first
 * virDomainAttachDeviceFlags that succeeds, kill the process whose pid is
 * in $KILL_AFTER_ATTACH_PIDFILE (the simulated host's libvirtd) and wait
 * until it has exited, so that the next libvirt call meets a dead
 * connection at a known point of the apply.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct _virDomain *virDomainPtr;

/* gone, or a zombie: its sockets are closed either way */
static int exited(long pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 1;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state == 'Z' || state == 'X';
}

int virDomainAttachDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags)
{
	static int (*real)(virDomainPtr, const char *, unsigned int);
	static int done;
	const char *pidfile = getenv("KILL_AFTER_ATTACH_PIDFILE");
	long pid = 0;
	int r;

	if (!real)
		real = (int (*)(virDomainPtr, const char *, unsigned int))dlsym(
		    RTLD_NEXT, "virDomainAttachDeviceFlags");
	if (!real)
		abort();
	r = real(dom, xml, flags);
	if (r < 0 || done || !pidfile)
		return r;
	done = 1;
	FILE *f = fopen(pidfile, "re");
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0)
		for (int i = 0; i < 400 && !exited(pid); i++)
			usleep(25000);
	return r;
}

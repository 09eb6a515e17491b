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

#include "../lib/libvirt-preload.h"
#include "../lib/pidfile.h"

typedef struct _virDomain *virDomainPtr;

int virDomainAttachDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags)
{
	static int (*real)(virDomainPtr, const char *, unsigned int);
	static int done;
	const char *pidfile = getenv("KILL_AFTER_ATTACH_PIDFILE");
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
	pid_kill_wait(pidfile_read(pidfile));
	return r;
}

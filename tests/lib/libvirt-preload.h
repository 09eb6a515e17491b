/* SPDX-License-Identifier: MIT */
/*
 * For a preload that wraps libvirt functions (killafter.c, faultinject.c):
 * sriovctl dlopen()s libvirt.so.0 in its workers and resolves each function
 * with dlsym() on that handle, which looks past any preload. This dlopen
 * answers that request with the global scope instead, where the preload
 * comes before libvirt (the preload links libvirt, so it is loaded): the
 * wrappers are found, and their dlsym(RTLD_NEXT, ...) finds libvirt's own.
 * Include once, in a file that defines _GNU_SOURCE and includes <dlfcn.h>.
 */
#include <string.h>

void *dlopen(const char *file, int flags)
{
	static void *(*real)(const char *, int);

	if (!real)
		real = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	if (!real)
		abort();
	if (file && strcmp(file, "libvirt.so.0") == 0)
		return real(NULL, flags);
	return real(file, flags);
}

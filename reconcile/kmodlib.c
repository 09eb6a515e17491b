/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "kmodlib.h"

struct kmodlib kmodlib;

static pthread_once_t kmodlib_once = PTHREAD_ONCE_INIT;
static char kmodlib_why[256]; /* why it cannot be loaded; "": loaded */

static void kmodlib_load_once(void)
{
	void *handle = dlopen(KMODLIB_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *sym = NULL;

	if (!handle) {
		const char *e = dlerror();
		snprintf(kmodlib_why, sizeof(kmodlib_why), "cannot load " KMODLIB_SONAME ": %s",
			 e ? e : "not found");
		return;
	}
#define KMODLIB_SYM(f)                                                                             \
	if (!sym && !(kmodlib.f = (typeof(&f))dlsym(handle, #f)))                                  \
		sym = #f;
	KMODLIB_FUNCS(KMODLIB_SYM)
#undef KMODLIB_SYM
	if (sym) {
		snprintf(kmodlib_why, sizeof(kmodlib_why),
			 "cannot load " KMODLIB_SONAME ": no symbol '%s'", sym);
		dlclose(handle);
		return;
	}
	/* the handle is kept for the life of the process */
}

const char *kmodlib_error(void)
{
	return kmodlib_why;
}

/* libkmod logs to stderr by default; library code never prints. */
static void kmodlib_log_silent(void *data, int priority, const char *file, int line, const char *fn,
			       const char *format, va_list args)
{
	(void)data, (void)priority, (void)file, (void)line, (void)fn, (void)format, (void)args;
}

int kmodlib_new(struct kmod_ctx **ret)
{
	struct kmod_ctx *ctx;

	pthread_once(&kmodlib_once, kmodlib_load_once);
	if (kmodlib_why[0])
		return -ELIBACC;
	ctx = kmodlib.kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	kmodlib.kmod_set_log_fn(ctx, kmodlib_log_silent, NULL);
	*ret = ctx;
	return 0;
}

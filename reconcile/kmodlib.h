/* SPDX-License-Identifier: MIT */
/*
 * libkmod, loaded with dlopen() the first time a module is looked at, never
 * at start: it brings libcrypto, libzstd and liblzma, the larger part of
 * the dynamic loader's work for a command that looks at no module (a file
 * that declares none, whose plan needs none). The header gives the types;
 * the table `kmodlib` gives the functions, and no other file calls
 * libkmod directly.
 */
#pragma once

#include <libkmod.h>

#define KMODLIB_SONAME "libkmod.so.2"
#define KMODLIB_FUNCS(X)                                                                           \
	X(kmod_list_next)                                                                          \
	X(kmod_module_get_initstate)                                                               \
	X(kmod_module_get_module)                                                                  \
	X(kmod_module_get_name)                                                                    \
	X(kmod_module_new_from_lookup)                                                             \
	X(kmod_module_new_from_name)                                                               \
	X(kmod_module_probe_insert_module)                                                         \
	X(kmod_module_remove_module)                                                               \
	X(kmod_module_unref)                                                                       \
	X(kmod_module_unref_list)                                                                  \
	X(kmod_new)                                                                                \
	X(kmod_set_log_fn)                                                                         \
	X(kmod_unref)

/* The functions, valid once kmodlib_new() has succeeded. */
extern struct kmodlib {
#define KMODLIB_FIELD(f) typeof(&f) f;
	KMODLIB_FUNCS(KMODLIB_FIELD)
#undef KMODLIB_FIELD
} kmodlib;

/*
 * A libkmod context on the running kernel's module directory and the
 * default configuration, that logs nothing (library code never prints),
 * in *ret (owned: kmodlib_unrefp). The first call loads libkmod.
 * -ELIBACC: it cannot be loaded (kmodlib_error() says why); -ENOMEM.
 */
int kmodlib_new(struct kmod_ctx **ret);

/* Why libkmod cannot be loaded ("cannot load libkmod.so.2: ..."); "" once it is. */
const char *kmodlib_error(void);

static inline void kmodlib_unrefp(struct kmod_ctx **p)
{
	if (*p)
		kmodlib.kmod_unref(*p);
}

static inline void kmodlib_module_unrefp(struct kmod_module **p)
{
	if (*p)
		kmodlib.kmod_module_unref(*p);
}

static inline void kmodlib_module_unref_listp(struct kmod_list **p)
{
	if (*p)
		kmodlib.kmod_module_unref_list(*p);
}

/* kmod_list_foreach through the table */
#define kmodlib_list_foreach(it, list)                                                             \
	for ((it) = (list); (it); (it) = kmodlib.kmod_list_next((list), (it)))

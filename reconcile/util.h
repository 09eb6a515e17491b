/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every file: cleanup attributes, growth of arrays. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_       __attribute__((unused))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Hand ownership out of a cleanup-managed variable. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		typeof(p) _p_ = (p);                                                               \
		(p) = NULL;                                                                        \
		_p_;                                                                               \
	})

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* NULL-safe equality: two NULLs are equal. */
static inline bool streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * Make room for one more element in a dynamic array *v of *n elements and
 * *cap capacity. Returns a pointer to the new zeroed element, NULL on OOM.
 */
void *grow_array(void **v, size_t *n, size_t *cap, size_t elem);
#define GROW(v, n, cap) ((typeof(v))grow_array((void **)&(v), &(n), &(cap), sizeof(*(v))))

/* strdup that accepts NULL (returns NULL) and sets *oom on allocation failure. */
char *strdup_or_null(const char *s);

/* asprintf returning the string or NULL. */
char *strprintf(const char *fmt, ...) _printf_(1, 2);

/* "<root><path>" without a doubled '/' ("/etc/x" under "/tmp/r/": "/tmp/r/etc/x"); root NULL, "" or "/": path. Owned. */
char *root_path(const char *root, const char *path);
/* Read a text file whole into *ret (owned); -ENOENT if absent, -EFBIG over max bytes. */
int read_text_file(const char *path, size_t max, char **ret);

/* Seconds on CLOCK_MONOTONIC, for deadlines. */
double monotonic_now(void);

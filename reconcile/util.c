/* SPDX-License-Identifier: MIT */
#include <stdarg.h>

#include "util.h"

void *grow_array(void **v, size_t *n, size_t *cap, size_t elem)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		void *p = reallocarray(*v, ncap, elem);
		if (!p)
			return NULL;
		*v = p;
		*cap = ncap;
	}
	void *e = (char *)*v + *n * elem;
	memset(e, 0, elem);
	(*n)++;
	return e;
}

char *strdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *strprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

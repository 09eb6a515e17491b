/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <time.h>

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

char *root_path(const char *root, const char *path)
{
	size_t n = root ? strlen(root) : 0;

	while (n > 0 && root[n - 1] == '/')
		n--;
	return strprintf("%.*s%s%s", (int)n, n ? root : "", path[0] == '/' || !n ? "" : "/",
			 path);
}

int read_text_file(const char *path, size_t max, char **ret)
{
	_cleanup_(fclosep) FILE *f = fopen(path, "re");
	_cleanup_(freep) char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return -errno;
	for (;;) {
		if (cap - n < 4096) {
			if (cap > max)
				return -EFBIG;
			char *p = realloc(buf, cap + 8192);
			if (!p)
				return -ENOMEM;
			buf = p;
			cap += 8192;
		}
		errno = 0;
		size_t k = fread(buf + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0)
			break;
	}
	if (ferror(f))
		return errno > 0 ? -errno : -EIO;
	if (n > max)
		return -EFBIG;
	buf[n] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

double monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

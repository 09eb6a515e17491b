/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

int strv_push(struct strv *s, char *str)
{
	if (!str)
		return -ENOMEM;
	if (s->n + 1 >= s->cap) {
		size_t c = s->cap ? s->cap * 2 : 8;
		char **p = reallocarray(s->v, c, sizeof(*p));
		if (!p) {
			free(str);
			return -ENOMEM;
		}
		s->v = p;
		s->cap = c;
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
	return 0;
}

int strv_add_unique(struct strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->v[i], str))
			return 0;
	return strv_push(s, strdup(str));
}

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* FNV-1a */
static size_t str_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

/* The slot of str, or the free slot where it would go; cap > 0. */
static size_t strset_find(const struct strset *s, const char *str)
{
	size_t i = str_hash(str) & (s->cap - 1);

	while (s->slot[i] && !streq(s->slot[i], str))
		i = (i + 1) & (s->cap - 1);
	return i;
}

bool strset_has(const struct strset *s, const char *str)
{
	return s->cap && s->slot[strset_find(s, str)];
}

int strset_add(struct strset *s, const char *str)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct strset t = {.slot = calloc(cap, sizeof(char *)), .n = s->n, .cap = cap};
		if (!t.slot)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i])
				t.slot[strset_find(&t, s->slot[i])] = s->slot[i];
		free(s->slot);
		*s = t;
	}
	size_t i = strset_find(s, str);
	if (s->slot[i])
		return 0;
	if (!(s->slot[i] = strdup(str)))
		return -ENOMEM;
	s->n++;
	return 1;
}

void strset_release(struct strset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
	*s = (struct strset){0};
}

static int strv_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void strv_sort(struct strv *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), strv_cmp);
}

char **strv_steal(struct strv *s, size_t *ret_n)
{
	char **v = s->v;

	if (ret_n)
		*ret_n = s->n;
	*s = (struct strv){0};
	return v;
}

void strv_release(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct strv){0};
}

char *readlink_name(const char *path)
{
	return readlinkat_name(AT_FDCWD, path);
}

char *readlinkat_name(int dfd, const char *path)
{
	char target[PATH_MAX];
	ssize_t len = readlinkat(dfd, path, target, sizeof(target) - 1);
	const char *base;

	if (len < 0)
		return NULL;
	target[len] = '\0';
	base = strrchr(target, '/');
	return strdup(base ? base + 1 : target);
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

int read_fd_text(int fd, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_(freep) char *buf = NULL;
	struct stat st;
	/* room for one byte more than max (and the NUL), to tell a file that is too big */
	size_t n = 0, cap, limit = max < SIZE_MAX - 2 ? max + 2 : SIZE_MAX;

	/* the size (4096 for a sysfs attribute, 0 for /proc) only sizes the buffer */
	cap = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	if (cap > limit)
		cap = limit;
	if (!(buf = malloc(cap)))
		return -ENOMEM;
	for (;;) {
		if (cap - n < 2) {
			if (n > max)
				return -EFBIG;
			size_t want = cap > limit / 2 ? limit : cap * 2;
			char *p = realloc(buf, want);
			if (!p)
				return -ENOMEM;
			buf = p;
			cap = want;
		}
		ssize_t k = read(fd, buf + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > max)
		return -EFBIG;
	buf[n] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = n;
	return 0;
}

int read_text_file(const char *path, size_t max, char **ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	int r = read_fd_text(fd, max, ret, NULL);
	close(fd);
	return r;
}

double monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

size_t utf8_seq(const unsigned char *s, unsigned *cp)
{
	size_t n;
	unsigned c, min;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f, min = 0x80;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Code points that reorder or control a terminal: C1 controls, bidi overrides. */
static bool unsafe_code_point(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* The escape of one unit at s into out (>= 11 bytes); its length in *adv. 0: keep as is. */
static size_t escape_unit(const unsigned char *s, size_t *adv, char *out)
{
	static const char short_esc[] = "\a" "a" "\b" "b" "\t" "t" "\n" "n" "\v" "v" "\f" "f" "\r" "r";
	unsigned cp;

	*adv = 1;
	if (*s < 0x20 || *s == 0x7f) {
		for (size_t i = 0; short_esc[i]; i += 2)
			if ((unsigned char)short_esc[i] == *s)
				return (size_t)sprintf(out, "\\%c", short_esc[i + 1]);
		return (size_t)sprintf(out, "\\x%02x", *s);
	}
	if (*s < 0x80)
		return 0;
	*adv = utf8_seq(s, &cp);
	if (!*adv) {
		*adv = 1;
		return (size_t)sprintf(out, "\\x%02x", *s);
	}
	if (unsafe_code_point(cp))
		return (size_t)sprintf(out, "\\u%04x", cp);
	return 0;
}

bool str_needs_escape(const char *s)
{
	char tmp[16];
	size_t adv;

	for (const unsigned char *p = (const unsigned char *)s; p && *p; p += adv)
		if (escape_unit(p, &adv, tmp))
			return true;
	return false;
}

char *str_escape(const char *s)
{
	if (!s)
		return NULL;
	size_t len = strlen(s), o = 0, adv;
	/* at most 4 output bytes per input byte: \xNN for one, \uNNNN for two or three */
	char *out = malloc(len * 4 + 1), tmp[16];

	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p += adv) {
		size_t n = escape_unit(p, &adv, tmp);
		if (n) {
			memcpy(out + o, tmp, n);
			o += n;
		} else {
			memcpy(out + o, p, adv);
			o += adv;
		}
	}
	out[o] = '\0';
	return out;
}

int fputs_escaped(const char *s, FILE *f)
{
	if (!s || !str_needs_escape(s))
		return fputs(s ? s : "", f);
	_cleanup_(freep) char *e = str_escape(s);
	return fputs(e ? e : "(out of memory)", f);
}

bool utf8_valid(const char *s)
{
	unsigned cp;

	for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
		size_t n = *p < 0x80 ? 1 : utf8_seq(p, &cp);
		if (!n)
			return false;
		p += n;
	}
	return true;
}

char *utf8_sanitize(const char *s)
{
	if (!s)
		return NULL;
	/* U+FFFD is 3 bytes: at most three times as long */
	char *out = malloc(strlen(s) * 3 + 1);
	size_t o = 0;
	unsigned cp;

	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = *p < 0x80 ? 1 : utf8_seq(p, &cp);
		if (n) {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		}
	}
	out[o] = '\0';
	return out;
}

char *strdup_strip(const char *s)
{
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strndup(s, n);
}

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

/* Hand ownership of a descriptor out of a cleanup-managed variable. */
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd_ = (fd);                                                                   \
		(fd) = -1;                                                                         \
		_fd_;                                                                              \
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

/*
 * A growing NULL-terminated array of owned strings (a "strv"): v is NULL
 * while empty, else v[n] == NULL. Take the array with strv_steal() and free
 * it with strv_free() (cleanup.h); or drop the whole with strv_release().
 */
struct strv {
	char **v;
	size_t n, cap;
};

/* Append str, taken over (freed on failure; NULL counts as out of memory). 0 or -ENOMEM. */
int strv_push(struct strv *s, char *str);
/* Append a copy of str unless an equal string is there already (a set). 0 or -ENOMEM. */
int strv_add_unique(struct strv *s, const char *str);
/* Sort the strings by strcmp(). */
void strv_sort(struct strv *s);
/* The NULL-terminated array (NULL if empty), now the caller's; its length in *ret_n. */
char **strv_steal(struct strv *s, size_t *ret_n);
/* Free every string and the array; s is empty again. */
void strv_release(struct strv *s);

/* The value of a hex digit (either case), or -1. */
int hex_digit(char c);

/*
 * A set of owned strings with hashed lookup, for sets that grow to
 * thousands (one key per udev event of a VF count change). Zeroed is empty.
 */
struct strset {
	char **slot; /* open addressing; NULL: free */
	size_t n, cap; /* cap: 0 or a power of two, kept at most half full */
};

/* Add a copy of str: 1 if added, 0 if it was there, -ENOMEM. */
int strset_add(struct strset *s, const char *str);
bool strset_has(const struct strset *s, const char *str);
/* Free every string and the table; s is empty again. */
void strset_release(struct strset *s);

/*
 * The last component of the target of symbolic link path ("igb" for a
 * driver link, "0000:0b:10.0" for a virtfn link); owned. NULL with errno
 * set (readlink's, or ENOMEM).
 */
char *readlink_name(const char *path);
/* The same for path relative to the directory fd dfd (AT_FDCWD: as readlink_name). */
char *readlinkat_name(int dfd, const char *path);

/* strdup that accepts NULL (returns NULL) and sets *oom on allocation failure. */
char *strdup_or_null(const char *s);

/* asprintf returning the string or NULL. */
char *strprintf(const char *fmt, ...) _printf_(1, 2);

/* "<root><path>" without a doubled '/' ("/etc/x" under "/tmp/r/": "/tmp/r/etc/x"); root NULL, "" or "/": path. Owned. */
char *root_path(const char *root, const char *path);
/* Read a text file whole into *ret (owned); -ENOENT if absent, -EFBIG over max bytes. */
int read_text_file(const char *path, size_t max, char **ret);
/*
 * Read from fd to its end into *ret (owned, NUL-terminated), its length in
 * *ret_len (may be NULL); -EFBIG over max bytes. The buffer is sized from
 * fstat() and doubled as needed.
 */
int read_fd_text(int fd, size_t max, char **ret, size_t *ret_len);

/* Seconds on CLOCK_MONOTONIC, for deadlines. */
double monotonic_now(void);

/*
 * s made safe for a terminal: control characters C-escaped (\n, \t, \r,
 * \x1b ...), C1 controls and bidirectional overrides as \u0085, \u202e,
 * bytes that are not UTF-8 as \xNN; valid UTF-8 text and backslashes are
 * kept as they are. For every string from a file or the host that is
 * printed as text. Owned; NULL for NULL s or out of memory.
 */
char *str_escape(const char *s);

/* True when str_escape(s) would change s. */
bool str_needs_escape(const char *s);

/* fputs of str_escape(s). Returns fputs's result (EOF on error). */
int fputs_escaped(const char *s, FILE *f);

/*
 * Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes at
 * s are not one (overlong, surrogate, above U+10FFFF, cut short). Stores
 * the code point in *cp. s[0] must be >= 0x80.
 */
size_t utf8_seq(const unsigned char *s, unsigned *cp);

/* True when s (NUL-terminated) is valid UTF-8. NULL is valid. */
bool utf8_valid(const char *s);

/*
 * A copy of s with every byte that is not part of valid UTF-8 replaced by
 * U+FFFD, so that YAML and JSON writers (which need UTF-8) can carry it.
 * Owned; NULL for NULL s or out of memory.
 */
char *utf8_sanitize(const char *s);

/* A copy of s without trailing white space (a sysfs value's newline); NULL for NULL. Owned. */
char *strdup_strip(const char *s);

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "pciids.h"
#include "util.h"

/* path, else path without its ".gz" (libpci's pci_open()); an fd or -errno */
static int open_list(const char *path)
{
	size_t len = strlen(path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 || len < 3 || !streq(path + len - 3, ".gz"))
		return fd < 0 ? -errno : fd;
	_cleanup_(freep) char *plain = strndup(path, len - 3);
	if (!plain)
		return -ENOMEM;
	fd = open(plain, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int pci_ids_load(const char *path, struct pci_ids *ids)
{
	_cleanup_(closep) int fd = open_list(path);
	_cleanup_(freep) char *text = NULL;
	size_t n = 0;
	int r;

	*ids = (struct pci_ids){0};
	if (fd < 0)
		return fd;
	r = read_fd_text(fd, SIZE_MAX, &text, &n);
	if (r < 0)
		return r;
	if (n >= 2 && (unsigned char)text[0] == 0x1f && (unsigned char)text[1] == 0x8b)
		return -EMEDIUMTYPE;
	ids->text = TAKE_PTR(text);
	ids->len = n;
	return 0;
}

void pci_ids_release(struct pci_ids *ids)
{
	free(ids->text);
	*ids = (struct pci_ids){0};
}

static bool is_white(char c)
{
	return c == ' ' || c == '\t';
}

/* The 4-digit hex id that starts s and is followed by a blank, or -1. */
static int id4(const char *s, const char *end)
{
	int x = 0;

	if (end - s < 5 || !is_white(s[4]))
		return -1;
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(s[i]);
		if (d < 0)
			return -1;
		x = x << 4 | d;
	}
	return x;
}

/*
 * One line of the list, as libpci's parser cuts it: up to '\n' or '\r'
 * (whatever follows a '\r' on the line is dropped), one trailing blank
 * dropped; *nest: its leading tabs.
 */
struct line {
	const char *p, *end, *next;
	int nest;
};

static bool next_line(const char *text, size_t len, size_t *off, struct line *l)
{
	const char *s = text + *off, *eol;

	if (*off >= len)
		return false;
	eol = memchr(s, '\n', len - *off);
	l->next = eol ? eol + 1 : text + len;
	*off = (size_t)(l->next - text);
	eol = eol ? eol : text + len;
	const char *cr = memchr(s, '\r', (size_t)(eol - s));
	l->end = cr ? cr : eol;
	if (l->end > s && is_white(l->end[-1]))
		l->end--;
	for (l->p = s; l->p < l->end && *l->p == '\t'; l->p++)
		;
	l->nest = (int)(l->p - s);
	return true;
}

/* A line libpci skips: blank, only blanks, or a comment. */
static bool ignored(const struct line *l)
{
	const char *p = l->p;

	while (p < l->end && is_white(*p))
		p++;
	return p == l->end || *p == '#';
}

char *pci_ids_device(const struct pci_ids *ids, unsigned vendor, unsigned device)
{
	struct line l;
	size_t off = 0;
	bool in_vendor = false;

	errno = 0;
	if (!ids->text)
		return NULL;
	while (next_line(ids->text, ids->len, &off, &l)) {
		if (ignored(&l))
			continue;
		if (l.nest == 0) {
			/* a vendor; or a block of classes ("C 02"), ... ("S 8086"): no id4 */
			in_vendor = id4(l.p, l.end) == (int)vendor;
			continue;
		}
		if (!in_vendor || l.nest != 1 || id4(l.p, l.end) != (int)device)
			continue;
		const char *name = l.p + 5;
		while (name < l.end && is_white(*name))
			name++;
		if (name == l.end)
			return NULL; /* libpci: a parse error */
		char *s = strndup(name, (size_t)(l.end - name));
		if (!s)
			errno = ENOMEM;
		return s;
	}
	return NULL;
}

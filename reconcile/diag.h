/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics with a place. Library code never prints: it records errors
 * and warnings here, and cmd/ decides what the user sees, as
 * "FILE:LINE:COL: error: message" (or "error: message" without a place).
 */
#pragma once

#include "util.h"

/* A place in an input file. line and col are 1-based; 0 means unknown. */
struct src_loc {
	const char *file; /* not owned: points into the owning spec/host */
	unsigned line;
	unsigned col;
};

enum diag_level {
	DIAG_ERROR,
	DIAG_WARNING,
	DIAG_NOTE,
};

struct diag_entry {
	enum diag_level level;
	char *file; /* owned copy; NULL when the message has no place */
	unsigned line, col;
	char *msg; /* owned */
};

struct diag {
	struct diag_entry *v;
	size_t n, cap;
	size_t n_errors;
	size_t n_warnings;
};

void diag_init(struct diag *d);
void diag_release(struct diag *d);

/*
 * Record an error at loc (may be NULL). Returns err, which must be a
 * negative errno, so that callers can write `return diag_error(...)`.
 */
int diag_error(struct diag *d, const struct src_loc *loc, int err, const char *fmt, ...)
    _printf_(4, 5);
void diag_warning(struct diag *d, const struct src_loc *loc, const char *fmt, ...) _printf_(3, 4);
void diag_note(struct diag *d, const struct src_loc *loc, const char *fmt, ...) _printf_(3, 4);

/* Record a ready message at loc (may be NULL) with the given level. */
void diag_add(struct diag *d, enum diag_level level, const struct src_loc *loc, const char *msg);

/* Append every entry of src to dst, in order, and release src. */
void diag_move_all(struct diag *dst, struct diag *src);

/* Stable sort of the entries by (file, line, col), keeping the rest in order. */
void diag_sort(struct diag *d);

/* Print every entry, one per line, to f. */
void diag_print(const struct diag *d, FILE *f);

/* How diag_print_styled prints. */
struct diag_style {
	const char *prefix;	/* "sriovctl": "sriovctl: error: ..." for an entry without a place */
	bool priority;		/* "<3>" syslog priority first, for journald (see diag_journal_stream) */
	enum diag_level least;	/* print entries of this level and more severe (DIAG_ERROR: errors only) */
};
/* Print the entries as st says (NULL: as diag_print). */
void diag_print_styled(const struct diag *d, FILE *f, const struct diag_style *st);

/* The syslog priority of a level: 3 error, 4 warning, 5 note. */
int diag_level_priority(enum diag_level l);

/*
 * Whether fd is journald's stream: $JOURNAL_STREAM ("DEV:INODE", set by
 * systemd for a service whose output goes to the journal) names fd's
 * device and inode. A redirected stderr no longer matches.
 */
bool diag_journal_stream(int fd);

struct json_object;
/*
 * The entries as a JSON array of {"file", "line", "column", "severity",
 * "message"} (file, line and column null when unknown), in their order.
 * The caller owns it (json_object_put); NULL when out of memory.
 */
struct json_object *diag_to_json(const struct diag *d);

/* Drop all entries. */
void diag_clear(struct diag *d);

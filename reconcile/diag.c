/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "diag.h"

void diag_init(struct diag *d)
{
	*d = (struct diag){0};
}

void diag_clear(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	d->n = 0;
	d->n_errors = 0;
	d->n_warnings = 0;
}

void diag_release(struct diag *d)
{
	diag_clear(d);
	free(d->v);
	diag_init(d);
}

static void diag_addv(struct diag *d, enum diag_level level, const struct src_loc *loc,
		      const char *fmt, va_list ap)
{
	struct diag_entry *e = GROW(d->v, d->n, d->cap);
	if (!e)
		return; /* out of memory: the entry is lost, the caller still fails */
	e->level = level;
	if (loc && loc->file) {
		e->file = strdup(loc->file);
		e->line = loc->line;
		e->col = loc->col;
	}
	if (vasprintf(&e->msg, fmt, ap) < 0)
		e->msg = NULL;
	if (level == DIAG_ERROR)
		d->n_errors++;
	else if (level == DIAG_WARNING)
		d->n_warnings++;
}

static void diag_add1(struct diag *d, enum diag_level level, const struct src_loc *loc,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_addv(d, level, loc, fmt, ap);
	va_end(ap);
}

void diag_add(struct diag *d, enum diag_level level, const struct src_loc *loc, const char *msg)
{
	diag_add1(d, level, loc, "%s", msg ? msg : "(out of memory)");
}

void diag_move_all(struct diag *dst, struct diag *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct diag_entry *e = &src->v[i];
		struct src_loc loc = {.file = e->file, .line = e->line, .col = e->col};
		diag_add(dst, e->level, e->file ? &loc : NULL, e->msg);
	}
	diag_release(src);
}

int diag_error(struct diag *d, const struct src_loc *loc, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_addv(d, DIAG_ERROR, loc, fmt, ap);
	va_end(ap);
	return err < 0 ? err : -EINVAL;
}

void diag_warning(struct diag *d, const struct src_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_addv(d, DIAG_WARNING, loc, fmt, ap);
	va_end(ap);
}

void diag_note(struct diag *d, const struct src_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_addv(d, DIAG_NOTE, loc, fmt, ap);
	va_end(ap);
}

static int entry_cmp(const struct diag_entry *a, const struct diag_entry *b)
{
	int r = strcmp(a->file ? a->file : "", b->file ? b->file : "");
	if (r)
		return r;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

void diag_sort(struct diag *d)
{
	/* insertion sort: stable, and diagnostics lists are short */
	for (size_t i = 1; i < d->n; i++) {
		struct diag_entry e = d->v[i];
		size_t j = i;
		while (j > 0 && entry_cmp(&d->v[j - 1], &e) > 0) {
			d->v[j] = d->v[j - 1];
			j--;
		}
		d->v[j] = e;
	}
}

static const char *level_name(enum diag_level l)
{
	switch (l) {
	case DIAG_ERROR:
		return "error";
	case DIAG_WARNING:
		return "warning";
	default:
		return "note";
	}
}

int diag_level_priority(enum diag_level l)
{
	return l == DIAG_ERROR ? 3 : l == DIAG_WARNING ? 4 : 5;
}

void diag_print_styled(const struct diag *d, FILE *f, const struct diag_style *st)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_entry *e = &d->v[i];

		if (st && e->level > st->least)
			continue;
		if (st && st->priority)
			fprintf(f, "<%d>", diag_level_priority(e->level));
		/* names and values in messages come from files and the host: escaped */
		if (e->file) {
			fputs_escaped(e->file, f);
			if (e->line)
				fprintf(f, ":%u:%u", e->line, e->col);
			fputs(": ", f);
		} else if (st && st->prefix) {
			fprintf(f, "%s: ", st->prefix);
		}
		fprintf(f, "%s: ", level_name(e->level));
		fputs_escaped(e->msg ? e->msg : "(out of memory)", f);
		fputc('\n', f);
	}
}

void diag_print(const struct diag *d, FILE *f)
{
	diag_print_styled(d, f, NULL);
}

bool diag_journal_stream(int fd)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int end = 0;

	if (!env || sscanf(env, "%llu:%llu%n", &dev, &ino, &end) != 2 || env[end])
		return false;
	return fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

struct json_object *diag_to_json(const struct diag *d)
{
	struct json_object *v = json_object_new_array();

	for (size_t i = 0; v && i < d->n; i++) {
		const struct diag_entry *e = &d->v[i];
		struct json_object *o = json_object_new_object();
		const char *msg = e->msg ? e->msg : "(out of memory)";

		if (!o || json_object_array_add(v, o) < 0) {
			json_object_put(o);
			json_object_put(v);
			return NULL;
		}
		/* a NULL value is JSON null; an allocation failure of a value is lost with it */
		json_object_object_add(o, "file", e->file ? json_object_new_string(e->file) : NULL);
		json_object_object_add(o, "line",
				       e->file && e->line ? json_object_new_int64(e->line) : NULL);
		json_object_object_add(o, "column",
				       e->file && e->line && e->col ? json_object_new_int64(e->col)
								    : NULL);
		json_object_object_add(o, "severity", json_object_new_string(level_name(e->level)));
		json_object_object_add(o, "message", json_object_new_string(msg));
	}
	return v;
}

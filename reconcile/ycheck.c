/* SPDX-License-Identifier: MIT */
/*
 * Checked access to a YAML tree (yamlutil.c) for the strict loaders
 * (spec*.c, host-state.c): messages at a node's place, unknown keys with
 * a suggestion, wrong types, and the typed getters.
 */
#include <stdarg.h>
#include <stdint.h>

#include "ycheck.h"

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	size_t row[65];

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

int closest_word(const char *s, const char *const *words, size_t n)
{
	size_t best = SIZE_MAX;
	int found = -1;

	for (size_t i = 0; i < n; i++) {
		size_t dist = edit_distance(s, words[i]);
		size_t limit = strlen(words[i]) / 3;
		if (limit < 2)
			limit = 2;
		if (dist <= limit && dist < best && dist < strlen(words[i])) {
			best = dist;
			found = (int)i;
		}
	}
	return found;
}

/* ---- checked access ---- */

void ycheck_init(struct ycheck *c, const char *file, struct diag *d)
{
	*c = (struct ycheck){.file = file, .d = d};
}

const char *yq(struct ycheck *c, const char *s)
{
	char *out = c->buf[c->next++ % ARRAY_SIZE(c->buf)];
	size_t max = sizeof(c->buf[0]) - 4, o = 0;

	for (size_t i = 0; s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (o >= 60 && (ch & 0xc0) != 0x80) {
			memcpy(out + o, "...", 4);
			return out;
		}
		if (o >= max)
			break;
		out[o++] = (char)ch; /* diag_print escapes control characters */
	}
	out[o] = '\0';
	return out;
}

static int yerror_v(struct ycheck *c, const struct src_loc *at, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	if (!msg)
		c->oom = true;
	diag_error(c->d, at ? at : &(struct src_loc){.file = c->file}, -EINVAL, "%s",
		   msg ? msg : "out of memory");
	free(msg);
	return -EINVAL;
}

int yerror(struct ycheck *c, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = yerror_v(c, n ? &n->loc : NULL, fmt, ap);
	va_end(ap);
	return r;
}

int yerror_at(struct ycheck *c, const struct src_loc *at, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = yerror_v(c, at, fmt, ap);
	va_end(ap);
	return r;
}

void yunknown_key(struct ycheck *c, const struct ynode *key, const char *const *known, size_t n,
		  const char *where)
{
	int i = closest_word(key->text, known, n);

	if (i >= 0)
		yerror(c, key, "unknown key '%s' %s (did you mean '%s'?)", yq(c, key->text), where,
		       known[i]);
	else
		yerror(c, key, "unknown key '%s' %s", yq(c, key->text), where);
}

/* "a string 'x'", "an integer '7'", "null", "a list" ... */
const char *ygot(struct ycheck *c, const struct ynode *v)
{
	char *out = c->buf[c->next++ % ARRAY_SIZE(c->buf)];

	if (v->kind == YNODE_SCALAR && v->type != YSCALAR_NULL)
		snprintf(out, sizeof(c->buf[0]), "%s '%s'", ynode_describe(v), yq(c, v->text));
	else
		snprintf(out, sizeof(c->buf[0]), "%s", ynode_describe(v));
	return out;
}

void ywrong_type(struct ycheck *c, const struct ynode *key, const struct ynode *v,
		 const char *expected)
{
	yerror(c, v, "wrong type for '%s': expected %s, got %s", yq(c, key->text), expected,
	       ygot(c, v));
}

bool yexpect(struct ycheck *c, const struct ynode *key, const struct ynode *v, enum ynode_kind kind)
{
	if (v->kind == kind)
		return true;
	ywrong_type(c, key, v, kind == YNODE_MAPPING ? "a mapping" : "a list");
	return false;
}

/* ---- typed values ---- */

bool yget_int(struct ycheck *c, const struct ynode *key, const struct ynode *v, long long min,
	      long long max, long long *out)
{
	long long x;
	char *end;

	if (v->kind != YNODE_SCALAR || v->type != YSCALAR_INT) {
		ywrong_type(c, key, v, "an integer");
		return false;
	}
	errno = 0;
	x = strtoll(v->text, &end, 10);
	if (errno || *end || x < min || x > max) {
		yerror(c, v, "%s %s is out of range %lld..%lld", key->text, yq(c, v->text), min,
		       max);
		return false;
	}
	*out = x;
	return true;
}

bool yget_bool(struct ycheck *c, const struct ynode *key, const struct ynode *v, int *out)
{
	if (v->kind != YNODE_SCALAR || v->type != YSCALAR_BOOL) {
		ywrong_type(c, key, v, "a boolean (true or false)");
		return false;
	}
	*out = v->text[0] == 't' || v->text[0] == 'T';
	return true;
}

static const char *text_of(struct ycheck *c, const struct ynode *key, const struct ynode *v,
			   bool empty_ok)
{
	if (v->kind != YNODE_SCALAR || v->type != YSCALAR_STRING) {
		ywrong_type(c, key, v, "a string");
		return NULL;
	}
	if (v->len == 0 && !empty_ok) {
		yerror(c, v, "'%s' is empty", key->text);
		return NULL;
	}
	return v->text;
}

/* The text of a string value (borrowed from the tree). */
const char *yget_text(struct ycheck *c, const struct ynode *key, const struct ynode *v)
{
	return text_of(c, key, v, false);
}

static bool copy_text(struct ycheck *c, const char *t, char **out)
{
	if (!t)
		return false;
	free(*out);
	*out = strdup(t);
	if (!*out)
		c->oom = true;
	return *out != NULL;
}

bool yget_str(struct ycheck *c, const struct ynode *key, const struct ynode *v, char **out)
{
	return copy_text(c, text_of(c, key, v, false), out);
}

bool yget_str_or_empty(struct ycheck *c, const struct ynode *key, const struct ynode *v, char **out)
{
	return copy_text(c, text_of(c, key, v, true), out);
}

bool yget_str_take(struct ycheck *c, struct ydoc *doc, const struct ynode *key,
		   const struct ynode *v, char **out)
{
	const char *t = text_of(c, key, v, true);
	char *own = t ? ydoc_take_text(doc, v) : NULL;

	if (!own)
		return copy_text(c, t, out);
	free(*out);
	*out = own;
	return true;
}

bool yget_version(struct ycheck *c, const struct ynode *key, const struct ynode *v, long long want)
{
	if (v->kind != YNODE_SCALAR || v->type != YSCALAR_INT) {
		ywrong_type(c, key, v, "an integer");
		return false;
	}
	errno = 0;
	long long x = strtoll(v->text, NULL, 10);
	if (errno || x != want) {
		yerror(c, v, "unsupported version %s (only version %lld is supported)",
		       yq(c, v->text), want);
		return false;
	}
	return true;
}

/* One of names[]; returns the index or -1. */
int yget_enum(struct ycheck *c, const struct ynode *key, const struct ynode *v,
	      const char *const *names, size_t n)
{
	char list[128] = "";

	if (v->kind == YNODE_SCALAR && v->type == YSCALAR_STRING)
		for (size_t i = 0; i < n; i++)
			if (streq(v->text, names[i]))
				return (int)i;
	for (size_t i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i == 0	      ? ""
			 : i + 1 == n ? " or "
				      : ", ",
			 names[i]);
	if (v->kind != YNODE_SCALAR)
		ywrong_type(c, key, v, "a string");
	else
		yerror(c, v, "invalid %s '%s' (expected %s)", key->text, yq(c, v->text), list);
	return -1;
}

void ymissing(struct ycheck *c, const struct ynode *map, const char *key, const char *where)
{
	if (!ynode_get_pair(map, key))
		yerror(c, map, "missing required key '%s' %s", key, where);
}

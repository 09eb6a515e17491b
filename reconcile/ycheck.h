/* SPDX-License-Identifier: MIT */
/*
 * Checked access to a YAML tree (yamlutil.h) for strict loaders: typed
 * values with errors at their place (FILE:LINE:COL), in ycheck.c.
 */
#pragma once

#include "yamlutil.h"

/* Index of the entry of words[n] closest to s by edit distance, or -1 if none is close. */
int closest_word(const char *s, const char *const *words, size_t n);

/*
 * Checked access: typed values from the tree, for strict loaders. Every
 * getter takes the mapping key a value belongs to (its text names the
 * value in messages) and the value; anything of another type or out of
 * range is recorded as an error at the value's place, and the getter
 * returns false (NULL, -1). Outputs are written only on success.
 */
struct ycheck {
	const char *file; /* for errors without a node; not owned */
	struct diag *d;
	bool oom;	  /* an allocation failed: the result is incomplete */
	char buf[6][128]; /* rotating buffers of yq() and ygot() */
	unsigned next;
};

void ycheck_init(struct ycheck *c, const char *file, struct diag *d);

/* Record an error at node at (NULL: the file, without a line). Returns -EINVAL. */
int yerror(struct ycheck *c, const struct ynode *at, const char *fmt, ...) _printf_(3, 4);
/* The same at a place kept from a node (the tree may be gone). */
int yerror_at(struct ycheck *c, const struct src_loc *at, const char *fmt, ...) _printf_(3, 4);

/* A short printable copy of s for a message; valid until 5 more yq()/ygot() calls. */
const char *yq(struct ycheck *c, const char *s);
/* What v is, for a message: "a string 'x'", "an integer '7'", "null", "a list". */
const char *ygot(struct ycheck *c, const struct ynode *v);

/* "unknown key 'K' WHERE (did you mean 'k'?)", suggesting the closest of known[n]. */
void yunknown_key(struct ycheck *c, const struct ynode *key, const char *const *known, size_t n,
		  const char *where);
/* "wrong type for 'K': expected EXPECTED, got ..." */
void ywrong_type(struct ycheck *c, const struct ynode *key, const struct ynode *v,
		 const char *expected);
/* True if v is of kind kind, else an error. */
bool yexpect(struct ycheck *c, const struct ynode *key, const struct ynode *v,
	     enum ynode_kind kind);
/* An error at map unless it has key: "missing required key 'K' WHERE". */
void ymissing(struct ycheck *c, const struct ynode *map, const char *key, const char *where);

/* A plain decimal integer within min..max. */
bool yget_int(struct ycheck *c, const struct ynode *key, const struct ynode *v, long long min,
	      long long max, long long *out);
/* true or false (1 or 0). */
bool yget_bool(struct ycheck *c, const struct ynode *key, const struct ynode *v, int *out);
/* A non-empty string; borrowed from the tree. */
const char *yget_text(struct ycheck *c, const struct ynode *key, const struct ynode *v);
/* A non-empty string, copied into *out (the old *out is freed). */
bool yget_str(struct ycheck *c, const struct ynode *key, const struct ynode *v, char **out);
/* A string that may be empty, copied into *out (the old *out is freed). */
bool yget_str_or_empty(struct ycheck *c, const struct ynode *key, const struct ynode *v,
		       char **out);
/* yget_str_or_empty(), taking a large text from doc instead of a copy (ydoc_take_text()). */
bool yget_str_take(struct ycheck *c, struct ydoc *doc, const struct ynode *key,
		   const struct ynode *v, char **out);
/* The integer want: "unsupported version 2 (only version 1 is supported)" otherwise. */
bool yget_version(struct ycheck *c, const struct ynode *key, const struct ynode *v, long long want);
/* One of names[n]: its index, or -1. */
int yget_enum(struct ycheck *c, const struct ynode *key, const struct ynode *v,
	      const char *const *names, size_t n);

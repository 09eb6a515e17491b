/* SPDX-License-Identifier: MIT */
/*
 * A YAML document as a tree of nodes with their places, built with libyaml
 * for loaders that validate strictly (spec.c, host-state.c).
 *
 * Parsing refuses what a strict loader should never see: non-UTF-8 input,
 * several documents, duplicate mapping keys, non-scalar keys, NUL in a
 * scalar, and anchors/aliases that expand beyond a limit (billion laughs).
 * Aliases are shared, not copied: a node may have several parents, so
 * walk the tree, never modify it. Checked, typed access for the loaders
 * is ycheck.h.
 */
#pragma once

#include <limits.h>

#include "diag.h"

#define YAML_MAX_INPUT	     (16u << 20) /* bytes */
#define YAML_MAX_ALIAS_NODES 10000	 /* nodes added by expanding aliases */
#define YAML_MAX_DEPTH	     64		 /* nesting, aliases expanded */

enum ynode_kind {
	YNODE_SCALAR,
	YNODE_SEQUENCE,
	YNODE_MAPPING,
};

/* The type of a scalar, resolved as the YAML 1.2 core schema does. */
enum yscalar_type {
	YSCALAR_NULL,	/* plain "", "~", "null", "Null", "NULL" */
	YSCALAR_BOOL,	/* plain true/True/TRUE/false/False/FALSE */
	YSCALAR_INT,	/* plain [-+]?[0-9]+ */
	YSCALAR_FLOAT,	/* plain 1.5, 1e3, .inf, .nan ... */
	YSCALAR_STRING, /* anything else, and every quoted or !!str scalar */
};

struct ynode;

struct ypair {
	struct ynode *key; /* always a scalar */
	struct ynode *value;
};

/*
 * A large file has one node per scalar, so the node is kept small (48
 * bytes): counts that fit the input (YAML_MAX_INPUT), one pointer for a
 * container's children, and the bookkeeping in bit-fields.
 */
struct ynode {
	struct src_loc loc; /* where the node starts (for an alias: its anchor) */
	/* YNODE_SCALAR; NULL for a container */
	char *text; /* NUL-terminated, never contains NUL */
	union {
		struct ynode **items; /* YNODE_SEQUENCE */
		struct ypair *pairs;  /* YNODE_MAPPING: keys unique, in file order */
	};
	unsigned len;	  /* YNODE_SCALAR; 0 otherwise */
	unsigned n_items; /* YNODE_SEQUENCE; 0 otherwise */
	unsigned n_pairs; /* YNODE_MAPPING; 0 otherwise */
	enum ynode_kind kind : 2;
	enum yscalar_type type : 3; /* YNODE_SCALAR */
	unsigned own : 1; /* text is a block of its own (a block scalar): ydoc_take_text() */
	/* bookkeeping for the alias limits */
	unsigned height : 7;  /* levels, aliases expanded: at most YAML_MAX_DEPTH + 1 */
	unsigned weight : 19; /* nodes in this subtree, aliases expanded (saturating at
				 YNODE_WEIGHT_MAX, beyond YAML_MAX_ALIAS_NODES) */
};

#define YNODE_WEIGHT_MAX ((1u << 19) - 1)
_Static_assert(YNODE_WEIGHT_MAX > YAML_MAX_ALIAS_NODES, "weight saturates below the alias limit");
_Static_assert(YAML_MAX_DEPTH + 1 < (1 << 7), "height does not fit");
_Static_assert(YAML_MAX_INPUT < UINT_MAX / 2, "lengths and counts do not fit");

/* One use of an alias (*name), for loaders that allow them in one section only. */
struct yalias {
	char *name;		 /* owned, without the '*' */
	struct src_loc loc;	 /* where the alias is */
	const struct ynode *top; /* the top-level key it sits under; NULL: none (it is a
				    top-level key, the root, or the root is no mapping) */
};

struct yarena; /* the nodes and their text, allocated in large blocks */

struct ydoc {
	struct ynode *root;	/* NULL: the stream holds no document */
	struct yarena *arena;	/* the nodes, their arrays and their text */
	size_t alias_nodes;	/* nodes reached again through aliases; 0: no alias */
	struct yalias *aliases; /* every alias, in file order */
	size_t n_aliases, cap_aliases;
	struct ynode **owning; /* the nodes whose text is a block of its own */
	size_t n_owning, cap_owning;
};

/*
 * Parse buf (len bytes, need not be NUL-terminated) as one YAML document.
 * file names the input in diagnostics and must outlive the document (the
 * nodes' src_loc.file point at it). Problems are recorded in d; returns
 * -EINVAL (or -ENOMEM) then. On success *ret owns a ydoc for ydoc_free().
 */
int ydoc_parse(const char *file, const char *buf, size_t len, struct diag *d, struct ydoc **ret);

/*
 * ydoc_parse() of the file at path, read as yfile_read() does. Its bytes
 * are not held while the tree is built when its block scalars can be taken
 * out first; the file is read again when it must be parsed again (an error
 * or a surprise: see yamlutil.c). path must outlive the document.
 */
int ydoc_parse_file(const char *path, struct diag *d, struct ydoc **ret);

void ydoc_free(struct ydoc *doc);

/*
 * Hand the text of scalar n over to the caller (free()) when it is a block
 * of its own (a large block scalar, such as a domain XML), so that it need
 * not be copied; NULL otherwise, or when it was taken already. n->text
 * stays that pointer: valid while the caller keeps it.
 */
char *ydoc_take_text(struct ydoc *doc, const struct ynode *n);

/*
 * Length of a UTF-8 byte order mark at the start of buf (3), or 0. Editors
 * on some systems write one; loaders skip it, so that places still count
 * from line 1.
 */
static inline size_t yaml_bom_len(const char *buf, size_t len)
{
	return len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3) ? 3 : 0;
}
static inline void ydoc_freep(struct ydoc **doc)
{
	ydoc_free(*doc);
}

/*
 * Read a whole regular file of at most YAML_MAX_INPUT bytes into a
 * NUL-terminated buffer owned by the caller (*ret_buf, free()). Errors
 * (missing, unreadable, a directory, too large) are recorded in d under
 * the file's name.
 */
int yfile_read(const char *path, struct diag *d, char **ret_buf, size_t *ret_len);

/* The value of key in a mapping; NULL if absent or n is not a mapping. */
const struct ynode *ynode_get(const struct ynode *map, const char *key);

/* The pair whose key is key in a mapping, or NULL. */
const struct ypair *ynode_get_pair(const struct ynode *map, const char *key);

/* The type of a plain (unquoted, untagged) scalar with text s. */
enum yscalar_type yscalar_resolve(const char *s);

/* True when n is a null scalar (also for n == NULL). */
bool ynode_is_null(const struct ynode *n);

/* "a mapping", "a list", "null", "a boolean", "an integer", "a number", "a string". */
const char *ynode_describe(const struct ynode *n);

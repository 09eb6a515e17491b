/* SPDX-License-Identifier: MIT */
/*
 * The YAML reader: libyaml's events -> a tree of nodes with their places,
 * with the limits a strict loader needs (UTF-8, one document, unique keys,
 * alias and depth limits), the reading of a bounded input file, and plain
 * lookups in the tree. The checked, typed access to it is ycheck.c.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "yamlutil.h"

#define MAX_ANCHORS 10000

struct frame {
	struct ynode *node;
	char *anchor;	       /* owned; registered when the node ends */
	struct ynode *pending; /* mapping: key waiting for its value */
};

struct anchor {
	char *name; /* owned */
	struct ynode *node;
};

struct builder {
	const char *file;
	struct diag *d;
	struct ydoc *doc;
	struct frame *stack;
	size_t depth, cap_stack;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t alias_nodes;
	int soft_err; /* an error after which parsing goes on (duplicate keys) */
};

static struct src_loc mark_loc(const char *file, yaml_mark_t m)
{
	return (struct src_loc){
	    .file = file, .line = (unsigned)m.line + 1, .col = (unsigned)m.column + 1};
}

/* Line and column (in characters) of byte offset off. */
static struct src_loc offset_loc(const char *file, const char *buf, size_t len, size_t off)
{
	struct src_loc l = {.file = file, .line = 1, .col = 1};

	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			l.line++;
			l.col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			l.col++;
		}
	}
	return l;
}

/* Offset of the first byte that is not valid UTF-8, or len. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i], need, min;
		uint32_t cp;
		uint64_t w;

		/* most of a file is ASCII: eight bytes at a time */
		if (len - i >= 8 && (memcpy(&w, s + i, 8), !(w & 0x8080808080808080ull))) {
			i += 8;
			continue;
		}
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			need = 1, min = 0x80, cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2, min = 0x800, cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3, min = 0x10000, cp = c & 0x07;
		} else {
			return i;
		}
		if (len - i <= need)
			return i;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += need + 1;
	}
	return len;
}

static bool match_int(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool match_float(const char *s)
{
	static const char *const special[] = {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"};
	bool digits = false;
	const char *p = s;

	if (*p == '-' || *p == '+')
		p++;
	for (size_t i = 0; i < ARRAY_SIZE(special); i++)
		if (streq(p, special[i]) && (p == s || i < 3))
			return true;
	while (*p >= '0' && *p <= '9')
		p++, digits = true;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++, digits = true;
	}
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

enum yscalar_type yscalar_resolve(const char *s)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE"};

	/* every null, bool, int and float starts with one of these */
	if (*s && !strchr("~nNtTfF+-.0123456789", *s))
		return YSCALAR_STRING;
	for (size_t i = 0; i < ARRAY_SIZE(nulls); i++)
		if (streq(s, nulls[i]))
			return YSCALAR_NULL;
	for (size_t i = 0; i < ARRAY_SIZE(bools); i++)
		if (streq(s, bools[i]))
			return YSCALAR_BOOL;
	if (match_int(s))
		return YSCALAR_INT;
	if (match_float(s))
		return YSCALAR_FLOAT;
	return YSCALAR_STRING;
}

/* A block of the arena; blocks are chained, the newest first. */
struct yarena {
	struct yarena *next;
	size_t used, cap;
	max_align_t data[];
};

#define YARENA_BLOCK (64u << 10)

/* size bytes from the arena, zeroed and aligned for any type; NULL when out of memory. */
static void *arena_alloc(struct ydoc *doc, size_t size)
{
	struct yarena *a = doc->arena;

	size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (!a || a->cap - a->used < size) {
		size_t cap = size > YARENA_BLOCK / 4 ? size : YARENA_BLOCK;
		a = malloc(sizeof(*a) + cap);
		if (!a)
			return NULL;
		*a = (struct yarena){.cap = cap};
		/* a large piece gets a block of its own behind the current one */
		if (doc->arena && cap != YARENA_BLOCK) {
			a->next = doc->arena->next;
			doc->arena->next = a;
		} else {
			a->next = doc->arena;
			doc->arena = a;
		}
	}
	void *p = (char *)a->data + a->used;
	a->used += size;
	return memset(p, 0, size);
}

static struct ynode *node_new(struct builder *b, enum ynode_kind kind, yaml_mark_t m)
{
	struct ynode **slot = GROW(b->doc->all, b->doc->n_all, b->doc->cap_all);
	if (!slot)
		return NULL;
	struct ynode *n = arena_alloc(b->doc, sizeof(*n));
	if (!n) {
		b->doc->n_all--;
		return NULL;
	}
	*slot = n;
	n->kind = kind;
	n->loc = mark_loc(b->file, m);
	n->weight = 1;
	n->height = 1;
	return n;
}

static size_t add_sat(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* Attach a finished node (or an alias target) to the open container. */
static int add_child(struct builder *b, struct ynode *child)
{
	if (b->depth == 0) {
		b->doc->root = child;
		return 0;
	}
	struct frame *f = &b->stack[b->depth - 1];
	struct ynode *p = f->node;

	p->weight = add_sat(p->weight, child->weight);
	if (child->height + 1 > p->height)
		p->height = child->height + 1;
	if (p->kind == YNODE_SEQUENCE) {
		struct ynode **it = GROW(p->items, p->n_items, p->cap_items);
		if (!it)
			return -ENOMEM;
		*it = child;
		return 0;
	}
	if (!f->pending) {
		if (child->kind != YNODE_SCALAR)
			return diag_error(b->d, &child->loc, -EINVAL,
					  "mapping keys must be scalars, got %s",
					  ynode_describe(child));
		f->pending = child;
		return 0;
	}
	struct ypair *pair = GROW(p->pairs, p->n_pairs, p->cap_pairs);
	if (!pair)
		return -ENOMEM;
	pair->key = f->pending;
	pair->value = child;
	f->pending = NULL;
	return 0;
}

static int register_anchor(struct builder *b, char *name, struct ynode *n)
{
	if (!name)
		return 0;
	if (b->n_anchors >= MAX_ANCHORS) {
		free(name);
		return diag_error(b->d, &n->loc, -EINVAL, "more than %d anchors", MAX_ANCHORS);
	}
	struct anchor *a = GROW(b->anchors, b->n_anchors, b->cap_anchors);
	if (!a) {
		free(name);
		return -ENOMEM;
	}
	a->name = name;
	a->node = n;
	return 0;
}

static int pair_cmp(const void *x, const void *y)
{
	const struct ypair *a = x, *b = y;
	int r = strcmp(a->key->text, b->key->text);
	if (r)
		return r;
	if (a->key->loc.line != b->key->loc.line)
		return a->key->loc.line < b->key->loc.line ? -1 : 1;
	return a->key->loc.col < b->key->loc.col ? -1 : (a->key->loc.col > b->key->loc.col);
}

/* Report duplicate keys and keep the first of each, in file order. */
static int check_duplicates(struct builder *b, struct ynode *map)
{
	if (map->n_pairs < 2)
		return 0;
	if (map->n_pairs <= 32) { /* small maps: a plain check first, sorting only to report */
		bool dup = false;
		for (size_t i = 1; i < map->n_pairs && !dup; i++)
			for (size_t j = 0; j < i && !dup; j++)
				dup = streq(map->pairs[i].key->text, map->pairs[j].key->text);
		if (!dup)
			return 0;
	}
	_cleanup_(freep) struct ypair *sorted = malloc(map->n_pairs * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, map->pairs, map->n_pairs * sizeof(*sorted));
	qsort(sorted, map->n_pairs, sizeof(*sorted), pair_cmp);
	for (size_t i = 1; i < map->n_pairs; i++) {
		const struct ynode *first = sorted[i - 1].key, *dup = sorted[i].key;
		if (!streq(first->text, dup->text))
			continue;
		/* sorted[i-1] may itself be a later duplicate: find the first */
		size_t j = i - 1;
		while (j > 0 && streq(sorted[j - 1].key->text, dup->text))
			j--;
		b->soft_err =
		    diag_error(b->d, &dup->loc, -EINVAL, "duplicate key '%s' (first at line %u)",
			       dup->text, sorted[j].key->loc.line);
		sorted[i].key->kind = YNODE_SEQUENCE; /* mark: dropped below */
	}
	size_t k = 0;
	for (size_t i = 0; i < map->n_pairs; i++) {
		if (map->pairs[i].key->kind == YNODE_SEQUENCE) {
			map->pairs[i].key->kind = YNODE_SCALAR;
			continue;
		}
		map->pairs[k++] = map->pairs[i];
	}
	map->n_pairs = k;
	return 0;
}

static int check_tag(struct builder *b, const yaml_char_t *tag, const char *allowed, yaml_mark_t m)
{
	if (!tag || streq((const char *)tag, "!") || streq((const char *)tag, allowed))
		return 0;
	struct src_loc l = mark_loc(b->file, m);
	return diag_error(b->d, &l, -EINVAL, "unsupported tag '%s'", (const char *)tag);
}

static char *take_anchor(yaml_char_t *a)
{
	return a ? strdup((const char *)a) : NULL;
}

static int on_scalar(struct builder *b, yaml_event_t *e)
{
	struct ynode *n;
	int r;

	r = check_tag(b, e->data.scalar.tag, YAML_STR_TAG, e->start_mark);
	if (r < 0)
		return r;
	if (memchr(e->data.scalar.value, 0, e->data.scalar.length)) {
		struct src_loc l = mark_loc(b->file, e->start_mark);
		return diag_error(b->d, &l, -EINVAL, "scalar contains a NUL character");
	}
	n = node_new(b, YNODE_SCALAR, e->start_mark);
	if (!n)
		return -ENOMEM;
	n->text = arena_alloc(b->doc, e->data.scalar.length + 1);
	if (!n->text)
		return -ENOMEM;
	memcpy(n->text, e->data.scalar.value, e->data.scalar.length);
	n->len = e->data.scalar.length;
	if (e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !e->data.scalar.tag)
		n->type = yscalar_resolve(n->text);
	else
		n->type = YSCALAR_STRING;
	if (e->data.scalar.anchor) {
		char *a = take_anchor(e->data.scalar.anchor);
		if (!a)
			return -ENOMEM;
		r = register_anchor(b, a, n);
		if (r < 0)
			return r;
	}
	return add_child(b, n);
}

static int on_start(struct builder *b, yaml_event_t *e, enum ynode_kind kind)
{
	yaml_char_t *tag =
	    kind == YNODE_MAPPING ? e->data.mapping_start.tag : e->data.sequence_start.tag;
	yaml_char_t *anchor =
	    kind == YNODE_MAPPING ? e->data.mapping_start.anchor : e->data.sequence_start.anchor;
	int r;

	r = check_tag(b, tag, kind == YNODE_MAPPING ? YAML_MAP_TAG : YAML_SEQ_TAG, e->start_mark);
	if (r < 0)
		return r;
	if (b->depth >= YAML_MAX_DEPTH) {
		struct src_loc l = mark_loc(b->file, e->start_mark);
		return diag_error(b->d, &l, -EINVAL, "nesting deeper than %d levels",
				  YAML_MAX_DEPTH);
	}
	struct ynode *n = node_new(b, kind, e->start_mark);
	if (!n)
		return -ENOMEM;
	struct frame *f = GROW(b->stack, b->depth, b->cap_stack);
	if (!f)
		return -ENOMEM;
	f->node = n;
	if (anchor && !(f->anchor = take_anchor(anchor)))
		return -ENOMEM;
	return 0;
}

static int on_end(struct builder *b)
{
	struct frame f = b->stack[--b->depth];
	int r = 0;

	if (f.node->kind == YNODE_MAPPING)
		r = check_duplicates(b, f.node);
	if (r < 0) {
		free(f.anchor);
		return r;
	}
	r = register_anchor(b, f.anchor, f.node);
	if (r < 0)
		return r;
	return add_child(b, f.node);
}

/* Record an alias use with the top-level key it sits under. */
static int record_alias(struct builder *b, const char *name, struct src_loc l)
{
	const struct frame *top = b->depth ? &b->stack[0] : NULL;
	struct yalias *a = GROW(b->doc->aliases, b->doc->n_aliases, b->doc->cap_aliases);

	if (!a)
		return -ENOMEM;
	*a = (struct yalias){.name = strdup(name), .loc = l};
	if (!a->name)
		return -ENOMEM;
	if (top && top->node->kind == YNODE_MAPPING)
		a->top = top->pending;
	return 0;
}

static int on_alias(struct builder *b, yaml_event_t *e)
{
	const char *name = (const char *)e->data.alias.anchor;
	struct src_loc l = mark_loc(b->file, e->start_mark);
	struct ynode *target = NULL;

	for (size_t i = b->n_anchors; i > 0; i--)
		if (streq(b->anchors[i - 1].name, name)) {
			target = b->anchors[i - 1].node;
			break;
		}
	if (!target) {
		for (size_t i = 0; i < b->depth; i++)
			if (b->stack[i].anchor && streq(b->stack[i].anchor, name))
				return diag_error(b->d, &l, -EINVAL,
						  "alias '*%s' refers to a node that contains it",
						  name);
		return diag_error(b->d, &l, -EINVAL, "undefined alias '*%s'", name);
	}
	b->alias_nodes = add_sat(b->alias_nodes, target->weight);
	if (b->alias_nodes > YAML_MAX_ALIAS_NODES)
		return diag_error(b->d, &l, -EINVAL,
				  "aliases expand to more than %d nodes at alias '*%s' (refusing a "
				  "billion-laughs document)",
				  YAML_MAX_ALIAS_NODES, name);
	if (b->depth + target->height > YAML_MAX_DEPTH)
		return diag_error(b->d, &l, -EINVAL, "alias '*%s' nests deeper than %d levels",
				  name, YAML_MAX_DEPTH);
	int r = record_alias(b, name, l);
	if (r < 0)
		return r;
	return add_child(b, target);
}

static int parser_error(struct builder *b, const yaml_parser_t *p, const char *buf, size_t len)
{
	struct src_loc l;
	const char *problem = p->problem ? p->problem : "cannot parse YAML";

	if (p->error == YAML_MEMORY_ERROR)
		return diag_error(b->d, NULL, -ENOMEM, "out of memory while parsing '%s'", b->file);
	if (p->error == YAML_READER_ERROR)
		l = offset_loc(b->file, buf, len, p->problem_offset);
	else
		l = mark_loc(b->file, p->problem_mark);
	if (p->context)
		return diag_error(b->d, &l, -EINVAL, "%s (%s at line %zu)", problem, p->context,
				  p->context_mark.line + 1);
	return diag_error(b->d, &l, -EINVAL, "%s", problem);
}

static void builder_release(struct builder *b)
{
	for (size_t i = 0; i < b->depth; i++)
		free(b->stack[i].anchor);
	free(b->stack);
	for (size_t i = 0; i < b->n_anchors; i++)
		free(b->anchors[i].name);
	free(b->anchors);
}

static int run_parser(struct builder *b, yaml_parser_t *p, const char *buf, size_t len)
{
	unsigned docs = 0;
	int r = 0;

	for (;;) {
		yaml_event_t e;

		if (!yaml_parser_parse(p, &e))
			return parser_error(b, p, buf, len);
		switch (e.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				struct src_loc l = mark_loc(b->file, e.start_mark);
				r = diag_error(b->d, &l, -EINVAL,
					       "more than one YAML document in file");
			}
			break;
		case YAML_SCALAR_EVENT:
			r = on_scalar(b, &e);
			break;
		case YAML_SEQUENCE_START_EVENT:
			r = on_start(b, &e, YNODE_SEQUENCE);
			break;
		case YAML_MAPPING_START_EVENT:
			r = on_start(b, &e, YNODE_MAPPING);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			r = on_end(b);
			break;
		case YAML_ALIAS_EVENT:
			r = on_alias(b, &e);
			break;
		default:
			break;
		}
		bool end = e.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&e);
		if (r < 0)
			return r;
		if (end)
			return b->soft_err;
	}
}

int ydoc_parse(const char *file, const char *buf, size_t len, struct diag *d, struct ydoc **ret)
{
	_cleanup_(ydoc_freep) struct ydoc *doc = NULL;
	struct builder b = {.file = file, .d = d};
	yaml_parser_t parser;
	size_t bad;
	int r;

	if (len > YAML_MAX_INPUT)
		return diag_error(d, &(struct src_loc){.file = file}, -EFBIG,
				  "file is larger than %u MiB", YAML_MAX_INPUT >> 20);
	size_t bom = yaml_bom_len(buf, len);
	buf += bom;
	len -= bom;
	bad = utf8_invalid_at((const unsigned char *)buf, len);
	if (bad < len) {
		struct src_loc l = offset_loc(file, buf, len, bad);
		return diag_error(d, &l, -EINVAL, "invalid UTF-8 byte 0x%02x",
				  (unsigned char)buf[bad]);
	}
	doc = calloc(1, sizeof(*doc));
	if (!doc)
		return -ENOMEM;
	b.doc = doc;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	r = run_parser(&b, &parser, buf, len);
	doc->alias_nodes = b.alias_nodes;
	yaml_parser_delete(&parser);
	builder_release(&b);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(doc);
	return 0;
}

void ydoc_free(struct ydoc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->n_all; i++) {
		free(doc->all[i]->items);
		free(doc->all[i]->pairs);
	}
	free(doc->all);
	for (struct yarena *a = doc->arena, *next; a; a = next) {
		next = a->next;
		free(a);
	}
	for (size_t i = 0; i < doc->n_aliases; i++)
		free(doc->aliases[i].name);
	free(doc->aliases);
	free(doc);
}

static char *lower_first(char *s)
{
	if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
		s[0] = (char)(s[0] - 'A' + 'a');
	return s;
}

static int file_error(struct diag *d, const char *path, const char *what, int err)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "%s", strerror(err));
	return diag_error(d, &(struct src_loc){.file = path}, -err, "cannot %s file: %s", what,
			  lower_first(buf));
}

int yfile_read(const char *path, struct diag *d, char **ret_buf, size_t *ret_len)
{
	_cleanup_(freep) char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return file_error(d, path, "open", errno);
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return file_error(d, path, "read", e);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return file_error(d, path, "read", EISDIR);
	}
	for (;;) {
		if (cap - len < 2) {
			size_t ncap = cap ? cap * 2 : 16384;
			if (ncap > YAML_MAX_INPUT + 2)
				ncap = YAML_MAX_INPUT + 2;
			char *p = realloc(buf, ncap);
			if (!p) {
				close(fd);
				return -ENOMEM;
			}
			buf = p;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return file_error(d, path, "read", e);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > YAML_MAX_INPUT) {
			close(fd);
			return diag_error(d, &(struct src_loc){.file = path}, -EFBIG,
					  "file is larger than %u MiB", YAML_MAX_INPUT >> 20);
		}
	}
	close(fd);
	buf[len] = '\0';
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

const struct ypair *ynode_get_pair(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAPPING)
		return NULL;
	for (size_t i = 0; i < map->n_pairs; i++)
		if (streq(map->pairs[i].key->text, key))
			return &map->pairs[i];
	return NULL;
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	const struct ypair *p = ynode_get_pair(map, key);
	return p ? p->value : NULL;
}

bool ynode_is_null(const struct ynode *n)
{
	return !n || (n->kind == YNODE_SCALAR && n->type == YSCALAR_NULL);
}

const char *ynode_describe(const struct ynode *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case YNODE_MAPPING:
		return "a mapping";
	case YNODE_SEQUENCE:
		return "a list";
	default:
		break;
	}
	switch (n->type) {
	case YSCALAR_NULL:
		return "null";
	case YSCALAR_BOOL:
		return "a boolean";
	case YSCALAR_INT:
		return "an integer";
	case YSCALAR_FLOAT:
		return "a number";
	default:
		return "a string";
	}
}

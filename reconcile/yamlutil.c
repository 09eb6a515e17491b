/* SPDX-License-Identifier: MIT */
/*
 * The YAML reader: libyaml's events -> a tree of nodes with their places,
 * with the limits a strict loader needs (UTF-8, one document, unique keys,
 * alias and depth limits), the reading of a bounded input file, and plain
 * lookups in the tree. The checked, typed access to it is ycheck.c.
 */
#include <assert.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "yamlutil.h"

#define MAX_ANCHORS 10000

struct frame {
	struct ynode *node;
	char *anchor;	       /* owned; registered when the node ends */
	struct ynode *pending; /* mapping: key waiting for its value */
	size_t kids;	       /* where its children start in builder.kids */
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
	struct ynode **kids;	 /* children of the open containers (keys and values), */
	size_t n_kids, cap_kids; /* moved into the arena when their container ends */
	size_t alias_nodes;
	int soft_err;		/* an error after which parsing goes on (duplicate keys) */
	struct yblocks *blocks; /* NULL: libyaml reads the original input */
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
	/* by the first character: every null, bool, int and float starts with one of these */
	switch (s[0]) {
	case '\0':
		return YSCALAR_NULL;
	case '~':
		return s[1] ? YSCALAR_STRING : YSCALAR_NULL;
	case 'n':
	case 'N':
		return streq(s, "null") || streq(s, "Null") || streq(s, "NULL") ? YSCALAR_NULL
										: YSCALAR_STRING;
	case 't':
	case 'T':
		return streq(s, "true") || streq(s, "True") || streq(s, "TRUE") ? YSCALAR_BOOL
										: YSCALAR_STRING;
	case 'f':
	case 'F':
		return streq(s, "false") || streq(s, "False") || streq(s, "FALSE") ? YSCALAR_BOOL
										   : YSCALAR_STRING;
	default:
		break;
	}
	if (!strchr("+-.0123456789", s[0]))
		return YSCALAR_STRING;
	if (match_int(s))
		return YSCALAR_INT;
	if (match_float(s))
		return YSCALAR_FLOAT;
	return YSCALAR_STRING;
}

/*
 * Make the pages of [p, p + len) present in one call, where the kernel
 * can (Linux 5.14): a large file or tree would otherwise take one page
 * fault per 4 KiB it touches, and a fault costs far more than the work
 * done on the page (~10 us on a virtual machine). Only whole pages
 * inside the range; a failure only means the pages fault in as usual.
 */
static long page_size(void)
{
	static long page;
	if (!page)
		page = sysconf(_SC_PAGESIZE);
	return page > 0 ? page : 4096;
}

static void prefault(void *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	long page = page_size();
	uintptr_t from = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	uintptr_t to = ((uintptr_t)p + len) & ~((uintptr_t)page - 1);
	if (to > from)
		(void)madvise((void *)from, to - from, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)len;
#endif
}

/*
 * A block of the arena; blocks are chained, the newest first. Each is
 * twice the size of the one before (up to YARENA_MAX_BLOCK): a large
 * block costs only address space until its pages are touched, and they
 * are made present YARENA_PREFAULT bytes ahead of use (prefault()), so
 * that at most that much is present but unused. Blocks are mapped, not
 * malloc()ed: freed, they go back to the system at once, and never stay
 * in the heap below what is allocated after them (the domain XMLs are
 * parsed once the tree is freed). The first block may be the buffer of
 * the input instead (arena_adopt()).
 */
struct yarena {
	struct yarena *next;
	size_t used, cap;
	size_t present; /* bytes of data made present */
	size_t mapped;	/* bytes of the mapping, this header included; 0: malloc()ed */
	max_align_t data[];
};

static struct yarena *yarena_map(size_t cap)
{
	size_t page = (size_t)page_size(), bytes;

	if (cap > SIZE_MAX - sizeof(struct yarena) - page)
		return NULL;
	bytes = (sizeof(struct yarena) + cap + page - 1) / page * page;
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	struct yarena *a = m;
	*a = (struct yarena){.cap = bytes - sizeof(*a), .mapped = bytes};
	return a;
}

#define YARENA_BLOCK	 (64u << 10)
#define YARENA_MAX_BLOCK (8u << 20)
#define YARENA_PREFAULT	 (256u << 10)

/*
 * Make buf (size bytes from malloc(), its pages present) the arena's first
 * block: a large file's input is not needed once its blocks are taken out,
 * and the tree built next reuses its pages instead of faulting in as many
 * new ones. Frees buf when it is too small to be worth it.
 */
static void arena_adopt(struct ydoc *doc, void *buf, size_t size)
{
	if (doc->arena || size < sizeof(struct yarena) + YARENA_BLOCK) {
		free(buf);
		return;
	}
	struct yarena *a = buf;
	*a = (struct yarena){.cap = size - sizeof(*a)};
	a->present = a->cap;
	doc->arena = a;
}

/*
 * size bytes from the arena, aligned for the nodes and their arrays (most
 * pieces are short texts: no wider alignment than needed); NULL when out
 * of memory.
 */
static void *arena_alloc_raw(struct ydoc *doc, size_t size)
{
	struct yarena *a = doc->arena;
	const size_t align = _Alignof(struct ynode);

	size = (size + align - 1) / align * align;
	if (!a || a->cap - a->used < size) {
		size_t block = YARENA_BLOCK;
		if (a)
			block = a->cap < YARENA_MAX_BLOCK / 2 ? a->cap * 2 : YARENA_MAX_BLOCK;
		size_t cap = size > block / 4 ? size : block;
		struct yarena *n = yarena_map(cap);
		if (!n)
			return NULL;
		/* a large piece gets a block of its own behind the current one */
		if (a && cap != block) {
			n->next = a->next;
			a->next = n;
		} else {
			n->next = a;
			doc->arena = n;
		}
		a = n;
	}
	void *p = (char *)a->data + a->used;
	a->used += size;
	if (a->used > a->present) {
		size_t upto = a->cap - a->used > YARENA_PREFAULT ? a->used + YARENA_PREFAULT : a->cap;
		prefault((char *)a->data + a->present, upto - a->present);
		a->present = upto;
	}
	return p;
}

/* arena_alloc_raw(), zeroed. */
static void *arena_alloc(struct ydoc *doc, size_t size)
{
	void *p = arena_alloc_raw(doc, size);
	return p ? memset(p, 0, size) : NULL;
}

static struct ynode *node_new(struct builder *b, enum ynode_kind kind, yaml_mark_t m)
{
	struct ynode *n = arena_alloc(b->doc, sizeof(*n));
	if (!n)
		return NULL;
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

	unsigned w = p->weight, cw = child->weight;
	p->weight = w > YNODE_WEIGHT_MAX - cw ? YNODE_WEIGHT_MAX : w + cw;
	if (child->height + 1 > p->height)
		p->height = child->height + 1;
	if (p->kind == YNODE_MAPPING && !f->pending) {
		if (child->kind != YNODE_SCALAR)
			return diag_error(b->d, &child->loc, -EINVAL,
					  "mapping keys must be scalars, got %s",
					  ynode_describe(child));
		f->pending = child;
		return 0;
	}
	if (p->kind == YNODE_MAPPING) {
		struct ynode **k = GROW(b->kids, b->n_kids, b->cap_kids);
		if (!k)
			return -ENOMEM;
		*k = f->pending;
		f->pending = NULL;
	}
	struct ynode **it = GROW(b->kids, b->n_kids, b->cap_kids);
	if (!it)
		return -ENOMEM;
	*it = child;
	return 0;
}

/* Move the children of an ending container from the builder into the arena. */
static int take_kids(struct builder *b, const struct frame *f)
{
	struct ynode *p = f->node, **kids;
	size_t n = b->n_kids - f->kids;

	b->n_kids = f->kids;
	if (!n)
		return 0;
	kids = b->kids + f->kids;
	if (p->kind == YNODE_SEQUENCE) {
		p->items = arena_alloc_raw(b->doc, n * sizeof(*p->items));
		if (!p->items)
			return -ENOMEM;
		memcpy(p->items, kids, n * sizeof(*p->items));
		p->n_items = (unsigned)n;
		return 0;
	}
	p->pairs = arena_alloc_raw(b->doc, n / 2 * sizeof(*p->pairs));
	if (!p->pairs)
		return -ENOMEM;
	for (size_t i = 0; i < n / 2; i++)
		p->pairs[i] = (struct ypair){.key = kids[2 * i], .value = kids[2 * i + 1]};
	p->n_pairs = (unsigned)(n / 2);
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
				dup = map->pairs[i].key->len == map->pairs[j].key->len &&
				      streq(map->pairs[i].key->text, map->pairs[j].key->text);
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

/*
 * Literal block scalars ("xml: |" and the lines under it: the domain XMLs
 * of a host-state file) are most of a large file, and libyaml reads them a
 * character at a time. Those whose lines are printable ASCII are read here
 * instead: libyaml parses a copy of the input in which such a block keeps
 * only its first line's indentation and an "x", on as many lines (every
 * place after it is unchanged), and the scalar libyaml reports at the
 * block's '|' takes the text read here. When libyaml does not report
 * each block so, or finds any error, the original input is parsed again:
 * results and diagnostics are libyaml's.
 */
struct yblock {
	size_t line, col;	 /* of the '|', from 0, as libyaml marks it */
	const char *start, *end; /* its lines in the original input, each ending in '\n'
				    (only while yblocks_find() runs) */
	size_t indent;		 /* of its first line */
	size_t n_lines;
	char chomp; /* '-' strip, '+' keep, 0 clip */
	char *text; /* as libyaml would read it (block_text()); owned until a node takes it */
	size_t text_len;
};

struct yblocks {
	struct yblock *v;
	size_t n, cap;
	char *buf; /* the input for libyaml; owned */
	size_t len;
	size_t next;   /* the next block libyaml should report */
	bool mismatch; /* libyaml read a block otherwise than here */
	void *spare;   /* the input's buffer, for the arena (arena_adopt()); owned */
	size_t spare_size;
};

static void yblocks_release(struct yblocks *bs)
{
	for (size_t i = 0; i < bs->n; i++)
		free(bs->v[i].text);
	free(bs->v);
	free(bs->buf);
	free(bs->spare);
}

static char *block_text(const struct yblock *bl, size_t *ret_len);

static size_t line_indent(const char *p, const char *eol)
{
	const char *q = p;

	while (q < eol && *q == ' ')
		q++;
	return (size_t)(q - p);
}

/*
 * The end of the lines from p indented by n: the first non-blank line
 * indented less, or end; *ret_lines: the line breaks before it.
 */
static const char *block_end(const char *p, const char *end, size_t n, size_t *ret_lines)
{
	*ret_lines = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *e = eol ? eol : end;
		size_t s = line_indent(p, e);

		if (s < n && p + s < e)
			return p;
		if (!eol)
			break;
		++*ret_lines;
		p = eol + 1;
	}
	return end;
}

/* Only '\n' and printable ASCII: nothing libyaml would refuse or count as a line break. */
static bool block_plain(const char *p, const char *end)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;

	/* eight bytes at a time: a word with no byte under 0x20 or over 0x7e passes */
	for (uint64_t w; end - p >= 8; p += 8) {
		memcpy(&w, p, 8);
		if (!(((w | (w + ones)) & high) | ((w - 0x20 * ones) & ~w & high)))
			continue;
		for (size_t i = 0; i < 8; i++)
			if ((p[i] < 0x20 || p[i] > 0x7e) && p[i] != '\n')
				return false;
	}
	for (; p < end; p++)
		if ((*p < 0x20 || *p > 0x7e) && *p != '\n')
			return false;
	return true;
}

/* libyaml's line breaks besides '\n': CR, and in valid UTF-8 NEL, LS and PS. */
static bool other_breaks(const char *buf, size_t len)
{
	const char *end = buf + len;

	if (memchr(buf, '\r', len))
		return true;
	for (const char *c = buf; (c = memchr(c, 0xc2, (size_t)(end - c))); c++)
		if (end - c >= 2 && (unsigned char)c[1] == 0x85)
			return true;
	for (const char *c = buf; (c = memchr(c, 0xe2, (size_t)(end - c))); c++)
		if (end - c >= 3 && (unsigned char)c[1] == 0x80 &&
		    ((unsigned char)c[2] == 0xa8 || (unsigned char)c[2] == 0xa9))
			return true;
	return false;
}

/* The '|' of a header line [p, eol) ending in " |", " |-" or " |+"; NULL if none. */
static const char *block_header(const char *p, const char *eol, char *ret_chomp)
{
	const char *bar = eol - 1;

	*ret_chomp = 0;
	if (eol - p >= 3 && (*bar == '-' || *bar == '+')) {
		*ret_chomp = *bar;
		bar--;
	}
	if (bar - p < 1 || *bar != '|' || bar[-1] != ' ')
		return NULL;
	return bar;
}

/*
 * Find the blocks to read here, take their texts out and make the copy of
 * the input for libyaml: after it, the input is needed only to parse it
 * again. None when the input has other line breaks than '\n'.
 */
static int yblocks_find(struct yblocks *bs, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	size_t line = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *bar, *q, *eol2, *stop;
		size_t lines;
		char chomp;

		if (!eol)
			break;
		q = eol + 1;
		bar = block_header(p, eol, &chomp);
		eol2 = bar && q < end ? memchr(q, '\n', (size_t)(end - q)) : NULL;
		size_t n = eol2 ? line_indent(q, eol2) : 0;
		if (!n || q + n == eol2) { /* no header, or a first line that is not content */
			p = q;
			line++;
			continue;
		}
		stop = block_end(q, end, n, &lines);
		if (stop[-1] == '\n' && block_plain(q, stop)) {
			struct yblock *bl = GROW(bs->v, bs->n, bs->cap);
			if (!bl)
				return -ENOMEM;
			*bl = (struct yblock){.line = line,
					      .start = q,
					      .end = stop,
					      .indent = n,
					      .n_lines = lines,
					      .chomp = chomp};
			for (const char *c = p; c < bar; c++)
				bl->col += ((unsigned char)*c & 0xc0) != 0x80;
		}
		line += 1 + lines;
		p = stop;
	}
	if (!bs->n || other_breaks(buf, len)) {
		bs->n = 0;
		return 0;
	}
	for (size_t i = 0; i < bs->n; i++) {
		struct yblock *bl = &bs->v[i];
		bl->text = block_text(bl, &bl->text_len);
		if (!bl->text)
			return -ENOMEM;
	}
	/* the copy for libyaml is never longer: a block's first line has more than its indent */
	size_t copy = len + 1;
	for (size_t i = 0; i < bs->n; i++)
		copy -= (size_t)(bs->v[i].end - bs->v[i].start) -
			(bs->v[i].indent + 1 + bs->v[i].n_lines);
	char *o = bs->buf = malloc(copy);
	if (!o)
		return -ENOMEM;
	prefault(o, copy);
	p = buf;
	for (size_t i = 0; i < bs->n; i++) {
		const struct yblock *bl = &bs->v[i];
		memcpy(o, p, (size_t)(bl->start - p));
		o += bl->start - p;
		memset(o, ' ', bl->indent);
		o += bl->indent;
		*o++ = 'x';
		memset(o, '\n', bl->n_lines);
		o += bl->n_lines;
		p = bl->end;
	}
	memcpy(o, p, (size_t)(end - p));
	o += end - p;
	*o = '\0';
	bs->len = (size_t)(o - bs->buf);
	assert(bs->len + 1 == copy);
	return 0;
}

/*
 * The text of a block as libyaml reads a literal scalar, in a buffer of its
 * own (malloc()): a loader may keep it (ydoc_take_text()) instead of a copy.
 */
static char *block_text(const struct yblock *bl, size_t *ret_len)
{
	char *t = malloc((size_t)(bl->end - bl->start) + 1);
	size_t o = 0, breaks = 0;
	bool first = true;

	if (!t)
		return NULL;
	for (const char *p = bl->start, *eol; p < bl->end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(bl->end - p));
		size_t s = line_indent(p, eol);
		if (p + s == eol && s <= bl->indent) {
			breaks++;
			continue;
		}
		if (!first)
			t[o++] = '\n';
		memset(t + o, '\n', breaks);
		o += breaks;
		breaks = 0;
		memcpy(t + o, p + bl->indent, (size_t)(eol - p) - bl->indent);
		o += (size_t)(eol - p) - bl->indent;
		first = false;
	}
	if (bl->chomp != '-')
		t[o++] = '\n';
	if (bl->chomp == '+') {
		memset(t + o, '\n', breaks);
		o += breaks;
	}
	t[o] = '\0';
	*ret_len = o;
	/* without the indentation: shrinking in place, it cannot fail in effect */
	char *shrunk = realloc(t, o + 1);
	return shrunk ? shrunk : t;
}

/* The block read here for a scalar event, or NULL: libyaml's text is the scalar's. */
static struct yblock *block_for(struct builder *b, const yaml_event_t *e)
{
	struct yblocks *bs = b->blocks;

	if (!bs || bs->next >= bs->n || e->data.scalar.style != YAML_LITERAL_SCALAR_STYLE)
		return NULL;
	struct yblock *bl = &bs->v[bs->next];
	if (bl->line != e->start_mark.line || bl->col != e->start_mark.column)
		return NULL;
	bs->next++;
	size_t want = 1 + (bl->chomp != '-') + (bl->chomp == '+' ? bl->n_lines - 1 : 0);
	if (e->data.scalar.length != want || e->data.scalar.value[0] != 'x') {
		bs->mismatch = true;
		return NULL;
	}
	return bl;
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
	struct yblock *bl = block_for(b, e);
	if (bl) {
		struct ynode **o = GROW(b->doc->owning, b->doc->n_owning, b->doc->cap_owning);
		if (!o)
			return -ENOMEM;
		*o = n;
		n->own = 1;
		n->text = TAKE_PTR(bl->text);
		n->len = (unsigned)bl->text_len;
	} else {
		n->text = arena_alloc_raw(b->doc, e->data.scalar.length + 1);
		if (!n->text)
			return -ENOMEM;
		memcpy(n->text, e->data.scalar.value, e->data.scalar.length);
		n->text[e->data.scalar.length] = '\0';
		n->len = (unsigned)e->data.scalar.length;
	}
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
	f->kids = b->n_kids;
	if (anchor && !(f->anchor = take_anchor(anchor)))
		return -ENOMEM;
	return 0;
}

static int on_end(struct builder *b)
{
	struct frame f = b->stack[--b->depth];
	int r = take_kids(b, &f);

	if (r >= 0 && f.node->kind == YNODE_MAPPING)
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
	free(b->kids);
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

/*
 * One parse of in (in_len bytes: the input, or the copy of yblocks_find())
 * into *ret; buf and len are the input, for the places of reader errors.
 */
static int parse_pass(const char *file, const char *in, size_t in_len, const char *buf, size_t len,
		      struct yblocks *blocks, struct diag *d, struct ydoc **ret)
{
	_cleanup_(ydoc_freep) struct ydoc *doc = calloc(1, sizeof(*doc));
	struct builder b = {.file = file, .d = d, .doc = doc, .blocks = blocks};
	yaml_parser_t parser;
	int r;

	if (!doc)
		return -ENOMEM;
	if (blocks && blocks->spare)
		arena_adopt(doc, TAKE_PTR(blocks->spare), blocks->spare_size);
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)in, in_len);
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

/* What any parse refuses first: a file too large, invalid UTF-8; skips a BOM. */
static int input_check(const char *file, const char **buf, size_t *len, struct diag *d)
{
	size_t bad;

	if (*len > YAML_MAX_INPUT)
		return diag_error(d, &(struct src_loc){.file = file}, -EFBIG,
				  "file is larger than %u MiB", YAML_MAX_INPUT >> 20);
	size_t bom = yaml_bom_len(*buf, *len);
	*buf += bom;
	*len -= bom;
	bad = utf8_invalid_at((const unsigned char *)*buf, *len);
	if (bad < *len) {
		struct src_loc l = offset_loc(file, *buf, *len, bad);
		return diag_error(d, &l, -EINVAL, "invalid UTF-8 byte 0x%02x",
				  (unsigned char)(*buf)[bad]);
	}
	return 0;
}

/*
 * libyaml's parse of the copy of yblocks_find(), its blocks read here; 0
 * and *ret, or -EAGAIN: the input must be parsed by libyaml alone (an
 * error, or a block libyaml reads otherwise), and says what is wrong.
 */
static int blocks_pass(const char *file, struct yblocks *blocks, struct ydoc **ret)
{
	struct ydoc *doc = NULL;
	struct diag scratch;
	int r;

	diag_init(&scratch);
	r = parse_pass(file, blocks->buf, blocks->len, blocks->buf, blocks->len, blocks, &scratch,
		       &doc);
	diag_release(&scratch);
	if (r >= 0 && !blocks->mismatch && blocks->next == blocks->n) {
		*ret = doc;
		return 0;
	}
	ydoc_free(doc);
	return -EAGAIN;
}

int ydoc_parse(const char *file, const char *buf, size_t len, struct diag *d, struct ydoc **ret)
{
	struct yblocks blocks = {0};
	int r;

	r = input_check(file, &buf, &len, d);
	if (r < 0)
		return r;
	r = yblocks_find(&blocks, buf, len);
	if (r >= 0 && blocks.n && blocks_pass(file, &blocks, ret) == 0) {
		yblocks_release(&blocks);
		return 0;
	}
	yblocks_release(&blocks);
	/* no block read here, or a surprise: libyaml reads it all, and says what is wrong */
	return parse_pass(file, buf, len, buf, len, NULL, d, ret);
}

int ydoc_parse_file(const char *path, struct diag *d, struct ydoc **ret)
{
	_cleanup_(freep) char *buf = NULL;
	struct yblocks blocks = {0};
	const char *in;
	size_t len;
	int r;

	r = yfile_read(path, d, &buf, &len);
	if (r < 0)
		return r;
	in = buf;
	blocks.spare_size = len + 1; /* yfile_read() allocates at least that */
	r = input_check(path, &in, &len, d);
	if (r < 0)
		return r;
	r = yblocks_find(&blocks, in, len);
	if (r >= 0 && blocks.n) {
		/* the blocks are out, libyaml reads the copy: the input becomes the arena */
		blocks.spare = TAKE_PTR(buf);
		r = blocks_pass(path, &blocks, ret);
		yblocks_release(&blocks);
		if (r == 0)
			return 0;
		/* a surprise: the file is read again, and libyaml reads it all */
		r = yfile_read(path, d, &buf, &len);
		if (r < 0)
			return r;
		in = buf;
		r = input_check(path, &in, &len, d);
		if (r < 0)
			return r;
	} else {
		yblocks_release(&blocks);
	}
	return parse_pass(path, in, len, in, len, NULL, d, ret);
}

void ydoc_free(struct ydoc *doc)
{
	if (!doc)
		return;
	/* before the arena that holds the nodes */
	for (size_t i = 0; i < doc->n_owning; i++)
		if (doc->owning[i]->own)
			free(doc->owning[i]->text);
	free(doc->owning);
	for (struct yarena *a = doc->arena, *next; a; a = next) {
		next = a->next;
		if (a->mapped)
			munmap(a, a->mapped);
		else
			free(a);
	}
	for (size_t i = 0; i < doc->n_aliases; i++)
		free(doc->aliases[i].name);
	free(doc->aliases);
	free(doc);
}

char *ydoc_take_text(struct ydoc *doc, const struct ynode *n)
{
	if (!doc || !n || n->kind != YNODE_SCALAR || !n->own)
		return NULL;
	/* the node is the document's (in its arena); only the mark changes */
	((struct ynode *)n)->own = 0;
	return n->text;
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
	/*
	 * A regular file is read into a buffer of its size (and the byte that
	 * shows it has not grown): growing one would copy a large file
	 * several times and fault in every copy.
	 */
	if (S_ISREG(st.st_mode) && st.st_size > 0 && (uintmax_t)st.st_size <= YAML_MAX_INPUT) {
		cap = (size_t)st.st_size + 2;
		buf = malloc(cap);
		if (!buf) {
			close(fd);
			return -ENOMEM;
		}
		prefault(buf, cap);
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

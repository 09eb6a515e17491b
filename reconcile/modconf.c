/* SPDX-License-Identifier: MIT */
/*
 * modprobe.d syntax, read the way kmod reads it (libkmod-config.c and
 * freadline_wrapped() in shared/util.c):
 *  - a backslash before a newline joins the next line; a backslash before
 *    any other character is dropped and the character kept; a backslash at
 *    the end of the file is dropped;
 *  - a logical line that is empty or starts with '#' (in its first column)
 *    is ignored;
 *  - words are split at spaces and tabs; "options MODULE REST" gives REST
 *    to the module (tabs become spaces), module names compare with '-' and
 *    '_' alike;
 *  - kmod joins the REST of every options line of a module, in order,
 *    with one space (kmod_module_get_options() in libkmod-module.c), and
 *    the kernel splits that at spaces outside double quotes into
 *    param[=value] (next_arg() in kernel/params.c), stripping the quotes
 *    around a value. So a quote left open on one line goes on into the
 *    module's next options line.
 */
#include <ctype.h>
#include <stdint.h>

#include "modconf.h"
#include "util.h"

const char *const modconf_dirs[] = {
    "/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/lib/modprobe.d", NULL,
};

static const struct count_option count_options[] = {
    {"igb", "max_vfs", true, true},
    {"ixgbe", "max_vfs", true, true},
    {"mlx4_core", "num_vfs", false, false},
};

static char norm(char c)
{
	return c == '-' ? '_' : c;
}

bool modname_eqn(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i]; i++)
		if (norm(a[i]) != norm(b[i]))
			return false;
	return i == alen && !b[i];
}

bool modname_eq(const char *a, const char *b)
{
	return modname_eqn(a, strlen(a), b);
}

int modname_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = norm(*a), y = norm(*b);
		if (x != y || !x)
			return x < y ? -1 : x > y;
	}
}

char *modconf_default_path(const char *module)
{
	return strprintf("/etc/modprobe.d/sriovctl-%s.conf", module);
}

const struct count_option *modconf_count_options(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(count_options);
	return count_options;
}

const struct count_option *modconf_count_option(const char *driver)
{
	for (size_t i = 0; driver && i < ARRAY_SIZE(count_options); i++)
		if (modname_eq(count_options[i].driver, driver))
			return &count_options[i];
	return NULL;
}

/* ---- logical lines ---- */

/* A logical line: its characters and, for each, its offset in the content. */
struct lline {
	char *text;
	size_t *raw;
	size_t n, cap;
	size_t start, end; /* raw range, without the final newline */
};

static int lline_push(struct lline *l, char ch, size_t raw)
{
	if (l->n + 1 >= l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 128;
		char *t = realloc(l->text, cap);
		if (!t)
			return -ENOMEM;
		l->text = t;
		size_t *r = realloc(l->raw, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		l->raw = r;
		l->cap = cap;
	}
	l->text[l->n] = ch;
	l->raw[l->n++] = raw;
	l->text[l->n] = '\0';
	return 0;
}

/* Read the logical line at *pos; false at the end of content. */
static int lline_next(const char *content, size_t len, size_t *pos, struct lline *l, bool *ret)
{
	size_t p = *pos;

	l->n = 0;
	if (l->text)
		l->text[0] = '\0';
	l->start = p;
	*ret = false;
	if (p >= len)
		return 0;
	for (;;) {
		if (p >= len) {
			l->end = p;
			break;
		}
		char ch = content[p];
		if (ch == '\n') {
			l->end = p++;
			break;
		}
		if (ch == '\\') {
			if (p + 1 >= len) {
				p++;
				continue;
			}
			if (content[p + 1] == '\n') {
				p += 2;
				continue;
			}
			p++;
			ch = content[p];
		}
		if (lline_push(l, ch, p++) < 0)
			return -ENOMEM;
	}
	*pos = p;
	*ret = true;
	if (!l->text && lline_push(l, 0, 0) == 0)
		l->n = 0; /* an empty text buffer for an empty line */
	return l->text ? 0 : -ENOMEM;
}

static bool is_sep(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * If l is "options MODULE REST", the module name's range in l->text and
 * where REST starts. kmod ignores the line when REST is empty.
 */
static bool options_line(const struct lline *l, size_t *mod, size_t *mod_len, size_t *rest)
{
	const char *t = l->text;
	size_t i = 0, n = l->n;

	if (n == 0 || t[0] == '#')
		return false;
	while (i < n && is_sep(t[i]))
		i++;
	if (n - i < 7 || strncmp(t + i, "options", 7) != 0 || (i + 7 < n && !is_sep(t[i + 7])))
		return false;
	i += 7;
	while (i < n && is_sep(t[i]))
		i++;
	*mod = i;
	while (i < n && !is_sep(t[i]))
		i++;
	*mod_len = i - *mod;
	if (*mod_len == 0 || i >= n)
		return false;
	*rest = i + 1; /* strtok_r(NULL, "\0") starts after the one separator */
	if (*rest >= n)
		return false;
	/* underscores() rejects a ']' outside a [...] range: a syntax error */
	for (size_t k = *mod; k < *mod + *mod_len; k++) {
		if (t[k] == ']')
			return false;
		if (t[k] == '[') {
			while (k < *mod + *mod_len && t[k] != ']')
				k++;
			if (k == *mod + *mod_len)
				return false;
		}
	}
	return true;
}

/* The kernel's next_arg(): one param[=value] token of l->text from *i. */
struct token {
	size_t start, end;   /* in text */
	size_t eq;	     /* index of '=' or SIZE_MAX */
	size_t key_end;	     /* end of the key in text, without a closing quote */
	size_t val, val_end; /* the value in text, without its quotes */
	bool open;	     /* it ends inside a quote (at the end of the text) */
	char *key, *value;   /* owned */
};

/* Where the kernel's value of tk lies: after '=', without the quotes it strips. */
static void token_value(const char *t, bool quoted, struct token *tk)
{
	size_t vs = tk->eq + 1, ve = tk->end;

	if (vs < ve && t[vs] == '"') {
		vs++;
		if (ve > vs && t[ve - 1] == '"')
			ve--;
	} else if (quoted && ve > vs && t[ve - 1] == '"') {
		ve--;
	}
	tk->val = vs;
	tk->val_end = ve < vs ? vs : ve;
}

static int next_token(const struct lline *l, size_t *i, struct token *tk, bool *ret)
{
	const char *t = l->text;
	size_t n = l->n, k = *i;
	bool in_quote = false, quoted = false;

	*ret = false;
	while (k < n && isspace((unsigned char)t[k]))
		k++;
	if (k >= n)
		return 0;
	tk->start = k;
	tk->eq = SIZE_MAX;
	if (t[k] == '"') {
		k++;
		in_quote = quoted = true;
	}
	size_t kstart = k;
	for (; k < n; k++) {
		if (isspace((unsigned char)t[k]) && !in_quote)
			break;
		/* the kernel's "equals" is 0 until a '=' after the first character */
		if (tk->eq == SIZE_MAX && t[k] == '=' && k > kstart)
			tk->eq = k;
		if (t[k] == '"')
			in_quote = !in_quote;
	}
	tk->end = k;
	tk->open = in_quote;
	*i = k;
	size_t kend = tk->eq != SIZE_MAX ? tk->eq : k;
	if (tk->eq == SIZE_MAX && quoted && kend > kstart && t[kend - 1] == '"')
		kend--;
	tk->key_end = kend;
	tk->key = strndup(t + kstart, kend - kstart);
	if (tk->eq == SIZE_MAX) {
		tk->val = tk->val_end = kend;
		tk->value = strdup("");
	} else {
		token_value(t, quoted, tk);
		tk->value = strndup(t + tk->val, tk->val_end - tk->val);
	}
	if (!tk->key || !tk->value) {
		free(tk->key);
		free(tk->value);
		return -ENOMEM;
	}
	*ret = true;
	return 0;
}

typedef int (*line_fn)(void *data, const struct lline *l, const char *module, size_t rest);

static int for_each_options_line(const char *content, line_fn fn, void *data)
{
	struct lline l = {0};
	size_t pos = 0, len = content ? strlen(content) : 0;
	bool more;
	int r = 0;

	while ((r = lline_next(content, len, &pos, &l, &more)) >= 0 && more) {
		size_t mod, mod_len, rest;
		if (!options_line(&l, &mod, &mod_len, &rest))
			continue;
		char *name = strndup(l.text + mod, mod_len);
		if (!name) {
			r = -ENOMEM;
			break;
		}
		r = fn(data, &l, name, rest);
		free(name);
		if (r < 0)
			break;
	}
	free(l.text);
	free(l.raw);
	return r < 0 ? r : 0;
}

/* ---- one module's options lines ---- */

/*
 * The module's options as the kernel gets them: the REST of each of its
 * lines joined with a space (raw offset: the start of the next line),
 * and where each line's part starts in the joined text.
 */
struct parse_ctx {
	const char *module;
	struct modconf *m;
	size_t cap;
	struct lline joined;
	size_t *first; /* per line */
};

static int parse_line(void *data, const struct lline *l, const char *module, size_t rest)
{
	struct parse_ctx *pc = data;

	if (!modname_eq(module, pc->module))
		return 0;
	size_t n = pc->m->n_lines;
	struct modconf_line *ml = GROW(pc->m->lines, pc->m->n_lines, pc->cap);
	size_t *first = ml ? reallocarray(pc->first, pc->cap, sizeof(*first)) : NULL;
	if (!first)
		return -ENOMEM;
	pc->first = first;
	ml->start = l->start;
	ml->end = l->end;
	ml->opts_end = l->raw[rest - 1] + 1;
	if (pc->joined.n > 0 && lline_push(&pc->joined, ' ', l->start) < 0)
		return -ENOMEM;
	first[n] = pc->joined.n;
	for (size_t k = rest; k < l->n; k++)
		if (lline_push(&pc->joined, l->text[k], l->raw[k]) < 0)
			return -ENOMEM;
	return 0;
}

/* The line of the joined text's index i. */
static size_t line_of(const struct parse_ctx *pc, size_t i)
{
	size_t k = 0;

	while (k + 1 < pc->m->n_lines && pc->first[k + 1] <= i)
		k++;
	return k;
}

/* Raw offset just after joined index i - 1 (i > 0): where a range ending at i ends. */
static size_t raw_end(const struct lline *j, size_t i)
{
	return j->raw[i - 1] + 1;
}

/* Split the joined text into parameters, each on the line where it starts. */
static int parse_tokens(struct parse_ctx *pc)
{
	const struct lline *j = &pc->joined;
	_cleanup_(freep) size_t *caps = calloc(pc->m->n_lines + 1, sizeof(*caps));
	bool more;

	if (!caps)
		return -ENOMEM;
	for (size_t i = 0;;) {
		struct token tk;
		int r = next_token(j, &i, &tk, &more);
		if (r < 0 || !more)
			return r;
		size_t ln = line_of(pc, tk.start), last = line_of(pc, tk.end - 1);
		struct modconf_line *ml = &pc->m->lines[ln];
		struct modconf_param *p = GROW(ml->params, ml->n_params, caps[ln]);
		if (!p) {
			free(tk.key);
			free(tk.value);
			return -ENOMEM;
		}
		*p = (struct modconf_param){
		    .key = tk.key,
		    .value = tk.value,
		    .start = j->raw[tk.start],
		    .end = j->raw[tk.end - 1] + 1,
		    .key_end = raw_end(j, tk.key_end),
		    .has_value = tk.eq != SIZE_MAX,
		    .val = tk.val_end > tk.val ? j->raw[tk.val] : raw_end(j, tk.val),
		    .val_end = raw_end(j, tk.val_end),
		    .spans = last != ln,
		};
		pc->m->lines[last].opts_end = p->end;
		pc->m->quote_open = tk.open;
	}
}

int modconf_parse(const char *content, const char *module, struct modconf *ret)
{
	struct parse_ctx pc = {.module = module, .m = ret};

	*ret = (struct modconf){0};
	int r = for_each_options_line(content, parse_line, &pc);
	if (r >= 0 && pc.joined.n > 0)
		r = parse_tokens(&pc);
	free(pc.joined.text);
	free(pc.joined.raw);
	free(pc.first);
	if (r < 0)
		modconf_release(ret);
	return r;
}

void modconf_release(struct modconf *m)
{
	for (size_t i = 0; i < m->n_lines; i++) {
		for (size_t j = 0; j < m->lines[i].n_params; j++) {
			free(m->lines[i].params[j].key);
			free(m->lines[i].params[j].value);
		}
		free(m->lines[i].params);
	}
	free(m->lines);
	*m = (struct modconf){0};
}

const struct modconf_param *modconf_find(const struct modconf *m, const char *key)
{
	const struct modconf_param *found = NULL;

	for (size_t i = 0; i < m->n_lines; i++)
		for (size_t j = 0; j < m->lines[i].n_params; j++)
			if (modname_eq(m->lines[i].params[j].key, key))
				found = &m->lines[i].params[j];
	return found;
}

/* ---- every module ---- */

struct foreach_ctx {
	modconf_fn fn;
	void *data;
};

static int foreach_line(void *data, const struct lline *l, const char *module, size_t rest)
{
	struct foreach_ctx *fc = data;
	bool more;

	for (size_t i = rest;;) {
		struct token tk;
		int r = next_token(l, &i, &tk, &more);
		if (r < 0 || !more)
			return r;
		r = fc->fn(fc->data, module, tk.key, tk.value);
		free(tk.key);
		free(tk.value);
		if (r < 0)
			return r;
	}
}

int modconf_foreach(const char *content, modconf_fn fn, void *data)
{
	struct foreach_ctx fc = {fn, data};
	return for_each_options_line(content, foreach_line, &fc);
}

/* ---- the kernel command line ---- */

/*
 * kmod_config_parse_kcmdline(): words split at whitespace outside quotes;
 * a word "module.param[=value]" whose module has no '=' and no '"' (except
 * one opening the word) and whose param has no further '.' before '=' is an
 * option of module. Quotes inside the value are kept as kmod keeps them.
 */
/*
 * Cut the next word of a kernel command line out of *p: words are
 * separated by white space outside double quotes (the kernel's rule). The
 * word is NUL-terminated in place; NULL at the end.
 */
static char *next_word(char **p)
{
	char *s = *p, *w;
	bool quoted = false;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (!*s)
		return NULL;
	w = s;
	for (; *s && (quoted || !isspace((unsigned char)*s)); s++)
		if (*s == '"')
			quoted = !quoted;
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

/* Drop a double quote at both ends of s, or at its start only when it has no closing one. */
static char *unquote(char *s)
{
	size_t n;

	if (*s != '"')
		return s;
	s++;
	n = strlen(s);
	if (n && s[n - 1] == '"')
		s[n - 1] = '\0';
	return s;
}

int modconf_cmdline_foreach(const char *cmdline, modconf_fn fn, void *data)
{
	_cleanup_(freep) char *buf = strdup(cmdline ? cmdline : "");
	char *p = buf, *w;

	if (!buf)
		return -ENOMEM;
	while ((w = next_word(&p))) {
		/* "mod.param=value", the whole word or the value in quotes */
		bool whole = *w == '"';
		char *key = whole ? unquote(w) : w;
		char *eq = strchr(key, '=');
		char *value = eq ? eq + 1 : key + strlen(key);
		if (eq)
			*eq = '\0';
		if (!whole)
			value = unquote(value);
		char *dot = strchr(key, '.');
		if (!dot || dot == key || !dot[1] || strpbrk(dot + 1, ".\"") ||
		    strpbrk(key, "[]\""))
			continue; /* not a module's parameter: the kernel's own, or malformed */
		*dot = '\0';
		int r = fn(data, key, dot + 1, value);
		if (r < 0)
			return r;
	}
	return 0;
}

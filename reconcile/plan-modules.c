/* SPDX-License-Identifier: MIT */
/*
 * Kernel modules: the VF count as a module option (method: module), the
 * modprobe.d file that persists it, and the reload that applies it now
 * when sysfs cannot.
 */
#include "modconf.h"
#include "plan-internal.h"

/* ---- modprobe.d content ---- */

/* "k=v k2=v2" (a parameter without a value as "k"); owned, NULL on OOM. */
static char *params_text(const struct module_param *v, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s%s%s", i ? " " : "", v[i].key, *v[i].value ? "=" : "", v[i].value);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The module's options of a file merged as modprobe passes them: first-seen order, last value. */
static int merged_options(const struct modconf *m, struct module_param **ret, size_t *ret_n)
{
	struct module_param *v = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < m->n_lines; i++)
		for (size_t j = 0; j < m->lines[i].n_params; j++) {
			const struct modconf_param *p = &m->lines[i].params[j];
			size_t k = 0;
			while (k < n && !modname_eq(v[k].key, p->key))
				k++;
			if (k == n && !GROW(v, n, cap)) {
				free(v);
				return -ENOMEM;
			}
			v[k].key = p->key; /* borrowed from m */
			v[k].value = p->value;
		}
	*ret = v;
	*ret_n = n;
	return 0;
}

int plan_modprobe_conf_options(const char *content, const char *module, char **ret)
{
	struct modconf m;
	struct module_param *v = NULL;
	size_t n = 0;
	int r;

	*ret = NULL;
	r = modconf_parse(content, module, &m);
	if (r < 0)
		return r;
	r = merged_options(&m, &v, &n);
	if (r >= 0 && n > 0 && !(*ret = params_text(v, n)))
		r = -ENOMEM;
	free(v);
	modconf_release(&m);
	return r;
}

static bool want_has(const struct module_param *want, size_t n_want, const char *key)
{
	for (size_t i = 0; i < n_want; i++)
		if (modname_eq(want[i].key, key))
			return true;
	return false;
}

int plan_modprobe_conf_matches(const char *content, const char *module,
			       const struct module_param *want, size_t n_want, bool owned)
{
	struct modconf m;
	int r = modconf_parse(content, module, &m);
	bool eq = true;

	if (r < 0)
		return r;
	for (size_t i = 0; eq && i < n_want; i++) {
		const struct modconf_param *p = modconf_find(&m, want[i].key);
		eq = p && streq(p->value, want[i].value);
	}
	for (size_t i = 0; owned && eq && i < m.n_lines; i++)
		for (size_t j = 0; eq && j < m.lines[i].n_params; j++)
			eq = want_has(want, n_want, m.lines[i].params[j].key);
	modconf_release(&m);
	return eq;
}

/* A change of the content: [start, end) replaced by text. */
struct edit {
	size_t start, end;
	size_t seq;
	char *text; /* owned */
};

static int edit_cmp(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct edits {
	struct edit *v;
	size_t n, cap;
};

static int edit_add(struct edits *e, size_t start, size_t end, char *text)
{
	struct edit *x = text ? GROW(e->v, e->n, e->cap) : NULL;
	if (!x) {
		free(text);
		return -ENOMEM;
	}
	*x = (struct edit){start, end, e->n - 1, text};
	return 0;
}

/*
 * A file sriovctl owns: the module's options lines become one line where
 * the first was, with exactly the wanted options.
 */
static int edits_owned(const struct modconf *m, const char *content, const char *module,
		       const char *opts, struct edits *e)
{
	size_t len = content ? strlen(content) : 0;

	for (size_t i = 0; i < m->n_lines; i++) {
		const struct modconf_line *l = &m->lines[i];
		size_t end = l->end < len ? l->end + 1 : l->end; /* with its newline */
		/* kmod ignores an options line without options: none is written */
		char *text =
		    i == 0 && *opts ? strprintf("options %s %s\n", module, opts) : strdup("");
		if (edit_add(e, l->start, end, text) < 0)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Anybody's file: only the wanted options' values change, where they are
 * (the last of a key, which wins); a missing one is added to the module's
 * last options line; everything else stays byte for byte.
 */
static int edits_minimal(const struct modconf *m, const char *module,
			 const struct module_param *want, size_t n_want, struct edits *e,
			 char **append)
{
	_cleanup_(freep) struct module_param *missing = calloc(n_want + 1, sizeof(*missing));
	size_t n_missing = 0;

	if (!missing)
		return -ENOMEM;
	for (size_t i = 0; i < n_want; i++) {
		const struct modconf_param *p = modconf_find(m, want[i].key);
		if (!p) {
			missing[n_missing++] = want[i];
			continue;
		}
		if (streq(p->value, want[i].value))
			continue;
		/* a value a quote carries into another line: no edit keeps both lines */
		if (p->spans)
			return -EBADMSG;
		/* "key" gets "=value"; a value is replaced inside the quotes it has */
		char *text = p->has_value ? strdup(want[i].value) : strprintf("=%s", want[i].value);
		if (edit_add(e, p->val, p->val_end, text) < 0)
			return -ENOMEM;
	}
	if (n_missing == 0)
		return 0;
	/* after a quote left open, anything added, on any later line, is in that value */
	if (m->quote_open)
		return -EBADMSG;
	_cleanup_(freep) char *opts = params_text(missing, n_missing);
	if (!opts)
		return -ENOMEM;
	if (m->n_lines == 0) {
		*append = strprintf("options %s %s\n", module, opts);
		return *append ? 0 : -ENOMEM;
	}
	size_t at = m->lines[m->n_lines - 1].opts_end;
	return edit_add(e, at, at, strprintf(" %s", opts));
}

static int apply_edits(const char *content, struct edits *e, const char *header, const char *append,
		       char **ret)
{
	size_t len = content ? strlen(content) : 0, pos = 0;
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);

	if (!f)
		return -ENOMEM;
	if (header)
		fprintf(f, "%s\n", header);
	if (e->n)
		qsort(e->v, e->n, sizeof(*e->v), edit_cmp);
	for (size_t i = 0; i < e->n; i++) {
		if (e->v[i].start > pos)
			fwrite(content + pos, 1, e->v[i].start - pos, f);
		fputs(e->v[i].text, f);
		if (e->v[i].end > pos)
			pos = e->v[i].end;
	}
	if (pos < len)
		fwrite(content + pos, 1, len - pos, f);
	if (append && fflush(f) == 0) {
		if (blen > 0 && buf[blen - 1] != '\n')
			fputc('\n', f);
		/* a last line ending in a backslash continues: an empty line ends it */
		if (blen > 0 && buf[blen - 1] == '\\')
			fputc('\n', f);
		else if (blen > 1 && buf[blen - 1] == '\n' && buf[blen - 2] == '\\')
			fputc('\n', f);
		fputs(append, f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

int plan_modprobe_conf_update(const char *content, const char *module,
			      const struct module_param *want, size_t n_want, bool owned,
			      char **ret)
{
	_cleanup_(freep) char *opts = params_text(want, n_want);
	_cleanup_(freep) char *header = strprintf(
	    "# Managed by sriovctl (module %s): edit the desired-state file, not this file.",
	    module);
	_cleanup_(freep) char *append = NULL;
	struct edits e = {0};
	struct modconf m;
	int r;

	if (!opts || !header)
		return -ENOMEM;
	r = modconf_parse(content, module, &m);
	if (r < 0)
		return r;
	size_t hl = strlen(header);
	bool has_header =
	    content && strncmp(content, header, hl) == 0 && (content[hl] == '\n' || !content[hl]);
	if (owned)
		r = edits_owned(&m, content, module, opts, &e);
	else
		r = edits_minimal(&m, module, want, n_want, &e, &append);
	if (r >= 0 && owned && m.n_lines == 0 && *opts &&
	    !(append = strprintf("options %s %s\n", module, opts)))
		r = -ENOMEM;
	if (r >= 0)
		r = apply_edits(content, &e, (!content || owned) && !has_header ? header : NULL,
				append, ret);
	/* never write what the kernel would read otherwise (quotes around the edits) */
	if (r >= 0 && plan_modprobe_conf_matches(*ret, module, want, n_want, owned) != 1) {
		free(*ret);
		*ret = NULL;
		r = -EBADMSG;
	}
	for (size_t i = 0; i < e.n; i++)
		free(e.v[i].text);
	free(e.v);
	modconf_release(&m);
	return r;
}

/* ---- the planning pass ---- */

/* Parse "7" or "7,0,7" into v (up to max entries); returns the count or -EINVAL. */
static int parse_count_list(const char *s, unsigned *v, size_t max)
{
	size_t n = 0;

	for (const char *p = s;; p++) {
		char *end;
		if (*p < '0' || *p > '9' || n == max)
			return -EINVAL;
		errno = 0;
		unsigned long x = strtoul(p, &end, 10);
		if (errno || x > 65535)
			return -EINVAL;
		v[n++] = x;
		p = end;
		if (!*p)
			return (int)n;
		if (*p != ',')
			return -EINVAL;
	}
}

static const struct module_spec *find_module_spec(const struct spec *s, const char *name)
{
	for (size_t i = 0; i < s->n_modules; i++)
		if (modname_eq(s->modules[i].name, name))
			return &s->modules[i];
	return NULL;
}

static const struct module_option *find_option(const struct module_spec *ms, const char *key)
{
	for (size_t i = 0; ms && i < ms->n_options; i++)
		if (modname_eq(ms->options[i].key, key))
			return &ms->options[i];
	return NULL;
}

/* The desired VF-count option of one driver's PFs with method module. */
struct count_plan {
	const struct count_option *co;
	const struct module_option *declared; /* NULL: derived */
	char *value;			      /* owned */
	const struct src_loc *loc;	      /* first PF, for diagnostics */
	bool need_count;		      /* some PF's count differs now */
};

static bool uses_module(const struct pf_res *r, const char *driver)
{
	return r->host && r->spec->method == PF_METHOD_MODULE && r->host->driver &&
	       modname_eq(r->host->driver, driver);
}

static bool of_driver(const struct pci_dev_state *pf, const char *driver)
{
	return pf->is_pf && pf->driver && modname_eq(pf->driver, driver);
}

static struct pf_res *res_of_pf(struct plan_ctx *c, const struct pci_dev_state *pf)
{
	for (size_t i = 0; i < c->s->n_pfs; i++)
		if (c->pfs[i].host == pf)
			return &c->pfs[i];
	return NULL;
}

/* Host PFs of driver in address order: the order of a module option's list. */
static int port_index(const struct host *h, const char *driver, const struct pci_dev_state *pf)
{
	int idx = 0;
	for (size_t i = 0; i < h->n_pci; i++) {
		if (!of_driver(&h->pci[i], driver))
			continue;
		if (&h->pci[i] == pf)
			return idx;
		idx++;
	}
	return -1;
}

/* The modprobe.d file of a module: the spec's file, else sriovctl's own. Owned. */
static char *module_path(const char *name, const struct module_spec *ms)
{
	return ms && ms->file ? strdup(ms->file) : modconf_default_path(name);
}

/*
 * The count option when the spec does not give it, for a driver that
 * takes a list: one value per port of the driver in address order. A port
 * the spec does not manage keeps what the existing file gives it, else its
 * current count, so that the file changes nothing for it. One number when
 * all agree. Owned.
 */
static char *derive_list(struct plan_ctx *c, const char *driver, const struct count_option *co)
{
	_cleanup_(freep) char *path = module_path(driver, find_module_spec(c->s, driver));
	const struct file_state *fs = path ? host_find_file(c->h, path) : NULL;
	struct modconf m;
	unsigned old[256];
	int n_old = 0;
	char *buf = NULL;
	size_t len = 0;
	bool all_same = true;
	unsigned first = 0;
	int n = 0;

	if (!path || modconf_parse(fs ? fs->content : NULL, driver, &m) < 0)
		return NULL;
	const struct modconf_param *op = modconf_find(&m, co->option);
	if (op)
		n_old = parse_count_list(op->value, old, ARRAY_SIZE(old));
	modconf_release(&m);

	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < c->h->n_pci; i++) {
		const struct pci_dev_state *pf = &c->h->pci[i];
		if (!of_driver(pf, driver))
			continue;
		unsigned v = n_old == 1	 ? old[0]
			     : n < n_old ? old[n]
			     : n_old > 1 ? 0
					 : pf->sriov.num_vfs;
		const struct pf_res *r = res_of_pf(c, pf);
		if (r && uses_module(r, driver))
			v = r->want;
		if (n == 0)
			first = v;
		all_same = all_same && v == first;
		fprintf(f, "%s%u", n++ ? "," : "", v);
	}
	if (fclose(f) != 0)
		return NULL;
	if (!all_same)
		return buf;
	free(buf);
	return strprintf("%u", first);
}

/*
 * A driver that takes one number for all its ports: the PFs managed with
 * method module must agree on it.
 */
static int one_value(struct plan_ctx *c, const char *driver, struct count_plan *cp)
{
	const struct pf_res *first = NULL;

	for (size_t i = 0; i < c->s->n_pfs; i++) {
		const struct pf_res *r = &c->pfs[i];
		if (!uses_module(r, driver))
			continue;
		if (!first) {
			first = r;
		} else if (r->want != first->want) {
			ctx_error(c, &r->spec->loc, -EINVAL,
				  "%s takes one %s for all its ports: '%s' wants %u VFs and '%s' "
				  "wants %u (use method: sysfs for different counts)",
				  driver, cp->co->option, first->host->address, first->want,
				  r->host->address, r->want);
			return -EINVAL;
		}
	}
	cp->value = strprintf("%u", first ? first->want : 0);
	return cp->value ? 0 : -ENOMEM;
}

/*
 * One number for all ports also reaches the ports the spec does not manage
 * with method module, at the next load of the driver: say which would
 * change.
 */
static void warn_other_ports(struct plan_ctx *c, const char *driver, const struct count_plan *cp,
			     const struct src_loc *loc)
{
	char *end;
	unsigned long v = strtoul(cp->value, &end, 10);

	for (size_t i = 0; !*end && i < c->h->n_pci; i++) {
		const struct pci_dev_state *pf = &c->h->pci[i];
		if (!of_driver(pf, driver))
			continue;
		const struct pf_res *r = res_of_pf(c, pf);
		if (r && uses_module(r, driver))
			continue;
		unsigned expect = r ? r->want : pf->sriov.num_vfs;
		if (expect == v)
			continue;
		diag_warning(c->d, loc,
			     "%s takes one %s for all its ports: at the next load of %s, '%s' "
			     "(not managed with method: module) gets %lu VFs, not %u",
			     driver, cp->co->option, driver, pf->address, v, expect);
	}
}

static int count_plan_make(struct plan_ctx *c, const char *driver, struct count_plan *cp)
{
	const struct module_spec *ms = find_module_spec(c->s, driver);
	unsigned vals[256];
	int n_vals = 0;

	cp->co = modconf_count_option(driver);
	if (!cp->co)
		return 0; /* refused in plan_modules */
	cp->declared = find_option(ms, cp->co->option);
	if (cp->declared) {
		n_vals = parse_count_list(cp->declared->value, vals,
					  cp->co->one_value ? 1 : ARRAY_SIZE(vals));
		if (n_vals < 0 && cp->co->one_value)
			return ctx_error(c, &cp->declared->loc, -EINVAL,
					 "%s takes one %s for all its ports: '%s' is not a number",
					 driver, cp->co->option, cp->declared->value);
		if (n_vals < 0)
			return ctx_error(c, &cp->declared->loc, -EINVAL,
					 "module option %s %s='%s' is not a number or a "
					 "comma-separated list of numbers",
					 driver, cp->co->option, cp->declared->value);
	}
	for (size_t i = 0; i < c->s->n_pfs; i++) {
		struct pf_res *r = &c->pfs[i];
		if (!uses_module(r, driver))
			continue;
		if (!cp->loc)
			cp->loc = &r->spec->loc;
		if (!cp->declared)
			continue;
		int idx = port_index(c->h, driver, r->host);
		unsigned v = n_vals == 1 ? vals[0] : idx >= 0 && idx < n_vals ? vals[idx] : 0;
		if (r->spec->num_vfs == SPEC_UNSET)
			r->want = v; /* the option gives the count */
		else if (r->want != v)
			ctx_error(c, &cp->declared->loc, -EINVAL,
				  "module option %s %s=%s disagrees with num-vfs %u of '%s'",
				  driver, cp->co->option, cp->declared->value, r->want,
				  r->host->address);
	}
	if (cp->declared)
		cp->value = strdup(cp->declared->value);
	else if (cp->co->one_value && one_value(c, driver, cp) == -EINVAL)
		return -EINVAL;
	else if (!cp->co->one_value)
		cp->value = derive_list(c, driver, cp->co);
	if (!cp->value)
		return ctx_oom(c), -ENOMEM;
	if (cp->co->one_value && !c->err)
		warn_other_ports(c, driver, cp, ms ? &ms->loc : cp->loc);
	for (size_t i = 0; i < c->s->n_pfs; i++)
		if (uses_module(&c->pfs[i], driver) && c->pfs[i].want != c->pfs[i].cur)
			cp->need_count = true;
	return 0;
}

/*
 * The options a reload loads the module with: the file's options, the count
 * option as planned. Owned; "" when none.
 */
static char *load_options(const struct module_spec *ms, const struct count_plan *cp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool count_given = false;

	if (!f)
		return NULL;
	for (size_t i = 0; ms && i < ms->n_options; i++) {
		fprintf(f, "%s%s=%s", ftell(f) ? " " : "", ms->options[i].key,
			ms->options[i].value);
		count_given = count_given || streq(ms->options[i].key, cp->co->option);
	}
	if (!count_given)
		fprintf(f, "%s%s=%s", ftell(f) ? " " : "", cp->co->option, cp->value);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The PFs of driver, which the applier waits for after the load. */
static int reload_pfs(struct plan_ctx *c, const char *driver, struct action *a)
{
	for (size_t i = 0; i < c->h->n_pci; i++) {
		const struct pci_dev_state *pf = &c->h->pci[i];
		if (!pf->is_pf || !pf->driver || !modname_eq(pf->driver, driver))
			continue;
		char **slot = GROW(a->module.pfs, a->module.n_pfs, a->module.cap_pfs);
		if (!slot || !(*slot = strdup(pf->address))) {
			if (slot)
				a->module.n_pfs--;
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Whether reload: true needs a reload now. When the loaded value cannot be
 * read back (igb has no /sys/module/igb/parameters), decide from what is
 * known: the file changes, or a PF's count is not what the option gives.
 */
static void plan_reload(struct plan_ctx *c, const char *driver, const struct count_plan *cp,
			bool conf_changes)
{
	const struct module_spec *ms = find_module_spec(c->s, driver);
	const struct module_state *mst = host_find_module(c->h, driver);
	bool loaded = mst && mst->loaded;
	const char *live = module_state_param(mst, cp->co->option);

	bool by_file =
	    ms && ms->reload &&
	    (!loaded || (live ? !streq(live, cp->value) : conf_changes || cp->need_count));
	bool by_driver = !cp->co->sysfs && cp->need_count;
	if (!by_file && !by_driver)
		return;

	struct pending *p = ctx_add(c, ACTION_RELOAD_MODULE, driver);
	if (!p)
		return;
	p->loc = ms ? &ms->loc : cp->loc;
	p->a.module.module = strdup(driver);
	p->a.module.loaded = loaded;
	p->a.module.from = loaded ? strprintf("%s=%s", cp->co->option, live ? live : "?") : NULL;
	p->a.module.to = strprintf("%s=%s", cp->co->option, cp->value);
	p->a.module.load_options = load_options(ms, cp);
	p->a.disruptive = loaded;
	p->a.show_reason = true;
	if (by_driver)
		p->a.reason = strprintf(
		    "%s cannot change the VF count through sysfs; %s applies at module load",
		    driver, cp->co->option);
	else if (loaded && live)
		p->a.reason = strprintf("reload: true, and the loaded %s has %s=%s", driver,
					cp->co->option, live);
	else if (loaded)
		p->a.reason = strprintf("reload: true, the loaded %s's %s cannot be read back, "
					"and %s",
					driver, cp->co->option,
					conf_changes ? "its modprobe.d file changes"
						     : "a VF count differs from it");
	else
		p->a.reason = strprintf("reload: true, and %s is not loaded", driver);
	if (!p->a.module.module || !p->a.module.to || !p->a.reason || !p->a.module.load_options ||
	    (loaded && !p->a.module.from) || reload_pfs(c, driver, &p->a) < 0)
		ctx_oom(c);

	for (size_t i = 0; i < c->s->n_pfs; i++) {
		struct pf_res *r = &c->pfs[i];
		if (!r->host || !r->host->driver || !modname_eq(r->host->driver, driver))
			continue;
		if (uses_module(r, driver))
			r->by_reload = true;
		if (r->cur > 0 && loaded)
			r->recreate = true; /* unloading the driver destroys its VFs */
	}
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/*
 * Another modprobe.d file, or the kernel command line, that sets an option
 * the spec's file sets: modprobe passes every one, in kmod's order, and
 * the module keeps the last. Warn when the other one wins, or disagrees.
 */
static void conf_conflicts(struct plan_ctx *c, const char *name, const struct src_loc *loc,
			   const char *path, const struct module_param *want, size_t n_want)
{
	const struct module_state *mst = host_find_module(c->h, name);

	for (size_t i = 0; mst && i < mst->n_conf; i++) {
		const struct module_conf *o = &mst->conf[i];
		const struct module_param *w = NULL;
		for (size_t j = 0; j < n_want && !w; j++)
			if (modname_eq(want[j].key, o->key))
				w = &want[j];
		if (!w || streq(o->source, path))
			continue;
		bool cmdline = streq(o->source, MODCONF_CMDLINE);
		int order = cmdline ? 1 : strcmp(base_name(o->source), base_name(path));
		if (order == 0)
			continue; /* same name: the spec's file in /etc/modprobe.d masks it */
		_cleanup_(freep) char *src =
		    cmdline ? strdup("the kernel command line") : strprintf("'%s'", o->source);
		if (!src) {
			ctx_oom(c);
			return;
		}
		if (order > 0)
			diag_warning(c->d, loc,
				     "%s also sets %s=%s for module %s and wins over %s=%s of '%s' "
				     "at the next load (it comes later in modprobe's order)",
				     src, o->key, o->value, name, w->key, w->value, path);
		else if (!streq(o->value, w->value))
			diag_warning(c->d, loc,
				     "%s also sets %s=%s for module %s; '%s' is read later and its "
				     "%s=%s wins",
				     src, o->key, o->value, name, path, w->key, w->value);
	}
}

/* Plan the module's modprobe.d file; true when it is written. */
static bool plan_conf(struct plan_ctx *c, const char *name, const struct module_spec *ms,
		      const struct count_plan *cp)
{
	struct module_param want[64];
	size_t n = 0;

	for (size_t i = 0; ms && i < ms->n_options && n < ARRAY_SIZE(want) - 1; i++)
		want[n++] = (struct module_param){ms->options[i].key, ms->options[i].value};
	if (cp && cp->co && !cp->declared && cp->value)
		want[n++] = (struct module_param){(char *)cp->co->option, cp->value};
	if (n == 0)
		return false;

	_cleanup_(freep) char *path = module_path(name, ms);
	bool owned = !(ms && ms->file_given);
	if (!path) {
		ctx_oom(c);
		return false;
	}
	const struct src_loc *loc = ms ? &ms->loc : cp ? cp->loc : NULL;
	conf_conflicts(c, name, loc, path, want, n);
	const struct file_state *fs = host_find_file(c->h, path);
	const char *content = fs ? fs->content : NULL;
	int r = plan_modprobe_conf_matches(content, name, want, n, owned);
	if (r < 0) {
		ctx_oom(c);
		return false;
	}
	if (r > 0)
		return false;

	struct pending *p = ctx_add(c, ACTION_WRITE_MODPROBE_CONF, path);
	if (!p)
		return false;
	p->loc = loc;
	p->a.module.module = strdup(name);
	p->a.module.old_content = strdup_or_null(content);
	if (content && plan_modprobe_conf_options(content, name, &p->a.module.from) >= 0 &&
	    !p->a.module.from)
		p->a.module.from = strdup("(none)");
	if (cp && cp->co)
		p->a.reason = strprintf("persist %s=%s for the next load of %s", cp->co->option,
					cp->value, name);
	else
		p->a.reason = strprintf("persist the options of module %s", name);
	r = plan_modprobe_conf_update(content, name, want, n, owned, &p->a.module.content);
	if (r == -EBADMSG) {
		ctx_error(c, loc, r,
			  "cannot set the options of module %s in '%s': a double quote left open "
			  "there would swallow them (kmod joins its options lines); balance the "
			  "quotes in that file",
			  name, path);
		return true;
	}
	if (r >= 0)
		r = plan_modprobe_conf_options(p->a.module.content, name, &p->a.module.to);
	if (r < 0 || !p->a.module.module || !p->a.module.to || !p->a.reason ||
	    (content && (!p->a.module.from || !p->a.module.old_content)))
		ctx_oom(c);
	return true;
}

static int modname_ptr_cmp(const void *a, const void *b)
{
	return modname_cmp(*(const char *const *)a, *(const char *const *)b);
}

int plan_modules(struct plan_ctx *c)
{
	const struct spec *s = c->s;
	_cleanup_(freep) const char **names = calloc(s->n_modules + s->n_pfs + 1, sizeof(char *));
	size_t n = 0;

	if (!names)
		return ctx_oom(c), -ENOMEM;
	for (size_t i = 0; i < s->n_modules; i++)
		names[n++] = s->modules[i].name;
	for (size_t i = 0; i < s->n_pfs; i++) {
		const struct pf_res *r = &c->pfs[i];
		if (!r->host || r->spec->method != PF_METHOD_MODULE)
			continue;
		if (!r->host->driver)
			continue; /* no driver, no module: a count change is refused later */
		if (!modconf_count_option(r->host->driver)) {
			ctx_error(c, &r->spec->loc, -EOPNOTSUPP,
				  "driver '%s' has no known module option for the VF count; use "
				  "method: sysfs",
				  r->host->driver);
			continue;
		}
		names[n++] = r->host->driver;
	}
	if (n)
		qsort(names, n, sizeof(*names), modname_ptr_cmp);

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && modname_eq(names[i], names[i - 1]))
			continue;
		const struct module_spec *ms = find_module_spec(s, names[i]);
		const char *name = ms ? ms->name : names[i];
		struct count_plan cp = {0};
		bool has_pfs = false;
		for (size_t j = 0; j < s->n_pfs; j++)
			has_pfs = has_pfs || uses_module(&c->pfs[j], name);
		bool counted = has_pfs && count_plan_make(c, name, &cp) >= 0 && cp.co;
		bool conf_changes = plan_conf(c, name, ms, has_pfs ? &cp : NULL);
		if (counted)
			plan_reload(c, name, &cp, conf_changes);
		free(cp.value);
	}
	return 0;
}

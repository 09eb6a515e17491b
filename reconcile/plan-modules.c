/* SPDX-License-Identifier: MIT */
/*
 * Kernel modules: the VF count as a module option (method: module), the
 * modprobe.d file that persists it, and the reload that applies it now
 * when sysfs cannot.
 */
#include "plan-internal.h"

/* Drivers whose VF count is a module option, and whether sysfs works too. */
static const struct count_option {
	const char *driver;
	const char *option;
	bool sysfs;
} count_options[] = {
    {"igb", "max_vfs", true},
    {"ixgbe", "max_vfs", true},
    {"mlx4_core", "num_vfs", false},
};

static const struct count_option *find_count_option(const char *driver)
{
	for (size_t i = 0; driver && i < ARRAY_SIZE(count_options); i++)
		if (streq(count_options[i].driver, driver))
			return &count_options[i];
	return NULL;
}

/* modprobe treats '-' and '_' in module names alike */
static bool module_name_eq(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
		if (x != y)
			return false;
	}
	return true;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *token_end(const char *p, const char *end)
{
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	return p;
}

/*
 * If [line, end) is "options MODULE ...", return where the k=v list
 * starts, else NULL.
 */
static const char *options_line(const char *line, const char *end, const char *module)
{
	const char *p = skip_ws(line, end), *e;

	e = token_end(p, end);
	if (e - p != 7 || strncmp(p, "options", 7) != 0)
		return NULL;
	p = skip_ws(e, end);
	e = token_end(p, end);
	if (e == p || !module_name_eq(p, e - p, module))
		return NULL;
	return e;
}

struct optmap {
	struct module_param *v;
	size_t n, cap;
};

static void optmap_release(struct optmap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].value);
	}
	free(m->v);
	*m = (struct optmap){0};
}

static int optmap_set(struct optmap *m, const char *k, size_t klen, const char *v, size_t vlen)
{
	char *value = strndup(v, vlen);
	if (!value)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++)
		if (strlen(m->v[i].key) == klen && strncmp(m->v[i].key, k, klen) == 0) {
			free(m->v[i].value);
			m->v[i].value = value; /* a later option wins, as in modprobe */
			return 0;
		}
	struct module_param *e = GROW(m->v, m->n, m->cap);
	if (!e || !(e->key = strndup(k, klen))) {
		if (e)
			m->n--;
		free(value);
		return -ENOMEM;
	}
	e->value = value;
	return 0;
}

/* The options of module in a modprobe.d file's content, in first-seen order. */
static int parse_options(const char *content, const char *module, struct optmap *m)
{
	for (const char *line = content; line && *line;) {
		const char *end = strchrnul(line, '\n');
		const char *p = options_line(line, end, module);
		while (p && (p = skip_ws(p, end)) < end) {
			const char *e = token_end(p, end);
			const char *eq = memchr(p, '=', e - p);
			int r = eq ? optmap_set(m, p, eq - p, eq + 1, e - eq - 1)
				   : optmap_set(m, p, e - p, "", 0);
			if (r < 0)
				return r;
			p = e;
		}
		line = *end ? end + 1 : end;
	}
	return 0;
}

static char *options_text(const struct module_param *v, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s=%s", i ? " " : "", v[i].key, v[i].value);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int plan_modprobe_conf_options(const char *content, const char *module, char **ret)
{
	struct optmap m = {0};
	int r = parse_options(content, module, &m);

	*ret = NULL;
	if (r >= 0 && m.n > 0 && !(*ret = options_text(m.v, m.n)))
		r = -ENOMEM;
	optmap_release(&m);
	return r;
}

int plan_modprobe_conf_matches(const char *content, const char *module,
			       const struct module_param *want, size_t n_want)
{
	struct optmap m = {0};
	int r = parse_options(content, module, &m);

	if (r < 0)
		return r;
	bool eq = m.n == n_want;
	for (size_t i = 0; eq && i < n_want; i++) {
		bool found = false;
		for (size_t j = 0; j < m.n; j++)
			if (streq(m.v[j].key, want[i].key))
				found = streq(m.v[j].value, want[i].value);
		eq = found;
	}
	optmap_release(&m);
	return eq;
}

int plan_modprobe_conf_update(const char *content, const char *module,
			      const struct module_param *want, size_t n_want, bool owned,
			      char **ret)
{
	_cleanup_(freep) char *opts = options_text(want, n_want);
	_cleanup_(freep) char *header = strprintf(
	    "# Managed by sriovctl (module %s): edit the desired-state file, not this file.",
	    module);
	char *buf = NULL;
	size_t len = 0;
	bool replaced = false;
	FILE *f;

	if (!opts || !header)
		return -ENOMEM;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	if ((!content || owned) && !(content && strncmp(content, header, strlen(header)) == 0 &&
				     (content[strlen(header)] == '\n' || !content[strlen(header)])))
		fprintf(f, "%s\n", header);
	for (const char *line = content; line && *line;) {
		const char *end = strchrnul(line, '\n');
		if (options_line(line, end, module)) {
			if (!replaced)
				fprintf(f, "options %s %s\n", module, opts);
			replaced = true;
		} else {
			fprintf(f, "%.*s\n", (int)(end - line), line);
		}
		line = *end ? end + 1 : end;
	}
	if (!replaced)
		fprintf(f, "options %s %s\n", module, opts);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
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
		if (streq(s->modules[i].name, name))
			return &s->modules[i];
	return NULL;
}

static const struct module_option *find_option(const struct module_spec *ms, const char *key)
{
	for (size_t i = 0; ms && i < ms->n_options; i++)
		if (streq(ms->options[i].key, key))
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
	       streq(r->host->driver, driver);
}

/* Host PFs of driver in address order: the order of a module option's list. */
static int port_index(const struct host *h, const char *driver, const struct pci_dev_state *pf)
{
	int idx = 0;
	for (size_t i = 0; i < h->n_pci; i++) {
		if (!h->pci[i].is_pf || !streq_ptr(h->pci[i].driver, driver))
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
	return ms && ms->file ? strdup(ms->file)
			      : strprintf("/etc/modprobe.d/sriovctl-%s.conf", name);
}

/*
 * The count option when the spec does not give it: one value per port of
 * the driver in address order. A port the spec does not manage keeps what
 * the existing file gives it, else its current count, so that the file
 * changes nothing for it. One number when all agree. Owned.
 */
static char *derive_count(struct plan_ctx *c, const char *driver, const struct count_option *co)
{
	_cleanup_(freep) char *path = module_path(driver, find_module_spec(c->s, driver));
	const struct file_state *fs = path ? host_find_file(c->h, path) : NULL;
	struct optmap m = {0};
	unsigned old[256];
	int n_old = 0;
	char *buf = NULL;
	size_t len = 0;
	bool all_same = true;
	unsigned first = 0;
	int n = 0;

	if (!path || parse_options(fs ? fs->content : NULL, driver, &m) < 0)
		return NULL;
	for (size_t i = 0; i < m.n; i++)
		if (streq(m.v[i].key, co->option))
			n_old = parse_count_list(m.v[i].value, old, ARRAY_SIZE(old));
	optmap_release(&m);

	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < c->h->n_pci; i++) {
		const struct pci_dev_state *pf = &c->h->pci[i];
		if (!pf->is_pf || !streq_ptr(pf->driver, driver))
			continue;
		unsigned v = n_old == 1	 ? old[0]
			     : n < n_old ? old[n]
			     : n_old > 1 ? 0
					 : pf->sriov.num_vfs;
		for (size_t j = 0; j < c->s->n_pfs; j++)
			if (c->pfs[j].host == pf)
				v = c->pfs[j].want;
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

static int count_plan_make(struct plan_ctx *c, const char *driver, struct count_plan *cp)
{
	const struct module_spec *ms = find_module_spec(c->s, driver);
	unsigned vals[256];
	int n_vals = 0;

	cp->co = find_count_option(driver);
	cp->declared = cp->co ? find_option(ms, cp->co->option) : NULL;
	if (cp->declared) {
		n_vals = parse_count_list(cp->declared->value, vals, ARRAY_SIZE(vals));
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
	cp->value = cp->declared ? strdup(cp->declared->value) : derive_count(c, driver, cp->co);
	if (!cp->value)
		return ctx_oom(c), -ENOMEM;
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
		if (!pf->is_pf || !streq_ptr(pf->driver, driver))
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

static void plan_reload(struct plan_ctx *c, const char *driver, const struct count_plan *cp)
{
	const struct module_spec *ms = find_module_spec(c->s, driver);
	const struct module_state *mst = host_find_module(c->h, driver);
	bool loaded = mst && mst->loaded;
	const char *live = module_state_param(mst, cp->co->option);

	bool by_file = ms && ms->reload && (!loaded || !streq_ptr(live, cp->value));
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
	else if (loaded)
		p->a.reason = strprintf("reload: true, and the loaded %s has %s=%s", driver,
					cp->co->option, live ? live : "(unknown)");
	else
		p->a.reason = strprintf("reload: true, and %s is not loaded", driver);
	if (!p->a.module.module || !p->a.module.to || !p->a.reason || !p->a.module.load_options ||
	    (loaded && !p->a.module.from) || reload_pfs(c, driver, &p->a) < 0)
		ctx_oom(c);

	for (size_t i = 0; i < c->s->n_pfs; i++) {
		struct pf_res *r = &c->pfs[i];
		if (!r->host || !streq_ptr(r->host->driver, driver))
			continue;
		if (uses_module(r, driver))
			r->by_reload = true;
		if (r->cur > 0 && loaded)
			r->recreate = true; /* unloading the driver destroys its VFs */
	}
}

static void plan_conf(struct plan_ctx *c, const char *name, const struct module_spec *ms,
		      const struct count_plan *cp)
{
	struct module_param want[64];
	size_t n = 0;

	for (size_t i = 0; ms && i < ms->n_options && n < ARRAY_SIZE(want) - 1; i++)
		want[n++] = (struct module_param){ms->options[i].key, ms->options[i].value};
	if (cp && cp->co && !cp->declared && cp->value)
		want[n++] = (struct module_param){(char *)cp->co->option, cp->value};
	if (n == 0)
		return;

	_cleanup_(freep) char *path = module_path(name, ms);
	bool owned = !(ms && ms->file_given);
	if (!path) {
		ctx_oom(c);
		return;
	}
	const struct file_state *fs = host_find_file(c->h, path);
	const char *content = fs ? fs->content : NULL;
	int r = plan_modprobe_conf_matches(content, name, want, n);
	if (r < 0) {
		ctx_oom(c);
		return;
	}
	if (r > 0)
		return;

	struct pending *p = ctx_add(c, ACTION_WRITE_MODPROBE_CONF, path);
	if (!p)
		return;
	p->loc = ms ? &ms->loc : cp ? cp->loc : NULL;
	p->a.module.module = strdup(name);
	p->a.module.to = options_text(want, n);
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
	if (r < 0 || !p->a.module.module || !p->a.module.to || !p->a.reason ||
	    (content && (!p->a.module.from || !p->a.module.old_content)))
		ctx_oom(c);
}

static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
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
		if (!find_count_option(r->host->driver)) {
			ctx_error(c, &r->spec->loc, -EOPNOTSUPP,
				  "driver '%s' has no known module option for the VF count; use "
				  "method: sysfs",
				  r->host->driver ? r->host->driver : "(none)");
			continue;
		}
		names[n++] = r->host->driver;
	}
	if (n)
		qsort(names, n, sizeof(*names), str_ptr_cmp);

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && streq(names[i], names[i - 1]))
			continue;
		struct count_plan cp = {0};
		bool has_pfs = false;
		for (size_t j = 0; j < s->n_pfs; j++)
			has_pfs = has_pfs || uses_module(&c->pfs[j], names[i]);
		if (has_pfs && count_plan_make(c, names[i], &cp) >= 0 && cp.co)
			plan_reload(c, names[i], &cp);
		plan_conf(c, names[i], find_module_spec(s, names[i]), has_pfs ? &cp : NULL);
		free(cp.value);
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Observing kernel modules: their state through libkmod and /sys/module,
 * the options modprobe would pass them (every modprobe.d directory in
 * kmod's order, then the kernel command line), and the modprobe.d files
 * that matter to a plan.
 */
#include <sys/stat.h>

#include "cleanup.h"
#include "kmodlib.h"
#include "modconf.h"
#include "observe-internal.h"

/* ---- modules ---- */

static int module_params(const char *kname, struct module_state *m)
{
	_cleanup_(freep) char *dir = strprintf("/sys/module/%s/parameters", kname);
	_cleanup_(strv_freep) char **keys = NULL;
	size_t n, cap = 0;
	int r;

	if (!dir)
		return -ENOMEM;
	r = observe_list_dir(dir, &keys, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		_cleanup_(freep) char *path = strprintf("%s/%s", dir, keys[i]);
		_cleanup_(freep) char *value = NULL;

		if (!path)
			return -ENOMEM;
		r = observe_read_file(path, &value);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			continue; /* write-only (mode 0200) or gone: not observable */
		struct module_param *mp = GROW(m->params, m->n_params, cap);
		if (!mp)
			return -ENOMEM;
		mp->key = strdup(keys[i]);
		mp->value = strdup_strip(value);
		if (!mp->key || !mp->value)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Whether modprobe would find name: an alias, a module file in modules.dep
 * or a built-in one, as kmod looks it up.
 */
static bool module_findable(struct kmod_ctx *ctx, const char *name)
{
	_cleanup_(kmodlib_module_unref_listp) struct kmod_list *list = NULL;

	return kmodlib.kmod_module_new_from_lookup(ctx, name, &list) >= 0 && list;
}

static bool listed(const char *const *v, size_t n, const char *s, bool modname)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && (modname ? modname_eq(v[i], s) : streq(v[i], s)))
			return true;
	return false;
}

/*
 * The modules and files to observe: the spec's, plus for each PF with
 * method module its driver's module and that module's default file (the
 * planner persists the count there when the spec has no modules entry).
 */
int observe_wanted(struct observer *ob)
{
	const struct observe_opts *o = ob->o;
	size_t nm = o->n_modules + o->n_module_pfs, nf = o->n_files + o->n_module_pfs;

	ob->modules = calloc(nm + 1, sizeof(char *));
	ob->files = calloc(nf + 1, sizeof(char *));
	ob->extra = calloc(o->n_module_pfs + 1, sizeof(char *));
	if (!ob->modules || !ob->files || !ob->extra)
		return -ENOMEM;
	for (size_t i = 0; i < o->n_modules; i++)
		if (o->modules[i] && !listed(ob->modules, ob->n_modules, o->modules[i], true))
			ob->modules[ob->n_modules++] = o->modules[i];
	for (size_t i = 0; i < o->n_files; i++)
		if (o->files[i] && !listed(ob->files, ob->n_files, o->files[i], false))
			ob->files[ob->n_files++] = o->files[i];
	for (size_t i = 0; i < o->n_module_pfs; i++) {
		const struct pci_dev_state *pf =
		    o->module_pfs[i] ? host_find_pf(ob->h, o->module_pfs[i]) : NULL;
		if (!pf || !pf->driver || listed(ob->modules, ob->n_modules, pf->driver, true))
			continue;
		char *path = modconf_default_path(pf->driver);
		if (!path)
			return -ENOMEM;
		ob->extra[ob->n_extra++] = path;
		ob->modules[ob->n_modules++] = pf->driver;
		if (!listed(ob->files, ob->n_files, path, false))
			ob->files[ob->n_files++] = path;
	}
	return 0;
}

/*
 * The modules to observe: the ones asked for and, for a complete
 * observation (unless named_modules_only), the drivers bound to every
 * observed device and VF.
 */
static int module_names(struct observer *ob, char ***ret, size_t *ret_n)
{
	_cleanup_(strv_release) struct strv v = {0};
	bool bound = ob->o->complete && !ob->o->named_modules_only;
	int r = 0;

	for (size_t i = 0; r >= 0 && i < ob->n_modules; i++)
		r = strv_add_unique(&v, ob->modules[i]);
	for (size_t i = 0; r >= 0 && bound && i < ob->h->n_pci; i++) {
		const struct pci_dev_state *p = &ob->h->pci[i];
		if (p->driver)
			r = strv_add_unique(&v, p->driver);
		for (size_t j = 0; r >= 0 && p->is_pf && j < p->sriov.n_vfs; j++)
			if (p->sriov.vfs[j].driver)
				r = strv_add_unique(&v, p->sriov.vfs[j].driver);
	}
	if (r < 0)
		return r;
	*ret = strv_steal(&v, ret_n);
	return 0;
}

int observe_modules(struct observer *ob)
{
	_cleanup_(kmodlib_unrefp) struct kmod_ctx *ctx = NULL;
	_cleanup_(strv_freep) char **names = NULL;
	size_t n_names = 0;
	int r;

	r = module_names(ob, &names, &n_names);
	if (r < 0)
		return diag_error(ob->d, NULL, r, "out of memory");
	if (n_names == 0)
		return 0;
	r = kmodlib_new(&ctx);
	if (r == -ELIBACC)
		return diag_error(ob->d, NULL, r, "cannot look up module '%s': %s", names[0],
				  kmodlib_error());
	if (r < 0)
		return diag_error(ob->d, NULL, r, "cannot initialise libkmod");

	for (size_t i = 0; i < n_names; i++) {
		_cleanup_(kmodlib_module_unrefp) struct kmod_module *mod = NULL;
		const char *name = names[i];

		struct module_state *m = GROW(ob->h->modules, ob->h->n_modules, ob->cap_modules);
		if (!m)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		m->name = strdup(name);
		if (!m->name)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		r = kmodlib.kmod_module_new_from_name(ctx, name, &mod);
		if (r < 0)
			return diag_error(ob->d, NULL, r, "cannot look up module '%s': %s", name,
					  strerror(-r));
		/* built in counts as loaded: its parameters are live, it cannot be loaded again */
		r = kmodlib.kmod_module_get_initstate(mod);
		m->loaded =
		    r == KMOD_MODULE_LIVE || r == KMOD_MODULE_COMING || r == KMOD_MODULE_BUILTIN;
		if (ob->o->preflight)
			m->presence = m->loaded || module_findable(ctx, name)
					  ? MODULE_PRESENCE_FOUND
					  : MODULE_PRESENCE_MISSING;
		r = module_params(kmodlib.kmod_module_get_name(mod), m);
		if (r < 0)
			return diag_error(ob->d, NULL, r,
					  "cannot read the parameters of module '%s': %s", name,
					  strerror(-r));
	}
	return 0;
}

/* ---- files ---- */

/* Whether a word of content outside comments names one of the observed modules. */
static bool mentions_module(const struct host *h, const char *content)
{
	for (const char *line = content; *line;) {
		const char *end = strchrnul(line, '\n');
		const char *hash = memchr(line, '#', end - line);
		const char *stop = hash ? hash : end;
		for (const char *p = line; p < stop;) {
			size_t k = strcspn(p, " \t\n#");
			if (p + k > stop)
				k = stop - p;
			for (size_t i = 0; k && i < h->n_modules; i++)
				if (modname_eqn(p, k, h->modules[i].name))
					return true;
			p += k ? k : 1;
		}
		line = *end ? end + 1 : end;
	}
	return false;
}

/*
 * The files NAME.conf in /etc/modprobe.d (the ones modprobe reads there)
 * that mention an observed module, for a complete observation.
 */
static int modprobe_d_files(struct observer *ob, char ***ret, size_t *ret_n)
{
	_cleanup_(freep) char *dir = root_path(ob->o->root, MODPROBE_D);
	_cleanup_(strv_freep) char **names = NULL;
	_cleanup_(strv_release) struct strv v = {0};
	size_t n_names = 0;
	int r;

	if (!dir)
		return -ENOMEM;
	r = observe_list_dir(dir, &names, &n_names);
	if (r < 0)
		return diag_error(ob->d, NULL, r, "cannot list '%s': %s", dir, strerror(-r));
	for (size_t i = 0; i < n_names; i++) {
		_cleanup_(freep) char *full = strprintf("%s/%s", dir, names[i]);
		_cleanup_(freep) char *content = NULL;
		_cleanup_(freep) char *path = strprintf(MODPROBE_D "/%s", names[i]);
		size_t len = strlen(names[i]);
		struct stat st;

		if (!full || !path)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		if (len <= 5 || !streq(names[i] + len - 5, ".conf"))
			continue; /* modprobe reads only *.conf */
		if (stat(full, &st) < 0 || !S_ISREG(st.st_mode))
			continue; /* a dangling link or a directory: modprobe skips it too */
		r = observe_read_file(full, &content);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return diag_error(ob->d, NULL, r, "cannot read '%s': %s", full,
					  strerror(-r));
		if (mentions_module(ob->h, content) && strv_add_unique(&v, path) < 0)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
	}
	*ret = strv_steal(&v, ret_n);
	return 0;
}

int observe_files(struct observer *ob)
{
	_cleanup_(strv_freep) char **scanned = NULL;
	size_t n_scanned = 0;
	int r;

	/* no module observed: no file can mention one */
	if (ob->o->complete && ob->h->n_modules > 0) {
		r = modprobe_d_files(ob, &scanned, &n_scanned);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ob->n_files + n_scanned; i++) {
		const char *path = i < ob->n_files ? ob->files[i] : scanned[i - ob->n_files];
		_cleanup_(freep) char *full = NULL;

		if (!path || host_find_file(ob->h, path))
			continue;
		struct file_state *f = GROW(ob->h->files, ob->h->n_files, ob->cap_files);
		if (!f)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		f->path = strdup(path);
		full = root_path(ob->o->root, path);
		if (!f->path || !full)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		r = observe_read_file(full, &f->content);
		if (r == -ENOENT)
			continue; /* absent: content NULL */
		if (r < 0)
			return diag_error(ob->d, NULL, r, "cannot read '%s': %s", full,
					  strerror(-r));
		if (!utf8_valid(f->content)) {
			char *fixed = utf8_sanitize(f->content);
			if (!fixed)
				return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
			free(f->content);
			f->content = fixed;
			diag_warning(ob->d, &(struct src_loc){.file = full},
				     "not valid UTF-8: such bytes are read as U+FFFD (and rewritten "
				     "if sriovctl manages the file)");
		}
	}
	return 0;
}

/* ---- module options as modprobe would pass them ---- */

struct conf_file {
	char *name; /* file name, the sort key */
	char *path; /* without the root */
};

static void conf_files_free(struct conf_file *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
}

static int conf_file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct conf_file *)a)->name, ((const struct conf_file *)b)->name);
}

/*
 * The files kmod reads (kmod_config_new): "*.conf", not hidden, not a
 * directory, of every directory in order; a name seen in an earlier
 * directory masks the same name in later ones; then sorted by name.
 */
static int list_conf_files(const char *root, struct conf_file **ret, size_t *ret_n)
{
	struct conf_file *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	for (size_t d = 0; modconf_dirs[d] && r >= 0; d++) {
		_cleanup_(freep) char *dir = root_path(root, modconf_dirs[d]);
		_cleanup_(strv_freep) char **names = NULL;
		size_t nn = 0;

		if (!dir)
			r = -ENOMEM;
		else if ((r = observe_list_dir(dir, &names, &nn)) < 0)
			r = r == -ENOMEM ? r : 0; /* unreadable: kmod skips it too */
		for (size_t i = 0; r >= 0 && i < nn; i++) {
			size_t len = strlen(names[i]);
			struct stat st;
			_cleanup_(freep) char *full = strprintf("%s/%s", dir, names[i]);
			if (!full) {
				r = -ENOMEM;
				break;
			}
			if (len < 6 || !streq(names[i] + len - 5, ".conf") || stat(full, &st) < 0 ||
			    S_ISDIR(st.st_mode))
				continue;
			bool masked = false;
			for (size_t j = 0; j < n && !masked; j++)
				masked = streq(v[j].name, names[i]);
			if (masked)
				continue;
			struct conf_file *f = GROW(v, n, cap);
			if (!f || !(f->name = strdup(names[i])) ||
			    !(f->path = strprintf("%s/%s", modconf_dirs[d], names[i])))
				r = -ENOMEM;
		}
	}
	if (r < 0) {
		conf_files_free(v, n);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), conf_file_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

struct conf_add {
	struct observer *ob;
	const char *source;
	size_t *caps; /* per h->modules entry */
};

static int conf_add(void *data, const char *module, const char *key, const char *value)
{
	struct conf_add *ca = data;
	struct host *h = ca->ob->h;

	for (size_t i = 0; i < h->n_modules; i++) {
		struct module_state *m = &h->modules[i];
		if (!modname_eq(m->name, module))
			continue;
		struct module_conf *c = GROW(m->conf, m->n_conf, ca->caps[i]);
		if (!c)
			return -ENOMEM;
		c->key = strdup(key);
		c->value = strdup(value);
		c->source = strdup(ca->source);
		if (!c->key || !c->value || !c->source)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Which options modprobe would pass each module at its next load, and
 * where each comes from. libkmod's kmod_config_get_options() gives the
 * options but not their file, and reads the real /proc/cmdline whatever
 * the root: so the files are read here, in kmod's order and with its
 * syntax (modconf.c). The kernel command line is <root>/proc/cmdline when
 * a root is given (absent: none), so a test root can provide one.
 */
int observe_module_conf(struct observer *ob)
{
	_cleanup_(freep) size_t *caps = NULL;
	struct conf_file *files = NULL;
	size_t n = 0;
	int r;

	if (ob->h->n_modules == 0)
		return 0;
	caps = calloc(ob->h->n_modules, sizeof(*caps));
	if (!caps)
		return -ENOMEM;
	r = list_conf_files(ob->o->root, &files, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_(freep) char *full = root_path(ob->o->root, files[i].path);
		_cleanup_(freep) char *content = NULL;
		struct conf_add ca = {ob, files[i].path, caps};
		if (!full) {
			r = -ENOMEM;
			break;
		}
		r = observe_read_file(full, &content);
		if (r == -ENOMEM)
			break;
		r = r < 0 ? 0 : modconf_foreach(content, conf_add, &ca);
	}
	conf_files_free(files, n);
	if (r < 0)
		return r;

	_cleanup_(freep) char *cmdline_path = root_path(ob->o->root, "/proc/cmdline");
	_cleanup_(freep) char *cmdline = NULL;
	struct conf_add ca = {ob, MODCONF_CMDLINE, caps};
	if (!cmdline_path)
		return -ENOMEM;
	r = observe_read_file(cmdline_path, &cmdline);
	if (r == -ENOMEM)
		return r;
	return r < 0 ? 0 : modconf_cmdline_foreach(cmdline, conf_add, &ca);
}


/* SPDX-License-Identifier: MIT */
/*
 * Merging loaded desired-state files (see spec-merge.h). Ownership moves
 * element by element from the later spec into the earlier one; what moved
 * is zeroed in the later spec, so that freeing it frees the rest only.
 * src_locs of moved elements point at the later file's path, which the
 * merged spec keeps in merged[].
 */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modconf.h"
#include "spec-internal.h"
#include "spec-merge.h"

/* "FILE:LINE:COL" (or "FILE") of a place, for messages. Owned. */
static char *loc_text(const struct src_loc *l)
{
	if (!l->file)
		return strdup("another file");
	if (!l->line)
		return strdup(l->file);
	return strprintf("%s:%u:%u", l->file, l->line, l->col);
}

/* A key set in two files: an error at the later place naming the earlier one. */
static void conflict(struct diag *d, const struct src_loc *later, const struct src_loc *earlier,
		     const char *key)
{
	_cleanup_(freep) char *at = loc_text(earlier);

	diag_error(d, later, -EINVAL, "%s is also set at %s", key ? key : "(out of memory)",
		   at ? at : "?");
}

/* Append the n_add elements at add to the array *v of *n elements. */
static int append(void *v, size_t *n, const void *add, size_t n_add, size_t size)
{
	void **pv = v;
	char *p = reallocarray(*pv, *n + n_add, size);

	if (!p)
		return -ENOMEM;
	memcpy(p + *n * size, add, n_add * size);
	*pv = p;
	*n += n_add;
	return 0;
}

/* Move a string field: set in both is a conflict, set in from only moves it. */
static void merge_str(char **into, char **from, const struct src_loc *li, const struct src_loc *lf,
		      const char *key, struct diag *d)
{
	if (!*from)
		return;
	if (*into) {
		conflict(d, lf, li, key);
		return;
	}
	*into = TAKE_PTR(*from);
}

static void merge_top(struct spec *into, struct spec *from, struct diag *d)
{
	struct src_loc lf = {.file = from->path}, li = {.file = into->path};

	if (from->host && !into->host)
		into->host_loc = from->host_loc;
	merge_str(&into->host, &from->host, &into->host_loc, &from->host_loc, "host", d);
	merge_str(&into->libvirt_uri, &from->libvirt_uri, &li, &lf, "libvirt.uri", d);
}

/* ---- modules ---- */

static int merge_module(struct module_spec *mi, struct module_spec *mf, struct diag *d)
{
	for (size_t j = 0; j < mf->n_options; j++) {
		struct module_option *o = &mf->options[j], *hit = NULL;
		for (size_t k = 0; k < mi->n_options; k++)
			if (modname_eq(mi->options[k].key, o->key))
				hit = &mi->options[k];
		if (hit) {
			_cleanup_(freep) char *key =
			    strprintf("modules.%s.options.%s", mi->name, o->key);
			conflict(d, &o->loc, &hit->loc, key);
			continue;
		}
		if (append(&mi->options, &mi->n_options, o, 1, sizeof(*o)) < 0)
			return -ENOMEM;
		*o = (struct module_option){0};
	}
	if (mf->file_given) {
		_cleanup_(freep) char *key = strprintf("modules.%s.file", mi->name);
		if (mi->file_given)
			conflict(d, &mf->loc, &mi->loc, key);
		else {
			free(mi->file);
			mi->file = TAKE_PTR(mf->file);
			mi->file_given = true;
		}
	}
	if (mf->reload && mi->reload) {
		_cleanup_(freep) char *key = strprintf("modules.%s.reload", mi->name);
		conflict(d, &mf->loc, &mi->loc, key);
	}
	mi->reload |= mf->reload;
	return 0;
}

static int merge_modules(struct spec *into, struct spec *from, struct diag *d)
{
	for (size_t i = 0; i < from->n_modules; i++) {
		struct module_spec *mf = &from->modules[i], *mi = NULL;
		for (size_t k = 0; k < into->n_modules; k++)
			if (modname_eq(into->modules[k].name, mf->name))
				mi = &into->modules[k];
		if (mi && merge_module(mi, mf, d) < 0)
			return -ENOMEM;
		if (mi)
			continue;
		if (append(&into->modules, &into->n_modules, mf, 1, sizeof(*mf)) < 0)
			return -ENOMEM;
		*mf = (struct module_spec){0};
	}
	return 0;
}

/* ---- PFs and their VFs ---- */

/* An MTU given in both files is a conflict; one given in the merged file is taken. */
static void merge_mtu(unsigned *into, struct src_loc *into_loc, unsigned from,
		      const struct src_loc *from_loc, const char *pf, const char *key,
		      struct diag *d)
{
	if (from && *into) {
		_cleanup_(freep) char *k = strprintf("pfs[%s].%s", pf, key);
		conflict(d, from_loc, into_loc, k);
	} else if (from) {
		*into = from;
		*into_loc = *from_loc;
	}
}

static void merge_vf(const struct pf_spec *pf, struct vf_spec *vi, struct vf_spec *vf,
		     struct diag *d)
{
	for (int a = 0; a < _VF_ATTR_MAX; a++) {
		if (!vf_link_has(&vf->link, a))
			continue;
		if (vf_link_has(&vi->link, a)) {
			_cleanup_(freep) char *key = strprintf("pfs[%s].vfs[%u].%s", pf_label(pf),
							       vi->id, vf_attr_to_string(a));
			conflict(d, &vf->loc, &vi->loc, key);
		} else {
			vf_link_copy_attr(&vi->link, &vf->link, a);
		}
	}
	_cleanup_(freep) char *key = strprintf("pfs[%s].vfs[%u].driver", pf_label(pf), vi->id);
	merge_str(&vi->driver, &vf->driver, &vi->loc, &vf->loc, key, d);
	_cleanup_(freep) char *vf_label = strprintf("%s].vfs[%u", pf_label(pf), vi->id);
	if (vf_label)
		merge_mtu(&vi->mtu, &vi->mtu_loc, vf->mtu, &vf->mtu_loc, vf_label, "mtu", d);
}

static int vf_cmp(const void *x, const void *y)
{
	const struct vf_spec *a = x, *b = y;

	return a->id < b->id ? -1 : a->id > b->id;
}

static int merge_vfs(struct pf_spec *pi, struct pf_spec *pf, struct diag *d)
{
	for (size_t j = 0; j < pf->n_vfs; j++) {
		struct vf_spec *vf = &pf->vfs[j], *vi = NULL;
		for (size_t k = 0; k < pi->n_vfs; k++)
			if (pi->vfs[k].id == vf->id)
				vi = &pi->vfs[k];
		if (vi) {
			merge_vf(pi, vi, vf, d);
			continue;
		}
		if (append(&pi->vfs, &pi->n_vfs, vf, 1, sizeof(*vf)) < 0)
			return -ENOMEM;
		vf->driver = NULL;
	}
	if (pi->n_vfs > 1)
		qsort(pi->vfs, pi->n_vfs, sizeof(*pi->vfs), vf_cmp);
	return 0;
}

static int merge_pf(struct pf_spec *pi, struct pf_spec *pf, struct diag *d)
{
	const char *l = pf_label(pi);
	_cleanup_(freep) char *k_num = strprintf("pfs[%s].num-vfs", l);
	_cleanup_(freep) char *k_method = strprintf("pfs[%s].method", l);
	_cleanup_(freep) char *k_auto = strprintf("pfs[%s].drivers-autoprobe", l);
	_cleanup_(freep) char *k_drv = strprintf("pfs[%s].vf-driver", l);

	if (pf->num_vfs != SPEC_UNSET && pi->num_vfs != SPEC_UNSET)
		conflict(d, &pf->num_vfs_loc, &pi->num_vfs_loc, k_num);
	else if (pf->num_vfs != SPEC_UNSET) {
		pi->num_vfs = pf->num_vfs;
		pi->num_vfs_loc = pf->num_vfs_loc;
	}
	if (pf->method != PF_METHOD_SYSFS && pi->method != PF_METHOD_SYSFS)
		conflict(d, &pf->loc, &pi->loc, k_method);
	else if (pf->method != PF_METHOD_SYSFS)
		pi->method = pf->method;
	if (pf->drivers_autoprobe >= 0 && pi->drivers_autoprobe >= 0)
		conflict(d, &pf->loc, &pi->loc, k_auto);
	else if (pf->drivers_autoprobe >= 0)
		pi->drivers_autoprobe = pf->drivers_autoprobe;
	merge_str(&pi->vf_driver, &pf->vf_driver, &pi->loc, &pf->loc, k_drv, d);
	merge_mtu(&pi->mtu, &pi->mtu_loc, pf->mtu, &pf->mtu_loc, l, "mtu", d);
	merge_mtu(&pi->vf_mtu, &pi->vf_mtu_loc, pf->vf_mtu, &pf->vf_mtu_loc, l, "vf-mtu", d);
	if (pf->eswitch_mode && pi->eswitch_mode) {
		_cleanup_(freep) char *k = strprintf("pfs[%s].eswitch-mode", l);
		conflict(d, &pf->eswitch_mode_loc, &pi->eswitch_mode_loc, k);
	} else if (pf->eswitch_mode) {
		pi->eswitch_mode = pf->eswitch_mode;
		pi->eswitch_mode_loc = pf->eswitch_mode_loc;
	}
	return merge_vfs(pi, pf, d);
}

static struct pf_spec *same_pf(struct spec *s, const struct pf_spec *pf)
{
	for (size_t i = 0; i < s->n_pfs; i++) {
		struct pf_spec *p = &s->pfs[i];
		if ((p->pci && pf->pci && streq(p->pci, pf->pci)) ||
		    (p->interface && pf->interface && streq(p->interface, pf->interface)))
			return p;
	}
	return NULL;
}

static int merge_pfs(struct spec *into, struct spec *from, struct diag *d)
{
	for (size_t i = 0; i < from->n_pfs; i++) {
		struct pf_spec *pf = &from->pfs[i], *pi = same_pf(into, pf);
		if (pi) {
			if (merge_pf(pi, pf, d) < 0)
				return -ENOMEM;
			continue;
		}
		if (append(&into->pfs, &into->n_pfs, pf, 1, sizeof(*pf)) < 0)
			return -ENOMEM;
		*pf = (struct pf_spec){0};
	}
	return 0;
}

/* ---- guests ---- */

static bool same_device(const struct guest_device *a, const struct guest_device *b)
{
	if (a->pci || b->pci)
		return a->pci && b->pci && streq(a->pci, b->pci);
	return a->vf_pf && b->vf_pf && streq(a->vf_pf, b->vf_pf) && a->vf_id == b->vf_id;
}

/* "VF 3 of PF '0000:0b:00.0'" or "PCI device '0000:5e:00.0'". Owned. */
static char *device_label(const struct guest_device *g)
{
	if (g->pci)
		return strprintf("PCI device '%s'", g->pci);
	return strprintf("VF %u of PF '%s'", g->vf_id, g->vf_pf ? g->vf_pf : "?");
}

static int merge_guest(struct guest_spec *gi, struct guest_spec *gf, struct diag *d)
{
	if (gf->prune && gi->prune) {
		_cleanup_(freep) char *key = strprintf("guests.%s.prune", gi->name);
		conflict(d, &gf->loc, &gi->loc, key);
	}
	gi->prune |= gf->prune;
	for (size_t j = 0; j < gf->n_devices; j++) {
		struct guest_device *df = &gf->devices[j];
		bool dup = false;
		for (size_t k = 0; k < gi->n_devices && !dup; k++) {
			if (!same_device(&gi->devices[k], df))
				continue;
			_cleanup_(freep) char *dev = device_label(df);
			_cleanup_(freep) char *key =
			    strprintf("guests.%s.devices[%s]", gi->name, dev ? dev : "?");
			conflict(d, &df->loc, &gi->devices[k].loc, key);
			dup = true;
		}
		if (dup)
			continue;
		if (append(&gi->devices, &gi->n_devices, df, 1, sizeof(*df)) < 0)
			return -ENOMEM;
		*df = (struct guest_device){0};
	}
	return 0;
}

static int guest_cmp(const void *x, const void *y)
{
	return strcmp(((const struct guest_spec *)x)->name, ((const struct guest_spec *)y)->name);
}

static int merge_guests(struct spec *into, struct spec *from, struct diag *d)
{
	for (size_t i = 0; i < from->n_guests; i++) {
		struct guest_spec *gf = &from->guests[i], *gi = NULL;
		for (size_t k = 0; k < into->n_guests; k++)
			if (streq(into->guests[k].name, gf->name))
				gi = &into->guests[k];
		if (gi && merge_guest(gi, gf, d) < 0)
			return -ENOMEM;
		if (gi)
			continue;
		if (append(&into->guests, &into->n_guests, gf, 1, sizeof(*gf)) < 0)
			return -ENOMEM;
		*gf = (struct guest_spec){0};
	}
	if (into->n_guests > 1)
		qsort(into->guests, into->n_guests, sizeof(*into->guests), guest_cmp);
	return 0;
}

/* A network is declared by one file: another declaring it is a conflict. */
static int merge_networks(struct spec *into, struct spec *from, struct diag *d)
{
	for (size_t i = 0; i < from->n_networks; i++) {
		struct network_spec *nf = &from->networks[i];
		const struct network_spec *ni = spec_find_network(into, nf->name);
		if (ni) {
			_cleanup_(freep) char *key = strprintf("networks.%s", nf->name);
			conflict(d, &nf->loc, &ni->loc, key);
			continue;
		}
		if (append(&into->networks, &into->n_networks, nf, 1, sizeof(*nf)) < 0)
			return -ENOMEM;
		*nf = (struct network_spec){0};
	}
	return 0;
}

/* ---- checks across files ---- */

/* A VF listed or given to a guest in one file beyond num-vfs set in another. */
static void check_vf_ids(const struct spec *s, struct diag *d)
{
	for (size_t i = 0; i < s->n_pfs; i++) {
		const struct pf_spec *pf = &s->pfs[i];
		for (size_t j = 0; pf->num_vfs != SPEC_UNSET && j < pf->n_vfs; j++)
			if (pf->vfs[j].id >= pf->num_vfs)
				diag_error(d, &pf->vfs[j].loc, -EINVAL,
					   "VF %u of PF '%s' does not exist: num-vfs is %u",
					   pf->vfs[j].id, pf_label(pf), pf->num_vfs);
	}
	for (size_t i = 0; i < s->n_guests; i++)
		for (size_t j = 0; j < s->guests[i].n_devices; j++) {
			const struct guest_device *g = &s->guests[i].devices[j];
			const struct pf_spec *pf = g->vf_pf ? spec_find_pf(s, g->vf_pf) : NULL;
			if (pf && pf->num_vfs != SPEC_UNSET && g->vf_id >= pf->num_vfs)
				diag_error(d, &g->loc, -EINVAL,
					   "VF %u of PF '%s' does not exist: num-vfs is %u",
					   g->vf_id, pf_label(pf), pf->num_vfs);
		}
}

/* One device given to two guests by two files. */
static void check_devices(const struct spec *s, struct diag *d)
{
	for (size_t i = 0; i < s->n_guests; i++)
		for (size_t j = 0; j < s->guests[i].n_devices; j++)
			for (size_t k = i + 1; k < s->n_guests; k++)
				for (size_t l = 0; l < s->guests[k].n_devices; l++) {
					const struct guest_device *a = &s->guests[i].devices[j];
					const struct guest_device *b = &s->guests[k].devices[l];
					if (!same_device(a, b))
						continue;
					_cleanup_(freep) char *dev = device_label(b);
					_cleanup_(freep) char *at = loc_text(&a->loc);
					diag_error(d, &b->loc, -EINVAL,
						   "%s is also given to guest '%s' at %s",
						   dev ? dev : "?", s->guests[i].name,
						   at ? at : "?");
				}
}

int spec_merge(struct spec *into, struct spec *from, struct diag *d)
{
	size_t errors = d->n_errors;
	int r;

	if (append(&into->merged, &into->n_merged, &from->path, 1, sizeof(char *)) < 0) {
		spec_free(from);
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	}
	from->path = NULL;
	for (size_t i = 0; i < from->n_merged; i++) /* a merged spec merged again */
		if (append(&into->merged, &into->n_merged, &from->merged[i], 1, sizeof(char *)) ==
		    0)
			from->merged[i] = NULL;
	merge_top(into, from, d);
	r = merge_modules(into, from, d);
	if (r >= 0)
		r = merge_pfs(into, from, d);
	if (r >= 0)
		r = merge_guests(into, from, d);
	if (r >= 0)
		r = merge_networks(into, from, d);
	spec_free(from);
	if (r < 0)
		return diag_error(d, NULL, r, "out of memory");
	return d->n_errors > errors ? -EINVAL : 0;
}

static int module_cmp(const void *x, const void *y)
{
	return strcmp(((const struct module_spec *)x)->name, ((const struct module_spec *)y)->name);
}

int spec_load_merged(char *const *paths, size_t n, struct diag *d, struct spec **ret)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	size_t errors = d->n_errors;
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		struct spec *one = NULL;
		int q = spec_load(paths[i], d, &one);
		if (q < 0)
			r = q;
		else if (!s)
			s = one;
		else if (r >= 0 && (q = spec_merge(s, one, d)) < 0)
			r = q;
		else if (r < 0)
			spec_free(one);
	}
	if (r < 0)
		return r;
	if (!s)
		return diag_error(d, NULL, -ENOENT, "no desired-state file");
	if (s->n_modules > 1)
		qsort(s->modules, s->n_modules, sizeof(*s->modules), module_cmp);
	check_vf_ids(s, d);
	check_devices(s, d);
	if (d->n_errors > errors)
		return -EINVAL;
	*ret = TAKE_PTR(s);
	return 0;
}

/* ---- finding the files ---- */

void spec_paths_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The drop-ins' paths appended to *v, sorted by name. */
static int dropins(const char *dir, struct diag *d, char ***v, size_t *n)
{
	DIR *dh = opendir(dir);
	size_t first = *n;
	struct dirent *e;
	int r = 0;

	if (!dh)
		return errno == ENOENT
			   ? 0
			   : diag_error(d, NULL, -errno, "cannot read directory '%s': %s", dir,
					strerror(errno));
	while (r >= 0 && (e = readdir(dh))) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 6 || !streq(e->d_name + len - 5, ".yaml"))
			continue;
		char *p = strprintf("%s/%s", dir, e->d_name);
		struct stat st;
		/* a dangling link or a directory is not a drop-in */
		if (p && (stat(p, &st) < 0 || !S_ISREG(st.st_mode))) {
			free(p);
			continue;
		}
		if (!p || append(v, n, &p, 1, sizeof(p)) < 0) {
			free(p);
			r = diag_error(d, NULL, -ENOMEM, "out of memory");
		}
	}
	closedir(dh);
	if (*n - first > 1)
		qsort(*v + first, *n - first, sizeof(**v), name_cmp);
	return r;
}

int spec_default_files(const char *root, struct diag *d, char ***ret, size_t *ret_n)
{
	_cleanup_(freep) char *main_file = root_path(root, SPEC_DEFAULT_FILE);
	_cleanup_(freep) char *dir = root_path(root, SPEC_DROPIN_DIR);
	char **v = NULL;
	size_t n = 0;
	int r;

	if (!main_file || !dir)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	if (access(main_file, F_OK) == 0) {
		if (append(&v, &n, &main_file, 1, sizeof(char *)) < 0)
			return diag_error(d, NULL, -ENOMEM, "out of memory");
		main_file = NULL;
	}
	r = dropins(dir, d, &v, &n);
	if (r < 0) {
		spec_paths_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

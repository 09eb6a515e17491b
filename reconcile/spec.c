/* SPDX-License-Identifier: MIT */
/*
 * The desired-state loader: YAML tree (yamlutil.c) -> struct spec, with
 * strict validation. This file walks the top level and hands each section
 * to its reader (spec-pfs.c, spec-guests.c; values in spec-values.c);
 * checks that relate several places (duplicate VFs, a VF given to two
 * guests, one MAC on two devices) run afterwards (spec-check.c) on records
 * of where each VF or device was named. Every problem is reported; nothing
 * is returned then. Also spec_free() and the lookups in a loaded spec.
 */
#include "modconf.h"
#include "spec-internal.h"

static const char *const top_keys[] = {"version", "host",   "libvirt", "modules",
				       "pfs",	  "guests", "networks"};
static const char *const libvirt_keys[] = {"uri"};

static void load_libvirt(struct loader *ld, const struct ynode *v)
{
	for (size_t i = 0; i < v->n_pairs; i++) {
		const struct ynode *k = v->pairs[i].key, *val = v->pairs[i].value;

		if (streq(k->text, "uri")) {
			if (!yget_str(&ld->y, k, val, &ld->s->libvirt_uri))
				continue;
			_cleanup_(freep) char *why = spec_libvirt_uri_refusal(val->text);
			if (why)
				yerror(&ld->y, val,
				       "libvirt uri '%s' %s: a file may name only qemu:///system, "
				       "qemu:///session or test:///default (give others with "
				       "--libvirt or SRIOVCTL_LIBVIRT_URI)",
				       yq(&ld->y, val->text), why);
		} else
			UNKNOWN(ld, k, libvirt_keys, "in 'libvirt'");
	}
}

static void load_lists(struct loader *ld, const struct ynode *k, const struct ynode *v)
{
	struct spec *s = ld->s;

	if (streq(k->text, "modules") && yexpect(&ld->y, k, v, YNODE_MAPPING) && v->n_pairs) {
		s->modules = calloc(v->n_pairs, sizeof(*s->modules));
		ld->module_keys = calloc(v->n_pairs, sizeof(*ld->module_keys));
		ld->module_files = calloc(v->n_pairs, sizeof(*ld->module_files));
		if (!s->modules || !ld->module_keys || !ld->module_files)
			goto oom;
		for (size_t i = 0; i < v->n_pairs; i++)
			spec_load_module(ld, v->pairs[i].key, v->pairs[i].value);
	} else if (streq(k->text, "pfs") && yexpect(&ld->y, k, v, YNODE_SEQUENCE) && v->n_items) {
		s->pfs = calloc(v->n_items, sizeof(*s->pfs));
		ld->pf_nodes = calloc(v->n_items, sizeof(*ld->pf_nodes));
		if (!s->pfs || !ld->pf_nodes)
			goto oom;
		for (size_t i = 0; i < v->n_items; i++)
			spec_load_pf(ld, v->items[i]);
	} else if (streq(k->text, "guests") && yexpect(&ld->y, k, v, YNODE_MAPPING) && v->n_pairs) {
		if (!(s->guests = calloc(v->n_pairs, sizeof(*s->guests))))
			goto oom;
		for (size_t i = 0; i < v->n_pairs; i++)
			spec_load_guest(ld, v->pairs[i].key, v->pairs[i].value);
	} else if (streq(k->text, "networks") && yexpect(&ld->y, k, v, YNODE_MAPPING) &&
		   v->n_pairs) {
		if (!(s->networks = calloc(v->n_pairs, sizeof(*s->networks))))
			goto oom;
		for (size_t i = 0; i < v->n_pairs; i++)
			spec_load_network(ld, v->pairs[i].key, v->pairs[i].value);
	}
	return;
oom:
	ld->y.oom = true;
}

static void load_top(struct loader *ld, const struct ynode *root)
{
	if (ynode_is_null(root)) {
		yerror(&ld->y, NULL, "empty file: expected a mapping with 'version: 1'");
		return;
	}
	if (root->kind != YNODE_MAPPING) {
		yerror(&ld->y, root, "expected a mapping with 'version: 1' at top level, got %s",
		       ygot(&ld->y, root));
		return;
	}
	for (size_t i = 0; i < root->n_pairs; i++) {
		const struct ynode *k = root->pairs[i].key, *v = root->pairs[i].value;

		if (streq(k->text, "version")) {
			yget_version(&ld->y, k, v, 1);
		} else if (streq(k->text, "host")) {
			if (yget_str(&ld->y, k, v, &ld->s->host)) {
				ld->s->host_loc = v->loc;
				/* a hostname never holds one: it would only reach the terminal */
				for (const char *p = ld->s->host; *p; p++)
					if ((unsigned char)*p < ' ' || *p == 0x7f) {
						yerror(&ld->y, v,
						       "host '%s' contains a control character",
						       yq(&ld->y, ld->s->host));
						break;
					}
			}
		} else if (streq(k->text, "libvirt")) {
			if (yexpect(&ld->y, k, v, YNODE_MAPPING))
				load_libvirt(ld, v);
		} else if (streq(k->text, "modules") || streq(k->text, "pfs") ||
			   streq(k->text, "guests") || streq(k->text, "networks")) {
			load_lists(ld, k, v);
		} else {
			UNKNOWN(ld, k, top_keys, "at top level");
		}
	}
	ymissing(&ld->y, root, "version", "at top level");
}

/* ---- ordering of the result ---- */

static int vf_spec_cmp(const void *x, const void *y)
{
	const struct vf_spec *a = x, *b = y;

	return a->id < b->id ? -1 : a->id > b->id;
}

static int module_cmp(const void *x, const void *y)
{
	return strcmp(((const struct module_spec *)x)->name, ((const struct module_spec *)y)->name);
}

static int guest_cmp(const void *x, const void *y)
{
	return strcmp(((const struct guest_spec *)x)->name, ((const struct guest_spec *)y)->name);
}

static int network_cmp(const void *x, const void *y)
{
	return strcmp(((const struct network_spec *)x)->name,
		      ((const struct network_spec *)y)->name);
}

static void sort_spec(struct spec *s)
{
	for (size_t i = 0; i < s->n_pfs; i++)
		if (s->pfs[i].n_vfs)
			qsort(s->pfs[i].vfs, s->pfs[i].n_vfs, sizeof(struct vf_spec), vf_spec_cmp);
	if (s->n_modules)
		qsort(s->modules, s->n_modules, sizeof(*s->modules), module_cmp);
	if (s->n_guests)
		qsort(s->guests, s->n_guests, sizeof(*s->guests), guest_cmp);
	if (s->n_networks)
		qsort(s->networks, s->n_networks, sizeof(*s->networks), network_cmp);
}

/* ---- public entry points ---- */

static int entry_ptr_cmp(const void *x, const void *y)
{
	const struct diag_entry *a = *(const struct diag_entry *const *)x;
	const struct diag_entry *b = *(const struct diag_entry *const *)y;
	int r;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	r = strcmp(a->msg ? a->msg : "", b->msg ? b->msg : "");
	if (r)
		return r;
	return a < b ? -1 : a > b;
}

/*
 * Content shared through aliases is checked once per use, so its errors
 * come several times: keep the first of identical entries from index from.
 */
static void drop_repeated(struct diag *d, size_t from)
{
	size_t n = d->n - from, k = from;

	if (n < 2)
		return;
	_cleanup_(freep) struct diag_entry **p = malloc(n * sizeof(*p));
	_cleanup_(freep) bool *drop = calloc(n, sizeof(*drop));
	if (!p || !drop)
		return;
	for (size_t i = 0; i < n; i++)
		p[i] = &d->v[from + i];
	qsort(p, n, sizeof(*p), entry_ptr_cmp);
	for (size_t i = 1; i < n; i++)
		if (p[i - 1]->line == p[i]->line && p[i - 1]->col == p[i]->col &&
		    p[i - 1]->level == p[i]->level && streq_ptr(p[i - 1]->msg, p[i]->msg))
			drop[p[i] - &d->v[from]] = true;
	for (size_t i = 0; i < n; i++) {
		struct diag_entry *e = &d->v[from + i];
		if (!drop[i]) {
			d->v[k++] = *e;
			continue;
		}
		if (e->level == DIAG_ERROR)
			d->n_errors--;
		else if (e->level == DIAG_WARNING)
			d->n_warnings--;
		free(e->file);
		free(e->msg);
	}
	d->n = k;
}

int spec_load_buffer(const char *name, const char *buf, size_t len, struct diag *d,
		     struct spec **ret)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(ydoc_freep) struct ydoc *doc = NULL;
	size_t errors = d->n_errors, first = d->n;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(name)))
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	r = ydoc_parse(s->path, buf, len, d, &doc);
	if (r < 0)
		return r;

	struct loader ld = {.s = s};
	ycheck_init(&ld.y, s->path, d);
	load_top(&ld, doc->root);
	if (!ld.y.oom) {
		spec_check_across(&ld);
	}
	free(ld.vfs);
	free(ld.devs);
	free(ld.net_macs);
	free(ld.pf_nodes);
	free(ld.module_keys);
	free(ld.module_files);
	if (doc->alias_nodes)
		drop_repeated(d, first);
	if (ld.y.oom)
		return diag_error(d, NULL, -ENOMEM, "out of memory while loading '%s'", name);
	if (d->n_errors > errors)
		return -EINVAL;
	s->version = 1;
	sort_spec(s);
	*ret = TAKE_PTR(s);
	return 0;
}

int spec_load(const char *path, struct diag *d, struct spec **ret)
{
	_cleanup_(freep) char *buf = NULL;
	size_t len = 0;
	int r;

	r = yfile_read(path, d, &buf, &len);
	if (r < 0)
		return r;
	return spec_load_buffer(path, buf, len, d, ret);
}

void spec_free(struct spec *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_modules; i++) {
		struct module_spec *m = &s->modules[i];
		for (size_t j = 0; j < m->n_options; j++) {
			free(m->options[j].key);
			free(m->options[j].value);
		}
		free(m->options);
		free(m->name);
		free(m->file);
	}
	free(s->modules);
	for (size_t i = 0; i < s->n_pfs; i++) {
		struct pf_spec *pf = &s->pfs[i];
		for (size_t j = 0; j < pf->n_vfs; j++) {
			free(pf->vfs[j].driver);
		}
		free(pf->vfs);
		free(pf->pci);
		free(pf->interface);
		free(pf->vf_driver);
	}
	free(s->pfs);
	for (size_t i = 0; i < s->n_guests; i++) {
		struct guest_spec *g = &s->guests[i];
		for (size_t j = 0; j < g->n_devices; j++) {
			struct guest_device *dev = &g->devices[j];
			free(dev->vf_pf);
			free(dev->pci);
			free(dev->mac);
			free(dev->virtualport_type);
			free(dev->profileid);
			free(dev->network);
			free(dev->driver);
		}
		free(g->devices);
		free(g->name);
	}
	free(s->guests);
	for (size_t i = 0; i < s->n_networks; i++) {
		free(s->networks[i].name);
		free(s->networks[i].pf);
	}
	free(s->networks);
	free(s->host);
	free(s->libvirt_uri);
	free(s->path);
	for (size_t i = 0; i < s->n_merged; i++)
		free(s->merged[i]);
	free(s->merged);
	free(s);
}

/* ---- lookups ---- */

const struct pf_spec *spec_find_pf(const struct spec *s, const char *pci_or_interface)
{
	char buf[24];
	bool is_pci;

	if (!s || !pci_or_interface)
		return NULL;
	is_pci = spec_pci_norm(pci_or_interface, buf);
	for (size_t i = 0; i < s->n_pfs; i++) {
		const struct pf_spec *pf = &s->pfs[i];
		if (is_pci && pf->pci && streq(pf->pci, buf))
			return pf;
		if (!is_pci && pf->interface && streq(pf->interface, pci_or_interface))
			return pf;
	}
	return NULL;
}

const struct module_spec *spec_find_module(const struct spec *s, const char *name)
{
	if (!s || !name)
		return NULL;
	for (size_t i = 0; i < s->n_modules; i++)
		if (modname_eq(s->modules[i].name, name))
			return &s->modules[i];
	return NULL;
}

const struct vf_spec *pf_spec_find_vf(const struct pf_spec *pf, unsigned id)
{
	struct vf_spec key = {.id = id};

	if (!pf || !pf->n_vfs)
		return NULL;
	return bsearch(&key, pf->vfs, pf->n_vfs, sizeof(*pf->vfs), vf_spec_cmp);
}

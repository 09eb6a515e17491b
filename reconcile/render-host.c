/* SPDX-License-Identifier: MIT */
/*
 * struct host for people and programs. One code path: the host is first
 * turned into a json-c tree (render_host_json prints it); the text table
 * is drawn from that same tree, so both always carry the same facts.
 */
#include <inttypes.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "render.h"

/* ---------------------------------------------------------------- tree */

static json_object *jstr(const char *s)
{
	if (s && !utf8_valid(s)) {
		/* JSON is UTF-8: a byte from the host that is not becomes U+FFFD */
		_cleanup_(freep) char *fixed = utf8_sanitize(s);
		return fixed ? json_object_new_string(fixed) : NULL;
	}
	return s ? json_object_new_string(s) : NULL; /* NULL is JSON null */
}

static json_object *jint(long long v)
{
	return v < 0 ? NULL : json_object_new_int64(v);
}

static json_object *jtri(int v)
{
	return v < 0 ? NULL : json_object_new_boolean(v);
}

static void add(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

/* The guests holding a PCI address: [{domain, type, persistent, live}]. */
static json_object *guests_holding(const struct host *h, const char *address)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < h->n_domains; i++) {
		const struct domain_state *d = &h->domains[i];
		const struct guest_dev_state *p = guest_dev_find(d->devs, d->n_devs, address);
		const struct guest_dev_state *l =
		    guest_dev_find(d->live_devs, d->n_live_devs, address);
		if (!p && !l)
			continue;
		json_object *g = json_object_new_object();
		add(g, "domain", jstr(d->name));
		add(g, "type", jstr(device_type_to_string((p ? p : l)->type)));
		add(g, "persistent", json_object_new_boolean(p != NULL));
		add(g, "live", json_object_new_boolean(l != NULL));
		json_object_array_add(a, g);
	}
	return a;
}

static json_object *jstrings(char *const *v, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, jstr(v[i]));
	return a;
}

static json_object *vf_tree(const struct host *h, const struct vf_state *v)
{
	json_object *o = json_object_new_object();

	add(o, "id", json_object_new_int64(v->id));
	add(o, "address", jstr(v->address));
	add(o, "driver", jstr(v->driver));
	add(o, "driver-override", jstr(v->driver_override));
	add(o, "interface", jstr(v->interface));
	add(o, "mac", jstr(v->link.mac[0] ? v->link.mac : NULL));
	add(o, "vlan", jint(v->link.vlan));
	add(o, "qos", jint(v->link.qos));
	add(o, "vlan-proto", jstr(vlan_proto_to_string(v->link.vlan_proto)));
	add(o, "spoof-check", jtri(v->link.spoof_check));
	add(o, "trust", jtri(v->link.trust));
	add(o, "link-state", jstr(link_state_to_string(v->link.link_state)));
	add(o, "max-tx-rate", jint(v->link.max_tx_rate));
	add(o, "min-tx-rate", jint(v->link.min_tx_rate));
	add(o, "guests", guests_holding(h, v->address));
	return o;
}

static json_object *pci_tree(const struct host *h, const struct pci_dev_state *p)
{
	json_object *o = json_object_new_object();

	add(o, "address", jstr(p->address));
	add(o, "vendor", jstr(p->vendor));
	add(o, "device", jstr(p->device));
	add(o, "name", jstr(p->name));
	add(o, "driver", jstr(p->driver));
	add(o, "interfaces", jstrings(p->interfaces, p->n_interfaces));
	add(o, "guests", guests_holding(h, p->address));
	if (!p->is_pf)
		return o;
	const struct sriov_state *s = &p->sriov;
	json_object *so = json_object_new_object();
	add(so, "total-vfs", json_object_new_int64(s->total_vfs));
	add(so, "num-vfs", json_object_new_int64(s->num_vfs));
	add(so, "drivers-autoprobe", jtri(s->drivers_autoprobe));
	add(so, "offset", jint(s->offset));
	add(so, "stride", jint(s->stride));
	add(so, "vf-device", jstr(s->vf_device));
	add(so, "vf-name", jstr(s->vf_name));
	json_object *vfs = json_object_new_array();
	for (size_t i = 0; i < s->n_vfs; i++)
		json_object_array_add(vfs, vf_tree(h, &s->vfs[i]));
	add(so, "vfs", vfs);
	add(o, "sriov", so);
	return o;
}

static json_object *dev_tree(const struct guest_dev_state *g, bool persistent, bool live)
{
	json_object *o = json_object_new_object();

	add(o, "type", jstr(device_type_to_string(g->type)));
	add(o, "address", jstr(g->address));
	add(o, "managed", json_object_new_boolean(g->managed));
	add(o, "mac", jstr(g->mac));
	add(o, "vlan", jint(g->vlan));
	add(o, "virtualport-type", jstr(g->virtualport_type));
	add(o, "profileid", jstr(g->profileid));
	add(o, "persistent", json_object_new_boolean(persistent));
	add(o, "live", json_object_new_boolean(live));
	return o;
}

/* Persistent devices in XML order, then those only in the live XML. */
static json_object *domain_tree(const struct domain_state *d)
{
	json_object *o = json_object_new_object();
	json_object *devs = json_object_new_array();

	add(o, "name", jstr(d->name));
	add(o, "running", json_object_new_boolean(d->running));
	add(o, "persistent", json_object_new_boolean(d->xml != NULL));
	for (size_t i = 0; i < d->n_devs; i++) {
		const struct guest_dev_state *g = &d->devs[i];
		bool live = guest_dev_find(d->live_devs, d->n_live_devs, g->address) != NULL;
		json_object_array_add(devs, dev_tree(g, true, live));
	}
	for (size_t i = 0; i < d->n_live_devs; i++) {
		const struct guest_dev_state *g = &d->live_devs[i];
		if (!guest_dev_find(d->devs, d->n_devs, g->address))
			json_object_array_add(devs, dev_tree(g, false, true));
	}
	add(o, "devices", devs);
	return o;
}

static json_object *host_tree(const struct host *h)
{
	json_object *o = json_object_new_object();
	json_object *pci = json_object_new_array(), *mods = json_object_new_array();
	json_object *files = json_object_new_array(), *doms = json_object_new_array();

	add(o, "version", json_object_new_int(1));
	add(o, "hostname", jstr(h->hostname));
	for (size_t i = 0; i < h->n_pci; i++)
		json_object_array_add(pci, pci_tree(h, &h->pci[i]));
	add(o, "pci", pci);
	for (size_t i = 0; i < h->n_modules; i++) {
		const struct module_state *m = &h->modules[i];
		json_object *mo = json_object_new_object(), *params = json_object_new_object();
		add(mo, "name", jstr(m->name));
		add(mo, "loaded", json_object_new_boolean(m->loaded));
		for (size_t j = 0; j < m->n_params; j++)
			add(params, m->params[j].key, jstr(m->params[j].value));
		add(mo, "parameters", params);
		json_object_array_add(mods, mo);
	}
	add(o, "modules", mods);
	for (size_t i = 0; i < h->n_files; i++) {
		json_object *fo = json_object_new_object();
		add(fo, "path", jstr(h->files[i].path));
		add(fo, "present", json_object_new_boolean(h->files[i].content != NULL));
		add(fo, "content", jstr(h->files[i].content));
		json_object_array_add(files, fo);
	}
	add(o, "files", files);
	add(o, "libvirt", json_object_new_boolean(h->libvirt_ok));
	for (size_t i = 0; i < h->n_domains; i++)
		json_object_array_add(doms, domain_tree(&h->domains[i]));
	add(o, "domains", doms);
	return o;
}

int render_host_json(const struct host *h, FILE *out)
{
	_cleanup_(json_object_putp) json_object *o = NULL;

	if (!h || !out)
		return -EINVAL;
	o = host_tree(h);
	if (!o)
		return -ENOMEM;
	const char *s = json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		return -ENOMEM;
	if (fputs(s, out) < 0 || fputc('\n', out) < 0)
		return -EIO;
	return 0;
}

/* ---------------------------------------------------------------- text */

/* A table of owned cells; columns padded to the widest, no trailing spaces. */
struct table {
	size_t n_cols;
	char **cells; /* n_rows * n_cols */
	size_t n_rows, cap;
	size_t *width;
	bool oom;
};

static void table_release(struct table *t)
{
	for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
}

static void table_init(struct table *t, size_t n_cols)
{
	*t = (struct table){.n_cols = n_cols, .width = calloc(n_cols, sizeof(size_t))};
	if (!t->width)
		t->oom = true;
}

/* Add a row of n_cols cells; takes ownership of the strings (NULL: "-"). */
static size_t table_row(struct table *t, char **cells)
{
	if (!t->oom && t->n_rows * t->n_cols + t->n_cols > t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : t->n_cols * 8;
		while (ncap < t->n_rows * t->n_cols + t->n_cols)
			ncap *= 2;
		char **p = reallocarray(t->cells, ncap, sizeof(char *));
		if (p) {
			t->cells = p;
			t->cap = ncap;
		} else {
			t->oom = true;
		}
	}
	for (size_t c = 0; c < t->n_cols; c++) {
		if (!cells[c])
			cells[c] = strdup("-");
		/* names and values come from the host: no raw control characters */
		if (cells[c] && str_needs_escape(cells[c])) {
			char *e = str_escape(cells[c]);
			free(cells[c]);
			cells[c] = e;
		}
		if (!cells[c])
			t->oom = true;
	}
	if (t->oom) {
		for (size_t c = 0; c < t->n_cols; c++)
			free(cells[c]);
		return SIZE_MAX;
	}
	for (size_t c = 0; c < t->n_cols; c++) {
		t->cells[t->n_rows * t->n_cols + c] = cells[c];
		size_t w = strlen(cells[c]);
		if (w > t->width[c])
			t->width[c] = w;
	}
	return t->n_rows++;
}

static void table_print_row(const struct table *t, size_t row, const char *indent, FILE *out)
{
	size_t last = t->n_cols;
	char *const *cells = &t->cells[row * t->n_cols];

	while (last > 1 && streq(cells[last - 1], ""))
		last--;
	fputs(indent, out);
	for (size_t c = 0; c < last; c++) {
		if (c + 1 < last)
			fprintf(out, "%-*s  ", (int)t->width[c], cells[c]);
		else
			fputs(cells[c], out);
	}
	fputc('\n', out);
}

/* A JSON value as a cell: null "-", booleans yes/no. Owned. */
static char *cell(json_object *o, const char *key)
{
	json_object *v = key ? json_object_object_get(o, key) : o;

	if (!v)
		return strdup("-");
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		return strdup(json_object_get_boolean(v) ? "yes" : "no");
	case json_type_int:
		return strprintf("%" PRId64, json_object_get_int64(v));
	case json_type_string:
		return strdup(json_object_get_string(v));
	default:
		return strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	}
}

/* "a, b" of an array of strings; "-" when empty. */
static char *joined(json_object *arr)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	size_t n = json_object_array_length(arr);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "",
			json_object_get_string(json_object_array_get_idx(arr, i)));
	if (!n)
		fputs("-", f);
	fclose(f);
	return buf;
}

/* "web1 (persistent, live), db (live)"; "-" when none. */
static char *guests_cell(json_object *o)
{
	json_object *arr = json_object_object_get(o, "guests");
	size_t n = arr ? json_object_array_length(arr) : 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_object *g = json_object_array_get_idx(arr, i);
		bool p = json_object_get_boolean(json_object_object_get(g, "persistent"));
		bool l = json_object_get_boolean(json_object_object_get(g, "live"));
		fprintf(f, "%s%s (%s%s%s)", i ? ", " : "",
			json_object_get_string(json_object_object_get(g, "domain")),
			p ? "persistent" : "", p && l ? ", " : "", l ? "live" : "");
	}
	if (!n)
		fputs("-", f);
	fclose(f);
	return buf;
}

static char *vendor_device(json_object *o)
{
	json_object *v = json_object_object_get(o, "vendor"),
		    *d = json_object_object_get(o, "device");
	if (!v && !d)
		return NULL;
	return strprintf("%s:%s", v ? json_object_get_string(v) : "-",
			 d ? json_object_get_string(d) : "-");
}

static char *vf_driver_cell(json_object *vf)
{
	json_object *drv = json_object_object_get(vf, "driver");
	json_object *ovr = json_object_object_get(vf, "driver-override");
	if (!ovr)
		return cell(vf, "driver");
	return strprintf("%s (override %s)", drv ? json_object_get_string(drv) : "-",
			 json_object_get_string(ovr));
}

static void print_pfs(json_object *pci, FILE *out)
{
	_cleanup_(table_release) struct table pf = {0}, vf = {0};
	size_t n = json_object_array_length(pci);
	size_t *first_vf = calloc(n + 1, sizeof(size_t));

	table_init(&pf, 8);
	table_init(&vf, 8);
	if (!first_vf)
		return;
	table_row(&pf,
		  (char *[]){strdup("PF"), strdup("DEVICE"), strdup("DRIVER"), strdup("NETDEVS"),
			     strdup("VFS"), strdup("AUTOPROBE"), strdup("GUESTS"), strdup("NAME")});
	table_row(&vf,
		  (char *[]){strdup("VF"), strdup("ADDRESS"), strdup("DRIVER"), strdup("NETDEV"),
			     strdup("MAC"), strdup("VLAN"), strdup("GUESTS"), strdup("NAME")});
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(pci, i);
		json_object *s = json_object_object_get(p, "sriov");
		first_vf[i] = vf.n_rows;
		if (!s)
			continue;
		json_object *num = json_object_object_get(s, "num-vfs");
		json_object *tot = json_object_object_get(s, "total-vfs");
		table_row(&pf, (char *[]){cell(p, "address"), vendor_device(p), cell(p, "driver"),
					  joined(json_object_object_get(p, "interfaces")),
					  strprintf("%s/%s", json_object_get_string(num),
						    json_object_get_string(tot)),
					  cell(s, "drivers-autoprobe"), guests_cell(p),
					  cell(p, "name")});
		json_object *vfs = json_object_object_get(s, "vfs");
		for (size_t j = 0; j < json_object_array_length(vfs); j++) {
			json_object *v = json_object_array_get_idx(vfs, j);
			table_row(&vf,
				  (char *[]){cell(v, "id"), cell(v, "address"), vf_driver_cell(v),
					     cell(v, "interface"), cell(v, "mac"), cell(v, "vlan"),
					     guests_cell(v), cell(s, "vf-name")});
		}
	}
	first_vf[n] = vf.n_rows;
	if (pf.oom || vf.oom || pf.n_rows < 2) {
		free(first_vf);
		return;
	}
	table_print_row(&pf, 0, "", out);
	for (size_t i = 0, row = 1; i < n; i++) {
		if (!json_object_object_get(json_object_array_get_idx(pci, i), "sriov"))
			continue;
		table_print_row(&pf, row++, "", out);
		if (first_vf[i + 1] > first_vf[i])
			table_print_row(&vf, 0, "  ", out);
		for (size_t r = first_vf[i]; r < first_vf[i + 1]; r++)
			table_print_row(&vf, r, "  ", out);
	}
	free(first_vf);
	fputc('\n', out);
}

static void print_table(struct table *t, FILE *out)
{
	if (t->oom || t->n_rows < 2)
		return;
	for (size_t r = 0; r < t->n_rows; r++)
		table_print_row(t, r, "", out);
	fputc('\n', out);
}

static void print_devices(json_object *pci, FILE *out)
{
	_cleanup_(table_release) struct table t = {0};

	table_init(&t, 6);
	table_row(&t, (char *[]){strdup("DEVICE"), strdup("ID"), strdup("DRIVER"),
				 strdup("NETDEVS"), strdup("GUESTS"), strdup("NAME")});
	for (size_t i = 0; i < json_object_array_length(pci); i++) {
		json_object *p = json_object_array_get_idx(pci, i);
		if (json_object_object_get(p, "sriov"))
			continue;
		table_row(&t, (char *[]){cell(p, "address"), vendor_device(p), cell(p, "driver"),
					 joined(json_object_object_get(p, "interfaces")),
					 guests_cell(p), cell(p, "name")});
	}
	print_table(&t, out);
}

/* "k=v k2=v2" of a module's parameters; NULL (shown "-") when there are none. */
static char *params_cell(json_object *m)
{
	json_object *params = json_object_object_get(m, "parameters");
	char *buf = NULL;
	size_t len = 0;
	const char *sep = "";

	if (!params || json_object_object_length(params) == 0)
		return NULL;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	json_object_object_foreach(params, k, v)
	{
		fprintf(f, "%s%s=%s", sep, k, v ? json_object_get_string(v) : "-");
		sep = " ";
	}
	fclose(f);
	return buf;
}

static void print_modules(json_object *mods, FILE *out)
{
	_cleanup_(table_release) struct table t = {0};

	table_init(&t, 3);
	table_row(&t, (char *[]){strdup("MODULE"), strdup("LOADED"), strdup("PARAMETERS")});
	for (size_t i = 0; i < json_object_array_length(mods); i++) {
		json_object *m = json_object_array_get_idx(mods, i);
		table_row(&t, (char *[]){cell(m, "name"), cell(m, "loaded"), params_cell(m)});
	}
	print_table(&t, out);
}

/* Each file, then its lines quoted and without trailing blanks. */
static void print_files(json_object *files, FILE *out)
{
	size_t n = json_object_array_length(files);

	if (!n)
		return;
	fputs("FILE\n", out);
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(files, i);
		json_object *c = json_object_object_get(f, "content");
		const char *path = json_object_get_string(json_object_object_get(f, "path"));
		fputs_escaped(path, out);
		if (!c) {
			fputs(" (absent)\n", out);
			continue;
		}
		fputc('\n', out);
		for (const char *s = json_object_get_string(c); *s;) {
			size_t len = strcspn(s, "\n");
			size_t end = len;
			while (end > 0 &&
			       (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r'))
				end--;
			_cleanup_(freep) char *line = strndup(s, end);
			fprintf(out, "  |%s", end ? " " : "");
			fputs_escaped(line ? line : "(out of memory)", out);
			fputc('\n', out);
			s += len;
			if (*s)
				s++;
		}
	}
	fputc('\n', out);
}

static char *vport_cell(json_object *d)
{
	json_object *t = json_object_object_get(d, "virtualport-type");
	json_object *p = json_object_object_get(d, "profileid");
	if (!t && !p)
		return NULL;
	if (!p)
		return strdup(json_object_get_string(t));
	return strprintf("%s profileid=%s", t ? json_object_get_string(t) : "-",
			 json_object_get_string(p));
}

static char *where_cell(json_object *d)
{
	bool p = json_object_get_boolean(json_object_object_get(d, "persistent"));
	bool l = json_object_get_boolean(json_object_object_get(d, "live"));
	return strprintf("%s%s%s", p ? "persistent" : "", p && l ? ", " : "", l ? "live" : "");
}

static void print_domains(json_object *root, FILE *out)
{
	json_object *doms = json_object_object_get(root, "domains");
	_cleanup_(table_release) struct table t = {0};

	if (!json_object_get_boolean(json_object_object_get(root, "libvirt"))) {
		fputs("DOMAIN\n(libvirt not observed)\n", out);
		return;
	}
	table_init(&t, 9);
	table_row(&t, (char *[]){strdup("DOMAIN"), strdup("STATE"), strdup("TYPE"),
				 strdup("ADDRESS"), strdup("MANAGED"), strdup("MAC"),
				 strdup("VLAN"), strdup("VIRTUALPORT"), strdup("IN")});
	for (size_t i = 0; i < json_object_array_length(doms); i++) {
		json_object *d = json_object_array_get_idx(doms, i);
		bool run = json_object_get_boolean(json_object_object_get(d, "running"));
		bool pers = json_object_get_boolean(json_object_object_get(d, "persistent"));
		table_row(&t, (char *[]){cell(d, "name"),
					 strdup(run ? (pers ? "running" : "running, transient")
						    : "shut off"),
					 strdup(""), strdup(""), strdup(""), strdup(""), strdup(""),
					 strdup(""), strdup("")});
		json_object *devs = json_object_object_get(d, "devices");
		for (size_t j = 0; j < json_object_array_length(devs); j++) {
			json_object *g = json_object_array_get_idx(devs, j);
			table_row(&t,
				  (char *[]){strdup(""), strdup(""), cell(g, "type"),
					     cell(g, "address"), cell(g, "managed"), cell(g, "mac"),
					     cell(g, "vlan"), vport_cell(g), where_cell(g)});
		}
	}
	if (t.oom)
		return;
	for (size_t r = 0; r < t.n_rows; r++)
		table_print_row(&t, r, "", out);
	if (t.n_rows == 1)
		fputs("(no domains)\n", out);
}

int render_host_text(const struct host *h, FILE *out)
{
	_cleanup_(json_object_putp) json_object *o = NULL;

	if (!h || !out)
		return -EINVAL;
	o = host_tree(h);
	if (!o)
		return -ENOMEM;
	json_object *name = json_object_object_get(o, "hostname");
	fputs("HOST ", out);
	fputs_escaped(name ? json_object_get_string(name) : "-", out);
	fputs("\n\n", out);
	print_pfs(json_object_object_get(o, "pci"), out);
	print_devices(json_object_object_get(o, "pci"), out);
	print_modules(json_object_object_get(o, "modules"), out);
	print_files(json_object_object_get(o, "files"), out);
	print_domains(o, out);
	return ferror(out) ? -EIO : 0;
}

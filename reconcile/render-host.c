/* SPDX-License-Identifier: MIT */
/*
 * struct host for people: tables like lspci and virsh in one. Programs get
 * the host-state document instead (state_write_json, host-state-write.c);
 * this text adds what is derived from it, such as the guests holding each
 * device and the devices in each guest's XML.
 */
#include <inttypes.h>

#include "cleanup.h"
#include "modconf.h"
#include "render.h"

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
		/* names and values come from the host: UTF-8, no raw control characters */
		if (cells[c] && !utf8_valid(cells[c])) {
			char *u = utf8_sanitize(cells[c]);
			free(cells[c]);
			cells[c] = u;
		}
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

/* fputs of a host string for a terminal: not UTF-8 as U+FFFD, then escaped */
static void put_text(const char *s, FILE *out)
{
	_cleanup_(freep) char *fixed = utf8_valid(s) ? NULL : utf8_sanitize(s);

	fputs_escaped(fixed ? fixed : s, out);
}

/* Cells (owned; NULL is shown "-"). */
static char *num_cell(long long v)
{
	return v < 0 ? NULL : strprintf("%lld", v);
}

static char *yes_no(int v)
{
	return v < 0 ? NULL : strdup(v ? "yes" : "no");
}

/* "a, b"; "-" when empty. */
static char *joined(char *const *v, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", v[i]);
	if (!n)
		fputs("-", f);
	fclose(f);
	return buf;
}

static char *where_cell(bool persistent, bool live)
{
	return strprintf("%s%s%s", persistent ? "persistent" : "", persistent && live ? ", " : "",
			 live ? "live" : "");
}

/* The guests holding a PCI address: "web1 (persistent, live), db (live)"; "-" when none. */
static char *guests_cell(const struct host *h, const char *address)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *sep = "";

	if (!f)
		return NULL;
	for (size_t i = 0; i < h->n_domains; i++) {
		const struct domain_state *d = &h->domains[i];
		bool p = guest_dev_find(d->devs, d->n_devs, address) != NULL;
		bool l = guest_dev_find(d->live_devs, d->n_live_devs, address) != NULL;
		_cleanup_(freep) char *where = (p || l) ? where_cell(p, l) : NULL;
		if (!where)
			continue;
		fprintf(f, "%s%s (%s)", sep, d->name, where);
		sep = ", ";
	}
	if (!*sep)
		fputs("-", f);
	fclose(f);
	return buf;
}

static char *vendor_device(const struct pci_dev_state *p)
{
	if (!p->vendor && !p->device)
		return NULL;
	return strprintf("%s:%s", p->vendor ? p->vendor : "-", p->device ? p->device : "-");
}

static char *vf_driver_cell(const struct vf_state *v)
{
	if (!v->driver_override)
		return strdup_or_null(v->driver);
	return strprintf("%s (override %s)", v->driver ? v->driver : "-", v->driver_override);
}

/*
 * The row of a PCI device: a PF (PF, DEVICE, DRIVER, NETDEVS, VFS,
 * AUTOPROBE, GUESTS, NAME) or any other device (without VFS and AUTOPROBE).
 */
static void pci_row(struct table *t, const struct host *h, const struct pci_dev_state *p)
{
	char *cells[8], **c = cells;

	*c++ = strdup(p->address);
	*c++ = vendor_device(p);
	*c++ = strdup_or_null(p->driver);
	*c++ = joined(p->interfaces, p->n_interfaces);
	if (p->is_pf) {
		*c++ = strprintf("%u/%u", p->sriov.num_vfs, p->sriov.total_vfs);
		*c++ = yes_no(p->sriov.drivers_autoprobe);
	}
	*c++ = guests_cell(h, p->address);
	*c++ = strdup_or_null(p->name);
	table_row(t, cells);
}

/* The VF's netdev, and how the host uses it: "enp11s16 (in use: enslaved to bridge br0)". */
static char *vf_netdev_cell(const struct vf_state *v)
{
	_cleanup_(freep) char *use = v->interface ? netdev_use_describe(&v->use) : NULL;

	if (!use)
		return strdup_or_null(v->interface);
	return strprintf("%s (in use: %s)", v->interface, use);
}

static void vf_row(struct table *t, const struct host *h, const struct pci_dev_state *pf,
		   const struct vf_state *v)
{
	table_row(t,
		  (char *[]){num_cell(v->id), strdup(v->address), vf_driver_cell(v),
			     vf_netdev_cell(v), strdup_or_null(v->link.mac[0] ? v->link.mac : NULL),
			     num_cell(v->link.vlan), guests_cell(h, v->address),
			     strdup_or_null(pf->sriov.vf_name)});
}

static void print_pfs(const struct host *h, FILE *out)
{
	_cleanup_(table_release) struct table pf = {0}, vf = {0};
	_cleanup_(freep) size_t *first_vf = calloc(h->n_pci + 1, sizeof(size_t));

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
	for (size_t i = 0; i < h->n_pci; i++) {
		const struct pci_dev_state *p = &h->pci[i];
		first_vf[i] = vf.n_rows;
		if (!p->is_pf)
			continue;
		pci_row(&pf, h, p);
		for (size_t j = 0; j < p->sriov.n_vfs; j++)
			vf_row(&vf, h, p, &p->sriov.vfs[j]);
	}
	first_vf[h->n_pci] = vf.n_rows;
	if (pf.oom || vf.oom || pf.n_rows < 2)
		return;
	table_print_row(&pf, 0, "", out);
	for (size_t i = 0, row = 1; i < h->n_pci; i++) {
		if (!h->pci[i].is_pf)
			continue;
		table_print_row(&pf, row++, "", out);
		if (first_vf[i + 1] > first_vf[i])
			table_print_row(&vf, 0, "  ", out);
		for (size_t r = first_vf[i]; r < first_vf[i + 1]; r++)
			table_print_row(&vf, r, "  ", out);
	}
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

/*
 * The device's IOMMU group and the group's other members, which a guest
 * given the device must have too: "14 (with 0000:65:00.1)". NULL: unknown.
 */
static char *iommu_cell(const struct host *h, const struct pci_dev_state *p)
{
	const struct iommu_group *g =
	    p->iommu_group >= 0 ? host_find_iommu_group(h, p->iommu_group) : NULL;
	char *buf = NULL;
	size_t len = 0, k = 0;

	if (p->iommu_group < 0)
		return NULL;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fprintf(f, "%d", p->iommu_group);
	for (size_t i = 0; g && i < g->n_members; i++)
		if (!streq_ptr(g->members[i].address, p->address))
			fprintf(f, "%s%s", k++ ? ", " : " (with ", g->members[i].address);
	if (k)
		fputc(')', f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Devices passed through whole; an IOMMU GROUP column where a group is known. */
static void print_devices(const struct host *h, FILE *out)
{
	_cleanup_(table_release) struct table t = {0};
	bool groups = false;

	for (size_t i = 0; i < h->n_pci; i++)
		groups |= !h->pci[i].is_pf && h->pci[i].iommu_group >= 0;
	table_init(&t, groups ? 7 : 6);
	table_row(&t,
		  (char *[]){strdup("DEVICE"), strdup("ID"), strdup("DRIVER"), strdup("NETDEVS"),
			     strdup("GUESTS"), strdup(groups ? "IOMMU GROUP" : "NAME"),
			     groups ? strdup("NAME") : NULL});
	for (size_t i = 0; i < h->n_pci; i++) {
		const struct pci_dev_state *p = &h->pci[i];
		if (p->is_pf)
			continue;
		if (!groups) {
			pci_row(&t, h, p);
			continue;
		}
		table_row(&t, (char *[]){strdup(p->address), vendor_device(p),
					 strdup_or_null(p->driver),
					 joined(p->interfaces, p->n_interfaces),
					 guests_cell(h, p->address), iommu_cell(h, p),
					 strdup_or_null(p->name)});
	}
	print_table(&t, out);
}

/* "k=v k2=v2" of a module's parameters; NULL (shown "-") when there are none. */
static char *params_cell(const struct module_state *m)
{
	char *buf = NULL;
	size_t len = 0;

	if (!m->n_params)
		return NULL;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < m->n_params; i++)
		fprintf(f, "%s%s=%s", i ? " " : "", m->params[i].key,
			m->params[i].value ? m->params[i].value : "-");
	fclose(f);
	return buf;
}

static void print_modules(const struct host *h, FILE *out)
{
	_cleanup_(table_release) struct table t = {0};

	table_init(&t, 3);
	table_row(&t, (char *[]){strdup("MODULE"), strdup("LOADED"), strdup("PARAMETERS")});
	for (size_t i = 0; i < h->n_modules; i++) {
		const struct module_state *m = &h->modules[i];
		table_row(&t, (char *[]){strdup(m->name), yes_no(m->loaded), params_cell(m)});
	}
	print_table(&t, out);
}

/* True when a later option of m sets the same key as conf[i]: the module keeps the last. */
static bool conf_overridden(const struct module_state *m, size_t i)
{
	for (size_t j = i + 1; j < m->n_conf; j++)
		if (modname_eq(m->conf[j].key, m->conf[i].key))
			return true;
	return false;
}

/* What modprobe would pass at the next load ("max_vfs=7", "debug"), and from where. */
static void print_module_config(const struct host *h, FILE *out)
{
	_cleanup_(table_release) struct table t = {0};

	table_init(&t, 4);
	table_row(&t, (char *[]){strdup("MODULE"), strdup("CONFIG"), strdup("FROM"), strdup("")});
	for (size_t i = 0; i < h->n_modules; i++) {
		const struct module_state *m = &h->modules[i];
		for (size_t j = 0; j < m->n_conf; j++) {
			const struct module_conf *c = &m->conf[j];
			table_row(&t,
				  (char *[]){strdup(m->name),
					     *c->value ? strprintf("%s=%s", c->key, c->value)
						       : strdup(c->key),
					     strdup(c->source),
					     strdup(conf_overridden(m, j) ? "(overridden)" : "")});
		}
	}
	print_table(&t, out);
}

/* Each file, then its lines quoted and without trailing blanks. */
static void print_files(const struct host *h, FILE *out)
{
	if (!h->n_files)
		return;
	fputs("FILE\n", out);
	for (size_t i = 0; i < h->n_files; i++) {
		const struct file_state *f = &h->files[i];
		put_text(f->path, out);
		if (!f->content) {
			fputs(" (absent)\n", out);
			continue;
		}
		fputc('\n', out);
		for (const char *s = f->content; *s;) {
			size_t len = strcspn(s, "\n");
			size_t end = len;
			while (end > 0 &&
			       (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r'))
				end--;
			_cleanup_(freep) char *line = strndup(s, end);
			fprintf(out, "  |%s", end ? " " : "");
			put_text(line ? line : "(out of memory)", out);
			fputc('\n', out);
			s += len;
			if (*s)
				s++;
		}
	}
	fputc('\n', out);
}

static char *vport_cell(const struct guest_dev_state *g)
{
	if (!g->virtualport_type && !g->profileid)
		return NULL;
	if (!g->profileid)
		return strdup(g->virtualport_type);
	return strprintf("%s profileid=%s", g->virtualport_type ? g->virtualport_type : "-",
			 g->profileid);
}

static void dev_row(struct table *t, const struct guest_dev_state *g, bool persistent, bool live)
{
	table_row(t,
		  (char *[]){strdup(""), strdup(""), strdup_or_null(device_type_to_string(g->type)),
			     strdup_or_null(g->address), yes_no(g->managed), strdup_or_null(g->mac),
			     num_cell(g->vlan), vport_cell(g), where_cell(persistent, live)});
}

/* Each domain, then its devices: persistent ones in XML order, then those only in the live XML. */
static void domain_rows(struct table *t, const struct domain_state *d)
{
	const char *state = !d->running ? "shut off" : d->xml ? "running" : "running, transient";

	table_row(t, (char *[]){strdup(d->name), strdup(state), strdup(""), strdup(""), strdup(""),
				strdup(""), strdup(""), strdup(""), strdup("")});
	for (size_t i = 0; i < d->n_devs; i++) {
		const struct guest_dev_state *g = &d->devs[i];
		dev_row(t, g, true, guest_dev_find(d->live_devs, d->n_live_devs, g->address));
	}
	for (size_t i = 0; i < d->n_live_devs; i++) {
		const struct guest_dev_state *g = &d->live_devs[i];
		if (!guest_dev_find(d->devs, d->n_devs, g->address))
			dev_row(t, g, false, true);
	}
}

static void print_domains(const struct host *h, FILE *out)
{
	_cleanup_(table_release) struct table t = {0};

	if (!h->libvirt_ok) {
		fputs("DOMAIN\n(libvirt not observed)\n", out);
		return;
	}
	table_init(&t, 9);
	table_row(&t, (char *[]){strdup("DOMAIN"), strdup("STATE"), strdup("TYPE"),
				 strdup("ADDRESS"), strdup("MANAGED"), strdup("MAC"),
				 strdup("VLAN"), strdup("VIRTUALPORT"), strdup("IN")});
	for (size_t i = 0; i < h->n_domains; i++)
		domain_rows(&t, &h->domains[i]);
	if (t.oom)
		return;
	for (size_t r = 0; r < t.n_rows; r++)
		table_print_row(&t, r, "", out);
	if (t.n_rows == 1)
		fputs("(no domains)\n", out);
}

/* "0000:0b:10.2 MyGuest, 0000:0b:10.4 (a guest)": the VFs pool n handed out, and to whom. */
static char *handed_out_cell(const struct host *h, const struct network_state *n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool first = true;

	if (!f)
		return NULL;
	for (size_t i = 0; i < n->n_vfs; i++) {
		const struct domain_state *dom;
		if (host_vf_handed_out(h, n->vfs[i], &dom) != n)
			continue;
		fprintf(f, "%s%s %s", first ? "" : ", ", n->vfs[i], dom ? dom->name : "(a guest)");
		first = false;
	}
	if (first)
		fputc('-', f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The libvirt VF pools (hostdev networks) and the VFs they handed out. */
static void print_pools(const struct host *h, FILE *out)
{
	_cleanup_(table_release) struct table t = {0};

	if (!h->libvirt_ok)
		return;
	table_init(&t, 7);
	table_row(&t, (char *[]){strdup("POOL"), strdup("STATE"), strdup("AUTOSTART"), strdup("PF"),
				 strdup("MANAGED"), strdup("VFS"), strdup("HANDED OUT")});
	for (size_t i = 0; i < h->n_networks; i++) {
		const struct network_state *n = &h->networks[i];
		if (!n->hostdev)
			continue;
		table_row(&t, (char *[]){strdup(n->name), strdup(n->active ? "active" : "inactive"),
					 yes_no(n->autostart), strdup(n->pf ? n->pf : "-"),
					 yes_no(n->managed), num_cell((long long)n->n_vfs),
					 handed_out_cell(h, n)});
	}
	if (t.oom || t.n_rows == 1)
		return;
	fputc('\n', out);
	for (size_t r = 0; r < t.n_rows; r++)
		table_print_row(&t, r, "", out);
}

int render_host_text(const struct host *h, FILE *out)
{
	if (!h || !out)
		return -EINVAL;
	fputs("HOST ", out);
	put_text(h->hostname ? h->hostname : "-", out);
	fputs("\n\n", out);
	print_pfs(h, out);
	print_devices(h, out);
	print_modules(h, out);
	print_module_config(h, out);
	print_files(h, out);
	print_domains(h, out);
	print_pools(h, out);
	return ferror(out) ? -EIO : 0;
}

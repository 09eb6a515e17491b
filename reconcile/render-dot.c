/* SPDX-License-Identifier: MIT */
/*
 * The host as a Graphviz digraph (show --format dot), with a plan's
 * changes marked (plan --format dot). Nodes: "pf:ADDR", "vf:ADDR" (or
 * "vf:PF#N" for a VF a plan creates), "dev:ADDR" (a device a guest holds
 * that is no VF), "guest:NAME", "module:NAME", "file:PATH". Every string
 * from the host or the file goes through dot_str(): made visible by
 * str_escape() (no control character, valid UTF-8), then quoted for DOT.
 */
#include "cleanup.h"
#include "render.h"

#define COLOR_CHANGE  "darkorange"
#define COLOR_ATTACH  "forestgreen"
#define COLOR_REMOVE  "red3"
#define COLOR_BLOCKED "red3"

/* s inside a DOT quoted string: '"' and '\\' escaped, so \n, \l and the like stay text. */
static void dot_escaped(const char *s, FILE *out)
{
	_cleanup_(freep) char *e = str_escape(s ? s : "");

	for (const char *p = e ? e : "?"; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		fputc(*p, out);
	}
}

/* s as a DOT quoted string. */
static void dot_str(const char *s, FILE *out)
{
	fputc('"', out);
	dot_escaped(s, out);
	fputc('"', out);
}

/* A label of lines: each escaped on its own, joined with DOT's \n. */
static void dot_label(char *const *lines, size_t n, FILE *out)
{
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		dot_escaped(lines[i], out);
		if (i + 1 < n)
			fputs("\\n", out);
	}
	fputc('"', out);
}

/* ---- what a plan marks ---- */

struct mark {
	char *node;   /* the node it changes */
	char *line;   /* "~ num-vfs 2 -> 4", "! blocked: ... (why)" */
	bool blocked; /* else pending */
	bool edge;    /* attach/detach: an edge from node to guest, not a node mark */
	char *guest;  /* edge: "guest:NAME" */
	char *pf;     /* a VF's: "pf:ADDR", to hang a VF the plan creates off; else NULL */
	unsigned vf;  /* with pf: the VF's index */
	enum action_kind kind;
};

struct marks {
	struct mark *v;
	size_t n, cap;
};

static void marks_release(struct marks *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].node);
		free(m->v[i].line);
		free(m->v[i].guest);
		free(m->v[i].pf);
	}
	free(m->v);
}

/* The node of a device: its VF node when it is one of h's VFs, else "dev:ADDR". Owned. */
static char *device_node(const struct host *h, const char *address)
{
	if (host_find_vf(h, address, NULL))
		return strprintf("vf:%s", address);
	return strprintf("dev:%s", address);
}

/* The node an action changes. Owned. */
static char *action_node(const struct host *h, const struct action *a)
{
	switch (a->kind) {
	case ACTION_SET_NUM_VFS:
	case ACTION_SET_DRIVERS_AUTOPROBE:
	case ACTION_SET_ESWITCH_MODE:
		return strprintf("pf:%s", a->target);
	case ACTION_BIND_DRIVER:
		if (!a->vf.pf) /* a whole device a guest gets */
			return device_node(h, a->device);
		/* fall through */
	case ACTION_SET_VF:
		return a->device ? strprintf("vf:%s", a->device)
				 : strprintf("vf:%s#%u", a->vf.pf, a->vf.id);
	case ACTION_SET_MTU: /* a PF's netdev, or a VF's */
		if (!a->vf.pf)
			return strprintf("pf:%s", a->target);
		return a->device ? strprintf("vf:%s", a->device)
				 : strprintf("vf:%s#%u", a->vf.pf, a->vf.id);
	case ACTION_WRITE_MODPROBE_CONF:
		return strprintf("file:%s", a->target);
	case ACTION_RELOAD_MODULE:
		return strprintf("module:%s", a->target);
	case ACTION_ATTACH:
	case ACTION_DETACH:
		/* a VF of a managed PF, maybe one the plan creates */
		if (a->device && a->vf.pf)
			return strprintf("vf:%s", a->device);
		if (a->device)
			return device_node(h, a->device);
		return strprintf("vf:%s#%u", a->vf.pf, a->vf.id);
	default:
		return strdup(a->target ? a->target : "?");
	}
}

static int mark_actions(struct marks *m, const struct host *h, const struct action *v, size_t n,
			bool blocked)
{
	for (size_t i = 0; i < n; i++) {
		const struct action *a = &v[i];
		_cleanup_(freep) char *text = NULL;
		char c = render_action_text(a, &text);
		struct mark *k = c ? GROW(m->v, m->n, m->cap) : NULL;

		if (!k)
			return -ENOMEM;
		k->kind = a->kind;
		k->blocked = blocked;
		k->edge = a->kind == ACTION_ATTACH || a->kind == ACTION_DETACH;
		k->node = action_node(h, a);
		k->guest = k->edge ? strprintf("guest:%s", a->target) : NULL;
		k->pf = a->vf.pf ? strprintf("pf:%s", a->vf.pf) : NULL;
		k->vf = a->vf.id;
		k->line = blocked ? strprintf("! blocked: %s (%s)", text, a->why ? a->why : "?")
				  : strprintf("%c %s", c, text);
		if (!k->node || !k->line || (k->edge && !k->guest) || (a->vf.pf && !k->pf))
			return -ENOMEM;
	}
	return 0;
}

/* ---- nodes ---- */

/*
 * Emit node id with its lines, the marks' lines on it appended and its
 * color set by them; shape and style as given.
 */
static int node(FILE *out, struct strv *done, const struct marks *m, const char *id,
		const char *shape, const char *style, struct strv *lines)
{
	const char *color = NULL;
	int r;

	for (size_t i = 0; m && i < m->n; i++) {
		if (m->v[i].edge || !streq(m->v[i].node, id))
			continue;
		r = strv_add_unique(lines, m->v[i].line);
		if (r < 0)
			return r;
		if (m->v[i].blocked)
			color = COLOR_BLOCKED;
		else if (!color)
			color = COLOR_CHANGE;
	}
	fputs("  ", out);
	dot_str(id, out);
	fputs(" [label=", out);
	dot_label(lines->v, lines->n, out);
	fprintf(out, ", shape=%s", shape);
	if (style || color)
		fprintf(out, ", style=\"%s%s%s\"", style ? style : "", style && color ? "," : "",
			color ? "bold" : "");
	if (color)
		fprintf(out, ", color=%s, fontcolor=%s", color, color);
	fputs("];\n", out);
	return strv_add_unique(done, id);
}

static bool emitted(const struct strv *done, const char *id)
{
	for (size_t i = 0; i < done->n; i++)
		if (streq(done->v[i], id))
			return true;
	return false;
}

static void edge(FILE *out, const char *from, const char *to, const char *attrs)
{
	fputs("  ", out);
	dot_str(from, out);
	fputs(" -> ", out);
	dot_str(to, out);
	fprintf(out, "%s%s%s;\n", attrs ? " [" : "", attrs ? attrs : "", attrs ? "]" : "");
}

/* push a formatted line; NULL from strprintf counts as out of memory in strv_push */
#define LINE(l, ...) strv_push(l, strprintf(__VA_ARGS__))

static int vf_node(FILE *out, struct strv *done, const struct marks *m,
		   const struct pci_dev_state *pf, const struct vf_state *v)
{
	_cleanup_(strv_release) struct strv l = {0};
	_cleanup_(freep) char *id = strprintf("vf:%s", v->address);
	int r = id ? 0 : -ENOMEM;

	if (r >= 0)
		r = LINE(&l, "VF %u %s", v->id, v->address);
	if (r >= 0)
		r = LINE(&l, "driver %s", v->driver ? v->driver : "none");
	if (r >= 0 && v->interface)
		r = LINE(&l, "netdev %s", v->interface);
	if (r >= 0 && v->link.mac[0])
		r = LINE(&l, "mac %s", v->link.mac);
	if (r >= 0 && v->link.vlan > 0)
		r = LINE(&l, "vlan %d%s", v->link.vlan,
			 v->link.vlan_proto == VLAN_PROTO_8021AD ? " (802.1ad)" : "");
	if (r >= 0)
		r = node(out, done, m, id, "box", "rounded", &l);
	if (r >= 0) {
		_cleanup_(freep) char *pid = strprintf("pf:%s", pf->address);
		if (!pid)
			return -ENOMEM;
		edge(out, pid, id, NULL);
	}
	return r;
}

static int pf_nodes(FILE *out, struct strv *done, const struct marks *m, const struct host *h)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < h->n_pci; i++) {
		const struct pci_dev_state *p = &h->pci[i];
		_cleanup_(strv_release) struct strv l = {0};
		_cleanup_(freep) char *id = NULL;

		if (!p->is_pf)
			continue;
		id = strprintf("pf:%s", p->address);
		r = id ? LINE(&l, "PF %s", p->address) : -ENOMEM;
		if (r >= 0 && p->name)
			r = LINE(&l, "%s", p->name);
		if (r >= 0)
			r = LINE(&l, "driver %s", p->driver ? p->driver : "none");
		for (size_t j = 0; r >= 0 && j < p->n_interfaces; j++)
			r = LINE(&l, "netdev %s", p->interfaces[j]);
		if (r >= 0)
			r = LINE(&l, "VFs %u/%u", p->sriov.num_vfs, p->sriov.total_vfs);
		if (r >= 0)
			r = node(out, done, m, id, "box3d", NULL, &l);
		for (size_t j = 0; r >= 0 && j < p->sriov.n_vfs; j++)
			r = vf_node(out, done, m, p, &p->sriov.vfs[j]);
	}
	return r;
}

/* Each guest, and an edge from each device it holds (config, live or both). */
static int guest_nodes(FILE *out, struct strv *done, const struct marks *m, const struct host *h)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < h->n_domains; i++) {
		const struct domain_state *d = &h->domains[i];
		_cleanup_(strv_release) struct strv l = {0};
		_cleanup_(freep) char *id = strprintf("guest:%s", d->name);

		r = id ? LINE(&l, "%s", d->name) : -ENOMEM;
		if (r >= 0)
			r = LINE(&l, "%s", d->running ? "running" : "shut off");
		if (r >= 0)
			r = node(out, done, m, id, "ellipse", NULL, &l);
		/* the devices of both definitions, each once */
		for (size_t k = 0; r >= 0 && k < d->n_devs + d->n_live_devs; k++) {
			const struct guest_dev_state *g =
			    k < d->n_devs ? &d->devs[k] : &d->live_devs[k - d->n_devs];
			bool cfg = guest_dev_find(d->devs, d->n_devs, g->address) != NULL;
			bool live =
			    guest_dev_find(d->live_devs, d->n_live_devs, g->address) != NULL;
			if (k >= d->n_devs && cfg)
				continue; /* said with the persistent one */
			_cleanup_(freep) char *dev = device_node(h, g->address);
			if (!dev)
				return -ENOMEM;
			if (!emitted(done, dev)) {
				const struct pci_dev_state *p = host_find_pci(h, g->address);
				_cleanup_(strv_release) struct strv dl = {0};
				r = LINE(&dl, "%s", g->address);
				if (r >= 0 && p && p->name)
					r = LINE(&dl, "%s", p->name);
				if (r >= 0 && p)
					r = LINE(&dl, "driver %s", p->driver ? p->driver : "none");
				if (r >= 0)
					r = node(out, done, m, dev, "box", NULL, &dl);
				if (r < 0)
					return r;
			}
			edge(out, dev, id,
			     cfg && live ? "label=\"config+live\""
			     : live	 ? "label=\"live\""
					 : "label=\"config\"");
		}
	}
	return r;
}

/* Nodes only the plan names (new VFs, modules, files), then its attach and detach edges. */
static int plan_nodes(FILE *out, struct strv *done, const struct marks *m)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < m->n; i++) {
		const char *id = m->v[i].node;
		_cleanup_(strv_release) struct strv l = {0};
		const char *shape = "box";

		if (emitted(done, id))
			continue;
		if (strncmp(id, "module:", 7) == 0)
			shape = "component";
		else if (strncmp(id, "file:", 5) == 0)
			shape = "note";
		bool vf = m->v[i].pf && strncmp(id, "vf:", 3) == 0;
		r = vf ? LINE(&l, "VF %u %s (new)", m->v[i].vf, strchr(id, ':') + 1)
		       : LINE(&l, "%s", strchr(id, ':') + 1);
		if (r >= 0)
			r = node(out, done, m, id, shape, "dashed", &l);
		/* a new VF hangs off its PF */
		if (r >= 0 && vf)
			edge(out, m->v[i].pf, id, "style=dashed");
	}
	for (size_t i = 0; r >= 0 && i < m->n; i++) {
		const struct mark *k = &m->v[i];
		_cleanup_(freep) char *attrs = NULL;
		size_t len = 0;
		FILE *f;

		if (!k->edge)
			continue;
		f = open_memstream(&attrs, &len);
		if (!f)
			return -ENOMEM;
		fprintf(f, "style=dashed, penwidth=2, color=%s, fontcolor=%s, label=",
			k->blocked		   ? COLOR_BLOCKED
			: k->kind == ACTION_ATTACH ? COLOR_ATTACH
						   : COLOR_REMOVE,
			k->blocked		   ? COLOR_BLOCKED
			: k->kind == ACTION_ATTACH ? COLOR_ATTACH
						   : COLOR_REMOVE);
		dot_str(k->line, f);
		if (fclose(f) != 0)
			return -ENOMEM;
		edge(out, k->node, k->guest, attrs);
	}
	return r;
}

int render_host_dot(const struct host *h, const struct plan *p, FILE *out)
{
	_cleanup_(strv_release) struct strv done = {0};
	struct marks m = {0};
	int r = 0;

	if (p) {
		r = mark_actions(&m, h, p->changes, p->n_changes, false);
		if (r >= 0)
			r = mark_actions(&m, h, p->blocked, p->n_blocked, true);
	}
	fputs("digraph sriovctl {\n"
	      "  rankdir=LR;\n"
	      "  node [fontname=\"monospace\", fontsize=10];\n"
	      "  edge [fontname=\"monospace\", fontsize=9];\n",
	      out);
	if (h->hostname) {
		fputs("  label=", out);
		dot_str(h->hostname, out);
		fputs(";\n  labelloc=t;\n", out);
	}
	if (r >= 0)
		r = pf_nodes(out, &done, &m, h);
	if (r >= 0)
		r = guest_nodes(out, &done, &m, h);
	if (r >= 0)
		r = plan_nodes(out, &done, &m);
	fputs("}\n", out);
	marks_release(&m);
	if (r < 0)
		return r;
	return ferror(out) ? -EIO : 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Plans as diff-like text and as the JSON contract (schema/plan.schema.json).
 *
 * One printer per action kind writes both forms, the way iproute2's
 * print_*(PRINT_ANY, ...) does: each call names the JSON key and the text
 * format of one value, so the two cannot drift.
 *
 * Text: one line per action, "+" creates or attaches, "-" detaches, "~"
 * changes; a file's change follows as "-"/"+" lines; blocked actions
 * follow as "! blocked: LINE — WHY"; the last line sums up. JSON:
 * {"version":1,"changes":[...],"blocked":[...],"summary":{...}}, keys in a
 * fixed order; "from"/"to" are structured values (null: absent/unknown).
 */
#include <json-c/json.h>
#include <stdarg.h>

#include "render.h"

/* Where one action goes: text (f), JSON (o), or both. */
struct pr {
	FILE *f;
	json_object *o;
};

static void pr_text(struct pr *p, const char *fmt, ...) _printf_(2, 3);
static void pr_text(struct pr *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->f)
		return;
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
}

static void pr_json(struct pr *p, const char *key, json_object *v)
{
	if (p->o)
		json_object_object_add(p->o, key, v);
	else
		json_object_put(v);
}

static json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *jtri(int v)
{
	return v < 0 ? NULL : json_object_new_boolean(v);
}

static json_object *jint(long long v)
{
	return v < 0 ? NULL : json_object_new_int64(v);
}

/* A string value: text with tfmt (one %s, NULL printed as "?"), JSON under key. */
static void pr_str(struct pr *p, const char *key, const char *tfmt, const char *v)
{
	pr_text(p, tfmt, v ? v : "?");
	if (key && p->o)
		pr_json(p, key, jstr(v));
}

static void pr_uint(struct pr *p, const char *key, const char *tfmt, unsigned v)
{
	pr_text(p, tfmt, v);
	if (key && p->o)
		pr_json(p, key, json_object_new_int64(v));
}

static void pr_bool_json(struct pr *p, const char *key, bool v)
{
	if (p->o)
		pr_json(p, key, json_object_new_boolean(v));
}

static const char *scopes(bool live, bool persistent)
{
	if (live && persistent)
		return "[live, config]";
	return live ? "[live]" : "[config]";
}

/* ---- values ---- */

static json_object *dev_json(const struct guest_dev_state *g)
{
	json_object *o = json_object_new_object();
	json_object *vp = NULL;

	if (!o)
		return NULL;
	json_object_object_add(o, "type", jstr(device_type_to_string(g->type)));
	json_object_object_add(o, "address", jstr(g->address));
	json_object_object_add(o, "mac", jstr(g->mac));
	json_object_object_add(o, "vlan", jint(g->vlan));
	if (g->virtualport_type) {
		vp = json_object_new_object();
		json_object_object_add(vp, "type", jstr(g->virtualport_type));
		json_object_object_add(vp, "profileid", jstr(g->profileid));
	}
	json_object_object_add(o, "virtualport", vp);
	json_object_object_add(o, "managed", json_object_new_boolean(g->managed));
	if (g->network)
		json_object_object_add(o, "network", jstr(g->network));
	return o;
}

/* A guest device: its description in text, its fields in JSON. */
static void pr_dev(struct pr *p, const char *key, const char *tfmt,
		   const struct guest_dev_state *g)
{
	if (p->f) {
		_cleanup_(freep) char *desc = plan_describe_dev(g);
		pr_text(p, tfmt, desc ? desc : "?");
	}
	if (p->o)
		pr_json(p, key, dev_json(g));
}

/* One VF link attribute as JSON: the parts set in parts; unknown parts null. */
static json_object *link_json(const struct vf_link *l, const struct vf_link *parts,
			      enum vf_attr a)
{
	json_object *o;

	switch (a) {
	case VF_ATTR_MAC:
		return jstr(l->mac[0] ? l->mac : NULL);
	case VF_ATTR_VLAN:
		o = json_object_new_object();
		if (parts->vlan >= 0)
			json_object_object_add(o, "vlan", jint(l->vlan));
		if (parts->qos >= 0)
			json_object_object_add(o, "qos", jint(l->qos));
		if (parts->vlan_proto >= 0)
			json_object_object_add(o, "proto", jstr(vlan_proto_to_string(l->vlan_proto)));
		return o;
	case VF_ATTR_SPOOF_CHECK:
		return jtri(l->spoof_check);
	case VF_ATTR_TRUST:
		return jtri(l->trust);
	case VF_ATTR_LINK_STATE:
		return jstr(link_state_to_string(l->link_state));
	case VF_ATTR_MAX_TX_RATE:
		return jint(l->max_tx_rate);
	case VF_ATTR_MIN_TX_RATE:
		return jint(l->min_tx_rate);
	default:
		return NULL;
	}
}

static void pr_vf(struct pr *p, const struct action *a)
{
	pr_text(p, "%s vf %u", a->target, a->vf.id);
	if (!p->o)
		return;
	json_object *vf = json_object_new_object();
	json_object_object_add(vf, "pf", jstr(a->vf.pf));
	json_object_object_add(vf, "id", json_object_new_int64(a->vf.id));
	json_object_object_add(vf, "address", jstr(a->device));
	json_object_object_add(vf, "new", json_object_new_boolean(a->vf.is_new));
	if (a->kind == ACTION_SET_VF)
		json_object_object_add(vf, "pf-interface", jstr(a->vf.pf_interface));
	pr_json(p, "vf", vf);
}

/* Terminal colours of the text plan: + green, ~ yellow, - and ! red. */
#define COLOR_GREEN  "\033[32m"
#define COLOR_YELLOW "\033[33m"
#define COLOR_RED    "\033[31m"
#define COLOR_OFF    "\033[0m"

static const char *prefix_color(char c)
{
	switch (c) {
	case '+':
		return COLOR_GREEN;
	case '~':
		return COLOR_YELLOW;
	default:
		return COLOR_RED;
	}
}

/* The lines of [l, end), each after prefix, escaped: file content comes from the host. */
static void print_lines(FILE *f, const char *prefix, const char *l, const char *end,
			const char *color)
{
	while (l < end) {
		const char *n = strchrnul(l, '\n');
		if (n > end)
			n = end;
		_cleanup_(freep) char *line = strndup(l, n - l);
		fputs(color ? color : "", f);
		fputs(prefix, f);
		fputs_escaped(line ? line : "?", f);
		fputs(color ? COLOR_OFF "\n" : "\n", f);
		l = *n ? n + 1 : n;
	}
}

/* A file's change as "-"/"+" lines: what differs between the common head and tail. */
static void pr_file_diff(struct pr *p, const char *before, const char *after, bool color)
{
	const char *b = before ? before : "", *a = after ? after : "";
	const char *be = b + strlen(b), *ae = a + strlen(a);

	if (!p->f)
		return;
	/* common whole lines at the start and at the end */
	for (;;) {
		const char *bn = strchrnul(b, '\n'), *an = strchrnul(a, '\n');
		if (b == be || a == ae || bn - b != an - a || memcmp(b, a, bn - b) != 0 || !*bn ||
		    !*an)
			break;
		b = bn + 1;
		a = an + 1;
	}
	for (;;) {
		if (be == b || ae == a)
			break;
		const char *bs = be - 1, *as = ae - 1; /* the last newline */
		const char *bl = bs, *al = as;
		while (bl > b && bl[-1] != '\n')
			bl--;
		while (al > a && al[-1] != '\n')
			al--;
		if (bs - bl != as - al || memcmp(bl, al, bs - bl) != 0)
			break;
		be = bl;
		ae = al;
	}
	print_lines(p->f, "    - ", b, be, color ? COLOR_RED : NULL);
	print_lines(p->f, "    + ", a, ae, color ? COLOR_GREEN : NULL);
}

/* ---- one printer per kind; each returns the text prefix ---- */

static char pr_detach(struct pr *p, const struct action *a)
{
	if (!a->device && a->guest.dev.network) {
		pr_str(p, NULL, "detach network %s", a->guest.dev.network);
		pr_json(p, "device", NULL);
	} else {
		pr_str(p, "device", "detach %s", a->device);
	}
	pr_str(p, NULL, " from %s", a->target);
	pr_dev(p, "from", " (%s)", &a->guest.dev);
	pr_json(p, "to", NULL);
	pr_text(p, " %s", scopes(a->guest.live, a->guest.persistent));
	pr_bool_json(p, "live", a->guest.live);
	pr_bool_json(p, "persistent", a->guest.persistent);
	pr_bool_json(p, "running", a->guest.running);
	return '-';
}

static char pr_attach(struct pr *p, const struct action *a)
{
	if (a->guest.dev.network) {
		pr_str(p, NULL, "attach network %s", a->guest.dev.network);
		pr_json(p, "device", NULL);
	} else {
		pr_str(p, "device", "attach %s", a->device);
	}
	pr_str(p, NULL, " to %s", a->target);
	if (p->o) {
		json_object *was = json_object_new_object();
		json_object_object_add(was, "persistent", jstr(a->guest.was.persistent));
		json_object_object_add(was, "live", jstr(a->guest.was.live));
		pr_json(p, "from", was);
	}
	pr_dev(p, "to", " (%s)", &a->guest.dev);
	pr_text(p, " %s", scopes(a->guest.live, a->guest.persistent));
	pr_bool_json(p, "live", a->guest.live);
	pr_bool_json(p, "persistent", a->guest.persistent);
	pr_bool_json(p, "running", a->guest.running);
	if (p->o && a->vf.pf) {
		json_object *vf = json_object_new_object();
		json_object_object_add(vf, "pf", jstr(a->vf.pf));
		json_object_object_add(vf, "id", json_object_new_int64(a->vf.id));
		pr_json(p, "vf", vf);
	}
	return '+';
}

static char pr_write_conf(struct pr *p, const struct action *a)
{
	const struct action *m = a;

	pr_str(p, NULL, "%s:", a->target);
	pr_str(p, "module", " options %s", m->module.module);
	if (m->module.old_content)
		pr_str(p, NULL, " %s ->", m->module.from);
	pr_str(p, NULL, " %s", m->module.to);
	if (p->o) {
		json_object *from = NULL, *to = json_object_new_object();
		if (m->module.old_content) {
			from = json_object_new_object();
			json_object_object_add(from, "options", jstr(m->module.from));
			json_object_object_add(from, "content", jstr(m->module.old_content));
		}
		json_object_object_add(to, "options", jstr(m->module.to));
		json_object_object_add(to, "content", jstr(m->module.content));
		pr_json(p, "from", from);
		pr_json(p, "to", to);
	}
	return m->module.old_content ? '~' : '+';
}

static char pr_reload(struct pr *p, const struct action *a)
{
	if (a->module.loaded) {
		pr_str(p, NULL, "reload module %s:", a->target);
		pr_str(p, NULL, " %s ->", a->module.from);
	} else {
		pr_str(p, NULL, "load module %s:", a->target);
	}
	pr_str(p, NULL, " %s", a->module.to);
	if (a->disruptive)
		pr_text(p, " (disruptive: unloads %s and its VFs)", a->target);
	if (p->o) {
		json_object *from = json_object_new_object(), *to = json_object_new_object();
		json_object *pfs = json_object_new_array();
		json_object_object_add(from, "loaded", json_object_new_boolean(a->module.loaded));
		json_object_object_add(from, "options", jstr(a->module.from));
		json_object_object_add(to, "options", jstr(a->module.to));
		json_object_object_add(to, "load-options", jstr(a->module.load_options));
		for (size_t i = 0; i < a->module.n_pfs; i++)
			json_object_array_add(pfs, jstr(a->module.pfs[i]));
		pr_json(p, "from", from);
		pr_json(p, "to", to);
		pr_json(p, "pfs", pfs);
	}
	return a->module.loaded ? '~' : '+';
}

static char pr_num_vfs(struct pr *p, const struct action *a)
{
	pr_str(p, NULL, "%s", a->target);
	pr_uint(p, "from", " num-vfs %u", a->num.from);
	pr_uint(p, "to", " -> %u", a->num.to);
	if (a->num.from > 0 && a->num.to > 0)
		pr_text(p, " (disruptive: passes through 0)");
	else if (a->num.from > 0)
		pr_text(p, " (disruptive: removes %u VFs)", a->num.from);
	pr_bool_json(p, "via-zero", a->num.from > 0 && a->num.to > 0);
	if (p->o)
		pr_json(p, "pf-driver", jstr(a->num.pf_driver));
	return '~';
}

static const char *tri_text(int v)
{
	return v < 0 ? "?" : v ? "true" : "false";
}

static char pr_autoprobe(struct pr *p, const struct action *a)
{
	pr_str(p, NULL, "%s", a->target);
	pr_text(p, " drivers-autoprobe %s -> %s", tri_text(a->autoprobe.from),
		tri_text(a->autoprobe.to));
	if (p->o) {
		pr_json(p, "from", jtri(a->autoprobe.from));
		pr_json(p, "to", jtri(a->autoprobe.to));
	}
	return '~';
}

static char pr_eswitch(struct pr *p, const struct action *a)
{
	const char *from = eswitch_mode_name(a->eswitch.from),
		   *to = eswitch_mode_name(a->eswitch.to);

	pr_str(p, NULL, "%s", a->target);
	pr_text(p, " eswitch-mode %s -> %s", from ? from : "?", to ? to : "?");
	if (a->eswitch.vfs > 0)
		pr_text(p, " (disruptive: removes %u VFs first)", a->eswitch.vfs);
	if (p->o) {
		pr_json(p, "from", jstr(from));
		pr_json(p, "to", jstr(to));
		pr_json(p, "removes-vfs", jint(a->eswitch.vfs));
	}
	return '~';
}

/*
 * bind-driver's text names what is there now: "(new)" for a VF this plan
 * creates, "(none)" when it has no driver; its JSON "from" is null for both
 * (vf.new tells them apart). A whole device has "device" instead of "vf".
 */
static char pr_bind(struct pr *p, const struct action *a)
{
	if (a->vf.pf)
		pr_vf(p, a);
	else /* a whole device a guest gets (driver: on a pci: device) */
		pr_str(p, "device", "%s", a->device);
	pr_text(p, " driver %s",
		a->vf.is_new ? "(new)" : a->driver.from ? a->driver.from : "(none)");
	if (p->o)
		pr_json(p, "from", jstr(a->vf.is_new ? NULL : a->driver.from));
	pr_str(p, "to", " -> %s", a->driver.to);
	return '~';
}

static char pr_set_vf(struct pr *p, const struct action *a)
{
	enum vf_attr attr = a->link.attr;

	pr_vf(p, a);
	pr_str(p, "attribute", " %s", vf_attr_to_string(attr));
	if (p->f) {
		fputc(' ', p->f);
		if (a->vf.is_new)
			fputs("(new)", p->f);
		else
			vf_link_print_attr(&a->link.from, &a->link.to, attr, p->f);
		fputs(" -> ", p->f);
		vf_link_print_attr(&a->link.to, &a->link.to, attr, p->f);
	}
	if (p->o) {
		pr_json(p, "from",
			a->vf.is_new ? NULL : link_json(&a->link.from, &a->link.to, attr));
		pr_json(p, "to", link_json(&a->link.to, &a->link.to, attr));
	}
	return '~';
}

/* The pool's PF, in JSON: {"pf": ADDRESS, "pf-interface": IF}. */
static void pr_net_pf(struct pr *p, const struct action *a)
{
	if (!p->o)
		return;
	pr_json(p, "pf", jstr(a->net.pf));
	pr_json(p, "pf-interface", jstr(a->net.pf_interface));
}

static char pr_define_network(struct pr *p, const struct action *a)
{
	pr_str(p, NULL, a->net.old_xml ? "redefine network %s" : "define network %s", a->target);
	pr_text(p, " (pf %s)", a->net.pf_interface ? a->net.pf_interface : "?");
	pr_net_pf(p, a);
	if (p->o) {
		json_object *from = NULL, *to = json_object_new_object();
		if (a->net.old_xml) {
			from = json_object_new_object();
			json_object_object_add(from, "xml", jstr(a->net.old_xml));
		}
		json_object_object_add(to, "xml", jstr(a->net.xml));
		pr_json(p, "from", from);
		pr_json(p, "to", to);
		pr_json(p, "active", json_object_new_boolean(a->net.active));
	}
	return a->net.old_xml ? '~' : '+';
}

static char pr_start_network(struct pr *p, const struct action *a)
{
	pr_str(p, NULL, "start network %s", a->target);
	pr_text(p, " (VFs of %s)", a->net.pf_interface ? a->net.pf_interface : "?");
	pr_net_pf(p, a);
	if (p->o) {
		pr_json(p, "from", json_object_new_boolean(false));
		pr_json(p, "to", json_object_new_boolean(true));
	}
	return '+';
}

static char pr_refresh_network(struct pr *p, const struct action *a)
{
	pr_str(p, NULL, "refresh network %s", a->target);
	pr_uint(p, "from", ": %u", a->net.vfs_from);
	pr_uint(p, "to", " -> %u VFs", a->net.vfs_to);
	pr_text(p, " (destroys and starts it: libvirt reads the VFs of %s at start)",
		a->net.pf_interface ? a->net.pf_interface : "?");
	pr_net_pf(p, a);
	return '~';
}

static char pr_network_autostart(struct pr *p, const struct action *a)
{
	pr_str(p, NULL, "network %s", a->target);
	pr_text(p, " autostart %s -> %s", tri_text(a->net.autostart_from),
		tri_text(a->net.autostart_to));
	pr_net_pf(p, a);
	if (p->o) {
		pr_json(p, "from", jtri(a->net.autostart_from));
		pr_json(p, "to", jtri(a->net.autostart_to));
	}
	return '~';
}

/*
 * set-mtu: "0000:0b:00.0 (enp11s0f0) mtu 1500 -> 9000" for a PF,
 * "0000:0b:00.0 vf 3 (enp11s16) mtu 1500 -> 9000" for a VF; "(new)"
 * for a netdev this plan creates, "?" for an unknown MTU.
 */
static char pr_set_mtu(struct pr *p, const struct action *a)
{
	if (a->vf.pf)
		pr_vf(p, a);
	else
		pr_str(p, "device", "%s", a->device);
	if (a->mtu.interface)
		pr_text(p, " (%s)", a->mtu.interface);
	if (a->vf.is_new)
		pr_text(p, " mtu (new)");
	else if (a->mtu.from)
		pr_text(p, " mtu %u", a->mtu.from);
	else
		pr_text(p, " mtu ?");
	pr_text(p, " -> %u", a->mtu.to);
	if (p->o) {
		pr_json(p, "interface", jstr(a->mtu.interface));
		pr_json(p, "from", a->mtu.from && !a->vf.is_new ? jint(a->mtu.from) : NULL);
		pr_json(p, "to", jint(a->mtu.to));
		pr_json(p, "min-mtu", a->mtu.min ? jint(a->mtu.min) : NULL);
		pr_json(p, "max-mtu", a->mtu.max ? jint(a->mtu.max) : NULL);
	}
	return '~';
}

/* The kind-specific part of an action; returns the text prefix. */
static char pr_action_body(struct pr *p, const struct action *a)
{
	switch (a->kind) {
	case ACTION_DETACH:
		return pr_detach(p, a);
	case ACTION_ATTACH:
		return pr_attach(p, a);
	case ACTION_WRITE_MODPROBE_CONF:
		return pr_write_conf(p, a);
	case ACTION_RELOAD_MODULE:
		return pr_reload(p, a);
	case ACTION_SET_NUM_VFS:
		return pr_num_vfs(p, a);
	case ACTION_SET_DRIVERS_AUTOPROBE:
		return pr_autoprobe(p, a);
	case ACTION_SET_ESWITCH_MODE:
		return pr_eswitch(p, a);
	case ACTION_BIND_DRIVER:
		return pr_bind(p, a);
	case ACTION_SET_VF:
		return pr_set_vf(p, a);
	case ACTION_SET_MTU:
		return pr_set_mtu(p, a);
	case ACTION_DEFINE_NETWORK:
		return pr_define_network(p, a);
	case ACTION_START_NETWORK:
		return pr_start_network(p, a);
	case ACTION_REFRESH_NETWORK:
		return pr_refresh_network(p, a);
	case ACTION_SET_NETWORK_AUTOSTART:
		return pr_network_autostart(p, a);
	default:
		pr_str(p, NULL, "%s", a->target);
		return '~';
	}
}

json_object *render_action_json(const struct action *a, bool with_facts)
{
	struct pr p = {.o = json_object_new_object()};

	if (!p.o)
		return NULL;
	json_object_object_add(p.o, "action", jstr(action_kind_to_string(a->kind)));
	json_object_object_add(p.o, "target", jstr(a->target));
	pr_action_body(&p, a);
	json_object_object_add(p.o, "disruptive", json_object_new_boolean(a->disruptive));
	json_object_object_add(p.o, "reason", jstr(a->reason));
	if (a->why)
		json_object_object_add(p.o, "why", jstr(a->why));
	if (with_facts) {
		json_object *users = json_object_new_array();
		for (size_t i = 0; i < a->n_users; i++)
			json_object_array_add(users, jstr(a->users[i]));
		json_object_object_add(p.o, "users", users);
	}
	return p.o;
}

/* ---- whole plans ---- */

char render_action_text(const struct action *a, char **ret)
{
	size_t len = 0;
	struct pr pr = {.f = open_memstream(ret, &len)};
	char c;

	*ret = NULL;
	if (!pr.f)
		return 0;
	c = pr_action_body(&pr, a);
	if (fclose(pr.f) != 0) {
		free(*ret);
		*ret = NULL;
		return 0;
	}
	return c;
}

/*
 * Every value in a line may come from the desired-state file or the host
 * (names, options, file lines): lines are printed escaped, so that no
 * control character reaches the terminal.
 */
int render_plan_text(const struct plan *p, FILE *out)
{
	return render_plan_text_color(p, out, false);
}

int render_plan_text_color(const struct plan *p, FILE *out, bool color)
{
	for (size_t i = 0; i < p->n_changes; i++) {
		const struct action *a = &p->changes[i];
		_cleanup_(freep) char *line = NULL;
		char c = render_action_text(a, &line);
		if (!c)
			return -ENOMEM;
		fprintf(out, "%s%c ", color ? prefix_color(c) : "", c);
		fputs_escaped(line, out);
		fputs(color ? COLOR_OFF "\n" : "\n", out);
		if (a->kind == ACTION_WRITE_MODPROBE_CONF) {
			struct pr diff = {.f = out};
			pr_file_diff(&diff, a->module.old_content, a->module.content, color);
		}
		if (a->show_reason && a->reason) {
			fputs("  ", out);
			fputs_escaped(a->reason, out);
			fputc('\n', out);
		}
		if (a->why) {
			fputs("  forced: ", out);
			fputs_escaped(a->why, out);
			fputc('\n', out);
		}
	}
	for (size_t i = 0; i < p->n_blocked; i++) {
		const struct action *a = &p->blocked[i];
		_cleanup_(freep) char *line = NULL;
		if (!render_action_text(a, &line))
			return -ENOMEM;
		fputs(color ? COLOR_RED "! blocked: " : "! blocked: ", out);
		fputs_escaped(line, out);
		fputs(" \u2014 ", out);
		fputs_escaped(a->why ? a->why : "?", out);
		fputs(color ? COLOR_OFF "\n" : "\n", out);
	}
	if (p->n_changes == 0 && p->n_blocked == 0)
		fputs("No changes: the host matches the desired state.\n", out);
	else
		fprintf(out, "Plan: %zu to change, %zu blocked.\n", p->n_changes, p->n_blocked);
	return ferror(out) ? -EIO : 0;
}

static json_object *actions_json(const struct action *v, size_t n, bool with_facts)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < n; i++) {
		json_object *o = render_action_json(&v[i], with_facts);
		if (!o || json_object_array_add(arr, o) < 0) {
			json_object_put(o);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

json_object *render_plan_tree(const struct plan *p, unsigned flags)
{
	bool saved = flags & RENDER_PLAN_SAVED;
	json_object *root = json_object_new_object();
	json_object *changes = actions_json(p->changes, p->n_changes, saved);
	json_object *blocked = actions_json(p->blocked, p->n_blocked, saved);
	json_object *summary = json_object_new_object();

	if (!root || !changes || !blocked || !summary) {
		json_object_put(root);
		json_object_put(changes);
		json_object_put(blocked);
		json_object_put(summary);
		return NULL;
	}
	json_object_object_add(summary, "changes", json_object_new_int64(p->n_changes));
	json_object_object_add(summary, "blocked", json_object_new_int64(p->n_blocked));
	json_object_object_add(root, "version", json_object_new_int(1));
	if (saved) {
		const struct plan_source *s = &p->source;
		json_object *spec = json_object_new_object();
		json_object_object_add(root, "sriovctl", jstr(s->version));
		json_object_object_add(root, "hostname", jstr(s->hostname));
		json_object_object_add(spec, "path", jstr(s->spec_path));
		json_object_object_add(spec, "sha256", jstr(s->spec_sha256));
		json_object_object_add(root, "spec", spec);
		json_object_object_add(root, "libvirt-uri", jstr(s->libvirt_uri));
		json_object_object_add(root, "forced", json_object_new_boolean(s->forced));
	}
	json_object_object_add(root, "changes", changes);
	json_object_object_add(root, "blocked", blocked);
	json_object_object_add(root, "summary", summary);
	return root;
}

int render_json(json_object *o, bool pretty, FILE *out)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : 0);
	const char *s = o ? json_object_to_json_string_ext(o, flags) : NULL;

	if (!s)
		return -ENOMEM;
	if (fprintf(out, "%s\n", s) < 0 || ferror(out))
		return -EIO;
	return 0;
}

int render_plan_json(const struct plan *p, FILE *out)
{
	json_object *root = render_plan_tree(p, 0);
	int r = render_json(root, true, out);

	json_object_put(root);
	return r;
}

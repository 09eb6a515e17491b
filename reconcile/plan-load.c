/* SPDX-License-Identifier: MIT */
/*
 * A saved plan (plan -o) read back for apply --plan: the inverse of
 * render-plan.c's JSON, checked as strictly as a desired-state file (a
 * plan file is reviewed, but a tampered one must not reach the appliers
 * with a path, name or address they would not accept from the planner).
 * A plan read back renders to the same JSON (tests/plan/saved.t).
 */
#include <json-c/json.h>

#include "modprobe.h"
#include "plan.h"

#define PLAN_MAX_BYTES (16u << 20)

struct ld {
	const char *name;
	struct diag *d;
	int err;
};

static void bad(struct ld *l, const char *where, const char *what)
{
	if (!l->err)
		l->err = diag_error(l->d, NULL, -EINVAL, "%s: %s: %s", l->name, where, what);
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A string member; NULL when null or absent (required: an error then). */
static char *get_str(struct ld *l, json_object *o, const char *key, bool required)
{
	json_object *v = get(o, key);

	if (!v) {
		if (required)
			bad(l, key, "missing");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		bad(l, key, "not a string");
		return NULL;
	}
	char *s = strdup(json_object_get_string(v));
	if (!s)
		bad(l, key, "out of memory");
	return s;
}

static bool get_bool(struct ld *l, json_object *o, const char *key)
{
	json_object *v = get(o, key);

	if (!v || !json_object_is_type(v, json_type_boolean)) {
		bad(l, key, "not a boolean");
		return false;
	}
	return json_object_get_boolean(v);
}

/* -1 for null or absent, else a boolean as 0/1 */
static int get_tri(struct ld *l, json_object *o, const char *key)
{
	json_object *v = get(o, key);

	if (!v)
		return -1;
	if (!json_object_is_type(v, json_type_boolean)) {
		bad(l, key, "not a boolean");
		return -1;
	}
	return json_object_get_boolean(v);
}

/* -1 for null or absent, else a number in [0, max] */
static long long get_num(struct ld *l, json_object *o, const char *key, long long max)
{
	json_object *v = get(o, key);

	if (!v)
		return -1;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
	    json_object_get_int64(v) > max) {
		bad(l, key, "not a number in range");
		return -1;
	}
	return json_object_get_int64(v);
}

static char *get_pci(struct ld *l, json_object *o, const char *key, bool required)
{
	char *s = get_str(l, o, key, required);

	if (s && !pci_address_valid(s)) {
		bad(l, key, "not a PCI address");
		free(s);
		return NULL;
	}
	return s;
}

/* Names of modules, drivers, guests and interfaces: nothing a path or a terminal could abuse. */
static char *get_name(struct ld *l, json_object *o, const char *key, bool required)
{
	char *s = get_str(l, o, key, required);

	for (const char *p = s; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '/') {
			bad(l, key, "contains a character not allowed in a name");
			free(s);
			return NULL;
		}
	if (s && !*s) {
		bad(l, key, "empty");
		free(s);
		return NULL;
	}
	return s;
}

static void load_vf(struct ld *l, json_object *o, struct action *a)
{
	json_object *vf = get(o, "vf");

	if (!vf || !json_object_is_type(vf, json_type_object)) {
		bad(l, "vf", "missing");
		return;
	}
	a->vf.pf = get_pci(l, vf, "pf", true);
	a->vf.id = (unsigned)get_num(l, vf, "id", 65535);
	if (a->kind == ACTION_ATTACH)
		return;
	a->device = get_pci(l, vf, "address", false);
	a->vf.is_new = get_bool(l, vf, "new");
	if (a->kind == ACTION_SET_VF)
		a->vf.pf_interface = get_name(l, vf, "pf-interface", false);
}

static void load_link(struct ld *l, json_object *v, enum vf_attr attr, struct vf_link *out,
		      const char *key)
{
	if (!v)
		return;
	switch (attr) {
	case VF_ATTR_MAC: {
		const char *s = json_object_get_string(v);
		if (!json_object_is_type(v, json_type_string) || !mac_address_valid(s))
			bad(l, key, "not a MAC address");
		else
			snprintf(out->mac, sizeof(out->mac), "%s", s);
		break;
	}
	case VF_ATTR_VLAN: {
		json_object *proto = get(v, "proto");
		if (!json_object_is_type(v, json_type_object)) {
			bad(l, key, "not an object");
			break;
		}
		out->vlan = (int)get_num(l, v, "vlan", 4095);
		out->qos = (int)get_num(l, v, "qos", 7);
		if (proto && (!json_object_is_type(proto, json_type_string) ||
			      (out->vlan_proto = vlan_proto_from_string(
				   json_object_get_string(proto))) < 0)) {
			bad(l, key, "unknown VLAN protocol");
			out->vlan_proto = -1;
		}
		break;
	}
	case VF_ATTR_SPOOF_CHECK:
	case VF_ATTR_TRUST:
		if (!json_object_is_type(v, json_type_boolean))
			bad(l, key, "not a boolean");
		else if (attr == VF_ATTR_TRUST)
			out->trust = json_object_get_boolean(v);
		else
			out->spoof_check = json_object_get_boolean(v);
		break;
	case VF_ATTR_LINK_STATE:
		if (!json_object_is_type(v, json_type_string) ||
		    (out->link_state = link_state_from_string(json_object_get_string(v))) < 0) {
			bad(l, key, "unknown link state");
			out->link_state = -1;
		}
		break;
	case VF_ATTR_MAX_TX_RATE:
	case VF_ATTR_MIN_TX_RATE:
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
			bad(l, key, "not a rate");
		else if (attr == VF_ATTR_MAX_TX_RATE)
			out->max_tx_rate = json_object_get_int64(v);
		else
			out->min_tx_rate = json_object_get_int64(v);
		break;
	default:
		break;
	}
}

static void load_dev(struct ld *l, json_object *o, struct guest_dev_state *g)
{
	json_object *vp;
	char *type;

	if (!o || !json_object_is_type(o, json_type_object)) {
		bad(l, "device", "missing");
		return;
	}
	type = get_str(l, o, "type", true);
	g->type = type && streq(type, "hostdev") ? DEVICE_HOSTDEV : DEVICE_INTERFACE;
	if (type && !streq(type, "hostdev") && !streq(type, "interface"))
		bad(l, "type", "unknown device type");
	free(type);
	g->network = get_name(l, o, "network", false);
	g->address = get_pci(l, o, "address", !g->network);
	g->mac = get_str(l, o, "mac", false);
	if (g->mac && !mac_address_valid(g->mac))
		bad(l, "mac", "not a MAC address");
	g->vlan = (int)get_num(l, o, "vlan", 4095);
	vp = get(o, "virtualport");
	if (vp) {
		g->virtualport_type = get_name(l, vp, "type", true);
		g->profileid = get_name(l, vp, "profileid", false);
	}
	g->managed = get_bool(l, o, "managed");
}

/* An array of strings (PCI addresses if pci) into *ret, a strv, and its length. */
static void load_strv(struct ld *l, json_object *o, const char *key, bool pci, char ***ret,
		      size_t *ret_n)
{
	_cleanup_(strv_release) struct strv s = {0};
	json_object *v = get(o, key);

	if (!v)
		return;
	if (!json_object_is_type(v, json_type_array)) {
		bad(l, key, "not an array");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *e = json_object_array_get_idx(v, i);
		const char *str = json_object_get_string(e);
		if (!json_object_is_type(e, json_type_string) || (pci && !pci_address_valid(str))) {
			bad(l, key, pci ? "not a PCI address" : "not a string");
			return;
		}
		if (strv_push(&s, strdup(str)) < 0) {
			bad(l, key, "out of memory");
			return;
		}
	}
	*ret = strv_steal(&s, ret_n);
}

/* write-modprobe-conf and reload-module */
static void load_module(struct ld *l, json_object *o, struct action *a)
{
	json_object *from = get(o, "from"), *to = get(o, "to");

	if (a->kind == ACTION_WRITE_MODPROBE_CONF) {
		if (!modprobe_path_valid(a->target))
			bad(l, "target", "not a file in " MODPROBE_DIR);
		a->module.module = get_name(l, o, "module", true);
		if (from) {
			a->module.from = get_str(l, from, "options", false);
			a->module.old_content = get_str(l, from, "content", true);
		}
		if (!to) {
			bad(l, "to", "missing");
			return;
		}
		a->module.to = get_str(l, to, "options", false);
		a->module.content = get_str(l, to, "content", true);
		return;
	}
	if (!from || !to) {
		bad(l, "from", "missing");
		return;
	}
	a->module.loaded = get_bool(l, from, "loaded");
	a->module.from = get_str(l, from, "options", false);
	a->module.to = get_str(l, to, "options", false);
	a->module.load_options = get_str(l, to, "load-options", false);
	load_strv(l, o, "pfs", true, &a->module.pfs, &a->module.n_pfs);
	a->module.cap_pfs = a->module.n_pfs;
}

/* attach and detach */
static void load_guest(struct ld *l, json_object *o, struct action *a)
{
	json_object *from = get(o, "from"), *to = get(o, "to");

	json_object *dev = a->kind == ACTION_ATTACH ? to : from;
	/* a device on a network has no address: libvirt picks the VF */
	bool on_net = dev && json_object_is_type(dev, json_type_object) && get(dev, "network");

	a->device = get_pci(l, o, "device", !on_net);
	a->guest.live = get_bool(l, o, "live");
	a->guest.persistent = get_bool(l, o, "persistent");
	a->guest.running = get_bool(l, o, "running");
	load_dev(l, a->kind == ACTION_ATTACH ? to : from, &a->guest.dev);
	if (a->kind == ACTION_ATTACH && from) {
		a->guest.was.persistent = get_str(l, from, "persistent", false);
		a->guest.was.live = get_str(l, from, "live", false);
	}
	if (a->kind == ACTION_ATTACH && get(o, "vf"))
		load_vf(l, o, a);
}

/* define-network, start-network, refresh-network, set-network-autostart */
static void load_network(struct ld *l, json_object *o, struct action *a)
{
	json_object *from = get(o, "from"), *to = get(o, "to");

	a->net.pf = get_pci(l, o, "pf", true);
	a->net.pf_interface = get_name(l, o, "pf-interface", true);
	switch (a->kind) {
	case ACTION_DEFINE_NETWORK:
		if (!to || !json_object_is_type(to, json_type_object)) {
			bad(l, "to", "missing");
			return;
		}
		a->net.xml = get_str(l, to, "xml", true);
		if (from && json_object_is_type(from, json_type_object))
			a->net.old_xml = get_str(l, from, "xml", true);
		a->net.active = get_bool(l, o, "active");
		break;
	case ACTION_REFRESH_NETWORK:
		a->net.active = true;
		a->net.vfs_from = (unsigned)get_num(l, o, "from", 65535);
		a->net.vfs_to = (unsigned)get_num(l, o, "to", 65535);
		break;
	case ACTION_SET_NETWORK_AUTOSTART:
		a->net.autostart_from = get_tri(l, o, "from");
		a->net.autostart_to = get_tri(l, o, "to");
		if (a->net.autostart_to < 0)
			bad(l, "to", "missing");
		break;
	default:
		break;
	}
}

/* An MTU or a bound of one; 0 when null (unknown) */
static unsigned mtu_num(struct ld *l, json_object *o, const char *key, long long max)
{
	long long x = get_num(l, o, key, max);
	return x < 0 ? 0 : (unsigned)x;
}

/* set-mtu: a PF's netdev (device), or a VF's (vf) */
static void load_mtu(struct ld *l, json_object *o, struct action *a)
{
	if (!pci_address_valid(a->target))
		bad(l, "target", "not a PCI address");
	if (get(o, "vf")) {
		load_vf(l, o, a);
		if (a->vf.pf && !streq(a->vf.pf, a->target))
			bad(l, "vf", "not a VF of the target");
	} else {
		a->device = get_pci(l, o, "device", true);
	}
	a->mtu.interface = get_name(l, o, "interface", false);
	a->mtu.from = mtu_num(l, o, "from", INT32_MAX);
	a->mtu.to = mtu_num(l, o, "to", SPEC_MTU_MAX);
	a->mtu.min = mtu_num(l, o, "min-mtu", INT32_MAX);
	a->mtu.max = mtu_num(l, o, "max-mtu", INT32_MAX);
	if (a->mtu.to < SPEC_MTU_MIN)
		bad(l, "to", "not an MTU");
}

static void load_kind(struct ld *l, json_object *o, struct action *a)
{
	json_object *from = get(o, "from"), *to = get(o, "to");
	long long n;
	char *s;

	switch (a->kind) {
	case ACTION_SET_NUM_VFS:
		if (!pci_address_valid(a->target))
			bad(l, "target", "not a PCI address");
		a->num.from = (unsigned)get_num(l, o, "from", 65535);
		a->num.to = (unsigned)get_num(l, o, "to", 65535);
		a->num.pf_driver = get_name(l, o, "pf-driver", false);
		break;
	case ACTION_SET_DRIVERS_AUTOPROBE:
		if (!pci_address_valid(a->target))
			bad(l, "target", "not a PCI address");
		a->autoprobe.from = get_tri(l, o, "from");
		a->autoprobe.to = get_tri(l, o, "to");
		if (a->autoprobe.to < 0)
			bad(l, "to", "missing");
		break;
	case ACTION_SET_ESWITCH_MODE:
		if (!pci_address_valid(a->target))
			bad(l, "target", "not a PCI address");
		s = get_str(l, o, "from", true);
		a->eswitch.from = eswitch_mode_from_name(s);
		free(s);
		s = get_str(l, o, "to", true);
		a->eswitch.to = eswitch_mode_from_name(s);
		free(s);
		if (!a->eswitch.from)
			bad(l, "from", "not an eswitch mode");
		if (!a->eswitch.to)
			bad(l, "to", "not an eswitch mode");
		n = get_num(l, o, "removes-vfs", 65535);
		if (n < 0)
			bad(l, "removes-vfs", "missing");
		a->eswitch.vfs = n < 0 ? 0 : (unsigned)n;
		break;
	case ACTION_BIND_DRIVER:
		if (get(o, "vf")) {
			load_vf(l, o, a);
		} else { /* a whole device */
			a->device = get_pci(l, o, "device", true);
			if (a->device && !streq(a->device, a->target))
				bad(l, "device", "not the target");
		}
		a->driver.from = get_name(l, o, "from", false);
		a->driver.to = get_name(l, o, "to", true);
		break;
	case ACTION_SET_VF:
		load_vf(l, o, a);
		s = get_str(l, o, "attribute", true);
		if (s && vf_attr_from_string(s) < 0)
			bad(l, "attribute", "unknown VF setting");
		a->link.attr = s ? (enum vf_attr)vf_attr_from_string(s) : 0;
		free(s);
		load_link(l, from, a->link.attr, &a->link.from, "from");
		load_link(l, to, a->link.attr, &a->link.to, "to");
		if (!vf_link_has(&a->link.to, a->link.attr))
			bad(l, "to", "missing");
		break;
	case ACTION_SET_MTU:
		load_mtu(l, o, a);
		break;
	case ACTION_WRITE_MODPROBE_CONF:
	case ACTION_RELOAD_MODULE:
		load_module(l, o, a);
		break;
	case ACTION_ATTACH:
	case ACTION_DETACH:
		load_guest(l, o, a);
		break;
	case ACTION_DEFINE_NETWORK:
	case ACTION_START_NETWORK:
	case ACTION_REFRESH_NETWORK:
	case ACTION_SET_NETWORK_AUTOSTART:
		load_network(l, o, a);
		break;
	default:
		break;
	}
}

static int load_action(struct ld *l, json_object *o, struct action *a)
{
	_cleanup_(freep) char *kind = NULL;
	int k;

	*a = (struct action){0};
	a->autoprobe.from = a->autoprobe.to = -1;
	vf_link_init(&a->link.from);
	vf_link_init(&a->link.to);
	a->guest.dev.vlan = -1;
	a->net.autostart_from = a->net.autostart_to = -1;
	if (!json_object_is_type(o, json_type_object)) {
		bad(l, "changes", "an action is not an object");
		return l->err;
	}
	kind = get_str(l, o, "action", true);
	k = kind ? action_kind_from_string(kind) : -EINVAL;
	if (k < 0) {
		bad(l, "action", "unknown action kind");
		return l->err;
	}
	a->kind = (enum action_kind)k;
	a->target = a->kind == ACTION_WRITE_MODPROBE_CONF ? get_str(l, o, "target", true)
							  : get_name(l, o, "target", true);
	a->reason = get_str(l, o, "reason", false);
	a->why = get_str(l, o, "why", false);
	a->disruptive = get_bool(l, o, "disruptive");
	if (!a->target)
		return l->err;
	load_kind(l, o, a);
	load_strv(l, o, "users", false, &a->users, &a->n_users);
	a->show_reason =
	    (a->kind == ACTION_RELOAD_MODULE) ||
	    (a->kind == ACTION_SET_MTU && a->reason && !strncmp(a->reason, "raised ", 7)) ||
	    (a->kind == ACTION_ATTACH && a->reason && strstr(a->reason, " once created"));
	return l->err;
}

static int load_actions(struct ld *l, json_object *root, const char *key, struct action **ret,
			size_t *ret_n, size_t *cap)
{
	json_object *arr = get(root, key);

	if (!arr || !json_object_is_type(arr, json_type_array)) {
		bad(l, key, "missing or not an array");
		return l->err;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct action *a = GROW(*ret, *ret_n, *cap);
		if (!a)
			return diag_error(l->d, NULL, -ENOMEM, "out of memory");
		if (load_action(l, json_object_array_get_idx(arr, i), a) < 0)
			return l->err;
	}
	return 0;
}

int plan_load_buffer(const char *name, const char *buf, size_t len, struct diag *d,
		     struct plan **ret)
{
	_cleanup_(plan_freep) struct plan *p = calloc(1, sizeof(*p));
	struct ld l = {.name = name, .d = d};
	json_object *root, *v;
	struct json_tokener *tok;
	enum json_tokener_error jerr;

	if (!p)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	if (len > PLAN_MAX_BYTES)
		return diag_error(d, NULL, -EFBIG, "cannot read plan '%s': larger than 16 MiB",
				  name);
	if (memchr(buf, '\0', len))
		return diag_error(d, NULL, -EINVAL, "%s: not a JSON plan: a NUL byte", name);
	tok = json_tokener_new();
	if (!tok)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (root && json_tokener_get_parse_end(tok) < len) {
		/* trailing text after the object: only white space is a plan */
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
			if (!strchr(" \t\r\n", buf[i])) {
				json_object_put(root);
				root = NULL;
				jerr = json_tokener_error_parse_unexpected;
				break;
			}
	} else if (!root && jerr == json_tokener_continue)
		jerr = json_tokener_error_parse_eof;
	json_tokener_free(tok);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return diag_error(d, NULL, -EINVAL, "%s: not a JSON plan: %s", name,
				  root ? "not an object" : json_tokener_error_desc(jerr));
	}
	v = get(root, "version");
	if (!v || !json_object_is_type(v, json_type_int) || json_object_get_int(v) != 1)
		bad(&l, "version", "not a version 1 plan");
	else if (!get(root, "hostname") || !get(root, "spec"))
		bad(&l, "hostname", "missing: not a saved plan (make one with plan -o FILE)");
	if (!l.err) {
		json_object *spec = get(root, "spec");
		p->source.version = get_str(&l, root, "sriovctl", true);
		p->source.hostname = get_str(&l, root, "hostname", false);
		p->source.libvirt_uri = get_str(&l, root, "libvirt-uri", false);
		p->source.forced = get_bool(&l, root, "forced");
		p->source.spec_path = get_str(&l, spec, "path", false);
		p->source.spec_sha256 = get_str(&l, spec, "sha256", false);
	}
	if (!l.err)
		load_actions(&l, root, "changes", &p->changes, &p->n_changes, &p->cap_changes);
	if (!l.err)
		load_actions(&l, root, "blocked", &p->blocked, &p->n_blocked, &p->cap_blocked);
	json_object_put(root);
	if (l.err)
		return l.err;
	*ret = TAKE_PTR(p);
	return 0;
}

int plan_load(const char *path, struct diag *d, struct plan **ret)
{
	_cleanup_(freep) char *text = NULL;
	int r;

	r = read_text_file(path, PLAN_MAX_BYTES, &text);
	if (r < 0)
		return diag_error(d, NULL, r, "cannot read plan '%s': %s", path,
				  r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
	return plan_load_buffer(path, text, strlen(text), d, ret);
}

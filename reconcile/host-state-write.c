/* SPDX-License-Identifier: MIT */
/*
 * The host-state document: struct host as YAML (libyaml's emitter; the
 * file `show --format state` writes and --state reads) or as JSON (json-c;
 * `show --json`). One walk of the host (write_host) drives either back
 * end, so both carry the same keys in the same order and one schema,
 * schema/host-state.schema.json, describes both. In YAML, strings are
 * quoted whenever a plain scalar would read back as something else, so
 * that a written file loads (host-state.c) to an equal host and is
 * written again byte for byte.
 */
#include <json-c/json.h>
#include <yaml.h>

#include "host-state.h"
#include "render.h"
#include "yamlutil.h"

struct writer;

/*
 * A back end: the events of one document. open and close a mapping (map)
 * or a sequence, flow style where YAML has one. A string NULL is null.
 */
struct writer_ops {
	void (*open)(struct writer *w, bool map, bool flow);
	void (*close)(struct writer *w, bool map);
	void (*key)(struct writer *w, const char *k);
	void (*str)(struct writer *w, const char *s);
	void (*num)(struct writer *w, long long v);
	void (*boolean)(struct writer *w, bool v);
};

struct writer {
	const struct writer_ops *ops;
	bool failed;
	yaml_emitter_t e; /* YAML */
	/* JSON: the tree, the open containers (borrowed), the pending key (owned) */
	json_object *root;
	json_object *open[16];
	size_t depth;
	char *key;
};

/* ---------------------------------------------------------------- YAML */

static void emit(struct writer *w, yaml_event_t *ev, int ok)
{
	if (w->failed) {
		if (ok)
			yaml_event_delete(ev); /* made, but never handed to the emitter */
		return;
	}
	if (!ok || !yaml_emitter_emit(&w->e, ev))
		w->failed = true;
}

static void y_scalar(struct writer *w, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;
	/* libyaml writes UTF-8 only: a byte from the host that is not becomes U+FFFD */
	_cleanup_(freep) char *fixed = utf8_valid(s) ? NULL : utf8_sanitize(s);
	if (fixed)
		s = fixed;
	emit(w, &ev,
	     yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
					  style));
}

/* YAML 1.1 booleans that other readers (PyYAML) resolve: quoted, never plain */
static bool yaml11_bool(const char *s)
{
	static const char *const words[] = {"y",  "Y",	 "yes", "Yes", "YES", "n",
					    "N",  "no",	 "No",	"NO",  "on",  "On",
					    "ON", "off", "Off", "OFF"};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (streq(s, words[i]))
			return true;
	return false;
}

/* A string that reads back as the same string. NULL: null. */
static void y_str(struct writer *w, const char *s)
{
	if (!s)
		y_scalar(w, "null", YAML_PLAIN_SCALAR_STYLE);
	else if (strchr(s, '\n'))
		y_scalar(w, s, YAML_LITERAL_SCALAR_STYLE);
	else if (yscalar_resolve(s) != YSCALAR_STRING || yaml11_bool(s) ||
		 strchr("-+.0123456789", s[0]) || strchr(s, ':'))
		y_scalar(w, s, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	else
		y_scalar(w, s, YAML_ANY_SCALAR_STYLE);
}

static void y_num(struct writer *w, long long v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", v);
	y_scalar(w, buf, YAML_PLAIN_SCALAR_STYLE);
}

static void y_bool(struct writer *w, bool v)
{
	y_scalar(w, v ? "true" : "false", YAML_PLAIN_SCALAR_STYLE);
}

static void y_open(struct writer *w, bool map, bool flow)
{
	yaml_event_t ev;

	if (map)
		emit(w, &ev,
		     yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							 flow ? YAML_FLOW_MAPPING_STYLE
							      : YAML_BLOCK_MAPPING_STYLE));
	else
		emit(w, &ev,
		     yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  flow ? YAML_FLOW_SEQUENCE_STYLE
							       : YAML_BLOCK_SEQUENCE_STYLE));
}

static void y_close(struct writer *w, bool map)
{
	yaml_event_t ev;

	if (map)
		emit(w, &ev, yaml_mapping_end_event_initialize(&ev));
	else
		emit(w, &ev, yaml_sequence_end_event_initialize(&ev));
}

static const struct writer_ops yaml_ops = {
    .open = y_open,
    .close = y_close,
    .key = y_str,
    .str = y_str,
    .num = y_num,
    .boolean = y_bool,
};

/* ---------------------------------------------------------------- JSON */

/* Add v (owned; NULL is null unless must) to the open container, or make it the root. */
static void j_add(struct writer *w, json_object *v, bool must)
{
	_cleanup_(freep) char *key = TAKE_PTR(w->key);

	if (w->failed || (must && !v)) {
		json_object_put(v);
		w->failed = true;
		return;
	}
	if (w->depth == 0) {
		json_object_put(w->root);
		w->root = v;
		return;
	}
	json_object *top = w->open[w->depth - 1];
	int r = json_object_is_type(top, json_type_object)
		    ? json_object_object_add(top, key ? key : "", v)
		    : json_object_array_add(top, v);
	if (r < 0) {
		json_object_put(v);
		w->failed = true;
	}
}

static void j_open(struct writer *w, bool map, bool flow)
{
	json_object *c = map ? json_object_new_object() : json_object_new_array();

	(void)flow;
	j_add(w, c, true);
	if (w->failed)
		return;
	if (w->depth == ARRAY_SIZE(w->open)) {
		w->failed = true;
		return;
	}
	w->open[w->depth++] = c;
}

static void j_close(struct writer *w, bool map)
{
	(void)map;
	if (w->depth > 0)
		w->depth--;
}

/* JSON is UTF-8: a byte from the host that is not becomes U+FFFD */
static char *j_utf8(const char *s)
{
	return utf8_valid(s) ? strdup(s) : utf8_sanitize(s);
}

static void j_key(struct writer *w, const char *k)
{
	free(w->key);
	w->key = j_utf8(k);
	if (!w->key)
		w->failed = true;
}

static void j_str(struct writer *w, const char *s)
{
	_cleanup_(freep) char *fixed = s ? j_utf8(s) : NULL;

	if (s && !fixed)
		w->failed = true;
	j_add(w, fixed ? json_object_new_string(fixed) : NULL, s != NULL);
}

static void j_num(struct writer *w, long long v)
{
	j_add(w, json_object_new_int64(v), true);
}

static void j_bool(struct writer *w, bool v)
{
	j_add(w, json_object_new_boolean(v), true);
}

static const struct writer_ops json_ops = {
    .open = j_open,
    .close = j_close,
    .key = j_key,
    .str = j_str,
    .num = j_num,
    .boolean = j_bool,
};

/* ---------------------------------------------------------------- walk */
#define w_map_start(w, flow) (w)->ops->open((w), true, (flow))
#define w_map_end(w)	     (w)->ops->close((w), true)
#define w_seq_start(w, flow) (w)->ops->open((w), false, (flow))
#define w_seq_end(w)	     (w)->ops->close((w), false)
#define w_key(w, k)	     (w)->ops->key((w), (k))
#define w_str(w, s)	     (w)->ops->str((w), (s))
#define w_ll(w, v)	     (w)->ops->num((w), (v))
#define w_bool(w, v)	     (w)->ops->boolean((w), (v))

/* key: value pairs, written only when the value is known */
static void w_kv_str(struct writer *w, const char *k, const char *v)
{
	w_key(w, k);
	w_str(w, v);
}

static void w_kv_opt_str(struct writer *w, const char *k, const char *v)
{
	if (v)
		w_kv_str(w, k, v);
}

static void w_kv_opt_ll(struct writer *w, const char *k, long long v)
{
	if (v < 0)
		return;
	w_key(w, k);
	w_ll(w, v);
}

static void w_kv_opt_bool(struct writer *w, const char *k, int v)
{
	if (v < 0)
		return;
	w_key(w, k);
	w_bool(w, v);
}

static void w_kv_opt_enum(struct writer *w, const char *k, int v, const char *const *words,
			  size_t n)
{
	if (v < 0 || (size_t)v >= n)
		return;
	w_kv_str(w, k, words[v]);
}

static void w_kv_strv(struct writer *w, const char *k, char *const *v, size_t n)
{
	if (n == 0)
		return;
	w_key(w, k);
	w_seq_start(w, true);
	for (size_t i = 0; i < n; i++)
		w_str(w, v[i]);
	w_seq_end(w);
}

/* A netdev's MTU and its range, those that are known. */
static void w_mtu(struct writer *w, const struct netdev_mtu *m)
{
	w_kv_opt_ll(w, "mtu", m->mtu ? (long long)m->mtu : -1);
	w_kv_opt_ll(w, "min-mtu", m->min ? (long long)m->min : -1);
	w_kv_opt_ll(w, "max-mtu", m->max ? (long long)m->max : -1);
}

/*
 * The host's use of the VF's netdev and its MTU, when there is any to
 * tell: a netdev that is down and alone, of unknown MTU, is left out, so
 * that most VFs read as before.
 */
static void write_netdev_use(struct writer *w, const struct netdev_use *u,
			     const struct netdev_mtu *m)
{
	if (u->up <= 0 && !u->n_addresses && !u->master && !u->n_uppers && !m->mtu && !m->min &&
	    !m->max)
		return;
	w_key(w, "netdev");
	w_map_start(w, true);
	w_mtu(w, m);
	w_kv_opt_bool(w, "up", u->up);
	w_kv_strv(w, "addresses", u->addresses, u->n_addresses);
	w_kv_opt_str(w, "master", u->master);
	w_kv_opt_str(w, "master-kind", u->master_kind);
	w_kv_strv(w, "uppers", u->uppers, u->n_uppers);
	w_map_end(w);
}

static void write_vf(struct writer *w, const struct vf_state *v)
{
	w_map_start(w, false);
	w_key(w, "id");
	w_ll(w, v->id);
	w_kv_str(w, "address", v->address);
	w_kv_str(w, "driver", v->driver);
	w_kv_str(w, "driver-override", v->driver_override);
	w_kv_str(w, "interface", v->interface);
	w_kv_opt_str(w, "mac", v->link.mac[0] ? v->link.mac : NULL);
	w_kv_opt_ll(w, "vlan", v->link.vlan);
	w_kv_opt_ll(w, "qos", v->link.qos);
	w_kv_opt_enum(w, "vlan-proto", v->link.vlan_proto, vlan_proto_names, 2);
	w_kv_opt_bool(w, "spoof-check", v->link.spoof_check);
	w_kv_opt_bool(w, "trust", v->link.trust);
	w_kv_opt_enum(w, "link-state", v->link.link_state, link_state_names, 3);
	w_kv_opt_ll(w, "max-tx-rate", v->link.max_tx_rate);
	w_kv_opt_ll(w, "min-tx-rate", v->link.min_tx_rate);
	write_netdev_use(w, &v->use, &v->mtu);
	if (v->stats.present) {
		w_key(w, "stats");
		w_map_start(w, true);
		for (unsigned s = 0; s < _VF_STAT_MAX; s++)
			if (v->stats.present & (1u << s))
				w_kv_opt_ll(w, vf_stat_to_string(s), (long long)v->stats.v[s]);
		w_map_end(w);
	}
	w_map_end(w);
}

static void write_sriov(struct writer *w, const struct sriov_state *s)
{
	w_map_start(w, false);
	w_key(w, "total-vfs");
	w_ll(w, s->total_vfs);
	w_key(w, "num-vfs");
	w_ll(w, s->num_vfs);
	w_kv_opt_bool(w, "drivers-autoprobe", s->drivers_autoprobe);
	w_kv_opt_ll(w, "offset", s->offset);
	w_kv_opt_ll(w, "stride", s->stride);
	w_kv_opt_str(w, "vf-device", s->vf_device);
	w_kv_opt_str(w, "vf-name", s->vf_name);
	w_key(w, "vfs");
	w_seq_start(w, s->n_vfs == 0);
	for (size_t i = 0; i < s->n_vfs; i++)
		write_vf(w, &s->vfs[i]);
	w_seq_end(w);
	if (s->has_vf_total_msix)
		w_kv_opt_ll(w, "vf-total-msix", s->vf_total_msix);
	w_kv_opt_str(w, "eswitch-mode", eswitch_mode_name(s->eswitch_mode));
	w_map_end(w);
}

static void write_pci(struct writer *w, const struct pci_dev_state *p)
{
	w_map_start(w, false);
	w_kv_str(w, "address", p->address);
	w_kv_opt_str(w, "vendor", p->vendor);
	w_kv_opt_str(w, "device", p->device);
	w_kv_opt_str(w, "name", p->name);
	w_kv_str(w, "driver", p->driver);
	if (p->n_interfaces) {
		w_key(w, "interfaces");
		w_seq_start(w, true);
		for (size_t i = 0; i < p->n_interfaces; i++)
			w_str(w, p->interfaces[i]);
		w_seq_end(w);
	}
	w_kv_opt_ll(w, "iommu-group", p->iommu_group);
	w_mtu(w, &p->mtu);
	if (p->is_pf) {
		w_key(w, "sriov");
		write_sriov(w, &p->sriov);
	}
	w_map_end(w);
}

static void write_iommu_group(struct writer *w, const struct iommu_group *g)
{
	w_map_start(w, false);
	w_key(w, "id");
	w_ll(w, g->id);
	w_key(w, "devices");
	w_seq_start(w, g->n_members == 0);
	for (size_t i = 0; i < g->n_members; i++) {
		const struct iommu_member *m = &g->members[i];
		char class[16];

		w_map_start(w, true);
		w_kv_str(w, "address", m->address);
		if (m->class >= 0) {
			snprintf(class, sizeof(class), "0x%06x", (unsigned)m->class);
			w_kv_str(w, "class", class);
		}
		w_kv_str(w, "driver", m->driver);
		w_map_end(w);
	}
	w_seq_end(w);
	w_map_end(w);
}

static void write_module(struct writer *w, const struct module_state *m)
{
	w_key(w, m->name);
	w_map_start(w, m->n_conf == 0);
	w_key(w, "loaded");
	w_bool(w, m->loaded);
	if (m->presence != MODULE_PRESENCE_UNKNOWN) {
		w_key(w, "available");
		w_bool(w, m->presence == MODULE_PRESENCE_FOUND);
	}
	w_key(w, "parameters");
	w_map_start(w, true);
	for (size_t j = 0; j < m->n_params; j++)
		w_kv_str(w, m->params[j].key, m->params[j].value ? m->params[j].value : "");
	w_map_end(w);
	if (m->n_conf) {
		w_key(w, "config");
		w_seq_start(w, false);
		for (size_t j = 0; j < m->n_conf; j++) {
			w_map_start(w, true);
			w_kv_str(w, "key", m->conf[j].key);
			w_kv_str(w, "value", m->conf[j].value);
			w_kv_str(w, "source", m->conf[j].source);
			w_map_end(w);
		}
		w_seq_end(w);
	}
	w_map_end(w);
}

static void write_domain(struct writer *w, const struct domain_state *dom)
{
	w_map_start(w, false);
	w_kv_str(w, "name", dom->name);
	w_key(w, "running");
	w_bool(w, dom->running);
	w_kv_str(w, "xml", dom->xml);
	w_kv_str(w, "live-xml", dom->live_xml);
	w_map_end(w);
}

static void write_network(struct writer *w, const struct network_state *n)
{
	w_map_start(w, false);
	w_kv_str(w, "name", n->name);
	w_key(w, "active");
	w_bool(w, n->active);
	w_key(w, "persistent");
	w_bool(w, n->persistent);
	w_key(w, "autostart");
	w_bool(w, n->autostart);
	w_kv_str(w, "xml", n->xml);
	w_kv_str(w, "live-xml", n->live_xml);
	w_map_end(w);
}

static void write_host(struct writer *w, const struct host *h)
{
	w_map_start(w, false);
	w_key(w, "version");
	w_ll(w, 1);
	w_kv_str(w, "kind", "host-state");
	w_kv_str(w, "hostname", h->hostname);

	w_key(w, "pci");
	w_seq_start(w, h->n_pci == 0);
	for (size_t i = 0; i < h->n_pci; i++)
		write_pci(w, &h->pci[i]);
	w_seq_end(w);

	/* only where the host has an IOMMU: files without one read as before */
	if (h->n_iommu_groups) {
		w_key(w, "iommu-groups");
		w_seq_start(w, false);
		for (size_t i = 0; i < h->n_iommu_groups; i++)
			write_iommu_group(w, &h->iommu_groups[i]);
		w_seq_end(w);
	}

	w_key(w, "modules");
	w_map_start(w, h->n_modules == 0);
	for (size_t i = 0; i < h->n_modules; i++)
		write_module(w, &h->modules[i]);
	w_map_end(w);

	w_key(w, "files");
	w_map_start(w, h->n_files == 0);
	for (size_t i = 0; i < h->n_files; i++)
		w_kv_str(w, h->files[i].path, h->files[i].content);
	w_map_end(w);

	w_key(w, "libvirt");
	w_bool(w, h->libvirt_ok);
	w_kv_opt_str(w, "libvirt-version", h->libvirt_version);
	w_key(w, "domains");
	w_seq_start(w, h->n_domains == 0);
	for (size_t i = 0; i < h->n_domains; i++)
		write_domain(w, &h->domains[i]);
	w_seq_end(w);
	/* what a preflight observed (doctor); files without it read as before */
	if (h->kernel.cmdline || h->kernel.iommu >= 0) {
		w_key(w, "kernel");
		w_map_start(w, false);
		w_kv_opt_str(w, "cmdline", h->kernel.cmdline);
		w_kv_opt_bool(w, "iommu", h->kernel.iommu);
		w_map_end(w);
	}
	/* only where libvirt has networks: files without them read as before */
	if (h->n_networks) {
		w_key(w, "networks");
		w_seq_start(w, false);
		for (size_t i = 0; i < h->n_networks; i++)
			write_network(w, &h->networks[i]);
		w_seq_end(w);
	}
	w_map_end(w);
}

static void writer_release(struct writer *w)
{
	if (w->ops == &yaml_ops)
		yaml_emitter_delete(&w->e);
	json_object_put(w->root);
	free(w->key);
}

int state_write(const struct host *h, FILE *out)
{
	_cleanup_(writer_release) struct writer w = {.ops = &yaml_ops};
	yaml_event_t ev;

	if (!h || !out)
		return -EINVAL;
	if (!yaml_emitter_initialize(&w.e))
		return -ENOMEM;
	yaml_emitter_set_output_file(&w.e, out);
	yaml_emitter_set_unicode(&w.e, 1);
	yaml_emitter_set_width(&w.e, -1);
	yaml_emitter_set_indent(&w.e, 2);

	emit(&w, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit(&w, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	write_host(&w, h);
	emit(&w, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit(&w, &ev, yaml_stream_end_event_initialize(&ev));
	if (!w.failed && !yaml_emitter_flush(&w.e))
		w.failed = true;
	if (w.failed)
		return w.e.error == YAML_WRITER_ERROR ? -EIO : -EINVAL;
	return ferror(out) ? -EIO : 0;
}

int state_write_json(const struct host *h, FILE *out)
{
	_cleanup_(writer_release) struct writer w = {.ops = &json_ops};

	if (!h || !out)
		return -EINVAL;
	write_host(&w, h);
	if (w.failed)
		return -ENOMEM;
	return render_json(w.root, true, out);
}

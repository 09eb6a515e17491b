/* SPDX-License-Identifier: MIT */
/*
 * sriovctl metrics in the Prometheus text exposition format (version
 * 0.0.4): "# HELP" and "# TYPE" once per family, then its samples
 * NAME{label="value",...} VALUE. Label values are UTF-8 with backslash,
 * double quote and newline escaped; HELP text with backslash and newline.
 */
#include <inttypes.h>

#include "cleanup.h"
#include "metrics.h"

/* A label value: UTF-8 (bytes that are not become U+FFFD), \ " and newline escaped. */
static void put_value(const char *s, FILE *out)
{
	_cleanup_(freep) char *u = utf8_sanitize(s ? s : "");

	for (const char *p = u ? u : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else
			fputc(*p, out);
	}
}

/* NAME{k1="v1",k2="v2"} VALUE: labels is a NULL-ended list of key, value pairs. */
static void sample(FILE *out, const char *name, const char *const *labels, uint64_t value)
{
	fputs(name, out);
	for (size_t i = 0; labels && labels[i]; i += 2) {
		fprintf(out, "%s%s=\"", i ? "," : "{", labels[i]);
		put_value(labels[i + 1], out);
		fputc('"', out);
	}
	fprintf(out, "%s %" PRIu64 "\n", labels && labels[0] ? "}" : "", value);
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* ---- the plan ---- */

/* What of its target an action changes, so that each change is a series of its own. Owned. */
static char *action_field(const struct action *a)
{
	switch (a->kind) {
	case ACTION_SET_NUM_VFS:
		return strdup("num-vfs");
	case ACTION_SET_DRIVERS_AUTOPROBE:
		return strdup("drivers-autoprobe");
	case ACTION_SET_ESWITCH_MODE:
		return strdup("eswitch-mode");
	case ACTION_BIND_DRIVER:
		return a->vf.pf ? strprintf("vf %u driver", a->vf.id) : strdup("driver");
	case ACTION_SET_VF:
		return strprintf("vf %u %s", a->vf.id, vf_attr_to_string(a->link.attr));
	case ACTION_WRITE_MODPROBE_CONF:
		return strprintf("options %s", a->module.module ? a->module.module : "");
	case ACTION_RELOAD_MODULE:
		return strdup("loaded");
	case ACTION_SET_MTU:
		return a->vf.pf ? strprintf("vf %u mtu", a->vf.id) : strdup("mtu");
	case ACTION_DEFINE_NETWORK:
		return strdup("definition");
	case ACTION_START_NETWORK:
		return strdup("active");
	case ACTION_REFRESH_NETWORK:
		return strdup("vfs");
	case ACTION_SET_NETWORK_AUTOSTART:
		return strdup("autostart");
	case ACTION_ATTACH:
	case ACTION_DETACH:
		return strdup(a->device ? a->device : "");
	default:
		return strdup("");
	}
}

static int actions(FILE *out, const char *name, const struct action *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_(freep) char *field = action_field(&v[i]);
		const char *labels[] = {
		    "kind", action_kind_to_string(v[i].kind), "target", v[i].target, "field", field,
		    NULL};
		if (!field)
			return -ENOMEM;
		sample(out, name, labels, 1);
	}
	return 0;
}

static int plan_metrics(const struct plan *p, FILE *out)
{
	int r;

	family(out, "sriovctl_plan_ok", "gauge",
	       "1 when the desired state could be planned on this host, 0 when not (see the "
	       "errors of sriovctl plan)");
	sample(out, "sriovctl_plan_ok", NULL, p != NULL);
	if (!p)
		return 0;
	family(out, "sriovctl_changes", "gauge",
	       "Changes the plan of the desired state would make");
	sample(out, "sriovctl_changes", NULL, p->n_changes);
	family(out, "sriovctl_blocked_changes", "gauge",
	       "Changes the plan refuses to make without --force (they take devices from guests)");
	sample(out, "sriovctl_blocked_changes", NULL, p->n_blocked);
	family(out, "sriovctl_drift", "gauge",
	       "A pending change of the plan: 1 per change (kind, target, field)");
	r = actions(out, "sriovctl_drift", p->changes, p->n_changes);
	if (r < 0)
		return r;
	family(out, "sriovctl_blocked", "gauge",
	       "A blocked change of the plan: 1 per change (kind, target, field)");
	return actions(out, "sriovctl_blocked", p->blocked, p->n_blocked);
}

/* ---- the host ---- */

/* The guest holding address: the first (by name) running with it, else defined with it. */
static const char *holder(const struct host *h, const char *address)
{
	for (size_t i = 0; address && i < h->n_domains; i++)
		if (guest_dev_find(h->domains[i].live_devs, h->domains[i].n_live_devs, address))
			return h->domains[i].name;
	for (size_t i = 0; address && i < h->n_domains; i++)
		if (guest_dev_find(h->domains[i].devs, h->domains[i].n_devs, address))
			return h->domains[i].name;
	return "";
}

/* The desired VF count of PF p in s; SPEC_UNSET when s does not set it. */
static unsigned desired_vfs(const struct spec *s, const struct host *h,
			    const struct pci_dev_state *p)
{
	for (size_t i = 0; s && i < s->n_pfs; i++) {
		const struct pf_spec *ps = &s->pfs[i];
		if (host_find_pf(h, ps->pci ? ps->pci : ps->interface) == p)
			return ps->num_vfs;
	}
	return SPEC_UNSET;
}

static const char *const stat_help[_VF_STAT_MAX] = {
    [VF_STAT_RX_PACKETS] = "Packets the VF received, as its PF reports (IFLA_VF_STATS)",
    [VF_STAT_TX_PACKETS] = "Packets the VF sent, as its PF reports (IFLA_VF_STATS)",
    [VF_STAT_RX_BYTES] = "Bytes the VF received, as its PF reports (IFLA_VF_STATS)",
    [VF_STAT_TX_BYTES] = "Bytes the VF sent, as its PF reports (IFLA_VF_STATS)",
    [VF_STAT_BROADCAST] = "Broadcast packets the VF received (IFLA_VF_STATS)",
    [VF_STAT_MULTICAST] = "Multicast packets the VF received (IFLA_VF_STATS)",
    [VF_STAT_RX_DROPPED] = "Received packets of the VF dropped (IFLA_VF_STATS)",
    [VF_STAT_TX_DROPPED] = "Sent packets of the VF dropped (IFLA_VF_STATS)",
};

static int host_metrics(const struct spec *s, const struct host *h, FILE *out)
{
	family(out, "sriovctl_vfs", "gauge", "VFs of the PF (sriov_numvfs)");
	for (size_t i = 0; i < h->n_pci; i++)
		if (h->pci[i].is_pf)
			sample(out, "sriovctl_vfs", (const char *[]){"pf", h->pci[i].address, NULL},
			       h->pci[i].sriov.num_vfs);
	family(out, "sriovctl_vfs_desired", "gauge",
	       "VFs the desired state asks of the PF (num-vfs; PFs that set it)");
	for (size_t i = 0; i < h->n_pci; i++) {
		unsigned want = h->pci[i].is_pf ? desired_vfs(s, h, &h->pci[i]) : SPEC_UNSET;
		if (want != SPEC_UNSET)
			sample(out, "sriovctl_vfs_desired",
			       (const char *[]){"pf", h->pci[i].address, NULL}, want);
	}
	family(out, "sriovctl_vf_info", "gauge",
	       "A VF: its PF, index, address, bound driver and the guest that holds it");
	for (size_t i = 0; i < h->n_pci; i++) {
		const struct pci_dev_state *p = &h->pci[i];
		for (size_t j = 0; p->is_pf && j < p->sriov.n_vfs; j++) {
			const struct vf_state *v = &p->sriov.vfs[j];
			char id[16];
			snprintf(id, sizeof(id), "%u", v->id);
			sample(out, "sriovctl_vf_info",
			       (const char *[]){"pf", p->address, "vf", id, "address", v->address,
						"driver", v->driver ? v->driver : "", "guest",
						holder(h, v->address), NULL},
			       1);
		}
	}
	for (unsigned st = 0; st < _VF_STAT_MAX; st++) {
		_cleanup_(freep) char *name =
		    strprintf("sriovctl_vf_%s_total", vf_stat_to_string(st));
		bool any = false;
		if (!name)
			return -ENOMEM;
		for (char *c = name; *c; c++)
			if (*c == '-')
				*c = '_';
		for (size_t i = 0; i < h->n_pci; i++) {
			const struct pci_dev_state *p = &h->pci[i];
			for (size_t j = 0; p->is_pf && j < p->sriov.n_vfs; j++) {
				const struct vf_state *v = &p->sriov.vfs[j];
				char id[16];
				if (!(v->stats.present & (1u << st)))
					continue;
				if (!any)
					family(out, name, "counter", stat_help[st]);
				any = true;
				snprintf(id, sizeof(id), "%u", v->id);
				sample(out, name,
				       (const char *[]){"pf", p->address, "vf", id, "address",
							v->address, "guest", holder(h, v->address),
							NULL},
				       v->stats.v[st]);
			}
		}
	}
	return 0;
}

int metrics_render(const struct spec *s, const struct host *h, const struct plan *p, FILE *out)
{
	int r = 0;

	if (s)
		r = plan_metrics(p, out);
	if (r >= 0)
		r = host_metrics(s, h, out);
	if (r < 0)
		return r;
	return ferror(out) ? -EIO : 0;
}

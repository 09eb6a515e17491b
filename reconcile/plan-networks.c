/* SPDX-License-Identifier: MIT */
/*
 * libvirt VF pools: networks with <forward mode='hostdev'><pf dev='IF'/>.
 * Each declared pool is defined (or redefined when it differs), started,
 * and given its autostart flag. libvirt reads a <pf> pool's VFs when the
 * network starts, so a running pool whose PF's VF count changes (in this
 * plan or since it started) is refreshed: destroyed and started again.
 * Destroying it while it has handed VFs out would leave those guests
 * with VFs the pool no longer knows, so that refresh is blocked, naming
 * the guest.
 */
#include "domxml.h"
#include "plan-internal.h"

/* The count the PF will have after this plan: a blocked change leaves it as it is. */
static unsigned final_count(const struct pf_res *r)
{
	return r->count_blocked ? r->cur : r->want;
}

/* "network 'N' hands out VF A to guest G; ..." for each VF of hn handed out; NULL: none. */
static char *handed_out_why(const struct plan_ctx *c, const struct network_state *hn)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool first = true;

	if (!f)
		return NULL;
	for (size_t i = 0; i < hn->n_vfs; i++) {
		const struct domain_state *dom;
		const struct network_state *by = host_vf_handed_out(c->h, hn->vfs[i], &dom);
		if (by != hn || (dom && plan_detached(c, dom->name, hn->vfs[i], true)))
			continue; /* not handed out, or given back by a detach of this plan */
		if (dom)
			fprintf(f, "%sVF %s is handed out by network '%s' to guest '%s'",
				first ? "" : "; ", hn->vfs[i], hn->name, dom->name);
		else
			fprintf(f, "%sVF %s is handed out by network '%s'", first ? "" : "; ",
				hn->vfs[i], hn->name);
		first = false;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	if (first) {
		free(buf);
		return strdup("");
	}
	return buf;
}

static struct pending *net_action(struct plan_ctx *c, enum action_kind k,
				  const struct network_spec *n, const struct pf_res *r,
				  const char *pf_dev, char *reason)
{
	struct pending *p = ctx_add(c, k, n->name);

	if (!p) {
		free(reason);
		return NULL;
	}
	p->loc = &n->loc;
	p->a.reason = reason;
	p->a.net.pf = strdup(r->host->address);
	p->a.net.pf_interface = strdup(pf_dev);
	if (!p->a.reason || !p->a.net.pf || !p->a.net.pf_interface)
		ctx_oom(c);
	return p;
}

/* Why the pool's definition differs from n; NULL when it does not. Owned. */
static char *definition_differs(const struct network_state *hn, const struct network_spec *n,
				const char *pf_dev)
{
	if (!hn)
		return strdup("not defined in libvirt");
	if (!hn->persistent)
		return strdup("runs without a persistent definition");
	if (!streq_ptr(hn->pf, pf_dev))
		return strprintf("its PF is %s, the file wants %s", hn->pf ? hn->pf : "none",
				 pf_dev);
	if (hn->managed != (int)n->managed)
		return strprintf("managed is %s, the file wants %s", hn->managed ? "yes" : "no",
				 n->managed ? "yes" : "no");
	if (n->vlan != hn->vlan)
		return strprintf("its vlan is %d, the file wants %d", hn->vlan, n->vlan);
	return NULL;
}

static void plan_network(struct plan_ctx *c, const struct network_spec *n)
{
	struct pf_res *r = plan_pf_named(c, n->pf);
	const struct network_state *hn = host_find_network(c->h, n->name);
	struct pending *p;

	if (!r) {
		ctx_error(c, &n->pf_loc, -EINVAL,
			  "PF '%s' of network '%s' is not declared in 'pfs'",
			  n->pf ? n->pf : "(none)", n->name);
		return;
	}
	if (!r->host)
		return; /* already reported */
	if (r->host->n_interfaces == 0) {
		ctx_error(c, &n->pf_loc, -ENODEV,
			  "network '%s': PF %s has no network interface for libvirt's <pf dev=...>",
			  n->name, r->host->address);
		return;
	}
	const char *pf_dev = r->host->interfaces[0];
	if (hn && !hn->hostdev) {
		ctx_error(c, &n->loc, -EEXIST,
			  "network '%s' exists in libvirt and is not a VF pool (forward mode "
			  "hostdev)",
			  n->name);
		return;
	}
	unsigned count = final_count(r);
	if (count == 0) {
		ctx_error(c, &n->pf_loc, -ERANGE,
			  "network '%s' has no VF to hand out: PF %s will have num-vfs 0", n->name,
			  r->host->address);
		return;
	}

	char *differs = definition_differs(hn, n, pf_dev);
	bool define = differs != NULL;
	if (define && (p = net_action(c, ACTION_DEFINE_NETWORK, n, r, pf_dev, differs))) {
		p->a.net.xml = network_xml_build(n->name, pf_dev, n->managed, n->vlan);
		p->a.net.old_xml = hn && hn->xml ? strdup(hn->xml) : NULL;
		p->a.net.active = hn && hn->active;
		if (!p->a.net.xml || (hn && hn->xml && !p->a.net.old_xml))
			ctx_oom(c);
	}

	if (!hn || !hn->active) {
		p = net_action(
		    c, ACTION_START_NETWORK, n, r, pf_dev,
		    strprintf("not running: libvirt hands out the VFs of %s once it runs", pf_dev));
	} else if (define || hn->n_vfs != count || (r->cur != r->want && !r->count_blocked)) {
		p = net_action(
		    c, ACTION_REFRESH_NETWORK, n, r, pf_dev,
		    define ? strdup("libvirt applies the new definition when the network starts")
			   : strprintf("it lists %zu VFs, %s will have %u: libvirt reads a PF's "
				       "VFs when the network starts",
				       hn->n_vfs, pf_dev, count));
		if (p) {
			p->a.net.active = true;
			p->a.net.vfs_from = (unsigned)hn->n_vfs;
			p->a.net.vfs_to = count;
			char *why = handed_out_why(c, hn);
			if (!why)
				ctx_oom(c);
			else if (*why)
				ctx_block(c, p, why);
			else
				free(why);
		}
	}

	bool now = hn && hn->autostart;
	if (now != n->autostart &&
	    (p = net_action(
		 c, ACTION_SET_NETWORK_AUTOSTART, n, r, pf_dev,
		 strdup(n->autostart ? "started with libvirt" : "not started with libvirt")))) {
		p->a.net.autostart_from = hn ? hn->autostart : -1;
		p->a.net.autostart_to = n->autostart;
	}
}

int plan_networks(struct plan_ctx *c)
{
	if (c->s->n_networks > 0 && !c->h->libvirt_ok)
		return ctx_error(c, &c->s->networks[0].loc, -ENOTCONN,
				 "networks are declared but libvirt was not observed");
	for (size_t i = 0; i < c->s->n_networks; i++)
		plan_network(c, &c->s->networks[i]);
	return 0;
}

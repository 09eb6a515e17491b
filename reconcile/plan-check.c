/* SPDX-License-Identifier: MIT */
/*
 * An action against a host: who uses what it takes away, whether the host
 * still is what the action was planned from (a saved plan goes stale when
 * the host moves), and whether the host now is what the action makes it
 * (verification of a saved plan). Pure: the host is an observation.
 */
#include <strings.h>

#include "plan-internal.h"

/* The host's own use of VF addr's netdev: "host ADDR (IF): USE"; the prefix marks it. */
#define HOST_USER "host "

/*
 * Every guest scope holding addr: "GUEST ADDR", "GUEST ADDR (live)"; and
 * the host's use of the VF's netdev, "host ADDR (IF): up with address ...".
 */
static int add_users_of(const struct host *h, const char *addr, struct strv *out)
{
	const struct vf_state *vf = host_find_vf(h, addr, NULL);

	if (vf && netdev_use_busy(&vf->use)) {
		_cleanup_(freep) char *use = netdev_use_describe(&vf->use);
		if (!use || strv_push(out, strprintf(HOST_USER "%s (%s): %s", addr,
						     vf->interface ? vf->interface : "-", use)) < 0)
			return -ENOMEM;
	}
	const struct domain_state *by_net;
	const struct network_state *net = host_vf_handed_out(h, addr, &by_net);
	if (net && strv_push(out, strprintf("%s %s (network %s)", by_net ? by_net->name : "-", addr,
					    net->name)) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_domains; i++) {
		const struct domain_state *dom = &h->domains[i];
		if (guest_dev_find(dom->devs, dom->n_devs, addr) &&
		    strv_push(out, strprintf("%s %s", dom->name, addr)) < 0)
			return -ENOMEM;
		if (dom->running && guest_dev_find(dom->live_devs, dom->n_live_devs, addr) &&
		    strv_push(out, strprintf("%s %s (live)", dom->name, addr)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int add_users_of_vfs(const struct host *h, const struct pci_dev_state *pf,
			    struct strv *out)
{
	for (size_t i = 0; pf && i < pf->sriov.n_vfs; i++)
		if (pf->sriov.vfs[i].address && add_users_of(h, pf->sriov.vfs[i].address, out) < 0)
			return -ENOMEM;
	return 0;
}

bool action_is_libvirt(const struct action *a)
{
	switch (a->kind) {
	case ACTION_ATTACH:
	case ACTION_DETACH:
	case ACTION_DEFINE_NETWORK:
	case ACTION_START_NETWORK:
	case ACTION_REFRESH_NETWORK:
	case ACTION_SET_NETWORK_AUTOSTART:
		return true;
	default:
		return false;
	}
}

bool action_takes_vfs(const struct action *a)
{
	switch (a->kind) {
	case ACTION_SET_NUM_VFS:
		return a->num.from > 0;
	case ACTION_SET_ESWITCH_MODE:
		return a->eswitch.vfs > 0;
	case ACTION_BIND_DRIVER:
		return !a->vf.is_new && a->device;
	case ACTION_RELOAD_MODULE:
		return a->module.loaded;
	default:
		return false;
	}
}

bool plan_takes_vfs(const struct plan *p)
{
	for (size_t i = 0; i < p->n_changes; i++)
		if (action_takes_vfs(&p->changes[i]))
			return true;
	for (size_t i = 0; i < p->n_blocked; i++)
		if (action_takes_vfs(&p->blocked[i]))
			return true;
	return false;
}

int action_users(const struct action *a, const struct host *h, char ***ret, size_t *ret_n)
{
	struct strv u = {0};
	int r = 0;

	switch (a->kind) {
	case ACTION_SET_NUM_VFS:
		r = add_users_of_vfs(h, host_find_pci(h, a->target), &u);
		break;
	case ACTION_SET_ESWITCH_MODE:
		if (a->eswitch.vfs > 0)
			r = add_users_of_vfs(h, host_find_pci(h, a->target), &u);
		break;
	case ACTION_BIND_DRIVER:
		if (!a->vf.is_new && a->device)
			r = add_users_of(h, a->device, &u);
		break;
	case ACTION_RELOAD_MODULE:
		for (size_t i = 0; r >= 0 && i < h->n_pci; i++)
			if (h->pci[i].is_pf && streq_ptr(h->pci[i].driver, a->target))
				r = add_users_of_vfs(h, &h->pci[i], &u);
		break;
	default:
		break;
	}
	if (r < 0) {
		strv_release(&u);
		return r;
	}
	strv_sort(&u);
	*ret = strv_steal(&u, ret_n);
	return 0;
}

/* ---- facts ---- */

/* Which values of an action a check compares the host with. */
enum side {
	SIDE_FROM, /* what the plan was made from: is it stale? */
	SIDE_TO,   /* what the plan makes: did it converge? */
};

static char *differs(enum side side, const char *subject, const char *what, const char *now,
		     const char *val)
{
	return strprintf(side == SIDE_FROM ? "%s %s is %s, the plan was made when it was %s"
					   : "%s %s is %s, the plan makes it %s",
			 subject, what, now, val);
}

static const char *or_none(const char *s)
{
	return s ? s : "(none)";
}

static const char *tri_str(int v)
{
	return v < 0 ? "unknown" : v ? "true" : "false";
}

static char *link_attr_text(const struct vf_link *l, const struct vf_link *parts, enum vf_attr a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	vf_link_print_attr(l, parts, a, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The VF of a bind-driver or set-vf action on h; NULL (with *msg) when it is gone. */
static const struct vf_state *action_vf_on(const struct action *a, const struct host *h,
					   char **msg)
{
	const struct pci_dev_state *pf = a->vf.pf ? host_find_pci(h, a->vf.pf) : NULL;
	const struct vf_state *vf = pf && pf->is_pf ? plan_host_vf(pf, a->vf.id) : NULL;

	if (!vf)
		*msg = strprintf("VF %u of %s does not exist", a->vf.id, or_none(a->vf.pf));
	return vf;
}

static const struct guest_dev_state *dev_in(const struct domain_state *dom, bool live,
					    const char *addr)
{
	if (!addr)
		return NULL;
	if (live)
		return dom->running ? guest_dev_find(dom->live_devs, dom->n_live_devs, addr)
				    : NULL;
	return guest_dev_find(dom->devs, dom->n_devs, addr);
}

/* What dom holds at addr in one scope, described; "nothing" when none. Owned. */
static char *held_text(const struct domain_state *dom, bool live, const char *addr)
{
	const struct guest_dev_state *g = dev_in(dom, live, addr);
	return g ? plan_describe_dev(g) : strdup("nothing");
}

/* A device on a network in one scope of dom: the interface on that network with that MAC. */
static const struct guest_dev_state *net_in(const struct host *h, const struct domain_state *dom,
					    bool live, const struct guest_dev_state *want)
{
	if (live)
		return domain_live_net(h, dom, want->network, want->mac);
	return guest_net_find(dom->nets, dom->n_nets, want->network, want->mac);
}

/* An attach or detach of a device on a network: is it still (not) there? */
static char *net_check(const struct action *a, const struct host *h, const struct domain_state *dom,
		       enum side side)
{
	bool attach = a->kind == ACTION_ATTACH;

	for (int live = 0; live < 2; live++) {
		if (!(live ? a->guest.live && dom->running : a->guest.persistent))
			continue;
		bool there = net_in(h, dom, live, &a->guest.dev) != NULL;
		/* before: an attach finds none, a detach finds it; after: the opposite */
		if (there == (attach == (side == SIDE_TO)))
			continue;
		return strprintf("guest %s %s: interface on network %s is %s", a->target,
				 live ? "live" : "persistent", a->guest.dev.network,
				 there ? "attached" : "not attached");
	}
	return NULL;
}

static char *guest_stale(const struct action *a, const struct host *h)
{
	const struct domain_state *dom = host_find_domain(h, a->target);

	if (!dom)
		return strprintf("guest %s is not defined", a->target);
	if (a->guest.dev.network)
		return net_check(a, h, dom, SIDE_FROM);
	if (a->guest.live && dom->running != a->guest.running)
		return differs(SIDE_FROM, a->target, "state", dom->running ? "running" : "shut off",
			       a->guest.running ? "running" : "shut off");
	for (int live = 0; live < 2; live++) {
		if (!(live ? a->guest.live : a->guest.persistent))
			continue;
		const char *then;
		_cleanup_(freep) char *want = NULL;
		if (a->kind == ACTION_DETACH)
			then = want = plan_describe_dev(&a->guest.dev);
		else
			then = live ? a->guest.was.live : a->guest.was.persistent;
		_cleanup_(freep) char *now = held_text(dom, live, a->device);
		if (!now || (a->kind == ACTION_DETACH && !want))
			return NULL; /* out of memory: the caller's allocation fails too */
		if (!streq(now, then ? then : "nothing")) {
			_cleanup_(freep) char *subject = strprintf(
			    "%s %s %s", a->target, live ? "live" : "persistent", a->device);
			return subject ? differs(SIDE_FROM, subject, "device", now,
						 then ? then : "nothing")
				       : NULL;
		}
	}
	return NULL;
}

static bool is_host_user(const char *u)
{
	return strncmp(u, HOST_USER, strlen(HOST_USER)) == 0;
}

/* The first host uses of now and then that differ ("none" for one missing). */
static void first_host_difference(char *const *now, size_t n_now, char *const *then, size_t n_then,
				  const char **ret_now, const char **ret_then)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < n_now && !is_host_user(now[i]))
			i++;
		while (j < n_then && !is_host_user(then[j]))
			j++;
		if (i == n_now || j == n_then || !streq(now[i], then[j]))
			break;
		i++, j++;
	}
	*ret_now = i < n_now ? now[i] : "none";
	*ret_then = j < n_then ? then[j] : "none";
}

/*
 * Whether two user lists (sorted) have the same guests and differ only in
 * the host's use: then its entries in *ret_now and *ret_then, for words.
 */
static bool users_differ_on_host(char *const *now, size_t n_now, char *const *then, size_t n_then,
				 const char **ret_now, const char **ret_then)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < n_now && is_host_user(now[i]))
			i++;
		while (j < n_then && is_host_user(then[j]))
			j++;
		if (i == n_now || j == n_then)
			break;
		if (!streq(now[i++], then[j++]))
			return false;
	}
	if (i != n_now || j != n_then)
		return false;
	first_host_difference(now, n_now, then, n_then, ret_now, ret_then);
	return true;
}

static char *users_stale(const struct action *a, const struct host *h)
{
	char **v = NULL;
	size_t n = 0;
	char *msg = NULL;

	if (action_users(a, h, &v, &n) < 0)
		return strdup("out of memory");
	bool same = n == a->n_users;
	for (size_t i = 0; same && i < n; i++)
		same = streq(v[i], a->users[i]);
	if (!same) {
		const char *what = a->device && a->kind == ACTION_BIND_DRIVER ? a->device
									       : a->target;
		const char *now, *then;
		bool host = users_differ_on_host(v, n, a->users, a->n_users, &now, &then);
		if (!host) {
			now = n ? v[0] : "none";
			then = a->n_users ? a->users[0] : "none";
		}
		msg = strprintf("the %s %s changed: now %s%s, the plan was made when it was %s%s",
				host ? "host's use of" : "guests using", what, now,
				!host && n > 1 ? " ..." : "", then,
				!host && a->n_users > 1 ? " ..." : "");
	}
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return msg;
}

/* The parts of a guest device the plan sets are as wanted. */
static bool dev_satisfies(const struct guest_dev_state *have, const struct guest_dev_state *want)
{
	if (have->type != want->type || (!want->network && have->managed != want->managed))
		return false;
	if (want->mac && !(have->mac && strcasecmp(have->mac, want->mac) == 0))
		return false;
	if (want->vlan >= 0 && want->vlan != (have->vlan < 0 ? 0 : have->vlan))
		return false;
	return streq_ptr(want->virtualport_type, have->virtualport_type) &&
	       streq_ptr(want->profileid, have->profileid);
}

static const struct pci_dev_state *pf_on(const struct action *a, const struct host *h,
					 char **msg)
{
	const struct pci_dev_state *pf = host_find_pci(h, a->target);

	if (!pf || !pf->is_pf)
		*msg = strprintf("PF %s is not on this host", a->target);
	return pf && pf->is_pf ? pf : NULL;
}

static char *check_num_vfs(const struct action *a, const struct host *h, enum side side)
{
	unsigned want = side == SIDE_FROM ? a->num.from : a->num.to;
	char *msg = NULL;
	char now[16], val[16];
	const struct pci_dev_state *pf = pf_on(a, h, &msg);

	if (!pf)
		return msg;
	if (pf->sriov.num_vfs != want) {
		snprintf(now, sizeof(now), "%u", pf->sriov.num_vfs);
		snprintf(val, sizeof(val), "%u", want);
		return differs(side, a->target, "num-vfs", now, val);
	}
	if (side == SIDE_FROM && !streq_ptr(pf->driver, a->num.pf_driver))
		return differs(side, a->target, "driver", or_none(pf->driver),
			       or_none(a->num.pf_driver));
	return NULL;
}

static char *check_autoprobe(const struct action *a, const struct host *h, enum side side)
{
	int want = side == SIDE_FROM ? a->autoprobe.from : a->autoprobe.to;
	char *msg = NULL;
	const struct pci_dev_state *pf = pf_on(a, h, &msg);

	if (!pf)
		return msg;
	if (want >= 0 && pf->sriov.drivers_autoprobe != want)
		return differs(side, a->target, "drivers-autoprobe",
			       tri_str(pf->sriov.drivers_autoprobe), tri_str(want));
	return NULL;
}

/* bind-driver of a whole device (or a VF no declared PF has): its driver by address. */
static char *check_whole_driver(const struct action *a, const struct host *h, enum side side)
{
	const struct pci_dev_state *dev = host_find_pci(h, a->device);
	const struct vf_state *vf = dev ? NULL : host_find_vf(h, a->device, NULL);
	const char *want = side == SIDE_FROM ? a->driver.from : a->driver.to;

	if (!dev && !vf)
		return strprintf("%s is not on this host", or_none(a->device));
	const char *now = dev ? dev->driver : vf->driver;
	if (streq_ptr(now, want))
		return NULL;
	return differs(side, a->device, "driver", or_none(now), or_none(want));
}

/* The mode; and when planned, the VFs it removes first (their users are checked apart). */
static char *check_eswitch(const struct action *a, const struct host *h, enum side side)
{
	enum eswitch_mode want = side == SIDE_FROM ? a->eswitch.from : a->eswitch.to;
	const char *now;
	char *msg = NULL;
	char n[16], val[16];
	const struct pci_dev_state *pf = pf_on(a, h, &msg);

	if (!pf)
		return msg;
	if (pf->sriov.eswitch_mode != want) {
		now = eswitch_mode_name(pf->sriov.eswitch_mode);
		return differs(side, a->target, "eswitch-mode", now ? now : "unknown",
			       eswitch_mode_name(want) ? eswitch_mode_name(want) : "unknown");
	}
	if (side == SIDE_FROM && pf->sriov.num_vfs != a->eswitch.vfs) {
		snprintf(n, sizeof(n), "%u", pf->sriov.num_vfs);
		snprintf(val, sizeof(val), "%u", a->eswitch.vfs);
		return differs(side, a->target, "num-vfs", n, val);
	}
	return NULL;
}

static char *check_vf(const struct action *a, const struct host *h, enum side side)
{
	char *msg = NULL;
	const struct vf_state *vf;

	if (side == SIDE_FROM && a->vf.is_new)
		return NULL; /* nothing was known of it */
	if (a->kind == ACTION_BIND_DRIVER && !a->vf.pf)
		return check_whole_driver(a, h, side);
	if (!(vf = action_vf_on(a, h, &msg)))
		return msg;
	_cleanup_(freep) char *subject = strprintf("%s vf %u", a->vf.pf, a->vf.id);
	if (!subject)
		return NULL;
	if (a->kind == ACTION_BIND_DRIVER) {
		const char *want = side == SIDE_FROM ? a->driver.from : a->driver.to;
		if (streq_ptr(vf->driver, want))
			return NULL;
		return differs(side, subject, "driver", or_none(vf->driver), or_none(want));
	}
	const struct vf_link *want = side == SIDE_FROM ? &a->link.from : &a->link.to;
	if (vf_link_matches(&vf->link, want, a->link.attr))
		return NULL;
	_cleanup_(freep) char *now = link_attr_text(&vf->link, &a->link.to, a->link.attr);
	_cleanup_(freep) char *val = link_attr_text(want, &a->link.to, a->link.attr);
	return now && val ? differs(side, subject, vf_attr_to_string(a->link.attr), now, val)
			  : NULL;
}

static char *check_mtu(const struct action *a, const struct host *h, enum side side)
{
	unsigned want = side == SIDE_FROM ? a->mtu.from : a->mtu.to, now;
	char *msg = NULL;
	const struct netdev_mtu *m;
	_cleanup_(freep) char *subject = NULL;
	char now_s[16], want_s[16];

	if (side == SIDE_FROM && (a->vf.is_new || !want))
		return NULL; /* nothing was known of it */
	if (a->vf.pf) {
		const struct vf_state *vf = action_vf_on(a, h, &msg);
		if (!vf)
			return msg;
		m = &vf->mtu;
		subject = strprintf("%s vf %u", a->vf.pf, a->vf.id);
	} else {
		const struct pci_dev_state *pf = host_find_pci(h, a->device);
		if (!pf)
			return strprintf("%s is not on this host", or_none(a->device));
		m = &pf->mtu;
		subject = strdup(a->device);
	}
	now = m->mtu;
	if (!subject || now == want)
		return NULL;
	snprintf(now_s, sizeof(now_s), now ? "%u" : "unknown", now);
	snprintf(want_s, sizeof(want_s), "%u", want);
	return differs(side, subject, "mtu", now_s, want_s);
}

static char *check_conf(const struct action *a, const struct host *h, enum side side)
{
	const struct file_state *fs = host_find_file(h, a->target);
	const char *now = fs ? fs->content : NULL;
	const char *want = side == SIDE_FROM ? a->module.old_content : a->module.content;

	if (streq_ptr(now, want))
		return NULL;
	if (side == SIDE_TO)
		return strprintf("%s does not hold what the plan wrote", a->target);
	return strprintf("%s %s since the plan was made", a->target,
			 !now	 ? "was removed"
			 : !want ? "was created"
				 : "was changed");
}

static char *check_reload(const struct action *a, const struct host *h, enum side side)
{
	const struct module_state *m = host_find_module(h, a->target);
	bool loaded = m && m->loaded, want = side == SIDE_FROM ? a->module.loaded : true;

	if (loaded == want)
		return NULL;
	return differs(side, a->target, "module", loaded ? "loaded" : "not loaded",
		       want ? "loaded" : "not loaded");
}

static char *guest_unmet(const struct action *a, const struct host *h)
{
	const struct domain_state *dom = host_find_domain(h, a->target);

	if (!dom)
		return strprintf("guest %s is not defined", a->target);
	if (a->guest.dev.network)
		return net_check(a, h, dom, SIDE_TO);
	for (int live = 0; live < 2; live++) {
		if (!(live ? a->guest.live && dom->running : a->guest.persistent))
			continue;
		const struct guest_dev_state *g = dev_in(dom, live, a->device);
		bool ok = a->kind == ACTION_DETACH ? !g : g && dev_satisfies(g, &a->guest.dev);
		if (!ok)
			return strprintf("guest %s %s: device %s is %s", a->target,
					 live ? "live" : "persistent", a->device,
					 a->kind == ACTION_DETACH ? "still attached"
								  : "not attached as planned");
	}
	return NULL;
}

/* A pool as the plan found it (from) or leaves it (to). */
static char *check_network(const struct action *a, const struct host *h, enum side side)
{
	const struct network_state *n = host_find_network(h, a->target);
	bool from = side == SIDE_FROM;

	switch (a->kind) {
	case ACTION_DEFINE_NETWORK:
		if (from && !streq_ptr(n ? n->xml : NULL, a->net.old_xml))
			return strprintf("network %s %s since the plan was made", a->target,
					 !n || !n->xml	   ? "was undefined"
					 : !a->net.old_xml ? "was defined"
							   : "was redefined");
		if (!from && (!n || !n->persistent || !streq_ptr(n->pf, a->net.pf_interface)))
			return strprintf("network %s is not defined as planned", a->target);
		return NULL;
	case ACTION_START_NETWORK:
	case ACTION_REFRESH_NETWORK: {
		bool want = from ? a->net.active : true;
		if ((n && n->active) != want)
			return differs(side, a->target, "state",
				       n && n->active ? "active" : "inactive",
				       want ? "active" : "inactive");
		if (!from && a->kind == ACTION_REFRESH_NETWORK && n->n_vfs != a->net.vfs_to)
			return strprintf("network %s lists %zu VFs, not %u", a->target, n->n_vfs,
					 a->net.vfs_to);
		return NULL;
	}
	default: {
		int want = from ? a->net.autostart_from : a->net.autostart_to;
		int now = n ? n->autostart : -1;
		if (want >= 0 && now != want)
			return differs(side, a->target, "autostart", tri_str(now), tri_str(want));
		return NULL;
	}
	}
}

static char *check(const struct action *a, const struct host *h, enum side side)
{
	switch (a->kind) {
	case ACTION_SET_NUM_VFS:
		return check_num_vfs(a, h, side);
	case ACTION_SET_DRIVERS_AUTOPROBE:
		return check_autoprobe(a, h, side);
	case ACTION_SET_ESWITCH_MODE:
		return check_eswitch(a, h, side);
	case ACTION_BIND_DRIVER:
	case ACTION_SET_VF:
		return check_vf(a, h, side);
	case ACTION_SET_MTU:
		return check_mtu(a, h, side);
	case ACTION_WRITE_MODPROBE_CONF:
		return check_conf(a, h, side);
	case ACTION_RELOAD_MODULE:
		return check_reload(a, h, side);
	case ACTION_ATTACH:
	case ACTION_DETACH:
		return side == SIDE_FROM ? guest_stale(a, h) : guest_unmet(a, h);
	case ACTION_DEFINE_NETWORK:
	case ACTION_START_NETWORK:
	case ACTION_REFRESH_NETWORK:
	case ACTION_SET_NETWORK_AUTOSTART:
		return check_network(a, h, side);
	default:
		return strprintf("unknown action %d", (int)a->kind);
	}
}

char *action_stale(const struct action *a, const struct host *h)
{
	char *msg = check(a, h, SIDE_FROM);
	return msg ? msg : users_stale(a, h);
}

char *action_unmet(const struct action *a, const struct host *h)
{
	return check(a, h, SIDE_TO);
}

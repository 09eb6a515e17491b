/* SPDX-License-Identifier: MIT */
/*
 * The planner: (spec, host) -> ordered actions. This file holds the
 * context, the lookups and indexes the passes share, the safety analysis
 * helpers, and the final ordering. The passes live in plan-modules.c,
 * plan-guests.c and plan-vfs.c.
 */
#include "plan-internal.h"

static const char *const kind_names[_ACTION_KIND_MAX] = {
    [ACTION_DETACH] = "detach",
    [ACTION_WRITE_MODPROBE_CONF] = "write-modprobe-conf",
    [ACTION_RELOAD_MODULE] = "reload-module",
    [ACTION_SET_DRIVERS_AUTOPROBE] = "set-drivers-autoprobe",
    [ACTION_SET_ESWITCH_MODE] = "set-eswitch-mode",
    [ACTION_SET_NUM_VFS] = "set-num-vfs",
    [ACTION_BIND_DRIVER] = "bind-driver",
    [ACTION_SET_VF] = "set-vf",
    [ACTION_SET_MTU] = "set-mtu",
    [ACTION_DEFINE_NETWORK] = "define-network",
    [ACTION_START_NETWORK] = "start-network",
    [ACTION_REFRESH_NETWORK] = "refresh-network",
    [ACTION_SET_NETWORK_AUTOSTART] = "set-network-autostart",
    [ACTION_ATTACH] = "attach",
};

const char *action_kind_to_string(enum action_kind k)
{
	if ((unsigned)k >= _ACTION_KIND_MAX)
		return NULL;
	return kind_names[k];
}

int action_kind_from_string(const char *s)
{
	for (size_t i = 0; s && i < _ACTION_KIND_MAX; i++)
		if (streq(kind_names[i], s))
			return (int)i;
	return -EINVAL;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void action_release(struct action *a)
{
	free(a->target);
	free(a->device);
	free(a->reason);
	free(a->why);
	strv_free(a->users, a->n_users);
	free(a->num.pf_driver);
	free(a->vf.pf);
	free(a->vf.pf_interface);
	free(a->mtu.interface);
	free(a->driver.from);
	free(a->driver.to);
	free(a->module.module);
	free(a->module.from);
	free(a->module.to);
	free(a->module.old_content);
	free(a->module.content);
	free(a->module.load_options);
	strv_free(a->module.pfs, a->module.n_pfs);
	free(a->net.xml);
	free(a->net.old_xml);
	free(a->net.pf);
	free(a->net.pf_interface);
	guest_dev_state_release(&a->guest.dev);
	free(a->guest.was.persistent);
	free(a->guest.was.live);
	*a = (struct action){0};
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_changes; i++)
		action_release(&p->changes[i]);
	for (size_t i = 0; i < p->n_blocked; i++)
		action_release(&p->blocked[i]);
	free(p->changes);
	free(p->blocked);
	free(p->source.version);
	free(p->source.hostname);
	free(p->source.spec_path);
	free(p->source.spec_sha256);
	free(p->source.libvirt_uri);
	free(p);
}

/* ---- context ---- */

void *ctx_oom(struct plan_ctx *c)
{
	if (!c->err)
		c->err = diag_error(c->d, NULL, -ENOMEM, "out of memory");
	return NULL;
}

struct pending *ctx_add(struct plan_ctx *c, enum action_kind k, const char *target)
{
	struct pending *p = GROW(c->acts, c->n_acts, c->cap_acts);
	if (!p)
		return ctx_oom(c);
	*p = (struct pending){0};
	p->a.kind = k;
	p->a.autoprobe.from = p->a.autoprobe.to = -1;
	vf_link_init(&p->a.link.from);
	vf_link_init(&p->a.link.to);
	p->a.guest.dev.vlan = -1;
	p->a.net.autostart_from = p->a.net.autostart_to = -1;
	p->a.target = strdup_or_null(target);
	if (target && !p->a.target)
		ctx_oom(c);
	return p;
}

void ctx_block(struct plan_ctx *c, struct pending *p, char *why)
{
	if (!why) {
		ctx_oom(c);
		return;
	}
	free(p->a.why);
	p->a.why = why;
	if (c->o && c->o->force) {
		diag_warning(c->d, p->loc, "--force: %s %s goes ahead although %s",
			     action_kind_to_string(p->a.kind),
			     p->a.device ? p->a.device : p->a.target, why);
		return;
	}
	p->blocked = true;
}

const char *ctx_keep(struct plan_ctx *c, char *s)
{
	if (!s)
		return ctx_oom(c);
	char **slot = GROW(c->strings, c->n_strings, c->cap_strings);
	if (!slot) {
		free(s);
		return ctx_oom(c);
	}
	*slot = s;
	return s;
}

static void ctx_release(struct plan_ctx *c)
{
	if (c->pfs)
		for (size_t i = 0; i < c->s->n_pfs; i++)
			free(c->pfs[i].count_why);
	free(c->pfs);
	free(c->vfs);
	for (size_t i = 0; i < c->n_strings; i++)
		free(c->strings[i]);
	free(c->strings);
	free(c->holders);
	free(c->detaches);
	for (size_t i = 0; i < c->n_acts; i++)
		action_release(&c->acts[i].a);
	free(c->acts);
}

/* ---- lookups ---- */

const struct vf_state *plan_host_vf(const struct pci_dev_state *pf, unsigned id)
{
	const struct sriov_state *sr = &pf->sriov;

	if (id < sr->n_vfs && sr->vfs[id].id == id)
		return &sr->vfs[id];
	for (size_t i = 0; i < sr->n_vfs; i++)
		if (sr->vfs[i].id == id)
			return &sr->vfs[i];
	return NULL;
}

/* ---- value rendering ---- */


/* Append s to buf (of size cap, used len), truncating as snprintf would. */
static size_t put(char *buf, size_t cap, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (len + 1 >= cap)
		return len;
	if (n > cap - 1 - len)
		n = cap - 1 - len;
	memcpy(buf + len, s, n);
	buf[len + n] = '\0';
	return len + n;
}

char *plan_describe_dev(const struct guest_dev_state *g)
{
	const char *type = device_type_to_string(g->type);
	char buf[512], num[32];
	size_t n = put(buf, sizeof(buf), 0, type ? type : "(null)"); /* as printf prints it */

	if (g->mac) {
		n = put(buf, sizeof(buf), n, ", mac ");
		n = put(buf, sizeof(buf), n, g->mac);
	}
	if (g->vlan >= 0) {
		snprintf(num, sizeof(num), ", vlan %d", g->vlan);
		n = put(buf, sizeof(buf), n, num);
	}
	if (g->virtualport_type) {
		n = put(buf, sizeof(buf), n, ", virtualport ");
		n = put(buf, sizeof(buf), n, g->virtualport_type);
	}
	if (g->profileid) {
		n = put(buf, sizeof(buf), n, " profileid ");
		n = put(buf, sizeof(buf), n, g->profileid);
	}
	if (g->network) {
		n = put(buf, sizeof(buf), n, ", network ");
		put(buf, sizeof(buf), n, g->network);
	} else if (!g->managed) {
		put(buf, sizeof(buf), n, ", managed no");
	}
	return strdup(buf);
}

/* ---- indexes ---- */

static int vf_ref_cmp(const void *a, const void *b)
{
	const struct vf_ref *x = a, *y = b;
	return strcmp(x->address, y->address);
}

static int add_vf_ref(struct plan_ctx *c, const char *address, const struct pci_dev_state *pf,
		      struct pf_res *res, unsigned id, const struct vf_state *vf)
{
	struct vf_ref *r = GROW(c->vfs, c->n_vfs, c->cap_vfs);
	if (!r) {
		ctx_oom(c);
		return -ENOMEM;
	}
	*r = (struct vf_ref){address, pf, res, id, vf};
	return 0;
}

static struct pf_res *res_of(struct plan_ctx *c, const struct pci_dev_state *pf)
{
	for (size_t i = 0; i < c->s->n_pfs; i++)
		if (c->pfs[i].host == pf)
			return &c->pfs[i];
	return NULL;
}

/*
 * Every VF that exists now, and every VF a managed PF will gain, whose
 * address is known (offset/stride).
 */
static int build_vf_index(struct plan_ctx *c)
{
	const struct host *h = c->h;

	for (size_t i = 0; i < h->n_pci; i++) {
		const struct pci_dev_state *pf = &h->pci[i];
		if (!pf->is_pf)
			continue;
		struct pf_res *res = res_of(c, pf);
		for (size_t j = 0; j < pf->sriov.n_vfs; j++) {
			const struct vf_state *vf = &pf->sriov.vfs[j];
			if (vf->address && add_vf_ref(c, vf->address, pf, res, vf->id, vf) < 0)
				return -ENOMEM;
		}
		if (!res)
			continue;
		for (unsigned id = 0; id < res->want; id++) {
			if (plan_host_vf(pf, id))
				continue;
			char *a = pf_vf_address(pf, id);
			if (!a)
				continue;
			if (!ctx_keep(c, a) || add_vf_ref(c, a, pf, res, id, NULL) < 0)
				return -ENOMEM;
		}
	}
	if (c->n_vfs)
		qsort(c->vfs, c->n_vfs, sizeof(*c->vfs), vf_ref_cmp);
	return 0;
}

const struct vf_ref *plan_vf_by_address(const struct plan_ctx *c, const char *address)
{
	struct vf_ref key = {.address = address};
	if (!c->n_vfs)
		return NULL;
	return bsearch(&key, c->vfs, c->n_vfs, sizeof(*c->vfs), vf_ref_cmp);
}

static int holder_cmp(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;
	int r = strcmp(x->address, y->address);
	if (r)
		return r;
	r = strcmp(x->dom->name, y->dom->name);
	if (r)
		return r;
	return (int)x->live - (int)y->live;
}

static int build_holders(struct plan_ctx *c)
{
	for (size_t i = 0; i < c->h->n_domains; i++) {
		const struct domain_state *dom = &c->h->domains[i];
		for (int live = 0; live < 2; live++) {
			const struct guest_dev_state *v = live ? dom->live_devs : dom->devs;
			size_t n = live ? dom->n_live_devs : dom->n_devs;
			if (live && !dom->running)
				continue;
			for (size_t j = 0; j < n; j++) {
				if (!v[j].address)
					continue;
				struct holder *x = GROW(c->holders, c->n_holders, c->cap_holders);
				if (!x) {
					ctx_oom(c);
					return -ENOMEM;
				}
				*x = (struct holder){v[j].address, dom, live};
			}
		}
	}
	if (c->n_holders)
		qsort(c->holders, c->n_holders, sizeof(*c->holders), holder_cmp);
	return 0;
}

const struct holder *plan_holders_of(const struct plan_ctx *c, const char *address, size_t *ret_n)
{
	size_t lo = 0, hi = c->n_holders;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(c->holders[mid].address, address) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t n = 0;
	while (lo + n < c->n_holders && streq(c->holders[lo + n].address, address))
		n++;
	*ret_n = n;
	return n ? &c->holders[lo] : NULL;
}

static int detach_cmp(const void *a, const void *b)
{
	const struct detach_key *x = a, *y = b;
	int r = strcmp(x->address, y->address);
	if (r)
		return r;
	r = strcmp(x->guest, y->guest);
	if (r)
		return r;
	return (int)x->live - (int)y->live;
}

static int build_detaches(struct plan_ctx *c)
{
	for (size_t i = 0; i < c->n_acts; i++) {
		const struct action *a = &c->acts[i].a;
		/* an interface on a pool frees the VF it was handed in the running guest */
		const char *addr = a->device ? a->device : a->guest.dev.address;
		if (a->kind != ACTION_DETACH || !addr)
			continue;
		for (int live = 0; live < 2; live++) {
			if (!(live ? a->guest.live : a->guest.persistent) || (!a->device && !live))
				continue;
			struct detach_key *k = GROW(c->detaches, c->n_detaches, c->cap_detaches);
			if (!k) {
				ctx_oom(c);
				return -ENOMEM;
			}
			*k = (struct detach_key){addr, a->target, live};
		}
	}
	if (c->n_detaches)
		qsort(c->detaches, c->n_detaches, sizeof(*c->detaches), detach_cmp);
	return 0;
}

bool plan_detached(const struct plan_ctx *c, const char *guest, const char *address, bool live)
{
	struct detach_key key = {address, guest, live};
	if (!c->n_detaches)
		return false;
	return bsearch(&key, c->detaches, c->n_detaches, sizeof(*c->detaches), detach_cmp);
}

/* Append "; "-separated text to *buf (an open memstream). */
static void why_add(FILE *f, bool *first, const char *fmt, const char *addr, const char *name)
{
	if (!*first)
		fputs("; ", f);
	*first = false;
	fprintf(f, fmt, addr, name);
}

char *plan_host_use_why(struct plan_ctx *c, const char *addr, const struct vf_state *vf)
{
	if (!vf || !netdev_use_busy(&vf->use))
		return NULL;
	_cleanup_(freep) char *use = netdev_use_describe(&vf->use);
	char *why = use ? strprintf("VF %s%s%s%s is in use on the host: %s", addr,
				    vf->interface ? " (" : "", vf->interface ? vf->interface : "",
				    vf->interface ? ")" : "", use)
			: NULL;
	return why ? why : ctx_oom(c);
}

char *plan_holders_why(struct plan_ctx *c, const char *const *addrs, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	bool first = true;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return ctx_oom(c);
	for (size_t i = 0; i < n; i++) {
		size_t nh;
		const struct holder *hv = plan_holders_of(c, addrs[i], &nh);
		const struct vf_ref *ref = plan_vf_by_address(c, addrs[i]);
		const char *kind = ref ? "VF" : "device";
		/* a VF a libvirt pool gave to a running guest: named by pool and guest */
		const struct domain_state *by_net = NULL;
		const struct network_state *net = host_vf_handed_out(c->h, addrs[i], &by_net);
		if (net && by_net && plan_detached(c, by_net->name, addrs[i], true))
			net = NULL; /* this plan detaches the guest's interface on the pool first */
		if (net) {
			fprintf(f, "%sVF %s is handed out by network '%s'", first ? "" : "; ",
				addrs[i], net->name);
			if (by_net)
				fprintf(f, " to guest '%s'", by_net->name);
			first = false;
		}
		for (size_t j = 0; j < nh;) {
			/* holders of one domain are adjacent: persistent, then live */
			const struct domain_state *dom = hv[j].dom;
			bool pers = false, live = false;
			if (dom == by_net) {
				for (; j < nh && hv[j].dom == dom; j++)
					;
				continue;
			}
			for (; j < nh && hv[j].dom == dom; j++) {
				if (plan_detached(c, dom->name, addrs[i], hv[j].live))
					continue;
				if (hv[j].live)
					live = true;
				else
					pers = true;
			}
			char fmt[128];
			if (live)
				snprintf(fmt, sizeof(fmt), "%s %%s is used by running guest %%s",
					 kind);
			else if (pers && dom->running)
				snprintf(fmt, sizeof(fmt),
					 "%s %%s is used by guest %%s (persistent definition)",
					 kind);
			else if (pers)
				snprintf(
				    fmt, sizeof(fmt),
				    "%s %%s is used by guest %%s (shut off, persistent definition)",
				    kind);
			else
				continue;
			why_add(f, &first, fmt, addrs[i], dom->name);
		}
		/* the host's own use of the VF's netdev, observed from sysfs and rtnetlink */
		const struct vf_state *vf = ref ? ref->vf : NULL;
		if (vf && netdev_use_busy(&vf->use)) {
			_cleanup_(freep) char *use = plan_host_use_why(c, addrs[i], vf);
			if (!use) {
				fclose(f);
				free(buf);
				return NULL;
			}
			fprintf(f, "%s%s", first ? "" : "; ", use);
			first = false;
		}
	}
	return plan_why_finish(c, f, &buf, first);
}

char *plan_why_finish(struct plan_ctx *c, FILE *f, char **buf, bool empty)
{
	if (fclose(f) != 0) {
		free(*buf);
		return ctx_oom(c);
	}
	if (empty) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

/* ---- PFs ---- */

static int resolve_pfs(struct plan_ctx *c)
{
	const struct spec *s = c->s;

	c->pfs = calloc(s->n_pfs ? s->n_pfs : 1, sizeof(*c->pfs));
	if (!c->pfs)
		return ctx_oom(c), -ENOMEM;
	for (size_t i = 0; i < s->n_pfs; i++) {
		const struct pf_spec *ps = &s->pfs[i];
		const char *name = ps->pci ? ps->pci : ps->interface;
		struct pf_res *r = &c->pfs[i];

		r->spec = ps;
		r->host = name ? host_find_pci(c->h, name) : NULL;
		if (!r->host && name)
			r->host = host_find_pf(c->h, name);
		if (!r->host) {
			ctx_error(c, &ps->loc, -ENODEV, "PF '%s' not found on this host",
				  name ? name : "(none)");
			continue;
		}
		if (!r->host->is_pf) {
			ctx_error(c, &ps->loc, -EOPNOTSUPP, "'%s' has no SR-IOV capability",
				  r->host->address);
			r->host = NULL;
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (c->pfs[j].host == r->host)
				ctx_error(c, &ps->loc, -EINVAL,
					  "PF '%s' is the same device as an earlier PF ('%s')",
					  name, r->host->address);
		r->cur = r->host->sriov.num_vfs;
		r->want = ps->num_vfs != SPEC_UNSET ? ps->num_vfs : r->cur;
	}
	return 0;
}

static int check_counts(struct plan_ctx *c)
{
	for (size_t i = 0; i < c->s->n_pfs; i++) {
		struct pf_res *r = &c->pfs[i];
		const struct pf_spec *ps = r->spec;
		if (!r->host)
			continue;
		const struct src_loc *loc = ps->num_vfs_loc.line ? &ps->num_vfs_loc : &ps->loc;
		if (r->want != r->cur && !r->host->driver) {
			/*
			 * The kernel answers ENOENT. A module (re)load in this
			 * plan does not help: which module would bind the PF
			 * is not known here (only its driver, and it has none).
			 */
			ctx_error(c, loc, -ENOENT,
				  "'%s' has no driver bound, so it cannot get VFs (num-vfs %u -> "
				  "%u): load or bind its driver first",
				  r->host->address, r->cur, r->want);
			r->host = NULL;
			continue;
		}
		if (r->want <= r->host->sriov.total_vfs)
			continue;
		ctx_error(c, loc, -ERANGE, "num-vfs %u exceeds sriov_totalvfs %u of '%s'", r->want,
			  r->host->sriov.total_vfs, r->host->address);
		r->host = NULL; /* nothing more to plan for it */
	}
	return 0;
}

/* ---- ordering ---- */

static int strcmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	return strcmp(a, b);
}

/* VF id for ordering; -1 for an action not about a VF of a managed PF */
static long vf_key(const struct action *a)
{
	return a->vf.pf ? (long)a->vf.id : -1;
}

static int pending_cmp(const void *x, const void *y)
{
	const struct action *a = &((const struct pending *)x)->a;
	const struct action *b = &((const struct pending *)y)->a;
	int r;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((r = strcmp_null(a->target, b->target)))
		return r;
	if (vf_key(a) != vf_key(b))
		return vf_key(a) < vf_key(b) ? -1 : 1;
	if ((r = strcmp_null(a->device, b->device)))
		return r;
	if (a->kind == ACTION_SET_VF && a->link.attr != b->link.attr)
		return a->link.attr < b->link.attr ? -1 : 1;
	if (a->guest.persistent != b->guest.persistent)
		return a->guest.persistent ? -1 : 1;
	if (a->guest.live != b->guest.live)
		return a->guest.live ? -1 : 1;
	return 0;
}

static int split(struct plan_ctx *c, struct plan *p)
{
	size_t n_blocked = 0;

	if (c->n_acts)
		qsort(c->acts, c->n_acts, sizeof(*c->acts), pending_cmp);
	for (size_t i = 0; i < c->n_acts; i++)
		n_blocked += c->acts[i].blocked;
	/* each array allocated once, at its final size */
	p->cap_changes = c->n_acts - n_blocked;
	p->cap_blocked = n_blocked;
	p->changes = p->cap_changes ? malloc(p->cap_changes * sizeof(*p->changes)) : NULL;
	p->blocked = n_blocked ? malloc(n_blocked * sizeof(*p->blocked)) : NULL;
	if ((p->cap_changes && !p->changes) || (n_blocked && !p->blocked))
		return ctx_oom(c), -ENOMEM;
	for (size_t i = 0; i < c->n_acts; i++) {
		struct pending *x = &c->acts[i];
		struct action *a = x->blocked ? &p->blocked[p->n_blocked++]
					      : &p->changes[p->n_changes++];
		*a = x->a;
		x->a = (struct action){0};
	}
	c->n_acts = 0;
	return 0;
}

/*
 * Without libvirt's domains nobody is known to use a VF: an action that
 * takes VFs away goes ahead unguarded. Say so there (and only there, so
 * that a host without libvirt is not warned on every run).
 */
static void unguarded_warning(struct plan_ctx *c, const struct action *a)
{
	const char *what;

	if (c->h->libvirt_ok)
		return;
	if (a->kind == ACTION_SET_NUM_VFS && a->num.from > 0)
		what = "the VFs this plan removes";
	else if (a->kind == ACTION_SET_ESWITCH_MODE && a->eswitch.vfs > 0)
		what = "the VFs this eswitch-mode change removes";
	else if (a->kind == ACTION_BIND_DRIVER && !a->vf.is_new)
		what = a->vf.pf ? "the VF this plan rebinds" : "the device this plan rebinds";
	else if (a->kind == ACTION_RELOAD_MODULE && a->module.loaded)
		what = "the VFs this module reload destroys";
	else
		return;
	diag_warning(c->d, NULL, "%s %s: cannot tell whether a guest uses %s: libvirt was not "
		     "observed%s%s%s",
		     action_kind_to_string(a->kind), a->device ? a->device : a->target, what,
		     c->h->libvirt_error ? " (" : "",
		     c->h->libvirt_error ? c->h->libvirt_error : "",
		     c->h->libvirt_error ? ")" : "");
}

int plan_compute(const struct spec *s, const struct host *h, const struct plan_opts *o,
		 struct diag *d, struct plan **ret)
{
	static const struct plan_opts no_opts;
	struct plan_ctx c = {.s = s, .h = h, .o = o ? o : &no_opts, .d = d};
	_cleanup_(plan_freep) struct plan *p = NULL;
	int (*const passes[])(struct plan_ctx *) = {
	    resolve_pfs,   plan_modules, check_counts,	     build_vf_index,
	    build_holders, plan_guests,	 build_detaches,     plan_counts,
	    plan_vfs,	   plan_devices, plan_attach_safety, plan_networks,
	};

	for (size_t i = 0; i < ARRAY_SIZE(passes); i++) {
		passes[i](&c);
		if (c.err == -ENOMEM)
			break;
	}
	if (!c.err) {
		p = calloc(1, sizeof(*p));
		if (!p)
			ctx_oom(&c);
		else if (split(&c, p) >= 0)
			for (size_t i = 0; i < p->n_changes + p->n_blocked; i++) {
				struct action *a = i < p->n_changes ? &p->changes[i]
								    : &p->blocked[i - p->n_changes];
				if (action_users(a, h, &a->users, &a->n_users) < 0) {
					ctx_oom(&c);
					break;
				}
				unguarded_warning(&c, a);
			}
	}
	ctx_release(&c);
	if (c.err)
		return c.err;
	*ret = TAKE_PTR(p);
	return 0;
}

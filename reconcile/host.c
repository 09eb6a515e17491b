/* SPDX-License-Identifier: MIT */
/* struct host: lifecycle, lookups, VF address arithmetic, sorting. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

#include "cleanup.h"
#include "host.h"
#include "modconf.h"

void vf_state_init(struct vf_state *v, unsigned id)
{
	*v = (struct vf_state){.id = id, .use.up = -1};
	vf_link_init(&v->link);
}

void netdev_use_release(struct netdev_use *u)
{
	if (!u)
		return;
	strv_free(u->addresses);
	free(u->master);
	free(u->master_kind);
	strv_free(u->uppers);
	*u = (struct netdev_use){.up = -1};
}

bool netdev_address_valid(const char *s)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	const char *slash = s ? strchr(s, '/') : NULL;
	unsigned prefix;
	int family, n = -1;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return false;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, addr, bin) != 1 || !isdigit((unsigned char)slash[1]) ||
	    sscanf(slash + 1, "%3u%n", &prefix, &n) != 1 || slash[1 + n] != '\0')
		return false;
	return prefix <= (family == AF_INET ? 32u : 128u);
}

bool netdev_use_busy(const struct netdev_use *u)
{
	return (u->up > 0 && u->n_addresses > 0) || u->master || u->n_uppers > 0;
}

char *netdev_use_describe(const struct netdev_use *u)
{
	char *buf = NULL;
	size_t len = 0;
	const char *sep = "";
	FILE *f;

	if (!netdev_use_busy(u))
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	if (u->up > 0 && u->n_addresses > 0) {
		fprintf(f, "up with address%s ", u->n_addresses > 1 ? "es" : "");
		for (size_t i = 0; i < u->n_addresses; i++)
			fprintf(f, "%s%s", i ? ", " : "", u->addresses[i]);
		sep = "; ";
	}
	if (u->master) {
		fprintf(f, "%senslaved to %s%s%s", sep, u->master_kind ? u->master_kind : "",
			u->master_kind ? " " : "", u->master);
		sep = "; ";
	}
	if (u->n_uppers > 0) {
		fprintf(f, "%supper device%s ", sep, u->n_uppers > 1 ? "s" : "");
		for (size_t i = 0; i < u->n_uppers; i++)
			fprintf(f, "%s%s", i ? ", " : "", u->uppers[i]);
	}
	if (fclose(f) != 0) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	return buf;
}

const struct guest_dev_state *guest_dev_find(const struct guest_dev_state *v, size_t n,
					     const char *address)
{
	for (size_t i = 0; i < n; i++)
		if (streq_ptr(v[i].address, address))
			return &v[i];
	return NULL;
}

void guest_dev_state_release(struct guest_dev_state *g)
{
	if (!g)
		return;
	free(g->address);
	free(g->mac);
	free(g->virtualport_type);
	free(g->profileid);
	free(g->network);
	*g = (struct guest_dev_state){.vlan = -1};
}

void network_state_release(struct network_state *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->xml);
	free(n->live_xml);
	free(n->pf);
	strv_free(n->vfs);
	free(n->connections);
	*n = (struct network_state){.managed = -1, .vlan = -1};
}

struct host *host_new(void)
{
	struct host *h = calloc(1, sizeof(struct host));

	if (h)
		h->kernel.iommu = -1;
	return h;
}

static void vf_state_release(struct vf_state *v)
{
	free(v->address);
	free(v->driver);
	free(v->driver_override);
	free(v->interface);
	netdev_use_release(&v->use);
}

static void pci_dev_state_release(struct pci_dev_state *p)
{
	free(p->address);
	free(p->vendor);
	free(p->device);
	free(p->name);
	free(p->driver);
	for (size_t i = 0; i < p->n_interfaces; i++)
		free(p->interfaces[i]);
	free(p->interfaces);
	free(p->sriov.vf_device);
	free(p->sriov.vf_name);
	for (size_t i = 0; i < p->sriov.n_vfs; i++)
		vf_state_release(&p->sriov.vfs[i]);
	free(p->sriov.vfs);
}

static void module_state_release(struct module_state *m)
{
	free(m->name);
	for (size_t i = 0; i < m->n_params; i++) {
		free(m->params[i].key);
		free(m->params[i].value);
	}
	free(m->params);
	for (size_t i = 0; i < m->n_conf; i++) {
		free(m->conf[i].key);
		free(m->conf[i].value);
		free(m->conf[i].source);
	}
	free(m->conf);
}

static void guest_devs_free(struct guest_dev_state *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		guest_dev_state_release(&v[i]);
	free(v);
}

static void domain_state_release(struct domain_state *d)
{
	free(d->name);
	free(d->xml);
	free(d->live_xml);
	guest_devs_free(d->devs, d->n_devs);
	guest_devs_free(d->live_devs, d->n_live_devs);
	guest_devs_free(d->nets, d->n_nets);
	guest_devs_free(d->live_nets, d->n_live_nets);
}

void iommu_group_release(struct iommu_group *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_members; i++) {
		free(g->members[i].address);
		free(g->members[i].driver);
	}
	free(g->members);
	*g = (struct iommu_group){0};
}

void host_free(struct host *h)
{
	if (!h)
		return;
	free(h->hostname);
	free(h->libvirt_error);
	free(h->libvirt_version);
	free(h->kernel.cmdline);
	for (size_t i = 0; i < h->n_pci; i++)
		pci_dev_state_release(&h->pci[i]);
	free(h->pci);
	for (size_t i = 0; i < h->n_modules; i++)
		module_state_release(&h->modules[i]);
	free(h->modules);
	for (size_t i = 0; i < h->n_files; i++) {
		free(h->files[i].path);
		free(h->files[i].content);
	}
	free(h->files);
	for (size_t i = 0; i < h->n_domains; i++)
		domain_state_release(&h->domains[i]);
	free(h->domains);
	for (size_t i = 0; i < h->n_iommu_groups; i++)
		iommu_group_release(&h->iommu_groups[i]);
	free(h->iommu_groups);
	for (size_t i = 0; i < h->n_networks; i++)
		network_state_release(&h->networks[i]);
	free(h->networks);
	free(h);
}

/* ---- lookups: linear scans, the arrays may not be sorted yet ---- */

/*
 * Bisect v (n elements of size sz, sorted by the string at offset key),
 * then, for a host built by hand and not sorted, look at every element.
 */
static const void *find_sorted(const void *v, size_t n, size_t sz, size_t key, const char *want)
{
	const char *base = v;
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = *(const char *const *)(base + mid * sz + key);
		int r = k ? strcmp(k, want) : -1;
		if (r == 0)
			return base + mid * sz;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; i < n; i++) {
		const char *k = *(const char *const *)(base + i * sz + key);
		if (k && streq(k, want))
			return base + i * sz;
	}
	return NULL;
}

const struct pci_dev_state *host_find_pci(const struct host *h, const char *address)
{
	if (!h || !address)
		return NULL;
	return find_sorted(h->pci, h->n_pci, sizeof(*h->pci),
			   offsetof(struct pci_dev_state, address), address);
}

const struct pci_dev_state *host_find_pf(const struct host *h, const char *pci_or_interface)
{
	if (!h || !pci_or_interface)
		return NULL;
	for (size_t i = 0; i < h->n_pci; i++) {
		const struct pci_dev_state *p = &h->pci[i];

		if (!p->is_pf)
			continue;
		if (streq_ptr(p->address, pci_or_interface))
			return p;
		for (size_t j = 0; j < p->n_interfaces; j++)
			if (streq_ptr(p->interfaces[j], pci_or_interface))
				return p;
	}
	return NULL;
}

const struct vf_state *host_find_vf(const struct host *h, const char *address,
				    const struct pci_dev_state **ret_pf)
{
	if (!h || !address)
		return NULL;
	for (size_t i = 0; i < h->n_pci; i++) {
		const struct pci_dev_state *p = &h->pci[i];

		if (!p->is_pf)
			continue;
		for (size_t j = 0; j < p->sriov.n_vfs; j++)
			if (streq_ptr(p->sriov.vfs[j].address, address)) {
				if (ret_pf)
					*ret_pf = p;
				return &p->sriov.vfs[j];
			}
	}
	return NULL;
}

const struct module_state *host_find_module(const struct host *h, const char *name)
{
	if (!h || !name)
		return NULL;
	for (size_t i = 0; i < h->n_modules; i++)
		if (h->modules[i].name && modname_eq(h->modules[i].name, name))
			return &h->modules[i];
	return NULL;
}

const char *module_state_param(const struct module_state *m, const char *key)
{
	if (!m || !key)
		return NULL;
	for (size_t i = 0; i < m->n_params; i++)
		if (streq_ptr(m->params[i].key, key))
			return m->params[i].value;
	return NULL;
}

const struct file_state *host_find_file(const struct host *h, const char *path)
{
	if (!h || !path)
		return NULL;
	for (size_t i = 0; i < h->n_files; i++)
		if (streq_ptr(h->files[i].path, path))
			return &h->files[i];
	return NULL;
}

const struct domain_state *host_find_domain(const struct host *h, const char *name)
{
	if (!h || !name)
		return NULL;
	return find_sorted(h->domains, h->n_domains, sizeof(*h->domains),
			   offsetof(struct domain_state, name), name);
}

const struct guest_dev_state *guest_net_find(const struct guest_dev_state *v, size_t n,
					     const char *network, const char *mac)
{
	for (size_t i = 0; network && i < n; i++)
		if (streq_ptr(v[i].network, network) &&
		    (!mac || (v[i].mac && strcasecmp(v[i].mac, mac) == 0)))
			return &v[i];
	return NULL;
}

const struct network_state *host_find_network(const struct host *h, const char *name)
{
	if (!h || !name)
		return NULL;
	return find_sorted(h->networks, h->n_networks, sizeof(*h->networks),
			   offsetof(struct network_state, name), name);
}

/* The running guest whose live XML has a network interface given addr (from net, if named). */
static const struct domain_state *net_holder(const struct host *h, const char *net,
					     const char *addr)
{
	for (size_t i = 0; i < h->n_domains; i++) {
		const struct domain_state *dom = &h->domains[i];
		if (!dom->running)
			continue;
		for (size_t j = 0; j < dom->n_live_nets; j++) {
			const struct guest_dev_state *g = &dom->live_nets[j];
			if (streq_ptr(g->address, addr) && (!net || streq_ptr(g->network, net)))
				return dom;
		}
		/* libvirt may write the VF it gave as <interface type='hostdev'> */
		if (net && guest_dev_find(dom->live_devs, dom->n_live_devs, addr))
			return dom;
	}
	return NULL;
}

const struct network_state *host_vf_handed_out(const struct host *h, const char *addr,
					       const struct domain_state **ret_dom)
{
	*ret_dom = NULL;
	for (size_t i = 0; h && addr && i < h->n_networks; i++) {
		const struct network_state *n = &h->networks[i];
		if (!n->active || !n->hostdev)
			continue;
		for (size_t j = 0; j < n->n_vfs; j++) {
			if (!streq(n->vfs[j], addr))
				continue;
			*ret_dom = net_holder(h, n->name, addr);
			if (*ret_dom || (n->connections && n->connections[j] > 0))
				return n;
		}
	}
	/* a pool that lists no VFs: the guest's interface names the network and the VF */
	const struct domain_state *dom = h && addr ? net_holder(h, NULL, addr) : NULL;
	for (size_t j = 0; dom && j < dom->n_live_nets; j++)
		if (streq_ptr(dom->live_nets[j].address, addr)) {
			const struct network_state *n =
			    host_find_network(h, dom->live_nets[j].network);
			if (n) {
				*ret_dom = dom;
				return n;
			}
		}
	return NULL;
}

const struct guest_dev_state *domain_live_net(const struct host *h, const struct domain_state *dom,
					      const char *network, const char *mac)
{
	const struct guest_dev_state *g;

	if (!dom->running)
		return NULL;
	g = guest_net_find(dom->live_nets, dom->n_live_nets, network, mac);
	for (size_t i = 0; !g && i < dom->n_live_devs; i++) {
		const struct guest_dev_state *l = &dom->live_devs[i];
		const struct domain_state *to;
		const struct network_state *n = host_vf_handed_out(h, l->address, &to);
		if (n && to == dom && streq(n->name, network) &&
		    (!mac || (l->mac && strcasecmp(l->mac, mac) == 0)))
			g = l;
	}
	return g;
}

const struct iommu_group *host_find_iommu_group(const struct host *h, unsigned id)
{
	for (size_t i = 0; h && i < h->n_iommu_groups; i++)
		if (h->iommu_groups[i].id == id)
			return &h->iommu_groups[i];
	return NULL;
}

/* ---- addresses ---- */

/* Parse exactly "DDDD:BB:SS.F" (hex, either case). */
static bool parse_pci_address(const char *s, unsigned *dom, unsigned *bus, unsigned *slot,
			      unsigned *fn)
{
	int n = -1;

	if (!s || strlen(s) != 12)
		return false;
	for (size_t i = 0; i < 12; i++) {
		char c = s[i];
		bool sep = i == 4 || i == 7 || i == 10;
		if (sep ? c != (i == 10 ? '.' : ':') : !isxdigit((unsigned char)c))
			return false;
	}
	if (sscanf(s, "%4x:%2x:%2x.%1x%n", dom, bus, slot, fn, &n) != 4 || n != 12)
		return false;
	return *slot <= 0x1f && *fn <= 7;
}

char *pf_vf_address(const struct pci_dev_state *pf, unsigned n)
{
	unsigned dom, bus, slot, fn;

	if (!pf || !pf->is_pf || pf->sriov.offset < 0 || pf->sriov.stride < 0)
		return NULL;
	if (!parse_pci_address(pf->address, &dom, &bus, &slot, &fn))
		return NULL;
	/* the kernel's pci_iov_virtfn_bus/devfn: routing id arithmetic */
	uint64_t rid = ((uint64_t)slot << 3 | fn) + (uint64_t)pf->sriov.offset +
		       (uint64_t)n * (uint64_t)pf->sriov.stride;
	uint64_t vbus = bus + (rid >> 8);
	if (vbus > 0xff)
		return NULL;
	unsigned devfn = rid & 0xff;
	return strprintf("%04x:%02x:%02x.%x", dom, (unsigned)vbus, devfn >> 3, devfn & 7);
}

char *pci_nodedev_name(const char *address)
{
	if (!address)
		return NULL;
	char *s = strprintf("pci_%s", address);
	if (!s)
		return NULL;
	for (char *p = s; *p; p++)
		if (*p == ':' || *p == '.')
			*p = '_';
		else
			*p = tolower((unsigned char)*p);
	return s;
}

/* ---- sorting ---- */

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_strp(const void *a, const void *b)
{
	return cmp_str(*(char *const *)a, *(char *const *)b);
}

static int cmp_pci(const void *a, const void *b)
{
	return cmp_str(((const struct pci_dev_state *)a)->address,
		       ((const struct pci_dev_state *)b)->address);
}

static int cmp_vf(const void *a, const void *b)
{
	unsigned x = ((const struct vf_state *)a)->id, y = ((const struct vf_state *)b)->id;
	return x < y ? -1 : x > y;
}

static int cmp_module(const void *a, const void *b)
{
	return cmp_str(((const struct module_state *)a)->name,
		       ((const struct module_state *)b)->name);
}

static int cmp_param(const void *a, const void *b)
{
	return cmp_str(((const struct module_param *)a)->key,
		       ((const struct module_param *)b)->key);
}

static int cmp_file(const void *a, const void *b)
{
	return cmp_str(((const struct file_state *)a)->path, ((const struct file_state *)b)->path);
}

static int cmp_domain(const void *a, const void *b)
{
	return cmp_str(((const struct domain_state *)a)->name,
		       ((const struct domain_state *)b)->name);
}

static int cmp_network(const void *a, const void *b)
{
	return cmp_str(((const struct network_state *)a)->name,
		       ((const struct network_state *)b)->name);
}

static int cmp_group(const void *a, const void *b)
{
	unsigned x = ((const struct iommu_group *)a)->id, y = ((const struct iommu_group *)b)->id;
	return x < y ? -1 : x > y;
}

static int cmp_member(const void *a, const void *b)
{
	return cmp_str(((const struct iommu_member *)a)->address,
		       ((const struct iommu_member *)b)->address);
}

#define SORT(v, n, cmp)                                                                            \
	do {                                                                                       \
		if ((n) > 1)                                                                       \
			qsort((v), (n), sizeof(*(v)), (cmp));                                      \
	} while (0)

void host_sort(struct host *h)
{
	if (!h)
		return;
	SORT(h->pci, h->n_pci, cmp_pci);
	for (size_t i = 0; i < h->n_pci; i++) {
		struct pci_dev_state *p = &h->pci[i];

		SORT(p->interfaces, p->n_interfaces, cmp_strp);
		SORT(p->sriov.vfs, p->sriov.n_vfs, cmp_vf);
	}
	SORT(h->modules, h->n_modules, cmp_module);
	for (size_t i = 0; i < h->n_modules; i++)
		SORT(h->modules[i].params, h->modules[i].n_params, cmp_param);
	SORT(h->files, h->n_files, cmp_file);
	/* a domain's devices keep their XML order */
	SORT(h->domains, h->n_domains, cmp_domain);
	SORT(h->iommu_groups, h->n_iommu_groups, cmp_group);
	SORT(h->networks, h->n_networks, cmp_network);
	for (size_t i = 0; i < h->n_iommu_groups; i++)
		SORT(h->iommu_groups[i].members, h->iommu_groups[i].n_members, cmp_member);
}

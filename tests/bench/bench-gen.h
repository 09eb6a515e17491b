/* SPDX-License-Identifier: MIT */
/*
 * The generated host and desired state the planner benchmarks share: P PFs
 * with 64 VFs each and G guests with 4 VFs each. Half the guests already
 * have their VFs (odd ones miss them), every other VF has the wrong MAC,
 * every fourth guest runs, so a plan has work of every size.
 */
#pragma once

#include "host.h"
#include "spec.h"

#define VFS_PER_PF     64
#define DEVS_PER_GUEST 4

struct gen {
	struct host h;
	struct spec s;
	char **strings;
	size_t n_strings, cap_strings;
};

static char *keep(struct gen *g, char *s)
{
	char **slot = GROW(g->strings, g->n_strings, g->cap_strings);
	if (!s || !slot) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	*slot = s;
	return s;
}

static void *zalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}

static char *mac_of(struct gen *g, unsigned pf, unsigned vf, bool wrong)
{
	return keep(g, strprintf("52:54:%02x:%02x:%02x:00", pf & 0xff, vf & 0xff, wrong ? 1 : 0));
}

static void gen_host(struct gen *g, unsigned n_pf, unsigned n_guest)
{
	struct host *h = &g->h;

	h->hostname = "bench";
	h->libvirt_ok = true;
	h->n_pci = n_pf;
	h->pci = zalloc(n_pf, sizeof(*h->pci));
	for (unsigned p = 0; p < n_pf; p++) {
		struct pci_dev_state *pf = &h->pci[p];
		pf->address = keep(g, strprintf("0000:%02x:00.0", 0x10 + p));
		pf->driver = "ixgbe";
		pf->is_pf = true;
		pf->sriov = (struct sriov_state){.total_vfs = VFS_PER_PF,
						 .num_vfs = VFS_PER_PF,
						 .drivers_autoprobe = 1,
						 .offset = 128,
						 .stride = 1,
						 .n_vfs = VFS_PER_PF};
		pf->sriov.vfs = zalloc(VFS_PER_PF, sizeof(struct vf_state));
		for (unsigned v = 0; v < VFS_PER_PF; v++) {
			pf->sriov.vfs[v] = (struct vf_state){
			    .id = v,
			    .address = keep(
				g, strprintf("0000:%02x:%02x.%x", 0x10 + p, 0x10 + v / 8, v % 8)),
			    .driver = "vfio-pci",
			    .link = {.vlan = 0,
				     .qos = 0,
				     .vlan_proto = 0,
				     .spoof_check = 1,
				     .trust = 0,
				     .link_state = 0,
				     .max_tx_rate = 0,
				     .min_tx_rate = 0},
			};
			snprintf(pf->sriov.vfs[v].link.mac, VF_MAC_LEN, "%s", mac_of(g, p, v, v % 2));
		}
	}
	h->n_domains = n_guest;
	h->domains = zalloc(n_guest, sizeof(*h->domains));
	for (unsigned i = 0; i < n_guest; i++) {
		struct domain_state *d = &h->domains[i];
		d->name = keep(g, strprintf("guest%05u", i));
		d->running = i % 4 == 0;
		d->xml = "<domain/>";
		if (i % 2)
			continue; /* odd guests miss their devices */
		d->n_devs = DEVS_PER_GUEST;
		d->devs = zalloc(DEVS_PER_GUEST, sizeof(*d->devs));
		for (unsigned k = 0; k < DEVS_PER_GUEST; k++) {
			unsigned vf = i * DEVS_PER_GUEST + k;
			d->devs[k] = (struct guest_dev_state){
			    .type = DEVICE_INTERFACE,
			    .address = h->pci[vf / VFS_PER_PF].sriov.vfs[vf % VFS_PER_PF].address,
			    .mac = mac_of(g, vf / VFS_PER_PF, vf % VFS_PER_PF, false),
			    .vlan = 100 + k,
			    .managed = true,
			};
		}
		if (d->running) {
			d->live_devs = d->devs;
			d->n_live_devs = d->n_devs;
		}
	}
}

static void gen_spec(struct gen *g, unsigned n_pf, unsigned n_guest)
{
	struct spec *s = &g->s;

	s->path = "bench.yaml";
	s->version = 1;
	s->n_pfs = n_pf;
	s->pfs = zalloc(n_pf, sizeof(*s->pfs));
	for (unsigned p = 0; p < n_pf; p++) {
		struct pf_spec *pf = &s->pfs[p];
		pf->pci = g->h.pci[p].address;
		pf->num_vfs = VFS_PER_PF;
		pf->drivers_autoprobe = -1;
		pf->vf_driver = "vfio-pci";
		pf->n_vfs = VFS_PER_PF;
		pf->vfs = zalloc(VFS_PER_PF, sizeof(*pf->vfs));
		for (unsigned v = 0; v < VFS_PER_PF; v++) {
			pf->vfs[v] = (struct vf_spec){.id = v};
			vf_link_init(&pf->vfs[v].link);
			snprintf(pf->vfs[v].link.mac, VF_MAC_LEN, "%s", mac_of(g, p, v, false));
			pf->vfs[v].link.spoof_check = 1;
		}
	}
	s->n_guests = n_guest;
	s->guests = zalloc(n_guest, sizeof(*s->guests));
	for (unsigned i = 0; i < n_guest; i++) {
		struct guest_spec *gs = &s->guests[i];
		gs->name = g->h.domains[i].name;
		gs->prune = true;
		gs->n_devices = DEVS_PER_GUEST;
		gs->devices = zalloc(DEVS_PER_GUEST, sizeof(*gs->devices));
		for (unsigned k = 0; k < DEVS_PER_GUEST; k++) {
			unsigned vf = i * DEVS_PER_GUEST + k;
			gs->devices[k] = (struct guest_device){
			    .vf_pf = s->pfs[vf / VFS_PER_PF].pci,
			    .vf_id = vf % VFS_PER_PF,
			    .type = DEVICE_INTERFACE,
			    .mac = mac_of(g, vf / VFS_PER_PF, vf % VFS_PER_PF, false),
			    .vlan = 100 + k,
			    .persistent = true,
			    .live = true,
			};
		}
	}
}

static void gen_free(struct gen *g)
{
	for (size_t i = 0; i < g->h.n_pci; i++)
		free(g->h.pci[i].sriov.vfs);
	free(g->h.pci);
	for (size_t i = 0; i < g->h.n_domains; i++)
		free(g->h.domains[i].devs);
	free(g->h.domains);
	for (size_t i = 0; i < g->s.n_pfs; i++)
		free(g->s.pfs[i].vfs);
	free(g->s.pfs);
	for (size_t i = 0; i < g->s.n_guests; i++)
		free(g->s.guests[i].devices);
	free(g->s.guests);
	for (size_t i = 0; i < g->n_strings; i++)
		free(g->strings[i]);
	free(g->strings);
}


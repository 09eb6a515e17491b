/* SPDX-License-Identifier: MIT */
/*
 * What the planner's files share: the planning context and small helpers.
 * Not a public interface; only reconcile/plan*.c include it.
 */
#pragma once

#include "plan.h"

/* A spec PF matched to the host's PF, with the count it will have. */
struct pf_res {
	const struct pf_spec *spec;
	const struct pci_dev_state *host;
	unsigned cur;	    /* sriov_numvfs now */
	unsigned want;	    /* the count the spec asks for (or cur when unset) */
	bool by_reload;	    /* a module reload sets the count, no set-num-vfs */
	bool recreate;	    /* the existing VFs are destroyed and created again */
	bool emptied;	    /* a set-eswitch-mode removes the VFs first: they are created again */
	bool count_blocked; /* the count change is blocked (and not forced) */
	char *count_why;    /* when count_blocked: why; owned */
};

/* A VF address known now or after the count change, for lookups by address. */
struct vf_ref {
	const char *address; /* points into host or ctx->strings */
	const struct pci_dev_state *pf;
	struct pf_res *res; /* NULL: a PF the spec does not manage */
	unsigned id;
	const struct vf_state *vf; /* NULL: does not exist yet */
};

/* A guest holding a device: the address is in its XML. */
struct holder {
	const char *address;
	const struct domain_state *dom;
	bool live; /* in the live XML (else the persistent one) */
};

/* A planned detach, for the safety analysis. */
struct detach_key {
	const char *address;
	const char *guest;
	bool live;
};

struct pending {
	struct action a;
	bool blocked;
	const struct src_loc *loc; /* for the --force warning */
};

struct plan_ctx {
	const struct spec *s;
	const struct host *h;
	const struct plan_opts *o;
	struct diag *d;
	int err; /* first error (negative errno), 0 if none */

	struct pf_res *pfs; /* parallel to s->pfs */

	struct vf_ref *vfs; /* sorted by address */
	size_t n_vfs, cap_vfs;
	char **strings; /* owned strings vf_ref.address points to */
	size_t n_strings, cap_strings;

	struct holder *holders; /* sorted by address */
	size_t n_holders, cap_holders;

	struct detach_key *detaches; /* sorted by address */
	size_t n_detaches, cap_detaches;

	struct pending *acts;
	size_t n_acts, cap_acts;
};

/* Record an error (keeps the first errno) and return it. */
#define ctx_error(c, loc, e, ...)                                                                  \
	({                                                                                         \
		int _r_ = diag_error((c)->d, (loc), (e), __VA_ARGS__);                             \
		if (!(c)->err)                                                                     \
			(c)->err = _r_;                                                            \
		_r_;                                                                               \
	})

/* A new pending action of kind k with a copy of target; NULL on OOM. */
struct pending *ctx_add(struct plan_ctx *c, enum action_kind k, const char *target);
/* Mark p blocked (or forced, with a warning) with an owned why. */
void ctx_block(struct plan_ctx *c, struct pending *p, char *why);
/* Keep an owned string alive for the plan's lifetime; returns it. */
const char *ctx_keep(struct plan_ctx *c, char *s);
/* Note an allocation failure; returns NULL. */
void *ctx_oom(struct plan_ctx *c);

/* VF id of a PF as observed; NULL when it does not exist. */
const struct vf_state *plan_host_vf(const struct pci_dev_state *pf, unsigned id);

const struct vf_ref *plan_vf_by_address(const struct plan_ctx *c, const char *address);
/* The first holder of address (holders of one address are adjacent), NULL if none. */
const struct holder *plan_holders_of(const struct plan_ctx *c, const char *address, size_t *ret_n);
bool plan_detached(const struct plan_ctx *c, const char *guest, const char *address, bool live);
/*
 * Why taking the devices at addrs away would hurt: one phrase per guest
 * holder not detached by this plan, and one per VF whose netdev the host
 * itself uses ("VF 0000:0b:10.0 (enp11s16) is in use on the host: up with
 * address 10.0.0.5/24"), joined with "; ". NULL when nobody uses them.
 * Owned.
 */
char *plan_holders_why(struct plan_ctx *c, const char *const *addrs, size_t n);
/*
 * "VF 0000:0b:10.0 (enp11s16) is in use on the host: up with address
 * 10.0.0.5/24" when the host uses vf's netdev (addr is its address); NULL
 * when it does not (or out of memory, noted in c). Owned.
 */
char *plan_host_use_why(struct plan_ctx *c, const char *addr, const struct vf_state *vf);
/*
 * Close f, a memstream into *buf of "; "-joined phrases: the text (owned),
 * or NULL when empty or out of memory (noted in c).
 */
char *plan_why_finish(struct plan_ctx *c, FILE *f, char **buf, bool empty);

/* Value rendering shared by the planner files. */

/* The passes, in the order plan_compute runs them. */
int plan_modules(struct plan_ctx *c);
int plan_guests(struct plan_ctx *c);
int plan_counts(struct plan_ctx *c);
int plan_vfs(struct plan_ctx *c);
int plan_attach_safety(struct plan_ctx *c);
/*
 * Whole devices (plan-devices.c): bind-driver of a pci: device with
 * driver:, and a device with managed: false that would not be on
 * vfio-pci (an error: libvirt would not bind it, the guest would not start).
 */
int plan_devices(struct plan_ctx *c);
/* The bind-driver planned for the device at addr; NULL when none. */
const struct pending *plan_bind_of(const struct plan_ctx *c, const char *addr);
/*
 * The declared PF that name (a device's vf: {pf: ...}, a network's pf:)
 * stands for: its pci, its interface or its host address; NULL if none.
 */
struct pf_res *plan_pf_named(const struct plan_ctx *c, const char *name);
/* VF pools (plan-networks.c): define, start, refresh, autostart. */
int plan_networks(struct plan_ctx *c);
/*
 * Block the attach p of a whole device whose IOMMU group holds endpoints
 * that neither go to the same guest nor are held by vfio-pci or pci-stub.
 */
void plan_iommu_check(struct plan_ctx *c, struct pending *p);

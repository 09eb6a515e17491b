/* SPDX-License-Identifier: MIT */
/*
 * Narrowing a computed plan, for the runs that must not do all of it:
 * `--only PF` (a udev event of one PF) and `--scope host|guests` (the two
 * boot units, see doc/boot.md). Pure: the plan and the observed host in,
 * the narrowed plan and notes out; no I/O.
 */
#pragma once

#include "host.h"
#include "plan.h"

enum plan_scope {
	PLAN_SCOPE_ALL = 0, /* every action */
	PLAN_SCOPE_HOST,    /* modprobe.d, modules, VF counts, drivers, VF settings */
	PLAN_SCOPE_GUESTS,  /* attach and detach */
	_PLAN_SCOPE_MAX,
};

/* "all", "host", "guests"; NULL for anything else. */
const char *plan_scope_to_string(enum plan_scope s);
/* The scope named s, or -EINVAL. */
int plan_scope_from_string(const char *s);

struct plan_filter {
	/*
	 * Only this PF (its PCI address, as host_find_pf() returns it): its
	 * own actions and the attach/detach of its VFs (or of itself). Module
	 * actions are left out: a modprobe.d file and a module load concern
	 * every PF of the driver. NULL: every PF.
	 */
	const char *only;
	enum plan_scope scope;
	/*
	 * With PLAN_SCOPE_HOST, libvirt is not asked who holds a VF: an
	 * action that takes away a VF bound to vfio-pci (the driver a guest
	 * holds a VF through) is blocked, unless force (then a warning).
	 */
	bool force;
};

/*
 * Narrow p to what f selects, in both its changes and its blocked
 * actions, keeping their order; what is left out is released. Notes and
 * warnings in d say what was left out and why. Returns 0, or -ENOMEM
 * (p is then unchanged or partly narrowed, never inconsistent).
 */
int plan_filter(struct plan *p, const struct host *h, const struct plan_filter *f, struct diag *d);

/*
 * The PCI address of the PF named name (an address in any case, or one of
 * its netdevs) on h, in *ret (borrowed from h). -ENODEV when h has none.
 */
int plan_only_resolve(const struct host *h, const char *name, const char **ret);

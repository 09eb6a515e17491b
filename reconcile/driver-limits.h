/* SPDX-License-Identifier: MIT */
/*
 * Per-VF settings a PF driver is known to refuse, so that a plan can say
 * so before anything is applied. A table of facts measured on the real
 * drivers (tests/vm, tests/fixtures/vm-*.vfset-seq.txt); pure, no I/O.
 */
#pragma once

#include "vflink.h"

struct driver_limit {
	const char *driver;			   /* the PF's driver, as bound ("igb") */
	enum vf_attr attr;			   /* the set-vf action it refuses */
	bool (*refuses)(const struct vf_link *to); /* the values it refuses in a request */
	const char *error;			   /* what the driver answers: "EOPNOTSUPP" */
	const char *what; /* why, for a reviewer: "it has no VF link-state control" */
};

/*
 * The known refusal by driver of a set-vf request of attribute a carrying
 * to (vf_link_copy_attr's parts), or NULL when none is known. Static.
 */
const struct driver_limit *driver_limit_find(const char *driver, enum vf_attr a,
					     const struct vf_link *to);

/*
 * Whether PF driver fills the VFs' counters (IFLA_VF_STATS). The kernel
 * sends them for every PF when asked, zeroed for a driver without
 * ndo_get_vf_stats (igb: no traffic counted reads as none), so they are
 * believed only from the drivers that implement it (Linux 6.1: mlx5_core,
 * mlx4_core, ice, i40e, ixgbe, fm10k, ionic, liquidio). Static facts, pure.
 */
bool driver_has_vf_stats(const char *driver);

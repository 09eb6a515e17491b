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

/* SPDX-License-Identifier: MIT */
/*
 * Applying a plan: the imperative shell around the planner. Takes the
 * lock, runs each action through its applier, observes again and verifies
 * that the host now matches the spec.
 */
#pragma once

#include "host.h"
#include "plan.h"
#include "spec.h"

struct apply_opts {
	const char *root;        /* file root; NULL: "/" */
	const char *libvirt_uri;
	double timeout;          /* seconds to wait for VFs */
	double lock_timeout;     /* seconds to wait for the lock */
	bool force;
};

/*
 * Apply p (computed from s and h). Every failure is recorded in d; the
 * result is negative when anything failed or the host did not converge.
 */
int apply_run(const struct spec *s, const struct host *h, const struct plan *p,
	      const struct apply_opts *o, struct diag *d);

/* SPDX-License-Identifier: MIT */
/*
 * Applying a plan: the imperative shell around the planner. Runs each action through its applier,
 * observes again and verifies that the host now matches the spec.
 */
#pragma once

#include "host.h"
#include "plan.h"
#include "spec.h"
#include "observe.h"

/* What happens to an action, for a caller that reports progress (apply --json). */
enum apply_event {
	APPLY_START,
	APPLY_DONE,
	APPLY_ERROR, /* msg: why (the last error recorded for it) */
	APPLY_SKIPPED, /* an earlier step of its PF or guest failed */
};

struct apply_opts {
	const char *root; /* file root; NULL: "/" */
	const char *libvirt_uri;
	double timeout; /* seconds to wait for VFs */
	/*
	 * Verification: observe the host again with these options, then check
	 * that every action holds (action_unmet) and, when spec is given, that
	 * planning again finds nothing to do. NULL: no verification.
	 */
	const struct observe_opts *observe;
	const struct spec *spec;
	/* Called for every action (index into p->changes), may be NULL. */
	void (*event)(void *userdata, const struct plan *p, size_t index, enum apply_event ev,
		      const char *msg);
	void *userdata;
};

/*
 * Apply the changes of p in order. Each action is carried out from its own
 * values (the spec and the observed host are not consulted); before acting
 * an applier checks that what the action changes is still as planned
 * ("host changed since the plan"). The caller holds the lock (lock.h) from
 * before observing the host the plan was made from. Every failure is
 * recorded in d; the result is negative when anything failed or the host
 * did not converge. An independent failure (one PF, one guest) does not
 * stop the others.
 */
int apply_run(const struct plan *p, const struct apply_opts *o, struct diag *d);

/* SPDX-License-Identifier: MIT */
/*
 * Applying a plan: the imperative shell around the planner. Runs each action through its applier, observes again and verifies
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
	bool force;
	/* how to observe the host again for verification */
	const struct observe_opts *observe;
};

/*
 * Apply p (computed from s and h). The caller holds the lock (lock.h) from
 * before observing h, so that p is not stale. Every failure is recorded in d; the
 * result is negative when anything failed or the host did not converge.
 * An independent failure (one PF, one guest) does not stop the others.
 */
int apply_run(const struct spec *s, const struct host *h, const struct plan *p,
	      const struct apply_opts *o, struct diag *d);

/* ---- apply-guests.c: libvirt attach/detach ---- */

struct guest_conn;

/* Connect to libvirt at uri. *ret owned; free with guest_conn_free. */
int guest_conn_open(const char *uri, struct diag *d, struct guest_conn **ret);
void guest_conn_free(struct guest_conn *c);

/*
 * Carry out an attach or detach action on its guest (a->target) with the
 * flags it says (live, persistent).
 */
int guest_apply_action(struct guest_conn *c, const struct action *a, struct diag *d);

/*
 * The libvirt device XML of a device: <interface type='hostdev'> or
 * <hostdev mode='subsystem' type='pci'>, built with libxml2. Owned string.
 */
char *guest_device_xml(const struct guest_dev_state *dev);

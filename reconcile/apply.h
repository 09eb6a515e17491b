/* SPDX-License-Identifier: MIT */
/*
 * Applying a plan: the imperative shell around the planner. Runs each action through its applier,
 * observes again and verifies that the host now matches the spec.
 */
#pragma once

#include "host.h"
#include "plan.h"
#include "spec.h"

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

/* ---- apply-guests.c: libvirt attach/detach ---- */

struct guest_conn;

/* Connect to libvirt at uri. *ret owned; free with guest_conn_free. */
int guest_conn_open(const char *uri, struct diag *d, struct guest_conn **ret);
void guest_conn_free(struct guest_conn *c);

/* The scopes an action changed, see guest_conn_last_done(). */
enum {
	GUEST_SCOPE_CONFIG = 1 << 0, /* the persistent definition */
	GUEST_SCOPE_LIVE = 1 << 1,   /* the running guest */
};

/*
 * The scopes (GUEST_SCOPE_*) the last guest_apply_action() on c changed,
 * also when it failed half-way (persistent done, live refused). 0 for NULL.
 */
unsigned guest_conn_last_done(const struct guest_conn *c);

/*
 * Carry out an attach or detach action on its guest (a->target) with the
 * flags it says (live, persistent): the persistent definition first, then
 * the running guest (live only when it runs). A detach takes the device
 * with source address a->device from the domain's own XML of each scope;
 * one already gone is a note. After the connection is lost every call
 * fails with -ENOTCONN.
 */
int guest_apply_action(struct guest_conn *c, const struct action *a, struct diag *d);

/*
 * The libvirt device XML of a device: <interface type='hostdev'> or
 * <hostdev mode='subsystem' type='pci'>, built with libxml2. Owned string.
 */
char *guest_device_xml(const struct guest_dev_state *dev);

/*
 * The <hostdev> or <interface type='hostdev'> element of domain_xml whose
 * PCI source address is addr ("0000:0b:10.0"; the XML may write it in hex
 * or decimal), serialised, in *ret (owned; NULL when there is none).
 */
int guest_find_device_xml(const char *domain_xml, const char *addr, char **ret);

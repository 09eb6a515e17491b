/* SPDX-License-Identifier: MIT */
/*
 * The one libvirt connection: observe domains (their persistent and live
 * XML and the PCI devices in them) and carry out attach/detach actions.
 */
#pragma once

#include <stdbool.h>

#include "diag.h"
#include "host.h"
#include "plan.h"
#include "worker.h"

/* An open libvirt connection. Opaque; free with libvirt_close(). */
struct libvirt;

enum {
	LIBVIRT_READ_ONLY = 1 << 0, /* virConnectOpenReadOnly: enough to observe */
	LIBVIRT_OPTIONAL = 1 << 1,  /* an unreachable libvirt is a warning, not an error */
	/*
	 * No connection now: the first call's worker connects and says an
	 * unreachable libvirt as libvirt_open() would (one process, one
	 * connection, one load of libvirt less per observation).
	 */
	LIBVIRT_DEFER = 1 << 2,
};

/*
 * Libvirt at uri (NULL: libvirt's default), checked by connecting once.
 * Every call on it runs in a worker process with a connection of its own
 * (worker.h), and each libvirt call there is bounded by worker_timeout()
 * (--timeout). On failure records "cannot connect to libvirt at 'URI':
 * reason (is libvirtd running? ...)" in d (an error, or a warning with
 * LIBVIRT_OPTIONAL) and returns a negative errno (-ETIMEDOUT: no answer;
 * -ENOPKG: libvirt.so.0 cannot be loaded, "libvirt is not installed ...").
 * libvirt is loaded only in the workers, never in the calling process.
 * *ret is owned by the caller.
 */
int libvirt_open(const char *uri, unsigned flags, struct diag *d, struct libvirt **ret);

/* Close the connection. Accepts NULL. */
void libvirt_close(struct libvirt *c);
static inline void libvirt_closep(struct libvirt **c)
{
	libvirt_close(*c);
}

/*
 * Every domain, active or not, sorted by name: state, persistent XML
 * (VIR_DOMAIN_XML_INACTIVE; NULL if transient), live XML (when running) and
 * the devices parsed from each. A domain whose XML does not parse is kept
 * with a warning naming it. *ret (an array of *ret_n) is owned by the
 * caller; free it with domain_states_free().
 */
int libvirt_list_domains(struct libvirt *c, struct diag *d, struct domain_state **ret,
			 size_t *ret_n);

/* libvirt's version, "9.0.0", in *ret (owned). */
int libvirt_version(struct libvirt *c, struct diag *d, char **ret);
/*
 * The same, and every libvirt network (*ret_nets, sorted by name: state,
 * autostart, persistent and live XML, parsed into struct network_state)
 * in the same worker round trip. A libvirt without a network driver has
 * none. Free them with network_states_free().
 */
int libvirt_list(struct libvirt *c, struct diag *d, struct domain_state **ret, size_t *ret_n,
		 struct network_state **ret_nets, size_t *ret_n_nets);
void network_states_free(struct network_state *v, size_t n);
/*
 * libvirt_list() in two halves: the listing worker starts (-EINTR when the
 * run is asked to stop), the run goes on, libvirt_list_end() waits for it
 * and takes its result (the networks too when begun with networks). A
 * listing given up is ended with worker_release(w).
 */
int libvirt_list_begin(struct libvirt *c, bool networks, struct worker *w);
int libvirt_list_end(struct libvirt *c, struct worker *w, struct diag *d, struct domain_state **ret,
		     size_t *ret_n, struct network_state **ret_nets, size_t *ret_n_nets);

/* Free an array of n domain states as libvirt_list_domains() returns it. */
void domain_states_free(struct domain_state *v, size_t n);

/*
 * Carry out an attach or detach action on its guest (a->target) with the
 * scopes it says (guest.live, guest.persistent): the persistent definition
 * first, then the running guest (live only when it runs). A detach takes
 * the device with source address a->device from the domain's own XML of
 * each scope; one already gone is a note. A call that gets no answer
 * within worker_timeout() fails with -ETIMEDOUT, naming the step
 * ("guest 'G': attaching hostdev ADDR (live): libvirt did not answer
 * within 5 s"). After the connection is lost or a call got no answer,
 * every later call fails at once with -ENOTCONN.
 */
int libvirt_apply(struct libvirt *c, const struct action *a, struct diag *d);

/* The scopes an action changed, see libvirt_last_done(). */
enum {
	LIBVIRT_SCOPE_CONFIG = 1 << 0, /* the persistent definition */
	LIBVIRT_SCOPE_LIVE = 1 << 1,   /* the running guest */
};

/*
 * The scopes (LIBVIRT_SCOPE_*) the last libvirt_apply() on c changed, also
 * when it failed half-way (persistent done, live refused). 0 for NULL.
 */
unsigned libvirt_last_done(const struct libvirt *c);

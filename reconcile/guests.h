/* SPDX-License-Identifier: MIT */
/*
 * libvirt guests: a connection, and every domain with its persistent and
 * live XML and the PCI devices parsed from both. Device attach/detach use
 * the same connection (struct guests) and are added here by apply.
 */
#pragma once

#include <stdbool.h>

#include <libvirt/libvirt.h>

#include "diag.h"
#include "host.h"

/* An open libvirt connection. Opaque; free with guests_close(). */
struct guests;

enum {
	GUESTS_READ_ONLY = 1 << 0, /* virConnectOpenReadOnly: enough to observe */
	GUESTS_OPTIONAL = 1 << 1,  /* an unreachable libvirt is a warning, not an error */
};

/*
 * Connect to libvirt at uri. On failure records "cannot connect to libvirt
 * at 'URI': reason" in d (an error, or a warning with GUESTS_OPTIONAL) and
 * returns a negative errno. *ret owns the connection.
 */
int guests_open(const char *uri, unsigned flags, struct diag *d, struct guests **ret);

/* Close the connection. Accepts NULL. */
void guests_close(struct guests *g);
static inline void guests_closep(struct guests **g)
{
	guests_close(*g);
}

/* The URI the connection was opened with (owned by g). */
const char *guests_uri(const struct guests *g);

/* The underlying libvirt connection, borrowed from g (for attach/detach). */
virConnectPtr guests_conn(const struct guests *g);

/*
 * Every domain, active or not, sorted by name: state, persistent XML
 * (VIR_DOMAIN_XML_INACTIVE; NULL if transient), live XML (when running) and
 * the devices parsed from each. A domain whose XML does not parse is kept
 * with a warning naming it. *ret (an array of *ret_n) is owned by the
 * caller; free it with domain_states_free().
 */
int guests_list_domains(struct guests *g, struct diag *d, struct domain_state **ret, size_t *ret_n);

/* Free an array of n domain states as guests_list_domains() returns it. */
void domain_states_free(struct domain_state *v, size_t n);

/* SPDX-License-Identifier: MIT */
/*
 * libvirt guests: connect, list every domain with its XML.
 *
 * libvirt reports errors through a global callback that prints to stderr
 * by default; library code never prints, so a silent callback is installed
 * and the message is taken from virGetLastErrorMessage() into struct diag.
 */
#include <libvirt/virterror.h>

#include "guests.h"

struct guests {
	virConnectPtr conn;
	char *uri;
};

static void silent_error(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;
}

int guests_open(const char *uri, unsigned flags, struct diag *d, struct guests **ret)
{
	_cleanup_(guests_closep) struct guests *g = NULL;

	virSetErrorFunc(NULL, silent_error);

	g = calloc(1, sizeof(*g));
	if (!g)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	g->uri = strdup(uri);
	if (!g->uri)
		return diag_error(d, NULL, -ENOMEM, "out of memory");

	if (flags & GUESTS_READ_ONLY)
		g->conn = virConnectOpenReadOnly(uri);
	else
		g->conn = virConnectOpen(uri);
	if (!g->conn) {
		if (flags & GUESTS_OPTIONAL) {
			diag_warning(d, NULL, "cannot connect to libvirt at '%s': %s", uri,
				     virGetLastErrorMessage());
			return -ECONNREFUSED;
		}
		return diag_error(d, NULL, -ECONNREFUSED, "cannot connect to libvirt at '%s': %s",
				  uri, virGetLastErrorMessage());
	}
	virConnSetErrorFunc(g->conn, NULL, silent_error);

	*ret = TAKE_PTR(g);
	return 0;
}

void guests_close(struct guests *g)
{
	if (!g)
		return;
	if (g->conn)
		virConnectClose(g->conn);
	free(g->uri);
	free(g);
}

const char *guests_uri(const struct guests *g)
{
	return g->uri;
}

virConnectPtr guests_conn(const struct guests *g)
{
	return g->conn;
}

static void domain_state_release(struct domain_state *ds)
{
	free(ds->name);
	free(ds->xml);
	free(ds->live_xml);
	for (size_t i = 0; i < ds->n_devs; i++)
		guest_dev_state_release(&ds->devs[i]);
	free(ds->devs);
	for (size_t i = 0; i < ds->n_live_devs; i++)
		guest_dev_state_release(&ds->live_devs[i]);
	free(ds->live_devs);
}

void domain_states_free(struct domain_state *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		domain_state_release(&v[i]);
	free(v);
}

static bool domain_vanished(void)
{
	virErrorPtr e = virGetLastError();

	return e && e->code == VIR_ERR_NO_DOMAIN;
}

/* Parse one XML; a failure is a warning naming the domain, not fatal. */
static void parse_devices(const char *name, const char *what, const char *xml, struct diag *d,
			  struct guest_dev_state **ret, size_t *ret_n)
{
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (!xml)
		return;
	r = domain_xml_parse_devices(xml, ret, ret_n);
	if (r < 0) {
		diag_warning(d, NULL, "cannot parse the %s XML of domain '%s': %s", what, name,
			     strerror(-r));
		*ret = NULL;
		*ret_n = 0;
	}
}

/*
 * Fill ds from dom. Returns 1 when the domain vanished meanwhile (it is
 * then skipped), 0 on success, negative errno on error.
 */
static int domain_observe(virDomainPtr dom, struct diag *d, struct domain_state *ds)
{
	const char *name = virDomainGetName(dom);
	int active, persistent;

	if (!name)
		return domain_vanished() ? 1
					 : diag_error(d, NULL, -EIO, "cannot get a domain name: %s",
						      virGetLastErrorMessage());
	ds->name = strdup(name);
	if (!ds->name)
		return diag_error(d, NULL, -ENOMEM, "out of memory");

	active = virDomainIsActive(dom);
	persistent = virDomainIsPersistent(dom);
	if (active < 0 || persistent < 0)
		goto fail;
	ds->running = active;

	if (persistent) {
		ds->xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
		if (!ds->xml)
			goto fail;
	}
	if (active) {
		ds->live_xml = virDomainGetXMLDesc(dom, 0);
		if (!ds->live_xml) {
			/* stopped between the two calls: it is not running */
			if (virDomainIsActive(dom) == 0) {
				ds->running = false;
			} else
				goto fail;
		}
	}
	parse_devices(name, "persistent", ds->xml, d, &ds->devs, &ds->n_devs);
	parse_devices(name, "live", ds->live_xml, d, &ds->live_devs, &ds->n_live_devs);
	return 0;

fail:
	if (domain_vanished())
		return 1;
	return diag_error(d, NULL, -EIO, "cannot read domain '%s': %s", name,
			  virGetLastErrorMessage());
}

static int domain_state_cmp(const void *a, const void *b)
{
	const struct domain_state *x = a, *y = b;

	return strcmp(x->name, y->name);
}

int guests_list_domains(struct guests *g, struct diag *d, struct domain_state **ret, size_t *ret_n)
{
	virDomainPtr *doms = NULL;
	struct domain_state *v = NULL;
	size_t n = 0;
	int count, r = 0;

	count = virConnectListAllDomains(g->conn, &doms, 0);
	if (count < 0)
		return diag_error(d, NULL, -EIO, "cannot list the domains of '%s': %s", g->uri,
				  virGetLastErrorMessage());

	if (count > 0) {
		v = calloc(count, sizeof(*v));
		if (!v)
			r = diag_error(d, NULL, -ENOMEM, "out of memory");
	}
	for (int i = 0; i < count; i++) {
		if (r >= 0) {
			int k = domain_observe(doms[i], d, &v[n]);
			if (k < 0)
				r = k;
			if (k == 0)
				n++;
			else
				domain_state_release(&v[n]);
			if (k != 0)
				memset(&v[n], 0, sizeof(v[n]));
		}
		virDomainFree(doms[i]);
	}
	free(doms);
	if (r < 0) {
		domain_states_free(v, n);
		return r;
	}

	if (n > 0)
		qsort(v, n, sizeof(*v), domain_state_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The one libvirt connection: open it, list every domain with its XML,
 * attach and detach devices.
 *
 * libvirt reports errors through a global callback that prints to stderr
 * by default; library code never prints, so a silent callback is installed
 * and the message is taken from virGetLastErrorMessage() into struct diag.
 *
 * Attach and detach, decided: the persistent definition first
 * (VIR_DOMAIN_AFFECT_CONFIG), then the running guest
 * (VIR_DOMAIN_AFFECT_LIVE), as two calls. The persistent definition is
 * what survives; once it holds the device the desired state is recorded,
 * and a live part that libvirt refuses (no PCI passthrough on the host,
 * say) is reported on its own and retried by the next run. Nothing is
 * rolled back then: the persistent change is the one the file asks for,
 * and the guest gets the device at its next start. If the persistent part
 * fails, the live part is not tried, so a guest never runs with a device
 * its definition lacks. A detach goes the same way. A single call with
 * both flags would make libvirt refuse the persistent change too whenever
 * the live one fails, so the file could never converge on such a host.
 *
 * A detach names the device by its PCI source address: the element libvirt
 * holds at that address (hex or decimal, as the domain XML spells it) is
 * taken from the domain's current XML of that scope and handed back
 * verbatim, so that libvirt's own matching (MAC, guest address, alias)
 * finds it. A device already gone is not an error.
 *
 * A lost connection (libvirtd stopped or restarted) is reported as such,
 * and every later action on it fails at once with the same cause; a new
 * run reconnects and resumes.
 */
#include <stdarg.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "domxml.h"
#include "libvirt.h"

struct libvirt {
	virConnectPtr conn;
	char *uri;
	bool lost;	    /* the connection died; nothing more is tried on it */
	unsigned last_done; /* LIBVIRT_SCOPE_* changed by the last action */
};

static void silent_error(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;
}

static const char *last_error(void)
{
	const char *m = virGetLastErrorMessage();
	return m ? m : "unknown libvirt error";
}

int libvirt_open(const char *uri, unsigned flags, struct diag *d, struct libvirt **ret)
{
	_cleanup_(libvirt_closep) struct libvirt *c = NULL;
	const char *hint = " (is libvirtd running? --libvirt URI names another; --state FILE "
			   "plans a captured host)";

	virSetErrorFunc(NULL, silent_error);
	c = calloc(1, sizeof(*c));
	if (!c)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	c->uri = strdup(uri ? uri : "(default)");
	if (!c->uri)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	c->conn = flags & LIBVIRT_READ_ONLY ? virConnectOpenReadOnly(uri) : virConnectOpen(uri);
	if (!c->conn) {
		if (flags & LIBVIRT_OPTIONAL) {
			diag_warning(d, NULL, "cannot connect to libvirt at '%s': %s%s", c->uri,
				     last_error(), hint);
			return -ECONNREFUSED;
		}
		return diag_error(d, NULL, -ECONNREFUSED, "cannot connect to libvirt at '%s': %s%s",
				  c->uri, last_error(), hint);
	}
	virConnSetErrorFunc(c->conn, NULL, silent_error);
	*ret = TAKE_PTR(c);
	return 0;
}

void libvirt_close(struct libvirt *c)
{
	if (!c)
		return;
	if (c->conn)
		virConnectClose(c->conn);
	free(c->uri);
	free(c);
}

unsigned libvirt_last_done(const struct libvirt *c)
{
	return c ? c->last_done : 0;
}

/* ---- domains ---- */

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
						      last_error());
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
			  last_error());
}

static int domain_state_cmp(const void *a, const void *b)
{
	const struct domain_state *x = a, *y = b;

	return strcmp(x->name, y->name);
}

int libvirt_list_domains(struct libvirt *g, struct diag *d, struct domain_state **ret,
			 size_t *ret_n)
{
	virDomainPtr *doms = NULL;
	struct domain_state *v = NULL;
	size_t n = 0;
	int count, r = 0;

	count = virConnectListAllDomains(g->conn, &doms, 0);
	if (count < 0)
		return diag_error(d, NULL, -EIO, "cannot list the domains of '%s': %s", g->uri,
				  last_error());

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

/* ---- attach and detach ---- */

static bool conn_lost(struct libvirt *c)
{
	if (!c->lost && virConnectIsAlive(c->conn) != 1)
		c->lost = true;
	return c->lost;
}

/*
 * A failed libvirt call: "guest 'G': cannot WHAT: reason". A lost
 * connection is named as such; libvirt's own text for it ("End of file
 * while reading data") does not say that the daemon went away.
 */
static _printf_(4, 5) int call_error(struct libvirt *c, struct diag *d, const char *guest,
				     const char *fmt, ...)
{
	_cleanup_(freep) char *what = NULL;
	/* copied: any later libvirt call (virConnectIsAlive) resets the error */
	_cleanup_(freep) char *m = strdup(last_error());
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	if (conn_lost(c))
		return diag_error(
		    d, NULL, -ENOTCONN,
		    "guest '%s': cannot %s: lost the connection to libvirt at '%s' (%s)", guest,
		    what ? what : "?", c->uri, m ? m : "?");
	return diag_error(d, NULL, -EIO, "guest '%s': cannot %s: %s", guest, what ? what : "?",
			  m ? m : "?");
}

/* Detach the device at a->device from one scope (VIR_DOMAIN_AFFECT_CONFIG or _LIVE). */
static int detach_scope(struct libvirt *c, virDomainPtr dom, const struct action *a,
			unsigned scope, struct diag *d)
{
	const char *where =
	    scope == VIR_DOMAIN_AFFECT_CONFIG ? "the persistent definition" : "the running guest";
	_cleanup_(freep) char *dom_xml = virDomainGetXMLDesc(
	    dom, scope == VIR_DOMAIN_AFFECT_CONFIG ? VIR_DOMAIN_XML_INACTIVE : 0);
	_cleanup_(freep) char *xml = NULL;
	int r;

	if (!dom_xml)
		return call_error(c, d, a->target, "read %s to detach %s", where, a->device);
	r = domain_xml_find_device(dom_xml, a->device, &xml);
	if (r < 0)
		return diag_error(d, NULL, r, "guest '%s': cannot find %s in %s: %s", a->target,
				  a->device, where, strerror(-r));
	if (!xml) {
		diag_note(d, NULL, "guest '%s': %s is already gone from %s", a->target, a->device,
			  where);
		return 0;
	}
	if (virDomainDetachDeviceFlags(dom, xml, scope) < 0)
		return call_error(c, d, a->target, "detach %s from %s", a->device, where);
	return 0;
}

static int detach(struct libvirt *c, virDomainPtr dom, const struct action *a, int active,
		  struct diag *d)
{
	int r;

	if (a->guest.persistent) {
		r = detach_scope(c, dom, a, VIR_DOMAIN_AFFECT_CONFIG, d);
		if (r < 0)
			return r;
		c->last_done |= LIBVIRT_SCOPE_CONFIG;
	}
	if (a->guest.live && active == 1) {
		r = detach_scope(c, dom, a, VIR_DOMAIN_AFFECT_LIVE, d);
		if (r < 0)
			return r;
		c->last_done |= LIBVIRT_SCOPE_LIVE;
	}
	return 0;
}

static int attach(struct libvirt *c, virDomainPtr dom, const struct action *a, int active,
		  struct diag *d)
{
	_cleanup_(freep) char *xml = domain_xml_device(&a->guest.dev);

	if (!xml)
		return diag_error(d, NULL, -EINVAL, "guest '%s': cannot build the XML of %s",
				  a->target, a->device ? a->device : "the device");
	if (a->guest.persistent) {
		if (virDomainAttachDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_CONFIG) < 0)
			return call_error(c, d, a->target, "attach %s to the persistent definition",
					  a->device);
		c->last_done |= LIBVIRT_SCOPE_CONFIG;
	}
	if (a->guest.live && active == 1) {
		if (virDomainAttachDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0)
			return call_error(c, d, a->target, "attach %s to the running guest%s",
					  a->device,
					  a->guest.persistent ? " (its persistent definition has it now, "
							  "the guest gets it at its next start)"
							: "");
		c->last_done |= LIBVIRT_SCOPE_LIVE;
	}
	return 0;
}

int libvirt_apply(struct libvirt *c, const struct action *a, struct diag *d)
{
	bool is_attach = a->kind == ACTION_ATTACH;
	virDomainPtr dom;
	int active = 0, r = 0;

	c->last_done = 0;
	if (c->lost)
		return diag_error(
		    d, NULL, -ENOTCONN,
		    "guest '%s': %s of %s not done: the connection to libvirt at '%s' "
		    "was lost",
		    a->target, is_attach ? "attach" : "detach", a->device ? a->device : "?",
		    c->uri);
	if (!a->device)
		return diag_error(d, NULL, -EINVAL, "guest '%s': no device address", a->target);
	dom = virDomainLookupByName(c->conn, a->target);
	if (!dom)
		return call_error(c, d, a->target, "find the domain");
	if (a->guest.live) {
		active = virDomainIsActive(dom);
		if (active < 0)
			r = call_error(c, d, a->target, "read its state");
	}
	if (r >= 0)
		r = is_attach ? attach(c, dom, a, active, d) : detach(c, dom, a, active, d);
	virDomainFree(dom);
	return r;
}

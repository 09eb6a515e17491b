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
 *
 * Bounded, decided: every libvirt call runs in a worker (worker.h), a
 * child process with a connection of its own, and each call gets
 * worker_timeout() (--timeout) to answer. libvirt's keepalive was the
 * other way (virEventRegisterDefaultImpl, an event-loop thread,
 * virConnectSetKeepAlive): it notices a daemon that stops answering
 * altogether, but not one that answers pings while a call hangs inside
 * it (a guest's QEMU monitor), its bound is whole seconds of pings rather
 * than --timeout, and its thread would make every later fork of this
 * process (the kernel writes' workers) a fork of a threaded process. A
 * worker is ended with SIGKILL whatever it waits for, holds no lock, and
 * no virConnectPtr ever crosses a fork: this process makes no libvirt
 * call itself. The price is a connection and a process per action or
 * listing (3 ms more per plan of the simulated seed host). A call that
 * got no answer marks the connection as lost: later actions are not
 * tried on a daemon that hangs.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "domxml.h"
#include "libvirt.h"
#include "worker.h"

/*
 * libvirt is loaded with dlopen() in the worker, never in this process:
 * sriovctl is linked without it, so a command that needs no guest does not
 * pay for its 60-odd libraries, and a host without libvirt installed runs
 * everything but the guests. The headers give the types; this table gives
 * the functions, and no other file calls libvirt.
 */
#define LIBVIRT_SONAME "libvirt.so.0"
#define LIBVIRT_FUNCS(X)                                                                           \
	X(virGetLastErrorMessage)                                                                  \
	X(virGetLastError)                                                                         \
	X(virSetErrorFunc)                                                                         \
	X(virConnSetErrorFunc)                                                                     \
	X(virConnectOpen)                                                                          \
	X(virConnectOpenReadOnly)                                                                  \
	X(virConnectClose)                                                                         \
	X(virConnectIsAlive)                                                                       \
	X(virConnectListAllDomains)                                                                \
	X(virDomainLookupByName)                                                                   \
	X(virDomainGetName)                                                                        \
	X(virDomainIsActive)                                                                       \
	X(virDomainIsPersistent)                                                                   \
	X(virDomainGetXMLDesc)                                                                     \
	X(virDomainAttachDeviceFlags)                                                              \
	X(virDomainDetachDeviceFlags)                                                              \
	X(virDomainFree)                                                                           \
	X(virConnectGetLibVersion)                                                                 \
	X(virConnectListAllNetworks)                                                               \
	X(virNetworkGetName)                                                                       \
	X(virNetworkIsActive)                                                                      \
	X(virNetworkIsPersistent)                                                                  \
	X(virNetworkGetAutostart)                                                                  \
	X(virNetworkGetXMLDesc)                                                                    \
	X(virNetworkLookupByName)                                                                  \
	X(virNetworkDefineXML)                                                                     \
	X(virNetworkCreate)                                                                        \
	X(virNetworkDestroy)                                                                       \
	X(virNetworkSetAutostart)                                                                  \
	X(virNetworkFree)

static struct {
#define LV_FIELD(f) typeof(&f) f;
	LIBVIRT_FUNCS(LV_FIELD)
#undef LV_FIELD
} lv;

/*
 * In a worker: load libvirt once (a worker is a fresh fork, so once per
 * worker). On failure, why says so; the handle is kept for the worker's life.
 */
static bool lv_load(char *why, size_t why_size)
{
	static void *handle;
	const char *sym;

	if (handle)
		return true;
	handle = dlopen(LIBVIRT_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		const char *e = dlerror();
		snprintf(why, why_size, "libvirt is not installed (" LIBVIRT_SONAME "): %s",
			 e ? e : "cannot load it");
		return false;
	}
#define LV_SYM(f)                                                                                  \
	sym = #f;                                                                                  \
	if (!(lv.f = (typeof(&f))dlsym(handle, sym)))                                              \
		goto missing;
	LIBVIRT_FUNCS(LV_SYM)
#undef LV_SYM
	return true;

missing:
	snprintf(why, why_size, "libvirt is not installed (" LIBVIRT_SONAME "): no symbol '%s'",
		 sym);
	dlclose(handle);
	handle = NULL;
	return false;
}

/*
 * libvirt needs libxml2 too: loaded in this process before a worker forks,
 * it is shared by the workers (peak RSS of a plan with guests: 15.8 MB,
 * not 17.2 MB when each worker loads its own). Only a run that reaches
 * libvirt loads it; an error is the worker's to say.
 */
static void lv_share_libxml2(void)
{
	(void)domain_xml_load();
}

struct libvirt {
	char *uri_arg;	    /* as given; NULL: libvirt's default */
	char *uri;	    /* for messages */
	unsigned flags;	    /* LIBVIRT_* */
	bool unchecked;	    /* LIBVIRT_DEFER: no call has connected yet */
	bool lost;	    /* the connection died; nothing more is tried on it */
	bool hung;	    /* ... because a call got no answer in time */
	unsigned last_done; /* LIBVIRT_SCOPE_* changed by the last action */
};

static void silent_error(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;
}

static const char *last_error(void)
{
	const char *m = lv.virGetLastErrorMessage();
	return m ? m : "unknown libvirt error";
}

static const char *const open_hint =
    " (is libvirtd running? --libvirt URI names another; --state FILE plans a captured host)";

/* In a worker: a connection of its own. On failure, why is libvirt's reason. */
static virConnectPtr conn_open(const struct libvirt *c, char *why, size_t why_size)
{
	virConnectPtr conn;

	if (!lv_load(why, why_size))
		return NULL;
	worker_step("connecting to libvirt at '%s'", c->uri);
	lv.virSetErrorFunc(NULL, silent_error);
	conn = c->flags & LIBVIRT_READ_ONLY ? lv.virConnectOpenReadOnly(c->uri_arg)
					    : lv.virConnectOpen(c->uri_arg);
	if (!conn) {
		snprintf(why, why_size, "%s", last_error());
		return NULL;
	}
	lv.virConnSetErrorFunc(conn, NULL, silent_error);
	return conn;
}

/*
 * In a worker: a connection, or why not in d as libvirt_open() says it (a
 * warning with LIBVIRT_OPTIONAL): -ENOPKG, libvirt not installed (said
 * without the hint about libvirtd); -ECONNREFUSED, no connection.
 */
static int connect_or_say(const struct libvirt *c, struct diag *d, virConnectPtr *ret)
{
	char why[512];
	virConnectPtr conn;

	if (!lv_load(why, sizeof(why))) {
		if (c->flags & LIBVIRT_OPTIONAL) {
			diag_warning(d, NULL, "%s", why);
			return -ENOPKG;
		}
		return diag_error(d, NULL, -ENOPKG, "%s", why);
	}
	conn = conn_open(c, why, sizeof(why));
	if (conn) {
		*ret = conn;
		return 0;
	}
	if (c->flags & LIBVIRT_OPTIONAL) {
		diag_warning(d, NULL, "cannot connect to libvirt at '%s': %s%s", c->uri, why,
			     open_hint);
		return -ECONNREFUSED;
	}
	return diag_error(d, NULL, -ECONNREFUSED, "cannot connect to libvirt at '%s': %s%s", c->uri,
			  why, open_hint);
}

static int open_fn(void *arg, struct diag *d, FILE *out)
{
	virConnectPtr conn;
	int r;

	(void)out;
	r = connect_or_say(arg, d, &conn);
	if (r < 0)
		return r;
	lv.virConnectClose(conn);
	return 0;
}

/* A worker that was not done in time (-ETIMEDOUT) or was stopped (-EINTR), in words. */
static const char *unanswered(int r, char *buf, size_t size)
{
	if (r == -EINTR)
		return "interrupted: the run was asked to stop";
	snprintf(buf, size, "libvirt did not answer within %g s", worker_timeout());
	return buf;
}

/* No answer (-ETIMEDOUT) or stopped (-EINTR) while connecting, in d. */
static void say_no_answer(const struct libvirt *c, int r, struct diag *d)
{
	char buf[96];
	const char *why = unanswered(r, buf, sizeof(buf));

	if (c->flags & LIBVIRT_OPTIONAL && r == -ETIMEDOUT)
		diag_warning(d, NULL, "cannot connect to libvirt at '%s': %s%s", c->uri, why,
			     open_hint);
	else
		diag_error(d, NULL, r, "cannot connect to libvirt at '%s': %s%s", c->uri, why,
			   r == -ETIMEDOUT ? open_hint : "");
}

int libvirt_open(const char *uri, unsigned flags, struct diag *d, struct libvirt **ret)
{
	_cleanup_(libvirt_closep) struct libvirt *c = NULL;
	_cleanup_(freep) char *step = NULL;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	c->flags = flags;
	c->uri = strdup(uri ? uri : "(default)");
	c->uri_arg = uri ? strdup(uri) : NULL;
	if (!c->uri || (uri && !c->uri_arg))
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	c->unchecked = flags & LIBVIRT_DEFER;
	if (!c->unchecked) {
		/* connect once here, so that an unreachable libvirt is said first */
		lv_share_libxml2();
		r = worker_call_steps(open_fn, c, 0, d, &step, NULL, NULL);
		if (r == -ETIMEDOUT || r == -EINTR)
			say_no_answer(c, r, d);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

void libvirt_close(struct libvirt *c)
{
	if (!c)
		return;
	free(c->uri_arg);
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
	for (size_t i = 0; i < ds->n_nets; i++)
		guest_dev_state_release(&ds->nets[i]);
	free(ds->nets);
	for (size_t i = 0; i < ds->n_live_nets; i++)
		guest_dev_state_release(&ds->live_nets[i]);
	free(ds->live_nets);
}

void domain_states_free(struct domain_state *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		domain_state_release(&v[i]);
	free(v);
}

static bool domain_vanished(void)
{
	virErrorPtr e = lv.virGetLastError();

	return e && e->code == VIR_ERR_NO_DOMAIN;
}

/*
 * Which domains run and which are transient, each known from one listing
 * (a call per domain each would double the calls to libvirtd). A domain
 * started or stopped since is read as it was listed, or as stopped when
 * its live XML is gone.
 */
struct domain_kinds {
	struct strset active, transient;
	bool known; /* both listings answered; else each domain is asked */
};

static int domain_names(virConnectPtr conn, unsigned flags, struct strset *ret)
{
	virDomainPtr *doms = NULL;
	int count = lv.virConnectListAllDomains(conn, &doms, flags), r = 0;

	for (int i = 0; i < count; i++) {
		const char *name = lv.virDomainGetName(doms[i]);
		if (r >= 0 && name && strset_add(ret, name) < 0)
			r = -ENOMEM;
		lv.virDomainFree(doms[i]);
	}
	free(doms);
	return count < 0 ? -EIO : r;
}

static void domain_kinds_init(struct domain_kinds *k, virConnectPtr conn)
{
	*k = (struct domain_kinds){0};
	k->known = domain_names(conn, VIR_CONNECT_LIST_DOMAINS_ACTIVE, &k->active) >= 0 &&
		   domain_names(conn, VIR_CONNECT_LIST_DOMAINS_TRANSIENT, &k->transient) >= 0;
}

static void domain_kinds_release(struct domain_kinds *k)
{
	strset_release(&k->active);
	strset_release(&k->transient);
}

/*
 * A domain as a reader thread found it (list_fn): r is 0 (read), 1 (it
 * vanished meanwhile) or -EIO, with libvirt's words in why.
 */
struct domain_read {
	virDomainPtr dom;
	const char *name;
	bool done; /* read (under the readers' lock) */
	bool running;
	char *xml, *live, *why;
	int r;
};

static void domain_read_release(struct domain_read *x)
{
	free(x->xml);
	free(x->live);
	free(x->why);
}

/* Read x->dom: its name, whether it runs, its XMLs. Safe in any thread. */
static void domain_read(struct domain_read *x, const struct domain_kinds *kinds)
{
	int active, persistent;

	x->name = lv.virDomainGetName(x->dom);
	if (!x->name)
		goto fail;
	if (kinds->known) {
		active = strset_has(&kinds->active, x->name);
		persistent = !strset_has(&kinds->transient, x->name);
	} else {
		active = lv.virDomainIsActive(x->dom);
		persistent = lv.virDomainIsPersistent(x->dom);
	}
	if (active < 0 || persistent < 0)
		goto fail;
	if (persistent && !(x->xml = lv.virDomainGetXMLDesc(x->dom, VIR_DOMAIN_XML_INACTIVE)))
		goto fail;
	if (active) {
		x->live = lv.virDomainGetXMLDesc(x->dom, 0);
		/* stopped between the two calls: it is not running */
		if (!x->live && lv.virDomainIsActive(x->dom) != 0)
			goto fail;
	}
	x->running = x->live != NULL;
	return;

fail:
	/* libvirt's last error is per thread: taken here */
	x->r = domain_vanished() ? 1 : -EIO;
	if (x->r < 0 && !(x->why = strdup(last_error())))
		x->r = -ENOMEM;
}

/*
 * In the list worker: one domain as a record of out, NUL-separated: its
 * name, three flags ('r' running, 'x' persistent XML follows, 'l' live XML
 * follows; '-' otherwise), then the XML texts. A domain that vanished
 * meanwhile has no record.
 */
static int domain_send(const struct domain_read *x, struct diag *d, FILE *out)
{
	if (x->r == 1)
		return 0;
	if (x->r == -ENOMEM)
		return diag_error(d, NULL, x->r, "out of memory");
	if (x->r < 0 && !x->name)
		return diag_error(d, NULL, x->r, "cannot get a domain name: %s", x->why);
	if (x->r < 0)
		return diag_error(d, NULL, x->r, "cannot read domain '%s': %s", x->name, x->why);
	fprintf(out, "%s%c%c%c%c", x->name, 0, x->running ? 'r' : '-', x->xml ? 'x' : '-',
		x->live ? 'l' : '-');
	if (x->xml)
		fprintf(out, "%s%c", x->xml, 0);
	if (x->live)
		fprintf(out, "%s%c", x->live, 0);
	return 0;
}

/*
 * The domains are read by a few threads on the one connection: libvirtd
 * answers calls of one client in parallel, and a round trip per domain
 * (its XML) is most of a listing's time. The worker's step names the
 * first domain not read yet, so a call that hangs is named, whichever
 * thread waits for it.
 */
#define LIST_THREADS 4

struct domain_readers {
	struct domain_read *v;
	const struct domain_kinds *kinds;
	pthread_mutex_t lock;
	size_t n, next, first_unread;
	bool failed; /* no domain is taken after a failure */
};

static void readers_step(struct domain_readers *rd)
{
	size_t i = rd->first_unread;

	if (i < rd->n)
		worker_step("reading domain '%s'", lv.virDomainGetName(rd->v[i].dom));
}

static void *reader_thread(void *arg)
{
	struct domain_readers *rd = arg;

	for (;;) {
		pthread_mutex_lock(&rd->lock);
		size_t i = rd->failed ? rd->n : rd->next++;
		pthread_mutex_unlock(&rd->lock);
		if (i >= rd->n)
			return NULL;
		domain_read(&rd->v[i], rd->kinds);
		pthread_mutex_lock(&rd->lock);
		rd->v[i].done = true;
		rd->failed |= rd->v[i].r < 0;
		bool moved = false;
		for (; rd->first_unread < rd->n && rd->v[rd->first_unread].done; rd->first_unread++)
			moved = true;
		if (moved)
			readers_step(rd);
		pthread_mutex_unlock(&rd->lock);
	}
}

/*
 * Read the count domains of doms into v: a host with a few guests in this
 * thread alone, more with one more thread per 8 domains, up to
 * LIST_THREADS.
 */
static void domains_read(virDomainPtr *doms, size_t count, const struct domain_kinds *kinds,
			 struct domain_read *v)
{
	struct domain_readers rd = {.v = v, .kinds = kinds, .n = count};
	pthread_t t[LIST_THREADS];
	size_t n_t = 0;

	for (size_t i = 0; i < count; i++)
		v[i] = (struct domain_read){.dom = doms[i]};
	pthread_mutex_init(&rd.lock, NULL);
	readers_step(&rd);
	while (n_t < LIST_THREADS && (n_t + 1) * 8 <= count &&
	       pthread_create(&t[n_t], NULL, reader_thread, &rd) == 0)
		n_t++;
	reader_thread(&rd); /* this thread reads too; alone when no thread could start */
	for (size_t k = 0; k < n_t; k++)
		pthread_join(t[k], NULL);
	pthread_mutex_destroy(&rd.lock);
}

/*
 * In the list worker: one network as a record of out, like domain_send():
 * its name, five flags ('a' active, 'p' persistent, 's' autostart, 'x'
 * persistent XML follows, 'l' live XML follows; '-' otherwise), the XMLs.
 * Returns 1 when it vanished meanwhile, 0, or a negative errno.
 */
static int network_send(virNetworkPtr net, struct diag *d, FILE *out)
{
	const char *name = lv.virNetworkGetName(net);
	_cleanup_(freep) char *xml = NULL, *live = NULL;
	int active, persistent, autostart = 0;
	virErrorPtr e;

	if (!name)
		goto fail;
	worker_step("reading network '%s'", name);
	active = lv.virNetworkIsActive(net);
	persistent = lv.virNetworkIsPersistent(net);
	if (active < 0 || persistent < 0 || lv.virNetworkGetAutostart(net, &autostart) < 0)
		goto fail;
	if (persistent && !(xml = lv.virNetworkGetXMLDesc(net, VIR_NETWORK_XML_INACTIVE))) {
		/* a driver without the flag (test:///): its one definition */
		e = lv.virGetLastError();
		if (!e || (e->code != VIR_ERR_INVALID_ARG && e->code != VIR_ERR_NO_SUPPORT) ||
		    !(xml = lv.virNetworkGetXMLDesc(net, 0)))
			goto fail;
	}
	if (active && !(live = lv.virNetworkGetXMLDesc(net, 0)) && lv.virNetworkIsActive(net) != 0)
		goto fail;
	fprintf(out, "%s%c%c%c%c%c%c", name, 0, live ? 'a' : '-', persistent ? 'p' : '-',
		autostart ? 's' : '-', xml ? 'x' : '-', live ? 'l' : '-');
	if (xml)
		fprintf(out, "%s%c", xml, 0);
	if (live)
		fprintf(out, "%s%c", live, 0);
	return 0;

fail:
	e = lv.virGetLastError();
	if (e && e->code == VIR_ERR_NO_NETWORK)
		return 1;
	return diag_error(d, NULL, -EIO, "cannot read network '%s': %s", name ? name : "?",
			  last_error());
}

/* In the list worker: every network after an empty record; none without a network driver. */
static int networks_send(const struct libvirt *c, virConnectPtr conn, struct diag *d, FILE *out)
{
	virNetworkPtr *nets = NULL;
	int count, r = 0;

	worker_step("listing the networks");
	count = lv.virConnectListAllNetworks(conn, &nets, 0);
	if (count < 0) {
		virErrorPtr e = lv.virGetLastError();
		if (e && e->code == VIR_ERR_NO_SUPPORT)
			return 0;
		return diag_error(d, NULL, -EIO, "cannot list the networks of '%s': %s", c->uri,
				  last_error());
	}
	fputc(0, out);
	for (int i = 0; i < count; i++) {
		if (r >= 0) {
			int k = network_send(nets[i], d, out);
			if (k < 0)
				r = k;
		}
		lv.virNetworkFree(nets[i]);
	}
	free(nets);
	return r;
}

/* What a listing worker lists: the domains, and the networks when wanted. */
struct list_req {
	const struct libvirt *c;
	bool networks;
};

static int list_fn(void *arg, struct diag *d, FILE *out)
{
	const struct list_req *req = arg;
	const struct libvirt *c = req->c;
	virDomainPtr *doms = NULL;
	char why[512];
	int count, r = 0;
	virConnectPtr conn = NULL;

	if (c->unchecked) {
		r = connect_or_say(c, d, &conn);
		if (r < 0)
			return r;
	} else if (!(conn = conn_open(c, why, sizeof(why))))
		return diag_error(d, NULL, -ENOTCONN,
				  "cannot list the domains: lost the connection to libvirt at "
				  "'%s' (%s)",
				  c->uri, why);
	worker_step("listing the domains");
	count = lv.virConnectListAllDomains(conn, &doms, 0);
	if (count < 0)
		r = diag_error(d, NULL, -EIO, "cannot list the domains of '%s': %s", c->uri,
			       last_error());
	struct domain_kinds kinds = {0};
	_cleanup_(freep) struct domain_read *v = NULL;
	if (count > 0) {
		domain_kinds_init(&kinds, conn);
		v = calloc(count, sizeof(*v));
		if (!v)
			r = diag_error(d, NULL, -ENOMEM, "out of memory");
		else
			domains_read(doms, count, &kinds, v);
	}
	for (int i = 0; i < count; i++) {
		/* in order: the first failure is the one said */
		if (r >= 0 && v && v[i].done)
			r = domain_send(&v[i], d, out);
		if (v)
			domain_read_release(&v[i]);
		lv.virDomainFree(doms[i]);
	}
	domain_kinds_release(&kinds);
	free(doms);
	if (r >= 0 && req->networks)
		r = networks_send(c, conn, d, out);
	lv.virConnectClose(conn);
	return r;
}

/*
 * Parse one XML, its devices and (when nets is not NULL) its interfaces on
 * a network in one pass; a failure of the devices is a warning naming the
 * domain, not fatal. *nets_r: whether the interfaces could be read (0
 * without an XML).
 */
static void parse_devices(const char *name, const char *what, const char *xml, struct diag *d,
			  struct guest_dev_state **ret, size_t *ret_n, struct guest_dev_state **nets,
			  size_t *n_nets, int *nets_r)
{
	int r;

	*ret = NULL;
	*ret_n = 0;
	*nets_r = 0;
	if (!xml)
		return;
	r = domain_xml_parse(xml, ret, ret_n, nets, n_nets, nets ? nets_r : NULL);
	if (r < 0) {
		diag_warning(d, NULL, "cannot parse the %s XML of domain '%s': %s", what, name,
			     strerror(-r));
		*ret = NULL;
		*ret_n = 0;
	}
}

/* The next NUL-terminated string of [*p, end) (a copy in *ret), or -EBADMSG. */
static int take_str(const char **p, const char *end, char **ret)
{
	size_t n = strnlen(*p, (size_t)(end - *p));

	if (*p + n >= end)
		return -EBADMSG;
	*ret = strndup(*p, n);
	if (!*ret)
		return -ENOMEM;
	*p += n + 1;
	return 0;
}

/* One record of domain_send() into ds. */
static int domain_recv(const char **p, const char *end, struct diag *d, struct domain_state *ds)
{
	int r = take_str(p, end, &ds->name);

	if (r < 0)
		return r;
	if (end - *p < 3)
		return -EBADMSG;
	bool has_xml = (*p)[1] == 'x', has_live = (*p)[2] == 'l';
	ds->running = (*p)[0] == 'r';
	*p += 3;
	if (has_xml && (r = take_str(p, end, &ds->xml)) < 0)
		return r;
	if (has_live && (r = take_str(p, end, &ds->live_xml)) < 0)
		return r;
	int nets_r, live_nets_r;
	parse_devices(ds->name, "persistent", ds->xml, d, &ds->devs, &ds->n_devs, &ds->nets,
		      &ds->n_nets, &nets_r);
	/* no live interfaces when the persistent ones cannot be read */
	parse_devices(ds->name, "live", ds->live_xml, d, &ds->live_devs, &ds->n_live_devs,
		      nets_r < 0 ? NULL : &ds->live_nets, &ds->n_live_nets, &live_nets_r);
	r = nets_r < 0 ? nets_r : live_nets_r;
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		diag_warning(d, NULL, "cannot parse the network interfaces of domain '%s': %s",
			     ds->name, strerror(-r));
	return 0;
}

/* One record of network_send() into ns. */
static int network_recv(const char **p, const char *end, struct diag *d, struct network_state *ns)
{
	int r = take_str(p, end, &ns->name);

	if (r < 0)
		return r;
	if (end - *p < 5)
		return -EBADMSG;
	bool has_xml = (*p)[3] == 'x', has_live = (*p)[4] == 'l';
	ns->active = (*p)[0] == 'a';
	ns->persistent = (*p)[1] == 'p';
	ns->autostart = (*p)[2] == 's';
	*p += 5;
	if (has_xml && (r = take_str(p, end, &ns->xml)) < 0)
		return r;
	if (has_live && (r = take_str(p, end, &ns->live_xml)) < 0)
		return r;
	r = network_state_parse(ns);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		diag_warning(d, NULL, "cannot parse the XML of network '%s': %s", ns->name,
			     strerror(-r));
	return 0;
}

static int domain_state_cmp(const void *a, const void *b)
{
	const struct domain_state *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int network_state_cmp(const void *a, const void *b)
{
	const struct network_state *x = a, *y = b;

	return strcmp(x->name, y->name);
}

void network_states_free(struct network_state *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		network_state_release(&v[i]);
	free(v);
}

/* The network records after the domains' (past the empty record) into *ret. */
static int networks_recv(const char *p, const char *end, struct diag *d, struct network_state **ret,
			 size_t *ret_n)
{
	struct network_state *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	while (p < end) {
		struct network_state *ns = GROW(v, n, cap);
		if (!ns) {
			r = -ENOMEM;
			break;
		}
		*ns = (struct network_state){.managed = -1, .vlan = -1};
		r = network_recv(&p, end, d, ns);
		if (r < 0)
			break;
	}
	if (r < 0) {
		network_states_free(v, n);
		return r;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), network_state_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

int libvirt_list_begin(struct libvirt *g, bool networks, struct worker *w)
{
	struct list_req req = {.c = g, .networks = networks};

	lv_share_libxml2();
	/* the worker is a fork: req is its own copy from here */
	return worker_begin(w, list_fn, &req);
}

int libvirt_list(struct libvirt *g, struct diag *d, struct domain_state **ret, size_t *ret_n,
		 struct network_state **ret_nets, size_t *ret_n_nets)
{
	struct worker w;
	int r = libvirt_list_begin(g, ret_nets != NULL, &w);

	if (r < 0)
		return r;
	return libvirt_list_end(g, &w, d, ret, ret_n, ret_nets, ret_n_nets);
}

int libvirt_list_end(struct libvirt *g, struct worker *w, struct diag *d, struct domain_state **ret,
		     size_t *ret_n, struct network_state **ret_nets, size_t *ret_n_nets)
{
	_cleanup_(freep) char *step = NULL, *payload = NULL;
	struct domain_state *v = NULL;
	size_t len = 0, n = 0, cap = 0;
	const char *p, *end;
	char buf[96];
	int r;

	r = worker_finish_steps(w, 0, d, &step, &payload, &len);
	/* a deferred connection that got no answer is said as libvirt_open() says it */
	if ((r == -ETIMEDOUT || r == -EINTR) && g->unchecked &&
	    (!step || strncmp(step, "connecting", 10) == 0)) {
		say_no_answer(g, r, d);
		return r;
	}
	if (r == -ETIMEDOUT || r == -EINTR)
		return diag_error(d, NULL, r, "libvirt at '%s': %s: %s", g->uri,
				  step ? step : "listing the domains",
				  unanswered(r, buf, sizeof(buf)));
	if (r < 0)
		return r;
	g->unchecked = false;
	for (p = payload, end = payload ? payload + len : NULL; p && p < end && *p;) {
		struct domain_state *ds = GROW(v, n, cap);
		if (ds) {
			*ds = (struct domain_state){0};
			r = domain_recv(&p, end, d, ds);
		}
		if (!ds || r < 0) {
			domain_states_free(v, n);
			return diag_error(d, NULL, ds ? r : -ENOMEM,
					  "cannot read the domains of '%s': %s", g->uri,
					  strerror(ds ? -r : ENOMEM));
		}
	}
	if (ret_nets) {
		*ret_nets = NULL;
		*ret_n_nets = 0;
		/* past the empty record that ends the domains */
		if (p && p < end)
			r = networks_recv(p + 1, end, d, ret_nets, ret_n_nets);
		if (r < 0) {
			domain_states_free(v, n);
			return diag_error(d, NULL, r, "cannot read the networks of '%s': %s",
					  g->uri, strerror(-r));
		}
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), domain_state_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* libvirt's version as "MAJOR.MINOR.MICRO", in a worker. */
static int version_fn(void *arg, struct diag *d, FILE *out)
{
	const struct libvirt *c = arg;
	unsigned long v = 0;
	virConnectPtr conn = NULL;
	int r;

	r = connect_or_say(c, d, &conn);
	if (r < 0)
		return r;
	worker_step("asking libvirt's version");
	if (lv.virConnectGetLibVersion(conn, &v) < 0)
		r = diag_error(d, NULL, -EIO, "cannot get the version of libvirt at '%s': %s",
			       c->uri, last_error());
	else
		fprintf(out, "%lu.%lu.%lu", v / 1000000, v / 1000 % 1000, v % 1000);
	lv.virConnectClose(conn);
	return r;
}

int libvirt_version(struct libvirt *c, struct diag *d, char **ret)
{
	_cleanup_(freep) char *step = NULL, *payload = NULL;
	size_t len = 0;
	char buf[96];
	int r;

	r = worker_call_steps(version_fn, c, 0, d, &step, &payload, &len);
	if (r == -ETIMEDOUT || r == -EINTR)
		return diag_error(d, NULL, r, "libvirt at '%s': %s: %s", c->uri,
				  step ? step : "asking libvirt's version",
				  unanswered(r, buf, sizeof(buf)));
	if (r < 0)
		return r;
	*ret = strndup(payload ? payload : "", len);
	return *ret ? 0 : diag_error(d, NULL, -ENOMEM, "out of memory");
}

int libvirt_list_domains(struct libvirt *g, struct diag *d, struct domain_state **ret,
			 size_t *ret_n)
{
	return libvirt_list(g, d, ret, ret_n, NULL, NULL);
}

/* ---- attach and detach, in a worker ---- */

/* The device an attach or detach is about, for messages: its address or its network. */
static const char *dev_name(const struct action *a)
{
	if (a->device)
		return a->device;
	return a->guest.dev.network ? a->guest.dev.network : "?";
}

/* What a worker changing one guest works with. */
struct change {
	const struct libvirt *c;
	const struct action *a;
	virConnectPtr conn;
	FILE *out; /* receives 'c' / 'l' as each scope is done */
};

/* The step of one scope of an action: "attaching hostdev 0000:0b:10.0 (live)". Owned. */
static char *scope_step(const struct action *a, unsigned scope)
{
	return strprintf("%s %s %s (%s)", a->kind == ACTION_ATTACH ? "attaching" : "detaching",
			 device_type_to_string(a->guest.dev.type), dev_name(a),
			 scope == VIR_DOMAIN_AFFECT_CONFIG ? "persistent" : "live");
}

static void announce(const struct action *a, unsigned scope)
{
	_cleanup_(freep) char *step = scope_step(a, scope);

	worker_step("%s", step ? step : "?");
}

static void scope_done(struct change *ch, unsigned scope)
{
	fputc(scope == VIR_DOMAIN_AFFECT_CONFIG ? 'c' : 'l', ch->out);
}

/*
 * A failed libvirt call: "guest 'G': cannot WHAT: reason". A lost
 * connection is named as such; libvirt's own text for it ("End of file
 * while reading data") does not say that the daemon went away.
 */
static _printf_(3, 4) int call_error(struct change *ch, struct diag *d, const char *fmt, ...)
{
	_cleanup_(freep) char *what = NULL;
	/* copied: any later libvirt call (virConnectIsAlive) resets the error */
	_cleanup_(freep) char *m = strdup(last_error());
	const char *guest = ch->a->target;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	if (lv.virConnectIsAlive(ch->conn) != 1)
		return diag_error(
		    d, NULL, -ENOTCONN,
		    "guest '%s': cannot %s: lost the connection to libvirt at '%s' (%s)", guest,
		    what ? what : "?", ch->c->uri, m ? m : "?");
	return diag_error(d, NULL, -EIO, "guest '%s': cannot %s: %s", guest, what ? what : "?",
			  m ? m : "?");
}

/* Detach the device at a->device from one scope (VIR_DOMAIN_AFFECT_CONFIG or _LIVE). */
static int detach_scope(struct change *ch, virDomainPtr dom, unsigned scope, struct diag *d)
{
	const struct action *a = ch->a;
	const char *where =
	    scope == VIR_DOMAIN_AFFECT_CONFIG ? "the persistent definition" : "the running guest";
	_cleanup_(freep) char *dom_xml = NULL, *xml = NULL;
	int r;

	announce(a, scope);
	dom_xml = lv.virDomainGetXMLDesc(
	    dom, scope == VIR_DOMAIN_AFFECT_CONFIG ? VIR_DOMAIN_XML_INACTIVE : 0);
	if (!dom_xml)
		return call_error(ch, d, "read %s to detach %s", where, dev_name(a));
	r = a->guest.dev.network
		? domain_xml_find_net(dom_xml, a->guest.dev.network, a->guest.dev.mac, &xml)
		: domain_xml_find_device(dom_xml, a->device, &xml);
	/* a running guest's interface on a pool may be written as the VF it was handed */
	if (r >= 0 && !xml && a->guest.dev.network && a->guest.dev.address &&
	    scope == VIR_DOMAIN_AFFECT_LIVE)
		r = domain_xml_find_device(dom_xml, a->guest.dev.address, &xml);
	if (r < 0)
		return diag_error(d, NULL, r, "guest '%s': cannot find %s in %s: %s", a->target,
				  dev_name(a), where, strerror(-r));
	if (!xml) {
		diag_note(d, NULL, "guest '%s': %s is already gone from %s", a->target, dev_name(a),
			  where);
		return 0;
	}
	if (lv.virDomainDetachDeviceFlags(dom, xml, scope) < 0)
		return call_error(ch, d, "detach %s from %s", dev_name(a), where);
	return 0;
}

static int detach(struct change *ch, virDomainPtr dom, int active, struct diag *d)
{
	int r;

	if (ch->a->guest.persistent) {
		r = detach_scope(ch, dom, VIR_DOMAIN_AFFECT_CONFIG, d);
		if (r < 0)
			return r;
		scope_done(ch, VIR_DOMAIN_AFFECT_CONFIG);
	}
	if (ch->a->guest.live && active == 1) {
		r = detach_scope(ch, dom, VIR_DOMAIN_AFFECT_LIVE, d);
		if (r < 0)
			return r;
		scope_done(ch, VIR_DOMAIN_AFFECT_LIVE);
	}
	return 0;
}

static int attach(struct change *ch, virDomainPtr dom, int active, struct diag *d)
{
	const struct action *a = ch->a;
	_cleanup_(freep) char *xml = domain_xml_device(&a->guest.dev);

	if (!xml)
		return diag_error(d, NULL, -EINVAL, "guest '%s': cannot build the XML of %s",
				  a->target, dev_name(a));
	if (a->guest.persistent) {
		announce(a, VIR_DOMAIN_AFFECT_CONFIG);
		if (lv.virDomainAttachDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_CONFIG) < 0)
			return call_error(ch, d, "attach %s to the persistent definition",
					  dev_name(a));
		scope_done(ch, VIR_DOMAIN_AFFECT_CONFIG);
	}
	if (a->guest.live && active == 1) {
		announce(a, VIR_DOMAIN_AFFECT_LIVE);
		if (lv.virDomainAttachDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0)
			return call_error(ch, d, "attach %s to the running guest%s", dev_name(a),
					  a->guest.persistent
					      ? " (its persistent definition has it now, "
						"the guest gets it at its next start)"
					      : "");
		scope_done(ch, VIR_DOMAIN_AFFECT_LIVE);
	}
	return 0;
}

static int change_fn(void *arg, struct diag *d, FILE *out)
{
	struct change *ch = arg;
	const struct action *a = ch->a;
	virDomainPtr dom;
	char why[512];
	int active = 0, r = 0;

	ch->out = out;
	ch->conn = conn_open(ch->c, why, sizeof(why));
	if (!ch->conn)
		return diag_error(d, NULL, -ENOTCONN,
				  "guest '%s': cannot %s %s: lost the connection to libvirt at "
				  "'%s' (%s)",
				  a->target, a->kind == ACTION_ATTACH ? "attach" : "detach",
				  dev_name(a), ch->c->uri, why);
	worker_step("%s %s: finding guest '%s'",
		    a->kind == ACTION_ATTACH ? "attaching" : "detaching", dev_name(a), a->target);
	dom = lv.virDomainLookupByName(ch->conn, a->target);
	if (!dom)
		r = call_error(ch, d, "find the domain");
	if (dom && a->guest.live) {
		active = lv.virDomainIsActive(dom);
		if (active < 0)
			r = call_error(ch, d, "read its state");
	}
	if (r >= 0)
		r = a->kind == ACTION_ATTACH ? attach(ch, dom, active, d)
					     : detach(ch, dom, active, d);
	if (dom)
		lv.virDomainFree(dom);
	lv.virConnectClose(ch->conn);
	return r;
}

/* The scopes a worker changed: what it sent, or (no answer) what its last step says. */
static unsigned scopes_done(const struct action *a, const char *payload, const char *step)
{
	_cleanup_(freep) char *live = scope_step(a, VIR_DOMAIN_AFFECT_LIVE);
	unsigned done = 0;

	for (const char *p = payload; p && *p; p++)
		done |= *p == 'c' ? LIBVIRT_SCOPE_CONFIG : *p == 'l' ? LIBVIRT_SCOPE_LIVE : 0;
	/* the live part starts only after the persistent one is done */
	if (step && live && streq(step, live) && a->guest.persistent)
		done |= LIBVIRT_SCOPE_CONFIG;
	return done;
}

/* ---- VF pools, in a worker ---- */

/* In a worker: one network action on its own connection. */
static int network_fn(void *arg, struct diag *d, FILE *out)
{
	struct change *ch = arg;
	const struct action *a = ch->a;
	const char *kind = action_kind_to_string(a->kind);
	virNetworkPtr net = NULL;
	char why[512];
	int r = 0;

	(void)out;
	ch->conn = conn_open(ch->c, why, sizeof(why));
	if (!ch->conn)
		return diag_error(d, NULL, -ENOTCONN,
				  "network '%s': cannot %s: lost the connection to libvirt at "
				  "'%s' (%s)",
				  a->target, kind, ch->c->uri, why);
	switch (a->kind) {
	case ACTION_DEFINE_NETWORK:
		worker_step("defining network '%s'", a->target);
		net = lv.virNetworkDefineXML(ch->conn, a->net.xml);
		if (!net)
			r = diag_error(d, NULL, -EIO, "network '%s': cannot define it: %s",
				       a->target, last_error());
		break;
	default:
		worker_step("finding network '%s'", a->target);
		net = lv.virNetworkLookupByName(ch->conn, a->target);
		if (!net) {
			r = diag_error(d, NULL, -EIO, "network '%s': cannot find it: %s", a->target,
				       last_error());
			break;
		}
		if (a->kind == ACTION_SET_NETWORK_AUTOSTART) {
			worker_step("setting autostart of network '%s'", a->target);
			if (lv.virNetworkSetAutostart(net, a->net.autostart_to > 0) < 0)
				r = diag_error(d, NULL, -EIO,
					       "network '%s': cannot set autostart: %s", a->target,
					       last_error());
			break;
		}
		/* a refresh: libvirt reads the PF's VFs again when the network starts */
		if (a->kind == ACTION_REFRESH_NETWORK && lv.virNetworkIsActive(net) == 1) {
			worker_step("stopping network '%s'", a->target);
			if (lv.virNetworkDestroy(net) < 0) {
				r = diag_error(d, NULL, -EIO, "network '%s': cannot stop it: %s",
					       a->target, last_error());
				break;
			}
		}
		worker_step("starting network '%s'", a->target);
		if (lv.virNetworkCreate(net) < 0)
			r = diag_error(d, NULL, -EIO, "network '%s': cannot start it: %s",
				       a->target, last_error());
		break;
	}
	if (net)
		lv.virNetworkFree(net);
	lv.virConnectClose(ch->conn);
	return r;
}

static int network_apply(struct libvirt *c, const struct action *a, struct diag *d)
{
	struct change ch = {.c = c, .a = a};
	_cleanup_(freep) char *step = NULL;
	char buf[96];
	int r;

	if (c->lost)
		return diag_error(
		    d, NULL, -ENOTCONN, "network '%s': %s not done: %s libvirt at '%s'", a->target,
		    action_kind_to_string(a->kind),
		    c->hung ? "an earlier call got no answer from" : "lost the connection to",
		    c->uri);
	r = worker_call_steps(network_fn, &ch, 0, d, &step, NULL, NULL);
	if (r == -ETIMEDOUT || r == -EINTR) {
		c->lost = c->hung = r == -ETIMEDOUT;
		return diag_error(d, NULL, r, "network '%s': %s: %s", a->target,
				  step ? step : "connecting to libvirt",
				  unanswered(r, buf, sizeof(buf)));
	}
	if (r == -ENOTCONN)
		c->lost = true;
	return r;
}

int libvirt_apply(struct libvirt *c, const struct action *a, struct diag *d)
{
	bool is_attach = a->kind == ACTION_ATTACH;

	if (!is_attach && a->kind != ACTION_DETACH)
		return network_apply(c, a, d);
	struct change ch = {.c = c, .a = a};
	_cleanup_(freep) char *step = NULL, *payload = NULL;
	size_t len = 0;
	char buf[96];
	int r;

	c->last_done = 0;
	if (c->lost)
		return diag_error(
		    d, NULL, -ENOTCONN, "guest '%s': %s of %s not done: %s libvirt at '%s'",
		    a->target, is_attach ? "attach" : "detach", dev_name(a),
		    c->hung ? "an earlier call got no answer from" : "lost the connection to",
		    c->uri);
	if (!a->device && !a->guest.dev.network)
		return diag_error(d, NULL, -EINVAL, "guest '%s': no device address", a->target);
	lv_share_libxml2();
	r = worker_call_steps(change_fn, &ch, 0, d, &step, &payload, &len);
	c->last_done = scopes_done(a, payload, r == -ETIMEDOUT || r == -EINTR ? step : NULL);
	if (r == -ETIMEDOUT || r == -EINTR) {
		c->lost = c->hung = r == -ETIMEDOUT;
		return diag_error(d, NULL, r, "guest '%s': %s: %s", a->target,
				  step ? step : "connecting to libvirt",
				  unanswered(r, buf, sizeof(buf)));
	}
	if (r == -ENOTCONN)
		c->lost = true;
	return r;
}

/* SPDX-License-Identifier: MIT */
/*
 * show --format spec: the observed host as a desired-state file. Only what
 * is known is written (an unknown setting is left out, which a file reads
 * as "leave it as found"), so that planning the file against the same host
 * finds nothing to do. Strings are written as JSON strings, which YAML
 * reads as double-quoted scalars with the same escapes.
 */
#include <json-c/json.h>

#include "modconf.h"
#include "render-spec.h"

/* s as a double-quoted scalar. */
static void put_str(FILE *f, const char *s)
{
	json_object *o = json_object_new_string(s);
	const char *t = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE)
			  : NULL;

	fputs(t ? t : "\"\"", f);
	json_object_put(o);
}

static void put_key_str(FILE *f, const char *indent, const char *key, const char *v)
{
	fprintf(f, "%s%s: ", indent, key);
	put_str(f, v);
	fputc('\n', f);
}

/* ---- modules ---- */

/* The one file all of m's modprobe.d options come from, or NULL. */
static const char *single_file(const struct module_state *m)
{
	const char *file = NULL;

	for (size_t i = 0; i < m->n_conf; i++) {
		const char *src = m->conf[i].source;
		if (!src || src[0] != '/')
			return NULL; /* the kernel command line: not a file's */
		if (file && !streq(file, src))
			return NULL;
		file = src;
	}
	return file;
}

/* modules.NAME: its options (the last of each key wins, as in modprobe) and file. */
static void module_text(const struct module_state *m, const char *file, FILE *f)
{
	fputs("  ", f);
	put_str(f, m->name);
	fputs(":\n    options:\n", f);
	for (size_t i = 0; i < m->n_conf; i++) {
		bool later = false;
		for (size_t j = i + 1; j < m->n_conf; j++)
			later |= modname_eq(m->conf[i].key, m->conf[j].key);
		if (later)
			continue;
		fputs("      ", f);
		put_str(f, m->conf[i].key);
		fputs(": ", f);
		put_str(f, m->conf[i].value);
		fputc('\n', f);
	}
	put_key_str(f, "    ", "file", file);
}

/*
 * A module is written when its options sit in one file that a desired-
 * state file may name; whether it may is the loader's call, asked on the
 * module alone, so that the rules live in one place.
 */
static void render_module(const struct module_state *m, FILE *out, FILE *notes)
{
	const char *file = single_file(m);
	_cleanup_(freep) char *text = NULL;
	_cleanup_(spec_freep) struct spec *s = NULL;
	size_t len = 0;
	struct diag d;
	FILE *f;

	if (!m->n_conf)
		return;
	if (!file) {
		fprintf(notes,
			"# module %s: options from several files or the kernel command line, "
			"not written\n",
			m->name);
		return;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return;
	fputs("version: 1\nmodules:\n", f);
	module_text(m, file, f);
	if (fclose(f) != 0)
		return;
	diag_init(&d);
	if (spec_load_buffer("module", text, len, &d, &s) == 0)
		fputs(text + strlen("version: 1\nmodules:\n"), out);
	else
		fprintf(notes,
			"# module %s: its options in %s cannot be written in a desired-state "
			"file\n",
			m->name, file);
	diag_release(&d);
}

/* modules:, after a comment for each module left out. */
static int render_modules(const struct host *h, FILE *out)
{
	_cleanup_(freep) char *body = NULL, *notes = NULL;
	size_t n_body = 0, n_notes = 0;
	FILE *b = open_memstream(&body, &n_body), *n = open_memstream(&notes, &n_notes);
	int r = b && n ? 0 : -ENOMEM;

	for (size_t i = 0; r == 0 && i < h->n_modules; i++)
		render_module(&h->modules[i], b, n);
	if (b && fclose(b) != 0)
		r = -ENOMEM;
	if (n && fclose(n) != 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	fputs(notes, out);
	if (n_body)
		fprintf(out, "modules:\n%s", body);
	return 0;
}

/* ---- PFs ---- */

static void render_vf(const struct vf_state *vf, FILE *out)
{
	const struct vf_link *l = &vf->link;

	fprintf(out, "      - id: %u\n", vf->id);
	if (l->mac[0] && !streq(l->mac, "00:00:00:00:00:00") && mac_address_valid(l->mac) &&
	    !mac_address_multicast(l->mac))
		put_key_str(out, "        ", "mac", l->mac);
	if (l->vlan > 0) {
		fprintf(out, "        vlan: %d\n", l->vlan);
		if (l->qos > 0)
			fprintf(out, "        qos: %d\n", l->qos);
		if (vlan_proto_to_string(l->vlan_proto) && l->vlan_proto != VLAN_PROTO_8021Q)
			fprintf(out, "        vlan-proto: %s\n",
				vlan_proto_to_string(l->vlan_proto));
	}
	if (l->spoof_check >= 0)
		fprintf(out, "        spoof-check: %s\n", l->spoof_check ? "true" : "false");
	if (l->trust >= 0)
		fprintf(out, "        trust: %s\n", l->trust ? "true" : "false");
	if (link_state_to_string(l->link_state))
		fprintf(out, "        link-state: %s\n", link_state_to_string(l->link_state));
	if (l->max_tx_rate > 0)
		fprintf(out, "        max-tx-rate: %lld\n", l->max_tx_rate);
	if (l->min_tx_rate > 0 && (l->max_tx_rate <= 0 || l->min_tx_rate <= l->max_tx_rate))
		fprintf(out, "        min-tx-rate: %lld\n", l->min_tx_rate);
	if (vf->driver)
		put_key_str(out, "        ", "driver", vf->driver);
}

static void render_pfs(const struct host *h, FILE *out)
{
	bool any = false;

	for (size_t i = 0; i < h->n_pci; i++) {
		const struct pci_dev_state *pf = &h->pci[i];
		if (!pf->is_pf)
			continue;
		if (!any)
			fputs("pfs:\n", out);
		any = true;
		put_key_str(out, "  - ", "pci", pf->address);
		fprintf(out, "    num-vfs: %u\n", pf->sriov.num_vfs);
		if (pf->sriov.drivers_autoprobe >= 0)
			fprintf(out, "    drivers-autoprobe: %s\n",
				pf->sriov.drivers_autoprobe ? "true" : "false");
		if (eswitch_mode_name(pf->sriov.eswitch_mode))
			fprintf(out, "    eswitch-mode: %s\n",
				eswitch_mode_name(pf->sriov.eswitch_mode));
		if (pf->sriov.n_vfs)
			fputs("    vfs:\n", out);
		for (size_t j = 0; j < pf->sriov.n_vfs; j++)
			if (pf->sriov.vfs[j].id < pf->sriov.num_vfs)
				render_vf(&pf->sriov.vfs[j], out);
	}
}

/* ---- guests ---- */

/* The guests already written and the devices they hold: a file gives a device to one guest. */
struct holders {
	const struct domain_state **dom;
	const char **addr;
	size_t n, cap, cap2;
};

static const struct domain_state *holder(const struct holders *w, const char *addr)
{
	for (size_t i = 0; i < w->n; i++)
		if (streq(w->addr[i], addr))
			return w->dom[i];
	return NULL;
}

/* One device; live/persistent when it is in only one of the definitions. */
static bool render_device(const struct host *h, const struct domain_state *dom,
			  const struct guest_dev_state *g, bool persistent, bool live,
			  struct holders *w, FILE *out)
{
	const struct pci_dev_state *pf = NULL;
	const struct vf_state *vf = host_find_vf(h, g->address, &pf);
	const struct domain_state *other = holder(w, g->address);

	if (other && other != dom) {
		fprintf(out, "      # %s is also held by guest ", g->address);
		fputs_escaped(other->name, out);
		fputs(": a file gives a device to one guest, not written\n", out);
		return false;
	}
	if (!vf && !host_find_pci(h, g->address)) {
		fprintf(out, "      # %s is not on this host, not written\n", g->address);
		return false;
	}
	size_t n = w->n, n2 = w->n;
	const struct domain_state **d = GROW(w->dom, n, w->cap);
	const char **a = GROW(w->addr, n2, w->cap2);
	if (d && a) {
		*d = dom;
		*a = g->address;
		w->n++;
	}

	if (vf && pf) {
		fputs("      - vf: {pf: ", out);
		put_str(out, pf->address);
		fprintf(out, ", id: %u}\n", vf->id);
	} else {
		put_key_str(out, "      - ", "pci", g->address);
	}
	fprintf(out, "        type: %s\n", device_type_to_string(g->type));
	if (g->type == DEVICE_INTERFACE) {
		if (g->mac && mac_address_valid(g->mac) && !mac_address_multicast(g->mac))
			put_key_str(out, "        ", "mac", g->mac);
		if (g->vlan >= 0)
			fprintf(out, "        vlan: %d\n", g->vlan);
		if (g->virtualport_type && g->profileid) {
			fputs("        virtualport: {type: ", out);
			put_str(out, g->virtualport_type);
			fputs(", profileid: ", out);
			put_str(out, g->profileid);
			fputs("}\n", out);
		}
	}
	/* <hostdev managed='no'>: the host binds it (a whole device: vfio-pci, as found) */
	if (!g->managed)
		fputs("        managed: false\n", out);
	if (!persistent)
		fputs("        persistent: false\n", out);
	if (!live)
		fputs("        live: false\n", out);
	return true;
}

/*
 * An interface on a libvirt VF pool: `- network: NAME` with its MAC. One
 * on another kind of network (NAT, bridge) is not a device a file holds.
 */
static bool render_net_device(const struct host *h, const struct guest_dev_state *g,
			      bool persistent, FILE *out)
{
	const struct network_state *ns = g->network ? host_find_network(h, g->network) : NULL;

	if (!ns || !ns->hostdev)
		return false;
	if (!g->network || spec_guest_name_refusal(g->network) || !utf8_valid(g->network)) {
		fputs("      # an interface on a network whose name a file cannot hold, not written\n",
		      out);
		return false;
	}
	put_key_str(out, "      - ", "network", g->network);
	if (g->mac && mac_address_valid(g->mac) && !mac_address_multicast(g->mac))
		put_key_str(out, "        ", "mac", g->mac);
	if (!persistent)
		fputs("        persistent: false\n", out);
	return true;
}

/* The interface on the same network with the same MAC among v, or NULL. */
static const struct guest_dev_state *net_device_find(const struct guest_dev_state *v, size_t n,
						     const struct guest_dev_state *g)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].network && g->network && streq(v[i].network, g->network) &&
		    (v[i].mac && g->mac ? strcasecmp(v[i].mac, g->mac) == 0 : v[i].mac == g->mac))
			return &v[i];
	return NULL;
}

/* Whether the running guest has the device as its definition does. */
static bool same_settings(const struct guest_dev_state *a, const struct guest_dev_state *b)
{
	return a->type == b->type && streq_ptr(a->mac, b->mac) && a->vlan == b->vlan &&
	       streq_ptr(a->virtualport_type, b->virtualport_type) &&
	       streq_ptr(a->profileid, b->profileid);
}

/* A guest and its devices; the number of devices written. */
static size_t render_guest(const struct host *h, const struct domain_state *dom, struct holders *w,
			   FILE *out)
{
	const char *bad = spec_guest_name_refusal(dom->name);
	_cleanup_(freep) char *body = NULL;
	size_t len = 0, n = 0;
	FILE *f;

	if (bad || !utf8_valid(dom->name)) {
		fputs("  # a guest whose name ", out);
		fputs_escaped(bad ? bad : "is not UTF-8", out);
		fputs(", not written\n", out);
		return 0;
	}
	if (!(f = open_memstream(&body, &len)))
		return 0;
	for (size_t i = 0; i < dom->n_devs; i++) {
		const struct guest_dev_state *g = &dom->devs[i];
		const struct guest_dev_state *l =
		    guest_dev_find(dom->live_devs, dom->n_live_devs, g->address);
		bool live = !dom->running || (l && same_settings(g, l));
		if (dom->running && l && !live)
			fprintf(f,
				"      # %s differs in the running guest: its persistent "
				"definition is written\n",
				g->address);
		n += render_device(h, dom, g, true, live, w, f);
	}
	for (size_t i = 0; dom->running && i < dom->n_live_devs; i++) {
		const struct guest_dev_state *g = &dom->live_devs[i];
		const struct domain_state *to = NULL;
		/* a VF a pool handed this guest: its interface on the network is written */
		if (host_vf_handed_out(h, g->address, &to) && to == dom)
			continue;
		if (!guest_dev_find(dom->devs, dom->n_devs, g->address))
			n += render_device(h, dom, g, false, true, w, f);
	}
	for (size_t i = 0; i < dom->n_nets; i++)
		n += render_net_device(h, &dom->nets[i], true, f);
	for (size_t i = 0; dom->running && i < dom->n_live_nets; i++)
		if (!net_device_find(dom->nets, dom->n_nets, &dom->live_nets[i]))
			n += render_net_device(h, &dom->live_nets[i], false, f);
	if (fclose(f) != 0)
		return 0;
	fputs("  ", out);
	if (!n)
		fputs("# ", out);
	put_str(out, dom->name);
	fputs(n ? ":\n    devices:\n" : ": no device a file can hold\n", out);
	fputs(body, out);
	return n;
}

/* guests:, when a guest has a device a file can hold; comments for the others. */
static int render_guests(const struct host *h, FILE *out)
{
	_cleanup_(freep) char *body = NULL;
	struct holders w = {0};
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&body, &len);

	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_domains; i++) {
		const struct domain_state *dom = &h->domains[i];
		if (dom->n_devs || dom->n_nets ||
		    (dom->running && (dom->n_live_devs || dom->n_live_nets)))
			n += render_guest(h, dom, &w, f);
	}
	free(w.dom);
	free(w.addr);
	if (fclose(f) != 0)
		return -ENOMEM;
	if (n)
		fputs("guests:\n", out);
	fputs(body, out);
	return 0;
}

/* networks: the persistent VF pools on a PF of this host, as the file declares them. */
static void render_networks(const struct host *h, FILE *out)
{
	bool head = false;

	for (size_t i = 0; i < h->n_networks; i++) {
		const struct network_state *ns = &h->networks[i];
		const struct pci_dev_state *pf = ns->pf ? host_find_pf(h, ns->pf) : NULL;
		if (!ns->hostdev || !ns->persistent)
			continue;
		if (!ns->active && !str_needs_escape(ns->name)) {
			/* the file has no "defined but stopped": a pool in it is started */
			fprintf(out, "# VF pool '%s' is defined but not active, not written\n",
				ns->name);
			continue;
		}
		if (!pf || spec_guest_name_refusal(ns->name) || !utf8_valid(ns->name)) {
			fputs("# a VF pool whose PF is not an SR-IOV PF of this host or whose name a "
			      "file cannot hold, not written\n",
			      out);
			continue;
		}
		if (!head)
			fputs("networks:\n", out);
		head = true;
		fputs("  ", out);
		put_str(out, ns->name);
		fputs(":\n", out);
		put_key_str(out, "    ", "pf", pf->address);
		fprintf(out, "    managed: %s\n", ns->managed == 0 ? "false" : "true");
		if (ns->vlan >= 0)
			fprintf(out, "    vlan: %d\n", ns->vlan);
		fprintf(out, "    autostart: %s\n", ns->autostart ? "true" : "false");
	}
}

int render_host_spec(const struct host *h, FILE *out)
{
	fputs("# The host as sriovctl observed it (show --format spec).\n"
	      "version: 1\n",
	      out);
	if (h->hostname && utf8_valid(h->hostname) && !str_needs_escape(h->hostname))
		put_key_str(out, "", "host", h->hostname);
	if (render_modules(h, out) < 0)
		return -ENOMEM;
	render_pfs(h, out);
	if (h->libvirt_ok)
		render_networks(h, out);
	if (h->libvirt_ok) {
		if (render_guests(h, out) < 0)
			return -ENOMEM;
	} else
		fputs("# guests: not observed (libvirt was not reachable)\n", out);
	return ferror(out) ? -EIO : 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The host-state file: exact round trips of every fixture and of a host
 * full of awkward strings, load errors with their place, and the show
 * renderers against golden files (SRIOVCTL_REGEN_GOLDEN=1 rewrites them).
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domxml.h"
#include "host-state.h"
#include "host.h"
#include "render.h"
#include "unit.h"

static char *written(const struct host *h)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	assert_int_equal(state_write(h, m), 0);
	fclose(m);
	return buf;
}

/* ---- field-by-field comparison, naming the first difference ---- */

#define EQ_INT(what, a, b)                                                                         \
	do {                                                                                       \
		if ((a) != (b))                                                                    \
			fail_msg("%s differs: %lld != %lld", what, (long long)(a),                 \
				 (long long)(b));                                                  \
	} while (0)
#define EQ_STR(what, a, b)                                                                         \
	do {                                                                                       \
		if (!streq_ptr((a), (b)))                                                          \
			fail_msg("%s differs: '%s' != '%s'", what, (a) ? (a) : "(null)",           \
				 (b) ? (b) : "(null)");                                            \
	} while (0)

static void devs_equal(const char *what, const struct guest_dev_state *a, size_t na,
		       const struct guest_dev_state *b, size_t nb)
{
	EQ_INT(what, na, nb);
	for (size_t i = 0; i < na; i++) {
		EQ_INT("dev type", a[i].type, b[i].type);
		EQ_STR("dev address", a[i].address, b[i].address);
		EQ_STR("dev mac", a[i].mac, b[i].mac);
		EQ_INT("dev vlan", a[i].vlan, b[i].vlan);
		EQ_STR("dev virtualport", a[i].virtualport_type, b[i].virtualport_type);
		EQ_STR("dev profileid", a[i].profileid, b[i].profileid);
		EQ_INT("dev managed", a[i].managed, b[i].managed);
	}
}

static void vf_equal(const struct vf_state *a, const struct vf_state *b)
{
	EQ_INT("vf id", a->id, b->id);
	EQ_STR("vf address", a->address, b->address);
	EQ_STR("vf driver", a->driver, b->driver);
	EQ_STR("vf driver_override", a->driver_override, b->driver_override);
	EQ_STR("vf interface", a->interface, b->interface);
	EQ_STR("vf mac", a->link.mac, b->link.mac);
	EQ_INT("vf vlan", a->link.vlan, b->link.vlan);
	EQ_INT("vf qos", a->link.qos, b->link.qos);
	EQ_INT("vf vlan_proto", a->link.vlan_proto, b->link.vlan_proto);
	EQ_INT("vf spoof_check", a->link.spoof_check, b->link.spoof_check);
	EQ_INT("vf trust", a->link.trust, b->link.trust);
	EQ_INT("vf link_state", a->link.link_state, b->link.link_state);
	EQ_INT("vf max_tx_rate", a->link.max_tx_rate, b->link.max_tx_rate);
	EQ_INT("vf min_tx_rate", a->link.min_tx_rate, b->link.min_tx_rate);
}

static void pci_equal(const struct pci_dev_state *a, const struct pci_dev_state *b)
{
	EQ_STR("pci address", a->address, b->address);
	EQ_STR("pci vendor", a->vendor, b->vendor);
	EQ_STR("pci device", a->device, b->device);
	EQ_STR("pci name", a->name, b->name);
	EQ_STR("pci driver", a->driver, b->driver);
	EQ_INT("pci n_interfaces", a->n_interfaces, b->n_interfaces);
	for (size_t i = 0; i < a->n_interfaces; i++)
		EQ_STR("pci interface", a->interfaces[i], b->interfaces[i]);
	EQ_INT("pci is_pf", a->is_pf, b->is_pf);
	EQ_INT("total_vfs", a->sriov.total_vfs, b->sriov.total_vfs);
	EQ_INT("num_vfs", a->sriov.num_vfs, b->sriov.num_vfs);
	EQ_INT("drivers_autoprobe", a->sriov.drivers_autoprobe, b->sriov.drivers_autoprobe);
	EQ_INT("offset", a->sriov.offset, b->sriov.offset);
	EQ_INT("stride", a->sriov.stride, b->sriov.stride);
	EQ_STR("vf_device", a->sriov.vf_device, b->sriov.vf_device);
	EQ_INT("n_vfs", a->sriov.n_vfs, b->sriov.n_vfs);
	for (size_t i = 0; i < a->sriov.n_vfs; i++)
		vf_equal(&a->sriov.vfs[i], &b->sriov.vfs[i]);
}

static void host_equal(const struct host *a, const struct host *b)
{
	EQ_STR("hostname", a->hostname, b->hostname);
	EQ_INT("n_pci", a->n_pci, b->n_pci);
	for (size_t i = 0; i < a->n_pci; i++)
		pci_equal(&a->pci[i], &b->pci[i]);
	EQ_INT("n_modules", a->n_modules, b->n_modules);
	for (size_t i = 0; i < a->n_modules; i++) {
		EQ_STR("module name", a->modules[i].name, b->modules[i].name);
		EQ_INT("module loaded", a->modules[i].loaded, b->modules[i].loaded);
		EQ_INT("n_params", a->modules[i].n_params, b->modules[i].n_params);
		for (size_t j = 0; j < a->modules[i].n_params; j++) {
			EQ_STR("param key", a->modules[i].params[j].key,
			       b->modules[i].params[j].key);
			EQ_STR("param value", a->modules[i].params[j].value,
			       b->modules[i].params[j].value);
		}
	}
	EQ_INT("n_files", a->n_files, b->n_files);
	for (size_t i = 0; i < a->n_files; i++) {
		EQ_STR("file path", a->files[i].path, b->files[i].path);
		EQ_STR("file content", a->files[i].content, b->files[i].content);
	}
	EQ_INT("libvirt_ok", a->libvirt_ok, b->libvirt_ok);
	EQ_INT("n_domains", a->n_domains, b->n_domains);
	for (size_t i = 0; i < a->n_domains; i++) {
		const struct domain_state *x = &a->domains[i], *y = &b->domains[i];
		EQ_STR("domain name", x->name, y->name);
		EQ_INT("domain running", x->running, y->running);
		EQ_STR("domain xml", x->xml, y->xml);
		EQ_STR("domain live_xml", x->live_xml, y->live_xml);
		devs_equal("n_devs", x->devs, x->n_devs, y->devs, y->n_devs);
		devs_equal("n_live_devs", x->live_devs, x->n_live_devs, y->live_devs,
			   y->n_live_devs);
	}
}

/* write(h) reads back equal and is written again byte for byte. */
static void assert_round_trip(const struct host *h, const char *name)
{
	char *a = written(h);
	struct host *h2 = unit_state_text(name, a);
	host_equal(h, h2);
	char *b = written(h2);
	assert_string_equal(a, b);
	host_free(h2);
	free(a);
	free(b);
}

/* ---- fixtures ---- */

static void for_each_fixture(void (*fn)(const char *path), size_t min)
{
	static const char *const patterns[] = {"examples/hosts/*.state.yaml",
					       "tests/state/*.state.yaml"};
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++) {
		char *pat = strprintf("%s/%s", unit_top(), patterns[i]);
		glob_t g = {0};
		if (glob(pat, 0, NULL, &g) == 0) {
			for (size_t j = 0; j < g.gl_pathc; j++, n++)
				fn(g.gl_pathv[j]);
		}
		globfree(&g);
		free(pat);
	}
	if (n < min)
		fail_msg("found %zu fixtures, expected at least %zu (TOP=%s)", n, min, unit_top());
}

static void fixture_round_trip(const char *path)
{
	struct host *h = unit_state_file(path);
	size_t len;

	assert_round_trip(h, path);

	/* fixtures are kept in the written form (plus simulate: for the simulated host) */
	char *file = unit_slurp(path, &len);
	char *w = written(h);
	size_t wl = strlen(w);
	if (strncmp(file, w, wl) != 0 || (file[wl] && strncmp(file + wl, "simulate:", 9) != 0))
		fail_msg("%s is not in the form state_write gives it", path);
	free(file);
	free(w);
	host_free(h);
}

static void test_fixtures_round_trip(void **state)
{
	(void)state;
	for_each_fixture(fixture_round_trip, 3);
}

/* A host with every optional field in both states and strings YAML would misread. */
static void test_awkward_round_trip(void **state)
{
	(void)state;
	static const char *const words[] = {
	    "",
	    "yes",
	    "no",
	    "on",
	    "off",
	    "y",
	    "N",
	    "true",
	    "False",
	    "null",
	    "~",
	    "NULL",
	    "0",
	    "-1",
	    "+5",
	    "007",
	    "1:20",
	    "0x1f",
	    "1e3",
	    ".inf",
	    ".nan",
	    "- x",
	    "a: b",
	    "#hash",
	    "&anchor",
	    "*alias",
	    "!tag",
	    "%x",
	    "@x",
	    "`x",
	    "{x}",
	    "[x]",
	    "x,y",
	    "'q'",
	    "\"dq\"",
	    "  leading",
	    "trailing  ",
	    "tab\there",
	    "line1\nline2\n",
	    "no newline\nat end",
	    "\n\nleading newlines",
	    "trailing newlines\n\n\n",
	    "  indented\n  block\n",
	    "crlf\r\nline\r\n",
	    "unicode: é ü 中文 ☃",
	    "bell\a and del\x7f",
	    "---",
	    "...",
	    "? x",
	    "| x",
	    "> x",
	    "=",
	    "<<",
	};
	struct host *h = host_new();
	size_t n = ARRAY_SIZE(words);

	h->hostname = strdup("host: with colon");
	h->pci = calloc(2, sizeof(*h->pci));
	h->n_pci = 2;
	h->pci[0] =
	    (struct pci_dev_state){.address = strdup("0000:00:01.0"), .name = strdup(words[3])};
	h->pci[0].interfaces = calloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		if (words[i][0])
			h->pci[0].interfaces[h->pci[0].n_interfaces++] = strdup(words[i]);
	struct pci_dev_state *pf = &h->pci[1];
	*pf = (struct pci_dev_state){.address = strdup("ffff:ff:1f.7"),
				     .vendor = strdup("abcd"),
				     .is_pf = true,
				     .sriov = {.total_vfs = 65535,
					       .num_vfs = 3,
					       .drivers_autoprobe = -1,
					       .offset = -1,
					       .stride = -1}};
	pf->sriov.vfs = calloc(3, sizeof(struct vf_state));
	pf->sriov.n_vfs = 3;
	vf_state_init(&pf->sriov.vfs[0], 0);
	pf->sriov.vfs[0].address = strdup("0000:01:00.1");
	pf->sriov.vfs[1] = (struct vf_state){.id = 1,
					     .address = strdup("0000:01:00.2"),
					     .driver = strdup("yes"),
					     .driver_override = strdup(""),
					     .interface = strdup("1:20"),
					     .link = {.mac = "00:11:22:33:44:55",
						      .vlan = 4095,
						      .qos = 7,
						      .vlan_proto = 1,
						      .spoof_check = 0,
						      .trust = 1,
						      .link_state = 2,
						      .max_tx_rate = 0,
						      .min_tx_rate = 1LL << 40}};
	pf->sriov.vfs[2] = (struct vf_state){.id = 65535,
					     .address = strdup("0000:01:00.3"),
					     .link = {.vlan = 0,
						      .qos = 0,
						      .vlan_proto = 0,
						      .spoof_check = 1,
						      .trust = 0,
						      .link_state = 0,
						      .max_tx_rate = -1,
						      .min_tx_rate = 0}};
	h->modules = calloc(1, sizeof(*h->modules));
	h->n_modules = 1;
	h->modules[0].name = strdup("on");
	h->modules[0].params = calloc(n, sizeof(struct module_param));
	for (size_t i = 0; i < n; i++) {
		h->modules[0].params[i].key = strprintf("%02zu%s", i, words[i]);
		h->modules[0].params[i].value = strdup(words[i]);
	}
	h->modules[0].n_params = n;
	h->files = calloc(n, sizeof(*h->files));
	for (size_t i = 0; i < n; i++) {
		h->files[i].path = strprintf("/etc/modprobe.d/%02zu%s", i, words[i]);
		h->files[i].content = i % 7 == 3 ? NULL : strdup(words[i]);
	}
	h->n_files = n;
	h->libvirt_ok = false;
	host_sort(h);
	assert_round_trip(h, "awkward");

	/* libvirt reached but no domains, then domains in every state */
	h->libvirt_ok = true;
	assert_round_trip(h, "awkward-libvirt");
	h->domains = calloc(2, sizeof(*h->domains));
	h->n_domains = 2;
	h->domains[0] = (struct domain_state){
	    .name = strdup("yes"),
	    .running = true,
	    .xml = NULL,
	    .live_xml = strdup("<domain><devices><hostdev mode='subsystem' type='pci'>"
			       "<source><address bus='1' slot='0' function='2'/></source>"
			       "</hostdev></devices></domain>")};
	assert_int_equal(domain_xml_parse_devices(h->domains[0].live_xml, &h->domains[0].live_devs,
						  &h->domains[0].n_live_devs),
			 0);
	h->domains[1] = (struct domain_state){
	    .name = strdup("z z"), .xml = strdup("  <domain>\n\t<name>z</name>\n</domain>  ")};
	assert_int_equal(
	    domain_xml_parse_devices(h->domains[1].xml, &h->domains[1].devs, &h->domains[1].n_devs),
	    0);
	assert_round_trip(h, "awkward-domains");
	host_free(h);
}

/* ---- errors, each with its place ---- */

struct bad_case {
	const char *yaml;
	unsigned line, col;
	const char *msg; /* a substring of the first error */
};

#define HDR "version: 1\nkind: host-state\n"

static const struct bad_case bad_cases[] = {
    {HDR "colour: blue\n", 3, 1, "unknown key 'colour'"},
    {HDR "pci:\n  - address: \"0000:0b:00.0\"\n    vendr: \"8086\"\n", 5, 5, "unknown key 'vendr'"},
    {HDR "pci:\n  - address: \"0b:00.0\"\n", 4, 14, "malformed PCI address '0b:00.0' (expected DDDD:BB:DD.F"},
    {HDR "pci:\n  - address: \"0000:0b:20.0\"\n", 4, 14, "malformed PCI address '0000:0b:20.0'"},
    {HDR "pci:\n  - address: \"0000:0b:00.0\"\n    sriov: {total-vfs: seven, num-vfs: 0}\n", 5, 24,
     "wrong type for 'total-vfs': expected an integer, got a string 'seven'"},
    {HDR "pci:\n  - address: \"0000:0b:00.0\"\n    sriov: {total-vfs: 7, num-vfs: 8}\n", 5, 36,
     "num-vfs 8 exceeds total-vfs 7"},
    {HDR "pci:\n  - address: \"0000:0b:00.0\"\n    sriov: {total-vfs: 7}\n", 5, 12,
     "missing required key 'num-vfs' in sriov"},
    {HDR "pci:\n  - address: \"0000:0b:00.0\"\n    driver: 7\n", 5, 13,
     "wrong type for 'driver': expected a string, got an integer '7'"},
    {HDR "pci:\n  - address: \"0000:0b:00.0\"\n    interfaces: eth0\n", 5, 17,
     "wrong type for 'interfaces': expected a list, got a string 'eth0'"},
    {HDR "pci:\n  - {address: \"0000:0b:00.0\"}\n  - {address: \"0000:0B:00.0\"}\n", 5, 5,
     "duplicate pci device '0000:0b:00.0'"},
    {HDR "pci:\n  - address: \"0000:0b:00.0\"\n    sriov:\n      total-vfs: 7\n      num-vfs: 1\n"
	 "      vfs:\n        - {id: 0, address: \"0000:0b:10.0\", vlan: 4096}\n",
     9, 50, "vlan 4096 is out of range 0..4095"},
    {HDR "pci:\n  - address: \"0000:0b:00.0\"\n    sriov:\n      total-vfs: 7\n      num-vfs: 1\n"
	 "      vfs:\n        - {id: 0, address: \"0000:0b:10.0\", link-state: up}\n",
     9, 56, "invalid link-state 'up' (expected auto, enable or disable)"},
    {HDR "pci:\n  - address: \"0000:0b:00.0\"\n    sriov:\n      total-vfs: 7\n      num-vfs: 1\n"
	 "      vfs:\n        - {id: 0, address: \"0000:0b:10.0\", mac: \"52:54:00\"}\n",
     9, 49, "malformed MAC address '52:54:00' (expected six hex pairs"},
    {HDR "pci:\n  - address: \"0000:0b:00.0\"\n    sriov:\n      total-vfs: 7\n      num-vfs: 2\n"
	 "      vfs:\n        - {id: 0, address: \"0000:0b:10.0\"}\n"
	 "        - {id: 0, address: \"0000:0b:10.2\"}\n",
     10, 11, "duplicate VF id 0"},
    {HDR "modules:\n  igb: {loaded: yes}\n", 4, 17, "wrong type for 'loaded': expected a boolean (true or false), got a string 'yes'"},
    {HDR "modules:\n  igb: {loaded: true, parameters: {max_vfs: 7}}\n", 4, 45,
     "wrong type for 'max_vfs': expected a string, got an integer '7'"},
    {HDR "modules:\n  igb: {parameters: {}}\n", 4, 8, "missing required key 'loaded' in a module"},
    {HDR "files:\n  etc/x.conf: null\n", 4, 3, "file path 'etc/x.conf' is not absolute"},
    {HDR "files:\n  /etc/x.conf: [a]\n", 4, 16,
     "wrong type for '/etc/x.conf': expected a string, got a list"},
    {HDR "domains:\n  - name: g\n    xml: \"<domain><devices>\"\n", 5, 10,
     "invalid domain XML: line 1: "},
    {HDR "domains:\n  - name: g\n    xml: \"<domain><devices><hostdev mode='subsystem' "
	 "type='pci'/></devices></domain>\"\n",
     5, 10, "a PCI hostdev without a valid source address"},
    {HDR "domains:\n  - name: g\n    running: false\n    live-xml: \"<domain/>\"\n", 6, 15,
     "has live-xml but is not running"},
    /* the XMLs are read after the tree is freed: their places are kept */
    {HDR "domains:\n  - name: a\n    xml: |\n      <domain>\n      </domain>\n"
	 "  - name: b\n    xml: |\n      <domain><devices>\n",
     9, 10, "invalid domain XML: line "},
    {HDR "domains:\n  - name: g\n    running: false\n    live-xml: \"<domain\"\n", 6, 15,
     "invalid domain XML: line 1: "},
    {HDR "networks:\n  - name: n\n    active: true\n    live-xml: \"<net/>\"\n", 6, 15,
     "invalid network XML: not a <network>"},
    {HDR "domains:\n  - {name: g}\n  - {name: g}\n", 5, 5, "duplicate domain 'g'"},
    {HDR "libvirt: false\ndomains:\n  - {name: g}\n", 3, 10,
     "domains are listed but libvirt is false"},
    {HDR "hostname: [a]\n", 3, 11, "wrong type for 'hostname': expected a string, got a list"},
    {"version: 2\nkind: host-state\n", 1, 10, "unsupported version 2 (only version 1 is supported)"},
    {"version: 1\nkind: desired\n", 2, 7, "unsupported kind 'desired' (expected host-state)"},
    {"kind: host-state\n", 1, 1, "missing required key 'version' at top level"},
    {HDR "version: 1\n", 3, 1, "duplicate key 'version'"},
    {"- a\n- b\n", 1, 1, "expected a mapping with 'version: 1' and 'kind: host-state' at top level, got a list"},
    {"", 0, 0, "empty file: expected a mapping with 'version: 1' and 'kind: host-state'"},
    {HDR "pci:\n  - &a {address: \"0000:0b:00.0\"}\n  - *a\n", 5, 5,
     "alias '*a' is not allowed in a host-state file (only under 'simulate')"},
    {HDR "hostname: &h kvm\nfiles: {/etc/a: *h}\n", 4, 17, "alias '*h' is not allowed in a host-state file (only under 'simulate')"},
    {HDR "pci: [\n", 4, 1, "did not find expected node content"},
    {HDR "---\nversion: 1\n", 3, 1, "more than one YAML document"},
};

static void test_load_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct diag d;
		struct host *h = NULL;

		diag_init(&d);
		int r = state_load_buffer("bad.yaml", c->yaml, strlen(c->yaml), &d, &h);
		if (r >= 0 || h || d.n_errors == 0)
			fail_msg("case %zu loaded: %s", i, c->yaml);
		diag_sort(&d);
		const struct diag_entry *e = &d.v[0];
		if (!e->file || !streq(e->file, "bad.yaml") || e->line != c->line ||
		    e->col != c->col || !e->msg || !strstr(e->msg, c->msg)) {
			diag_print(&d, stderr);
			fail_msg("case %zu: expected bad.yaml:%u:%u: ...%s...", i, c->line, c->col,
				 c->msg);
		}
		diag_release(&d);
	}
}

/* Every problem of a file is reported, not just the first. */
static void test_load_all_errors(void **state)
{
	(void)state;
	const char *y = HDR "bogus: 1\npci:\n  - address: nope\n    vendor: \"xyz\"\n"
			    "modules:\n  igb: {loaded: maybe}\n";
	struct diag d;
	struct host *h = NULL;

	diag_init(&d);
	assert_int_equal(state_load_buffer("m.yaml", y, strlen(y), &d, &h), -EINVAL);
	assert_null(h);
	assert_int_equal(d.n_errors, 4);
	diag_release(&d);
}

static void test_load_missing_file(void **state)
{
	(void)state;
	struct diag d;
	struct host *h = NULL;

	diag_init(&d);
	assert_int_equal(state_load("/nonexistent/host.state.yaml", &d, &h), -ENOENT);
	assert_null(h);
	assert_int_equal(d.n_errors, 1);
	diag_release(&d);
}

#define PF UNIT_PF

/* Absent keys mean unknown; libvirt defaults to whether domains are listed. */
static void test_load_defaults(void **state)
{
	static const struct host_row rows[] = {
	    {NULL, PF, "hostname", "(null)"},
	    {NULL, PF, "libvirt-ok", "false"},
	    {"0000:0b:10.0", PF, "is-pf", "1"}, /* the address normalised */
	    {"0000:0b:10.0", PF, "drivers-autoprobe", "-1"},
	    {"0000:0b:10.0", PF, "offset", "-1"},
	    {"0000:0b:10.0", PF, "stride", "-1"},
	    {"0000:0b:10.0", PF, "vf-device", "(null)"},
	    {"0000:0b:10.0", 0, "mac", "aa:bb:cc:dd:ee:ff"},
	    {"0000:0b:10.0", 0, "vlan", "-1"},
	    {"0000:0b:10.0", 0, "qos", "-1"},
	    {"0000:0b:10.0", 0, "vlan-proto", "-1"},
	    {"0000:0b:10.0", 0, "spoof-check", "-1"},
	    {"0000:0b:10.0", 0, "trust", "-1"},
	    {"0000:0b:10.0", 0, "link-state", "-1"},
	    {"0000:0b:10.0", 0, "max-tx-rate", "-1"},
	    {"0000:0b:10.0", 0, "min-tx-rate", "-1"},
	    {"0000:0b:10.0", 0, "driver", "(null)"},
	};
	static const struct host_row doms_rows[] = {
	    {NULL, PF, "libvirt-ok", "true"},
	    {NULL, PF, "n-domains", "0"},
	};
	(void)state;
	struct host *h = unit_state_text(
	    "min", HDR "pci:\n  - address: \"0000:0B:10.0\"\n"
		       "    sriov: {total-vfs: 2, num-vfs: 1, vfs: [{id: 0, address: "
		       "\"0000:0b:10.1\", mac: \"AA:bb:CC:dd:EE:ff\"}]}\n");
	unit_check_host(h, rows, ARRAY_SIZE(rows));
	host_free(h);

	h = unit_state_text("doms", HDR
			    "domains: []\nsimulate: {anything: &x [goes, {here: 1}], again: *x}\n");
	unit_check_host(h, doms_rows, ARRAY_SIZE(doms_rows));
	host_free(h);
}

/* The seed fixture loads into what the seed describes; domain XML is parsed. */
static void test_seed_content(void **state)
{
	static const struct host_row rows[] = {
	    {NULL, PF, "hostname", "kvm-07"},
	    {"0000:0b:00.0", PF, "interfaces", "enp11s0f0"},
	    {"0000:0b:00.0", PF, "num-vfs", "7"},
	    {"0000:0b:00.0", PF, "vf-ids", "0 1 2 3 4 5 6"},
	};
	(void)state;
	char *path = unit_path("examples/hosts/seed-82576-applied.state.yaml");
	struct host *h = unit_state_file(path);

	free(path);
	unit_check_host(h, rows, ARRAY_SIZE(rows));
	const struct pci_dev_state *pf = host_find_pf(h, "enp11s0f0");
	assert_non_null(pf);
	for (unsigned i = 0; i < 7; i++) {
		char *a = pf_vf_address(pf, i);
		assert_string_equal(pf->sriov.vfs[i].address, a);
		free(a);
	}
	const struct domain_state *g = host_find_domain(h, "MyGuest");
	assert_non_null(g);
	assert_false(g->running);
	assert_int_equal(g->n_devs, 1);
	assert_int_equal(g->n_live_devs, 0);
	assert_int_equal(g->devs[0].type, DEVICE_INTERFACE);
	assert_string_equal(g->devs[0].address, "0000:0b:10.0");
	assert_string_equal(g->devs[0].mac, "52:54:00:6d:90:02");
	assert_int_equal(g->devs[0].vlan, 42);
	assert_string_equal(g->devs[0].virtualport_type, "802.1Qbh");
	assert_string_equal(g->devs[0].profileid, "finance");
	assert_string_equal(host_find_file(h, "/etc/modprobe.d/igb.conf")->content,
			    "options igb max_vfs=7\n");
	host_free(h);
}

/* ---- renderers against goldens ---- */

static void golden(const char *fixture, const char *golden_name,
		   int (*render)(const struct host *, FILE *))
{
	char *path = unit_path(fixture);
	char *gpath = strprintf("%s/tests/state/golden/%s", unit_top(), golden_name);
	struct host *h = unit_state_file(path);
	char *buf = NULL;
	size_t len = 0;

	FILE *m = open_memstream(&buf, &len);
	assert_int_equal(render(h, m), 0);
	fclose(m);
	if (getenv("SRIOVCTL_REGEN_GOLDEN")) {
		FILE *f = fopen(gpath, "we");
		assert_non_null(f);
		fputs(buf, f);
		fclose(f);
	}
	char *want = unit_slurp(gpath, NULL);
	if (!want)
		fail_msg("no golden file %s", gpath);
	if (!streq(want, buf))
		fail_msg("%s differs from %s:\n%s", golden_name, fixture, buf);
	/* aligned columns never leave trailing blanks */
	for (const char *p = buf; (p = strchr(p, '\n')); p++)
		if (p > buf && (p[-1] == ' ' || p[-1] == '\t') && render == render_host_text)
			fail_msg("trailing blank in %s", golden_name);
	free(want);
	free(buf);
	free(path);
	free(gpath);
	host_free(h);
}

static void test_render_goldens(void **state)
{
	(void)state;
	static const struct {
		const char *fixture, *name;
	} cases[] = {
	    {"examples/hosts/seed-82576.state.yaml", "seed-82576"},
	    {"examples/hosts/seed-82576-applied.state.yaml", "seed-82576-applied"},
	    {"tests/state/rich.state.yaml", "rich"},
	    {"tests/state/nolibvirt.state.yaml", "nolibvirt"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *t = strprintf("%s.txt", cases[i].name);
		char *j = strprintf("%s.json", cases[i].name);
		golden(cases[i].fixture, t, render_host_text);
		golden(cases[i].fixture, j, state_write_json);
		free(t);
		free(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixtures_round_trip), cmocka_unit_test(test_awkward_round_trip),
	    cmocka_unit_test(test_load_errors),		cmocka_unit_test(test_load_all_errors),
	    cmocka_unit_test(test_load_missing_file),	cmocka_unit_test(test_load_defaults),
	    cmocka_unit_test(test_seed_content),	cmocka_unit_test(test_render_goldens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* The desired-state loader: examples field by field, defaults, errors with places, helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "spec.h"
#include "unit.h"
#include "ycheck.h"

static void test_seed(void **state)
{
	(void)state;
	_cleanup_(spec_freep) struct spec *s = unit_spec_example("seed-82576.yaml");

	assert_int_equal(s->version, 1);
	assert_null(s->host);
	assert_null(s->libvirt_uri);

	assert_int_equal(s->n_modules, 1);
	const struct module_spec *m = spec_find_module(s, "igb");
	assert_non_null(m);
	assert_string_equal(m->name, "igb");
	assert_int_equal(m->n_options, 1);
	assert_string_equal(m->options[0].key, "max_vfs");
	assert_string_equal(m->options[0].value, "7");
	assert_string_equal(m->file, "/etc/modprobe.d/igb.conf");
	assert_true(m->file_given);
	assert_false(m->reload);
	assert_true(m->loc.line > 0);

	assert_int_equal(s->n_pfs, 2);
	const char *pcis[] = {"0000:0b:00.0", "0000:0b:00.1"};
	for (size_t i = 0; i < 2; i++) {
		const struct pf_spec *pf = &s->pfs[i];
		assert_string_equal(pf->pci, pcis[i]);
		assert_null(pf->interface);
		assert_int_equal(pf->num_vfs, 7);
		assert_int_equal(pf->method, PF_METHOD_MODULE);
		assert_int_equal(pf->drivers_autoprobe, -1);
		assert_null(pf->vf_driver);
		assert_string_equal(pf->loc.file, s->path);
		assert_true(pf->num_vfs_loc.line > pf->loc.line);
	}
	/* no per-VF settings: libvirt sets VF 0's MAC and VLAN through the guest's interface */
	assert_int_equal(s->pfs[0].n_vfs, 0);
	assert_int_equal(s->pfs[1].n_vfs, 0);
	assert_null(pf_spec_find_vf(&s->pfs[0], 0));

	assert_int_equal(s->n_guests, 1);
	const struct guest_spec *g = &s->guests[0];
	assert_string_equal(g->name, "MyGuest");
	assert_false(g->prune);
	assert_int_equal(g->n_devices, 1);
	const struct guest_device *dev = &g->devices[0];
	assert_string_equal(dev->vf_pf, "0000:0b:00.0");
	assert_int_equal(dev->vf_id, 0);
	assert_null(dev->pci);
	assert_int_equal(dev->type, DEVICE_INTERFACE);
	assert_string_equal(dev->mac, "52:54:00:6d:90:02");
	assert_int_equal(dev->vlan, 42);
	assert_string_equal(dev->virtualport_type, "802.1Qbh");
	assert_string_equal(dev->profileid, "finance");
	assert_true(dev->persistent);
	assert_true(dev->live);
	assert_ptr_equal(spec_find_pf(s, dev->vf_pf), &s->pfs[0]);
}

static void test_multi_pf(void **state)
{
	(void)state;
	_cleanup_(spec_freep) struct spec *s = unit_spec_example("multi-pf-vfio.yaml");

	assert_string_equal(s->host, "kvm-07");
	assert_true(s->host_loc.line > 0);
	assert_string_equal(s->libvirt_uri, "qemu:///system");
	assert_int_equal(s->n_modules, 0);
	assert_int_equal(s->n_pfs, 2);

	const struct pf_spec *a = &s->pfs[0], *b = &s->pfs[1];
	assert_string_equal(a->pci, "0000:3b:00.0");
	assert_int_equal(a->num_vfs, 8);
	assert_int_equal(a->method, PF_METHOD_SYSFS);
	assert_int_equal(a->drivers_autoprobe, 0);
	assert_string_equal(a->vf_driver, "vfio-pci");
	assert_int_equal(a->n_vfs, 2);
	const struct vf_spec *vf = &a->vfs[0];
	assert_int_equal(vf->id, 0);
	assert_int_equal(vf->link.vlan, 100);
	assert_int_equal(vf->link.vlan_proto, VLAN_PROTO_8021Q);
	assert_int_equal(vf->link.qos, 3);
	assert_int_equal(vf->link.spoof_check, 1);
	assert_int_equal(vf->link.trust, 0);
	assert_int_equal(vf->link.link_state, LINK_STATE_AUTO);
	assert_int_equal(vf->link.max_tx_rate, 1000);
	assert_int_equal(vf->link.min_tx_rate, 100);

	assert_null(b->pci);
	assert_string_equal(b->interface, "ens1f1");
	assert_int_equal(b->num_vfs, 4);
	assert_int_equal(b->n_vfs, 1);
	assert_int_equal(b->vfs[0].id, 3);
	assert_string_equal(b->vfs[0].driver, "iavf");
	assert_ptr_equal(spec_find_pf(s, "ens1f1"), b);
	assert_ptr_equal(spec_find_pf(s, "3b:00.0"), a);
	assert_ptr_equal(spec_find_pf(s, "0000:3B:00.0"), a);
	assert_null(spec_find_pf(s, "0000:3b:00.1"));
	assert_null(spec_find_pf(s, NULL));

	assert_int_equal(s->n_guests, 2);
	const struct guest_spec *w1 = &s->guests[0], *w2 = &s->guests[1];
	assert_string_equal(w1->name, "web1");
	assert_true(w1->prune);
	assert_int_equal(w1->n_devices, 2);
	assert_string_equal(w1->devices[1].vf_pf, "ens1f1");
	assert_int_equal(w1->devices[1].type, DEVICE_HOSTDEV);
	assert_null(w1->devices[1].mac);
	assert_int_equal(w1->devices[1].vlan, -1);
	assert_string_equal(w2->name, "web2");
	assert_string_equal(w2->devices[0].vf_pf, "0000:3b:00.0"); /* written "3b:00.0" */
	assert_true(w2->devices[0].persistent);
	assert_false(w2->devices[0].live);
}

static void test_passthrough(void **state)
{
	(void)state;
	_cleanup_(spec_freep) struct spec *s = unit_spec_example("passthrough.yaml");

	assert_int_equal(s->n_pfs, 0);
	assert_int_equal(s->n_guests, 2);
	const struct guest_spec *render = &s->guests[0], *router = &s->guests[1];
	assert_string_equal(render->name, "render");
	assert_int_equal(render->n_devices, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_null(render->devices[i].vf_pf);
		assert_int_equal(render->devices[i].type, DEVICE_HOSTDEV);
	}
	assert_string_equal(render->devices[1].pci, "0000:5e:00.1");
	assert_false(render->devices[2].live);
	assert_string_equal(router->name, "router");
	assert_int_equal(router->devices[0].type, DEVICE_INTERFACE);
	assert_string_equal(router->devices[0].mac, "52:54:00:86:00:00");
}

static void test_defaults_and_order(void **state)
{
	(void)state;
	_cleanup_(spec_freep) struct spec *s = unit_spec_text(
	    "version: 1\n"
	    "modules:\n"
	    "  zz: {}\n"
	    "  mlx4_core: {options: {num_vfs: \"7,7\", debug: true, quiet: false, n: -3}}\n"
	    "pfs:\n"
	    "  - pci: \"0B:00.0\"\n"
	    "    vfs:\n"
	    "      - id: 9\n"
	    "        mac: \"52:54:00:AB:CD:EF\"\n"
	    "      - id: 2\n"
	    "      - id: 5\n"
	    "guests:\n"
	    "  zeta: {}\n"
	    "  alpha:\n"
	    "    devices:\n"
	    "      - pci: \"0000:5e:00.0\"\n"
	    "        type: interface\n");

	assert_int_equal(s->n_modules, 2);
	assert_string_equal(s->modules[0].name, "mlx4_core"); /* a list is fine for it */
	assert_string_equal(s->modules[1].name, "zz");
	assert_string_equal(s->modules[1].file, "/etc/modprobe.d/sriovctl-zz.conf");
	assert_false(s->modules[1].file_given);
	assert_int_equal(s->modules[1].n_options, 0);
	const struct module_spec *mlx = &s->modules[0];
	assert_string_equal(mlx->file, "/etc/modprobe.d/sriovctl-mlx4_core.conf");
	assert_int_equal(mlx->n_options, 4);
	assert_string_equal(mlx->options[0].key, "num_vfs"); /* file order */
	assert_string_equal(mlx->options[0].value, "7,7");
	assert_string_equal(mlx->options[1].value, "1");
	assert_string_equal(mlx->options[2].value, "0");
	assert_string_equal(mlx->options[3].value, "-3");

	const struct pf_spec *pf = &s->pfs[0];
	assert_string_equal(pf->pci, "0000:0b:00.0");
	assert_int_equal(pf->num_vfs, SPEC_UNSET);
	assert_int_equal(pf->method, PF_METHOD_SYSFS);
	assert_int_equal(pf->n_vfs, 3);
	assert_int_equal(pf->vfs[0].id, 2);
	assert_int_equal(pf->vfs[1].id, 5);
	assert_int_equal(pf->vfs[2].id, 9);
	assert_string_equal(pf->vfs[2].link.mac, "52:54:00:ab:cd:ef");
	assert_int_equal(pf_spec_find_vf(pf, 5)->id, 5);
	assert_null(pf_spec_find_vf(pf, 3));

	assert_string_equal(s->guests[0].name, "alpha");
	assert_string_equal(s->guests[1].name, "zeta");
	assert_int_equal(s->guests[1].n_devices, 0);
	assert_int_equal(s->guests[0].devices[0].type, DEVICE_INTERFACE);
}

static void test_aliases(void **state)
{
	(void)state;
	/* a shared list of VF settings, and a 1.2 boolean written True */
	_cleanup_(spec_freep) struct spec *s =
	    unit_spec_text("version: 1\n"
			   "pfs:\n"
			   "  - pci: \"0000:0b:00.0\"\n"
			   "    vfs: &v\n"
			   "      - {id: 0, vlan: 7, trust: True}\n"
			   "  - pci: \"0000:0b:00.1\"\n"
			   "    vfs: *v\n");

	assert_int_equal(s->n_pfs, 2);
	assert_int_equal(s->pfs[1].n_vfs, 1);
	assert_int_equal(s->pfs[1].vfs[0].link.vlan, 7);
	assert_int_equal(s->pfs[1].vfs[0].link.trust, 1);
}

/* The alias limit counts expanded nodes: 99 aliases of 100 nodes pass, 102 do not. */
static void test_alias_limit(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;

	for (int aliases = 99; aliases <= 102; aliases += 3) {
		FILE *f = open_memstream(&buf, &len);
		fputs("version: 1\nx: &a [", f);
		for (int i = 0; i < 99; i++)
			fputs("0, ", f);
		fputs("0]\ny: [", f);
		for (int i = 0; i < aliases; i++)
			fputs("*a, ", f);
		fputs("]\n", f);
		fclose(f);

		struct ydoc *doc = NULL;
		struct diag d;
		diag_init(&d);
		int r = ydoc_parse("bomb.yaml", buf, len, &d, &doc);
		if (aliases == 99) {
			assert_int_equal(r, 0);
			const struct ynode *y = ynode_get(doc->root, "y");
			assert_int_equal(y->n_items, 99);
			assert_ptr_equal(y->items[0], ynode_get(doc->root, "x"));
		} else {
			assert_int_equal(r, -EINVAL);
			assert_null(doc);
			assert_int_equal(d.n_errors, 1);
			assert_non_null(strstr(d.v[0].msg, "more than 10000 nodes"));
			assert_int_equal(d.v[0].line, 3);
		}
		ydoc_free(doc);
		diag_release(&d);
		free(buf);
		buf = NULL;
	}
}

/* One input parsed from a buffer and from a file: the same tree, or the same first error. */
struct parsed {
	int r;
	struct ydoc *doc;
	struct diag d;
};

static void parse_both(const char *dir, const char *text, struct parsed out[2])
{
	_cleanup_(freep) char *path = strprintf("%s/in.yaml", dir);

	unit_write_file(path, text);
	for (int i = 0; i < 2; i++) {
		out[i] = (struct parsed){0};
		diag_init(&out[i].d);
	}
	/* the file's name, as the buffer's: the places compare whole */
	out[0].r = ydoc_parse(path, text, strlen(text), &out[0].d, &out[0].doc);
	out[1].r = ydoc_parse_file(path, &out[1].d, &out[1].doc);
	if (out[0].r < 0) {
		assert_int_equal(out[1].r, out[0].r);
		assert_true(out[0].d.n_errors > 0 && out[1].d.n_errors > 0);
		assert_string_equal(out[1].d.v[0].msg, out[0].d.v[0].msg);
		assert_int_equal(out[1].d.v[0].line, out[0].d.v[0].line);
		assert_int_equal(out[1].d.v[0].col, out[0].d.v[0].col);
	}
}

static void parsed_release(struct parsed out[2])
{
	for (int i = 0; i < 2; i++) {
		ydoc_free(out[i].doc);
		diag_release(&out[i].d);
	}
}

static void expect_scalar(const struct ydoc *doc, const char *key, const char *text, unsigned line,
			  unsigned col)
{
	const struct ynode *n = ynode_get(doc->root, key);

	assert_non_null(n);
	assert_int_equal(n->kind, YNODE_SCALAR);
	assert_string_equal(n->text, text);
	assert_int_equal(n->len, strlen(text));
	assert_int_equal(n->loc.line, line);
	assert_int_equal(n->loc.col, col);
}

/*
 * Literal blocks are read apart from libyaml, their texts taken out before
 * the parse (ydoc_parse_file() frees the input then): texts, chomping and
 * the places after each block are libyaml's; a block's text can be handed
 * over once; a surprise or an error reads the file again.
 */
static void test_block_scalars(void **state)
{
	(void)state;
	char dir[64];
	struct parsed p[2];

	assert_int_equal(unit_mkdtemp(dir, "yblocks"), 0);
	parse_both(dir,
		   "a: |\n  <domain>\n    <name>x</name>\n\n  </domain>\n"
		   "b: |-\n    one\n     two\n\n"
		   "c: |+\n  kept\n\n\n"
		   "d: plain\n",
		   p);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(p[i].r, 0);
		expect_scalar(p[i].doc, "a", "<domain>\n  <name>x</name>\n\n</domain>\n", 1, 4);
		expect_scalar(p[i].doc, "b", "one\n two", 6, 4);
		expect_scalar(p[i].doc, "c", "kept\n\n\n", 10, 4);
		expect_scalar(p[i].doc, "d", "plain", 14, 4);
		const struct ynode *a = ynode_get(p[i].doc->root, "a");
		char *t = ydoc_take_text(p[i].doc, a);
		assert_ptr_equal(t, a->text);
		assert_null(ydoc_take_text(p[i].doc, a)); /* once only */
		assert_null(ydoc_take_text(p[i].doc, ynode_get(p[i].doc->root, "d")));
		ydoc_free(TAKE_PTR(p[i].doc));
		assert_string_equal(t, "<domain>\n  <name>x</name>\n\n</domain>\n");
		free(t);
	}
	parsed_release(p);

	/* a " |" that ends a line of a quoted scalar: libyaml reads no block there */
	parse_both(dir, "a: \"x |\n  y\n  z\"\nb: |\n  t\n", p);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(p[i].r, 0);
		expect_scalar(p[i].doc, "a", "x | y z", 1, 4);
		expect_scalar(p[i].doc, "b", "t\n", 4, 4);
	}
	parsed_release(p);

	/* an error after a block: libyaml's message, at its place in the file */
	parse_both(dir, "a: |\n  <x/>\n  <y/>\nb: [\n", p);
	assert_int_equal(p[1].r, -EINVAL);
	assert_int_equal(p[1].d.v[0].line, 5);
	parsed_release(p);
	parse_both(dir, "a: |\n  t\nb: \"\xff\"\n", p);
	assert_non_null(strstr(p[1].d.v[0].msg, "invalid UTF-8"));
	assert_int_equal(p[1].d.v[0].line, 3);
	parsed_release(p);

	unit_rm_rf(dir);
}

static void test_buffer_not_terminated(void **state)
{
	(void)state;
	const char text[] = "version: 1\nhost: abcXYZ";
	struct spec *s = NULL;
	struct diag d;

	diag_init(&d);
	/* only "version: 1\nhost: abc" */
	assert_int_equal(spec_load_buffer("t.yaml", text, sizeof(text) - 4, &d, &s), 0);
	assert_string_equal(s->host, "abc");
	spec_free(s);
	/* a UTF-8 byte order mark is fine */
	s = NULL;
	assert_int_equal(spec_load_buffer("t.yaml", "\xef\xbb\xbfversion: 1\n", 14, &d, &s), 0);
	spec_free(s);
	assert_int_equal(d.n, 0);
	diag_release(&d);
	spec_free(NULL);
}

struct bad {
	const char *text;
	unsigned line, col; /* of the first (sorted) diagnostic */
	const char *msg;    /* its exact message */
	size_t n_errors;
};

static const struct bad bad[] = {
    {"version: 1\nmodules:\n  ixgbe: {options: {max_vfs: \"8,8\"}}\n", 3, 30,
     "ixgbe takes one max_vfs for all its ports: '8,8' is a list (the module refuses to load "
     "with one; use method: sysfs for different counts)",
     1},
    {"version: 1\nmodules:\n  mlx4-core: {}\n  mlx4_core: {}\n", 4, 3,
     "module 'mlx4_core' is the same module as 'mlx4-core' (line 3): kmod treats '-' and '_' "
     "in module names alike",
     1},
    {"version: 1\nmodules:\n  a: {file: /etc/modprobe.d/x.conf}\n"
     "  b: {file: /etc/modprobe.d/x.conf}\n",
     4, 13,
     "modules 'a' (line 3) and 'b' have the same file '/etc/modprobe.d/x.conf': give each "
     "module its own file",
     1},
    {"version: 1\npfs:\n  - pci: \"0000:0b:00.0\"\n    num-vf: 7\n", 4, 5,
     "unknown key 'num-vf' in PF (did you mean 'num-vfs'?)", 1},
    {"version: 1\npfs:\n  - {pci: \"0000:0b:00.0\", vfs: [{id: 0, vlan: 5000}]}\n", 3, 47,
     "vlan 5000 is out of range 0..4095", 1},
    {"version: 1\npfs:\n  - {pci: \"0000:0b:00.0\", vfs: [{id: 0, qos: -1}]}\n", 3, 46,
     "qos -1 is out of range 0..7", 1},
    {"version: 1\npfs:\n  - pci: 0b:00.0\n    num-vfs: 2.0\n", 4, 14,
     "wrong type for 'num-vfs': expected an integer, got a number '2.0'", 1},
    {"version: 1\npfs:\n  - pci: \"0000:0b:00\"\n", 3, 10,
     "malformed PCI address '0000:0b:00' (expected DDDD:BB:DD.F, e.g. 0000:0b:00.0)", 1},
    {"version: 1\npfs:\n  - {pci: 0b:00.0, vfs: [{id: 0, mac: \"ff:ff:ff:ff:ff:ff\"}]}\n", 3, 39,
     "MAC address 'ff:ff:ff:ff:ff:ff' is multicast (the first octet must be even)", 1},
    {"version: 1\npfs:\n  - {pci: 0b:00.0, num-vfs: 2, vfs: [{id: 2}]}\n", 3, 43,
     "VF 2 of PF '0000:0b:00.0' does not exist: num-vfs is 2", 1},
    {"version: 1\npfs:\n  - pci: 0b:00.0\n  - pci: 0000:0b:00.0\n", 4, 10,
     "PF '0000:0b:00.0' is declared twice (first at line 3)", 1},
    {"version: 1\npfs: [{pci: 0b:00.0}]\nguests:\n  a: {devices: [{vf: {pf: 0b:00.0, id: 1}}]}\n"
     "  b: {devices: [{vf: {pf: 0b:00.0, id: 1}}]}\n",
     5, 22, "VF 1 of PF '0000:0b:00.0' is given to two guests: 'a' (line 4) and 'b'", 1},
    {"version: 1\nguests:\n  a: {devices: [{vf: {pf: eth0, id: 1}}]}\n", 3, 27,
     "PF 'eth0' in 'vf.pf' is not declared in 'pfs'", 1},
    {"version: 1\nversion: 1\n", 2, 1, "duplicate key 'version' (first at line 1)", 1},
    {"version: 1\nmodules: {\"../x\": {}}\n", 2, 11,
     "invalid module name '../x' (allowed: letters, digits, '_' and '-')", 1},
    {"", 0, 0, "empty file: expected a mapping with 'version: 1'", 1},
    {"~\n", 0, 0, "empty file: expected a mapping with 'version: 1'", 1},
    {"version: 1\nhost: \"\xc3\x28\"\n", 2, 8, "invalid UTF-8 byte 0xc3", 1},
    {"version: 1\nhost: \"\xed\xa0\x80\"\n", 2, 8, "invalid UTF-8 byte 0xed", 1},
    {"version: 1\nhost: \"a\\0b\"\n", 2, 7, "scalar contains a NUL character", 1},
    {"version: 1\nx: *a\n", 2, 4, "undefined alias '*a'", 1},
    {"version: 1\n---\n", 2, 1, "more than one YAML document in file", 1},
    {"version: 0x1\n", 1, 10, "wrong type for 'version': expected an integer, got a string '0x1'",
     1},
    {"version: 99999999999999999999\n", 1, 10,
     "unsupported version 99999999999999999999 (only version 1 is supported)", 1},
    {"version: +01\nversion: -1\n", 2, 1, "duplicate key 'version' (first at line 1)", 1},
    {"version: 1\n? [a]\n: 1\n", 2, 3, "mapping keys must be scalars, got a list", 1},
    /* one run reports all: three independent errors */
    {"version: 2\nhots: x\npfs: {}\n", 1, 10, "unsupported version 2 (only version 1 is supported)",
     3},
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct spec *s = (struct spec *)0x1; /* untouched on failure */
		struct diag d;

		diag_init(&d);
		int r = spec_load_buffer("bad.yaml", bad[i].text, strlen(bad[i].text), &d, &s);
		diag_sort(&d);
		if (r != -EINVAL || d.n_errors != bad[i].n_errors || d.v[0].line != bad[i].line ||
		    d.v[0].col != bad[i].col || !streq(d.v[0].msg, bad[i].msg)) {
			diag_print(&d, stderr);
			fail_msg(
			    "case %zu: got r=%d, %zu errors, first %u:%u '%s'; want %u:%u '%s'", i,
			    r, d.n_errors, d.n ? d.v[0].line : 0, d.n ? d.v[0].col : 0,
			    d.n ? d.v[0].msg : "", bad[i].line, bad[i].col, bad[i].msg);
		}
		assert_ptr_equal(s, (struct spec *)0x1);
		assert_string_equal(d.v[0].file, "bad.yaml");
		diag_release(&d);
	}
}

static void test_file_errors(void **state)
{
	(void)state;
	struct spec *s = NULL;
	struct diag d;

	diag_init(&d);
	assert_int_equal(spec_load("/nonexistent/desired.yaml", &d, &s), -ENOENT);
	assert_int_equal(spec_load("/", &d, &s), -EISDIR);
	assert_null(s);
	assert_int_equal(d.n_errors, 2);
	assert_string_equal(d.v[0].file, "/nonexistent/desired.yaml");
	assert_int_equal(d.v[0].line, 0);
	assert_string_equal(d.v[0].msg, "cannot open file: no such file or directory");
	assert_string_equal(d.v[1].msg, "cannot read file: is a directory");
	diag_release(&d);
}

static void test_pci_helpers(void **state)
{
	(void)state;
	static const struct {
		const char *in, *norm;
		bool valid;
	} t[] = {
	    {"0000:0b:00.0", "0000:0b:00.0", true},
	    {"0000:0B:1F.7", "0000:0b:1f.7", true},
	    {"0b:10.0", "0000:0b:10.0", false},
	    {"10000:00:00.0", "10000:00:00.0", true}, /* VMD domain */
	    {"00000:00:00.0", NULL, false},
	    {"0000:0b:20.0", NULL, false},
	    {"0000:0b:00.8", NULL, false},
	    {"0000:0b:00", NULL, false},
	    {"0000:0g:00.0", NULL, false},
	    {"000:0b:00.0", NULL, false},
	    {"0000:0b:00.0 ", NULL, false},
	    {"", NULL, false},
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		_cleanup_(freep) char *n = pci_address_normalize(t[i].in);
		if (t[i].norm)
			assert_string_equal(n, t[i].norm);
		else
			assert_null(n);
		if (pci_address_valid(t[i].in) != t[i].valid)
			fail_msg("pci_address_valid(\"%s\") != %d", t[i].in, t[i].valid);
	}
	assert_false(pci_address_valid(NULL));
	assert_null(pci_address_normalize(NULL));
}

static void test_mac_helpers(void **state)
{
	(void)state;
	assert_true(mac_address_valid("52:54:00:6d:90:02"));
	assert_true(mac_address_valid("52:54:00:6D:90:02"));
	assert_true(mac_address_valid("00:00:00:00:00:00"));
	assert_false(mac_address_valid("52:54:00:6d:90"));
	assert_false(mac_address_valid("52:54:00:6d:90:02:"));
	assert_false(mac_address_valid("52-54-00-6d-90-02"));
	assert_false(mac_address_valid("5254.006d.9002.00"));
	assert_false(mac_address_valid("52:54:00:6d:90:0g"));
	assert_false(mac_address_valid(NULL));
	assert_false(mac_address_multicast("52:54:00:6d:90:02"));
	assert_false(mac_address_multicast("fe:ff:ff:ff:ff:ff"));
	assert_true(mac_address_multicast("01:00:5e:00:00:01"));
	assert_true(mac_address_multicast("33:33:00:00:00:01"));
	assert_true(mac_address_multicast("FF:FF:FF:FF:FF:FF"));
	assert_false(mac_address_multicast("zz"));
}

static void test_strings(void **state)
{
	(void)state;
	assert_string_equal(device_type_to_string(DEVICE_INTERFACE), "interface");
	assert_string_equal(device_type_to_string(DEVICE_HOSTDEV), "hostdev");
	assert_string_equal(link_state_to_string(LINK_STATE_AUTO), "auto");
	assert_string_equal(link_state_to_string(LINK_STATE_ENABLE), "enable");
	assert_string_equal(link_state_to_string(LINK_STATE_DISABLE), "disable");
	assert_null(link_state_to_string(-1));
	assert_null(link_state_to_string(3));
	assert_string_equal(vlan_proto_to_string(VLAN_PROTO_8021Q), "802.1Q");
	assert_string_equal(vlan_proto_to_string(VLAN_PROTO_8021AD), "802.1ad");
	assert_null(vlan_proto_to_string(-1));

	static const char *const words[] = {"num-vfs", "vfs", "method"};
	assert_int_equal(closest_word("num_vfs", words, 3), 0);
	assert_int_equal(closest_word("vf", words, 3), 1);
	assert_int_equal(closest_word("methdo", words, 3), 2);
	assert_int_equal(closest_word("colour", words, 3), -1);
}

/* Which libvirt URIs a file may name: local ones, without anything to run or reach. */
static void test_libvirt_uri(void **state)
{
	(void)state;
	static const char *const allowed[] = {"qemu:///system", "qemu:///session",
					      "test:///default"};
	static const struct {
		const char *uri, *why;
	} refused[] = {
	    {"qemu+ext:///system?command=/tmp/x",
	     "uses transport 'ext'; has query parameter 'command', which names a program, socket "
	     "or key"},
	    {"qemu+ssh://h/system", "uses transport 'ssh'; names a host 'h'"},
	    {"qemu+tcp:///system", "uses transport 'tcp'"},
	    {"qemu+tls:///system", "uses transport 'tls'"},
	    {"qemu+libssh2://u@h/system?known_hosts=/x",
	     "uses transport 'libssh2'; names a host 'u@h'; has query parameter 'known_hosts', "
	     "which names a program, socket or key"},
	    {"qemu://h/system", "names a host 'h'"},
	    {"qemu:///system?mode=legacy", "has query parameter 'mode'"},
	    {"qemu:///system?&&netcat=x", "has query parameter 'netcat', which names a program, "
					  "socket or key"},
	    {"qemu:///system#x", "has a fragment '#x'"},
	    {"qemu:///embed?root=/x", "has path '/embed' (qemu:///system or qemu:///session); has "
				      "query parameter 'root'"},
	    {"qemu:///systemd", "has path '/systemd' (qemu:///system or qemu:///session)"},
	    {"test:///etc/shadow", "has path '/etc/shadow' (test:///default)"},
	    {"lxc:///system", "uses driver 'lxc' (only qemu and test)"},
	    {"qemu", "is not of the form DRIVER:///PATH"},
	    {"://x", "is not of the form DRIVER:///PATH"},
	    {"qemu:///system\n", "contains a space or a control character"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
		_cleanup_(freep) char *why = spec_libvirt_uri_refusal(allowed[i]);
		if (why)
			fail_msg("'%s' refused: %s", allowed[i], why);
	}
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		_cleanup_(freep) char *why = spec_libvirt_uri_refusal(refused[i].uri);
		if (!why || !streq(why, refused[i].why))
			fail_msg("'%s': got '%s', expected '%s'", refused[i].uri, why ? why : "(none)",
				 refused[i].why);
	}
}

static void test_guest_names(void **state)
{
	(void)state;
	assert_null(spec_guest_name_refusal("web1"));
	assert_null(spec_guest_name_refusal("Gäst 1 (test)"));
	assert_non_null(spec_guest_name_refusal(""));
	assert_non_null(spec_guest_name_refusal("a/b"));
	assert_non_null(spec_guest_name_refusal("a\nb"));
	assert_non_null(spec_guest_name_refusal("\x1b[8m"));
	assert_non_null(spec_guest_name_refusal("a\x7f"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seed),
	    cmocka_unit_test(test_multi_pf),
	    cmocka_unit_test(test_passthrough),
	    cmocka_unit_test(test_defaults_and_order),
	    cmocka_unit_test(test_aliases),
	    cmocka_unit_test(test_alias_limit),
	    cmocka_unit_test(test_block_scalars),
	    cmocka_unit_test(test_buffer_not_terminated),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_pci_helpers),
	    cmocka_unit_test(test_mac_helpers),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_libvirt_uri),
	    cmocka_unit_test(test_guest_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* struct host: lookups, VF address arithmetic, node-device names, sorting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "host.h"

/* A PF as the 82576 of the seed presents itself. */
static void set_pf(struct pci_dev_state *p, const char *address, const char *netdev)
{
	*p = (struct pci_dev_state){
	    .address = strdup(address),
	    .vendor = strdup("8086"),
	    .device = strdup("10c9"),
	    .driver = strdup("igb"),
	    .is_pf = true,
	    .sriov = {.total_vfs = 7,
		      .drivers_autoprobe = 1,
		      .offset = 128,
		      .stride = 2,
		      .vf_device = strdup("10ca")},
	};
	p->interfaces = calloc(1, sizeof(char *));
	p->interfaces[0] = strdup(netdev);
	p->n_interfaces = 1;
}

static void add_vf(struct pci_dev_state *p, unsigned id)
{
	size_t cap = p->sriov.n_vfs;
	struct vf_state *v = GROW(p->sriov.vfs, p->sriov.n_vfs, cap);
	assert_non_null(v);
	vf_state_init(v, id);
	v->address = pf_vf_address(p, id);
	assert_non_null(v->address);
}

/* The seed host after apply: two PFs with their VFs in reverse order, unsorted. */
static struct host *seed_host(void)
{
	struct host *h = host_new();
	assert_non_null(h);
	h->hostname = strdup("kvm-07");
	h->pci = calloc(3, sizeof(*h->pci));
	h->n_pci = 3;
	set_pf(&h->pci[0], "0000:0b:00.1", "enp11s0f1");
	set_pf(&h->pci[1], "0000:0b:00.0", "enp11s0f0");
	h->pci[2] =
	    (struct pci_dev_state){.address = strdup("0000:5e:00.0"), .driver = strdup("vfio-pci")};
	for (unsigned i = 7; i-- > 0;) {
		add_vf(&h->pci[0], i);
		add_vf(&h->pci[1], i);
	}
	h->modules = calloc(2, sizeof(*h->modules));
	h->n_modules = 2;
	h->modules[0] = (struct module_state){.name = strdup("vfio_pci")};
	h->modules[1] = (struct module_state){.name = strdup("igb"), .loaded = true};
	h->modules[1].params = calloc(2, sizeof(struct module_param));
	h->modules[1].n_params = 2;
	h->modules[1].params[0] = (struct module_param){strdup("max_vfs"), strdup("0")};
	h->modules[1].params[1] = (struct module_param){strdup("debug"), strdup("-1")};
	h->files = calloc(1, sizeof(*h->files));
	h->n_files = 1;
	h->files[0] = (struct file_state){.path = strdup("/etc/modprobe.d/igb.conf")};
	h->domains = calloc(2, sizeof(*h->domains));
	h->n_domains = 2;
	h->domains[0] = (struct domain_state){.name = strdup("web1")};
	h->domains[1] = (struct domain_state){.name = strdup("MyGuest")};
	h->libvirt_ok = true;
	host_sort(h);
	return h;
}

static void test_pf_vf_address_seed(void **state)
{
	(void)state;
	static const char *const pf0[] = {"0000:0b:10.0", "0000:0b:10.2", "0000:0b:10.4",
					  "0000:0b:10.6", "0000:0b:11.0", "0000:0b:11.2",
					  "0000:0b:11.4"};
	static const char *const pf1[] = {"0000:0b:10.1", "0000:0b:10.3", "0000:0b:10.5",
					  "0000:0b:10.7", "0000:0b:11.1", "0000:0b:11.3",
					  "0000:0b:11.5"};
	struct pci_dev_state p0, p1;

	set_pf(&p0, "0000:0b:00.0", "a");
	set_pf(&p1, "0000:0b:00.1", "b");
	for (unsigned n = 0; n < 7; n++) {
		char *a = pf_vf_address(&p0, n), *b = pf_vf_address(&p1, n);
		assert_string_equal(a, pf0[n]);
		assert_string_equal(b, pf1[n]);
		free(a);
		free(b);
	}
	struct host *h = host_new();
	h->pci = calloc(2, sizeof(*h->pci));
	h->n_pci = 2;
	h->pci[0] = p0;
	h->pci[1] = p1;
	host_free(h);
}

static void test_pf_vf_address_carry_and_unknown(void **state)
{
	(void)state;
	struct pci_dev_state p = {
	    .address = (char *)"0000:3b:1f.7", .is_pf = true, .sriov = {.offset = 1, .stride = 1}};
	char *a;

	/* devfn 0xff + 1 carries into the bus number */
	a = pf_vf_address(&p, 0);
	assert_string_equal(a, "0000:3c:00.0");
	free(a);
	/* i40e-like: offset 16, stride 1, VF 63 of PF 3b:00.0 */
	p.address = (char *)"0000:3b:00.0";
	p.sriov.offset = 16;
	a = pf_vf_address(&p, 63);
	assert_string_equal(a, "0000:3b:09.7");
	free(a);
	/* far beyond bus 0xff: no address */
	p.address = (char *)"0000:ff:00.0";
	p.sriov.offset = 256;
	assert_null(pf_vf_address(&p, 0));
	p.sriov.offset = -1;
	assert_null(pf_vf_address(&p, 0));
	p.sriov.offset = 128;
	p.sriov.stride = -1;
	assert_null(pf_vf_address(&p, 0));
	p.sriov.stride = 2;
	p.is_pf = false;
	assert_null(pf_vf_address(&p, 0));
	p.is_pf = true;
	p.address = (char *)"0b:00.0";
	assert_null(pf_vf_address(&p, 0));
	assert_null(pf_vf_address(NULL, 0));
}

static void test_nodedev_name(void **state)
{
	(void)state;
	char *s = pci_nodedev_name("0000:0b:10.0");
	assert_string_equal(s, "pci_0000_0b_10_0");
	free(s);
	s = pci_nodedev_name("0000:3B:02.7");
	assert_string_equal(s, "pci_0000_3b_02_7");
	free(s);
	assert_null(pci_nodedev_name(NULL));
}

static void test_lookups(void **state)
{
	(void)state;
	struct host *h = seed_host();
	const struct pci_dev_state *pf = NULL;

	assert_ptr_equal(host_find_pci(h, "0000:0b:00.0"), &h->pci[0]);
	assert_ptr_equal(host_find_pci(h, "0000:5e:00.0"), &h->pci[2]);
	assert_null(host_find_pci(h, "0000:0b:10.0")); /* a VF is not a listed device */
	assert_ptr_equal(host_find_pf(h, "0000:0b:00.1"), &h->pci[1]);
	assert_ptr_equal(host_find_pf(h, "enp11s0f1"), &h->pci[1]);
	assert_ptr_equal(host_find_pf(h, "enp11s0f0"), &h->pci[0]);
	assert_null(host_find_pf(h, "0000:5e:00.0")); /* not a PF */
	assert_null(host_find_pf(h, "enp11s0f2"));

	const struct vf_state *v = host_find_vf(h, "0000:0b:11.5", &pf);
	assert_non_null(v);
	assert_int_equal(v->id, 6);
	assert_ptr_equal(pf, &h->pci[1]);
	v = host_find_vf(h, "0000:0b:10.0", NULL);
	assert_non_null(v);
	assert_int_equal(v->id, 0);
	pf = NULL;
	assert_null(host_find_vf(h, "0000:0b:12.0", &pf));
	assert_null(pf);

	const struct module_state *m = host_find_module(h, "igb");
	assert_non_null(m);
	assert_true(m->loaded);
	assert_string_equal(module_state_param(m, "max_vfs"), "0");
	assert_string_equal(module_state_param(m, "debug"), "-1");
	assert_null(module_state_param(m, "nope"));
	assert_false(host_find_module(h, "vfio_pci")->loaded);
	assert_null(host_find_module(h, "ixgbe"));

	const struct file_state *f = host_find_file(h, "/etc/modprobe.d/igb.conf");
	assert_non_null(f);
	assert_null(f->content);
	assert_null(host_find_file(h, "/etc/modprobe.d/other.conf"));

	assert_string_equal(host_find_domain(h, "MyGuest")->name, "MyGuest");
	assert_null(host_find_domain(h, "myguest"));

	/* NULL-tolerant */
	assert_null(host_find_pci(NULL, "x"));
	assert_null(host_find_pf(h, NULL));
	assert_null(host_find_vf(NULL, "x", NULL));
	assert_null(module_state_param(NULL, "x"));
	host_free(h);
	host_free(NULL);
}

static void test_sort(void **state)
{
	(void)state;
	struct host *h = seed_host();

	assert_string_equal(h->pci[0].address, "0000:0b:00.0");
	assert_string_equal(h->pci[1].address, "0000:0b:00.1");
	assert_string_equal(h->pci[2].address, "0000:5e:00.0");
	for (size_t i = 0; i < 2; i++)
		for (unsigned j = 0; j < 7; j++)
			assert_int_equal(h->pci[i].sriov.vfs[j].id, j);
	assert_string_equal(h->pci[0].sriov.vfs[4].address, "0000:0b:11.0");
	assert_string_equal(h->modules[0].name, "igb");
	assert_string_equal(h->modules[0].params[0].key, "debug");
	assert_string_equal(h->modules[1].name, "vfio_pci");
	assert_string_equal(h->domains[0].name, "MyGuest");
	assert_string_equal(h->domains[1].name, "web1");
	host_sort(NULL);
	host_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pf_vf_address_seed),
	    cmocka_unit_test(test_pf_vf_address_carry_and_unknown),
	    cmocka_unit_test(test_nodedev_name),
	    cmocka_unit_test(test_lookups),
	    cmocka_unit_test(test_sort),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

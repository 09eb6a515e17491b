/* SPDX-License-Identifier: MIT */
/*
 * host_observe() on a host described in sysfs terms (tests/observe/host.umockdev):
 *   0000:0b:00.0  82576 PF, igb, 3 of 7 VFs:
 *                   VF 0 0000:0b:10.0 igbvf, netdev renamed by udev (wan0)
 *                   VF 1 0000:0b:10.2 vfio-pci, no netdev
 *                   VF 2 0000:0b:10.4 no driver, driver_override vfio-pci
 *   0000:0b:00.1  82576 PF, igb, 0 VFs
 *   0000:0c:00.0  82576 PF without a driver
 *   0000:5e:00.0  X710 passed through whole (vfio-pci, no SR-IOV)
 *   0000:00:1f.2  SATA controller: observed only when asked for
 *   0000:00:1f.3  unknown ids, pci-stub
 * Guests come from libvirt's test driver (tests/observe/guests.xml and
 * test:///default), modules from /sys/module in the testbed.
 *
 * The program re-executes itself under umockdev-run when not already in a
 * testbed, so that the real libudev reads the fixture.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "domxml.h"
#include "host.h"
#include "libvirt.h"
#include "observe.h"
#include "unit.h"

static char *top;	  /* repository root */
static char *file_root;	  /* a fake / for /etc files */
static bool parser_ready; /* domain_xml_parse_devices is implemented */

static int setup(void **state)
{
	const char *tb = getenv("UMOCKDEV_DIR");
	static char tmp[64];
	char *p;
	struct guest_dev_state *g = NULL;
	size_t n = 0;

	(void)state;
	/* /sys/module as the kernel shows it, inside the testbed */
	p = strprintf("%s/sys/module/igb/initstate", tb);
	unit_write_file(p, "live\n");
	free(p);
	p = strprintf("%s/sys/module/igb/parameters/max_vfs", tb);
	unit_write_file(p, "7,7\n");
	free(p);
	p = strprintf("%s/sys/module/igb/parameters/debug", tb);
	unit_write_file(p, "-1\n");
	free(p);
	p = strprintf("%s/sys/module/vfio_pci/initstate", tb);
	unit_write_file(p, "live\n");
	free(p);
	p = strprintf("%s/sys/module/vfio_pci/parameters/enable_sriov", tb);
	unit_write_file(p, "N\n");
	free(p);

	assert_int_equal(unit_mkdtemp(tmp, "observe"), 0);
	file_root = tmp;
	p = strprintf("%s/etc/hostname", file_root);
	unit_write_file(p, "kvm-07\n");
	free(p);
	p = strprintf("%s/etc/modprobe.d/igb.conf", file_root);
	unit_write_file(p, "options igb max_vfs=7\n");
	free(p);

	parser_ready =
	    domain_xml_parse_devices("<domain><devices/></domain>", &g, &n) != -EOPNOTSUPP;
	for (size_t i = 0; i < n; i++)
		guest_dev_state_release(&g[i]);
	free(g);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return unit_rm_rf(file_root);
}

static struct host *observe(const struct observe_opts *o, struct diag *d)
{
	struct host *h = NULL;
	int r = host_observe(o, d, &h);

	if (r < 0)
		diag_print(d, stderr);
	assert_int_equal(r, 0);
	assert_non_null(h);
	/* as `show` does: names from pci.ids */
	assert_int_equal(host_lookup_names(h), 0);
	return h;
}

static bool diag_has(const struct diag *d, enum diag_level level, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].level == level && d->v[i].msg && strstr(d->v[i].msg, needle))
			return true;
	return false;
}

/* ---- PCI ---- */

#define PF UNIT_PF

/* What the fixture's devices look like, observed with no options. */
static const struct host_row pci_rows[] = {
    /* 82576 PF with 3 of 7 VFs */
    {"0000:0b:00.0", PF, "is-pf", "1"},
    {"0000:0b:00.0", PF, "vendor", "8086"},
    {"0000:0b:00.0", PF, "device", "10c9"},
    {"0000:0b:00.0", PF, "name", "82576 Gigabit Network Connection"},
    {"0000:0b:00.0", PF, "driver", "igb"},
    {"0000:0b:00.0", PF, "interfaces", "enp11s0f0"},
    {"0000:0b:00.0", PF, "total-vfs", "7"},
    {"0000:0b:00.0", PF, "num-vfs", "3"},
    {"0000:0b:00.0", PF, "drivers-autoprobe", "1"},
    {"0000:0b:00.0", PF, "offset", "128"},
    {"0000:0b:00.0", PF, "stride", "2"},
    {"0000:0b:00.0", PF, "vf-device", "10ca"},
    {"0000:0b:00.0", PF, "vf-ids", "0 1 2"},
    /* VF 0 on igbvf, its netdev renamed by udev */
    {"0000:0b:00.0", 0, "address", "0000:0b:10.0"},
    {"0000:0b:00.0", 0, "driver", "igbvf"},
    {"0000:0b:00.0", 0, "driver-override", "(null)"},
    {"0000:0b:00.0", 0, "interface", "wan0"},
    /* per-VF link settings are unknown until rtnetlink is read */
    {"0000:0b:00.0", 0, "mac", ""},
    {"0000:0b:00.0", 0, "vlan", "-1"},
    {"0000:0b:00.0", 0, "spoof-check", "-1"},
    {"0000:0b:00.0", 0, "link-state", "-1"},
    {"0000:0b:00.0", 0, "max-tx-rate", "-1"},
    /* VF 1 bound to vfio-pci: no netdev */
    {"0000:0b:00.0", 1, "address", "0000:0b:10.2"},
    {"0000:0b:00.0", 1, "driver", "vfio-pci"},
    {"0000:0b:00.0", 1, "driver-override", "(null)"},
    {"0000:0b:00.0", 1, "interface", "(null)"},
    /* VF 2 unbound, driver_override set */
    {"0000:0b:00.0", 2, "address", "0000:0b:10.4"},
    {"0000:0b:00.0", 2, "driver", "(null)"},
    {"0000:0b:00.0", 2, "driver-override", "vfio-pci"},
    {"0000:0b:00.0", 2, "interface", "(null)"},
    /* VFs are not top-level devices, even on vfio-pci; nor are bridges or unasked devices */
    {"0000:0b:10.0", PF, "driver", "(absent)"},
    {"0000:0b:10.2", PF, "driver", "(absent)"},
    {"0000:0b:10.4", PF, "driver", "(absent)"},
    {"0000:00:03.0", PF, "driver", "(absent)"},
    {"0000:00:1f.2", PF, "driver", "(absent)"},
    /* 82576 PF with 0 VFs */
    {"0000:0b:00.1", PF, "is-pf", "1"},
    {"0000:0b:00.1", PF, "driver", "igb"},
    {"0000:0b:00.1", PF, "total-vfs", "7"},
    {"0000:0b:00.1", PF, "num-vfs", "0"},
    {"0000:0b:00.1", PF, "n-vfs", "0"},
    {"0000:0b:00.1", PF, "interfaces", "enp11s0f1"},
    /* a PF without a driver */
    {"0000:0c:00.0", PF, "is-pf", "1"},
    {"0000:0c:00.0", PF, "driver", "(null)"},
    {"0000:0c:00.0", PF, "interfaces", ""},
    {"0000:0c:00.0", PF, "total-vfs", "7"},
    {"0000:0c:00.0", PF, "n-vfs", "0"},
};

/* With 0000:00:1f.2 asked for: devices passed through or held, and the one asked for. */
static const struct host_row asked_rows[] = {
    {"0000:5e:00.0", PF, "is-pf", "0"},
    {"0000:5e:00.0", PF, "driver", "vfio-pci"},
    {"0000:5e:00.0", PF, "device", "1572"},
    {"0000:5e:00.0", PF, "name", "Ethernet Controller X710 for 10GbE SFP+"},
    {"0000:00:1f.3", PF, "driver", "pci-stub"}, /* ids unknown to pci.ids */
    {"0000:00:1f.3", PF, "vendor", "dead"},
    {"0000:00:1f.3", PF, "name", "(null)"},
    {"0000:00:1f.2", PF, "driver", "ahci"},
    {NULL, PF, "n-pci", "6"},
};

static void test_pci(void **state)
{
	const char *pci[] = {"0000:00:1f.2"};
	const struct {
		struct observe_opts o;
		const struct host_row *rows;
		size_t n;
	} cases[] = {
	    {{0}, pci_rows, ARRAY_SIZE(pci_rows)},
	    {{.pci = pci, .n_pci = 1}, asked_rows, ARRAY_SIZE(asked_rows)},
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct diag d;

		diag_init(&d);
		struct host *h = observe(&cases[i].o, &d);
		unit_check_host(h, cases[i].rows, cases[i].n);
		assert_int_equal(d.n_errors, 0);
		host_free(h);
		diag_release(&d);
	}
}

/* ---- modules, files, hostname ---- */

static void test_modules(void **state)
{
	const char *mods[] = {"igb", "vfio-pci", "ixgbe"};
	struct observe_opts o = {.modules = mods, .n_modules = 3};
	struct diag d;
	(void)state;

	diag_init(&d);
	struct host *h = observe(&o, &d);
	assert_int_equal(h->n_modules, 3);
	const struct module_state *igb = host_find_module(h, "igb");
	const struct module_state *vfio = host_find_module(h, "vfio-pci");
	const struct module_state *ixgbe = host_find_module(h, "ixgbe");
	assert_non_null(igb);
	assert_non_null(vfio);
	assert_non_null(ixgbe);
	assert_true(igb->loaded);
	assert_int_equal(igb->n_params, 2);
	assert_string_equal(igb->params[0].key, "debug");
	assert_string_equal(igb->params[0].value, "-1");
	assert_string_equal(igb->params[1].key, "max_vfs");
	assert_string_equal(igb->params[1].value, "7,7");
	assert_true(vfio->loaded); /* /sys/module/vfio_pci */
	assert_int_equal(vfio->n_params, 1);
	assert_string_equal(vfio->params[0].value, "N");
	assert_false(ixgbe->loaded);
	assert_int_equal(ixgbe->n_params, 0);
	host_free(h);
	diag_release(&d);
}

static void assert_conf(const struct module_conf *c, const char *key, const char *value,
			const char *source)
{
	assert_string_equal(c->key, key);
	assert_string_equal(c->value, value);
	assert_string_equal(c->source, source);
}

/*
 * The options modprobe would pass, in kmod's order: files by name across
 * the directories (an earlier directory masks a same-named file, only
 * *.conf, not hidden), continuation lines joined, then the kernel command
 * line from <root>/proc/cmdline. A PF with method module adds its
 * driver's module and default file.
 */
static void test_module_config(void **state)
{
	const char *mods[] = {"vfio_pci"};
	const char *pfs[] = {"0000:0b:00.0", "0000:0c:00.0"}; /* igb; no driver */
	struct observe_opts o = {.root = file_root,
				 .modules = mods,
				 .n_modules = 1,
				 .module_pfs = pfs,
				 .n_module_pfs = 2};
	struct diag d;
	char *p;
	(void)state;

	p = strprintf("%s/etc/modprobe.d/zz.conf", file_root);
	/* a comment that ends in a backslash swallows the next line, as in kmod */
	unit_write_file(p, "# comment \\\noptions igb swallowed=1\n"
			   "options igb \\\n  debug=2\noptions ixgbe max_vfs=1\n");
	free(p);
	p = strprintf("%s/etc/modprobe.d/.hidden.conf", file_root);
	unit_write_file(p, "options igb hidden=1\n");
	free(p);
	p = strprintf("%s/lib/modprobe.d/igb.conf", file_root);
	unit_write_file(p, "options igb max_vfs=9\n"); /* masked by /etc/modprobe.d/igb.conf */
	free(p);
	p = strprintf("%s/run/modprobe.d/aa.conf", file_root);
	unit_write_file(p, "options igb allow_unsupported_sfp=1\n");
	free(p);
	p = strprintf("%s/usr/local/lib/modprobe.d/igb.txt", file_root);
	unit_write_file(p, "options igb txt=1\n");
	free(p);
	p = strprintf("%s/proc/cmdline", file_root);
	unit_write_file(p, "BOOT_IMAGE=/vmlinuz root=/dev/sda igb.max_vfs=3 quiet "
			   "\"vfio-pci.ids=8086:10ca\" bad.x.y=1\n");
	free(p);

	diag_init(&d);
	struct host *h = observe(&o, &d);
	const struct module_state *igb = host_find_module(h, "igb");
	const struct module_state *vfio = host_find_module(h, "vfio_pci");
	assert_non_null(igb);
	assert_non_null(vfio);
	assert_int_equal(igb->n_conf, 4);
	assert_conf(&igb->conf[0], "allow_unsupported_sfp", "1", "/run/modprobe.d/aa.conf");
	assert_conf(&igb->conf[1], "max_vfs", "7", "/etc/modprobe.d/igb.conf");
	assert_conf(&igb->conf[2], "debug", "2", "/etc/modprobe.d/zz.conf");
	assert_conf(&igb->conf[3], "max_vfs", "3", "kernel command line");
	assert_int_equal(vfio->n_conf, 1);
	assert_conf(&vfio->conf[0], "ids", "8086:10ca", "kernel command line");
	bool own_file = false;
	for (size_t i = 0; i < h->n_files; i++)
		own_file = own_file || streq(h->files[i].path, "/etc/modprobe.d/sriovctl-igb.conf");
	assert_true(own_file);
	host_free(h);
	diag_release(&d);
}

static void test_files_and_hostname(void **state)
{
	const char *files[] = {"/etc/modprobe.d/igb.conf",
			       "/etc/modprobe.d/sriovctl-vfio-pci.conf"};
	struct observe_opts o = {.root = file_root, .files = files, .n_files = 2};
	struct diag d;
	(void)state;

	diag_init(&d);
	struct host *h = observe(&o, &d);
	char real[256] = "";
	/* the file root's etc/hostname (kvm-07) does not count: the host: guard sees the real one */
	gethostname(real, sizeof(real) - 1);
	assert_string_equal(h->hostname, real);
	assert_int_equal(h->n_files, 2);
	const struct file_state *igb = NULL, *vfio = NULL;
	for (size_t i = 0; i < h->n_files; i++) {
		if (streq(h->files[i].path, files[0]))
			igb = &h->files[i];
		else if (streq(h->files[i].path, files[1]))
			vfio = &h->files[i];
	}
	assert_non_null(igb);
	assert_non_null(vfio);
	assert_string_equal(igb->content, "options igb max_vfs=7\n");
	assert_null(vfio->content);
	host_free(h);
	diag_release(&d);
}

/* A modprobe.d path that cannot be read is an error naming it, not "absent". */
static void test_unreadable_file(void **state)
{
	const char *files[] = {"/etc/modprobe.d"}; /* a directory */
	struct observe_opts o = {.root = file_root, .files = files, .n_files = 1};
	struct host *h = NULL;
	struct diag d;
	(void)state;

	diag_init(&d);
	assert_int_equal(host_observe(&o, &d, &h), -EISDIR);
	assert_null(h);
	assert_int_equal(d.n_errors, 1);
	assert_true(diag_has(&d, DIAG_ERROR, "/etc/modprobe.d': Is a directory"));
	diag_release(&d);
}

static void test_hostname_without_root_file(void **state)
{
	char buf[256] = "";
	char *empty_root = strprintf("%s/no-such-dir", file_root);
	struct observe_opts o = {.root = empty_root};
	struct diag d;
	(void)state;

	assert_int_equal(gethostname(buf, sizeof(buf) - 1), 0);
	diag_init(&d);
	struct host *h = observe(&o, &d);
	assert_string_equal(h->hostname, buf); /* <root>/etc/hostname absent */
	host_free(h);
	diag_release(&d);
	free(empty_root);
}

/* ---- guests ---- */

static void test_no_libvirt_uri(void **state)
{
	struct observe_opts o = {0};
	struct diag d;
	(void)state;

	diag_init(&d);
	struct host *h = observe(&o, &d);
	assert_false(h->libvirt_ok);
	assert_int_equal(h->n_domains, 0);
	assert_int_equal(d.n, 0);
	host_free(h);
	diag_release(&d);
}

static void test_guests_from_file(void **state)
{
	char *uri = strprintf("test://%s/tests/observe/guests.xml", top);
	struct observe_opts o = {.libvirt_uri = uri, .libvirt_required = true};
	struct diag d;
	(void)state;

	diag_init(&d);
	struct host *h = observe(&o, &d);
	assert_true(h->libvirt_ok);
	assert_int_equal(h->n_domains, 3);

	const struct domain_state *web1 = host_find_domain(h, "web1");
	const struct domain_state *db1 = host_find_domain(h, "db1");
	const struct domain_state *scratch = host_find_domain(h, "scratch");
	assert_non_null(web1);
	assert_non_null(db1);
	assert_non_null(scratch);

	assert_false(web1->running);
	assert_non_null(web1->xml);
	assert_null(web1->live_xml);
	assert_non_null(strstr(web1->xml, "<tag id='42'/>"));
	assert_non_null(strstr(web1->xml, "profileid='finance'"));

	assert_true(db1->running);
	assert_non_null(db1->xml);
	assert_non_null(db1->live_xml);

	assert_true(scratch->running); /* transient: no persistent definition */
	assert_null(scratch->xml);
	assert_non_null(scratch->live_xml);

	if (parser_ready) {
		assert_int_equal(web1->n_devs, 1);
		assert_int_equal(web1->devs[0].type, DEVICE_INTERFACE);
		assert_string_equal(web1->devs[0].address, "0000:0b:10.0");
		assert_string_equal(web1->devs[0].mac, "52:54:00:6d:90:02");
		assert_int_equal(web1->devs[0].vlan, 42);
		assert_string_equal(web1->devs[0].virtualport_type, "802.1Qbh");
		assert_string_equal(web1->devs[0].profileid, "finance");
		assert_true(web1->devs[0].managed);
		assert_int_equal(db1->n_devs, 1);
		assert_int_equal(db1->devs[0].type, DEVICE_HOSTDEV);
		assert_string_equal(db1->devs[0].address, "0000:0b:10.2");
		assert_false(db1->devs[0].managed);
		assert_int_equal(db1->n_live_devs, 1);
		assert_int_equal(scratch->n_devs, 0);
		assert_int_equal(scratch->n_live_devs, 1);
		assert_string_equal(scratch->live_devs[0].address, "0000:0b:10.4");
		assert_int_equal(scratch->live_devs[0].vlan, 100);
		assert_int_equal(d.n_warnings, 0);
	} else {
		/* each unparsed XML is a warning naming its domain, never an error */
		assert_int_equal(d.n_errors, 0);
		assert_true(diag_has(&d, DIAG_WARNING, "domain 'web1'"));
	}
	host_free(h);
	diag_release(&d);
	free(uri);
}

static const char live_only_xml[] =
    "<domain type='test'><name>live1</name>"
    "<uuid>0f7c8f0e-0d4e-4b4e-9a59-3b2f1c7a0001</uuid>"
    "<memory unit='KiB'>1048576</memory><os><type>hvm</type></os><devices>"
    "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
    "<address domain='0x0000' bus='0x0b' slot='0x10' function='0x6'/>"
    "</source></hostdev></devices></domain>";
static const char live_only_persistent_xml[] =
    "<domain type='test'><name>live1</name>"
    "<uuid>0f7c8f0e-0d4e-4b4e-9a59-3b2f1c7a0001</uuid>"
    "<memory unit='KiB'>1048576</memory><os><type>hvm</type></os><devices>"
    "</devices></domain>";

/*
 * A running domain whose hostdev is only in its live definition: start it
 * with the device, then redefine it without. test:///default keeps one
 * state while a connection to it stays open, so host_observe sees it.
 */
static void test_live_only_hostdev(void **state)
{
	struct observe_opts o = {.libvirt_uri = "test:///default"};
	virConnectPtr c = virConnectOpen("test:///default");
	virDomainPtr dom;
	struct diag d;
	(void)state;

	assert_non_null(c);
	dom = virDomainDefineXML(c, live_only_xml);
	assert_non_null(dom);
	assert_int_equal(virDomainCreate(dom), 0);
	virDomainFree(dom);
	dom = virDomainDefineXML(c, live_only_persistent_xml);
	assert_non_null(dom);
	virDomainFree(dom);

	diag_init(&d);
	struct host *h = observe(&o, &d);
	assert_true(h->libvirt_ok);
	const struct domain_state *ds = host_find_domain(h, "live1");
	assert_non_null(ds);
	assert_true(ds->running);
	assert_non_null(host_find_domain(h, "test")); /* the driver's own guest */
	assert_non_null(strstr(ds->live_xml, "function='0x6'"));
	assert_null(strstr(ds->xml, "<hostdev"));
	if (parser_ready) {
		assert_int_equal(ds->n_devs, 0);
		assert_int_equal(ds->n_live_devs, 1);
		assert_string_equal(ds->live_devs[0].address, "0000:0b:10.6");
		assert_int_equal(ds->live_devs[0].type, DEVICE_HOSTDEV);
	}
	host_free(h);
	diag_release(&d);
	virConnectClose(c);
}

#define UNREACHABLE "qemu+unix:///system?socket=/nonexistent/sriovctl-test/sock"

static void test_unreachable_libvirt_required(void **state)
{
	struct observe_opts o = {.libvirt_uri = UNREACHABLE, .libvirt_required = true};
	struct host *h = NULL;
	struct diag d;
	(void)state;

	diag_init(&d);
	assert_true(host_observe(&o, &d, &h) < 0);
	assert_null(h);
	assert_int_equal(d.n_errors, 1);
	assert_true(diag_has(&d, DIAG_ERROR, "cannot connect to libvirt at '" UNREACHABLE "': "));
	assert_true(diag_has(&d, DIAG_ERROR, "/nonexistent/sriovctl-test/sock"));
	diag_release(&d);
}

static void test_unreachable_libvirt_optional(void **state)
{
	struct observe_opts o = {.libvirt_uri = UNREACHABLE};
	struct diag d;
	(void)state;

	diag_init(&d);
	struct host *h = observe(&o, &d);
	assert_false(h->libvirt_ok);
	assert_int_equal(h->n_domains, 0);
	/* no diagnostic: the planner warns where it matters; the reason is kept */
	assert_int_equal(d.n, 0);
	assert_non_null(h->libvirt_error);
	assert_non_null(strstr(h->libvirt_error, "cannot connect to libvirt at '" UNREACHABLE "'"));
	assert_non_null(host_find_pci(h, "0000:0b:00.0")); /* the rest is observed */
	host_free(h);
	diag_release(&d);
}

/* Run under umockdev-run with the fixture unless already in a testbed. */
static void enter_testbed(char **argv)
{
	char self[4096];
	ssize_t k;

	if (getenv("UMOCKDEV_DIR"))
		return;
	k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (k < 0) {
		printf("ok 1 - observe # SKIP cannot find the test program\n");
		exit(0);
	}
	self[k] = '\0';
	char *fixture = strprintf("%s/tests/observe/host.umockdev", top);
	char *args[] = {"umockdev-run", "-d", fixture, "--", self, NULL};
	(void)argv;
	execvp(args[0], args);
	printf("ok 1 - observe # SKIP umockdev-run not found: %s\n", strerror(errno));
	exit(0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pci),
	    cmocka_unit_test(test_modules),
	    cmocka_unit_test(test_module_config),
	    cmocka_unit_test(test_files_and_hostname),
	    cmocka_unit_test(test_hostname_without_root_file),
	    cmocka_unit_test(test_unreadable_file),
	    cmocka_unit_test(test_no_libvirt_uri),
	    cmocka_unit_test(test_guests_from_file),
	    cmocka_unit_test(test_live_only_hostdev),
	    cmocka_unit_test(test_unreachable_libvirt_required),
	    cmocka_unit_test(test_unreachable_libvirt_optional),
	};
	char cwd[4096];

	(void)argc;
	top = getenv("TOP");
	if (!top)
		top = getcwd(cwd, sizeof(cwd));
	top = strdup(top);
	enter_testbed(argv);
	return cmocka_run_group_tests(tests, setup, teardown);
}

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

#include "libvirt.h"
#include "domxml.h"
#include "host.h"
#include "observe.h"

static char *top;	  /* repository root */
static char *file_root;	  /* a fake / for /etc files */
static bool parser_ready; /* domain_xml_parse_devices is implemented */

static void write_file(const char *path, const char *content)
{
	char *dir = strdup(path);
	char cmd[4096];
	FILE *f;

	*strrchr(dir, '/') = '\0';
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static int setup(void **state)
{
	const char *tb = getenv("UMOCKDEV_DIR");
	char tmpl[] = "/tmp/sriovctl-observe.XXXXXX";
	char *p;
	struct guest_dev_state *g = NULL;
	size_t n = 0;

	(void)state;
	/* /sys/module as the kernel shows it, inside the testbed */
	p = strprintf("%s/sys/module/igb/initstate", tb);
	write_file(p, "live\n");
	free(p);
	p = strprintf("%s/sys/module/igb/parameters/max_vfs", tb);
	write_file(p, "7,7\n");
	free(p);
	p = strprintf("%s/sys/module/igb/parameters/debug", tb);
	write_file(p, "-1\n");
	free(p);
	p = strprintf("%s/sys/module/vfio_pci/initstate", tb);
	write_file(p, "live\n");
	free(p);
	p = strprintf("%s/sys/module/vfio_pci/parameters/enable_sriov", tb);
	write_file(p, "N\n");
	free(p);

	file_root = strdup(mkdtemp(tmpl));
	p = strprintf("%s/etc/hostname", file_root);
	write_file(p, "kvm-07\n");
	free(p);
	p = strprintf("%s/etc/modprobe.d/igb.conf", file_root);
	write_file(p, "options igb max_vfs=7\n");
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
	char cmd[4096];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", file_root);
	if (system(cmd) != 0)
		return -1;
	free(file_root);
	return 0;
}

static struct host *observe(const struct observe_opts *o, struct diag *d)
{
	struct host *h = NULL;
	int r = host_observe(o, d, &h);

	if (r < 0)
		diag_print(d, stderr);
	assert_int_equal(r, 0);
	assert_non_null(h);
	return h;
}

static const struct pci_dev_state *find_pci(const struct host *h, const char *address)
{
	for (size_t i = 0; i < h->n_pci; i++)
		if (streq(h->pci[i].address, address))
			return &h->pci[i];
	return NULL;
}

static const struct domain_state *find_domain(const struct host *h, const char *name)
{
	for (size_t i = 0; i < h->n_domains; i++)
		if (streq(h->domains[i].name, name))
			return &h->domains[i];
	return NULL;
}

static bool diag_has(const struct diag *d, enum diag_level level, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].level == level && d->v[i].msg && strstr(d->v[i].msg, needle))
			return true;
	return false;
}

/* ---- PCI ---- */

static void test_pf_with_vfs(void **state)
{
	struct observe_opts o = {0};
	struct diag d;
	(void)state;

	diag_init(&d);
	struct host *h = observe(&o, &d);
	const struct pci_dev_state *pf = find_pci(h, "0000:0b:00.0");

	assert_non_null(pf);
	assert_true(pf->is_pf);
	assert_string_equal(pf->vendor, "8086");
	assert_string_equal(pf->device, "10c9");
	assert_string_equal(pf->name, "82576 Gigabit Network Connection");
	assert_string_equal(pf->driver, "igb");
	assert_int_equal(pf->n_interfaces, 1);
	assert_string_equal(pf->interfaces[0], "enp11s0f0");
	assert_int_equal(pf->sriov.total_vfs, 7);
	assert_int_equal(pf->sriov.num_vfs, 3);
	assert_int_equal(pf->sriov.drivers_autoprobe, 1);
	assert_int_equal(pf->sriov.offset, 128);
	assert_int_equal(pf->sriov.stride, 2);
	assert_string_equal(pf->sriov.vf_device, "10ca");
	assert_int_equal(pf->sriov.n_vfs, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(pf->sriov.vfs[i].id, i);

	const struct vf_state *vf = &pf->sriov.vfs[0];
	assert_string_equal(vf->address, "0000:0b:10.0");
	assert_string_equal(vf->driver, "igbvf");
	assert_null(vf->driver_override);
	/* per-VF link settings are unknown until rtnetlink is read */
	assert_string_equal(vf->link.mac, "");
	assert_int_equal(vf->link.vlan, -1);
	assert_int_equal(vf->link.spoof_check, -1);
	assert_int_equal(vf->link.link_state, -1);
	assert_int_equal(vf->link.max_tx_rate, -1);
	assert_int_equal(d.n_errors, 0);
	host_free(h);
	diag_release(&d);
}

static void test_vfs_are_not_top_level(void **state)
{
	struct observe_opts o = {0};
	struct diag d;
	(void)state;

	diag_init(&d);
	struct host *h = observe(&o, &d);
	assert_null(find_pci(h, "0000:0b:10.0"));
	assert_null(find_pci(h, "0000:0b:10.2")); /* bound to vfio-pci, still a VF */
	assert_null(find_pci(h, "0000:0b:10.4"));
	assert_null(find_pci(h, "0000:00:03.0")); /* a bridge: not of interest */
	assert_null(find_pci(h, "0000:00:1f.2")); /* not asked for */
	host_free(h);
	diag_release(&d);
}

static void test_netdev_renamed_by_udev(void **state)
{
	struct observe_opts o = {0};
	struct diag d;
	(void)state;

	diag_init(&d);
	struct host *h = observe(&o, &d);
	const struct pci_dev_state *pf = find_pci(h, "0000:0b:00.0");
	assert_non_null(pf);
	assert_string_equal(pf->sriov.vfs[0].interface, "wan0");
	host_free(h);
	diag_release(&d);
}

static void test_vf_bound_to_vfio(void **state)
{
	struct observe_opts o = {0};
	struct diag d;
	(void)state;

	diag_init(&d);
	struct host *h = observe(&o, &d);
	const struct pci_dev_state *pf = find_pci(h, "0000:0b:00.0");
	assert_non_null(pf);
	const struct vf_state *vf = &pf->sriov.vfs[1];
	assert_int_equal(vf->id, 1);
	assert_string_equal(vf->address, "0000:0b:10.2");
	assert_string_equal(vf->driver, "vfio-pci");
	assert_null(vf->driver_override);
	assert_null(vf->interface);
	host_free(h);
	diag_release(&d);
}

static void test_vf_driver_override(void **state)
{
	struct observe_opts o = {0};
	struct diag d;
	(void)state;

	diag_init(&d);
	struct host *h = observe(&o, &d);
	const struct pci_dev_state *pf = find_pci(h, "0000:0b:00.0");
	assert_non_null(pf);
	const struct vf_state *vf = &pf->sriov.vfs[2];
	assert_int_equal(vf->id, 2);
	assert_string_equal(vf->address, "0000:0b:10.4");
	assert_null(vf->driver);
	assert_string_equal(vf->driver_override, "vfio-pci");
	assert_null(vf->interface);
	host_free(h);
	diag_release(&d);
}

static void test_pf_with_zero_vfs(void **state)
{
	struct observe_opts o = {0};
	struct diag d;
	(void)state;

	diag_init(&d);
	struct host *h = observe(&o, &d);
	const struct pci_dev_state *pf = find_pci(h, "0000:0b:00.1");
	assert_non_null(pf);
	assert_true(pf->is_pf);
	assert_string_equal(pf->driver, "igb");
	assert_int_equal(pf->sriov.total_vfs, 7);
	assert_int_equal(pf->sriov.num_vfs, 0);
	assert_int_equal(pf->sriov.n_vfs, 0);
	assert_int_equal(pf->n_interfaces, 1);
	assert_string_equal(pf->interfaces[0], "enp11s0f1");
	host_free(h);
	diag_release(&d);
}

static void test_pf_without_driver(void **state)
{
	struct observe_opts o = {0};
	struct diag d;
	(void)state;

	diag_init(&d);
	struct host *h = observe(&o, &d);
	const struct pci_dev_state *pf = find_pci(h, "0000:0c:00.0");
	assert_non_null(pf);
	assert_true(pf->is_pf);
	assert_null(pf->driver);
	assert_int_equal(pf->n_interfaces, 0);
	assert_int_equal(pf->sriov.total_vfs, 7);
	assert_int_equal(pf->sriov.n_vfs, 0);
	host_free(h);
	diag_release(&d);
}

static void test_passthrough_devices(void **state)
{
	const char *pci[] = {"0000:00:1f.2"};
	struct observe_opts o = {.pci = pci, .n_pci = 1};
	struct diag d;
	(void)state;

	diag_init(&d);
	struct host *h = observe(&o, &d);
	const struct pci_dev_state *p = find_pci(h, "0000:5e:00.0");
	assert_non_null(p);
	assert_false(p->is_pf);
	assert_string_equal(p->driver, "vfio-pci");
	assert_string_equal(p->device, "1572");
	assert_string_equal(p->name, "Ethernet Controller X710 for 10GbE SFP+");

	p = find_pci(h, "0000:00:1f.3"); /* pci-stub, ids unknown to pci.ids */
	assert_non_null(p);
	assert_string_equal(p->driver, "pci-stub");
	assert_string_equal(p->vendor, "dead");
	assert_null(p->name);

	p = find_pci(h, "0000:00:1f.2"); /* asked for in opts->pci */
	assert_non_null(p);
	assert_string_equal(p->driver, "ahci");
	assert_int_equal(h->n_pci, 6);
	host_free(h);
	diag_release(&d);
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
	const struct module_state *igb = NULL, *vfio = NULL, *ixgbe = NULL;
	for (size_t i = 0; i < h->n_modules; i++) {
		if (streq(h->modules[i].name, "igb"))
			igb = &h->modules[i];
		else if (streq(h->modules[i].name, "vfio-pci"))
			vfio = &h->modules[i];
		else if (streq(h->modules[i].name, "ixgbe"))
			ixgbe = &h->modules[i];
	}
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

static const struct module_state *find_module(const struct host *h, const char *name)
{
	for (size_t i = 0; i < h->n_modules; i++)
		if (streq(h->modules[i].name, name))
			return &h->modules[i];
	return NULL;
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
	write_file(p, "# comment \\\noptions igb swallowed=1\n"
		      "options igb \\\n  debug=2\noptions ixgbe max_vfs=1\n");
	free(p);
	p = strprintf("%s/etc/modprobe.d/.hidden.conf", file_root);
	write_file(p, "options igb hidden=1\n");
	free(p);
	p = strprintf("%s/lib/modprobe.d/igb.conf", file_root);
	write_file(p, "options igb max_vfs=9\n"); /* masked by /etc/modprobe.d/igb.conf */
	free(p);
	p = strprintf("%s/run/modprobe.d/aa.conf", file_root);
	write_file(p, "options igb allow_unsupported_sfp=1\n");
	free(p);
	p = strprintf("%s/usr/local/lib/modprobe.d/igb.txt", file_root);
	write_file(p, "options igb txt=1\n");
	free(p);
	p = strprintf("%s/proc/cmdline", file_root);
	write_file(p, "BOOT_IMAGE=/vmlinuz root=/dev/sda igb.max_vfs=3 quiet "
		      "\"vfio-pci.ids=8086:10ca\" bad.x.y=1\n");
	free(p);

	diag_init(&d);
	struct host *h = observe(&o, &d);
	const struct module_state *igb = find_module(h, "igb");
	const struct module_state *vfio = find_module(h, "vfio_pci");
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

	const struct domain_state *web1 = find_domain(h, "web1");
	const struct domain_state *db1 = find_domain(h, "db1");
	const struct domain_state *scratch = find_domain(h, "scratch");
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
	const struct domain_state *ds = find_domain(h, "live1");
	assert_non_null(ds);
	assert_true(ds->running);
	assert_non_null(find_domain(h, "test")); /* the driver's own guest */
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
	assert_non_null(find_pci(h, "0000:0b:00.0")); /* the rest is observed */
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
	    cmocka_unit_test(test_pf_with_vfs),
	    cmocka_unit_test(test_vfs_are_not_top_level),
	    cmocka_unit_test(test_netdev_renamed_by_udev),
	    cmocka_unit_test(test_vf_bound_to_vfio),
	    cmocka_unit_test(test_vf_driver_override),
	    cmocka_unit_test(test_pf_with_zero_vfs),
	    cmocka_unit_test(test_pf_without_driver),
	    cmocka_unit_test(test_passthrough_devices),
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

/* SPDX-License-Identifier: MIT */
/* Domain XML -> assigned PCI devices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domxml.h"

struct parsed {
	struct guest_dev_state *v;
	size_t n;
};

static void parsed_release(struct parsed *p)
{
	for (size_t i = 0; i < p->n; i++)
		guest_dev_state_release(&p->v[i]);
	free(p->v);
}

static struct parsed parse_ok(const char *xml)
{
	struct parsed p = {0};
	int r = domain_xml_parse_devices(xml, &p.v, &p.n);
	assert_int_equal(r, 0);
	return p;
}

#define DOMAIN(devices) "<domain type='kvm'><name>g</name><devices>" devices "</devices></domain>"

static void test_hostdev_hex_managed(void **state)
{
	(void)state;
	_cleanup_(parsed_release) struct parsed p =
	    parse_ok(DOMAIN("<hostdev mode='subsystem' type='pci' managed='yes'><source>"
			    "<address domain='0x0000' bus='0x0b' slot='0x10' function='0x2'/>"
			    "</source></hostdev>"));

	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].type, DEVICE_HOSTDEV);
	assert_string_equal(p.v[0].address, "0000:0b:10.2");
	assert_true(p.v[0].managed);
	assert_null(p.v[0].mac);
	assert_int_equal(p.v[0].vlan, -1);
	assert_null(p.v[0].virtualport_type);
	assert_null(p.v[0].profileid);
}

static void test_hostdev_decimal_unmanaged_no_domain(void **state)
{
	(void)state;
	/* decimal numbers, no domain attribute, managed absent and 'no' */
	_cleanup_(parsed_release) struct parsed p = parse_ok(
	    DOMAIN("<hostdev mode='subsystem' type='pci'><source>"
		   "<address bus='11' slot='16' function='1'/></source></hostdev>"
		   "<hostdev mode='subsystem' type='pci' managed='no'><source>"
		   "<address domain='1' bus='94' slot='31' function='7'/></source></hostdev>"));

	assert_int_equal(p.n, 2);
	assert_string_equal(p.v[0].address, "0000:0b:10.1");
	assert_false(p.v[0].managed);
	assert_string_equal(p.v[1].address, "0001:5e:1f.7");
	assert_false(p.v[1].managed);
}

static void test_interface_vlan_virtualport(void **state)
{
	(void)state;
	_cleanup_(parsed_release) struct parsed p = parse_ok(
	    DOMAIN("<interface type='hostdev' managed='yes'>"
		   "<mac address='52:54:00:6D:90:02'/>"
		   "<source><address type='pci' domain='0x0000' bus='0x0b' slot='0x10' "
		   "function='0x0'/></source>"
		   "<vlan trunk='yes'><tag id='42'/><tag id='47'/></vlan>"
		   "<virtualport type='802.1Qbh'><parameters profileid='finance'/></virtualport>"
		   "<address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/>"
		   "</interface>"));

	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].type, DEVICE_INTERFACE);
	/* the source address, not the guest-side address */
	assert_string_equal(p.v[0].address, "0000:0b:10.0");
	assert_string_equal(p.v[0].mac, "52:54:00:6d:90:02");
	assert_int_equal(p.v[0].vlan, 42); /* the first tag */
	assert_string_equal(p.v[0].virtualport_type, "802.1Qbh");
	assert_string_equal(p.v[0].profileid, "finance");
	assert_true(p.v[0].managed);
}

static void test_interface_plain(void **state)
{
	(void)state;
	_cleanup_(parsed_release) struct parsed p = parse_ok(
	    DOMAIN("<interface type='hostdev'>"
		   "<source><address type='pci' bus='0x3b' slot='0x02' function='0x3'/></source>"
		   "<virtualport type='802.1Qbg'/>"
		   "</interface>"));

	assert_int_equal(p.n, 1);
	assert_string_equal(p.v[0].address, "0000:3b:02.3");
	assert_false(p.v[0].managed);
	assert_null(p.v[0].mac);
	assert_int_equal(p.v[0].vlan, -1);
	assert_string_equal(p.v[0].virtualport_type, "802.1Qbg");
	assert_null(p.v[0].profileid);
}

static void test_ignores_other_devices_keeps_order(void **state)
{
	(void)state;
	_cleanup_(parsed_release) struct parsed p = parse_ok(DOMAIN(
	    "<interface type='network'><source network='default'/></interface>"
	    "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1'/><product "
	    "id='0x2'/></source></hostdev>"
	    "<interface type='hostdev'><source><address bus='0x0b' slot='0x11' "
	    "function='0x0'/></source></interface>"
	    "<hostdev mode='capabilities' "
	    "type='net'><source><interface>eth0</interface></source></hostdev>"
	    "<hostdev mode='subsystem' type='pci'><source><address bus='0x0b' slot='0x10' "
	    "function='0x4'/></source></hostdev>"
	    "<disk type='file' device='disk'><source file='/x.img'/><target dev='vda'/></disk>"));

	assert_int_equal(p.n, 2);
	assert_int_equal(p.v[0].type, DEVICE_INTERFACE);
	assert_string_equal(p.v[0].address, "0000:0b:11.0");
	assert_int_equal(p.v[1].type, DEVICE_HOSTDEV);
	assert_string_equal(p.v[1].address, "0000:0b:10.4");
}

static void test_no_devices(void **state)
{
	(void)state;
	struct guest_dev_state *v = (void *)1;
	size_t n = 99;

	assert_int_equal(
	    domain_xml_parse_devices("<domain type='kvm'><name>g</name></domain>", &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);
}

static void test_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "<domain type='kvm'><devices>",
	    "not xml at all",
	    "<domain><devices><hostdev mode='subsystem' type='pci'></domain>",
	    "<network><name>default</name></network>",
	    /* source address missing or out of range */
	    DOMAIN("<hostdev mode='subsystem' type='pci'/>"),
	    DOMAIN("<hostdev mode='subsystem' type='pci'><source><address bus='0x0b' "
		   "slot='0x10'/></source></hostdev>"),
	    DOMAIN("<hostdev mode='subsystem' type='pci'><source><address bus='0x100' slot='0' "
		   "function='0'/></source></hostdev>"),
	    DOMAIN("<hostdev mode='subsystem' type='pci'><source><address bus='0' slot='0x20' "
		   "function='0'/></source></hostdev>"),
	    DOMAIN("<hostdev mode='subsystem' type='pci'><source><address bus='0' slot='0' "
		   "function='8'/></source></hostdev>"),
	    DOMAIN("<hostdev mode='subsystem' type='pci'><source><address bus='zz' slot='0' "
		   "function='0'/></source></hostdev>"),
	    DOMAIN("<hostdev mode='subsystem' type='pci'><source><address bus='-1' slot='0' "
		   "function='0'/></source></hostdev>"),
	    DOMAIN("<interface type='hostdev'><source><address bus='0' slot='0' "
		   "function='0'/></source><vlan><tag id='4096'/></vlan></interface>"),
	    DOMAIN("<interface type='hostdev'><source><address bus='0' slot='0' "
		   "function='0'/></source><vlan><tag/></vlan></interface>"),
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct guest_dev_state *v = NULL;
		size_t n = 0;
		int r = domain_xml_parse_devices(bad[i], &v, &n);
		if (r >= 0)
			fail_msg("case %zu parsed: %s", i, bad[i]);
		assert_int_equal(r, -EINVAL);
		assert_null(v);
	}
	struct guest_dev_state *v = NULL;
	size_t n = 0;
	assert_int_equal(domain_xml_parse_devices(NULL, &v, &n), -EINVAL);
}

/* Markup in attribute values comes back as text, entities decoded. */
/* A <virtualport> without a type (libvirt infers it) keeps its profileid when built again. */
static void test_virtualport_without_type_round_trips(void **state)
{
	(void)state;
	_cleanup_(parsed_release) struct parsed p =
	    parse_ok(DOMAIN("<interface type='hostdev' managed='yes'><source>"
			    "<address type='pci' domain='0x0000' bus='0x0b' slot='0x10' "
			    "function='0x0'/></source>"
			    "<virtualport><parameters profileid='finance'/></virtualport>"
			    "</interface>"));
	assert_int_equal(p.n, 1);
	assert_null(p.v[0].virtualport_type);
	assert_string_equal(p.v[0].profileid, "finance");

	char *built = domain_xml_device(&p.v[0]), *xml = NULL;
	assert_non_null(built);
	assert_true(asprintf(&xml, DOMAIN("%s"), built) > 0);
	_cleanup_(parsed_release) struct parsed back = parse_ok(xml);
	assert_int_equal(back.n, 1);
	assert_null(back.v[0].virtualport_type);
	assert_non_null(back.v[0].profileid);
	assert_string_equal(back.v[0].profileid, "finance");
	free(xml);
	free(built);
}

static void test_entities(void **state)
{
	(void)state;
	_cleanup_(parsed_release) struct parsed p = parse_ok(DOMAIN(
	    "<interface type='hostdev'><source><address bus='0' slot='1' function='0'/></source>"
	    "<virtualport type='802.1Qbh'><parameters "
	    "profileid='a&amp;b&lt;&apos;c'/></virtualport>"
	    "</interface>"));

	assert_int_equal(p.n, 1);
	assert_string_equal(p.v[0].profileid, "a&b<'c");
	guest_dev_state_release(NULL);
}

/* The devices and the interfaces on a network, in one parse. */
static struct parsed parse_nets_ok(const char *xml, struct parsed *devs)
{
	struct parsed nets = {0};
	int nets_r = 1;

	assert_int_equal(domain_xml_parse(xml, &devs->v, &devs->n, &nets.v, &nets.n, &nets_r), 0);
	assert_int_equal(nets_r, 0);
	return nets;
}

static void test_nets_with_devices(void **state)
{
	(void)state;
	_cleanup_(parsed_release) struct parsed devs = {0};
	_cleanup_(parsed_release) struct parsed nets = parse_nets_ok(
	    DOMAIN("<interface type='network'><mac address='52:54:00:AA:BB:01'/>"
		   "<source network='pool'/><model type='virtio'/></interface>"
		   "<interface type='hostdev'><source><address bus='0x0b' slot='0x10' "
		   "function='0x1'/></source></interface>"
		   "<interface type='network' managed='yes'><source network='pool2'>"
		   "<address type='pci' domain='0x0000' bus='0x0b' slot='0x10' function='0x2'/>"
		   "</source><vlan><tag id='42'/></vlan></interface>"),
	    &devs);

	assert_int_equal(devs.n, 1);
	assert_string_equal(devs.v[0].address, "0000:0b:10.1");
	assert_int_equal(nets.n, 2);
	assert_string_equal(nets.v[0].network, "pool");
	assert_string_equal(nets.v[0].mac, "52:54:00:aa:bb:01");
	assert_null(nets.v[0].address);
	assert_int_equal(nets.v[0].vlan, -1);
	assert_false(nets.v[0].managed);
	assert_string_equal(nets.v[1].network, "pool2");
	assert_string_equal(nets.v[1].address, "0000:0b:10.2");
	assert_int_equal(nets.v[1].vlan, 42);
	assert_true(nets.v[1].managed);
}

/*
 * The nets come from the first element named devices whatever its
 * namespace (a walk of the tree), the devices from every /domain/devices
 * without one (the XPath).
 */
static void test_nets_first_devices_only(void **state)
{
	(void)state;
	_cleanup_(parsed_release) struct parsed devs = {0};
	_cleanup_(parsed_release) struct parsed nets = parse_nets_ok(
	    "<domain><devices xmlns='urn:x'><interface type='network'><source network='a'/>"
	    "</interface><interface type='hostdev'><source><address bus='1' slot='0' "
	    "function='0'/></source></interface></devices>"
	    "<devices><interface type='network'><source network='b'/></interface>"
	    "<hostdev mode='subsystem' type='pci'><source><address bus='2' slot='0' "
	    "function='0'/></source></hostdev></devices></domain>",
	    &devs);

	assert_int_equal(nets.n, 1);
	assert_string_equal(nets.v[0].network, "a");
	assert_int_equal(devs.n, 1);
	assert_string_equal(devs.v[0].address, "0000:02:00.0");
}

/* A malformed VLAN tag on a network interface: no nets, the devices still read. */
static void test_nets_malformed(void **state)
{
	(void)state;
	_cleanup_(parsed_release) struct parsed devs = {0};
	struct guest_dev_state *nets = NULL;
	size_t n_nets = 7;
	int nets_r = 0;

	assert_int_equal(
	    domain_xml_parse(DOMAIN("<hostdev mode='subsystem' type='pci'><source><address "
				    "bus='2' slot='0' function='0'/></source></hostdev>"
				    "<interface type='network'><source network='a'/></interface>"
				    "<interface type='network'><source network='b'/>"
				    "<vlan><tag id='4096'/></vlan></interface>"),
			     &devs.v, &devs.n, &nets, &n_nets, &nets_r),
	    0);
	assert_int_equal(nets_r, -EINVAL);
	assert_null(nets);
	assert_int_equal(n_nets, 0);
	assert_int_equal(devs.n, 1);

	/* not well-formed: neither */
	assert_int_equal(domain_xml_parse("<domain><devices><interface type='network'><source "
					  "network='a'/></interface></devices>",
					  &devs.v, &devs.n, &nets, &n_nets, &nets_r),
			 -EINVAL);
	assert_int_equal(nets_r, -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hostdev_hex_managed),
	    cmocka_unit_test(test_hostdev_decimal_unmanaged_no_domain),
	    cmocka_unit_test(test_interface_vlan_virtualport),
	    cmocka_unit_test(test_interface_plain),
	    cmocka_unit_test(test_ignores_other_devices_keeps_order),
	    cmocka_unit_test(test_no_devices),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_virtualport_without_type_round_trips),
	    cmocka_unit_test(test_entities),
	    cmocka_unit_test(test_nets_with_devices),
	    cmocka_unit_test(test_nets_first_devices_only),
	    cmocka_unit_test(test_nets_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

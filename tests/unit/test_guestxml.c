/* SPDX-License-Identifier: MIT */
/*
 * Device XML for libvirt (domain_xml_device): the exact elements, escaping,
 * the round trip through the domain XML parser, validity against libvirt's
 * own domain schema (virt-xml-validate), and finding a device of a domain
 * XML by its source address (domain_xml_find_device).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "domxml.h"

#define SEED_MAC "52:54:00:6d:90:02"

static const struct guest_dev_state seed = {
    .type = DEVICE_INTERFACE,
    .address = "0000:0b:10.0",
    .mac = SEED_MAC,
    .vlan = 42,
    .virtualport_type = "802.1Qbh",
    .profileid = "finance",
    .managed = true,
};

/* every shape sriovctl renders */
static const struct guest_dev_state shapes[] = {
    {.type = DEVICE_INTERFACE,
     .address = "0000:0b:10.0",
     .mac = SEED_MAC,
     .vlan = 42,
     .virtualport_type = "802.1Qbh",
     .profileid = "finance",
     .managed = true},
    {.type = DEVICE_INTERFACE, .address = "0000:0b:10.2", .vlan = -1, .managed = true},
    {.type = DEVICE_INTERFACE,
     .address = "0000:0b:10.4",
     .mac = "52:54:00:00:00:04",
     .vlan = 0,
     .managed = true},
    {.type = DEVICE_INTERFACE, .address = "0001:ff:1f.7", .vlan = 4095, .managed = false},
    {.type = DEVICE_INTERFACE,
     .address = "0000:0b:10.6",
     .vlan = -1,
     .virtualport_type = "802.1Qbh",
     .profileid = "a&b<c>\"d'e",
     .managed = true},
    {.type = DEVICE_HOSTDEV, .address = "0000:5e:00.0", .vlan = -1, .managed = true},
    {.type = DEVICE_HOSTDEV, .address = "0000:0b:11.2", .vlan = -1, .managed = false},
};

static void test_seed_interface(void **state)
{
	(void)state;
	_cleanup_(freep) char *xml = domain_xml_device(&seed);

	assert_non_null(xml);
	assert_string_equal(xml, "<interface type=\"hostdev\" managed=\"yes\">\n"
				 "  <mac address=\"52:54:00:6d:90:02\"/>\n"
				 "  <source>\n"
				 "    <address type=\"pci\" domain=\"0x0000\" bus=\"0x0b\" "
				 "slot=\"0x10\" function=\"0x0\"/>\n"
				 "  </source>\n"
				 "  <vlan>\n"
				 "    <tag id=\"42\"/>\n"
				 "  </vlan>\n"
				 "  <virtualport type=\"802.1Qbh\">\n"
				 "    <parameters profileid=\"finance\"/>\n"
				 "  </virtualport>\n"
				 "</interface>");
}

static void test_hostdev(void **state)
{
	(void)state;
	_cleanup_(freep) char *xml = domain_xml_device(&shapes[6]);

	assert_non_null(xml);
	assert_string_equal(xml, "<hostdev mode=\"subsystem\" type=\"pci\" managed=\"no\">\n"
				 "  <source>\n"
				 "    <address domain=\"0x0000\" bus=\"0x0b\" slot=\"0x11\" "
				 "function=\"0x2\"/>\n"
				 "  </source>\n"
				 "</hostdev>");
}

static void test_escaping(void **state)
{
	(void)state;
	_cleanup_(freep) char *xml = domain_xml_device(&shapes[4]);

	assert_non_null(xml);
	assert_non_null(strstr(xml, "profileid=\"a&amp;b&lt;c&gt;&quot;d'e\""));
}

static void test_bad_address(void **state)
{
	(void)state;
	static const char *const bad[] = {"junk",	   "0000:0b:10.8",  "0000:0b:20.0",
					  "0000:0b:10.0x", "0000:100:10.0", ""};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct guest_dev_state d = seed;
		d.address = (char *)bad[i];
		char *xml = domain_xml_device(&d);
		if (xml)
			fail_msg("'%s' gave %s", bad[i], xml);
	}
	assert_null(domain_xml_device(NULL));
}

/* A minimal domain holding the devices, for the parser and the schema. */
static char *wrap(const char *devices)
{
	return strprintf("<domain type='kvm'><name>v</name><memory unit='KiB'>65536</memory>"
			 "<os><type arch='x86_64'>hvm</type></os><devices>%s</devices></domain>",
			 devices);
}

static void test_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
		const struct guest_dev_state *w = &shapes[i];
		_cleanup_(freep) char *xml = domain_xml_device(w);
		assert_non_null(xml);
		_cleanup_(freep) char *dom = wrap(xml);
		struct guest_dev_state *v = NULL;
		size_t n = 0;

		assert_int_equal(domain_xml_parse_devices(dom, &v, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(v[0].type, w->type);
		assert_string_equal(v[0].address, w->address);
		assert_int_equal(v[0].managed, w->managed);
		if (w->type == DEVICE_INTERFACE) {
			assert_true(streq_ptr(v[0].mac, w->mac));
			assert_int_equal(v[0].vlan, w->vlan);
			assert_true(streq_ptr(v[0].virtualport_type, w->virtualport_type));
			assert_true(streq_ptr(v[0].profileid, w->profileid));
		}
		guest_dev_state_release(&v[0]);
		free(v);
	}
}

/* virt-xml-validate FILE domain: its exit status, -1 when it cannot run. */
static int validate(const char *domain_xml)
{
	const char *tmp = getenv("TMPDIR");
	_cleanup_(freep) char *path =
	    strprintf("%s/test_guestxml.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = path ? mkstemp(path) : -1, status;
	pid_t pid;

	if (fd < 0)
		return -1;
	size_t len = strlen(domain_xml);
	bool written = write(fd, domain_xml, len) == (ssize_t)len;
	close(fd);
	if (!written) {
		unlink(path);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp("virt-xml-validate", "virt-xml-validate", path, "domain", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		unlink(path);
		return -1;
	}
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_schema(void **state)
{
	(void)state;
	/* the validator must be able to say no, or a pass means nothing */
	_cleanup_(freep) char *bad = wrap("<interface type='hostdev' managed='maybe'><source>"
					  "<address type='pci' domain='0' bus='0' slot='0' "
					  "function='0'/></source></interface>");
	int r = validate(bad);
	if (r == 127 || r < 0)
		fail_msg("virt-xml-validate (libvirt-clients) cannot run");
	assert_int_not_equal(r, 0);

	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
		_cleanup_(freep) char *xml = domain_xml_device(&shapes[i]);
		assert_non_null(xml);
		_cleanup_(freep) char *dom = wrap(xml);
		if (validate(dom) != 0)
			fail_msg("not valid against libvirt's domain schema:\n%s", xml);
	}
}

/* A domain as libvirt or a hand-written file may spell it. */
static const char found_domain[] =
    "<domain type='kvm'><name>g</name><devices>"
    "<interface type='network'><source network='default'/></interface>"
    "<interface type='hostdev' managed='yes'><mac address='52:54:00:00:00:02'/>"
    "<source><address type='pci' domain='0' bus='11' slot='16' function='2'/></source>"
    "<vlan><tag id='10'/></vlan><alias name='hostdev0'/></interface>"
    "<hostdev mode='subsystem' type='pci' managed='yes'>"
    "<source><address bus='0x0B' slot='0x10' function='4'/></source></hostdev>"
    "<hostdev mode='subsystem' type='pci' managed='no'>"
    "<source><address domain='0x0000' bus='0x0b' slot='0x11' function='0x0'/></source>"
    "<address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/></hostdev>"
    "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/>"
    "<product id='0xbeef'/></source></hostdev>"
    "</devices></domain>";

static void test_find_device(void **state)
{
	(void)state;
	char *xml;

	/* decimal, with the alias libvirt matches on */
	assert_int_equal(domain_xml_find_device(found_domain, "0000:0b:10.2", &xml), 0);
	assert_non_null(xml);
	assert_non_null(strstr(xml, "<interface type=\"hostdev\""));
	assert_non_null(strstr(xml, "52:54:00:00:00:02"));
	assert_non_null(strstr(xml, "<alias name=\"hostdev0\"/>"));
	free(xml);

	/* hex in capitals, no domain attribute */
	assert_int_equal(domain_xml_find_device(found_domain, "0000:0b:10.4", &xml), 0);
	assert_non_null(xml);
	assert_non_null(strstr(xml, "function=\"4\""));
	assert_null(strstr(xml, "interface"));
	free(xml);

	/* the source address, not the guest-side one */
	assert_int_equal(domain_xml_find_device(found_domain, "0000:0b:11.0", &xml), 0);
	assert_non_null(xml);
	assert_non_null(strstr(xml, "slot=\"0x07\""));
	free(xml);
	assert_int_equal(domain_xml_find_device(found_domain, "0000:00:07.0", &xml), 0);
	assert_null(xml);

	/* absent: no error, nothing */
	assert_int_equal(domain_xml_find_device(found_domain, "0000:0b:10.6", &xml), 0);
	assert_null(xml);

	assert_int_equal(domain_xml_find_device("<domain><devices>", "0000:0b:10.2", &xml), -EINVAL);
	assert_null(xml);
}

/* What sriovctl renders is found again by its address. */
static void test_find_rendered(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
		_cleanup_(freep) char *xml = domain_xml_device(&shapes[i]);
		_cleanup_(freep) char *dom = wrap(xml);
		_cleanup_(freep) char *found = NULL;

		assert_int_equal(domain_xml_find_device(dom, shapes[i].address, &found), 0);
		assert_non_null(found);
		assert_string_equal(found, xml);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seed_interface), cmocka_unit_test(test_hostdev),
	    cmocka_unit_test(test_escaping),	   cmocka_unit_test(test_bad_address),
	    cmocka_unit_test(test_round_trip),	   cmocka_unit_test(test_schema),
	    cmocka_unit_test(test_find_device),	   cmocka_unit_test(test_find_rendered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* pciids.c: device names from pci.ids, read as libpci's parser reads the list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "cleanup.h"
#include "pciids.h"
#include "unit.h"

/* A list with the cases libpci's parser tells apart (names-parse.c). */
static const char list[] =
    "# comment\n"
    "\n"
    "0001  SafeNet (wrong ID)\n"
    "\t10ca  Not Intel's\n"
    "8086  Intel Corporation\n"
    "\t10c9  82576 Gigabit Network Connection\n"
    "\t\t8086 a03c  Ethernet Server Adapter I340-T2\n"
    "#\t10ca  commented out\n"
    "\t10ca  82576 Virtual Function\n"
    "\t1520\tI350 Ethernet Controller Virtual Function \n" /* a tab; one blank dropped */
    "\t1521  two blanks dropped?  \n"			   /* libpci drops one only */
    "\t1522  crlf name\r\n"
    "\t1523  cut\rat the CR\n"
    "\t1524  \n" /* no name: libpci's parse error */
    "\t15AB  upper case hex\n"
    "\t  \t\n"
    "10DF  Emulex Corporation\n"
    "\tF100  Saturn-X\n"
    "C 02  Network controller\n"
    "\t00  Ethernet controller\n"
    "\t\t00  Ethernet controller prog-if\n"
    "\t80  10c9 not a device\n"
    "S 8086\n" /* generic subsystems of vendor 8086 */
    "\t10c9  not a device either\n"
    "15b3  Mellanox Technologies\n"
    "\t1018  MT27800 Family [ConnectX-5 Virtual Function]"; /* no final newline */

static char *device(const struct pci_ids *ids, unsigned v, unsigned d)
{
	char *s = pci_ids_device(ids, v, d);

	if (!s)
		assert_int_equal(errno, 0);
	return s;
}

static void check(const struct pci_ids *ids, unsigned v, unsigned d, const char *want)
{
	_cleanup_(freep) char *s = device(ids, v, d);

	if (!want && s)
		fail_msg("%04x:%04x: got '%s', expected none", v, d, s);
	if (want && (!s || !streq(s, want)))
		fail_msg("%04x:%04x: got '%s', expected '%s'", v, d, s ? s : "(none)", want);
}

static void test_names(void **state)
{
	char *dir = *state;
	_cleanup_(freep) char *path = strprintf("%s/pci.ids", dir);
	struct pci_ids ids;

	unit_write_file(path, list);
	assert_int_equal(pci_ids_load(path, &ids), 0);
	check(&ids, 0x8086, 0x10c9, "82576 Gigabit Network Connection");
	check(&ids, 0x8086, 0x10ca, "82576 Virtual Function");
	check(&ids, 0x0001, 0x10ca, "Not Intel's");
	check(&ids, 0x8086, 0x1520, "I350 Ethernet Controller Virtual Function");
	check(&ids, 0x8086, 0x1521, "two blanks dropped? ");
	check(&ids, 0x8086, 0x1522, "crlf name");
	check(&ids, 0x8086, 0x1523, "cut");
	check(&ids, 0x8086, 0x1524, NULL);
	check(&ids, 0x8086, 0x15ab, "upper case hex");
	check(&ids, 0x10df, 0xf100, "Saturn-X");
	check(&ids, 0x15b3, 0x1018, "MT27800 Family [ConnectX-5 Virtual Function]");
	/* a subsystem, a class's subclass, a generic subsystem block: no device */
	check(&ids, 0x8086, 0xa03c, NULL);
	check(&ids, 0x8086, 0x8086, NULL);
	check(&ids, 0x10df, 0x10c9, NULL);
	check(&ids, 0x10df, 0x0000, NULL);
	check(&ids, 0x8086, 0x1525, NULL);
	check(&ids, 0x1234, 0x10c9, NULL);
	pci_ids_release(&ids);
	assert_null(ids.text);
	assert_null(device(&ids, 0x8086, 0x10c9));
}

static void test_load(void **state)
{
	char *dir = *state;
	_cleanup_(freep) char *plain = strprintf("%s/plain/pci.ids", dir);
	_cleanup_(freep) char *gz_name = strprintf("%s/plain/pci.ids.gz", dir);
	_cleanup_(freep) char *gz = strprintf("%s/gz/pci.ids", dir);
	_cleanup_(freep) char *missing = strprintf("%s/none/pci.ids.gz", dir);
	struct pci_ids ids;

	/* libpci's default name ends in .gz; the list is shipped plain */
	unit_write_file(plain, "8086  Intel Corporation\n\t10ca  82576 Virtual Function\n");
	assert_int_equal(pci_ids_load(gz_name, &ids), 0);
	check(&ids, 0x8086, 0x10ca, "82576 Virtual Function");
	pci_ids_release(&ids);
	/* gzip data: left to libpci */
	unit_write_file(gz, "\x1f\x8b\x08");
	assert_int_equal(pci_ids_load(gz, &ids), -EMEDIUMTYPE);
	assert_null(ids.text);
	assert_int_equal(pci_ids_load(missing, &ids), -ENOENT);
	assert_null(ids.text);
	/* empty: no names */
	unit_write_file(plain, "");
	assert_int_equal(pci_ids_load(plain, &ids), 0);
	check(&ids, 0x8086, 0x10ca, NULL);
	pci_ids_release(&ids);
}

static int setup(void **state)
{
	static char dir[64];

	*state = dir;
	return unit_mkdtemp(dir, "pciids");
}

static int teardown(void **state)
{
	return unit_rm_rf(*state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

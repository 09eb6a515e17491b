// SPDX-License-Identifier: MIT
/* The kernel command line's module options, as modprobe reads them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "modconf.h"
#include "util.h"

static int collect(void *data, const char *module, const char *key, const char *value)
{
	FILE *f = data;
	fprintf(f, "%s|%s|%s;", module, key, value);
	return 0;
}

static void test_cmdline(void **state)
{
	static const struct {
		const char *cmdline, *want;
	} cases[] = {
	    {"", ""},
	    {"quiet splash", ""},
	    {"BOOT_IMAGE=/vmlinuz root=/dev/sda1 igb.max_vfs=7", "igb|max_vfs|7;"},
	    {"igb.max_vfs=7 ixgbe.max_vfs=4", "igb|max_vfs|7;ixgbe|max_vfs|4;"},
	    /* the value, or the whole word, in quotes */
	    {"mod.p=\"a b\"", "mod|p|a b;"},
	    {"\"vfio-pci.ids=8086:10ca\"", "vfio-pci|ids|8086:10ca;"},
	    {"\"mod.p=a b\" next.q=1", "mod|p|a b;next|q|1;"},
	    /* a parameter without a value */
	    {"mod.flag", "mod|flag|;"},
	    /* not a module parameter, or malformed: skipped */
	    {"bad.x.y=1 .p=1 mod.=1 a[0].p=1 mo\"d.p=1", ""},
	    {"  \tigb.max_vfs=2\n", "igb|max_vfs|2;"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		assert_non_null(f);
		assert_int_equal(modconf_cmdline_foreach(cases[i].cmdline, collect, f), 0);
		fclose(f);
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("cmdline '%s': got '%s', want '%s'", cases[i].cmdline, buf,
				 cases[i].want);
		free(buf);
	}
}

static int stop_at_first(void *data, const char *module, const char *key, const char *value)
{
	(void)data, (void)module, (void)key, (void)value;
	return -ECANCELED;
}

static void test_cmdline_callback_error(void **state)
{
	(void)state;
	assert_int_equal(modconf_cmdline_foreach("igb.max_vfs=7", stop_at_first, NULL),
			 -ECANCELED);
	assert_int_equal(modconf_cmdline_foreach(NULL, stop_at_first, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cmdline),
	    cmocka_unit_test(test_cmdline_callback_error),
	};
	return cmocka_run_group_tests_name("modconf", tests, NULL, NULL);
}

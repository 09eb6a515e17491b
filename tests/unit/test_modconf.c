// SPDX-License-Identifier: MIT
/*
 * Module options as modprobe and the kernel read them: the kernel command
 * line, and a module's options lines (quotes, lines joined by kmod).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "modconf.h"
#include "plan.h"
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
	assert_int_equal(modconf_cmdline_foreach("igb.max_vfs=7", stop_at_first, NULL), -ECANCELED);
	assert_int_equal(modconf_cmdline_foreach(NULL, stop_at_first, NULL), 0);
}

/* A module's options as the kernel reads them: "key=value;" ('+' marks one a quote carries on). */
static void test_parse_quotes(void **state)
{
	static const struct {
		const char *content, *want;
		bool open;
	} cases[] = {
	    {"options m a=\"x y\" b=2\n", "a=x y;b=2;", false},
	    /* a whole token in quotes: the quotes are not part of key or value */
	    {"options m \"b=nx\" \"c\"\n", "b=nx;c=;", false},
	    /* a quote in the middle of a value is kept, and spaces in it are too */
	    {"options m a=x\"y z\" b=1\n", "a=x\"y z\";b=1;", false},
	    /* the kernel's '=' is the first after the token's first character */
	    {"options m =a=b\n", "=a=b;", false},
	    /* kmod joins the module's lines with a space: an open quote goes on */
	    {"options m a=\"x\noptions m b=2\n", "a=x b=2+;", true},
	    {"options m a=\"x\noptions m y\" b=2\n", "a=x y+;b=2;", false},
	    /* ... but only into the same module's lines */
	    {"options m a=\"x\noptions other b=2\noptions m c=3\n", "a=x c=3+;", true},
	    {"options m b=1 \"o x\"=1 c=\"\n", "b=1;o x\"=1;c=;", true},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct modconf m;
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		assert_non_null(f);
		assert_int_equal(modconf_parse(cases[i].content, "m", &m), 0);
		for (size_t l = 0; l < m.n_lines; l++)
			for (size_t k = 0; k < m.lines[l].n_params; k++) {
				const struct modconf_param *p = &m.lines[l].params[k];
				fprintf(f, "%s=%s%s;", p->key, p->value, p->spans ? "+" : "");
			}
		fclose(f);
		if (strcmp(buf, cases[i].want) != 0 || m.quote_open != cases[i].open)
			fail_msg("'%s': got '%s' (open %d), want '%s' (open %d)", cases[i].content,
				 buf, m.quote_open, cases[i].want, cases[i].open);
		free(buf);
		modconf_release(&m);
	}
}

/*
 * The updater keeps the quotes around a value it changes, and refuses
 * (-EBADMSG) where an open quote would swallow what it writes.
 */
static void test_update_quotes(void **state)
{
	static const struct {
		const char *content, *want; /* want NULL: refused */
	} cases[] = {
	    /* tests/fuzz/corpus/modconf/modconf-quotes, reduced: "b=nx" became "b=2 */
	    {"options m a=1 \"b=nx\" \"o x\"=1\n", "options m a=1 \"b=2\" \"o x\"=1\n"},
	    {"options m b=\"nx\" c=1\n", "options m b=\"2\" c=1\n"},
	    {"options m \"b\" c=1\n", "options m \"b=2\" c=1\n"},
	    {"options m b=\"\"\n", "options m b=\"2\"\n"},
	    {"options m b=x\"y z\"\n", "options m b=2\n"},
	    /* a quote in the value's middle: replacing it would leave one open */
	    {"options m \"b=x\"y c=1\n", NULL},
	    /* left open: b is missing, and a new line would be read inside a's value too */
	    {"options m a=\"x\n", NULL},
	    {"options m a=\"x\noptions m b=1\n", NULL},
	    /* b's value runs on into the next line: no edit keeps both */
	    {"options m b=\"x\noptions m y\" c=1\n", NULL},
	    /* closed on the next line: b joins the line where the quote closes */
	    {"options m a=\"x\noptions m y\"\n", "options m a=\"x\noptions m y\" b=2\n"},
	};
	struct module_param want[] = {{"b", "2"}};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		int r = plan_modprobe_conf_update(cases[i].content, "m", want, 1, false, &out);
		if (!cases[i].want) {
			if (r != -EBADMSG)
				fail_msg("'%s': not refused (%d): '%s'", cases[i].content, r,
					 out ? out : "(null)");
			continue;
		}
		if (r < 0 || strcmp(out, cases[i].want) != 0)
			fail_msg("'%s': got '%s' (%d), want '%s'", cases[i].content,
				 out ? out : "(null)", r, cases[i].want);
		assert_int_equal(plan_modprobe_conf_matches(out, "m", want, 1, false), 1);
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cmdline),
	    cmocka_unit_test(test_cmdline_callback_error),
	    cmocka_unit_test(test_parse_quotes),
	    cmocka_unit_test(test_update_quotes),
	};
	return cmocka_run_group_tests_name("modconf", tests, NULL, NULL);
}

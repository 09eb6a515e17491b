/* SPDX-License-Identifier: MIT */
/* Helpers of util.c: escaping for the terminal (diag_print escapes what it prints), strv, whole files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "cleanup.h"
#include "diag.h"
#include "util.h"

static void test_str_escape(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} t[] = {
	    {"", ""},
	    {"plain text", "plain text"},
	    {"web1\n- detach x", "web1\\n- detach x"},
	    {"\x1b[8mhidden", "\\x1b[8mhidden"},
	    {"a\tb\rc\ad\be\vf\fg", "a\\tb\\rc\\ad\\be\\vf\\fg"},
	    {"del\x7f", "del\\x7f"},
	    {"back\\slash", "back\\slash"},
	    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
	    {"caf\xe9", "caf\\xe9"},		     /* Latin-1, not UTF-8 */
	    {"\xc0\xaf", "\\xc0\\xaf"},		     /* overlong '/' */
	    {"\xed\xa0\x80", "\\xed\\xa0\\x80"},     /* a surrogate */
	    {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"}, /* above U+10FFFF */
	    {"cut \xe2\x82", "cut \\xe2\\x82"},
	    {"c1 \xc2\x9b" "2J", "c1 \\u009b2J"},	     /* CSI as a C1 control */
	    {"bidi \xe2\x80\xae" "txt", "bidi \\u202etxt"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		_cleanup_(freep) char *e = str_escape(t[i].in);
		assert_non_null(e);
		if (!streq(e, t[i].out))
			fail_msg("case %zu: got '%s', expected '%s'", i, e, t[i].out);
		assert_int_equal(str_needs_escape(t[i].in), !streq(t[i].in, t[i].out));
	}
	assert_null(str_escape(NULL));
	assert_false(str_needs_escape(NULL));
}

static void test_diag_print_escapes(void **state)
{
	(void)state;
	struct diag d;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	diag_init(&d);
	diag_error(&d, &(struct src_loc){.file = "evil\n.yaml", .line = 2, .col = 3}, -EINVAL,
		   "guest '%s' is bad", "g\x1b[8m\nerror: forged");
	diag_warning(&d, &(struct src_loc){.file = "/etc/modprobe.d/x.conf"}, "line '# caf\xe9'");
	diag_note(&d, NULL, "caf\xc3\xa9");
	diag_print(&d, f);
	fclose(f);
	assert_string_equal(out, "evil\\n.yaml:2:3: error: guest 'g\\x1b[8m\\nerror: forged' is bad\n"
				 "/etc/modprobe.d/x.conf: warning: line '# caf\\xe9'\n"
				 "note: caf\xc3\xa9\n");
	free(out);
	diag_release(&d);
}

/* A set keeps the first of equal strings; the array stays NULL-terminated. */
static void test_strv_set(void **state)
{
	static const char *const in[] = {"igb", "vfio-pci", "igb", "igbvf", "vfio-pci", "igb"};
	static const char *const want[] = {"igb", "vfio-pci", "igbvf"};
	_cleanup_(strv_release) struct strv s = {0};
	size_t n = 99;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(in); i++)
		assert_int_equal(strv_add_unique(&s, in[i]), 0);
	assert_int_equal(s.n, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		assert_string_equal(s.v[i], want[i]);
	assert_null(s.v[s.n]);

	char **v = strv_steal(&s, &n);
	assert_int_equal(n, ARRAY_SIZE(want));
	assert_null(s.v);
	assert_int_equal(s.n, 0);
	assert_null(v[n]);
	strv_free(v);
}

/* A hashed set: each key once, found after the table grew, others not. */
static void test_strset(void **state)
{
	_cleanup_(strset_release) struct strset s = {0};
	char key[32];
	(void)state;

	assert_false(strset_has(&s, "igb"));
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "0000:%02x:%02x.%u", i / 256, i % 256 / 8, i % 8);
		assert_int_equal(strset_add(&s, key), 1);
	}
	assert_int_equal(s.n, 1000);
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "0000:%02x:%02x.%u", i / 256, i % 256 / 8, i % 8);
		assert_true(strset_has(&s, key));
		assert_int_equal(strset_add(&s, key), 0);
		snprintf(key, sizeof(key), "bind:0000:%02x:%02x.%u", i / 256, i % 256 / 8, i % 8);
		assert_false(strset_has(&s, key));
	}
	assert_int_equal(s.n, 1000);
	assert_true(s.cap >= 2000);
	assert_int_equal(strset_add(&s, ""), 1);
	assert_true(strset_has(&s, ""));
}

/* Pushed strings are taken over, sorted on request; an empty strv steals as NULL. */
static void test_strv_push_sort(void **state)
{
	_cleanup_(strv_release) struct strv s = {0};
	size_t n = 99;
	char buf[16];
	(void)state;

	assert_null(strv_steal(&s, &n));
	assert_int_equal(n, 0);
	for (int i = 20; i > 0; i--) { /* more than one growth step */
		snprintf(buf, sizeof(buf), "vf%02d", i);
		assert_int_equal(strv_push(&s, strdup(buf)), 0);
		assert_null(s.v[s.n]);
	}
	assert_int_equal(strv_push(&s, strdup("vf07")), 0); /* a vector keeps repeats */
	assert_int_equal(strv_push(&s, NULL), -ENOMEM);
	assert_int_equal(s.n, 21);
	strv_sort(&s);
	assert_string_equal(s.v[0], "vf01");
	assert_string_equal(s.v[6], "vf07");
	assert_string_equal(s.v[7], "vf07");
	assert_string_equal(s.v[20], "vf20");
	assert_null(s.v[21]);
	strv_release(&s);
	assert_null(s.v);
	assert_int_equal(s.n, 0);
}

/* The last component of a link's target; NULL with readlink's errno. */
static void test_readlink_name(void **state)
{
	char dir[] = "/tmp/sriovctl-util.XXXXXX";
	(void)state;

	assert_non_null(mkdtemp(dir));
	_cleanup_(freep) char *drv = strprintf("%s/driver", dir);
	_cleanup_(freep) char *vf = strprintf("%s/virtfn0", dir);
	_cleanup_(freep) char *file = strprintf("%s/file", dir);
	assert_int_equal(symlink("../../../../bus/pci/drivers/igb", drv), 0);
	assert_int_equal(symlink("0000:0b:10.0", vf), 0);
	fclose(fopen(file, "we"));

	_cleanup_(freep) char *a = readlink_name(drv);
	_cleanup_(freep) char *b = readlink_name(vf);
	assert_string_equal(a, "igb");
	assert_string_equal(b, "0000:0b:10.0");
	errno = 0;
	assert_null(readlink_name(file));
	assert_int_equal(errno, EINVAL);
	unlink(drv);
	errno = 0;
	assert_null(readlink_name(drv));
	assert_int_equal(errno, ENOENT);
	unlink(vf);
	unlink(file);
	rmdir(dir);
}

/* A file of len bytes 'a'..'z' over and over, at path. */
static void write_bytes(const char *path, size_t len)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	for (size_t i = 0; i < len; i++)
		fputc('a' + (int)(i % 26), f);
	assert_int_equal(fclose(f), 0);
}

/*
 * Whole files: the size from fstat() only sizes the buffer (a pipe says
 * 0, a sysfs attribute 4096 whatever it holds); max bytes pass, one more
 * is -EFBIG; the length is given.
 */
static void test_read_text(void **state)
{
	char dir[] = "/tmp/sriovctl-util.XXXXXX";
	size_t len = 0;
	int p[2];
	(void)state;

	assert_non_null(mkdtemp(dir));
	_cleanup_(freep) char *path = strprintf("%s/f", dir);
	_cleanup_(freep) char *missing = strprintf("%s/none", dir);
	char *text = NULL;

	write_bytes(path, 100000);
	assert_int_equal(read_text_file(path, 100000, &text), 0);
	assert_int_equal(strlen(text), 100000);
	assert_int_equal(text[99999], 'a' + 99999 % 26);
	free(text);
	assert_int_equal(read_text_file(path, 99999, &text), -EFBIG);
	write_bytes(path, 0);
	assert_int_equal(read_text_file(path, 0, &text), 0);
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(read_text_file(missing, 10, &text), -ENOENT);

	/* a pipe: no size, grows past its first guess */
	assert_int_equal(pipe(p), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(write(p[1], "0123456789", 10), 10);
	static char big[6000];
	memset(big, 'x', sizeof(big));
	assert_int_equal(write(p[1], big, sizeof(big)), sizeof(big));
	close(p[1]);
	assert_int_equal(read_fd_text(p[0], SIZE_MAX, &text, &len), 0);
	close(p[0]);
	assert_int_equal(len, 6100);
	assert_int_equal(strlen(text), 6100);
	assert_memory_equal(text, "0123456789", 10);
	assert_int_equal(text[6099], 'x');
	free(text);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_str_escape),	  cmocka_unit_test(test_diag_print_escapes),
	    cmocka_unit_test(test_strv_set),	  cmocka_unit_test(test_strv_push_sort),
	    cmocka_unit_test(test_readlink_name), cmocka_unit_test(test_strset),
	    cmocka_unit_test(test_read_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

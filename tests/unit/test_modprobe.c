/* SPDX-License-Identifier: MIT */
/*
 * modprobe.d files written atomically, and their faults: a read-only
 * directory and a full disk (tmpfs in a private mount namespace), a
 * failing rename; module reload refusals that unload nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modprobe.h"
#include "unit.h"

static char tmp[64];

static int make_tmp(void **state)
{
	(void)state;
	return unit_mkdtemp(tmp, "modprobe");
}

static int remove_tmp(void **state)
{
	(void)state;
	return unit_rm_rf(tmp);
}

/* A fresh directory under tmp, used as --root. Owned. */
static char *new_root(const char *name)
{
	char *r = strprintf("%s/%s", tmp, name);
	assert_non_null(r);
	assert_int_equal(mkdir(r, 0755), 0);
	return r;
}

static void assert_file(const char *root, const char *path, const char *content)
{
	char *full = strprintf("%s%s", root, path);
	char *got = unit_slurp(full, NULL);

	assert_non_null(got);
	assert_string_equal(got, content);
	free(got);
	free(full);
}

/* The names in <root>/etc/modprobe.d, sorted, joined by ' ': no temporary file left behind. */
static char *listing(const char *root)
{
	char *dir = strprintf("%s/etc/modprobe.d", root);
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	char *out = strdup("");

	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		if (!streq(ents[i]->d_name, ".") && !streq(ents[i]->d_name, "..")) {
			char *s = strprintf("%s%s%s", out, *out ? " " : "", ents[i]->d_name);
			free(out);
			out = s;
		}
		free(ents[i]);
	}
	free(ents);
	free(dir);
	return out;
}

static void assert_listing(const char *root, const char *want)
{
	char *got = listing(root);

	assert_string_equal(got, want);
	free(got);
}

static void assert_only_error(struct diag *d, const char *want)
{
	assert_int_equal(d->n_errors, 1);
	assert_string_equal(d->v[0].msg, want);
}

/* ---- paths ---- */

static void test_path_valid(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		bool ok;
	} cases[] = {
	    {"/etc/modprobe.d/igb.conf", true},
	    {"/etc/modprobe.d/sriovctl-igb.conf", true},
	    {"/etc/modprobe.d/a.conf", true},
	    {"/etc/modprobe.d/.conf", false},
	    {"/etc/modprobe.d/.igb.conf", false},
	    {"/etc/modprobe.d/igb", false},
	    {"/etc/modprobe.d/igb.conf.bak", false},
	    {"/etc/modprobe.d/", false},
	    {"/etc/modprobe.d/sub/igb.conf", false},
	    {"/etc/modprobe.d/../passwd.conf", false},
	    {"/etc/modprobe.dx/igb.conf", false},
	    {"etc/modprobe.d/igb.conf", false},
	    {"/lib/modprobe.d/igb.conf", false},
	    {"/etc/passwd", false},
	    {"", false},
	    {NULL, false},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (modprobe_path_valid(cases[i].path) != cases[i].ok)
			fail_msg("modprobe_path_valid(\"%s\") should be %d",
				 cases[i].path ? cases[i].path : "NULL", cases[i].ok);
	}
}

static void test_refuses_other_paths(void **state)
{
	(void)state;
	char *root = new_root("refuse");
	struct diag d;
	struct stat st;
	char *passwd = strprintf("%s/etc/passwd", root);

	diag_init(&d);
	assert_int_equal(modprobe_write_file(root, "/etc/passwd", "x\n", &d), -EINVAL);
	assert_only_error(&d, "refusing to write '/etc/passwd': not a .conf file directly under "
			      "/etc/modprobe.d");
	diag_clear(&d);
	assert_int_equal(modprobe_write_file(root, "/etc/modprobe.d/../x.conf", "x\n", &d),
			 -EINVAL);
	assert_int_equal(d.n_errors, 1);
	/* nothing was created, not even the directory */
	assert_int_equal(stat(passwd, &st), -1);
	char *etc = strprintf("%s/etc", root);
	assert_int_equal(stat(etc, &st), -1);
	diag_release(&d);
	free(etc);
	free(passwd);
	free(root);
}

/* ---- writing ---- */

static void test_new_file(void **state)
{
	(void)state;
	char *root = new_root("new");
	char *file = strprintf("%s/etc/modprobe.d/igb.conf", root);
	struct diag d;
	struct stat st;

	diag_init(&d);
	assert_int_equal(
	    modprobe_write_file(root, "/etc/modprobe.d/igb.conf", "options igb max_vfs=7\n", &d),
	    0);
	assert_int_equal(d.n_errors, 0);
	assert_file(root, "/etc/modprobe.d/igb.conf", "options igb max_vfs=7\n");
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_listing(root, "igb.conf");
	diag_release(&d);
	free(file);
	free(root);
}

static void test_replace_existing(void **state)
{
	(void)state;
	char *root = new_root("replace");
	char *trailing = strprintf("%s/", root);
	char *file = strprintf("%s/etc/modprobe.d/igb.conf", root);
	char *other = strprintf("%s/etc/modprobe.d/blacklist.conf", root);
	struct diag d;
	struct stat before, after;
	FILE *f;

	diag_init(&d);
	assert_int_equal(modprobe_write_file(root, "/etc/modprobe.d/igb.conf",
					     "options igb max_vfs=2 debug=1\n# a longer old file\n",
					     &d),
			 0);
	f = fopen(other, "we");
	assert_non_null(f);
	fputs("blacklist igbvf\n", f);
	fclose(f);
	assert_int_equal(stat(file, &before), 0);

	/* a root with a trailing '/' names the same file */
	assert_int_equal(modprobe_write_file(trailing, "/etc/modprobe.d/igb.conf",
					     "options igb max_vfs=7\n", &d),
			 0);
	assert_int_equal(d.n_errors, 0);
	assert_file(root, "/etc/modprobe.d/igb.conf", "options igb max_vfs=7\n");
	/* replaced by rename, not rewritten in place */
	assert_int_equal(stat(file, &after), 0);
	assert_true(before.st_ino != after.st_ino);
	/* the file sriovctl does not manage is untouched */
	assert_file(root, "/etc/modprobe.d/blacklist.conf", "blacklist igbvf\n");
	assert_listing(root, "blacklist.conf igb.conf");

	/* empty content is a file, NULL removes it; removing again is fine */
	assert_int_equal(modprobe_write_file(root, "/etc/modprobe.d/igb.conf", "", &d), 0);
	assert_file(root, "/etc/modprobe.d/igb.conf", "");
	assert_int_equal(modprobe_write_file(root, "/etc/modprobe.d/igb.conf", NULL, &d), 0);
	assert_int_equal(modprobe_write_file(root, "/etc/modprobe.d/igb.conf", NULL, &d), 0);
	assert_listing(root, "blacklist.conf");
	assert_int_equal(d.n_errors, 0);
	diag_release(&d);
	free(trailing);
	free(file);
	free(other);
	free(root);
}

static void test_rename_fails(void **state)
{
	(void)state;
	char *root = new_root("rename");
	char *dir = strprintf("%s/etc/modprobe.d/igb.conf", root);
	char *inner = strprintf("%s/keep", dir);
	char *want = strprintf("cannot replace '%s': Is a directory", dir);
	struct diag d;

	diag_init(&d);
	/* a directory where the file should be: the rename is refused */
	char *etc = strprintf("%s/etc", root), *mdir = strprintf("%s/etc/modprobe.d", root);
	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(mkdir(mdir, 0755), 0);
	free(etc);
	free(mdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(inner, 0755), 0);
	assert_int_equal(modprobe_write_file(root, "/etc/modprobe.d/igb.conf", "x\n", &d), -EISDIR);
	assert_only_error(&d, want);
	assert_listing(root, "igb.conf");
	diag_release(&d);
	free(want);
	free(inner);
	free(dir);
	free(root);
}

static void test_root_not_a_directory(void **state)
{
	(void)state;
	char *root = strprintf("%s/plainfile", tmp);
	char *want = strprintf("cannot create directory '%s/etc': Not a directory", root);
	struct diag d;
	FILE *f = fopen(root, "we");

	assert_non_null(f);
	fclose(f);
	diag_init(&d);
	assert_int_equal(modprobe_write_file(root, "/etc/modprobe.d/igb.conf", "x\n", &d),
			 -ENOTDIR);
	assert_only_error(&d, want);
	diag_release(&d);
	free(want);
	free(root);
}

/* ---- faults on real file systems, in a private mount namespace ---- */

static bool mntns_ok;
static const char *mntns_why = "not root";

static int mntns_setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		mntns_why = "cannot create a private mount namespace";
		return 0;
	}
	mntns_ok = true;
	return 0;
}

/* The temporary directory, and a private mount namespace for the fault tests. */
static int setup(void **state)
{
	return make_tmp(state) < 0 ? -1 : mntns_setup(state);
}

#define NEED_MNTNS()                                                                               \
	do {                                                                                       \
		if (!mntns_ok) {                                                                   \
			print_message("# skip reason: %s\n", mntns_why);                           \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

/* A tmpfs root holding /etc/modprobe.d/igb.conf with content old. */
static char *tmpfs_root(const char *name, const char *opts, const char *old)
{
	char *root = new_root(name);
	struct diag d;

	assert_int_equal(mount("tmpfs", root, "tmpfs", 0, opts), 0);
	diag_init(&d);
	assert_int_equal(modprobe_write_file(root, "/etc/modprobe.d/igb.conf", old, &d), 0);
	diag_release(&d);
	return root;
}

static void test_read_only(void **state)
{
	(void)state;
	NEED_MNTNS();
	char *root = tmpfs_root("ro", "size=64k", "options igb max_vfs=2\n");
	char *want =
	    strprintf("cannot write '%s/etc/modprobe.d/igb.conf': Read-only file system", root);
	struct diag d;

	diag_init(&d);
	assert_int_equal(mount(NULL, root, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	assert_int_equal(
	    modprobe_write_file(root, "/etc/modprobe.d/igb.conf", "options igb max_vfs=7\n", &d),
	    -EROFS);
	assert_only_error(&d, want);
	assert_file(root, "/etc/modprobe.d/igb.conf", "options igb max_vfs=2\n");
	assert_listing(root, "igb.conf");
	/* removal is refused the same way */
	diag_clear(&d);
	assert_int_equal(modprobe_write_file(root, "/etc/modprobe.d/igb.conf", NULL, &d), -EROFS);
	assert_file(root, "/etc/modprobe.d/igb.conf", "options igb max_vfs=2\n");

	/* writable again: the same call converges */
	diag_clear(&d);
	assert_int_equal(mount(NULL, root, NULL, MS_REMOUNT, NULL), 0);
	assert_int_equal(
	    modprobe_write_file(root, "/etc/modprobe.d/igb.conf", "options igb max_vfs=7\n", &d),
	    0);
	assert_file(root, "/etc/modprobe.d/igb.conf", "options igb max_vfs=7\n");
	assert_listing(root, "igb.conf");
	assert_int_equal(umount(root), 0);
	diag_release(&d);
	free(want);
	free(root);
}

static void test_read_only_missing_dir(void **state)
{
	(void)state;
	NEED_MNTNS();
	char *root = new_root("ro-empty");
	char *want = strprintf("cannot create directory '%s/etc': Read-only file system", root);
	struct diag d;

	diag_init(&d);
	assert_int_equal(mount("tmpfs", root, "tmpfs", MS_RDONLY, "size=64k"), 0);
	assert_int_equal(modprobe_write_file(root, "/etc/modprobe.d/igb.conf", "x\n", &d), -EROFS);
	assert_only_error(&d, want);
	assert_int_equal(umount(root), 0);
	diag_release(&d);
	free(want);
	free(root);
}

static void test_disk_full(void **state)
{
	(void)state;
	NEED_MNTNS();
	/* one page for the old file, three for the new one: 64 KiB cannot fit */
	char *root = tmpfs_root("full", "size=16k", "options igb max_vfs=2\n");
	char *want =
	    strprintf("cannot write '%s/etc/modprobe.d/igb.conf': No space left on device", root);
	size_t big = 64 * 1024;
	char *content = malloc(big + 1);
	struct diag d;

	assert_non_null(content);
	memset(content, '#', big);
	content[big - 1] = '\n';
	content[big] = '\0';
	diag_init(&d);
	assert_int_equal(modprobe_write_file(root, "/etc/modprobe.d/igb.conf", content, &d),
			 -ENOSPC);
	assert_only_error(&d, want);
	assert_file(root, "/etc/modprobe.d/igb.conf", "options igb max_vfs=2\n");
	assert_listing(root, "igb.conf");

	/* what fits is written: a re-run with room converges */
	diag_clear(&d);
	assert_int_equal(
	    modprobe_write_file(root, "/etc/modprobe.d/igb.conf", "options igb max_vfs=7\n", &d),
	    0);
	assert_file(root, "/etc/modprobe.d/igb.conf", "options igb max_vfs=7\n");
	assert_listing(root, "igb.conf");
	assert_int_equal(umount(root), 0);
	diag_release(&d);
	free(content);
	free(want);
	free(root);
}

/* ---- module reload: refusals only, nothing real is unloaded ---- */

static void test_reload_missing_module(void **state)
{
	(void)state;
	struct diag d;
	struct stat st;

	/* a name no kernel has: nothing to unload, and nothing to load */
	assert_int_equal(stat("/sys/module/sriovctl_no_such_module", &st), -1);
	diag_init(&d);
	assert_int_equal(modprobe_reload_module("sriovctl_no_such_module", "max_vfs=7", &d),
			 -ENOENT);
	assert_only_error(&d, "cannot load module 'sriovctl_no_such_module': not found in the "
			      "module directory");
	diag_release(&d);
}

static void test_reload_builtin_refused(void **state)
{
	(void)state;
	struct diag d;
	struct stat st;

	/* printk is never a loadable module: /sys/module/printk has no initstate */
	if (stat("/sys/module/printk", &st) < 0 || stat("/sys/module/printk/initstate", &st) == 0) {
		print_message("# skip reason: no built-in module 'printk' in /sys/module\n");
		skip();
	}
	diag_init(&d);
	assert_int_equal(modprobe_reload_module("printk", NULL, &d), -EPERM);
	assert_only_error(&d, "cannot reload module 'printk': it is built into the kernel");
	diag_release(&d);
}

static void test_reload_bad_name(void **state)
{
	(void)state;
	struct diag d;

	diag_init(&d);
	assert_int_equal(modprobe_reload_module("../igb", NULL, &d), -EINVAL);
	assert_int_equal(modprobe_reload_module("", NULL, &d), -EINVAL);
	assert_int_equal(modprobe_reload_module(NULL, NULL, &d), -EINVAL);
	assert_int_equal(d.n_errors, 3);
	assert_string_equal(d.v[0].msg, "invalid module name '../igb'");
	diag_release(&d);
}

int main(void)
{
	/* one group, one TAP plan */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_valid),
	    cmocka_unit_test(test_refuses_other_paths),
	    cmocka_unit_test(test_new_file),
	    cmocka_unit_test(test_replace_existing),
	    cmocka_unit_test(test_rename_fails),
	    cmocka_unit_test(test_root_not_a_directory),
	    cmocka_unit_test(test_reload_missing_module),
	    cmocka_unit_test(test_reload_builtin_refused),
	    cmocka_unit_test(test_reload_bad_name),
	    cmocka_unit_test(test_read_only),
	    cmocka_unit_test(test_read_only_missing_dir),
	    cmocka_unit_test(test_disk_full),
	};
	int r = cmocka_run_group_tests_name("modprobe", tests, setup, NULL);
	return r | remove_tmp(NULL);
}

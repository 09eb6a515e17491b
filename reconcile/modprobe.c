/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "kmodlib.h"
#include "modprobe.h"

bool modprobe_path_valid(const char *path)
{
	static const char dir[] = MODPROBE_DIR "/";
	static const char ext[] = ".conf";
	size_t n;

	if (!path || strncmp(path, dir, sizeof(dir) - 1) != 0)
		return false;
	path += sizeof(dir) - 1;
	n = strlen(path);
	if (n <= sizeof(ext) - 1 || path[0] == '.' || strchr(path, '/'))
		return false;
	return streq(path + n - (sizeof(ext) - 1), ext);
}

/* mkdir that accepts an existing directory. */
static int mkdir_exist_ok(const char *dir, struct diag *d)
{
	struct stat st;

	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
	return diag_error(d, NULL, -errno, "cannot create directory '%s': %s", dir,
			  strerror(errno));
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t k = write(fd, buf, len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EIO;
		buf += k;
		len -= (size_t)k;
	}
	return 0;
}

static int fsync_dir(const char *dir, struct diag *d)
{
	_cleanup_(closep) int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		return diag_error(d, NULL, -errno, "cannot sync directory '%s': %s", dir,
				  strerror(errno));
	return 0;
}

/* Write content into the new temporary file fd; on error the caller unlinks it. */
static int fill_temp(int fd, const char *content, const char *target, struct diag *d)
{
	int r = write_all(fd, content, strlen(content));

	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0)
		return diag_error(d, NULL, r, "cannot write '%s': %s", target, strerror(-r));
	return 0;
}

static int remove_file(const char *target, const char *dir, struct diag *d)
{
	if (unlink(target) < 0) {
		if (errno == ENOENT)
			return 0;
		return diag_error(d, NULL, -errno, "cannot remove '%s': %s", target,
				  strerror(errno));
	}
	return fsync_dir(dir, d);
}

/*
 * Remove ".NAME.XXXXXX" files in dir: temporary files of this tool that a
 * crash between write and rename left (the run lock keeps other runs
 * out). Only regular files whose name has exactly that shape.
 */
static void remove_stale_temps(const char *dir, const char *name)
{
	DIR *dh = opendir(dir);
	size_t n = strlen(name);
	struct dirent *de;

	if (!dh)
		return;
	while ((de = readdir(dh))) {
		const char *e = de->d_name;
		if (e[0] != '.' || strncmp(e + 1, name, n) != 0 || e[1 + n] != '.' ||
		    strlen(e + 2 + n) != 6)
			continue;
		struct stat st;
		if (fstatat(dirfd(dh), e, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			unlinkat(dirfd(dh), e, 0);
	}
	closedir(dh);
}

/*
 * The mode and owner the new file gets: those of the file it replaces,
 * else 0644 and ours. A symbolic link (or anything but a regular file) is
 * refused: replacing it would turn the link into a file that holds its
 * target's lines, and following it would write outside /etc/modprobe.d.
 */
static int target_attrs(const char *target, struct stat *ret, bool *exists, struct diag *d)
{
	*exists = false;
	if (lstat(target, ret) < 0) {
		if (errno == ENOENT)
			return 0;
		return diag_error(d, NULL, -errno, "cannot write '%s': %s", target,
				  strerror(errno));
	}
	if (S_ISLNK(ret->st_mode))
		return diag_error(d, NULL, -ELOOP,
				  "refusing to write '%s': it is a symbolic link (sriovctl replaces "
				  "only regular files; make it one, or name the real file in 'file:')",
				  target);
	if (S_ISDIR(ret->st_mode))
		return diag_error(d, NULL, -EISDIR, "cannot replace '%s': %s", target,
				  strerror(EISDIR));
	if (!S_ISREG(ret->st_mode))
		return diag_error(d, NULL, -EINVAL, "refusing to write '%s': not a regular file",
				  target);
	*exists = true;
	return 0;
}

/*
 * A temporary file in dir holding content, with the mode and owner of
 * old (when exists), linked as *tmp (owned by the caller). With O_TMPFILE
 * the file has no name until it is complete, so a crash leaves nothing;
 * filesystems without it get a mkostemp name.
 */
static int make_temp(const char *dir, const char *name, const char *target, const char *content,
		     const struct stat *old, bool exists, char **tmp, struct diag *d)
{
	mode_t mode = exists ? (old->st_mode & 07777) : 0644;
	_cleanup_(closep) int fd = -1;
	bool anonymous = false;
	int r;

	*tmp = strprintf("%s/.%s.XXXXXX", dir, name);
	if (!*tmp)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0)
		anonymous = true;
	else
		fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0)
		return diag_error(d, NULL, -errno, "cannot write '%s': %s", target,
				  strerror(errno));
	r = fill_temp(fd, content, target, d);
	if (r == 0 && exists && fchown(fd, old->st_uid, old->st_gid) < 0)
		r = diag_error(d, NULL, -errno, "cannot keep the owner of '%s': %s", target,
			       strerror(errno));
	/* after chown, which clears set-id bits */
	if (r == 0 && (fchmod(fd, mode) < 0 || fsync(fd) < 0))
		r = diag_error(d, NULL, -errno, "cannot write '%s': %s", target, strerror(errno));
	if (r == 0 && anonymous) {
		/* a free name of the mkostemp shape, for the moment until the rename */
		char proc[64];
		int l = -1;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		for (int i = 0; i < 100 && l < 0; i++) {
			snprintf(*tmp + strlen(*tmp) - 6, 7, "%06x", (unsigned)(random() & 0xffffff));
			l = linkat(AT_FDCWD, proc, AT_FDCWD, *tmp, AT_SYMLINK_FOLLOW);
			if (l < 0 && errno != EEXIST)
				break;
		}
		if (l < 0)
			r = diag_error(d, NULL, -errno, "cannot write '%s': %s", target,
				       strerror(errno));
	}
	if (r < 0 && !anonymous)
		unlink(*tmp);
	if (r == 0 && close(TAKE_FD(fd)) < 0) {
		r = diag_error(d, NULL, -errno, "cannot write '%s': %s", target, strerror(errno));
		unlink(*tmp);
	}
	return r;
}

int modprobe_write_file(const char *root, const char *path, const char *content, struct diag *d)
{
	_cleanup_(freep) char *etc = NULL, *dir = NULL, *target = NULL, *tmp = NULL;
	const char *name;
	int r;

	if (!modprobe_path_valid(path))
		return diag_error(d, NULL, -EINVAL,
				  "refusing to write '%s': not a .conf file directly under %s",
				  path ? path : "(null)", MODPROBE_DIR);
	name = strrchr(path, '/') + 1;
	etc = root_path(root, "/etc");
	dir = root_path(root, MODPROBE_DIR);
	target = root_path(root, path);
	if (!etc || !dir || !target)
		return diag_error(d, NULL, -ENOMEM, "out of memory");

	r = mkdir_exist_ok(etc, d);
	if (r < 0)
		return r;
	r = mkdir_exist_ok(dir, d);
	if (r < 0)
		return r;
	remove_stale_temps(dir, name);
	struct stat old;
	bool exists;
	r = target_attrs(target, &old, &exists, d);
	if (r < 0)
		return r;
	if (!content)
		return remove_file(target, dir, d);

	r = make_temp(dir, name, target, content, &old, exists, &tmp, d);
	if (r < 0)
		return r;
	if (rename(tmp, target) < 0) {
		r = diag_error(d, NULL, -errno, "cannot replace '%s': %s", target, strerror(errno));
		unlink(tmp);
		return r;
	}
	return fsync_dir(dir, d);
}

enum module_presence {
	MODULE_ABSENT,
	MODULE_LOADED,
	MODULE_BUILTIN,
};

/*
 * The kernel gives a loadable module /sys/module/NAME/initstate; a built-in
 * one has at most /sys/module/NAME (when it has parameters), or is listed
 * in modules.builtin, which libkmod reads.
 */
static enum module_presence module_presence(struct kmod_module *m)
{
	_cleanup_(freep) char *dir = strprintf("/sys/module/%s", kmodlib.kmod_module_get_name(m));
	_cleanup_(freep) char *initstate = strprintf("%s/initstate", dir ? dir : "");
	struct stat st;

	if (kmodlib.kmod_module_get_initstate(m) == KMOD_MODULE_BUILTIN)
		return MODULE_BUILTIN;
	if (!dir || !initstate)
		return MODULE_ABSENT;
	if (stat(initstate, &st) == 0)
		return MODULE_LOADED;
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return MODULE_BUILTIN;
	return MODULE_ABSENT;
}

static const char *remove_error(int err)
{
	switch (err) {
	case -EBUSY:
	case -EAGAIN:
		return "it is in use";
	case -ENOSYS:
		return "the kernel does not support module unloading";
	default:
		return strerror(-err);
	}
}

int modprobe_reload_module(const char *name, const char *options, struct diag *d)
{
	_cleanup_(kmodlib_unrefp) struct kmod_ctx *ctx = NULL;
	_cleanup_(kmodlib_module_unrefp) struct kmod_module *m = NULL;
	int r;

	if (!name || !*name || strchr(name, '/'))
		return diag_error(d, NULL, -EINVAL, "invalid module name '%s'",
				  name ? name : "(null)");
	r = kmodlib_new(&ctx);
	if (r < 0)
		return diag_error(d, NULL, r, "cannot reload module '%s': %s", name,
				  r == -ELIBACC ? kmodlib_error() : "cannot set up libkmod");
	r = kmodlib.kmod_module_new_from_name(ctx, name, &m);
	if (r < 0)
		return diag_error(d, NULL, r, "cannot reload module '%s': %s", name, strerror(-r));

	switch (module_presence(m)) {
	case MODULE_BUILTIN:
		return diag_error(d, NULL, -EPERM,
				  "cannot reload module '%s': it is built into the kernel", name);
	case MODULE_LOADED:
		r = kmodlib.kmod_module_remove_module(m, 0);
		if (r < 0)
			return diag_error(d, NULL, r, "cannot unload module '%s': %s", name,
					  remove_error(r));
		break;
	case MODULE_ABSENT:
		break;
	}

	r = kmodlib.kmod_module_probe_insert_module(
	    m, KMOD_PROBE_IGNORE_COMMAND | KMOD_PROBE_FAIL_ON_LOADED, options, NULL, NULL, NULL);
	if (r == -ENOENT)
		return diag_error(
		    d, NULL, r, "cannot load module '%s': not found in the module directory", name);
	if (r == -EEXIST)
		return diag_error(d, NULL, r, "cannot load module '%s': still loaded after removal",
				  name);
	if (r < 0)
		return diag_error(d, NULL, r, "cannot load module '%s'%s%s%s: %s", name,
				  options ? " with options '" : "", options ? options : "",
				  options ? "'" : "", strerror(-r));
	return 0;
}

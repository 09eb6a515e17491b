// SPDX-License-Identifier: MIT
/*
 * Operations on the testbed tree: the configuration, small files, VF
 * creation and removal, driver binding. The layout matches mktestbed.py.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "simhost.h"

static struct sim_config config;
static int config_state; /* 0 not loaded, 1 loaded, -1 no testbed */

static void parse_pf(char *line)
{
	struct sim_pf *pf;
	char *tok, *save = NULL;

	if (config.n_pfs >= SIM_MAX_PFS)
		return;
	pf = &config.pfs[config.n_pfs];
	tok = strtok_r(line, " \t", &save);
	if (!tok)
		return;
	snprintf(pf->addr, sizeof(pf->addr), "%s", tok);
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *v = strchr(tok, '=');

		if (!v)
			continue;
		*v++ = '\0';
		if (strcmp(v, "-") == 0)
			v = "";
		if (strcmp(tok, "delay-ms") == 0)
			pf->delay_ms = strtoul(v, NULL, 10);
		else if (strcmp(tok, "write-blocks") == 0)
			pf->write_blocks = strcmp(v, "1") == 0;
		else if (strcmp(tok, "hang-ms") == 0)
			pf->hang_ms = strtoul(v, NULL, 10);
		else if (strcmp(tok, "vf-enable-max") == 0)
			pf->vf_max = strtoul(v, NULL, 10);
		else if (strcmp(tok, "vf-driver") == 0)
			snprintf(pf->vf_driver, sizeof(pf->vf_driver), "%s", v);
		else if (strcmp(tok, "netdev") == 0)
			snprintf(pf->netdev, sizeof(pf->netdev), "%s", v);
		else if (strcmp(tok, "pf-netdev") == 0)
			snprintf(pf->pf_netdev, sizeof(pf->pf_netdev), "%s", v);
	}
	config.n_pfs++;
}

static int errno_by_name(const char *s)
{
	static const struct {
		const char *name;
		int err;
	} names[] = {{"EIO", EIO},	 {"ENOSPC", ENOSPC}, {"EBUSY", EBUSY},
		     {"EINVAL", EINVAL}, {"ENODEV", ENODEV}, {"EPERM", EPERM},
		     {"ERANGE", ERANGE}, {"ENOENT", ENOENT}, {"EACCES", EACCES},
		     {"hang", -1}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, s) == 0)
			return names[i].err;
	return EIO;
}

static void parse_fail(char *line)
{
	struct sim_fail *f;
	char addr[16], attr[64], err[16];

	if (config.n_fails >= SIM_MAX_FAILS)
		return;
	if (sscanf(line, "%15s %63s %15s", addr, attr, err) != 3)
		return;
	f = &config.fails[config.n_fails++];
	memcpy(f->addr, addr, sizeof(addr));
	memcpy(f->attr, attr, sizeof(attr));
	f->err = errno_by_name(err);
}

static void load_config(void)
{
	const char *tb = getenv("UMOCKDEV_DIR");
	const char *path = getenv("SIMHOST_CONFIG");
	char conf[PATH_MAX], buf[16384], *line, *save = NULL;
	char resolved[PATH_MAX];

	if (!tb || !*tb || !realpath(tb, resolved) || strlen(resolved) >= sizeof(config.tb)) {
		config_state = -1;
		return;
	}
	snprintf(config.tb, sizeof(config.tb), "%s", resolved);
	config.tb_len = strlen(config.tb);
	snprintf(config.sys, sizeof(config.sys), "%s/sys", config.tb);
	config.sys_len = strlen(config.sys);
	snprintf(config.nonet, sizeof(config.nonet), " vfio-pci pci-stub ");
	if (!path || !*path) {
		snprintf(conf, sizeof(conf), "%s/simhost.conf", config.tb);
		path = conf;
	}
	if (sim_read(path, buf, sizeof(buf)) >= 0) {
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (strncmp(line, "pf ", 3) == 0)
				parse_pf(line + 3);
			else if (strncmp(line, "fail ", 5) == 0)
				parse_fail(line + 5);
			else if (strncmp(line, "nonet ", 6) == 0)
				snprintf(config.nonet, sizeof(config.nonet), " %s ", line + 6);
		}
	}
	config_state = 1;
}

const struct sim_config *sim_config(void)
{
	if (config_state == 0)
		load_config();
	return config_state > 0 ? &config : NULL;
}

const struct sim_pf *sim_find_pf(const char *addr)
{
	for (size_t i = 0; i < config.n_pfs; i++)
		if (strcmp(config.pfs[i].addr, addr) == 0)
			return &config.pfs[i];
	return NULL;
}

int sim_find_fail(const char *addr, const char *attr)
{
	for (size_t i = 0; i < config.n_fails; i++)
		if (strcmp(config.fails[i].addr, addr) == 0 &&
		    strcmp(config.fails[i].attr, attr) == 0)
			return config.fails[i].err;
	return 0;
}

bool sim_driver_has_netdev(const char *driver)
{
	char key[80];

	snprintf(key, sizeof(key), " %s ", driver);
	return !strstr(config.nonet, key);
}

/* ---- files, with raw system calls ---- */

int sim_read(const char *path, char *buf, size_t size)
{
	return sim_read_at(AT_FDCWD, path, buf, size);
}

int sim_read_at(int dfd, const char *path, char *buf, size_t size)
{
	long fd = syscall(SYS_openat, dfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)total < size - 1) {
		size_t want = size - 1 - total;

		n = syscall(SYS_read, fd, buf + total, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
		/* the testbed's files are regular files: a short read is their end */
		if ((size_t)n < want)
			break;
	}
	syscall(SYS_close, fd);
	buf[total] = '\0';
	if (total > 0 && buf[total - 1] == '\n')
		buf[--total] = '\0';
	return total;
}

int sim_read_uint(const char *path, unsigned *ret)
{
	return sim_read_uint_at(AT_FDCWD, path, ret);
}

int sim_read_uint_at(int dfd, const char *path, unsigned *ret)
{
	char buf[64], *end;
	unsigned long v;
	int r = sim_read_at(dfd, path, buf, sizeof(buf));

	if (r < 0)
		return r;
	errno = 0;
	v = strtoul(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	*ret = v;
	return 0;
}

int sim_write(const char *path, const char *content, mode_t mode)
{
	long fd =
	    syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t len = strlen(content), done = 0;

	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = syscall(SYS_write, fd, content + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int r = -errno;

			syscall(SYS_close, fd);
			return r;
		}
		done += n;
	}
	syscall(SYS_close, fd);
	return 0;
}

int sim_writef(const char *path, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return sim_write(path, buf, 0644);
}

bool sim_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* A symlink from link to target, relative like sysfs's own links. */
int sim_symlink_rel(const char *target, const char *link)
{
	char rel[PATH_MAX] = "";
	size_t common = 0, i;
	const char *l;

	/* common leading directory components */
	for (i = 0; target[i] && target[i] == link[i]; i++)
		if (target[i] == '/')
			common = i + 1;
	for (l = link + common; *l; l++)
		if (*l == '/')
			strcat(rel, "../");
	strncat(rel, target + common, sizeof(rel) - strlen(rel) - 1);
	unlink(link);
	return symlink(rel, link) < 0 ? -errno : 0;
}

int sim_rmtree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char sub[PATH_MAX];

	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? -errno : 0;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		sim_rmtree(sub);
	}
	closedir(d);
	return rmdir(path) < 0 ? -errno : 0;
}

int sim_link_target(const char *link, char *buf, size_t size)
{
	char target[PATH_MAX], path[PATH_MAX * 2];
	long n = syscall(SYS_readlink, link, target, sizeof(target) - 1);
	const char *slash = strrchr(link, '/');

	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (target[0] == '/' || !slash)
		return -EINVAL;
	/* the link's directory, then the target's components, ".." taken back */
	snprintf(path, sizeof(path), "%.*s", (int)(slash - link), link);
	for (char *save = NULL, *c = strtok_r(target, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			char *up = strrchr(path, '/');
			if (!up || up == path)
				return -EINVAL;
			*up = '\0';
			continue;
		}
		size_t len = strlen(path);
		if (len + 1 + strlen(c) >= sizeof(path))
			return -ENAMETOOLONG;
		path[len] = '/';
		strcpy(path + len + 1, c);
	}
	if (strlen(path) >= size)
		return -ENAMETOOLONG;
	strcpy(buf, path);
	return 0;
}

int sim_pci_dev_path(const char *addr, char *buf, size_t size)
{
	char link[PATH_MAX], real[PATH_MAX];

	if (strchr(addr, '/') || !*addr)
		return -ENODEV;
	snprintf(link, sizeof(link), "%s/bus/pci/devices/%s", config.sys, addr);
	if (!realpath(link, real))
		return -ENODEV;
	snprintf(buf, size, "%s", real);
	return 0;
}

int sim_dev_driver(const char *devpath, char *buf, size_t size)
{
	char link[PATH_MAX];

	snprintf(link, sizeof(link), "%s/driver", devpath);
	return sim_driver_at(AT_FDCWD, link, buf, size);
}

int sim_driver_at(int dfd, const char *link, char *buf, size_t size)
{
	char target[PATH_MAX];
	ssize_t n;
	const char *slash;

	n = syscall(SYS_readlinkat, dfd, link, target, sizeof(target) - 1);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	target[n] = '\0';
	slash = strrchr(target, '/');
	snprintf(buf, size, "%s", slash ? slash + 1 : target);
	return 0;
}

void sim_vf_addr(const char *pf, unsigned offset, unsigned stride, unsigned n, char *buf,
		 size_t size)
{
	unsigned dom = 0, bus = 0, slot = 0, fn = 0, rid;

	sscanf(pf, "%x:%x:%x.%x", &dom, &bus, &slot, &fn);
	rid = (bus << 8 | slot << 3 | fn) + offset + n * stride;
	snprintf(buf, size, "%04x:%02x:%02x.%u", dom, (rid >> 8) & 0xff, (rid >> 3) & 0x1f,
		 rid & 7);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* ---- driver binding ---- */

static void uevent_set_driver(const char *devpath, const char *driver)
{
	char path[PATH_MAX], old[4096], out[4096] = "", *line, *save = NULL;

	snprintf(path, sizeof(path), "%s/uevent", devpath);
	if (sim_read(path, old, sizeof(old)) < 0)
		return;
	if (driver)
		snprintf(out, sizeof(out), "DRIVER=%s\n", driver);
	for (line = strtok_r(old, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "DRIVER=", 7) == 0)
			continue;
		strncat(out, line, sizeof(out) - strlen(out) - 2);
		strcat(out, "\n");
	}
	sim_write(path, out, 0644);
}

static unsigned ifindex_for(const char *addr)
{
	unsigned dom = 0, bus = 0, slot = 0, fn = 0;

	sscanf(addr, "%x:%x:%x.%x", &dom, &bus, &slot, &fn);
	return 1000 + (dom << 16 | bus << 8 | slot << 3 | fn);
}

/* The udev-like name of a VF's netdev, or the template from the state. */
static void vf_netdev_name(const struct sim_pf *pf, const char *addr, unsigned id, char *buf,
			   size_t size)
{
	unsigned dom = 0, bus = 0, slot = 0, fn = 0;
	const char *t = pf ? pf->netdev : "";
	size_t o = 0;

	sscanf(addr, "%x:%x:%x.%x", &dom, &bus, &slot, &fn);
	if (!*t) {
		if (fn)
			snprintf(buf, size, "enp%us%uf%u", bus, slot, fn);
		else
			snprintf(buf, size, "enp%us%u", bus, slot);
		return;
	}
	buf[0] = '\0';
	while (*t && o + 1 < size) {
		static const char *const keys[] = {"{bus}", "{slot}", "{function}", "{id}", "{pf}"};
		size_t k;

		for (k = 0; k < 5; k++)
			if (strncmp(t, keys[k], strlen(keys[k])) == 0)
				break;
		if (k == 5) {
			buf[o++] = *t++;
			buf[o] = '\0';
			continue;
		}
		if (k == 4)
			snprintf(buf + o, size - o, "%s", pf->pf_netdev);
		else
			snprintf(buf + o, size - o, "%u",
				 k == 0	  ? bus
				 : k == 1 ? slot
				 : k == 2 ? fn
					  : id);
		o = strlen(buf);
		t += strlen(keys[k]);
	}
}

static void netdev_create(const char *devpath, const char *name, const char *mac)
{
	char nd[PATH_MAX], p[PATH_MAX], link[PATH_MAX];
	unsigned idx = ifindex_for(base_name(devpath));

	snprintf(p, sizeof(p), "%s/net", devpath);
	mkdir(p, 0755);
	snprintf(nd, sizeof(nd), "%s/net/%s", devpath, name);
	mkdir(nd, 0755);
#define NDFILE(f, ...)                                                                             \
	do {                                                                                       \
		snprintf(p, sizeof(p), "%s/%s", nd, f);                                            \
		sim_writef(p, __VA_ARGS__);                                                        \
	} while (0)
	NDFILE("address", "%s\n", mac);
	NDFILE("ifindex", "%u\n", idx);
	NDFILE("iflink", "%u\n", idx);
	NDFILE("addr_len", "6\n");
	NDFILE("type", "1\n");
	NDFILE("mtu", "1500\n");
	NDFILE("operstate", "down\n");
	NDFILE("carrier", "0\n");
	NDFILE("flags", "0x1002\n");
	NDFILE("tx_queue_len", "1000\n");
	NDFILE("uevent", "INTERFACE=%s\nIFINDEX=%u\n", name, idx);
#undef NDFILE
	snprintf(p, sizeof(p), "%s/class/net", config.sys);
	mkdir(p, 0755);
	snprintf(link, sizeof(link), "%s/subsystem", nd);
	sim_symlink_rel(p, link);
	snprintf(link, sizeof(link), "%s/device", nd);
	sim_symlink_rel(devpath, link);
	snprintf(link, sizeof(link), "%s/class/net/%s", config.sys, name);
	sim_symlink_rel(nd, link);
	sim_uevent("add", nd);
}

static void netdevs_remove(const char *devpath)
{
	char p[PATH_MAX], nd[PATH_MAX], props[4096];
	DIR *d;
	struct dirent *e;

	snprintf(p, sizeof(p), "%s/net", devpath);
	d = opendir(p);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(nd, sizeof(nd), "%s/net/%s/uevent", devpath, e->d_name);
		if (sim_read(nd, props, sizeof(props)) < 0)
			props[0] = '\0';
		snprintf(nd, sizeof(nd), "%s/net/%s", devpath, e->d_name);
		sim_rmtree(nd);
		snprintf(p, sizeof(p), "%s/class/net/%s", config.sys, e->d_name);
		unlink(p);
		sim_rtnl_netdev_removed(e->d_name);
		sim_uevent_props("remove", nd, "net", props);
	}
	closedir(d);
	snprintf(p, sizeof(p), "%s/net", devpath);
	rmdir(p);
}

static void pf_of(const char *devpath, char *addr, size_t size)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	addr[0] = '\0';
	snprintf(link, sizeof(link), "%s/physfn", devpath);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	snprintf(addr, size, "%s", base_name(target));
}

/* Files and links of a binding, without events. */
static int bind_links(const char *devpath, const char *driver)
{
	char drv[PATH_MAX], link[PATH_MAX];
	const char *addr = base_name(devpath);

	snprintf(drv, sizeof(drv), "%s/bus/pci/drivers/%s", config.sys, driver);
	if (!sim_exists(drv))
		return -ENODEV;
	snprintf(link, sizeof(link), "%s/driver", devpath);
	sim_symlink_rel(drv, link);
	snprintf(link, sizeof(link), "%s/%s", drv, addr);
	sim_symlink_rel(devpath, link);
	uevent_set_driver(devpath, driver);
	return 0;
}

static void bind_netdev(const char *devpath, const char *driver)
{
	const char *addr = base_name(devpath);
	char pfaddr[16], name[64], mac[32];
	const struct sim_pf *pf;
	unsigned dom = 0, bus = 0, slot = 0, fn = 0;

	if (!sim_driver_has_netdev(driver))
		return;
	sscanf(addr, "%x:%x:%x.%x", &dom, &bus, &slot, &fn);
	snprintf(mac, sizeof(mac), "02:00:00:%02x:%02x:%02x", bus, slot, fn);
	pf_of(devpath, pfaddr, sizeof(pfaddr));
	if (*pfaddr) {
		char pfpath[PATH_MAX], vlink[PATH_MAX], target[PATH_MAX];
		unsigned id = 0;

		/* the VF's index from the PF's virtfnN links */
		if (sim_pci_dev_path(pfaddr, pfpath, sizeof(pfpath)) == 0) {
			for (id = 0; id < 65536; id++) {
				ssize_t n;

				snprintf(vlink, sizeof(vlink), "%s/virtfn%u", pfpath, id);
				n = readlink(vlink, target, sizeof(target) - 1);
				if (n < 0) {
					id = 0;
					break;
				}
				target[n] = '\0';
				if (strcmp(base_name(target), addr) == 0)
					break;
			}
		}
		pf = sim_find_pf(pfaddr);
		vf_netdev_name(pf, addr, id, name, sizeof(name));
	} else {
		pf = sim_find_pf(addr);
		if (!pf || !*pf->pf_netdev)
			return;
		snprintf(name, sizeof(name), "%s", pf->pf_netdev);
	}
	netdev_create(devpath, name, mac);
}

int sim_bind(const char *devpath, const char *driver)
{
	int r = bind_links(devpath, driver);

	if (r < 0)
		return r;
	/* as in the kernel: the netdev is registered while the driver probes */
	bind_netdev(devpath, driver);
	sim_uevent("bind", devpath);
	return 0;
}

static void vfs_disable(const char *pfpath);

int sim_unbind(const char *devpath)
{
	char drvname[128], link[PATH_MAX];
	unsigned numvfs = 0;

	sim_dev_driver(devpath, drvname, sizeof(drvname));
	if (!*drvname)
		return -ENODEV;
	/* a PF driver's remove() disables SR-IOV */
	snprintf(link, sizeof(link), "%s/sriov_numvfs", devpath);
	if (sim_read_uint(link, &numvfs) == 0 && numvfs > 0)
		vfs_disable(devpath);
	netdevs_remove(devpath);
	snprintf(link, sizeof(link), "%s/bus/pci/drivers/%s/%s", config.sys, drvname,
		 base_name(devpath));
	unlink(link);
	snprintf(link, sizeof(link), "%s/driver", devpath);
	unlink(link);
	uevent_set_driver(devpath, NULL);
	sim_uevent("unbind", devpath);
	return 0;
}

/* ---- VFs ---- */

static int copy_attr(const char *from, const char *to, const char *name)
{
	char src[PATH_MAX], dst[PATH_MAX], buf[256];
	int r;

	snprintf(src, sizeof(src), "%s/%s", from, name);
	snprintf(dst, sizeof(dst), "%s/%s", to, name);
	r = sim_read(src, buf, sizeof(buf));
	if (r < 0)
		return r;
	return sim_writef(dst, "%s\n", buf);
}

/* A VF's 4 KiB config space: its IDs and a PCIe capability. */
static void write_config(const char *vfpath, unsigned vendor, unsigned device, unsigned cls,
			 unsigned subven, unsigned subdev)
{
	unsigned char c[4096] = {0};
	char p[PATH_MAX];
	long fd;

	c[0] = vendor & 0xff, c[1] = vendor >> 8;
	c[2] = device & 0xff, c[3] = device >> 8;
	c[4] = 0x06, c[5] = 0x04, c[6] = 0x10;
	c[8] = 0x01;
	c[9] = cls & 0xff, c[10] = (cls >> 8) & 0xff, c[11] = (cls >> 16) & 0xff;
	c[0x2c] = subven & 0xff, c[0x2d] = subven >> 8;
	c[0x2e] = subdev & 0xff, c[0x2f] = subdev >> 8;
	c[0x34] = 0x40;
	c[0x40] = 0x10, c[0x42] = 0x02;
	snprintf(p, sizeof(p), "%s/config", vfpath);
	fd = syscall(SYS_openat, AT_FDCWD, p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	/* a short config space would only hide capabilities */
	(void)!syscall(SYS_write, fd, c, sizeof(c));
	syscall(SYS_close, fd);
}

static int vf_create(const char *pfpath, const char *vfaddr, unsigned id)
{
	char parent[PATH_MAX], vf[PATH_MAX], p[PATH_MAX], link[PATH_MAX];
	unsigned vendor = 0, device = 0, cls = 0, subven = 0, subdev = 0;
	char modalias[128];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", pfpath);
	slash = strrchr(parent, '/');
	*slash = '\0';
	snprintf(vf, sizeof(vf), "%s/%s", parent, vfaddr);
	if (mkdir(vf, 0755) < 0 && errno != EEXIST)
		return -errno;
#define PFVAL(f, v)                                                                                \
	do {                                                                                       \
		snprintf(p, sizeof(p), "%s/%s", pfpath, f);                                        \
		sim_read_uint(p, &v);                                                              \
	} while (0)
#define VFFILE(f, ...)                                                                             \
	do {                                                                                       \
		snprintf(p, sizeof(p), "%s/%s", vf, f);                                            \
		sim_writef(p, __VA_ARGS__);                                                        \
	} while (0)
	PFVAL("vendor", vendor);
	PFVAL("class", cls);
	PFVAL("subsystem_vendor", subven);
	PFVAL("subsystem_device", subdev);
	snprintf(p, sizeof(p), "%s/sriov_vf_device", pfpath);
	{
		char buf[32];

		if (sim_read(p, buf, sizeof(buf)) >= 0)
			device = strtoul(buf, NULL, 16);
	}
	VFFILE("vendor", "0x%04x\n", vendor);
	VFFILE("device", "0x%04x\n", device);
	VFFILE("subsystem_vendor", "0x%04x\n", subven);
	VFFILE("subsystem_device", "0x%04x\n", subdev);
	VFFILE("class", "0x%06x\n", cls);
	VFFILE("revision", "0x01\n");
	VFFILE("irq", "0\n");
	VFFILE("enable", "1\n");
	copy_attr(pfpath, vf, "numa_node");
	{
		char res[13 * 58 + 1] = "";

		for (int i = 0; i < 13; i++)
			strcat(res, "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
		VFFILE("resource", "%s", res);
	}
	VFFILE("driver_override", "(null)\n");
	write_config(vf, vendor, device, cls, subven, subdev);
	snprintf(modalias, sizeof(modalias), "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", vendor,
		 device, subven, subdev, cls >> 16, (cls >> 8) & 0xff, cls & 0xff);
	VFFILE("modalias", "%s\n", modalias);
	VFFILE("uevent",
	       "PCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\n"
	       "MODALIAS=%s\n",
	       cls, vendor, device, subven, subdev, vfaddr, modalias);
#undef PFVAL
#undef VFFILE
	snprintf(p, sizeof(p), "%s/bus/pci", config.sys);
	snprintf(link, sizeof(link), "%s/subsystem", vf);
	sim_symlink_rel(p, link);
	snprintf(link, sizeof(link), "%s/bus/pci/devices/%s", config.sys, vfaddr);
	sim_symlink_rel(vf, link);
	snprintf(link, sizeof(link), "%s/physfn", vf);
	sim_symlink_rel(pfpath, link);
	snprintf(link, sizeof(link), "%s/virtfn%u", pfpath, id);
	sim_symlink_rel(vf, link);
	return 0;
}

int sim_vfs_create(const char *pfpath, unsigned n)
{
	unsigned offset = 0, stride = 0;
	char p[PATH_MAX], vfaddr[16];
	const char *pfaddr = base_name(pfpath);
	int r;

	snprintf(p, sizeof(p), "%s/sriov_offset", pfpath);
	if ((r = sim_read_uint(p, &offset)) < 0)
		return r;
	snprintf(p, sizeof(p), "%s/sriov_stride", pfpath);
	if ((r = sim_read_uint(p, &stride)) < 0)
		return r;
	for (unsigned i = 0; i < n; i++) {
		sim_vf_addr(pfaddr, offset, stride, i, vfaddr, sizeof(vfaddr));
		if ((r = vf_create(pfpath, vfaddr, i)) < 0)
			return r;
	}
	return 0;
}

static void vfs_enable(const char *pfpath, unsigned n)
{
	const struct sim_pf *pf = sim_find_pf(base_name(pfpath));
	unsigned autoprobe = 1, offset = 0, stride = 0;
	char p[PATH_MAX], vfaddr[16], vf[PATH_MAX], parent[PATH_MAX];
	const char *drv = pf && *pf->vf_driver ? pf->vf_driver : NULL;

	snprintf(p, sizeof(p), "%s/sriov_drivers_autoprobe", pfpath);
	sim_read_uint(p, &autoprobe);
	snprintf(p, sizeof(p), "%s/sriov_offset", pfpath);
	sim_read_uint(p, &offset);
	snprintf(p, sizeof(p), "%s/sriov_stride", pfpath);
	sim_read_uint(p, &stride);
	sim_vfs_create(pfpath, n);
	snprintf(parent, sizeof(parent), "%s", pfpath);
	*strrchr(parent, '/') = '\0';
	/* the count is readable before the events go out, as after a real write */
	snprintf(p, sizeof(p), "%s/sriov_numvfs", pfpath);
	sim_writef(p, "%u\n", n);
	for (unsigned i = 0; i < n; i++) {
		sim_vf_addr(base_name(pfpath), offset, stride, i, vfaddr, sizeof(vfaddr));
		snprintf(vf, sizeof(vf), "%s/%s", parent, vfaddr);
		sim_uevent("add", vf);
		if (autoprobe && drv && bind_links(vf, drv) == 0) {
			bind_netdev(vf, drv);
			sim_uevent("bind", vf);
		}
	}
}

static void vfs_disable(const char *pfpath)
{
	char link[PATH_MAX], vf[PATH_MAX], props[4096], p[PATH_MAX];
	unsigned i;

	for (i = 0;; i++) {
		snprintf(link, sizeof(link), "%s/virtfn%u", pfpath, i);
		if (!realpath(link, vf))
			break;
		sim_unbind(vf);
		snprintf(p, sizeof(p), "%s/uevent", vf);
		if (sim_read(p, props, sizeof(props)) < 0)
			props[0] = '\0';
		snprintf(p, sizeof(p), "%s/bus/pci/devices/%s", config.sys, base_name(vf));
		unlink(p);
		sim_rmtree(vf);
		unlink(link);
		sim_uevent_props("remove", vf, "pci", props);
	}
	sim_rtnl_vfs_removed(base_name(pfpath));
	snprintf(p, sizeof(p), "%s/sriov_numvfs", pfpath);
	sim_writef(p, "0\n");
}

void sim_hang_mark(const char *addr, bool on)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/simhost-hanging-%s", config.tb, addr);
	if (on)
		sim_write(p, "", 0644);
	else
		unlink(p);
}

static void pending_path(const char *pfpath, char *buf, size_t size)
{
	snprintf(buf, size, "%s/simhost-pending-%s", config.tb, base_name(pfpath));
}

bool sim_pending(const char *pfpath)
{
	char p[PATH_MAX];
	unsigned target, now;

	pending_path(pfpath, p, sizeof(p));
	if (!sim_exists(p))
		return false;
	/* a disable writes sriov_numvfs 0 last: then only the marker is left */
	if (sim_read_uint(p, &target) == 0 && target == 0) {
		snprintf(p, sizeof(p), "%s/sriov_numvfs", pfpath);
		if (sim_read_uint(p, &now) == 0 && now == 0)
			return false;
	}
	return true;
}

/* The process whose write started the change under way, or 0. */
static pid_t pending_writer(const char *pfpath)
{
	char p[PATH_MAX], buf[64];
	unsigned n;
	int pid;

	pending_path(pfpath, p, sizeof(p));
	if (sim_read(p, buf, sizeof(buf)) < 0 || sscanf(buf, "%u %d", &n, &pid) != 2)
		return 0;
	return pid;
}

bool sim_wait_settled(const char *pfpath)
{
	struct timespec ts = {0, 10 * 1000000L};

	if (!sim_pending(pfpath))
		return true;
	if (pending_writer(pfpath) == getpid())
		return false;
	while (sim_pending(pfpath))
		nanosleep(&ts, NULL);
	return true;
}

static void apply_numvfs(const char *pfpath, unsigned n)
{
	if (n == 0)
		vfs_disable(pfpath);
	else
		vfs_enable(pfpath, n);
}

static void record_worker(const char *workers, pid_t pid)
{
	char line[32];
	long fd;

	if (!*workers)
		return;
	fd =
	    syscall(SYS_openat, AT_FDCWD, workers, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	snprintf(line, sizeof(line), "%d\n", (int)pid);
	/* on failure the harness only misses one process to kill */
	(void)!syscall(SYS_write, fd, line, strlen(line));
	syscall(SYS_close, fd);
}

#define DELAYED_ENV "SIMHOST_DELAYED_NUMVFS="

/*
 * The delayed worker, run by sim_delayed_worker() in a new process: sleep,
 * then apply the change and clear its pending marker.
 */
static void delayed_run(const char *pfpath, unsigned n, unsigned delay_ms)
{
	char p[PATH_MAX];
	struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};

	pending_path(pfpath, p, sizeof(p));
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	if (sim_exists(config.sys))
		apply_numvfs(pfpath, n);
	unlink(p);
}

void sim_delayed_worker(void)
{
	const char *v = getenv("SIMHOST_DELAYED_NUMVFS");
	char pfpath[PATH_MAX];
	unsigned n, delay_ms;

	if (!v || !sim_config())
		return;
	if (sscanf(v, "%u %u %4095s", &n, &delay_ms, pfpath) == 3)
		delayed_run(pfpath, n, delay_ms);
	_exit(0);
}

int sim_set_numvfs_blocking(const char *pfpath, unsigned n, unsigned delay_ms)
{
	char p[PATH_MAX];

	/* other writers see the change under way (EBUSY) meanwhile */
	pending_path(pfpath, p, sizeof(p));
	sim_writef(p, "%u\n", n);
	delayed_run(pfpath, n, delay_ms);
	return 0;
}

/*
 * The write returns at once; the VFs appear after the delay, as with a
 * driver that enables them slowly. A detached process does the work so
 * that it also happens when the writer exits first (a shell's echo). The
 * writer may have threads, which may hold locks (umockdev's, libc's) at the
 * fork: the forked processes only fork, exec and exit, and the worker is a
 * fresh program (/bin/true) whose preloaded fake kernel does the work
 * before main (sim_delayed_worker).
 */
int sim_set_numvfs(const char *pfpath, unsigned n, unsigned delay_ms)
{
	extern char **environ;
	const char *dir = getenv("SIMHOST_WORKDIR");
	char p[PATH_MAX], workers[PATH_MAX] = "", job[PATH_MAX + 64], marker[64];
	char *argv[] = {"true", NULL}, **envp;
	size_t nenv = 0, k = 0;
	pid_t pid;

	if (delay_ms == 0) {
		apply_numvfs(pfpath, n);
		return 0;
	}
	if (dir && *dir)
		snprintf(workers, sizeof(workers), "%s/workers", dir);
	snprintf(job, sizeof(job), DELAYED_ENV "%u %u %s", n, delay_ms, pfpath);
	while (environ && environ[nenv])
		nenv++;
	envp = calloc(nenv + 2, sizeof(*envp));
	if (!envp)
		return -ENOMEM;
	for (size_t i = 0; i < nenv; i++)
		if (strncmp(environ[i], DELAYED_ENV, strlen(DELAYED_ENV)) != 0)
			envp[k++] = environ[i];
	envp[k] = job;
	pending_path(pfpath, p, sizeof(p));
	/* the target, and the writer: it holds the device lock, and does not wait for itself */
	snprintf(marker, sizeof(marker), "%u %d\n", n, (int)getpid());
	pid = fork();
	if (pid < 0) {
		free(envp);
		return -errno;
	}
	if (pid == 0) {
		/*
		 * The marker is written here, by the process that starts the
		 * worker: a writer killed at any point (kill -9 of a run) leaves
		 * no change or a whole one, as a real write cannot be cut in
		 * half; never a marker that no worker will clear, on which every
		 * later reader of sriov_numvfs would wait for ever.
		 */
		pid_t worker;

		sim_write(p, marker, 0644);
		worker = fork();
		if (worker == 0) {
			execve("/bin/true", argv, envp);
			_exit(127);
		}
		if (worker > 0)
			record_worker(workers, worker);
		else
			unlink(p);
		_exit(worker > 0 ? 0 : 1);
	}
	free(envp);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}

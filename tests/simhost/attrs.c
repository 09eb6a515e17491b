// SPDX-License-Identifier: MIT
/*
 * What the kernel does on a write to each simulated attribute: the rules
 * of drivers/pci/pci-sysfs.c, iov.c and bus.c, with faults injected from
 * the state file's simulate: section checked first.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "simhost.h"

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The device directory name above an attribute path (its PCI address). */
static void dir_name(const char *path, char *buf, size_t size)
{
	const char *end = strrchr(path, '/'), *start;

	if (!end) {
		buf[0] = '\0';
		return;
	}
	for (start = end; start > path && start[-1] != '/'; start--)
		;
	snprintf(buf, size, "%.*s", (int)(end - start), start);
}

static void dev_dir(const char *path, char *buf, size_t size)
{
	const char *end = strrchr(path, '/');

	snprintf(buf, size, "%.*s", end ? (int)(end - path) : 0, path);
}

enum sim_attr sim_attr_kind(const char *path)
{
	static const struct {
		const char *name;
		enum sim_attr kind;
	} attrs[] = {
	    {"sriov_numvfs", ATTR_NUMVFS},
	    {"sriov_drivers_autoprobe", ATTR_AUTOPROBE},
	    {"driver_override", ATTR_OVERRIDE},
	    {"drivers_probe", ATTR_PROBE},
	    {"new_id", ATTR_NEW_ID},
	    {"remove_id", ATTR_NEW_ID},
	};
	const struct sim_config *c = sim_config();
	const char *name = base_name(path);
	char dev[64], drivers[PATH_MAX];

	if (!c)
		return ATTR_NONE;
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (strcmp(attrs[i].name, name) == 0)
			return attrs[i].kind;
	if (strcmp(name, "bind") == 0 || strcmp(name, "unbind") == 0) {
		/* only a PCI driver's bind/unbind */
		snprintf(drivers, sizeof(drivers), "%s/bus/pci/drivers/", c->sys);
		if (strncmp(path, drivers, strlen(drivers)) == 0)
			return name[0] == 'b' ? ATTR_BIND : ATTR_UNBIND;
	}
	dir_name(path, dev, sizeof(dev));
	if (sim_find_fail(dev, name))
		return ATTR_PLAIN;
	return ATTR_NONE;
}

/* kstrtou16(buf, 0): optional '+', 0x/0 prefixes, one trailing newline. */
static int parse_u16(const char *buf, size_t len, unsigned *ret)
{
	char s[64], *p, *end;
	unsigned long v;
	int base = 10;

	if (len == 0 || len >= sizeof(s))
		return -EINVAL;
	memcpy(s, buf, len);
	s[len] = '\0';
	if (s[len - 1] == '\n')
		s[--len] = '\0';
	p = s;
	if (*p == '+')
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && p[1]) {
		base = 8;
		p++;
	}
	if (!*p || !strchr("0123456789abcdefABCDEF", *p))
		return -EINVAL;
	errno = 0;
	v = strtoul(p, &end, base);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > 0xffff)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* kstrtobool: y/Y/1/on true, n/N/0/off false. */
static int parse_bool(const char *buf, size_t len, int *ret)
{
	if (len == 0)
		return -EINVAL;
	switch (buf[0]) {
	case 'y':
	case 'Y':
	case '1':
		*ret = 1;
		return 0;
	case 'n':
	case 'N':
	case '0':
		*ret = 0;
		return 0;
	case 'o':
	case 'O':
		if (len > 1 && (buf[1] == 'n' || buf[1] == 'N')) {
			*ret = 1;
			return 0;
		}
		if (len > 1 && (buf[1] == 'f' || buf[1] == 'F')) {
			*ret = 0;
			return 0;
		}
	}
	return -EINVAL;
}

static ssize_t write_numvfs(const char *path, const char *buf, size_t len)
{
	char dev[PATH_MAX], p[PATH_MAX], drv[128];
	unsigned n, total = 0, cur = 0;
	const struct sim_pf *pf;
	int r;

	if ((r = parse_u16(buf, len, &n)) < 0)
		return r;
	dev_dir(path, dev, sizeof(dev));
	snprintf(p, sizeof(p), "%s/sriov_totalvfs", dev);
	if ((r = sim_read_uint(p, &total)) < 0)
		return -EIO;
	if (n > total)
		return -ERANGE;
	/*
	 * sriov_numvfs_store() takes the device lock, which the writer of a
	 * change under way holds until the driver is done: wait for it, then
	 * the rules below apply to the count it left. The writer itself,
	 * which the fake lets go on before the driver is done, gets EBUSY.
	 */
	if (!sim_wait_settled(dev))
		return -EBUSY;
	snprintf(p, sizeof(p), "%s/sriov_numvfs", dev);
	sim_read_uint(p, &cur);
	if (n == cur)
		return len;
	sim_dev_driver(dev, drv, sizeof(drv));
	if (!*drv)
		return -ENOENT;
	if (n != 0 && cur != 0)
		return -EBUSY;
	pf = sim_find_pf(base_name(dev));
	/* a driver may enable fewer VFs than asked; the write still succeeds */
	if (pf && pf->vf_max && n > pf->vf_max)
		n = pf->vf_max;
	if (pf && pf->write_blocks && pf->delay_ms)
		r = sim_set_numvfs_blocking(dev, n, pf->delay_ms);
	else
		r = sim_set_numvfs(dev, n, pf ? pf->delay_ms : 0);
	return r < 0 ? r : (ssize_t)len;
}

static ssize_t write_autoprobe(const char *path, const char *buf, size_t len)
{
	int v, r;

	if ((r = parse_bool(buf, len, &v)) < 0)
		return r;
	r = sim_writef(path, "%d\n", v);
	return r < 0 ? r : (ssize_t)len;
}

static ssize_t write_override(const char *path, const char *buf, size_t len)
{
	char v[4096];
	int r;

	if (len >= sizeof(v))
		return -EINVAL;
	memcpy(v, buf, len);
	v[len] = '\0';
	if (len && v[len - 1] == '\n')
		v[len - 1] = '\0';
	r = sim_writef(path, "%s\n", *v ? v : "(null)");
	return r < 0 ? r : (ssize_t)len;
}

/* The address written to bind, unbind or drivers_probe. */
static int written_addr(const char *buf, size_t len, char *addr, size_t size)
{
	if (len && buf[len - 1] == '\n')
		len--;
	if (len == 0 || len >= size)
		return -ENODEV;
	memcpy(addr, buf, len);
	addr[len] = '\0';
	return 0;
}

static void read_override(const char *devpath, char *buf, size_t size)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/driver_override", devpath);
	if (sim_read(p, buf, size) < 0 || strcmp(buf, "(null)") == 0)
		buf[0] = '\0';
}

/* The driver a device would match: its override, or for a VF the VF driver. */
static void default_driver(const char *devpath, char *buf, size_t size)
{
	char p[PATH_MAX], target[PATH_MAX];
	const struct sim_pf *pf;
	ssize_t n;

	read_override(devpath, buf, size);
	if (*buf)
		return;
	snprintf(p, sizeof(p), "%s/physfn", devpath);
	n = readlink(p, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	pf = sim_find_pf(base_name(target));
	if (pf)
		snprintf(buf, size, "%s", pf->vf_driver);
}

static ssize_t write_bind(const char *path, const char *buf, size_t len, bool bind)
{
	char addr[64], devpath[PATH_MAX], drv[128], cur[128], ov[128];
	int r;

	if (written_addr(buf, len, addr, sizeof(addr)) < 0 ||
	    sim_pci_dev_path(addr, devpath, sizeof(devpath)) < 0)
		return -ENODEV;
	dir_name(path, drv, sizeof(drv));
	sim_dev_driver(devpath, cur, sizeof(cur));
	if (!bind) {
		if (strcmp(cur, drv) != 0)
			return -ENODEV;
		r = sim_unbind(devpath);
		return r < 0 ? r : (ssize_t)len;
	}
	if (*cur)
		return -EBUSY;
	read_override(devpath, ov, sizeof(ov));
	/* an override names the only driver that matches; vfio-pci and
	 * pci-stub match nothing else (no ID table) */
	if (*ov ? strcmp(ov, drv) != 0 : !sim_driver_has_netdev(drv))
		return -ENODEV;
	r = sim_bind(devpath, drv);
	return r < 0 ? r : (ssize_t)len;
}

static ssize_t write_probe(const char *buf, size_t len)
{
	char addr[64], devpath[PATH_MAX], cur[128], drv[128];

	if (written_addr(buf, len, addr, sizeof(addr)) < 0 ||
	    sim_pci_dev_path(addr, devpath, sizeof(devpath)) < 0)
		return -ENODEV;
	sim_dev_driver(devpath, cur, sizeof(cur));
	if (*cur)
		return len;
	default_driver(devpath, drv, sizeof(drv));
	if (*drv)
		sim_bind(devpath, drv); /* no matching driver is not an error */
	return len;
}

static ssize_t hang(const char *devaddr)
{
	const struct sim_pf *pf = sim_find_pf(devaddr);
	unsigned ms = pf && pf->hang_ms ? pf->hang_ms : 0;
	struct timespec ts = {ms ? ms / 1000 : 24 * 3600, (ms % 1000) * 1000000L};
	ssize_t r;

	sim_hang_mark(devaddr, true);
	for (;;) {
		if (nanosleep(&ts, &ts) < 0) {
			r = -EINTR; /* a signal handler ran: the caller's timeout */
			break;
		}
		if (ms) {
			r = -ETIMEDOUT;
			break;
		}
		ts.tv_sec = 24 * 3600;
	}
	sim_hang_mark(devaddr, false);
	return r;
}

/* The fault injected for a write: 0 none, errno, or -1 hang. */
static int fault_of(enum sim_attr kind, const char *path, const char *buf, size_t len)
{
	char dev[64], addr[64];

	dir_name(path, dev, sizeof(dev));
	/* a fault on a driver file is keyed by the written address */
	if ((kind == ATTR_BIND || kind == ATTR_UNBIND || kind == ATTR_PROBE) &&
	    written_addr(buf, len, addr, sizeof(addr)) == 0)
		return sim_find_fail(addr, base_name(path));
	return sim_find_fail(dev, base_name(path));
}

ssize_t sim_attr_hang(const char *path, const char *buf, size_t len)
{
	char dev[64];

	if (fault_of(sim_attr_kind(path), path, buf, len) != -1)
		return 0;
	dir_name(path, dev, sizeof(dev));
	return hang(dev);
}

ssize_t sim_attr_write(const char *path, const char *buf, size_t len)
{
	enum sim_attr kind = sim_attr_kind(path);
	char dev[64];
	int fail;

	dir_name(path, dev, sizeof(dev));
	fail = fault_of(kind, path, buf, len);
	if (fail == -1)
		return hang(dev);
	if (fail)
		return -fail;

	switch (kind) {
	case ATTR_NUMVFS:
		return write_numvfs(path, buf, len);
	case ATTR_AUTOPROBE:
		return write_autoprobe(path, buf, len);
	case ATTR_OVERRIDE:
		return write_override(path, buf, len);
	case ATTR_BIND:
		return write_bind(path, buf, len, true);
	case ATTR_UNBIND:
		return write_bind(path, buf, len, false);
	case ATTR_PROBE:
		return write_probe(buf, len);
	case ATTR_NEW_ID:
		return len;
	case ATTR_PLAIN: {
		char v[4096];
		int r;

		snprintf(v, sizeof(v), "%.*s", (int)len, buf);
		r = sim_write(path, v, 0644);
		return r < 0 ? r : (ssize_t)len;
	}
	case ATTR_NONE:
		break;
	}
	return -EINVAL;
}

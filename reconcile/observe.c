/* SPDX-License-Identifier: MIT */
/*
 * The live host -> struct host: PCI devices and SR-IOV from sysfs and
 * libudev, kernel modules through libkmod and /sys/module, the modprobe.d
 * files under the file root, and the guests through libvirt (libvirt.c).
 * Device names (libpci and pci.ids) only on request: host_lookup_names().
 *
 * Each device is built once: the scan of /sys/bus/pci/devices decides
 * from links and attributes read relative to its directory which entries
 * matter (a libudev device for every entry, as an enumeration with a
 * sysattr match builds, costs more opens than the whole observation), and
 * a VF is read relative to its PF's directory, through its virtfnN link.
 * Two workers run meanwhile (host_observe()): libvirt's listing of the
 * guests, and the rtnetlink requests for the VFs' link settings, which
 * also give each VF netdev's index, IFF_UP, MTU and addresses.
 *
 * A complete observation (observe_opts.complete) adds what any plan may
 * read, so that a captured host plans as the live one: the modules of
 * every bound driver, the modprobe.d files that mention an observed
 * module, and every PCI device a guest holds.
 *
 * Missing optional sysfs attributes are tolerated quietly, as pciutils
 * does: old kernels lack sriov_drivers_autoprobe or sriov_vf_device.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCI_DEVICES "/sys/bus/pci/devices"

#include <libudev.h>
#include <pci/pci.h>

#include "cleanup.h"
#include "devlink.h"
#include "driver-limits.h"
#include "host.h"
#include "libvirt.h"
#include "modconf.h"
#include "observe-internal.h"
#include "pci-sysfs.h"
#include "pciids.h"
#include "vfnet.h"

static bool parse_uint(const char *s, unsigned *ret)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtoul(s, &end, 0);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno || *end || v > UINT_MAX)
		return false;
	*ret = v;
	return true;
}

/* An id attribute ("0x8086\n") as four lowercase hex digits, "8086". */
static char *hex_id(const char *s, unsigned *ret_v)
{
	unsigned v;

	if (!parse_uint(s, &v) || v > 0xffff)
		return NULL;
	if (ret_v)
		*ret_v = v;
	return strprintf("%04x", v);
}

/*
 * Names of the entries of the directory open as fd, read from where its
 * offset is, without "." names (sorted, NULL-terminated): getdents64 on
 * the fd itself, which stays open and usable for *at calls.
 */
static int list_fd(int fd, char ***ret, size_t *ret_n)
{
	_cleanup_(strv_release) struct strv v = {0};
	char buf[8192] __attribute__((aligned(8)));
	ssize_t n;

	while ((n = getdents64(fd, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *de = (const void *)(buf + off);
			if (de->d_name[0] != '.' && strv_push(&v, strdup(de->d_name)) < 0)
				return -ENOMEM;
			off += de->d_reclen;
		}
	if (n < 0)
		return -errno;
	strv_sort(&v);
	*ret = strv_steal(&v, ret_n);
	return 0;
}

/* Names of the entries of name under dfd (sorted, NULL-terminated); empty if absent. */
int observe_list_dirat(int dfd, const char *name, char ***ret, size_t *ret_n)
{
	_cleanup_(closep) int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno != ENOENT && errno != ENOTDIR)
		return -errno;
	if (fd < 0) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	return list_fd(fd, ret, ret_n);
}

int observe_list_dir(const char *dir, char ***ret, size_t *ret_n)
{
	return observe_list_dirat(AT_FDCWD, dir, ret, ret_n);
}

int observe_read_file(const char *path, char **ret)
{
	return read_text_file(path, OBSERVE_FILE_MAX, ret);
}

/* ---- PCI ---- */

static bool held_by_guest(const struct host *h, const char *address)
{
	for (size_t i = 0; i < h->n_domains; i++) {
		const struct domain_state *dom = &h->domains[i];
		if (guest_dev_find(dom->devs, dom->n_devs, address) ||
		    guest_dev_find(dom->live_devs, dom->n_live_devs, address))
			return true;
	}
	return false;
}

static bool wanted_address(const struct observer *ob, const char *address)
{
	for (size_t i = 0; i < ob->o->n_pci; i++)
		if (ob->o->pci[i] && strcasecmp(ob->o->pci[i], address) == 0)
			return true;
	return ob->o->complete && held_by_guest(ob->h, address);
}

/* The netdev names under the device's net/ directory (current names). */
static int device_interfaces(struct udev_device *dev, char ***ret, size_t *ret_n)
{
	_cleanup_(freep) char *p = strprintf("%s/net", udev_device_get_syspath(dev));

	if (!p)
		return -ENOMEM;
	return observe_list_dir(p, ret, ret_n);
}

/*
 * A sysfs attribute read relative to the directory fd dfd, without its
 * trailing white space, into buf; NULL when it cannot be read.
 */
static const char *read_attr_at(int dfd, const char *name, char *buf, size_t size)
{
	_cleanup_(closep) int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return NULL;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return buf;
}

/* The first netdev name (sorted) under dev/net/ of the directory fd dfd; NULL when none. */
static int netdev_at(int dfd, const char *dev, char **ret)
{
	_cleanup_(strv_freep) char **ifs = NULL;
	char path[NAME_MAX + 48];
	size_t n_ifs;
	int r;

	*ret = NULL;
	snprintf(path, sizeof(path), "%s/net", dev);
	r = observe_list_dirat(dfd, path, &ifs, &n_ifs);
	if (r < 0)
		return r;
	if (n_ifs > 0 && !(*ret = strdup(ifs[0])))
		return -ENOMEM;
	return 0;
}

/*
 * The VFs' link settings (MAC, VLAN, spoof-check, ...) as the PFs' drivers
 * report them over rtnetlink: every PF's request in one worker (worker.h),
 * one after the other (no threads here: a worker forked while another
 * thread holds a lock, the allocator's or a sanitizer's, can hang on it).
 * The worker starts once the PFs are observed (links_begin()) and runs
 * while their VFs are read from sysfs; links_end() takes its answers.
 * A PF without a netdev (no driver, or not a NIC) or one the kernel does
 * not know (a simulated host) keeps them unknown, quietly; any other
 * failure is a warning, since the PCI view is still right.
 *
 * The same worker's link dump names the VFs' netdevs by their device
 * (Linux >= 5.15), with their master and the netdevs stacked on them: two
 * directory listings per VF fewer than sysfs takes (observe_vf_netdev()),
 * which remains the way for a PF whose own netdev the dump does not show
 * on its device, and for a PF without a netdev.
 */
struct links_pending {
	size_t *pf; /* the PFs asked (indexes into h->pci, ascending), in the worker's order */
	size_t n;
	struct worker w;
	int begun; /* what vfnet_fill_begin() returned */
	bool started;
};

static void links_pending_release(struct links_pending *p)
{
	if (p->started)
		worker_release(&p->w);
	free(p->pf);
	*p = (struct links_pending){0};
}

/* The request of PF h->pci[i] (its VFs as observed by now). */
static struct vfnet_pf link_request(const struct observer *ob, size_t i)
{
	struct pci_dev_state *pf = &ob->h->pci[i];

	return (struct vfnet_pf){.ifname = pf->interfaces[0],
				 .address = pf->address,
				 .vfs = pf->sriov.vfs,
				 .n_vfs = pf->sriov.n_vfs,
				 .mtu = &pf->mtu,
				 .vf_mtus = ob->o->mtu && pf->sriov.num_vfs > 0,
				 .stats = ob->o->vf_stats && driver_has_vf_stats(pf->driver)};
}

static int links_begin(struct observer *ob, struct links_pending *p)
{
	struct host *h = ob->h;
	_cleanup_(freep) struct vfnet_pf *v = calloc(h->n_pci ? h->n_pci : 1, sizeof(*v));
	bool links = false;

	*p = (struct links_pending){.pf = calloc(h->n_pci ? h->n_pci : 1, sizeof(*p->pf))};
	if (!v || !p->pf)
		return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
	for (size_t i = 0; i < h->n_pci; i++) {
		const struct pci_dev_state *pf = &h->pci[i];
		if (!pf->is_pf || pf->n_interfaces == 0 || (pf->sriov.num_vfs == 0 && !ob->o->mtu))
			continue;
		p->pf[p->n] = i;
		v[p->n++] = link_request(ob, i);
		/* VF netdevs may be there: their index, IFF_UP and MTU come from the link dump */
		links |= pf->sriov.num_vfs > 0;
	}
	p->begun = vfnet_fill_begin(v, p->n, links, &p->w);
	p->started = true;
	return 0;
}

static int observe_vf_netdev(int pf_dfd, struct vf_state *vf);

/* The netdevs of PF pf's VFs and their use, from sysfs. */
static int sysfs_vf_netdevs(const struct pci_dev_state *pf)
{
	_cleanup_(freep) char *dir = strprintf(PCI_DEVICES "/%s", pf->address);
	_cleanup_(closep) int dfd = dir ? open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;

	if (!dir)
		return -ENOMEM;
	for (size_t k = 0; dfd >= 0 && k < pf->sriov.n_vfs; k++) {
		int r = observe_vf_netdev(dfd, &pf->sriov.vfs[k]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The PFs whose VF netdevs are read from sysfs, and the one that failed. */
struct sysfs_names {
	struct host *h;
	const size_t *pf; /* the PFs asked, as links_pending */
	const char *failed;
};

static int sysfs_names_of(struct sysfs_names *s, const struct pci_dev_state *pf)
{
	int r = sysfs_vf_netdevs(pf);

	if (r < 0)
		s->failed = pf->address;
	return r;
}

/* For vfnet_fill_end(): the k-th PF asked, whose VF netdevs the link dump cannot name. */
static int sysfs_names_asked(void *userdata, size_t k)
{
	struct sysfs_names *s = userdata;

	return sysfs_names_of(s, &s->h->pci[s->pf[k]]);
}

static int links_end(struct observer *ob, struct links_pending *p)
{
	struct host *h = ob->h;
	_cleanup_(freep) struct vfnet_pf *v = calloc(p->n ? p->n : 1, sizeof(*v));
	struct sysfs_names sn = {h, p->pf, NULL};
	struct vfnet_names names = {sysfs_names_asked, &sn};
	int r;

	if (!v)
		return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
	for (size_t i = 0; i < h->n_pci; i++)
		for (size_t k = 0; k < h->pci[i].sriov.n_vfs; k++)
			vf_link_init(&h->pci[i].sriov.vfs[k].link);
	for (size_t k = 0; k < p->n; k++)
		v[k] = link_request(ob, p->pf[k]);
	_cleanup_(freep) char *addr_why = NULL;
	p->started = false;
	r = vfnet_fill_end(v, p->n, &p->w, p->begun, &names, &addr_why);
	/* the VFs of a PF not asked (no netdev): from sysfs, as no dump names them */
	for (size_t i = 0, k = 0; r >= 0 && i < h->n_pci; i++) {
		if (k < p->n && p->pf[k] == i)
			k++;
		else if (h->pci[i].is_pf && h->pci[i].sriov.n_vfs > 0)
			r = sysfs_names_of(&sn, &h->pci[i]);
	}
	if (addr_why)
		diag_warning(ob->d, NULL, "whether the host uses VF netdevs is not fully known: %s",
			     addr_why);
	for (size_t k = 0; k < p->n; k++) {
		if (v[k].r < 0 && v[k].r != -ENODEV)
			diag_warning(ob->d, NULL, "PF '%s': VF link settings unknown: %s",
				     h->pci[p->pf[k]].address,
				     v[k].why ? v[k].why : strerror(-v[k].r));
		free(v[k].why);
	}
	if (r < 0 && sn.failed)
		return diag_error(ob->d, NULL, r, "cannot observe PCI device '%s': %s", sn.failed,
				  strerror(-r));
	return r < 0 ? diag_error(ob->d, NULL, r, "out of memory") : 0;
}

/*
 * The eswitch mode of every PF through devlink, in one worker. A driver
 * without one (most: igb, ixgbe; or no devlink in the kernel) leaves it
 * unknown quietly; any other failure is a warning.
 */
static int observe_eswitch(struct observer *ob)
{
	struct host *h = ob->h;
	_cleanup_(freep) struct devlink_dev *v = calloc(h->n_pci ? h->n_pci : 1, sizeof(*v));
	_cleanup_(freep) struct pci_dev_state **pfs = calloc(h->n_pci ? h->n_pci : 1, sizeof(*pfs));
	size_t n = 0;
	int r;

	if (!v || !pfs)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_pci; i++)
		if (h->pci[i].is_pf && h->pci[i].driver) {
			pfs[n] = &h->pci[i];
			v[n++] = (struct devlink_dev){.bus = "pci", .dev = h->pci[i].address};
		}
	r = devlink_eswitch_get_many(v, n);
	for (size_t k = 0; k < n; k++) {
		if (v[k].r == 0)
			pfs[k]->sriov.eswitch_mode = v[k].mode;
		else if (r >= 0 && !devlink_unsupported(v[k].r))
			diag_warning(ob->d, NULL, "%s", v[k].why);
		free(v[k].why);
	}
	return r;
}

static int vf_cmp(const void *a, const void *b)
{
	const struct vf_state *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * How the host uses the VF's netdev, from sysfs: its master (the kind from
 * the master's bonding/ or bridge/ directory) and the upper_* links, from
 * one listing of the netdev's directory (fd, opened on it). IFF_UP, the
 * index and the addresses come over rtnetlink (vfnet_fill_end()). Missing
 * attributes leave the facts unknown or empty, quietly.
 */
static int observe_netdev_use(int fd, struct netdev_use *u)
{
	_cleanup_(strv_freep) char **ents = NULL;
	struct strv up = {0};
	size_t n_ents;
	struct stat st;
	bool master = false;
	int r;

	r = list_fd(fd, &ents, &n_ents);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (size_t i = 0; i < n_ents; i++)
		master |= streq(ents[i], "master");
	if (master) {
		u->master = readlinkat_name(fd, "master");
		if (!u->master && errno == ENOMEM)
			return -ENOMEM;
	}
	const char *kind = NULL;
	if (u->master && fstatat(fd, "master/bonding", &st, 0) == 0 && S_ISDIR(st.st_mode))
		kind = "bond";
	else if (u->master && fstatat(fd, "master/bridge", &st, 0) == 0 && S_ISDIR(st.st_mode))
		kind = "bridge";
	if (kind && !(u->master_kind = strdup(kind)))
		return -ENOMEM;
	for (size_t i = 0; i < n_ents; i++)
		/* a bond's or bridge's port links to its master as an upper too */
		if (strncmp(ents[i], "upper_", 6) == 0 && ents[i][6] &&
		    !streq_ptr(ents[i] + 6, u->master) && strv_push(&up, strdup(ents[i] + 6)) < 0) {
			strv_release(&up);
			return -ENOMEM;
		}
	u->uppers = strv_steal(&up, &u->n_uppers);
	return 0;
}

/*
 * VF id of the PF whose directory is pf_dfd: everything read relative to
 * the PF's directory, through the VF's virtfnN link, no device object
 * built. 1 when the VF went away meanwhile.
 */
static int observe_vf(int pf_dfd, unsigned id, struct vf_state *vf)
{
	char path[NAME_MAX + 32], buf[256];
	const char *s;

	snprintf(path, sizeof(path), "virtfn%u", id);
	vf->id = id;
	vf->address = readlinkat_name(pf_dfd, path);
	if (!vf->address)
		return errno == ENOENT ? 1 : -errno; /* removed meanwhile */

	snprintf(path, sizeof(path), "virtfn%u/driver", id);
	vf->driver = readlinkat_name(pf_dfd, path);
	if (!vf->driver && errno == ENOMEM)
		return -ENOMEM;
	/* the kernel shows an unset override as "(null)" */
	snprintf(path, sizeof(path), "virtfn%u/driver_override", id);
	s = read_attr_at(pf_dfd, path, buf, sizeof(buf));
	if (s && *s && strncmp(s, "(null)", 6) != 0 && !(vf->driver_override = strdup(s)))
		return -ENOMEM;
	vf->use = (struct netdev_use){.up = -1};
	return 0; /* its netdev comes with the link dump's answer (links_end()) */
}

/* The netdev of VF vf of the PF whose directory is pf_dfd, and its use, from sysfs. */
static int observe_vf_netdev(int pf_dfd, struct vf_state *vf)
{
	char path[NAME_MAX + 32];

	snprintf(path, sizeof(path), "virtfn%u", vf->id);
	int r = netdev_at(pf_dfd, path, &vf->interface);
	if (r < 0 || !vf->interface)
		return r;
	if (snprintf(path, sizeof(path), "virtfn%u/net/%s", vf->id, vf->interface) >=
	    (int)sizeof(path))
		return 0;
	_cleanup_(closep) int fd = openat(pf_dfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* renamed or removed meanwhile */
	return observe_netdev_use(fd, &vf->use);
}

/* The VFs of the PF at syspath, from its virtfnN links, sorted by id. */
static int observe_vfs(const char *syspath, struct sriov_state *s)
{
	_cleanup_(closep) int dfd = open(syspath, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_(strv_freep) char **ents = NULL;
	size_t n_ents, cap = 0;
	int r;

	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno; /* removed meanwhile */
	r = observe_list_dirat(dfd, ".", &ents, &n_ents);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_ents; i++) {
		char *end;

		if (strncmp(ents[i], "virtfn", 6) != 0 || !ents[i][6])
			continue;
		errno = 0;
		unsigned long l = strtoul(ents[i] + 6, &end, 10);
		if (errno || *end || l > UINT_MAX)
			continue;
		struct vf_state *vf = GROW(s->vfs, s->n_vfs, cap);
		if (!vf)
			return -ENOMEM;
		r = observe_vf(dfd, l, vf);
		if (r < 0)
			return r;
		if (r > 0)
			s->n_vfs--;
	}
	if (s->n_vfs > 1)
		qsort(s->vfs, s->n_vfs, sizeof(*s->vfs), vf_cmp);
	return 0;
}

static int observe_sriov(struct udev_device *dev, struct pci_dev_state *p)
{
	struct sriov_state *s = &p->sriov;
	unsigned v;

	s->drivers_autoprobe = s->offset = s->stride = -1;
	if (parse_uint(udev_device_get_sysattr_value(dev, "sriov_totalvfs"), &v))
		s->total_vfs = v;
	if (parse_uint(udev_device_get_sysattr_value(dev, "sriov_numvfs"), &v))
		s->num_vfs = v;
	if (parse_uint(udev_device_get_sysattr_value(dev, "sriov_drivers_autoprobe"), &v))
		s->drivers_autoprobe = v != 0;
	if (parse_uint(udev_device_get_sysattr_value(dev, "sriov_offset"), &v) && v <= INT_MAX)
		s->offset = v;
	if (parse_uint(udev_device_get_sysattr_value(dev, "sriov_stride"), &v) && v <= INT_MAX)
		s->stride = v;
	/* sriov_vf_device is hex without "0x" ("10ca") */
	const char *vfd = udev_device_get_sysattr_value(dev, "sriov_vf_device");
	if (vfd) {
		_cleanup_(freep) char *x = strprintf("0x%s", vfd);
		if (!x)
			return -ENOMEM;
		s->vf_device = hex_id(x, NULL);
	}
	return 0; /* the VFs come after (observe_pf_vfs()) */
}

/* Fill p from dev. */
static int observe_pci_dev(struct udev_device *dev, bool is_pf, struct pci_dev_state *p)
{
	_cleanup_(strv_freep) char **ifs = NULL;
	size_t n_ifs;
	int r;

	p->address = strdup(udev_device_get_sysname(dev));
	if (!p->address)
		return -ENOMEM;
	p->vendor = hex_id(udev_device_get_sysattr_value(dev, "vendor"), NULL);
	p->device = hex_id(udev_device_get_sysattr_value(dev, "device"), NULL);
	if (udev_device_get_driver(dev) && !(p->driver = strdup(udev_device_get_driver(dev))))
		return -ENOMEM;

	r = device_interfaces(dev, &ifs, &n_ifs);
	if (r < 0)
		return r;
	p->n_interfaces = n_ifs;
	p->interfaces = TAKE_PTR(ifs);

	/* the iommu_group link ends in the group's number; absent without an IOMMU */
	p->iommu_group = -1;
	_cleanup_(freep) char *link = strprintf("%s/iommu_group", udev_device_get_syspath(dev));
	if (!link)
		return -ENOMEM;
	_cleanup_(freep) char *group = readlinkat_name(AT_FDCWD, link);
	unsigned g;
	if (group && parse_uint(group, &g) && g <= INT_MAX)
		p->iommu_group = g;

	p->is_pf = is_pf;
	if (is_pf)
		return observe_sriov(dev, p);
	return 0;
}

/* A device of /sys/bus/pci/devices that may be observed: not a VF. */
struct pci_entry {
	char *name;
	bool is_pf;	  /* has SR-IOV (sriov_totalvfs) */
	bool passthrough; /* bound to a passthrough driver */
};

struct pci_scan {
	struct pci_entry *e;
	size_t n, cap;
};

static void pci_scan_release(struct pci_scan *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->e[i].name);
	free(s->e);
	*s = (struct pci_scan){0};
}

/*
 * The PCI devices but VFs (observed under their PF), each a PF or not,
 * from the links and attributes alone, without building a device object.
 */
static int scan_pci(struct observer *ob, struct pci_scan *s)
{
	_cleanup_(closep) int dfd = open(PCI_DEVICES, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_(strv_freep) char **names = NULL;
	size_t n = 0;
	int r;

	if (dfd < 0 && errno == ENOENT)
		return 0; /* no PCI bus */
	r = dfd < 0 ? -errno : observe_list_dirat(dfd, ".", &names, &n);
	if (r < 0)
		return diag_error(ob->d, NULL, r, "cannot enumerate PCI devices: %s", strerror(-r));
	for (size_t i = 0; i < n; i++) {
		char path[NAME_MAX + 32];
		struct stat st;
		snprintf(path, sizeof(path), "%s/physfn", names[i]);
		if (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			continue; /* a VF */
		struct pci_entry *e = GROW(s->e, s->n, s->cap);
		if (!e)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		/* a copy: names is freed as a strv, up to its first NULL */
		*e = (struct pci_entry){.name = strdup(names[i])};
		if (!e->name)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		snprintf(path, sizeof(path), "%s/sriov_totalvfs", e->name);
		e->is_pf = faccessat(dfd, path, R_OK, 0) == 0;
		if (e->is_pf)
			continue;
		snprintf(path, sizeof(path), "%s/driver", e->name);
		_cleanup_(freep) char *driver = readlinkat_name(dfd, path);
		e->passthrough = driver_is_passthrough(driver);
	}
	return 0;
}

/* Wait for VF count changes under way on the scanned PFs (bounded). */
static int settle_pfs(struct observer *ob, const struct pci_scan *s)
{
	_cleanup_(freep) const char **pfs = calloc(s->n ? s->n : 1, sizeof(*pfs));
	size_t n = 0;

	if (!pfs)
		return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].is_pf)
			pfs[n++] = s->e[i].name;
	return sysfs_wait_numvfs_settled(pfs, n, ob->d);
}

/*
 * The scanned devices to observe: PFs and devices bound to a passthrough
 * driver; with wanted, the others asked for (or, complete, held by a
 * guest: the guests are known by then).
 */
static int observe_pci(struct observer *ob, const struct pci_scan *s, bool wanted)
{
	int r;

	for (size_t i = 0; i < s->n; i++) {
		const struct pci_entry *e = &s->e[i];

		if (wanted ? e->is_pf || e->passthrough || !wanted_address(ob, e->name)
			   : !e->is_pf && !e->passthrough)
			continue;
		/* a VF whose physfn link was not there yet when scanned, a change under way */
		char path[NAME_MAX + 64];
		struct stat st;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/physfn", e->name);
		if (!e->is_pf && lstat(path, &st) == 0)
			continue;
		_cleanup_(udev_device_unrefp) struct udev_device *dev =
		    udev_device_new_from_subsystem_sysname(ob->udev, "pci", e->name);
		if (!dev)
			continue; /* removed since the scan */
		struct pci_dev_state *p = GROW(ob->h->pci, ob->h->n_pci, ob->cap_pci);
		if (!p)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		r = observe_pci_dev(dev, e->is_pf, p);
		if (r < 0)
			return diag_error(ob->d, NULL, r, "cannot observe PCI device '%s': %s",
					  e->name, strerror(-r));
		unsigned msix;
		if (ob->o->preflight && e->is_pf &&
		    parse_uint(udev_device_get_sysattr_value(dev, "sriov_vf_total_msix"), &msix)) {
			p->sriov.has_vf_total_msix = true;
			p->sriov.vf_total_msix = msix;
		}
	}
	return 0;
}

/* The VFs of every PF observed, from their virtfnN links. */
static int observe_pf_vfs(struct observer *ob)
{
	for (size_t i = 0; i < ob->h->n_pci; i++) {
		struct pci_dev_state *p = &ob->h->pci[i];
		if (!p->is_pf)
			continue;
		_cleanup_(freep) char *dir = strprintf(PCI_DEVICES "/%s", p->address);
		int r = dir ? observe_vfs(dir, &p->sriov) : -ENOMEM;
		if (r < 0)
			return diag_error(ob->d, NULL, r, "cannot observe PCI device '%s': %s",
					  p->address, strerror(-r));
	}
	return 0;
}

/* ---- IOMMU groups ---- */

#define IOMMU_GROUPS "/sys/kernel/iommu_groups"

/* The members of group id from IOMMU_GROUPS/N/devices/, with class and driver. */
static int observe_iommu_group(unsigned id, struct iommu_group *g)
{
	_cleanup_(freep) char *dir = strprintf(IOMMU_GROUPS "/%u/devices", id);
	_cleanup_(closep) int dfd = -1;
	_cleanup_(strv_freep) char **names = NULL;
	size_t n = 0;
	int r;

	g->id = id;
	if (!dir)
		return -ENOMEM;
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno; /* gone since the link was read */
	r = observe_list_dirat(dfd, ".", &names, &n);
	if (r < 0)
		return r;
	g->members = n ? calloc(n, sizeof(*g->members)) : NULL;
	if (n && !g->members)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct iommu_member *m = &g->members[g->n_members++];
		char path[NAME_MAX + 16], buf[32];
		unsigned class;

		m->address = TAKE_PTR(names[i]);
		snprintf(path, sizeof(path), "%s/class", m->address);
		m->class = parse_uint(read_attr_at(dfd, path, buf, sizeof(buf)), &class) &&
				   class <= 0xffffff
			       ? (int)class
			       : -1;
		snprintf(path, sizeof(path), "%s/driver", m->address);
		m->driver = readlinkat_name(dfd, path);
	}
	return 0;
}

/* Each group a recorded device is in, once. */
static int observe_iommu_groups(struct observer *ob)
{
	struct host *h = ob->h;
	size_t cap = 0;
	int r;

	for (size_t i = 0; i < h->n_pci; i++) {
		int id = h->pci[i].iommu_group;
		if (id < 0 || host_find_iommu_group(h, id))
			continue;
		struct iommu_group *g = GROW(h->iommu_groups, h->n_iommu_groups, cap);
		if (!g)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		r = observe_iommu_group(id, g);
		if (r < 0)
			return diag_error(ob->d, NULL, r, "cannot read IOMMU group %d of '%s': %s",
					  id, h->pci[i].address, strerror(-r));
	}
	return 0;
}

/* ---- the kernel, for a preflight ---- */

/* The command line (under the file root, as modprobe.d) and whether there are IOMMU groups. */
static int observe_kernel(struct observer *ob)
{
	_cleanup_(freep) char *path = root_path(ob->o->root, "/proc/cmdline");
	_cleanup_(freep) char *cmdline = NULL;
	_cleanup_(strv_freep) char **groups = NULL;
	size_t n = 0;
	int r;

	if (!path)
		return -ENOMEM;
	r = observe_read_file(path, &cmdline);
	if (r == -ENOMEM)
		return r;
	if (r >= 0 && !(ob->h->kernel.cmdline = strdup_strip(cmdline)))
		return -ENOMEM;
	r = observe_list_dir(IOMMU_GROUPS, &groups, &n);
	if (r == -ENOMEM)
		return r;
	/* absent or empty: no IOMMU is enabled */
	ob->h->kernel.iommu = r >= 0 && n > 0;
	return 0;
}

/* ---- hostname ---- */

/*
 * The real hostname, also under --root: the file root is for files, and
 * the host: guard must not be bypassed by pointing it at another
 * etc/hostname (a captured host-state names its own).
 */
static int observe_hostname(struct observer *ob)
{
	char buf[HOST_NAME_MAX + 1];

	if (gethostname(buf, sizeof(buf)) < 0)
		return diag_error(ob->d, NULL, -errno, "cannot get the hostname: %s",
				  strerror(errno));
	buf[sizeof(buf) - 1] = '\0';
	ob->h->hostname = strdup(buf);
	return ob->h->hostname ? 0 : -ENOMEM;
}

/* ---- guests ---- */

/*
 * The guests, listed by one worker that runs while the PCI devices are
 * observed: guests_begin() connects (deferred) and starts it,
 * guests_end() takes its result. A host without libvirt is no news on
 * every run: when libvirt is optional, the reason it cannot be reached
 * (said as warnings) is kept, and the planner says it only where a guest
 * could lose a device without being asked (plan.c); what goes wrong once
 * connected is an error either way. What the start says is kept in quiet
 * until the end, so that a listing begun before the observation
 * (observe_guests_begin()) says it there too.
 */
struct observe_guests {
	struct libvirt *g;
	struct worker w;
	struct diag quiet;
	int r; /* of the connection, or of the start */
	bool begun;
};

static void observe_guests_release(struct observe_guests *p)
{
	if (p->begun)
		worker_release(&p->w);
	libvirt_close(p->g);
	diag_release(&p->quiet);
	*p = (struct observe_guests){0};
}

static void guests_begin(const struct observe_opts *o, struct observe_guests *p)
{
	*p = (struct observe_guests){0};
	diag_init(&p->quiet);
	if (!o->libvirt_uri)
		return;
	p->r = libvirt_open(o->libvirt_uri,
			    LIBVIRT_READ_ONLY | LIBVIRT_DEFER |
				(o->libvirt_required ? 0 : LIBVIRT_OPTIONAL),
			    &p->quiet, &p->g);
	if (p->r >= 0)
		p->r = libvirt_list_begin(p->g, true, &p->w);
	p->begun = p->r >= 0;
}

static int guests_end(struct observer *ob, struct observe_guests *p)
{
	bool optional = !ob->o->libvirt_required;
	int r = p->r;

	ob->h->libvirt_ok = false;
	if (!ob->o->libvirt_uri)
		return 0;
	if (p->begun) {
		p->begun = false;
		r = libvirt_list_end(p->g, &p->w, optional ? &p->quiet : ob->d, &ob->h->domains,
				     &ob->h->n_domains, &ob->h->networks, &ob->h->n_networks);
	}
	if (optional && r < 0 && p->quiet.n_errors == 0) {
		const char *why = p->quiet.n ? p->quiet.v[p->quiet.n - 1].msg : "unreachable";
		ob->h->libvirt_error = strdup(why);
		return ob->h->libvirt_error ? 0
					    : diag_error(ob->d, NULL, -ENOMEM, "out of memory");
	}
	diag_move_all(ob->d, &p->quiet);
	if (r < 0)
		return r;
	ob->h->libvirt_ok = true;
	if (ob->o->preflight)
		return libvirt_version(p->g, ob->d, &ob->h->libvirt_version);
	return 0;
}

int observe_guests_begin(const struct observe_opts *o, struct observe_guests **ret)
{
	struct observe_guests *p = malloc(sizeof(*p));

	if (!p)
		return -ENOMEM;
	guests_begin(o, p);
	*ret = p;
	return 0;
}

void observe_guests_free(struct observe_guests *p)
{
	if (!p)
		return;
	observe_guests_release(p);
	free(p);
}

int host_observe_with(const struct observe_opts *o, struct observe_guests *early, struct diag *d,
		      struct host **ret)
{
	_cleanup_(host_freep) struct host *h = host_new();
	_cleanup_(udev_unrefp) struct udev *udev = NULL;
	struct observer ob = {.o = o, .d = d, .h = h};
	int r;

	if (!h)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	/*
	 * The guests are listed first, while everything else is observed
	 * (libvirtd answers a call per domain); the devices they hold are
	 * observed after the listing.
	 */
	_cleanup_(observe_guests_release) struct observe_guests guests = {0};
	if (early) {
		guests = *early;
		*early = (struct observe_guests){0};
	} else {
		guests_begin(o, &guests);
	}
	r = observe_hostname(&ob);
	if (r < 0)
		return r == -ENOMEM ? diag_error(d, NULL, r, "out of memory") : r;

	udev = udev_new();
	if (!udev)
		return diag_error(d, NULL, -ENOMEM, "cannot initialise libudev");
	ob.udev = udev;

	/* a VF count change under way (a stopped run's) is waited for, bounded */
	_cleanup_(pci_scan_release) struct pci_scan scan = {0};
	r = scan_pci(&ob, &scan);
	if (r >= 0)
		r = settle_pfs(&ob, &scan);
	if (r < 0)
		return r;
	/*
	 * The kernel is asked for the VFs' link settings once the PFs are
	 * known, and answers while their VFs are read from sysfs.
	 */
	_cleanup_(links_pending_release) struct links_pending links = {0};
	r = observe_pci(&ob, &scan, false);
	if (r >= 0)
		r = links_begin(&ob, &links);
	if (r >= 0)
		r = observe_pf_vfs(&ob);
	if (r >= 0)
		r = guests_end(&ob, &guests);
	if (r >= 0)
		r = observe_pci(&ob, &scan, true);
	if (r < 0)
		return r;
	r = observe_iommu_groups(&ob);
	if (r < 0)
		return r;
	if (o->preflight && (r = observe_kernel(&ob)) < 0)
		return diag_error(d, NULL, r, "cannot read the kernel command line: %s",
				  strerror(-r));
	if ((r = links_end(&ob, &links)) < 0)
		return r;
	if (o->eswitch && (r = observe_eswitch(&ob)) < 0)
		return diag_error(d, NULL, r, "out of memory");
	if ((r = observe_wanted(&ob)) < 0)
		r = diag_error(d, NULL, r, "out of memory");
	if (r >= 0)
		r = observe_modules(&ob);
	if (r >= 0 && (r = observe_module_conf(&ob)) < 0)
		r = diag_error(d, NULL, r, "cannot read the modprobe.d configuration: %s",
			       strerror(-r));
	if (r >= 0)
		r = observe_files(&ob);
	free(ob.modules);
	free(ob.files);
	for (size_t i = 0; i < ob.n_extra; i++)
		free(ob.extra[i]);
	free(ob.extra);
	if (r < 0)
		return r;

	host_sort(h);
	*ret = TAKE_PTR(h);
	return 0;
}

int host_observe(const struct observe_opts *o, struct diag *d, struct host **ret)
{
	return host_observe_with(o, NULL, d, ret);
}

/* ---- names ---- */

static void pci_silent(char *msg, ...)
{
	(void)msg;
}

/* libpci calls this only for fatal errors (out of memory); it must not return. */
static void __attribute__((noreturn)) pci_fatal(char *msg, ...)
{
	(void)msg;
	abort();
}

static struct pci_access *pci_names_open(void)
{
	struct pci_access *pacc = pci_alloc();

	if (!pacc)
		return NULL;
	pacc->error = pci_fatal;
	pacc->warning = pci_silent;
	pacc->debug = pci_silent;
	/*
	 * Only names are looked up: name the sysfs method so that pci_init()
	 * probes nothing (it would try port I/O as root otherwise).
	 */
	pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_init(pacc);
	return pacc;
}

/* a name already looked up: every VF of a PF has the same ids */
struct known_name {
	unsigned vendor, device;
	char *name;
};

/* a copy of name (NULL: none, errno 0); NULL with errno ENOMEM out of memory */
static char *name_dup(const char *name)
{
	errno = 0;
	return strdup_or_null(name);
}

/*
 * Where names come from: pci.ids rather than the udev hwdb: its names are
 * lspci's, and the hwdb's (an older copy of the list) differ for some
 * devices. The list libpci would read (its id_file_name) is searched
 * directly for the few names asked (pciids.h); libpci reads it only when
 * that cannot (a compressed list).
 */
struct names {
	struct pci_access *pacc;
	struct pci_ids ids;
	bool tried; /* ids loaded, or found unreadable */
	struct known_name *known;
	size_t n_known;
};

static void names_release(struct names *n)
{
	if (n->pacc)
		pci_cleanup(n->pacc);
	pci_ids_release(&n->ids);
	for (size_t i = 0; i < n->n_known; i++)
		free(n->known[i].name);
	free(n->known);
}

static char *names_lookup(struct names *n, unsigned v, unsigned d)
{
	char buf[256];
	const char *s;

	if (!n->pacc && !(n->pacc = pci_names_open())) {
		errno = ENOMEM;
		return NULL;
	}
	if (!n->tried) {
		n->tried = true;
		pci_ids_load(n->pacc->id_file_name, &n->ids);
	}
	if (n->ids.text)
		return pci_ids_device(&n->ids, v, d);
	s = pci_lookup_name(n->pacc, buf, sizeof(buf),
			    PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB, v, d);
	return name_dup(s);
}

/*
 * The name from pci.ids ("82576 Gigabit Network Connection") of two hex
 * ids, owned; NULL unknown (errno ENOMEM: no memory).
 */
static char *pci_name(struct names *n, const char *vendor, const char *device)
{
	char *end1, *end2;
	unsigned long v = strtoul(vendor, &end1, 16), d = strtoul(device, &end2, 16);

	errno = 0;
	if (*end1 || *end2 || v > 0xffff || d > 0xffff)
		return NULL;
	for (size_t i = 0; i < n->n_known; i++)
		if (n->known[i].vendor == v && n->known[i].device == d)
			return name_dup(n->known[i].name);
	struct known_name *k = reallocarray(n->known, n->n_known + 1, sizeof(*k));
	if (!k) {
		errno = ENOMEM;
		return NULL;
	}
	n->known = k;
	char *name = names_lookup(n, v, d);
	if (!name && errno == ENOMEM)
		return NULL;
	n->known[n->n_known++] = (struct known_name){.vendor = v, .device = d, .name = name};
	return name_dup(name);
}

int host_lookup_names(struct host *h)
{
	_cleanup_(names_release) struct names names = {0};

	for (size_t i = 0; i < h->n_pci; i++) {
		struct pci_dev_state *p = &h->pci[i];

		if (!p->vendor)
			continue;
		if (!p->name && p->device && !(p->name = pci_name(&names, p->vendor, p->device)) &&
		    errno == ENOMEM)
			return -ENOMEM;
		if (!p->sriov.vf_name && p->sriov.vf_device &&
		    !(p->sriov.vf_name = pci_name(&names, p->vendor, p->sriov.vf_device)) &&
		    errno == ENOMEM)
			return -ENOMEM;
	}
	return 0;
}

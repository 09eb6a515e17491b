/* SPDX-License-Identifier: MIT */
/*
 * The live host -> struct host: PCI devices and SR-IOV through libudev
 * (names from libpci and pci.ids), kernel modules through libkmod and
 * /sys/module, the modprobe.d files under the file root, and the guests
 * through libvirt (libvirt.c).
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
#include <sys/stat.h>
#include <unistd.h>

#include <libkmod.h>
#include <libudev.h>
#include <pci/pci.h>

#include "cleanup.h"
#include "libvirt.h"
#include "host.h"
#include "modconf.h"
#include "vfnet.h"
#include "observe-internal.h"
#include "pci-sysfs.h"

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

/* Names of the entries of dir (sorted, NULL-terminated); empty if absent. */
int observe_list_dir(const char *dir, char ***ret, size_t *ret_n)
{
	_cleanup_(closedirp) DIR *dp = opendir(dir);
	_cleanup_(strv_release) struct strv v = {0};
	struct dirent *de;

	if (!dp && errno != ENOENT && errno != ENOTDIR)
		return -errno;
	while (dp && (de = readdir(dp)))
		if (de->d_name[0] != '.' && strv_push(&v, strdup(de->d_name)) < 0)
			return -ENOMEM;
	strv_sort(&v);
	*ret = strv_steal(&v, ret_n);
	return 0;
}

int observe_read_file(const char *path, char **ret)
{
	return read_text_file(path, OBSERVE_FILE_MAX, ret);
}

/* ---- PCI ---- */

static bool is_passthrough_driver(const char *driver)
{
	return driver && (streq(driver, "vfio-pci") || streq(driver, "pci-stub"));
}

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

static bool has_link(const char *syspath, const char *name)
{
	_cleanup_(freep) char *p = strprintf("%s/%s", syspath, name);
	struct stat st;

	return p && lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
}

/* The netdev names under the device's net/ directory (current names). */
static int device_interfaces(struct udev_device *dev, char ***ret, size_t *ret_n)
{
	_cleanup_(freep) char *p = strprintf("%s/net", udev_device_get_syspath(dev));

	if (!p)
		return -ENOMEM;
	return observe_list_dir(p, ret, ret_n);
}

/* The name from pci.ids ("82576 Gigabit Network Connection"); NULL unknown. */
static char *pci_name(struct observer *ob, unsigned vendor, unsigned device)
{
	char buf[256];
	const char *s;

	if (!ob->pacc)
		return NULL;
	s = pci_lookup_name(ob->pacc, buf, sizeof(buf),
			    PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB, vendor,
			    device);
	return s ? strdup(s) : NULL;
}

/*
 * The VFs' link settings (MAC, VLAN, spoof-check, ...) as the PF's driver
 * reports them over rtnetlink. A PF without a netdev (no driver, or not a
 * NIC) or one the kernel does not know (a simulated host) keeps them
 * unknown, quietly; any other failure is a warning, since the PCI view is
 * still right.
 */
static void observe_vf_link_settings(struct observer *ob, struct pci_dev_state *pf)
{
	struct diag scratch;
	int r;

	for (size_t i = 0; i < pf->sriov.n_vfs; i++) {
		struct vf_state *vf = &pf->sriov.vfs[i];

		vf_link_init(&vf->link);
	}
	if (pf->n_interfaces == 0 || pf->sriov.n_vfs == 0)
		return;
	diag_init(&scratch);
	r = vfnet_fill_vf_states(pf->interfaces[0], pf->sriov.vfs, pf->sriov.n_vfs, &scratch);
	if (r < 0 && r != -ENODEV)
		diag_warning(ob->d, NULL, "PF '%s': VF link settings unknown: %s", pf->address,
			     scratch.n && scratch.v[0].msg ? scratch.v[0].msg : strerror(-r));
	diag_release(&scratch);
}

static int vf_cmp(const void *a, const void *b)
{
	const struct vf_state *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int observe_vf(struct observer *ob, const char *pf_syspath, unsigned id, struct vf_state *vf)
{
	_cleanup_(freep) char *link = strprintf("%s/virtfn%u", pf_syspath, id);
	_cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;
	_cleanup_(strv_freep) char **ifs = NULL;
	const char *s;
	size_t n_ifs;
	int r;

	if (!link)
		return -ENOMEM;
	vf->id = id;
	vf->address = readlink_name(link);
	if (!vf->address)
		return errno == ENOENT ? 1 : -errno; /* removed meanwhile */

	dev = udev_device_new_from_subsystem_sysname(ob->udev, "pci", vf->address);
	if (!dev)
		return 0; /* the link is there, the device not (yet): address only */
	s = udev_device_get_driver(dev);
	if (s && !(vf->driver = strdup(s)))
		return -ENOMEM;
	/* the kernel shows an unset override as "(null)" */
	s = udev_device_get_sysattr_value(dev, "driver_override");
	if (s && *s && *s != '\n' && strncmp(s, "(null)", 6) != 0 &&
	    !(vf->driver_override = strdup_strip(s)))
		return -ENOMEM;
	r = device_interfaces(dev, &ifs, &n_ifs);
	if (r < 0)
		return r;
	if (n_ifs > 0 && !(vf->interface = strdup(ifs[0])))
		return -ENOMEM;
	return 0;
}

static int observe_sriov(struct observer *ob, struct udev_device *dev, struct pci_dev_state *p)
{
	const char *syspath = udev_device_get_syspath(dev);
	struct sriov_state *s = &p->sriov;
	_cleanup_(strv_freep) char **ents = NULL;
	size_t n_ents, cap = 0;
	unsigned v;
	int r;

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
		unsigned vf_dev = 0, pf_vendor = 0;
		s->vf_device = hex_id(x, &vf_dev);
		if (s->vf_device && p->vendor && sscanf(p->vendor, "%x", &pf_vendor) == 1)
			s->vf_name = pci_name(ob, pf_vendor, vf_dev);
	}

	r = observe_list_dir(syspath, &ents, &n_ents);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_ents; i++) {
		unsigned id;
		char *end;

		if (strncmp(ents[i], "virtfn", 6) != 0 || !ents[i][6])
			continue;
		errno = 0;
		unsigned long l = strtoul(ents[i] + 6, &end, 10);
		if (errno || *end || l > UINT_MAX)
			continue;
		id = l;
		struct vf_state *vf = GROW(s->vfs, s->n_vfs, cap);
		if (!vf)
			return -ENOMEM;
		r = observe_vf(ob, syspath, id, vf);
		if (r < 0)
			return r;
		if (r > 0) {
			free(vf->address);
			s->n_vfs--;
		}
	}
	if (s->n_vfs > 1)
		qsort(s->vfs, s->n_vfs, sizeof(*s->vfs), vf_cmp);
	observe_vf_link_settings(ob, p);
	return 0;
}

/* Fill p from dev. */
static int observe_pci_dev(struct observer *ob, struct udev_device *dev, bool is_pf,
			   struct pci_dev_state *p)
{
	_cleanup_(strv_freep) char **ifs = NULL;
	unsigned vendor = 0, device = 0;
	size_t n_ifs;
	int r;

	p->address = strdup(udev_device_get_sysname(dev));
	if (!p->address)
		return -ENOMEM;
	p->vendor = hex_id(udev_device_get_sysattr_value(dev, "vendor"), &vendor);
	p->device = hex_id(udev_device_get_sysattr_value(dev, "device"), &device);
	if (p->vendor && p->device)
		p->name = pci_name(ob, vendor, device);
	if (udev_device_get_driver(dev) && !(p->driver = strdup(udev_device_get_driver(dev))))
		return -ENOMEM;

	r = device_interfaces(dev, &ifs, &n_ifs);
	if (r < 0)
		return r;
	p->n_interfaces = n_ifs;
	p->interfaces = TAKE_PTR(ifs);

	p->is_pf = is_pf;
	if (is_pf)
		return observe_sriov(ob, dev, p);
	return 0;
}

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

static void pci_names_open(struct observer *ob)
{
	ob->pacc = pci_alloc();
	if (!ob->pacc)
		return;
	ob->pacc->error = pci_fatal;
	ob->pacc->warning = pci_silent;
	ob->pacc->debug = pci_silent;
	/*
	 * Only names are looked up: name the sysfs method so that pci_init()
	 * probes nothing (it would try port I/O as root otherwise).
	 */
	ob->pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_init(ob->pacc);
}

static int observe_pci(struct observer *ob)
{
	_cleanup_(udev_enumerate_unrefp) struct udev_enumerate *e = NULL;
	struct udev_list_entry *le;
	int r;

	e = udev_enumerate_new(ob->udev);
	if (!e)
		return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
	r = udev_enumerate_add_match_subsystem(e, "pci");
	if (r >= 0)
		r = udev_enumerate_scan_devices(e);
	if (r < 0)
		return diag_error(ob->d, NULL, r, "cannot enumerate PCI devices: %s", strerror(-r));

	udev_list_entry_foreach(le, udev_enumerate_get_list_entry(e))
	{
		_cleanup_(udev_device_unrefp) struct udev_device *dev =
		    udev_device_new_from_syspath(ob->udev, udev_list_entry_get_name(le));
		const char *syspath, *address;
		bool is_pf;

		if (!dev)
			continue; /* removed since the scan */
		syspath = udev_device_get_syspath(dev);
		address = udev_device_get_sysname(dev);
		if (has_link(syspath, "physfn"))
			continue; /* a VF: observed under its PF */
		is_pf = udev_device_get_sysattr_value(dev, "sriov_totalvfs") != NULL;
		if (!is_pf && !is_passthrough_driver(udev_device_get_driver(dev)) &&
		    !wanted_address(ob, address))
			continue;

		struct pci_dev_state *p = GROW(ob->h->pci, ob->h->n_pci, ob->cap_pci);
		if (!p)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		r = observe_pci_dev(ob, dev, is_pf, p);
		if (r < 0)
			return diag_error(ob->d, NULL, r, "cannot observe PCI device '%s': %s",
					  address, strerror(-r));
	}
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

static int observe_guests(struct observer *ob)
{
	_cleanup_(libvirt_closep) struct libvirt *g = NULL;
	int r;

	ob->h->libvirt_ok = false;
	if (!ob->o->libvirt_uri)
		return 0;
	if (!ob->o->libvirt_required) {
		/*
		 * A host without libvirt is no news on every run: the reason is
		 * kept, and the planner says it only where a guest could lose a
		 * device without being asked (plan.c).
		 */
		struct diag quiet;
		diag_init(&quiet);
		r = libvirt_open(ob->o->libvirt_uri, LIBVIRT_READ_ONLY, &quiet, &g);
		if (r < 0) {
			const char *why = quiet.n ? quiet.v[quiet.n - 1].msg : "unreachable";
			ob->h->libvirt_error = strdup(why);
			diag_release(&quiet);
			return ob->h->libvirt_error ? 0 : diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		}
		diag_release(&quiet);
	} else {
		r = libvirt_open(ob->o->libvirt_uri, LIBVIRT_READ_ONLY, ob->d, &g);
		if (r < 0)
			return r;
	}
	r = libvirt_list_domains(g, ob->d, &ob->h->domains, &ob->h->n_domains);
	if (r < 0)
		return r;
	ob->h->libvirt_ok = true;
	return 0;
}

int host_observe(const struct observe_opts *o, struct diag *d, struct host **ret)
{
	_cleanup_(host_freep) struct host *h = host_new();
	_cleanup_(udev_unrefp) struct udev *udev = NULL;
	_cleanup_(pci_cleanupp) struct pci_access *pacc = NULL;
	struct observer ob = {.o = o, .d = d, .h = h};
	int r;

	if (!h)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	r = observe_hostname(&ob);
	if (r < 0)
		return r == -ENOMEM ? diag_error(d, NULL, r, "out of memory") : r;

	udev = udev_new();
	if (!udev)
		return diag_error(d, NULL, -ENOMEM, "cannot initialise libudev");
	ob.udev = udev;
	pci_names_open(&ob);
	pacc = ob.pacc;

	/* a VF count change under way (a stopped run's) is waited for, bounded */
	r = sysfs_wait_numvfs_settled(d);
	if (r < 0)
		return r;
	/* guests first: a complete observation includes the devices they hold */
	r = observe_guests(&ob);
	if (r < 0)
		return r;
	r = observe_pci(&ob);
	if (r < 0)
		return r;
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

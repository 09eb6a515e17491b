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
#include "observe.h"

#define MODPROBE_D "/etc/modprobe.d"

struct observer {
	const struct observe_opts *o;
	struct diag *d;
	struct host *h;
	struct udev *udev;
	struct pci_access *pacc;
	size_t cap_pci, cap_modules, cap_files;
	/* the spec's modules and files, and those of the drivers of method-module PFs */
	const char **modules, **files;
	size_t n_modules, n_files;
	char **extra; /* owned strings the two lists point to */
	size_t n_extra;
};

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A copy of s without trailing whitespace; NULL for NULL. */
static char *strdup_strip(const char *s)
{
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strndup(s, n);
}

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
static int list_dir(const char *dir, char ***ret, size_t *ret_n)
{
	_cleanup_(closedirp) DIR *dp = opendir(dir);
	int err = dp ? 0 : errno;
	_cleanup_(strv_freep) char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	v = calloc(1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	if (!dp) {
		if (err != ENOENT && err != ENOTDIR)
			return -err;
		*ret = TAKE_PTR(v);
		*ret_n = 0;
		return 0;
	}
	cap = 1;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		if (n + 1 >= cap) {
			char **p = reallocarray(v, cap * 2, sizeof(char *));
			if (!p)
				return -ENOMEM;
			v = p;
			cap *= 2;
		}
		v[n] = strdup(de->d_name);
		if (!v[n])
			return -ENOMEM;
		v[++n] = NULL;
	}
	qsort(v, n, sizeof(char *), strcmp_ptr);
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

/* Files the observer reads (sysfs attributes, modprobe.d, hostname) are small. */
#define OBSERVE_FILE_MAX (4u << 20)

static int read_file(const char *path, char **ret)
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
	return list_dir(p, ret, ret_n);
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
	char target[PATH_MAX];
	const char *base, *s;
	size_t n_ifs;
	ssize_t k;
	int r;

	if (!link)
		return -ENOMEM;
	k = readlink(link, target, sizeof(target) - 1);
	if (k < 0)
		return errno == ENOENT ? 1 : -errno; /* removed meanwhile */
	target[k] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;

	vf->id = id;
	vf->address = strdup(base);
	if (!vf->address)
		return -ENOMEM;

	dev = udev_device_new_from_subsystem_sysname(ob->udev, "pci", base);
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

	r = list_dir(syspath, &ents, &n_ents);
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

/* ---- modules ---- */

static void kmod_silent(void *data, int priority, const char *file, int line, const char *fn,
			const char *format, va_list args)
{
	(void)data, (void)priority, (void)file, (void)line, (void)fn, (void)format, (void)args;
}

static int module_params(const char *kname, struct module_state *m)
{
	_cleanup_(freep) char *dir = strprintf("/sys/module/%s/parameters", kname);
	_cleanup_(strv_freep) char **keys = NULL;
	size_t n, cap = 0;
	int r;

	if (!dir)
		return -ENOMEM;
	r = list_dir(dir, &keys, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		_cleanup_(freep) char *path = strprintf("%s/%s", dir, keys[i]);
		_cleanup_(freep) char *value = NULL;

		if (!path)
			return -ENOMEM;
		r = read_file(path, &value);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			continue; /* write-only (mode 0200) or gone: not observable */
		struct module_param *mp = GROW(m->params, m->n_params, cap);
		if (!mp)
			return -ENOMEM;
		mp->key = strdup(keys[i]);
		mp->value = strdup_strip(value);
		if (!mp->key || !mp->value)
			return -ENOMEM;
	}
	return 0;
}

static bool listed(const char *const *v, size_t n, const char *s, bool modname)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && (modname ? modname_eq(v[i], s) : streq(v[i], s)))
			return true;
	return false;
}

/*
 * The modules and files to observe: the spec's, plus for each PF with
 * method module its driver's module and that module's default file (the
 * planner persists the count there when the spec has no modules entry).
 */
static int observe_wanted(struct observer *ob)
{
	const struct observe_opts *o = ob->o;
	size_t nm = o->n_modules + o->n_module_pfs, nf = o->n_files + o->n_module_pfs;

	ob->modules = calloc(nm + 1, sizeof(char *));
	ob->files = calloc(nf + 1, sizeof(char *));
	ob->extra = calloc(o->n_module_pfs + 1, sizeof(char *));
	if (!ob->modules || !ob->files || !ob->extra)
		return -ENOMEM;
	for (size_t i = 0; i < o->n_modules; i++)
		if (o->modules[i] && !listed(ob->modules, ob->n_modules, o->modules[i], true))
			ob->modules[ob->n_modules++] = o->modules[i];
	for (size_t i = 0; i < o->n_files; i++)
		if (o->files[i] && !listed(ob->files, ob->n_files, o->files[i], false))
			ob->files[ob->n_files++] = o->files[i];
	for (size_t i = 0; i < o->n_module_pfs; i++) {
		const struct pci_dev_state *pf =
		    o->module_pfs[i] ? host_find_pf(ob->h, o->module_pfs[i]) : NULL;
		if (!pf || !pf->driver || listed(ob->modules, ob->n_modules, pf->driver, true))
			continue;
		char *path = modconf_default_path(pf->driver);
		if (!path)
			return -ENOMEM;
		ob->extra[ob->n_extra++] = path;
		ob->modules[ob->n_modules++] = pf->driver;
		if (!listed(ob->files, ob->n_files, path, false))
			ob->files[ob->n_files++] = path;
	}
	return 0;
}

/* Add name to the NULL-terminated set v (no duplicates). */
static int strv_add(char ***v, size_t *n, size_t *cap, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (streq((*v)[i], name))
			return 0;
	if (*n + 1 >= *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		char **p = reallocarray(*v, c, sizeof(char *));
		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = c;
	}
	(*v)[*n] = strdup(name);
	if (!(*v)[*n])
		return -ENOMEM;
	(*v)[++*n] = NULL;
	return 0;
}

/*
 * The modules to observe: the ones asked for and, for a complete
 * observation, the drivers bound to every observed device and VF.
 */
static int module_names(struct observer *ob, char ***ret, size_t *ret_n)
{
	_cleanup_(strv_freep) char **v = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	for (size_t i = 0; r >= 0 && i < ob->n_modules; i++)
		r = strv_add(&v, &n, &cap, ob->modules[i]);
	for (size_t i = 0; r >= 0 && ob->o->complete && i < ob->h->n_pci; i++) {
		const struct pci_dev_state *p = &ob->h->pci[i];
		if (p->driver)
			r = strv_add(&v, &n, &cap, p->driver);
		for (size_t j = 0; r >= 0 && p->is_pf && j < p->sriov.n_vfs; j++)
			if (p->sriov.vfs[j].driver)
				r = strv_add(&v, &n, &cap, p->sriov.vfs[j].driver);
	}
	if (r < 0)
		return r;
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

static int observe_modules(struct observer *ob)
{
	_cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
	_cleanup_(strv_freep) char **names = NULL;
	size_t n_names = 0;
	int r;

	r = module_names(ob, &names, &n_names);
	if (r < 0)
		return diag_error(ob->d, NULL, r, "out of memory");
	if (n_names == 0)
		return 0;
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return diag_error(ob->d, NULL, -ENOMEM, "cannot initialise libkmod");
	kmod_set_log_fn(ctx, kmod_silent, NULL);

	for (size_t i = 0; i < n_names; i++) {
		_cleanup_(kmod_module_unrefp) struct kmod_module *mod = NULL;
		const char *name = names[i];

		struct module_state *m = GROW(ob->h->modules, ob->h->n_modules, ob->cap_modules);
		if (!m)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		m->name = strdup(name);
		if (!m->name)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		r = kmod_module_new_from_name(ctx, name, &mod);
		if (r < 0)
			return diag_error(ob->d, NULL, r, "cannot look up module '%s': %s", name,
					  strerror(-r));
		/* built in counts as loaded: its parameters are live, it cannot be loaded again */
		r = kmod_module_get_initstate(mod);
		m->loaded =
		    r == KMOD_MODULE_LIVE || r == KMOD_MODULE_COMING || r == KMOD_MODULE_BUILTIN;
		r = module_params(kmod_module_get_name(mod), m);
		if (r < 0)
			return diag_error(ob->d, NULL, r,
					  "cannot read the parameters of module '%s': %s", name,
					  strerror(-r));
	}
	return 0;
}

/* ---- files ---- */

/* The module names are equal for modprobe ('-' and '_' alike). */
static bool module_token_eq(const char *a, size_t alen, const char *b)
{
	if (alen != strlen(b))
		return false;
	for (size_t i = 0; i < alen; i++)
		if ((a[i] == '-' ? '_' : a[i]) != (b[i] == '-' ? '_' : b[i]))
			return false;
	return true;
}

/* Whether a word of content outside comments names one of the observed modules. */
static bool mentions_module(const struct host *h, const char *content)
{
	for (const char *line = content; *line;) {
		const char *end = strchrnul(line, '\n');
		const char *hash = memchr(line, '#', end - line);
		const char *stop = hash ? hash : end;
		for (const char *p = line; p < stop;) {
			size_t k = strcspn(p, " \t\n#");
			if (p + k > stop)
				k = stop - p;
			for (size_t i = 0; k && i < h->n_modules; i++)
				if (module_token_eq(p, k, h->modules[i].name))
					return true;
			p += k ? k : 1;
		}
		line = *end ? end + 1 : end;
	}
	return false;
}

/*
 * The files NAME.conf in /etc/modprobe.d (the ones modprobe reads there)
 * that mention an observed module, for a complete observation.
 */
static int modprobe_d_files(struct observer *ob, char ***ret, size_t *ret_n)
{
	_cleanup_(freep) char *dir = root_path(ob->o->root, MODPROBE_D);
	_cleanup_(strv_freep) char **names = NULL;
	_cleanup_(strv_freep) char **v = NULL;
	size_t n_names = 0, n = 0, cap = 0;
	int r;

	if (!dir)
		return -ENOMEM;
	r = list_dir(dir, &names, &n_names);
	if (r < 0)
		return diag_error(ob->d, NULL, r, "cannot list '%s': %s", dir, strerror(-r));
	for (size_t i = 0; i < n_names; i++) {
		_cleanup_(freep) char *full = strprintf("%s/%s", dir, names[i]);
		_cleanup_(freep) char *content = NULL;
		_cleanup_(freep) char *path = strprintf(MODPROBE_D "/%s", names[i]);
		size_t len = strlen(names[i]);
		struct stat st;

		if (!full || !path)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		if (len <= 5 || !streq(names[i] + len - 5, ".conf"))
			continue; /* modprobe reads only *.conf */
		if (stat(full, &st) < 0 || !S_ISREG(st.st_mode))
			continue; /* a dangling link or a directory: modprobe skips it too */
		r = read_file(full, &content);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return diag_error(ob->d, NULL, r, "cannot read '%s': %s", full,
					  strerror(-r));
		if (mentions_module(ob->h, content) && strv_add(&v, &n, &cap, path) < 0)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

static int observe_files(struct observer *ob)
{
	_cleanup_(strv_freep) char **scanned = NULL;
	size_t n_scanned = 0;
	int r;

	if (ob->o->complete) {
		r = modprobe_d_files(ob, &scanned, &n_scanned);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ob->n_files + n_scanned; i++) {
		const char *path = i < ob->n_files ? ob->files[i] : scanned[i - ob->n_files];
		_cleanup_(freep) char *full = NULL;

		if (!path || host_find_file(ob->h, path))
			continue;
		struct file_state *f = GROW(ob->h->files, ob->h->n_files, ob->cap_files);
		if (!f)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		f->path = strdup(path);
		full = root_path(ob->o->root, path);
		if (!f->path || !full)
			return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
		r = read_file(full, &f->content);
		if (r == -ENOENT)
			continue; /* absent: content NULL */
		if (r < 0)
			return diag_error(ob->d, NULL, r, "cannot read '%s': %s", full,
					  strerror(-r));
		if (!utf8_valid(f->content)) {
			char *fixed = utf8_sanitize(f->content);
			if (!fixed)
				return diag_error(ob->d, NULL, -ENOMEM, "out of memory");
			free(f->content);
			f->content = fixed;
			diag_warning(ob->d, &(struct src_loc){.file = full},
				     "not valid UTF-8: such bytes are read as U+FFFD (and rewritten "
				     "if sriovctl manages the file)");
		}
	}
	return 0;
}

/* ---- module options as modprobe would pass them ---- */

struct conf_file {
	char *name; /* file name, the sort key */
	char *path; /* without the root */
};

static void conf_files_free(struct conf_file *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
}

static int conf_file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct conf_file *)a)->name, ((const struct conf_file *)b)->name);
}

/*
 * The files kmod reads (kmod_config_new): "*.conf", not hidden, not a
 * directory, of every directory in order; a name seen in an earlier
 * directory masks the same name in later ones; then sorted by name.
 */
static int list_conf_files(const char *root, struct conf_file **ret, size_t *ret_n)
{
	struct conf_file *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	for (size_t d = 0; modconf_dirs[d] && r >= 0; d++) {
		_cleanup_(freep) char *dir = root_path(root, modconf_dirs[d]);
		_cleanup_(strv_freep) char **names = NULL;
		size_t nn = 0;

		if (!dir)
			r = -ENOMEM;
		else if ((r = list_dir(dir, &names, &nn)) < 0)
			r = r == -ENOMEM ? r : 0; /* unreadable: kmod skips it too */
		for (size_t i = 0; r >= 0 && i < nn; i++) {
			size_t len = strlen(names[i]);
			struct stat st;
			_cleanup_(freep) char *full = strprintf("%s/%s", dir, names[i]);
			if (!full) {
				r = -ENOMEM;
				break;
			}
			if (len < 6 || !streq(names[i] + len - 5, ".conf") || stat(full, &st) < 0 ||
			    S_ISDIR(st.st_mode))
				continue;
			bool masked = false;
			for (size_t j = 0; j < n && !masked; j++)
				masked = streq(v[j].name, names[i]);
			if (masked)
				continue;
			struct conf_file *f = GROW(v, n, cap);
			if (!f || !(f->name = strdup(names[i])) ||
			    !(f->path = strprintf("%s/%s", modconf_dirs[d], names[i])))
				r = -ENOMEM;
		}
	}
	if (r < 0) {
		conf_files_free(v, n);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), conf_file_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

struct conf_add {
	struct observer *ob;
	const char *source;
	size_t *caps; /* per h->modules entry */
};

static int conf_add(void *data, const char *module, const char *key, const char *value)
{
	struct conf_add *ca = data;
	struct host *h = ca->ob->h;

	for (size_t i = 0; i < h->n_modules; i++) {
		struct module_state *m = &h->modules[i];
		if (!modname_eq(m->name, module))
			continue;
		struct module_conf *c = GROW(m->conf, m->n_conf, ca->caps[i]);
		if (!c)
			return -ENOMEM;
		c->key = strdup(key);
		c->value = strdup(value);
		c->source = strdup(ca->source);
		if (!c->key || !c->value || !c->source)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Which options modprobe would pass each module at its next load, and
 * where each comes from. libkmod's kmod_config_get_options() gives the
 * options but not their file, and reads the real /proc/cmdline whatever
 * the root: so the files are read here, in kmod's order and with its
 * syntax (modconf.c). The kernel command line is <root>/proc/cmdline when
 * a root is given (absent: none), so a test root can provide one.
 */
static int observe_module_conf(struct observer *ob)
{
	_cleanup_(freep) size_t *caps = NULL;
	struct conf_file *files = NULL;
	size_t n = 0;
	int r;

	if (ob->h->n_modules == 0)
		return 0;
	caps = calloc(ob->h->n_modules, sizeof(*caps));
	if (!caps)
		return -ENOMEM;
	r = list_conf_files(ob->o->root, &files, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_(freep) char *full = root_path(ob->o->root, files[i].path);
		_cleanup_(freep) char *content = NULL;
		struct conf_add ca = {ob, files[i].path, caps};
		if (!full) {
			r = -ENOMEM;
			break;
		}
		r = read_file(full, &content);
		if (r == -ENOMEM)
			break;
		r = r < 0 ? 0 : modconf_foreach(content, conf_add, &ca);
	}
	conf_files_free(files, n);
	if (r < 0)
		return r;

	_cleanup_(freep) char *cmdline_path = root_path(ob->o->root, "/proc/cmdline");
	_cleanup_(freep) char *cmdline = NULL;
	struct conf_add ca = {ob, MODCONF_CMDLINE, caps};
	if (!cmdline_path)
		return -ENOMEM;
	r = read_file(cmdline_path, &cmdline);
	if (r == -ENOMEM)
		return r;
	return r < 0 ? 0 : modconf_cmdline_foreach(cmdline, conf_add, &ca);
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

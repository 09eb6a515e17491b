/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <libudev.h>
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "kmodlib.h"
#include "pci-sysfs.h"
#include "worker.h"

#define PCI_DEVICES "/sys/bus/pci/devices"
#define PCI_DRIVERS "/sys/bus/pci/drivers"

static sysfs_progress_fn progress_fn;
static void *progress_userdata;

void sysfs_set_progress(sysfs_progress_fn fn, void *userdata)
{
	progress_fn = fn;
	progress_userdata = userdata;
}

const char *sysfs_numvfs_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case EBUSY:
		return "device busy: VFs exist or a change of the VF count is still under way "
		       "(sriovctl writes 0 first)";
	case ENOENT:
		return "PF has no driver bound";
	case ERANGE:
		return "more VFs than sriov_totalvfs";
	case ENOSPC:
		return "not enough MSI-X vectors or bus numbers — see pci=realloc";
	case EINVAL:
		return "the kernel rejected the value";
	case ETIMEDOUT:
		return "timed out";
	default:
		return strerror(err < 0 ? -err : err);
	}
}

/* Write a string to a sysfs file with one write(2), as the kernel expects. */
static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	int r = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

struct write_req {
	const char *path, *value;
};

static int write_fn(void *arg, struct diag *d, FILE *out)
{
	const struct write_req *q = arg;

	(void)d;
	(void)out;
	return write_file(q->path, q->value);
}

/*
 * Write a sysfs attribute in a worker (worker.h), bounded by the worker
 * timeout: a driver that never answers gives -ETIMEDOUT, a stop -EINTR.
 */
static int write_attr(const char *path, const char *value)
{
	struct write_req q = {path, value};
	struct diag scratch;
	int r;

	diag_init(&scratch);
	r = worker_call(write_fn, &q, 0, &scratch, NULL, NULL, NULL);
	diag_release(&scratch);
	return r;
}

/* Plain words for the result of write_attr. Valid until the next call. */
static const char *write_strerror(int r)
{
	static __thread char buf[96];

	if (r == -ETIMEDOUT) {
		snprintf(buf, sizeof(buf), "no answer within %g s (the driver hangs)",
			 worker_timeout());
		return buf;
	}
	if (r == -EINTR)
		return "interrupted: the run was asked to stop";
	return strerror(-r);
}

/* A count as sysfs shows it ("7\n"). */
static int parse_count(const char *v, unsigned *ret)
{
	char *end;

	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || end == v || n > UINT_MAX)
		return -EINVAL;
	*ret = n;
	return 0;
}

static int read_uint_attr(struct udev *udev, const char *addr, const char *attr, unsigned *ret)
{
	/* a fresh device object: libudev caches attribute values per object */
	_cleanup_(udev_device_unrefp) struct udev_device *dev =
	    udev_device_new_from_subsystem_sysname(udev, "pci", addr);
	if (!dev)
		return -ENODEV;
	const char *v = udev_device_get_sysattr_value(dev, attr);
	if (!v)
		return -ENOENT;
	return parse_count(v, ret);
}

int sysfs_num_vfs(const char *pf, unsigned *ret)
{
	_cleanup_(udev_unrefp) struct udev *udev = udev_new();

	if (!udev)
		return -ENOMEM;
	return read_uint_attr(udev, pf, "sriov_numvfs", ret);
}

static bool virtfn_exists(const char *syspath, unsigned n)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/virtfn%u", syspath, n);
	return lstat(path, &st) == 0;
}

/*
 * How many virtfnN links the PF has, counting up from 0: the kernel adds
 * them in order. From hint (the count seen last) when virtfn{hint-1} is
 * still there, so that waiting for 256 VFs does not stat them all again
 * on every udev event.
 */
static unsigned count_virtfn(const char *syspath, unsigned hint)
{
	unsigned n = hint > 0 && virtfn_exists(syspath, hint - 1) ? hint : 0;

	while (virtfn_exists(syspath, n))
		n++;
	return n;
}

/* sriov_numvfs of the PF at syspath, read directly (no libudev object per read). */
static int read_numvfs(const char *syspath, unsigned *ret)
{
	_cleanup_(freep) char *path = strprintf("%s/sriov_numvfs", syspath);
	_cleanup_(freep) char *v = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	r = read_text_file(path, 64, &v);
	return r < 0 ? r : parse_count(v, ret);
}

/* The PCI address ("0000:0b:10.0") of the PF's VF n, NULL if absent. Owned. */
static char *virtfn_address(const char *syspath, unsigned n)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/virtfn%u", syspath, n);
	return readlink_name(path);
}

/* The PF's udev device; an error naming it when it is not there. */
static int pf_device(struct udev *udev, const char *pf, struct diag *d, struct udev_device **ret)
{
	if (!udev)
		return diag_error(d, NULL, -ENOMEM, "cannot create a udev context");
	*ret = udev_device_new_from_subsystem_sysname(udev, "pci", pf);
	if (!*ret)
		return diag_error(d, NULL, -ENODEV, "PF '%s': device not found", pf);
	return 0;
}

/* A PF whose VF count is set, and how far its VFs are. */
struct vf_target {
	char *pf;	 /* PCI address; owned */
	char *syspath;	 /* owned */
	unsigned to;	 /* the count written */
	unsigned got;	 /* the count read back by the writer; UINT_MAX: unknown */
	unsigned want;	 /* the VFs waited for: to, or fewer when the driver enabled fewer */
	bool written;	 /* the write returned: the VFs are waited for */
	bool ready;	 /* they are all there and announced */
	unsigned n_ready; /* VFs 0..n_ready-1 were found ready */
	unsigned have;	 /* virtfn links counted last */
	unsigned shown;	 /* the count last given to progress_fn; UINT_MAX: none yet */
};

/*
 * The PFs whose VF counts are set together, and what udev announced after
 * its rules ran (add or bind events of PCI devices, add events of netdevs
 * by their name after udev renamed them), heard once for all of them: a
 * set, as a few PFs of 256 VFs bring thousands.
 */
struct vf_watch {
	struct udev *udev;
	struct udev_monitor *mon;
	struct strset announced; /* device names; "bind:ADDR" for bind events */
	bool lost;		 /* the monitor's queue overflowed (ENOBUFS): events were lost */
	struct vf_target *pfs;
	size_t n_pfs;
};

/* Tell progress_fn how many of want VFs are there, when that changed. */
static void vf_progress(struct vf_target *t, unsigned have)
{
	if (!progress_fn || t->want == 0 || have == t->shown)
		return;
	t->shown = have;
	progress_fn(t->pf, have, t->want, progress_userdata);
}

static bool announced(const struct vf_watch *w, const char *name)
{
	return strset_has(&w->announced, name);
}

static void note_event(struct udev_device *ev, struct vf_watch *w)
{
	const char *action = udev_device_get_action(ev);
	const char *name = udev_device_get_sysname(ev);
	const char *subsystem = udev_device_get_subsystem(ev);
	char key[NAME_MAX + 8];

	if (!action || !name || !subsystem)
		return;
	if (!(streq(subsystem, "pci") && (streq(action, "add") || streq(action, "bind"))) &&
	    !(streq(subsystem, "net") && streq(action, "add")))
		return;
	/* a bind is kept apart from the add of the same device */
	snprintf(key, sizeof(key), "%s%s", streq(action, "bind") ? "bind:" : "", name);
	/* out of memory: the udev database answers for the event */
	(void)strset_add(&w->announced, key);
}

/*
 * The netdevs of VF n (entries of its net/ directory) are all announced by
 * udev, or initialized in its database. The kernel registers a net VF's
 * netdev while its driver probes, before the bind event; udev may rename
 * it, and announces it under its final name.
 */
static bool vf_netdevs_ready(const struct vf_watch *w, const char *syspath, unsigned n)
{
	char path[PATH_MAX];
	struct dirent *de;
	bool ready = true;

	snprintf(path, sizeof(path), "%s/virtfn%u/net", syspath, n);
	_cleanup_(closedirp) DIR *dir = opendir(path);
	if (!dir)
		return true; /* no netdev (yet): the PCI events decide */
	while (ready && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || announced(w, de->d_name))
			continue;
		_cleanup_(udev_device_unrefp) struct udev_device *nd =
		    udev_device_new_from_subsystem_sysname(w->udev, "net", de->d_name);
		ready = nd && udev_device_get_is_initialized(nd) > 0;
	}
	return ready;
}

/*
 * The VF at addr was announced added (its add event, or the udev database
 * has it) and, with a driver bound, announced bound (its bind event, or
 * the database has it with its driver), so that its netdev, registered
 * while the driver probed, is there to be waited for.
 */
static bool vf_pci_ready(const struct vf_watch *w, const char *addr)
{
	char bind[64];

	snprintf(bind, sizeof(bind), "bind:%s", addr);
	bool added = announced(w, addr), bound = announced(w, bind);
	if (added && bound)
		return true; /* no device object needed */
	_cleanup_(udev_device_unrefp) struct udev_device *vf =
	    udev_device_new_from_subsystem_sysname(w->udev, "pci", addr);
	if (!vf)
		return false;
	bool initialized = udev_device_get_is_initialized(vf) > 0;
	if (!added && !initialized)
		return false;
	return !udev_device_get_driver(vf) || bound || initialized;
}

/*
 * Are the PF's VFs there? virtfn0..want-1 exist and each VF and its
 * netdevs were announced by udev (an add event, or already initialized in
 * the udev database).
 */
static bool vfs_ready(const struct vf_watch *w, struct vf_target *t)
{
	if (t->have < t->want)
		return false;
	for (unsigned i = t->n_ready; i < t->want; i++, t->n_ready = i) {
		_cleanup_(freep) char *addr = virtfn_address(t->syspath, i);
		if (!addr || !vf_netdevs_ready(w, t->syspath, i) || !vf_pci_ready(w, addr))
			return false;
	}
	return true;
}

/*
 * Look at a PF whose write returned. sriov_numvfs is not read here: a
 * read waits for the PF's device lock, for ever when a driver hangs (the
 * writer reads it back instead).
 */
static void target_update(const struct vf_watch *w, struct vf_target *t)
{
	t->have = count_virtfn(t->syspath, t->have);
	t->ready = vfs_ready(w, t);
	vf_progress(t, t->ready || t->have > t->want ? t->want : t->have);
}

int vf_watch_new(unsigned n_vfs, struct vf_watch **ret, struct diag *d)
{
	_cleanup_(vf_watch_freep) struct vf_watch *w = calloc(1, sizeof(*w));
	int r;

	if (!w || !(w->udev = udev_new()))
		return diag_error(d, NULL, -ENOMEM, "cannot create a udev context");
	w->mon = udev_monitor_new_from_netlink(w->udev, "udev");
	if (!w->mon)
		return diag_error(d, NULL, -errno ? -errno : -ENOMEM,
				  "cannot listen to udev events");
	udev_monitor_filter_add_match_subsystem_devtype(w->mon, "pci", NULL);
	udev_monitor_filter_add_match_subsystem_devtype(w->mon, "net", NULL);
	/*
	 * Each VF brings several events (pci add and bind, net add, ...); the
	 * socket's default queue holds far fewer than 256 VFs send. Room for
	 * 8 events of 4 KiB (with the kernel's overhead) per VF, at least
	 * 1 MiB; a failure only makes a loss more likely.
	 */
	size_t room = (size_t)n_vfs * 8 * 4096;
	udev_monitor_set_receive_buffer_size(w->mon, (int)(room < (1u << 20)	? (1u << 20)
							   : room > (64u << 20) ? (64u << 20)
										: room));
	r = udev_monitor_enable_receiving(w->mon);
	if (r < 0)
		return diag_error(d, NULL, r, "cannot listen to udev events: %s", strerror(-r));
	*ret = TAKE_PTR(w);
	return 0;
}

void vf_watch_free(struct vf_watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_pfs; i++) {
		free(w->pfs[i].pf);
		free(w->pfs[i].syspath);
	}
	free(w->pfs);
	strset_release(&w->announced);
	udev_monitor_unref(w->mon);
	udev_unref(w->udev);
	free(w);
}

int vf_watch_fd(const struct vf_watch *w)
{
	return udev_monitor_get_fd(w->mon);
}

int vf_watch_add(struct vf_watch *w, const char *pf, unsigned to, size_t *ret, struct diag *d)
{
	_cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;
	int r = pf_device(w->udev, pf, d, &dev);

	if (r < 0)
		return r;
	struct vf_target *pfs = reallocarray(w->pfs, w->n_pfs + 1, sizeof(*pfs));
	if (!pfs)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	w->pfs = pfs;
	struct vf_target *t = &pfs[w->n_pfs];
	*t = (struct vf_target){.pf = strdup(pf),
				.syspath = strdup(udev_device_get_syspath(dev)),
				.to = to,
				.want = to,
				.shown = UINT_MAX};
	if (!t->pf || !t->syspath) {
		free(t->pf);
		free(t->syspath);
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	}
	*ret = w->n_pfs++;
	return 0;
}

void vf_watch_written(struct vf_watch *w, size_t i, bool changed, unsigned count)
{
	struct vf_target *t = &w->pfs[i];

	t->written = true;
	t->got = count;
	/* a driver may enable fewer VFs than asked: that many are waited for */
	if (count != UINT_MAX && count > 0 && count < t->want)
		t->want = count;
	/* VFs removed were waited for by the writer */
	t->ready = !changed || t->to == 0;
}

bool vf_watch_ready(const struct vf_watch *w, size_t i)
{
	return w->pfs[i].ready;
}

bool vf_watch_update(struct vf_watch *w)
{
	struct udev_device *ev;
	bool all = true;

	errno = 0;
	while ((ev = udev_monitor_receive_device(w->mon))) {
		note_event(ev, w);
		udev_device_unref(ev);
		errno = 0;
	}
	/* the udev database and sysfs tell what the lost events would have */
	if (errno == ENOBUFS)
		w->lost = true;
	for (size_t i = 0; i < w->n_pfs; i++) {
		struct vf_target *t = &w->pfs[i];
		if (t->written && !t->ready)
			target_update(w, t);
		all = all && (!t->written || t->ready);
	}
	return all;
}

int vf_watch_finish(struct vf_watch *w, size_t i, struct diag *d)
{
	struct vf_target *t = &w->pfs[i];
	unsigned have = t->ready ? t->want : count_virtfn(t->syspath, 0), want = t->want;
	unsigned got = t->got;
	int r = 0;

	/*
	 * The count is read back once the VFs are there: the change is over,
	 * the device lock free. (A driver that makes them after its write
	 * returned would make the writer's count too early.)
	 */
	if (t->to > 0 && have >= want && read_numvfs(t->syspath, &got) < 0)
		got = UINT_MAX;
	/* not ready: sysfs once more before failing, the events may have been lost, not the VFs */
	if (t->ready) {
		/* all there and announced */
	} else if (have < want) {
		r = diag_error(d, NULL, -ETIMEDOUT,
			       "PF '%s': timed out waiting for VFs: %u of %u present", t->pf, have,
			       want);
	} else if (w->lost || got == want) {
		diag_warning(d, NULL,
			     "PF '%s': the %u VFs exist (sysfs), but udev did not announce "
			     "them all%s; going on (network interface names may not be "
			     "final yet)",
			     t->pf, want,
			     w->lost ? ": its events were lost" : " (is systemd-udevd running?)");
	} else {
		r = diag_error(d, NULL, -ETIMEDOUT,
			       "PF '%s': the %u VFs exist but udev did not announce them all "
			       "(is systemd-udevd running?)",
			       t->pf, want);
	}
	if (r >= 0 && got != UINT_MAX && got != t->to)
		r = diag_error(d, NULL, -EIO, "PF '%s': the driver enabled %u of %u VFs", t->pf,
			       got, t->to);
	return r;
}

/* Write `to` to the PF's sriov_numvfs: the driver makes or removes the VFs meanwhile. */
static int write_count(struct udev_device *dev, const char *pf, unsigned to, struct diag *d)
{
	char val[16];
	int r;

	snprintf(val, sizeof(val), "%u", to);
	r = udev_device_set_sysattr_value(dev, "sriov_numvfs", val);
	if (r < 0)
		return diag_error(d, NULL, r, "PF '%s': cannot set sriov_numvfs to %u: %s", pf, to,
				  sysfs_numvfs_strerror(r));
	return 0;
}

/*
 * Wait until the PF's VFs are gone. The kernel removes them before the
 * write of 0 returns; a driver that does it slowly is looked at again,
 * less and less often, up to the deadline.
 */
static int wait_removed(const char *pf, const char *syspath, double deadline, struct diag *d)
{
	unsigned count = UINT_MAX;

	for (long ns = 1000000;; ns = ns < 100000000 ? ns * 2 : ns) {
		unsigned have = count_virtfn(syspath, 0);
		if (have == 0 && read_numvfs(syspath, &count) >= 0 && count == 0)
			return 0;
		if (monotonic_now() >= deadline)
			return diag_error(d, NULL, -ETIMEDOUT,
					  "PF '%s': timed out waiting for its VFs to be removed: %u "
					  "left",
					  pf, have ? have : count);
		nanosleep(&(struct timespec){0, ns}, NULL);
	}
}

int sysfs_write_num_vfs(const char *pf, unsigned to, double deadline, unsigned *ret_count,
			struct diag *d)
{
	_cleanup_(udev_unrefp) struct udev *udev = udev_new();
	_cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;
	unsigned cur, total;
	int r;

	r = pf_device(udev, pf, d, &dev);
	if (r < 0)
		return r;
	const char *syspath = udev_device_get_syspath(dev);
	r = read_uint_attr(udev, pf, "sriov_numvfs", &cur);
	if (r < 0)
		return diag_error(d, NULL, r, "PF '%s': cannot read sriov_numvfs: %s", pf,
				  strerror(-r));
	r = read_uint_attr(udev, pf, "sriov_totalvfs", &total);
	if (r < 0)
		return diag_error(d, NULL, r, "PF '%s': cannot read sriov_totalvfs: %s", pf,
				  strerror(-r));
	if (to > total)
		return diag_error(d, NULL, -ERANGE, "PF '%s': num-vfs %u exceeds sriov_totalvfs %u",
				  pf, to, total);
	*ret_count = cur;
	if (cur == to)
		return 1;
	/* the kernel answers EBUSY to a new count while VFs exist */
	if (cur != 0 && to != 0) {
		r = write_count(dev, pf, 0, d);
		if (r >= 0)
			r = wait_removed(pf, syspath, deadline, d);
		if (r < 0)
			return r;
	}
	r = write_count(dev, pf, to, d);
	if (r >= 0 && to == 0)
		r = wait_removed(pf, syspath, deadline, d);
	/* the driver enabled the VFs before the write returned: the count is final */
	if (r >= 0 && read_numvfs(syspath, ret_count) < 0)
		*ret_count = UINT_MAX;
	return r;
}

struct settle {
	const char *const *pfs;
	size_t n;
};

/* In a worker: read each PF's sriov_numvfs, each read announced as a step (the PF). */
static int settle_fn(void *arg, struct diag *d, FILE *out)
{
	const struct settle *st = arg;
	char path[PATH_MAX], buf[32];

	(void)d, (void)out;
	for (size_t i = 0; i < st->n; i++) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/sriov_numvfs", st->pfs[i]);
		/* the open or the read is what waits: the PF is named first */
		worker_step("%s", st->pfs[i]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (read(fd, buf, sizeof(buf)) < 0)
			buf[0] = '\0';
		close(fd);
	}
	return 0;
}

int sysfs_wait_numvfs_settled(const char *const *pfs, size_t n, struct diag *d)
{
	_cleanup_(freep) char *pf = NULL;
	struct settle st = {pfs, n};

	if (n == 0)
		return 0;
	int r = worker_call_steps(settle_fn, &st, 0, d, &pf, NULL, NULL);

	if (r == -ETIMEDOUT)
		return diag_error(
		    d, NULL, r,
		    "PF '%s': a change of its VF count is still under way (by another "
		    "run, or one that was stopped): sriov_numvfs did not answer within "
		    "%g s",
		    pf ? pf : "?", worker_timeout());
	if (r == -EINTR)
		return diag_error(d, NULL, r,
				  "interrupted while waiting for VF count changes under way");
	return r < 0 ? diag_error(d, NULL, r, "cannot read sriov_numvfs: %s", strerror(-r)) : 0;
}

int sysfs_set_drivers_autoprobe(const char *pf, bool on, struct diag *d)
{
	_cleanup_(udev_unrefp) struct udev *udev = udev_new();
	_cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;
	int r;

	r = pf_device(udev, pf, d, &dev);
	if (r < 0)
		return r;
	_cleanup_(freep) char *path =
	    strprintf("%s/sriov_drivers_autoprobe", udev_device_get_syspath(dev));
	if (!path)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	r = write_attr(path, on ? "1" : "0");
	if (r < 0)
		return diag_error(d, NULL, r, "PF '%s': cannot set sriov_drivers_autoprobe: %s", pf,
				  write_strerror(r));
	return 0;
}

char *sysfs_device_driver(const char *dev)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", dev);
	return readlink_name(path);
}

static bool driver_present(const char *driver)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), PCI_DRIVERS "/%s", driver);
	return stat(path, &st) == 0;
}

/* Load the module of a PCI driver (vfio-pci -> vfio_pci) through libkmod. */
static int load_driver_module(const char *driver, struct diag *d)
{
	_cleanup_(kmodlib_unrefp) struct kmod_ctx *ctx = NULL;
	_cleanup_(kmodlib_module_unref_listp) struct kmod_list *list = NULL;
	struct kmod_list *it;
	int r;

	r = kmodlib_new(&ctx);
	if (r < 0)
		return diag_error(d, NULL, r, "cannot load the module of driver '%s': %s", driver,
				  r == -ELIBACC ? kmodlib_error() : "cannot create a kmod context");
	r = kmodlib.kmod_module_new_from_lookup(ctx, driver, &list);
	if (r < 0 || !list)
		return diag_error(d, NULL, r < 0 ? r : -ENOENT,
				  "driver '%s' is not loaded and no module provides it", driver);
	kmodlib_list_foreach(it, list)
	{
		_cleanup_(kmodlib_module_unrefp) struct kmod_module *m =
		    kmodlib.kmod_module_get_module(it);
		r = kmodlib.kmod_module_probe_insert_module(m, 0, NULL, NULL, NULL, NULL);
		if (r < 0)
			break;
	}
	if (r < 0)
		return diag_error(d, NULL, r, "cannot load the module of driver '%s': %s", driver,
				  strerror(-r));
	return 0;
}

int sysfs_bind_driver(const char *dev, const char *driver, bool *ret_changed, struct diag *d)
{
	_cleanup_(freep) char *cur = sysfs_device_driver(dev);
	_cleanup_(freep) char *now_bound = NULL;
	char path[PATH_MAX];
	int r;

	if (ret_changed)
		*ret_changed = false;
	if (cur && streq(cur, driver))
		return 0;
	if (!driver_present(driver)) {
		r = load_driver_module(driver, d);
		if (r < 0)
			return r;
		if (!driver_present(driver))
			return diag_error(
			    d, NULL, -ENOENT,
			    "'%s': driver '%s' did not register after loading its module", dev,
			    driver);
	}
	if (ret_changed)
		*ret_changed = true;
	if (cur) {
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", dev);
		r = write_attr(path, dev);
		if (r < 0)
			return diag_error(d, NULL, r, "'%s': cannot unbind from '%s': %s", dev, cur,
					  write_strerror(r));
	}
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", dev);
	r = write_attr(path, driver);
	if (r < 0)
		return diag_error(d, NULL, r, "'%s': cannot set driver_override to '%s': %s", dev,
				  driver, write_strerror(r));
	r = write_attr(PCI_DRIVERS "/../drivers_probe", dev);
	if (r < 0)
		diag_error(d, NULL, r, "'%s': probing with driver '%s' (drivers_probe) failed: %s",
			   dev, driver, write_strerror(r));
	/* clear the override either way (also after a stop): a newline empties it */
	int r2 = r == -EINTR ? write_file(path, "\n") : write_attr(path, "\n");
	if (r < 0)
		return r;
	if (r2 < 0)
		return diag_error(d, NULL, r2, "'%s': cannot clear driver_override: %s", dev,
				  write_strerror(r2));
	now_bound = sysfs_device_driver(dev);
	if (!now_bound || !streq(now_bound, driver))
		return diag_error(d, NULL, -EIO, "'%s': still bound to '%s' after probing '%s'",
				  dev, now_bound ? now_bound : "no driver", driver);
	return 0;
}

static bool bound_to(const char *dev, const char *driver)
{
	_cleanup_(freep) char *cur = sysfs_device_driver(dev);
	return cur && streq(cur, driver);
}

/*
 * Wait until ready(arg) or the deadline, woken by udev events of the
 * subsystems pci and net (and at least once a second, also without a
 * monitor). 0 or -ETIMEDOUT.
 */
static int wait_udev(struct udev *udev, double deadline, bool (*ready)(void *arg), void *arg)
{
	_cleanup_(udev_monitor_unrefp) struct udev_monitor *mon =
	    udev_monitor_new_from_netlink(udev, "udev");

	if (mon) {
		udev_monitor_filter_add_match_subsystem_devtype(mon, "pci", NULL);
		udev_monitor_filter_add_match_subsystem_devtype(mon, "net", NULL);
		if (udev_monitor_enable_receiving(mon) < 0)
			mon = (udev_monitor_unref(mon), NULL);
	}
	while (!ready(arg)) {
		double left = deadline - monotonic_now();
		if (left <= 0)
			return -ETIMEDOUT;
		int ms = left > 1.0 ? 1000 : (int)(left * 1000) + 1;
		if (!mon) {
			poll(NULL, 0, ms);
			continue;
		}
		struct pollfd pfd = {.fd = udev_monitor_get_fd(mon), .events = POLLIN};
		if (poll(&pfd, 1, ms) > 0) {
			struct udev_device *ev;
			while ((ev = udev_monitor_receive_device(mon)))
				udev_device_unref(ev);
		}
	}
	return 0;
}

struct bound_req {
	const char *dev, *driver;
};

static bool bound_ready(void *arg)
{
	const struct bound_req *q = arg;
	return bound_to(q->dev, q->driver);
}

int sysfs_wait_driver(const char *dev, const char *driver, double timeout_s, struct diag *d)
{
	_cleanup_(udev_unrefp) struct udev *udev = udev_new();
	struct bound_req q = {dev, driver};

	if (!udev)
		return diag_error(d, NULL, -ENOMEM, "cannot create a udev context");
	if (wait_udev(udev, monotonic_now() + timeout_s, bound_ready, &q) < 0)
		return diag_error(d, NULL, -ETIMEDOUT, "'%s': not bound to '%s' after %.0f s", dev,
				  driver, timeout_s);
	return 0;
}

/* Why the PF named name (address or netdev) is not ready; NULL when it is. Static. */
static const char *pf_missing(struct udev *udev, const char *name)
{
	_cleanup_(udev_device_unrefp) struct udev_device *dev =
	    udev_device_new_from_subsystem_sysname(udev, "pci", name);
	_cleanup_(udev_device_unrefp) struct udev_device *net = NULL;

	if (!dev) {
		net = udev_device_new_from_subsystem_sysname(udev, "net", name);
		struct udev_device *parent =
		    net ? udev_device_get_parent_with_subsystem_devtype(net, "pci", NULL) : NULL;
		if (!parent)
			return "no such device";
		dev = udev_device_ref(parent);
	}
	if (!udev_device_get_driver(dev))
		return "no driver bound";
	return NULL;
}

struct pfs_req {
	struct udev *udev;
	const char *const *names;
	size_t n;
};

static bool pfs_ready(void *arg)
{
	const struct pfs_req *q = arg;

	for (size_t i = 0; i < q->n; i++)
		if (pf_missing(q->udev, q->names[i]))
			return false;
	return true;
}

int sysfs_wait_pfs(const char *const *names, size_t n, double timeout_s, struct diag *d)
{
	_cleanup_(udev_unrefp) struct udev *udev = udev_new();
	struct pfs_req q = {udev, names, n};

	if (!udev)
		return diag_error(d, NULL, -ENOMEM, "cannot create a udev context");
	if (wait_udev(udev, monotonic_now() + timeout_s, pfs_ready, &q) >= 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const char *why = pf_missing(udev, names[i]);
		if (why)
			diag_warning(d, NULL, "PF '%s' is not ready after waiting %g s: %s",
				     names[i], timeout_s, why);
	}
	return -ETIMEDOUT;
}

struct netdev_req {
	const char *dev;
	char *name;
	unsigned ifindex;
};

/* The device's first netdev with a readable ifindex, into q. */
static bool netdev_ready(void *arg)
{
	struct netdev_req *q = arg;
	char path[PATH_MAX];
	struct dirent *de;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/net", q->dev);
	_cleanup_(closedirp) DIR *dir = opendir(path);
	while (dir && (de = readdir(dir))) {
		_cleanup_(freep) char *text = NULL;
		unsigned long idx;
		char *end;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/net/%s/ifindex", q->dev, de->d_name);
		if (read_text_file(path, 64, &text) < 0)
			continue;
		errno = 0;
		idx = strtoul(text, &end, 10);
		if (errno || end == text || idx == 0 || idx > INT32_MAX)
			continue;
		q->ifindex = (unsigned)idx;
		q->name = strdup(de->d_name);
		return true;
	}
	return false;
}

int sysfs_device_netdev(const char *dev, double timeout_s, char **ret_name, unsigned *ret_ifindex,
			struct diag *d)
{
	_cleanup_(udev_unrefp) struct udev *udev = NULL;
	struct netdev_req q = {.dev = dev};

	if (!netdev_ready(&q)) {
		udev = udev_new();
		if (!udev)
			return diag_error(d, NULL, -ENOMEM, "cannot create a udev context");
		if (wait_udev(udev, monotonic_now() + timeout_s, netdev_ready, &q) < 0)
			return diag_error(d, NULL, -ENODEV,
					  "'%s': no netdev after %g s (driver %s)", dev, timeout_s,
					  "without one, or not bound");
	}
	if (!q.name)
		return diag_error(d, NULL, -ENOMEM, "out of memory");
	*ret_name = q.name;
	*ret_ifindex = q.ifindex;
	return 0;
}

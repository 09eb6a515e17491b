/* SPDX-License-Identifier: MIT */
/*
 * Writers of PCI sysfs attributes: the VF count, drivers autoprobe and
 * driver binding. Writes go through libudev (sysattrs) or plain writes to
 * /sys/bus/pci; the kernel's answers are translated into plain words.
 * Each function is safe to call from its own thread (no shared state).
 * Every write runs in a worker (worker.h) bounded by worker_timeout():
 * a driver that never answers gives an error naming the attribute.
 */
#pragma once

#include <stdbool.h>

#include "cleanup.h"
#include "diag.h"

/*
 * Setting VF counts. A write of sriov_numvfs returns once the driver has
 * made (or removed) the VFs, and blocks until then, forever in a driver
 * that hangs; udev announces the VFs after. So each write runs in a worker
 * (sysfs_write_num_vfs()), several PFs at once, while the run listens to
 * udev once for all of them (struct vf_watch), from before the first
 * write so that no event is missed.
 */

/*
 * In a worker: make PF (a PCI address) have `to` VFs. Writes 0 first when
 * both the current and the new count are non-zero (the kernel answers
 * EBUSY otherwise); VFs removed are waited for up to deadline
 * (CLOCK_MONOTONIC seconds). Returns 1 when PF had `to` VFs already, 0
 * when the count was written (the VFs to come are vf_watch's to wait for),
 * or -errno with an error in d. *ret_count: the count read back after the
 * write (UINT_MAX when it cannot be read).
 */
int sysfs_write_num_vfs(const char *pf, unsigned to, double deadline, unsigned *ret_count,
			struct diag *d);

/* Listening to udev for the VFs of the PFs being set; n_vfs (their VFs before and after) sizes the queue. */
struct vf_watch;
int vf_watch_new(unsigned n_vfs, struct vf_watch **ret, struct diag *d);
void vf_watch_free(struct vf_watch *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct vf_watch *, vf_watch_free)

/* Wait for PF to have `to` VFs once its write returned; its index in *ret. */
int vf_watch_add(struct vf_watch *w, const char *pf, unsigned to, size_t *ret, struct diag *d);
/*
 * PF i's write returned 0 (changed) or 1, and its writer read back count:
 * its VFs are waited for from now on.
 */
void vf_watch_written(struct vf_watch *w, size_t i, bool changed, unsigned count);
/* The descriptor to poll: readable when events came; then vf_watch_update(). */
int vf_watch_fd(const struct vf_watch *w);
/*
 * Take the events that came and look at each PF written and not ready yet:
 * true when every PF written is ready (its VFs there and announced by udev).
 */
bool vf_watch_update(struct vf_watch *w);
bool vf_watch_ready(const struct vf_watch *w, size_t i);
/*
 * PF i's result once the waiting is over: a PF not ready is looked at in
 * sysfs once more (VFs there whose events were lost only warn); then the
 * count is read back (a driver may enable fewer VFs than asked).
 */
int vf_watch_finish(struct vf_watch *w, size_t i, struct diag *d);

/*
 * Wait until no change of a VF count is under way on the SR-IOV PFs pfs
 * (PCI addresses): a read of sriov_numvfs waits for the device lock, which
 * the writer of a change (another run, or a worker of a run that was
 * killed) holds until the driver is done. Each PF gets worker_timeout()
 * (--timeout); one that does not answer is an error naming it
 * (-ETIMEDOUT).
 */
int sysfs_wait_numvfs_settled(const char *const *pfs, size_t n, struct diag *d);

/* sriov_numvfs of PF now, in *ret; -errno when it cannot be read. */
int sysfs_num_vfs(const char *pf, unsigned *ret);

/* Write sriov_drivers_autoprobe of PF. */
int sysfs_set_drivers_autoprobe(const char *pf, bool on, struct diag *d);

/*
 * Bind device (a PCI address) to driver: unbind from its current driver,
 * set driver_override, ask the PCI core to probe it, check the result and
 * clear the override. Loads the driver's module when it is not there yet.
 * A device already bound to driver is left alone (*ret_changed false).
 */
int sysfs_bind_driver(const char *dev, const char *driver, bool *ret_changed, struct diag *d);

/* The driver bound to a PCI device: owned string, NULL when none. */
char *sysfs_device_driver(const char *dev);

/* Plain words for a kernel error of a sriov_numvfs write. Static string. */
const char *sysfs_numvfs_strerror(int err);

/* Wait up to timeout_s until device (a PCI address) is bound to driver (udev "bind" events). */
int sysfs_wait_driver(const char *dev, const char *driver, double timeout_s, struct diag *d);

/*
 * Progress while VFs appear: fn(pf, have, want, userdata) is called from
 * vf_watch_update() when the number of a PF's VFs present changes, first
 * with what is there after the write, last with have == want. NULL (the default): no calls. The program
 * decides what to show; this library never prints.
 */
typedef void (*sysfs_progress_fn)(const char *pf, unsigned have, unsigned want, void *userdata);
void sysfs_set_progress(sysfs_progress_fn fn, void *userdata);

/*
 * Wait up to timeout_s until every one of names[0..n) (a PF's PCI address
 * or one of its netdevs) exists with a driver bound, as at boot when the
 * drivers are still probing; udev events wake the wait. 0 when all are
 * there; else -ETIMEDOUT with a warning in d naming each one missing.
 */
int sysfs_wait_pfs(const char *const *names, size_t n, double timeout_s, struct diag *d);

/*
 * The netdev of PCI device dev (its first net/ entry) and its ifindex,
 * waiting up to timeout_s for a driver just bound to register it. *ret_name
 * owned. -ENODEV (with an error in d) when none came.
 */
int sysfs_device_netdev(const char *dev, double timeout_s, char **ret_name, unsigned *ret_ifindex,
			struct diag *d);

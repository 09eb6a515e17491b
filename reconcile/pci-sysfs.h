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

#include "diag.h"

/*
 * Make PF (a PCI address) have `to` VFs: write 0 first when both the
 * current and the new count are non-zero (the kernel answers EBUSY
 * otherwise), write `to`, wait up to timeout_s for the VFs to appear (or
 * disappear) using a udev monitor, and read the count back. The count
 * reached is stored in *ret_count (may be NULL) even on failure.
 */
int sysfs_set_num_vfs(const char *pf, unsigned to, double timeout_s, unsigned *ret_count,
		      struct diag *d);

/*
 * Wait until no change of a VF count is under way on any SR-IOV PF: a
 * read of sriov_numvfs waits for the device lock, which the writer of a
 * change (another run, or a worker of a run that was killed) holds until
 * the driver is done. Each PF gets worker_timeout() (--timeout); one that
 * does not answer is an error naming it (-ETIMEDOUT).
 */
int sysfs_wait_numvfs_settled(struct diag *d);

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

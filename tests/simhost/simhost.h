/* SPDX-License-Identifier: MIT */
/*
 * The fake kernel of the simulated host: internal interfaces between the
 * interposition layer (fakekernel.c), the sysfs attribute semantics
 * (attrs.c), the testbed tree operations (testbed.c) and uevents (uevent.c).
 *
 * Every path handled here is a resolved path inside the umockdev testbed
 * ("$UMOCKDEV_DIR/sys/..."). File operations on it go through the sim_*
 * helpers, which use raw system calls so that they never re-enter the
 * interposed functions of this library.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Paths are built with snprintf into PATH_MAX buffers; testbed paths are
 * far shorter, and a truncated one only makes a lookup fail.
 */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define SIM_MAX_PFS   64
#define SIM_MAX_FAILS 64

struct sim_pf {
	char addr[16];
	unsigned delay_ms;
	bool write_blocks;  /* the write returns when the VFs are there */
	unsigned hang_ms;   /* 0: a hang lasts until the process is killed */
	unsigned vf_max;    /* the driver enables at most this many VFs; 0: all */
	char vf_driver[64]; /* "" : VFs stay unbound */
	char netdev[64];    /* VF netdev name template; "" : udev-like default */
	char pf_netdev[64]; /* the PF's own netdev, restored on rebinding */
};

struct sim_fail {
	char addr[16];
	char attr[64];
	int err; /* errno, or -1 for a hang */
};

struct sim_config {
	char tb[1024]; /* $UMOCKDEV_DIR (resolved) */
	size_t tb_len;
	char sys[1040]; /* $UMOCKDEV_DIR/sys */
	size_t sys_len;
	struct sim_pf pfs[SIM_MAX_PFS];
	size_t n_pfs;
	struct sim_fail fails[SIM_MAX_FAILS];
	size_t n_fails;
	char nonet[512]; /* " vfio-pci pci-stub " */
};

/* The configuration, loaded once; NULL when not inside a testbed. */
const struct sim_config *sim_config(void);
const struct sim_pf *sim_find_pf(const char *addr);
/* The injected fault for a device attribute: 0 none, errno, or -1 hang. */
int sim_find_fail(const char *addr, const char *attr);
bool sim_driver_has_netdev(const char *driver);
/*
 * While a write of addr hangs, $UMOCKDEV_DIR/simhost-hanging-ADDR exists:
 * a test can wait for it, then signal the writer during the step.
 */
void sim_hang_mark(const char *addr, bool on);

/* ---- testbed.c: file helpers with raw system calls ---- */

/* Read a small file into buf (NUL-terminated, trailing newline removed). */
int sim_read(const char *path, char *buf, size_t size);
int sim_read_uint(const char *path, unsigned *ret);
/*
 * The same relative to directory dfd (or AT_FDCWD): where many files of one
 * directory are read, the kernel walks its long testbed path once.
 */
int sim_read_at(int dfd, const char *path, char *buf, size_t size);
int sim_read_uint_at(int dfd, const char *path, unsigned *ret);
/* Replace a file's content (O_TRUNC), creating it with mode. */
int sim_write(const char *path, const char *content, mode_t mode);
int sim_writef(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sim_symlink_rel(const char *target, const char *link);
int sim_rmtree(const char *path);
bool sim_exists(const char *path);
/*
 * Where the relative symlink link (a sysfs link in the testbed: every
 * directory on the way is a real one) points, as an absolute path worked
 * out from the link's text alone: one readlink, where realpath(3) would
 * read every component of both paths.
 */
int sim_link_target(const char *link, char *buf, size_t size);
/* The device directory of a PCI address (resolved), or -ENODEV. */
int sim_pci_dev_path(const char *addr, char *buf, size_t size);
/* The name of a device's bound driver in buf ("" when unbound). */
int sim_dev_driver(const char *devpath, char *buf, size_t size);
/* The same from the driver link at link, relative to directory dfd. */
int sim_driver_at(int dfd, const char *link, char *buf, size_t size);

/* VF n's PCI address from the PF address, offset and stride. */
void sim_vf_addr(const char *pf, unsigned offset, unsigned stride, unsigned n, char *buf,
		 size_t size);
/* Create VFs 0..n-1 of a PF (files and links only; no events). */
int sim_vfs_create(const char *pfpath, unsigned n);

/* Bind/unbind a device to/from a driver, with uevents. */
int sim_bind(const char *devpath, const char *driver);
int sim_unbind(const char *devpath);

/* Enable n VFs or disable all (n == 0), honouring the PF's delay. */
int sim_set_numvfs(const char *pfpath, unsigned n, unsigned delay_ms);
/*
 * In a process started by sim_set_numvfs for a delayed change: do it and
 * exit (called before main); otherwise return at once.
 */
void sim_delayed_worker(void);
/* Enable n VFs or disable all in the writer, after delay_ms, as the kernel
 * does (the write blocks while the driver creates them). */
int sim_set_numvfs_blocking(const char *pfpath, unsigned n, unsigned delay_ms);
/* A delayed change of the PF's VF count is still under way. */
bool sim_pending(const char *pfpath);
/*
 * Wait until no VF-count change of the PF is under way: the kernel's
 * sriov_numvfs store and show take the device lock that the writer of a
 * change holds until the driver is done. The writer's own process does
 * not wait (it holds the lock): false then, while the change is pending.
 */
bool sim_wait_settled(const char *pfpath);

/* ---- uevent.c ---- */

/* Send a libudev-format event for a device (its uevent file's properties). */
void sim_uevent(const char *action, const char *devpath);
/* Send an event from properties saved before the device went away. */
void sim_uevent_props(const char *action, const char *devpath, const char *subsystem,
		      const char *props);

/* ---- rtnl.c: per-VF settings over a fake rtnetlink ---- */

/* Forget a fake netlink socket being closed. */
void sim_rtnl_close(int fd);
/* Drop the settings of a PF's VFs when they are disabled. */
void sim_rtnl_vfs_removed(const char *pfaddr);
/* The netdev name was unregistered: its addresses go with it. */
void sim_rtnl_netdev_removed(const char *name);

/* ---- attrs.c: the kernel's rules for each writable attribute ---- */

enum sim_attr {
	ATTR_NONE = 0,
	ATTR_NUMVFS,
	ATTR_AUTOPROBE,
	ATTR_OVERRIDE,
	ATTR_BIND,
	ATTR_UNBIND,
	ATTR_PROBE,
	ATTR_NEW_ID,
	ATTR_PLAIN, /* any other attribute: a fault, or the value is stored */
};

enum sim_attr sim_attr_kind(const char *path);
/* Apply a write to a testbed attribute. Returns len or -errno. */
ssize_t sim_attr_write(const char *path, const char *buf, size_t len);
/*
 * A write with a "hang" fault: block as configured and return -errno;
 * 0 when the write has no hang fault. Called without the writers' lock,
 * so that a hanging attribute blocks only its own writer (a stuck driver
 * holds its device's lock, not every device's).
 */
ssize_t sim_attr_hang(const char *path, const char *buf, size_t len);

/* ---- rtnl.c, genl.c: the fake netlink ---- */

/* $SIMHOST_WORKDIR/vf (or the testbed's): where the fake netlink keeps its state. */
void sim_vf_base(char *buf, size_t size);
/*
 * Answer one generic netlink request h of a fake socket, writing the
 * answer to peer (as from the kernel, to port pid).
 */
struct nlmsghdr;
void sim_genl_handle(int peer, unsigned pid, const struct nlmsghdr *h);

/* SPDX-License-Identifier: MIT */
/*
 * The eswitch mode of a device through devlink, generic netlink's
 * "devlink" family (devlink.c): the family's id resolved with
 * CTRL_CMD_GETFAMILY, then DEVLINK_CMD_ESWITCH_GET / _SET on the handle
 * BUS/DEV ("pci" + "0000:3b:00.0"). The messages are built and parsed on
 * caller buffers, without a socket (the devlink_build_* and devlink_parse_*
 * functions); the requests run in a worker (worker.h) bounded by its
 * timeout, since a driver may never answer.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/*
 * A device's eswitch mode. Unset is 0, so that a zeroed host or spec says
 * "not known" (or "not given"), never "legacy"; on the wire a mode is the
 * kernel's DEVLINK_ESWITCH_MODE_* (its value minus 1).
 */
enum eswitch_mode {
	ESWITCH_MODE_UNSET = 0, /* not given; not known, or the driver has none */
	ESWITCH_MODE_LEGACY,
	ESWITCH_MODE_SWITCHDEV,
	_ESWITCH_MODE_MAX,
};

/* Indexed by mode: [ESWITCH_MODE_UNSET] is NULL. */
extern const char *const eswitch_mode_names[_ESWITCH_MODE_MAX];

/* "legacy", "switchdev"; NULL for another value. Static string. */
const char *eswitch_mode_name(enum eswitch_mode m);
/* The mode named s, or ESWITCH_MODE_UNSET when s names none. */
enum eswitch_mode eswitch_mode_from_name(const char *s);

/* Room for a request: headers, a bus and a device name, the mode. */
#define DEVLINK_REQUEST_SIZE 512

/*
 * Build the CTRL_CMD_GETFAMILY request for the "devlink" family into buf.
 * Returns the message length or -ENOBUFS.
 */
int devlink_build_getfamily(void *buf, size_t size, uint32_t seq);

/*
 * Parse one CTRL_CMD_NEWFAMILY answer (buf holds one netlink message of
 * len bytes): the family's id in *ret. -EBADMSG if malformed or without it.
 */
int devlink_parse_family(const void *buf, size_t len, uint16_t *ret);

/*
 * Build DEVLINK_CMD_ESWITCH_GET for handle bus/dev of family id family.
 * Returns the message length or -errno (-EINVAL empty or over-long name,
 * -ENOBUFS).
 */
int devlink_build_eswitch_get(void *buf, size_t size, uint16_t family, uint32_t seq,
			      const char *bus, const char *dev);

/* The same for DEVLINK_CMD_ESWITCH_SET (with NLM_F_ACK) to mode. -EINVAL for an unset mode. */
int devlink_build_eswitch_set(void *buf, size_t size, uint16_t family, uint32_t seq,
			      const char *bus, const char *dev, enum eswitch_mode mode);

/*
 * Parse one DEVLINK_CMD_ESWITCH_GET answer: DEVLINK_ATTR_ESWITCH_MODE in
 * *ret. -EBADMSG if malformed, -ENODATA when the answer has no mode.
 */
int devlink_parse_eswitch(const void *buf, size_t len, enum eswitch_mode *ret);

/* One device of devlink_eswitch_get_many(): its handle in, its mode out. */
struct devlink_dev {
	const char *bus, *dev;	/* "pci", "0000:3b:00.0" */
	enum eswitch_mode mode; /* out: with r == 0 */
	int r;			/* out: 0, or -errno (-EOPNOTSUPP, -ENODEV: no eswitch mode) */
	char *why;		/* out: with r < 0, the reason in words (owned; free()) */
};

/*
 * Read the eswitch mode of each device, every request in one worker (each
 * request a step bounded by the worker timeout). A device whose driver has
 * no eswitch mode (EOPNOTSUPP, or no devlink instance: ENODEV) has that in
 * its r and why. Returns 0 or -ENOMEM; each device's own result is in it.
 */
int devlink_eswitch_get_many(struct devlink_dev *v, size_t n);

/* True when r says the device has no eswitch mode to read or set. */
bool devlink_unsupported(int r);

/*
 * Read the eswitch mode of handle bus/dev into *ret. A failure is recorded
 * in d naming the device and its driver, with the kernel's extended ACK:
 * "PF '0000:3b:00.0': cannot read its eswitch mode: driver igb has no
 * eswitch mode (...)".
 */
int devlink_eswitch_get(const char *bus, const char *dev, enum eswitch_mode *ret, struct diag *d);

/* Set the eswitch mode of handle bus/dev; a refusal worded as devlink_eswitch_get()'s. */
int devlink_eswitch_set(const char *bus, const char *dev, enum eswitch_mode mode, struct diag *d);

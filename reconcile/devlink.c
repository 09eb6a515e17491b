/* SPDX-License-Identifier: MIT */
/*
 * The eswitch mode through devlink (generic netlink): the messages, built
 * and parsed without a socket, then the socket in a worker and the words
 * of a refusal (the device, its driver, the kernel's extended ACK).
 */
#include <libmnl/libmnl.h>
#include <limits.h>
#include <linux/devlink.h>
#include <linux/genetlink.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "cleanup.h"
#include "devlink.h"
#include "vfnet.h"
#include "worker.h"

const char *const eswitch_mode_names[_ESWITCH_MODE_MAX] = {
    [ESWITCH_MODE_LEGACY] = "legacy",
    [ESWITCH_MODE_SWITCHDEV] = "switchdev",
};

const char *eswitch_mode_name(enum eswitch_mode m)
{
	return m > ESWITCH_MODE_UNSET && m < _ESWITCH_MODE_MAX ? eswitch_mode_names[m] : NULL;
}

enum eswitch_mode eswitch_mode_from_name(const char *s)
{
	for (int m = ESWITCH_MODE_UNSET + 1; s && m < _ESWITCH_MODE_MAX; m++)
		if (streq(s, eswitch_mode_names[m]))
			return (enum eswitch_mode)m;
	return ESWITCH_MODE_UNSET;
}

/* ---- messages ---- */

static struct nlmsghdr *genl_start(void *buf, size_t size, uint16_t type, uint16_t flags,
				   uint8_t cmd, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*g)))
		return NULL;
	memset(buf, 0, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*g)));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

int devlink_build_getfamily(void *buf, size_t size, uint32_t seq)
{
	struct nlmsghdr *nlh = genl_start(buf, size, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, seq);

	if (!nlh || !mnl_attr_put_strz_check(nlh, size, CTRL_ATTR_FAMILY_NAME, DEVLINK_GENL_NAME))
		return -ENOBUFS;
	return (int)nlh->nlmsg_len;
}

/* The handle's names: what the kernel takes (a bus name, a device name). */
static bool name_ok(const char *s)
{
	return s && *s && strlen(s) < 64;
}

static struct nlmsghdr *eswitch_start(void *buf, size_t size, uint16_t family, uint16_t flags,
				      uint8_t cmd, uint32_t seq, const char *bus, const char *dev)
{
	struct nlmsghdr *nlh = genl_start(buf, size, family, flags, cmd, seq);

	if (!nlh || !mnl_attr_put_strz_check(nlh, size, DEVLINK_ATTR_BUS_NAME, bus) ||
	    !mnl_attr_put_strz_check(nlh, size, DEVLINK_ATTR_DEV_NAME, dev))
		return NULL;
	return nlh;
}

int devlink_build_eswitch_get(void *buf, size_t size, uint16_t family, uint32_t seq,
			      const char *bus, const char *dev)
{
	struct nlmsghdr *nlh;

	if (!name_ok(bus) || !name_ok(dev) || family == 0)
		return -EINVAL;
	nlh = eswitch_start(buf, size, family, 0, DEVLINK_CMD_ESWITCH_GET, seq, bus, dev);
	return nlh ? (int)nlh->nlmsg_len : -ENOBUFS;
}

int devlink_build_eswitch_set(void *buf, size_t size, uint16_t family, uint32_t seq,
			      const char *bus, const char *dev, enum eswitch_mode mode)
{
	struct nlmsghdr *nlh;

	if (!name_ok(bus) || !name_ok(dev) || family == 0 || !eswitch_mode_name(mode))
		return -EINVAL;
	nlh = eswitch_start(buf, size, family, NLM_F_ACK, DEVLINK_CMD_ESWITCH_SET, seq, bus, dev);
	if (!nlh || !mnl_attr_put_check(nlh, size, DEVLINK_ATTR_ESWITCH_MODE, sizeof(uint16_t),
					&(uint16_t){(uint16_t)(mode - 1)}))
		return -ENOBUFS;
	return (int)nlh->nlmsg_len;
}

/* The generic netlink message in buf, or NULL when it is cut short. */
static const struct nlmsghdr *genl_message(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;

	if (!buf || len < sizeof(*nlh) || nlh->nlmsg_len > len ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))
		return NULL;
	return nlh;
}

/* The u16 attribute type of a generic netlink message: 0, -ENODATA if absent, -EBADMSG. */
static int find_u16(const struct nlmsghdr *nlh, uint16_t type, uint16_t *ret)
{
	const struct nlattr *a;
	int r = -ENODATA;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
	{
		if (mnl_attr_get_type(a) != type)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
			return -EBADMSG;
		*ret = mnl_attr_get_u16(a);
		r = 0;
	}
	return r;
}

int devlink_parse_family(const void *buf, size_t len, uint16_t *ret)
{
	const struct nlmsghdr *nlh = genl_message(buf, len);
	uint16_t id = 0;
	int r;

	if (!nlh || nlh->nlmsg_type != GENL_ID_CTRL)
		return -EBADMSG;
	r = find_u16(nlh, CTRL_ATTR_FAMILY_ID, &id);
	if (r < 0 || id == 0)
		return -EBADMSG;
	*ret = id;
	return 0;
}

int devlink_parse_eswitch(const void *buf, size_t len, enum eswitch_mode *ret)
{
	const struct nlmsghdr *nlh = genl_message(buf, len);
	uint16_t m;
	int r;

	if (!nlh || nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return -EBADMSG;
	r = find_u16(nlh, DEVLINK_ATTR_ESWITCH_MODE, &m);
	if (r < 0)
		return r;
	/* a mode this program has no name for (switchdev_inactive, ...) */
	*ret = m + 1 < _ESWITCH_MODE_MAX ? (enum eswitch_mode)(m + 1) : ESWITCH_MODE_UNSET;
	return *ret == ESWITCH_MODE_UNSET ? -ERANGE : 0;
}

/* ---- the socket ---- */

static uint32_t new_seq(void)
{
	static uint32_t counter;

	return (uint32_t)time(NULL) + __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
}

/* The devlink family's id. A kernel without devlink: -EPROTONOSUPPORT. */
static int resolve_family(uint16_t *ret, char *extack, size_t extack_size)
{
	uint8_t req[DEVLINK_REQUEST_SIZE];
	_cleanup_(freep) void *reply = NULL;
	size_t len = 0;
	int r = devlink_build_getfamily(req, sizeof(req), new_seq());

	if (r < 0)
		return r;
	r = vfnet_nl_call(NETLINK_GENERIC, req, (size_t)r, GENL_ID_CTRL, &reply, &len, extack,
			  extack_size);
	if (r == -ENOENT)
		return -EPROTONOSUPPORT;
	if (r < 0)
		return r;
	return devlink_parse_family(reply, len, ret);
}

/* What a worker does: a get of each device, or one set. */
struct devlink_job {
	struct devlink_dev *devs;
	size_t n;
	enum eswitch_mode set; /* ESWITCH_MODE_UNSET: get */
};

static void put_result(FILE *out, int32_t r, int32_t mode, const char *extack)
{
	uint32_t elen = (uint32_t)strlen(extack);

	fwrite(&r, sizeof(r), 1, out);
	fwrite(&mode, sizeof(mode), 1, out);
	fwrite(&elen, sizeof(elen), 1, out);
	fwrite(extack, 1, elen, out);
}

static int one_request(uint16_t family, const struct devlink_dev *v, enum eswitch_mode set,
		       enum eswitch_mode *ret_mode, char *extack, size_t extack_size)
{
	uint8_t req[DEVLINK_REQUEST_SIZE];
	_cleanup_(freep) void *reply = NULL;
	size_t len = 0;
	int r;

	if (set != ESWITCH_MODE_UNSET) {
		r = devlink_build_eswitch_set(req, sizeof(req), family, new_seq(), v->bus, v->dev,
					      set);
		return r < 0 ? r
			     : vfnet_nl_call(NETLINK_GENERIC, req, (size_t)r, 0, NULL, NULL, extack,
					     extack_size);
	}
	r = devlink_build_eswitch_get(req, sizeof(req), family, new_seq(), v->bus, v->dev);
	if (r >= 0)
		r = vfnet_nl_call(NETLINK_GENERIC, req, (size_t)r, family, &reply, &len, extack,
				  extack_size);
	if (r >= 0)
		r = devlink_parse_eswitch(reply, len, ret_mode);
	return r;
}

static int job_fn(void *arg, struct diag *d, FILE *out)
{
	const struct devlink_job *j = arg;
	char extack[256] = "";
	uint16_t family = 0;
	int fr;

	(void)d;
	worker_step("asking generic netlink for the devlink family");
	fr = resolve_family(&family, extack, sizeof(extack));
	for (size_t i = 0; i < j->n; i++) {
		enum eswitch_mode mode = ESWITCH_MODE_UNSET;
		int r = fr;
		if (r >= 0) {
			worker_step("%s the eswitch mode of %s/%s",
				    j->set == ESWITCH_MODE_UNSET ? "reading" : "setting",
				    j->devs[i].bus, j->devs[i].dev);
			r = one_request(family, &j->devs[i], j->set, &mode, extack, sizeof(extack));
		}
		put_result(out, r, mode, extack);
	}
	return 0;
}

bool devlink_unsupported(int r)
{
	return r == -EOPNOTSUPP || r == -ENODEV || r == -EPROTONOSUPPORT;
}

/* The device as messages name it: "PF '0000:3b:00.0'", "device 'netdevsim/netdevsim10'". */
static char *subject(const struct devlink_dev *v)
{
	return streq(v->bus, "pci") ? strprintf("PF '%s'", v->dev)
				    : strprintf("device '%s/%s'", v->bus, v->dev);
}

/* "cannot read its eswitch mode: driver igb has no eswitch mode (...)". Owned. */
static char *failed(const struct devlink_dev *v, bool set, enum eswitch_mode mode, int r,
		    const char *extack)
{
	_cleanup_(freep) char *who = subject(v);
	_cleanup_(freep) char *what =
	    set ? strprintf("cannot set its eswitch mode to %s", eswitch_mode_name(mode))
		: strdup("cannot read its eswitch mode");
	_cleanup_(freep) char *drv = NULL;
	_cleanup_(freep) char *why = NULL;
	char p[PATH_MAX];

	if (!who || !what)
		return NULL;
	snprintf(p, sizeof(p), "/sys/bus/%s/devices/%s/driver", v->bus, v->dev);
	drv = readlink_name(p);
	switch (r) {
	case -EOPNOTSUPP:
		why = strprintf("driver %s has no eswitch mode", drv ? drv : "(none)");
		break;
	case -ENODEV:
		why = drv ? strprintf("driver %s has no devlink instance for it (no eswitch mode)",
				      drv)
			  : strdup("no devlink instance (no driver bound)");
		break;
	case -EPROTONOSUPPORT:
		why = strdup("the kernel has no devlink (no generic netlink family 'devlink')");
		break;
	case -ETIMEDOUT:
		why = strprintf("no answer within %g s (the driver hangs)", worker_timeout());
		break;
	case -EINTR:
		why = strdup("interrupted: the run was asked to stop");
		break;
	case -EBADMSG:
		why = strdup("malformed answer from the kernel");
		break;
	case -ERANGE:
		why = strdup("the kernel reports a mode other than legacy or switchdev");
		break;
	default:
		why = drv ? strprintf("driver %s answered: %s", drv, strerror(-r))
			  : strdup(strerror(-r));
	}
	if (!why)
		return NULL;
	return strprintf("%s: %s: %s%s%s%s", who, what, why, *extack ? " (" : "", extack,
			 *extack ? ")" : "");
}

/* Run the job in a worker and fill each device's r, mode and why from its payload. */
static int run_job(struct devlink_job *j)
{
	_cleanup_(freep) char *payload = NULL;
	size_t plen = 0, done = 0;
	struct diag scratch;
	const char *p, *end;
	int r;

	diag_init(&scratch);
	r = worker_call_steps(job_fn, j, 0, &scratch, NULL, &payload, &plen);
	diag_release(&scratch);
	for (p = payload, end = payload ? payload + plen : NULL; p && done < j->n; done++) {
		struct devlink_dev *v = &j->devs[done];
		int32_t rr, mode;
		uint32_t elen;
		char extack[256];
		if ((size_t)(end - p) < 3 * sizeof(int32_t))
			break;
		memcpy(&rr, p, sizeof(rr));
		memcpy(&mode, p + 4, sizeof(mode));
		memcpy(&elen, p + 8, sizeof(elen));
		p += 12;
		if ((size_t)(end - p) < elen)
			break;
		snprintf(extack, sizeof(extack), "%.*s", (int)elen, p);
		p += elen;
		v->r = rr;
		v->mode = rr == 0 ? (enum eswitch_mode)mode : ESWITCH_MODE_UNSET;
		if (rr < 0 &&
		    !(v->why = failed(v, j->set != ESWITCH_MODE_UNSET, j->set, rr, extack)))
			return -ENOMEM;
	}
	/* the worker stopped (no answer, a signal) at this device */
	for (; done < j->n; done++) {
		struct devlink_dev *v = &j->devs[done];
		v->r = r < 0 ? r : -EBADMSG;
		v->mode = ESWITCH_MODE_UNSET;
		if (!(v->why = failed(v, j->set != ESWITCH_MODE_UNSET, j->set, v->r, "")))
			return -ENOMEM;
	}
	return 0;
}

int devlink_eswitch_get_many(struct devlink_dev *v, size_t n)
{
	struct devlink_job j = {v, n, ESWITCH_MODE_UNSET};

	for (size_t i = 0; i < n; i++)
		v[i] = (struct devlink_dev){
		    .bus = v[i].bus, .dev = v[i].dev, .mode = ESWITCH_MODE_UNSET};
	return n ? run_job(&j) : 0;
}

/* One device's job; its failure recorded in d. */
static int one(const char *bus, const char *dev, enum eswitch_mode set, enum eswitch_mode *ret,
	       struct diag *d)
{
	struct devlink_dev v = {.bus = bus, .dev = dev, .mode = ESWITCH_MODE_UNSET};
	struct devlink_job j = {&v, 1, set};
	int r;

	if (!name_ok(bus) || !name_ok(dev))
		return diag_error(d, NULL, -EINVAL, "invalid devlink handle '%s/%s'",
				  bus ? bus : "(null)", dev ? dev : "(null)");
	r = run_job(&j);
	if (r < 0)
		return diag_error(d, NULL, r, "out of memory");
	if (v.r < 0) {
		r = diag_error(d, NULL, v.r, "%s", v.why);
		free(v.why);
		return r;
	}
	if (ret)
		*ret = v.mode;
	return 0;
}

int devlink_eswitch_get(const char *bus, const char *dev, enum eswitch_mode *ret, struct diag *d)
{
	return one(bus, dev, ESWITCH_MODE_UNSET, ret, d);
}

int devlink_eswitch_set(const char *bus, const char *dev, enum eswitch_mode mode, struct diag *d)
{
	if (!eswitch_mode_name(mode))
		return diag_error(d, NULL, -EINVAL, "invalid eswitch mode %d", (int)mode);
	return one(bus, dev, mode, NULL, d);
}

// SPDX-License-Identifier: MIT
/*
 * A fake generic netlink with one family, devlink, and of it only what
 * the eswitch mode takes: CTRL_CMD_GETFAMILY "devlink" answers its id,
 * DEVLINK_CMD_ESWITCH_GET and _SET read and write the mode of handle
 * pci/ADDR. rtnl.c fakes the socket and hands each request here.
 *
 * The mode of a PF is $SIMHOST_WORKDIR/vf/eswitch/ADDR ("legacy" or
 * "switchdev"; mktestbed.py writes it from the state's sriov.eswitch-mode).
 * A PF without that file has no devlink instance (ENODEV, as igb). Like
 * mlx5 and ice, the driver changes the mode only while the PF has no VFs:
 * a set with sriov_numvfs > 0 is refused (EBUSY, with an extended ACK), so
 * that an applier that switches before removing the VFs fails here too.
 * An injected fault "eswitch-mode" (simulate: ADDR: fail:) makes a set
 * fail with that errno, or hang.
 */
#include <errno.h>
#include <limits.h>
#include <linux/devlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "simhost.h"

/* the devlink family's id here: any id above GENL_ID_CTRL's */
#define FAKE_DEVLINK_ID 0x1f

struct gmsg {
	char data[1024];
	size_t len;
};

static struct nlmsghdr *gput_header(struct gmsg *b, unsigned short type, unsigned short flags,
				    const struct nlmsghdr *req, unsigned pid)
{
	struct nlmsghdr *h = (struct nlmsghdr *)b->data;

	memset(b->data, 0, sizeof(b->data));
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = req->nlmsg_seq;
	h->nlmsg_pid = pid;
	b->len = NLMSG_HDRLEN;
	return h;
}

static void gput_attr(struct gmsg *b, unsigned short type, const void *v, size_t len)
{
	struct nlattr *a = (struct nlattr *)(b->data + b->len);

	if (b->len + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(b->data))
		return;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, v, len);
	b->len += NLA_ALIGN(NLA_HDRLEN + len);
}

static void gsend(int peer, struct gmsg *b)
{
	((struct nlmsghdr *)b->data)->nlmsg_len = b->len;
	if (send(peer, b->data, b->len, MSG_DONTWAIT) < 0) {
		/* a full queue drops it, as an overrun netlink socket would */
	}
}

/* An error (0: an ACK) with the kernel's words for it, as NETLINK_EXT_ACK gives them. */
static void gerror(int peer, unsigned pid, const struct nlmsghdr *req, int err, const char *msg)
{
	struct gmsg b;
	struct nlmsgerr *e;

	gput_header(&b, NLMSG_ERROR, NLM_F_CAPPED | (msg ? NLM_F_ACK_TLVS : 0), req, pid);
	e = (struct nlmsgerr *)(b.data + b.len);
	e->error = -err;
	e->msg = *req;
	b.len += NLMSG_ALIGN(sizeof(*e));
	if (msg)
		gput_attr(&b, NLMSGERR_ATTR_MSG, msg, strlen(msg) + 1);
	gsend(peer, &b);
}

/* Attribute type of a generic netlink request; NULL when absent. */
static const struct nlattr *gattr(const struct nlmsghdr *h, unsigned short type)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct genlmsghdr));

	while (off + NLA_HDRLEN <= h->nlmsg_len) {
		const struct nlattr *a = (const struct nlattr *)((const char *)h + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > h->nlmsg_len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/* A string attribute's value (NUL-terminated within it), or NULL. */
static const char *gstr(const struct nlmsghdr *h, unsigned short type)
{
	const struct nlattr *a = gattr(h, type);
	const char *s = a ? (const char *)a + NLA_HDRLEN : NULL;

	return s && a->nla_len > NLA_HDRLEN && memchr(s, '\0', a->nla_len - NLA_HDRLEN) ? s : NULL;
}

static void getfamily(int peer, unsigned pid, const struct nlmsghdr *h)
{
	const char *name = gstr(h, CTRL_ATTR_FAMILY_NAME);
	unsigned short id = FAKE_DEVLINK_ID;
	struct genlmsghdr *g;
	struct gmsg b;

	if (!name || strcmp(name, DEVLINK_GENL_NAME) != 0)
		return gerror(peer, pid, h, ENOENT, NULL);
	gput_header(&b, GENL_ID_CTRL, 0, h, pid);
	g = (struct genlmsghdr *)(b.data + b.len);
	g->cmd = CTRL_CMD_NEWFAMILY;
	g->version = 2;
	b.len += NLMSG_ALIGN(sizeof(*g));
	gput_attr(&b, CTRL_ATTR_FAMILY_NAME, DEVLINK_GENL_NAME, sizeof(DEVLINK_GENL_NAME));
	gput_attr(&b, CTRL_ATTR_FAMILY_ID, &id, sizeof(id));
	gsend(peer, &b);
}

static void mode_file(const char *addr, char *buf, size_t size)
{
	char base[PATH_MAX];

	sim_vf_base(base, sizeof(base));
	snprintf(buf, size, "%s/eswitch/%s", base, addr);
}

/* The PF's mode, DEVLINK_ESWITCH_MODE_*; -ENODEV without a devlink instance. */
static int mode_read(const char *addr)
{
	char p[PATH_MAX], v[32];

	mode_file(addr, p, sizeof(p));
	if (sim_read(p, v, sizeof(v)) < 0)
		return -ENODEV;
	return strcmp(v, "switchdev") == 0 ? DEVLINK_ESWITCH_MODE_SWITCHDEV
					   : DEVLINK_ESWITCH_MODE_LEGACY;
}

static unsigned num_vfs(const char *addr)
{
	char p[PATH_MAX];
	unsigned n = 0;

	if (sim_pci_dev_path(addr, p, sizeof(p)) < 0)
		return 0;
	strncat(p, "/sriov_numvfs", sizeof(p) - strlen(p) - 1);
	return sim_read_uint(p, &n) < 0 ? 0 : n;
}

static void eswitch(int peer, unsigned pid, const struct nlmsghdr *h, unsigned char cmd)
{
	const char *bus = gstr(h, DEVLINK_ATTR_BUS_NAME), *dev = gstr(h, DEVLINK_ATTR_DEV_NAME);
	const struct nlattr *m = gattr(h, DEVLINK_ATTR_ESWITCH_MODE);
	char p[PATH_MAX];
	int mode, fail;

	if (!bus || !dev)
		return gerror(peer, pid, h, EINVAL, NULL);
	if (strcmp(bus, "pci") != 0 || (mode = mode_read(dev)) < 0)
		return gerror(peer, pid, h, ENODEV, NULL);
	if (cmd == DEVLINK_CMD_ESWITCH_GET) {
		unsigned short v = (unsigned short)mode;
		struct genlmsghdr *g;
		struct gmsg b;

		gput_header(&b, FAKE_DEVLINK_ID, 0, h, pid);
		g = (struct genlmsghdr *)(b.data + b.len);
		g->cmd = DEVLINK_CMD_ESWITCH_GET;
		g->version = 1;
		b.len += NLMSG_ALIGN(sizeof(*g));
		gput_attr(&b, DEVLINK_ATTR_BUS_NAME, bus, strlen(bus) + 1);
		gput_attr(&b, DEVLINK_ATTR_DEV_NAME, dev, strlen(dev) + 1);
		gput_attr(&b, DEVLINK_ATTR_ESWITCH_MODE, &v, sizeof(v));
		return gsend(peer, &b);
	}
	if (!m || m->nla_len < NLA_HDRLEN + sizeof(unsigned short))
		return gerror(peer, pid, h, EINVAL, NULL);
	unsigned short want = *(const unsigned short *)((const char *)m + NLA_HDRLEN);
	if (want != DEVLINK_ESWITCH_MODE_LEGACY && want != DEVLINK_ESWITCH_MODE_SWITCHDEV)
		return gerror(peer, pid, h, EINVAL, "unsupported eswitch mode");
	fail = sim_find_fail(dev, "eswitch-mode");
	while (fail < 0)
		pause(); /* a driver that never answers: the caller's deadline ends it */
	if (fail > 0)
		return gerror(peer, pid, h, fail, NULL);
	if (want != mode && num_vfs(dev) > 0)
		return gerror(peer, pid, h, EBUSY,
			      "the eswitch mode changes only while the PF has no VFs");
	mode_file(dev, p, sizeof(p));
	if (sim_write(p, want == DEVLINK_ESWITCH_MODE_SWITCHDEV ? "switchdev\n" : "legacy\n",
		      0644) < 0)
		return gerror(peer, pid, h, EIO, NULL);
	gerror(peer, pid, h, 0, NULL);
}

void sim_genl_handle(int peer, unsigned pid, const struct nlmsghdr *h)
{
	const struct genlmsghdr *g = (const struct genlmsghdr *)((const char *)h + NLMSG_HDRLEN);

	if (h->nlmsg_len < NLMSG_HDRLEN + sizeof(*g))
		return gerror(peer, pid, h, EINVAL, NULL);
	if (h->nlmsg_type == GENL_ID_CTRL && g->cmd == CTRL_CMD_GETFAMILY)
		return getfamily(peer, pid, h);
	if (h->nlmsg_type == FAKE_DEVLINK_ID &&
	    (g->cmd == DEVLINK_CMD_ESWITCH_GET || g->cmd == DEVLINK_CMD_ESWITCH_SET))
		return eswitch(peer, pid, h, g->cmd);
	gerror(peer, pid, h, EOPNOTSUPP, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Per-VF settings through rtnetlink: the socket (in the worker, bounded by
 * its deadline), reading the VFs of a PF, and setting them one attribute at
 * a time with the coupled values completed from the current ones and a
 * refusal worded with the driver's name. Messages are built and parsed by
 * vfnet-msg.c.
 */
#include <libmnl/libmnl.h>
#include <limits.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "host.h"
#include "vfnet.h"
#include "worker.h"

static int nl_open(int protocol, struct mnl_socket **ret)
{
	_cleanup_(mnl_socket_closep) struct mnl_socket *nl = mnl_socket_open(protocol);
	int on = 1;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	/* the kernel's words for a refusal, and no echo of our request */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &on, sizeof(on));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &on, sizeof(on));
	*ret = TAKE_PTR(nl);
	return 0;
}

/*
 * Send the request and hand each message answering it (its port and
 * sequence number) to take until take returns non-zero: 1 done, or a
 * negative errno. An error/ACK message ends it: its error is returned, with
 * the extended ACK message in extack.
 */
static int nl_exchange(int protocol, const void *req, size_t len,
		       int (*take)(const struct nlmsghdr *nlh, void *userdata), void *userdata,
		       char *extack, size_t extack_size)
{
	_cleanup_(mnl_socket_closep) struct mnl_socket *nl = NULL;
	const struct nlmsghdr *rq = req;
	unsigned portid;
	int r;

	extack[0] = '\0';
	r = nl_open(protocol, &nl);
	if (r < 0)
		return r;
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, req, len) < 0)
		return -errno;

	for (;;) {
		_cleanup_(freep) void *buf = NULL;
		/* peek for the size: a PF with many VFs answers with tens of KiB */
		ssize_t k = recv(mnl_socket_get_fd(nl), NULL, 0, MSG_PEEK | MSG_TRUNC);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		buf = malloc(k > 0 ? (size_t)k : 1);
		if (!buf)
			return -ENOMEM;
		k = recv(mnl_socket_get_fd(nl), buf, (size_t)k, 0);
		if (k < 0)
			return -errno;

		const struct nlmsghdr *nlh = buf;
		int left = (int)k;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			if (!mnl_nlmsg_portid_ok(nlh, portid) || nlh->nlmsg_seq != rq->nlmsg_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return vfnet_parse_error(nlh, nlh->nlmsg_len, extack, extack_size);
			r = take(nlh, userdata);
			if (r != 0)
				return r < 0 ? r : 0;
		}
	}
}

/* What a call or a dump collects: the messages of type want. */
struct collected {
	uint16_t want;
	bool dump; /* until NLMSG_DONE, all of them; else the first */
	char *msgs;
	size_t len;
};

static int collect(const struct nlmsghdr *nlh, void *userdata)
{
	struct collected *c = userdata;

	if (nlh->nlmsg_type == NLMSG_DONE)
		return 1;
	if (nlh->nlmsg_type != c->want)
		return 0;
	char *grown = realloc(c->msgs, c->len + MNL_ALIGN(nlh->nlmsg_len));
	if (!grown)
		return -ENOMEM;
	c->msgs = grown;
	memset(c->msgs + c->len, 0, MNL_ALIGN(nlh->nlmsg_len));
	memcpy(c->msgs + c->len, nlh, nlh->nlmsg_len);
	c->len += c->dump ? MNL_ALIGN(nlh->nlmsg_len) : nlh->nlmsg_len;
	return c->dump ? 0 : 1;
}

/*
 * Send the request and wait for the answer to it: an RTM_NEWLINK (copied
 * to *ret_reply, owned by the caller, when ret_reply is given) or an
 * error/ACK (returned, with the extended ACK message in extack).
 */
int vfnet_nl_call(int protocol, const void *req, size_t len, uint16_t want, void **ret_reply,
		  size_t *ret_len, char *extack, size_t extack_size)
{
	struct collected c = {.want = ret_reply ? want : 0};
	int r = nl_exchange(protocol, req, len, collect, &c, extack, extack_size);

	if (r >= 0 && ret_reply) {
		*ret_reply = c.msgs;
		*ret_len = c.len;
		return 0;
	}
	free(c.msgs);
	return r;
}

static int rtnl_call_here(const void *req, size_t len, void **ret_reply, size_t *ret_len,
			  char *extack, size_t extack_size)
{
	return vfnet_nl_call(NETLINK_ROUTE, req, len, RTM_NEWLINK, ret_reply, ret_len, extack,
			     extack_size);
}

/*
 * Send a dump request and collect the messages of type want it answers
 * until NLMSG_DONE, concatenated, in *ret_msgs (owned by the caller; NULL
 * when none). An error answer is returned, with the extended ACK in extack.
 */
static int rtnl_dump_here(const void *req, size_t len, uint16_t want, void **ret_msgs,
			  size_t *ret_len, char *extack, size_t extack_size)
{
	struct collected c = {.want = want, .dump = true};
	int r = nl_exchange(NETLINK_ROUTE, req, len, collect, &c, extack, extack_size);

	if (r < 0) {
		free(c.msgs);
		return r;
	}
	*ret_msgs = c.msgs;
	*ret_len = c.len;
	return 0;
}

struct rtnl_req {
	const void *req;
	size_t len;
	bool want_reply;
};

/* In a worker: the call; its payload is the extended ACK, a NUL, the reply. */
static int rtnl_fn(void *arg, struct diag *d, FILE *out)
{
	const struct rtnl_req *q = arg;
	_cleanup_(freep) void *reply = NULL;
	size_t reply_len = 0;
	char extack[256];
	int r;

	(void)d;
	r = rtnl_call_here(q->req, q->len, q->want_reply ? &reply : NULL, &reply_len, extack,
			   sizeof(extack));
	fwrite(extack, 1, strlen(extack) + 1, out);
	if (reply)
		fwrite(reply, 1, reply_len, out);
	return r;
}

/*
 * rtnl_call_here in a worker (worker.h): a driver that never answers a
 * request (it holds the RTNL lock) gives -ETIMEDOUT after the worker
 * timeout instead of blocking the run.
 */
static int rtnl_call(const void *req, size_t len, void **ret_reply, size_t *ret_len, char *extack,
		     size_t extack_size)
{
	struct rtnl_req q = {req, len, ret_reply != NULL};
	_cleanup_(freep) char *payload = NULL;
	size_t plen = 0;
	struct diag scratch;
	int r;

	extack[0] = '\0';
	diag_init(&scratch);
	r = worker_call(rtnl_fn, &q, 0, &scratch, NULL, &payload, &plen);
	diag_release(&scratch);
	if (!payload)
		return r < 0 ? r : -EBADMSG;
	size_t elen = strnlen(payload, plen);
	snprintf(extack, extack_size, "%.*s", (int)elen, payload);
	if (r >= 0 && ret_reply && elen + 1 < plen) {
		void *copy = malloc(plen - elen - 1);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, payload + elen + 1, plen - elen - 1);
		*ret_reply = copy;
		*ret_len = plen - elen - 1;
	}
	return r;
}

static uint32_t new_seq(void)
{
	static uint32_t counter; /* several PFs may be set from threads */

	return (uint32_t)time(NULL) + __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
}

static const char *errno_words(int err)
{
	switch (err) {
	case -ENODEV:
		return "no such interface";
	case -ETIMEDOUT: {
		static __thread char buf[80];
		snprintf(buf, sizeof(buf), "no answer within %g s (the driver hangs)",
			 worker_timeout());
		return buf;
	}
	case -EINTR:
		return "interrupted: the run was asked to stop";
	default:
		return strerror(-err);
	}
}

/* The words of a failed read of pf_ifname's VFs: "cannot read VF settings of PF 'X': ..." */
static char *get_failed(const char *pf_ifname, int r, const char *extack)
{
	return strprintf("cannot read VF settings of PF '%s': %s%s%s%s", pf_ifname,
			 errno_words(r), *extack ? " (" : "", extack, *extack ? ")" : "");
}

static char *parse_failed(const char *pf_ifname, int r)
{
	return strprintf("cannot read VF settings of PF '%s': %s", pf_ifname,
			 r == -EBADMSG ? "malformed answer from the kernel" : strerror(-r));
}

int vfnet_get(const char *pf_ifname, struct vf_info **ret, size_t *ret_n, struct diag *d)
{
	uint8_t req[VFNET_REQUEST_SIZE];
	_cleanup_(freep) void *reply = NULL;
	size_t reply_len = 0;
	char extack[256];
	int len, r;

	len = vfnet_build_getlink(req, sizeof(req), pf_ifname, new_seq(), false);
	if (len < 0)
		return diag_error(d, NULL, len, "invalid interface name '%s'",
				  pf_ifname ? pf_ifname : "(null)");
	r = rtnl_call(req, (size_t)len, &reply, &reply_len, extack, sizeof(extack));
	if (r == 0 && !reply)
		r = -EBADMSG;
	if (r < 0) {
		_cleanup_(freep) char *msg = get_failed(pf_ifname, r, extack);
		return diag_error(d, NULL, r, "%s", msg ? msg : "out of memory");
	}
	r = vfnet_parse_link(reply, reply_len, ret, ret_n);
	if (r < 0) {
		_cleanup_(freep) char *msg = parse_failed(pf_ifname, r);
		return diag_error(d, NULL, r, "%s", msg ? msg : "out of memory");
	}
	return 0;
}

/* "mac 52:54:00:6d:90:02", "vlan 42 (qos 0, 802.1Q)", ...: for messages. Owned. */
static char *describe(enum vfnet_field f, const struct vf_info *w)
{
	switch (f) {
	case VFNET_MAC:
		return strprintf("mac %s", w->link.mac);
	case VFNET_VLAN:
		return strprintf("vlan %d (qos %d, %s)", w->link.vlan, w->link.qos < 0 ? 0 : w->link.qos,
				 w->link.vlan_proto == VLAN_PROTO_8021AD ? "802.1ad" : "802.1Q");
	case VFNET_RATE:
		return strprintf("tx rate min %lld max %lld Mbit/s", w->link.min_tx_rate,
				 w->link.max_tx_rate);
	case VFNET_TX_RATE:
		return strprintf("max-tx-rate %lld Mbit/s", w->link.max_tx_rate);
	case VFNET_SPOOFCHK:
		return strprintf("spoof-check %s", w->link.spoof_check ? "on" : "off");
	case VFNET_TRUST:
		return strprintf("trust %s", w->link.trust ? "on" : "off");
	case VFNET_LINK_STATE:
		return strprintf("link-state %s", w->link.link_state == LINK_STATE_ENABLE	? "enable"
						  : w->link.link_state == LINK_STATE_DISABLE ? "disable"
						  : w->link.link_state == LINK_STATE_AUTO	? "auto"
											: "?");
	default:
		return strprintf("field %d", (int)f);
	}
}

/* The PF netdev's driver ("igb") into buf, "" when unknown. */
static void pf_driver(const char *pf, char *buf, size_t size)
{
	char p[PATH_MAX];

	*buf = '\0';
	snprintf(p, sizeof(p), "/sys/class/net/%s/device/driver", pf);
	_cleanup_(freep) char *name = readlink_name(p);
	if (name && strlen(name) < size)
		memcpy(buf, name, strlen(name) + 1);
}

/*
 * The PF netdev is known to have no link. `carrier` first: it follows the
 * driver at once, while operstate trails it through linkwatch (up to a
 * second), so right after igb's reset operstate can still say "up" while
 * the driver refuses a tx rate. carrier cannot be read while the netdev is
 * down (EINVAL) or on a fake sysfs: then operstate.
 */
static bool pf_link_down(const char *pf)
{
	char p[PATH_MAX], st[32] = "";
	_cleanup_(fclosep) FILE *c = NULL;
	_cleanup_(fclosep) FILE *f = NULL;

	snprintf(p, sizeof(p), "/sys/class/net/%s/carrier", pf);
	c = fopen(p, "re");
	if (c && fgets(st, sizeof(st), c) && (st[0] == '0' || st[0] == '1'))
		return st[0] == '0';
	snprintf(p, sizeof(p), "/sys/class/net/%s/operstate", pf);
	f = fopen(p, "re");
	if (!f || !fgets(st, sizeof(st), f))
		return false;
	return strncmp(st, "up", 2) != 0 && strncmp(st, "unknown", 7) != 0;
}

/* The PF netdev is administratively up (IFF_UP in its flags). */
static bool pf_admin_up(const char *pf)
{
	char p[PATH_MAX];
	unsigned long flags = 0;
	_cleanup_(fclosep) FILE *f = NULL;

	snprintf(p, sizeof(p), "/sys/class/net/%s/flags", pf);
	f = fopen(p, "re");
	return f && fscanf(f, "%lx", &flags) == 1 && (flags & IFF_UP);
}

/*
 * Enabling or disabling VFs makes igb reset the PF (close and open): its
 * link goes down for a few seconds, and igb refuses a tx rate until the
 * link is back. A PF that is up but has no link yet is given that long.
 */
#define LINK_WAIT_MS 20000
static void wait_link_up(const char *pf)
{
	const struct timespec step = {.tv_nsec = 50 * 1000 * 1000};

	if (!pf_admin_up(pf))
		return;
	for (int ms = 0; ms < LINK_WAIT_MS && pf_link_down(pf); ms += 50)
		nanosleep(&step, NULL);
}

static int set_one(const char *pf, enum vfnet_field f, const struct vf_info *w, struct diag *d)
{
	_cleanup_(freep) char *what = describe(f, w);
	uint8_t req[VFNET_REQUEST_SIZE];
	char extack[256], drv[64];
	int len, r;

	len = vfnet_build_setlink(req, sizeof(req), pf, new_seq(), f, w);
	if (len < 0)
		return diag_error(d, NULL, len, "PF '%s' VF %u: invalid %s", pf, w->id,
				  what ? what : vfnet_field_name(f));
	if (f == VFNET_RATE || f == VFNET_TX_RATE)
		wait_link_up(pf);
	r = rtnl_call(req, (size_t)len, NULL, NULL, extack, sizeof(extack));
	if (r == 0)
		return 0;
	/* a request that got no answer (the worker's deadline) is not the driver's answer */
	if (r == -ETIMEDOUT || r == -EINTR)
		drv[0] = '\0';
	else
		pf_driver(pf, drv, sizeof(drv));
	/* igb takes a tx rate only with the link up (and up to its speed) */
	if (r == -EINVAL && !*extack && (f == VFNET_RATE || f == VFNET_TX_RATE) &&
	    pf_link_down(pf))
		snprintf(extack, sizeof(extack),
			 "the PF's link is down: %s takes a tx rate only while the link is up",
			 *drv ? drv : "the driver");
	return diag_error(d, NULL, r, "PF '%s' VF %u: cannot set %s: %s%s%s%s%s%s%s", pf, w->id,
			  what ? what : vfnet_field_name(f), *drv ? "driver " : "", drv,
			  *drv ? " answered: " : "", errno_words(r), *extack ? " (" : "", extack,
			  *extack ? ")" : "");
}

/*
 * Complete the coupled settings (vlan/qos/protocol, min/max rate) of w that
 * the caller left unset from the VF's current values, so that setting one
 * leaves the others as found.
 */
static int complete_from_current(const char *pf, struct vf_info *w, struct diag *d)
{
	bool vlan_partial = (w->link.vlan >= 0 || w->link.qos >= 0 || w->link.vlan_proto >= 0) &&
			    (w->link.vlan < 0 || w->link.qos < 0 || w->link.vlan_proto < 0);
	bool min_alone = w->link.min_tx_rate >= 0 && w->link.max_tx_rate < 0;
	_cleanup_(freep) struct vf_info *cur = NULL;
	const struct vf_info *c = NULL;
	size_t n = 0;
	int r;

	if (!vlan_partial && !min_alone)
		return 0;
	r = vfnet_get(pf, &cur, &n, d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (cur[i].id == w->id)
			c = &cur[i];
	if (vlan_partial) {
		if (w->link.vlan < 0)
			w->link.vlan = c && c->link.vlan >= 0 ? c->link.vlan : 0;
		if (w->link.qos < 0)
			w->link.qos = c && c->link.qos >= 0 ? c->link.qos : 0;
		if (w->link.vlan_proto < 0)
			w->link.vlan_proto = c && c->link.vlan_proto >= 0 ? c->link.vlan_proto : VLAN_PROTO_8021Q;
	}
	if (min_alone)
		w->link.max_tx_rate = c && c->link.max_tx_rate >= 0 ? c->link.max_tx_rate : 0;
	return 0;
}

int vfnet_set(const char *pf_ifname, const struct vf_info *want, struct diag *d)
{
	struct vf_info w = *want;
	int r;

	if (!vfnet_ifname_valid(pf_ifname))
		return diag_error(d, NULL, -EINVAL, "invalid interface name '%s'",
				  pf_ifname ? pf_ifname : "(null)");
	r = complete_from_current(pf_ifname, &w, d);
	if (r < 0)
		return r;

	if (w.link.mac[0] && (r = set_one(pf_ifname, VFNET_MAC, &w, d)) < 0)
		return r;
	if (w.link.vlan >= 0 && (r = set_one(pf_ifname, VFNET_VLAN, &w, d)) < 0)
		return r;
	if (w.link.min_tx_rate >= 0 && (r = set_one(pf_ifname, VFNET_RATE, &w, d)) < 0)
		return r;
	if (w.link.min_tx_rate < 0 && w.link.max_tx_rate >= 0 &&
	    (r = set_one(pf_ifname, VFNET_TX_RATE, &w, d)) < 0)
		return r;
	if (w.link.spoof_check >= 0 && (r = set_one(pf_ifname, VFNET_SPOOFCHK, &w, d)) < 0)
		return r;
	if (w.link.trust >= 0 && (r = set_one(pf_ifname, VFNET_TRUST, &w, d)) < 0)
		return r;
	if (w.link.link_state >= 0 && (r = set_one(pf_ifname, VFNET_LINK_STATE, &w, d)) < 0)
		return r;
	return 0;
}

int vfnet_apply(const char *pf_ifname, unsigned vf, enum vf_attr attr, const struct vf_link *want,
		struct diag *d)
{
	struct vf_info w;

	if ((unsigned)attr >= _VF_ATTR_MAX)
		return diag_error(d, NULL, -EINVAL, "PF '%s' VF %u: unknown VF setting %d",
				  pf_ifname ? pf_ifname : "(null)", vf, (int)attr);
	vf_info_init(&w, vf);
	vf_link_copy_attr(&w.link, want, attr);
	/* both rates when both are wanted: min and max are checked against each other */
	if (attr == VF_ATTR_MAX_TX_RATE || attr == VF_ATTR_MIN_TX_RATE) {
		w.link.max_tx_rate = want->max_tx_rate;
		w.link.min_tx_rate = want->min_tx_rate;
	}
	return vfnet_set(pf_ifname, &w, d);
}

static int get_mtu(unsigned ifindex, struct netdev_mtu *ret, char *extack, size_t size)
{
	uint8_t req[VFNET_REQUEST_SIZE];
	_cleanup_(freep) void *reply = NULL;
	size_t len = 0;
	struct vfnet_netdev m;
	int r = vfnet_build_getlink_index(req, sizeof(req), ifindex, new_seq());

	if (r < 0)
		return r;
	r = rtnl_call(req, (size_t)r, &reply, &len, extack, size);
	if (r >= 0 && !reply)
		r = -EBADMSG;
	if (r >= 0)
		r = vfnet_parse_netdev(reply, len, &m);
	if (r < 0)
		return r;
	*ret = (struct netdev_mtu){m.mtu, m.min, m.max};
	return 0;
}

int vfnet_get_mtu(unsigned ifindex, const char *ifname, struct netdev_mtu *ret, struct diag *d)
{
	char extack[256];
	int r = get_mtu(ifindex, ret, extack, sizeof(extack));

	if (r < 0)
		return diag_error(d, NULL, r, "netdev '%s': cannot read its mtu: %s%s%s%s", ifname,
				  r == -EBADMSG ? "malformed answer from the kernel"
						: errno_words(r),
				  *extack ? " (" : "", extack, *extack ? ")" : "");
	return 0;
}

int vfnet_set_mtu(unsigned ifindex, const char *ifname, unsigned mtu, struct diag *d)
{
	uint8_t req[VFNET_REQUEST_SIZE];
	char extack[256], range[64] = "";
	struct netdev_mtu m;
	int len = vfnet_build_setmtu(req, sizeof(req), ifindex, new_seq(), mtu);
	int r;

	if (len < 0)
		return diag_error(d, NULL, len, "netdev '%s': invalid mtu %u", ifname, mtu);
	r = rtnl_call(req, (size_t)len, NULL, NULL, extack, sizeof(extack));
	if (r == 0)
		return 0;
	/* the range the kernel checked against, in the refusal */
	if (r == -EINVAL && get_mtu(ifindex, &m, range, sizeof(range)) == 0 && (m.min || m.max))
		snprintf(range, sizeof(range), "; it takes %u..%u", m.min, m.max);
	else
		range[0] = '\0';
	return diag_error(d, NULL, r, "netdev '%s': cannot set mtu %u: %s%s%s%s%s", ifname, mtu,
			  errno_words(r), *extack ? " (" : "", extack, *extack ? ")" : "", range);
}

static void fill_states(struct vf_state *vfs, size_t n, const struct vf_info *info, size_t n_info)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n_info; j++)
			if (info[j].id == vfs[i].id) {
				vfs[i].link = info[j].link;
				vfs[i].stats = info[j].stats;
			}
}

/*
 * The requests of a batch, and in the worker's payload per request: r,
 * extack, reply. The last request is the address dump, its reply every
 * RTM_NEWADDR message.
 */
struct rtnl_batch {
	const struct vfnet_pf *pfs;
	size_t n;
	bool links; /* the link dump too (a VF has a netdev, or a PF asks vf_mtus) */
};

static void put_blob(FILE *out, const void *p, uint32_t len)
{
	fwrite(&len, sizeof(len), 1, out);
	if (len)
		fwrite(p, 1, len, out);
}

static void put_result(FILE *out, int32_t r, const char *extack, const void *reply, size_t len)
{
	fwrite(&r, sizeof(r), 1, out);
	put_blob(out, extack, (uint32_t)strlen(extack));
	put_blob(out, reply, reply ? (uint32_t)len : 0);
}

static int batch_fn(void *arg, struct diag *d, FILE *out)
{
	const struct rtnl_batch *b = arg;

	(void)d;
	for (size_t i = 0; i < b->n; i++) {
		uint8_t req[VFNET_REQUEST_SIZE];
		_cleanup_(freep) void *reply = NULL;
		size_t reply_len = 0;
		char extack[256] = "";
		int32_t r;

		worker_step("reading the VF settings of PF '%s'", b->pfs[i].ifname);
		int len = vfnet_build_getlink(req, sizeof(req), b->pfs[i].ifname, new_seq(),
					      b->pfs[i].stats);
		r = len < 0 ? len
			    : rtnl_call_here(req, (size_t)len, &reply, &reply_len, extack,
					     sizeof(extack));
		put_result(out, r, extack, reply, reply_len);
	}

	/* the netdevs: the VF netdevs' index, flags and MTU */
	uint8_t req[VFNET_REQUEST_SIZE];
	_cleanup_(freep) void *lmsgs = NULL;
	size_t lmsgs_len = 0;
	char lextack[256] = "";
	int32_t r = 0;
	if (b->links) {
		worker_step("reading the netdevs");
		int len = vfnet_build_getlink_index(req, sizeof(req), 0, new_seq());
		r = len < 0 ? len
			    : rtnl_dump_here(req, (size_t)len, RTM_NEWLINK, &lmsgs, &lmsgs_len,
					     lextack, sizeof(lextack));
	}
	put_result(out, r, lextack, lmsgs, lmsgs_len);

	_cleanup_(freep) void *msgs = NULL;
	size_t msgs_len = 0;
	char extack[256] = "";
	worker_step("reading the addresses of the netdevs");
	int len = vfnet_build_getaddr(req, sizeof(req), new_seq());
	r = len < 0 ? len
		    : rtnl_dump_here(req, (size_t)len, RTM_NEWADDR, &msgs, &msgs_len, extack,
				     sizeof(extack));
	put_result(out, r, extack, msgs, msgs_len);
	return 0;
}

/*
 * A VF by a key, for matching the link dump's netdevs: its PCI address (by
 * their device) or its netdev's name (by theirs).
 */
struct vf_key {
	const char *key;
	struct vf_state *vf;
	const struct vfnet_netdev *nd; /* its netdev found in the dump */
	bool mtu;		       /* its PF asked vf_mtus */
};

static int vf_key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vf_key *)a)->key, ((const struct vf_key *)b)->key);
}

/*
 * The VFs of the PFs k with by_parent[k] == by_address, keyed by address
 * (by_address) or by netdev name (those without one left out), sorted.
 */
static int vf_keys(struct vfnet_pf *v, size_t n, const bool *by_parent, bool by_address,
		   struct vf_key **ret, size_t *ret_n)
{
	_cleanup_(freep) struct vf_key *keys = NULL;
	size_t m = 0, cap = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; by_parent[i] == by_address && k < v[i].n_vfs; k++) {
			struct vf_state *vf = &v[i].vfs[k];
			const char *key = by_address ? vf->address : vf->interface;
			if (!key)
				continue;
			struct vf_key *e = GROW(keys, m, cap);
			if (!e)
				return -ENOMEM;
			*e = (struct vf_key){key, vf, NULL, v[i].vf_mtus};
		}
	if (m > 1)
		qsort(keys, m, sizeof(*keys), vf_key_cmp);
	*ret = TAKE_PTR(keys);
	*ret_n = m;
	return 0;
}

/* The netdevs of the link dump, by index; those stacked on another, by it. */
struct link_table {
	struct vfnet_netdev *v;
	size_t n;
	const struct vfnet_netdev **stacked;
	size_t n_stacked;
};

static void link_table_release(struct link_table *t)
{
	free(t->v);
	free(t->stacked);
}

static int netdev_index_cmp(const void *a, const void *b)
{
	unsigned x = ((const struct vfnet_netdev *)a)->ifindex,
		 y = ((const struct vfnet_netdev *)b)->ifindex;

	return x < y ? -1 : x > y;
}

static int netdev_link_cmp(const void *a, const void *b)
{
	unsigned x = (*(const struct vfnet_netdev *const *)a)->link,
		 y = (*(const struct vfnet_netdev *const *)b)->link;

	return x < y ? -1 : x > y;
}

static int link_table_parse(const char *msgs, size_t len, struct link_table *t)
{
	size_t cap = 0, cap_s = 0;
	const struct nlmsghdr *nlh = (const void *)msgs;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct vfnet_netdev nd;
		int r = vfnet_parse_netdev(nlh, nlh->nlmsg_len, &nd);
		if (r < 0)
			return r;
		if (!nd.ifindex || !nd.ifname[0])
			continue;
		struct vfnet_netdev *e = GROW(t->v, t->n, cap);
		if (!e)
			return -ENOMEM;
		*e = nd;
	}
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), netdev_index_cmp);
	for (size_t i = 0; i < t->n; i++) {
		if (!t->v[i].link || t->v[i].link_elsewhere)
			continue;
		const struct vfnet_netdev **e = GROW(t->stacked, t->n_stacked, cap_s);
		if (!e)
			return -ENOMEM;
		*e = &t->v[i];
	}
	if (t->n_stacked > 1)
		qsort(t->stacked, t->n_stacked, sizeof(*t->stacked), netdev_link_cmp);
	return 0;
}

static const struct vfnet_netdev *link_table_get(const struct link_table *t, unsigned ifindex)
{
	struct vfnet_netdev key = {.ifindex = ifindex};

	return ifindex ? bsearch(&key, t->v, t->n, sizeof(*t->v), netdev_index_cmp) : NULL;
}

/*
 * How the host uses netdev nd, from the link dump as sysfs would say it
 * (observe.c): its master, of kind "bond" or "bridge" (else unknown), and
 * the netdevs stacked on it in this namespace (VLAN, macvlan, ipvlan,
 * macsec), but its master, sorted. A tunnel bound to it (ip tunnel ... dev)
 * links to it too and is counted: sysfs has no upper_* link for one, but
 * the host sends through the netdev all the same.
 */
static int use_from_links(const struct link_table *t, const struct vfnet_netdev *nd,
			  struct netdev_use *u)
{
	const struct vfnet_netdev *m = link_table_get(t, nd->master);
	struct strv up = {0};

	if (m) {
		if (!(u->master = strdup(m->ifname)))
			return -ENOMEM;
		if ((streq(m->kind, "bond") || streq(m->kind, "bridge")) &&
		    !(u->master_kind = strdup(m->kind)))
			return -ENOMEM;
	}
	/* the first netdev stacked on nd, then those after it */
	size_t lo = 0, hi = t->n_stacked;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->stacked[mid]->link < nd->ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < t->n_stacked && t->stacked[lo]->link == nd->ifindex; lo++)
		if (t->stacked[lo] != m && strv_push(&up, strdup(t->stacked[lo]->ifname)) < 0) {
			strv_release(&up);
			return -ENOMEM;
		}
	strv_sort(&up);
	strv_free(u->uppers);
	u->uppers = strv_steal(&up, &u->n_uppers);
	return 0;
}

/* Index, IFF_UP and (when asked) MTU of vf's netdev nd. */
static void take_netdev(struct vf_state *vf, const struct vfnet_netdev *nd, bool mtu)
{
	vf->use.ifindex = nd->ifindex;
	vf->use.up = (nd->flags & IFF_UP) != 0;
	if (mtu)
		vf->mtu = (struct netdev_mtu){nd->mtu, nd->min, nd->max};
}

/*
 * The VFs' netdevs by their device (IFLA_PARENT_DEV_NAME): a VF without a
 * name yet gets its netdev's (the first by name, as sysfs lists them) and
 * its use from the dump; a VF named already, its netdev's index and flags.
 */
static int fill_by_parent(struct vfnet_pf *v, size_t n, const bool *by_parent,
			  const struct link_table *t)
{
	_cleanup_(freep) struct vf_key *by_addr = NULL;
	size_t m;
	int r = vf_keys(v, n, by_parent, true, &by_addr, &m);

	for (size_t i = 0; r >= 0 && m > 0 && i < t->n; i++) {
		const struct vfnet_netdev *nd = &t->v[i];
		struct vf_key key = {.key = nd->parent};
		struct vf_key *e = streq(nd->parent_bus, "pci")
				       ? bsearch(&key, by_addr, m, sizeof(*by_addr), vf_key_cmp)
				       : NULL;
		if (!e)
			continue;
		const char *name = e->vf->interface;
		if (name ? streq(name, nd->ifname)
			 : !e->nd || strcmp(nd->ifname, e->nd->ifname) < 0)
			e->nd = nd;
	}
	for (size_t i = 0; r >= 0 && i < m; i++) {
		struct vf_key *e = &by_addr[i];
		if (!e->nd)
			continue;
		if (!e->vf->interface) {
			if (!(e->vf->interface = strdup(e->nd->ifname)))
				return -ENOMEM;
			r = use_from_links(t, e->nd, &e->vf->use);
		}
		take_netdev(e->vf, e->nd, e->mtu);
	}
	return r;
}

/* The VF netdevs named already (from sysfs), matched by name. */
static int fill_by_name(struct vfnet_pf *v, size_t n, const bool *by_parent,
			const struct link_table *t)
{
	_cleanup_(freep) struct vf_key *by_name = NULL;
	size_t m;
	int r = vf_keys(v, n, by_parent, false, &by_name, &m);

	for (size_t i = 0; r >= 0 && m > 0 && i < t->n; i++) {
		struct vf_key key = {.key = t->v[i].ifname};
		struct vf_key *e = bsearch(&key, by_name, m, sizeof(*by_name), vf_key_cmp);
		if (e)
			take_netdev(e->vf, &t->v[i], e->mtu);
	}
	return r;
}

/*
 * The dump names the devices of PF v's netdevs: it has the PF's own, on
 * the PF's device. (A kernel before 5.15 names none; a simulated sysfs may
 * not be the kernel's.)
 */
static bool names_devices(const struct vfnet_pf *v, const struct link_table *t)
{
	for (size_t i = 0; v->address && i < t->n; i++)
		if (streq(t->v[i].ifname, v->ifname))
			return streq(t->v[i].parent, v->address);
	return false;
}

/*
 * The VF netdevs from the link dump's RTM_NEWLINK messages: by their
 * device for the PFs where it names the PF's (by_parent[k]), else by the
 * names read from sysfs.
 */
static int fill_vf_netdevs(struct vfnet_pf *v, size_t n, const bool *by_parent,
			   const struct link_table *t)
{
	int r = fill_by_parent(v, n, by_parent, t);

	return r < 0 ? r : fill_by_name(v, n, by_parent, t);
}

/* The next blob of [*p, end): its start and length, or false when cut short. */
static bool take_blob(const char **p, const char *end, const char **ret, uint32_t *ret_len)
{
	uint32_t len;

	if (end - *p < (ptrdiff_t)sizeof(len))
		return false;
	memcpy(&len, *p, sizeof(len));
	*p += sizeof(len);
	if ((size_t)(end - *p) < len)
		return false;
	*ret = *p;
	*ret_len = len;
	*p += len;
	return true;
}

/* A VF netdev by index, with the addresses found for it. */
struct vf_addrs {
	unsigned ifindex;
	struct netdev_use *use;
	struct strv a;
};

static int vf_addrs_cmp(const void *a, const void *b)
{
	unsigned x = ((const struct vf_addrs *)a)->ifindex,
		 y = ((const struct vf_addrs *)b)->ifindex;

	return x < y ? -1 : x > y;
}

/*
 * The addresses of VF netdevs that count (not link-local), from the
 * RTM_NEWADDR messages (each read once), matched by index.
 */
static int fill_addresses(struct vfnet_pf *v, size_t n, const char *msgs, size_t len)
{
	_cleanup_(freep) struct vf_addrs *by_index = NULL;
	size_t m = 0, cap = 0;
	int r = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < v[i].n_vfs; k++) {
			struct netdev_use *u = &v[i].vfs[k].use;
			if (!u->ifindex)
				continue;
			struct vf_addrs *e = GROW(by_index, m, cap);
			if (!e)
				return -ENOMEM;
			*e = (struct vf_addrs){.ifindex = u->ifindex, .use = u};
		}
	if (m == 0)
		return 0;
	qsort(by_index, m, sizeof(*by_index), vf_addrs_cmp);

	const struct nlmsghdr *nlh = (const void *)msgs;
	int left = (int)len;
	for (; msgs && r >= 0 && mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct vfnet_addr ad;
		r = vfnet_parse_addr(nlh, nlh->nlmsg_len, &ad);
		if (r != 0 || ad.link_local)
			continue;
		struct vf_addrs key = {.ifindex = ad.ifindex};
		struct vf_addrs *e = bsearch(&key, by_index, m, sizeof(*by_index), vf_addrs_cmp);
		if (e && strv_add_unique(&e->a, ad.text) < 0)
			r = -ENOMEM;
	}
	for (size_t i = 0; i < m; i++) {
		struct netdev_use *u = by_index[i].use;
		if (r < 0) {
			strv_release(&by_index[i].a);
			continue;
		}
		strv_sort(&by_index[i].a);
		strv_free(u->addresses);
		u->addresses = strv_steal(&by_index[i].a, &u->n_addresses);
	}
	return r < 0 ? r : 0;
}

/* The words of a failed dump: "cannot read the addresses of the netdevs: ..." */
static char *addr_failed(bool links, int r, const char *extack)
{
	return strprintf("cannot read the %s of the netdevs: %s%s%s%s",
			 links ? "indexes and flags" : "addresses",
			 r == -EBADMSG ? "malformed answer from the kernel" : errno_words(r),
			 *extack ? " (" : "", extack, *extack ? ")" : "");
}

/*
 * The next dump's answer in the worker's payload [*p, end) (with ask: else
 * it was not asked): its result, the worker's r (or -EBADMSG) when
 * missing, with the extended ACK in *ret_ext, and its messages in *ret
 * (copied to align their headers; owned; NULL when none).
 */
static int32_t take_dump(const char **p, const char *end, bool ask, int r, char **ret,
			 uint32_t *ret_len, const char **ret_ext, uint32_t *ret_elen)
{
	const char *msgs = NULL;
	uint32_t len = 0;
	int32_t dr = r < 0 ? r : -EBADMSG;

	*ret = NULL;
	*ret_len = 0;
	if (ask && *p && end - *p >= (ptrdiff_t)sizeof(dr)) {
		memcpy(&dr, *p, sizeof(dr));
		*p += sizeof(dr);
		if (!take_blob(p, end, ret_ext, ret_elen) || !take_blob(p, end, &msgs, &len))
			dr = r < 0 ? r : -EBADMSG;
	}
	if (dr != 0 || !len)
		return dr;
	if (!(*ret = malloc(len)))
		return -ENOMEM;
	memcpy(*ret, msgs, len);
	*ret_len = len;
	return 0;
}

int vfnet_fill_begin(const struct vfnet_pf *v, size_t n, bool links, struct worker *w)
{
	struct rtnl_batch b = {v, n, links};

	if (n == 0) {
		*w = (struct worker){.pid = -1, .fd = -1};
		return 0;
	}
	/* the worker is a fork: b and v are its own copies from here */
	return worker_begin(w, batch_fn, &b);
}

int vfnet_fill_many(struct vfnet_pf *v, size_t n, char **ret_addr_why)
{
	struct worker w;
	bool links = false;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; !links && k < v[i].n_vfs; k++)
			links = v[i].vf_mtus || v[i].vfs[k].interface;
	int r = vfnet_fill_begin(v, n, links, &w);

	return vfnet_fill_end(v, n, &w, r, NULL, ret_addr_why);
}

int vfnet_fill_end(struct vfnet_pf *v, size_t n, struct worker *w, int begun,
		   const struct vfnet_names *names, char **ret_addr_why)
{
	_cleanup_(freep) char *payload = NULL, *step = NULL;
	size_t plen = 0, done = 0;
	const char *p = NULL, *end = NULL;
	struct diag scratch;
	int r = begun, rn;

	*ret_addr_why = NULL;
	if (n == 0)
		return 0;
	diag_init(&scratch);
	if (r >= 0)
		r = worker_finish_steps(w, 0, &scratch, &step, &payload, &plen);
	diag_release(&scratch);
	for (p = payload, end = payload ? payload + plen : NULL; p && done < n; done++) {
		struct vfnet_pf *pf = &v[done];
		const char *ext, *reply;
		uint32_t elen, rlen;
		int32_t rr;
		if (end - p < (ptrdiff_t)sizeof(rr))
			break;
		memcpy(&rr, p, sizeof(rr));
		p += sizeof(rr);
		if (!take_blob(&p, end, &ext, &elen) || !take_blob(&p, end, &reply, &rlen))
			break;
		_cleanup_(freep) struct vf_info *info = NULL;
		size_t n_info = 0;
		if (rr == 0 && rlen == 0)
			rr = -EBADMSG;
		if (rr < 0) {
			char extack[256];
			snprintf(extack, sizeof(extack), "%.*s", (int)elen, ext);
			pf->r = rr;
			pf->why = get_failed(pf->ifname, rr, extack);
		} else if ((pf->r = vfnet_parse_link(reply, rlen, &info, &n_info)) < 0) {
			pf->why = parse_failed(pf->ifname, pf->r);
		} else {
			fill_states(pf->vfs, pf->n_vfs, info, n_info);
			struct vfnet_netdev m;
			if (pf->mtu && vfnet_parse_netdev(reply, rlen, &m) == 0)
				*pf->mtu = (struct netdev_mtu){m.mtu, m.min, m.max};
		}
		if (pf->r < 0 && !pf->why)
			return -ENOMEM;
	}

	/*
	 * The link dump (the VF netdevs' index, flags, MTU), then the address
	 * dump, matched by index: both after the PFs' answers.
	 */
	const char *lext = "", *ext = "";
	uint32_t lelen = 0, elen = 0, mlen;
	char extack[256];
	_cleanup_(freep) bool *by_parent = calloc(n, sizeof(*by_parent));
	_cleanup_(freep) char *lmsgs = NULL, *amsgs = NULL;
	_cleanup_(link_table_release) struct link_table t = {0};
	if (!by_parent)
		return -ENOMEM;
	int32_t lr = take_dump(&p, end, done == n, r, &lmsgs, &mlen, &lext, &lelen);
	if (lr >= 0 && lmsgs)
		lr = link_table_parse(lmsgs, mlen, &t);
	if (lr == -ENOMEM)
		return lr;
	/* where the dump cannot name them (or there is none), sysfs names the VF netdevs */
	for (size_t k = 0; k < n; k++) {
		by_parent[k] = lr >= 0 && names_devices(&v[k], &t);
		if (!by_parent[k] && names && (rn = names->fn(names->userdata, k)) < 0)
			return rn;
	}
	if (lr >= 0)
		lr = fill_vf_netdevs(v, n, by_parent, &t);
	if (lr == -ENOMEM)
		return lr;
	int32_t ar = take_dump(&p, end, lr >= 0, r, &amsgs, &mlen, &ext, &elen);
	if (ar >= 0 && amsgs)
		ar = fill_addresses(v, n, amsgs, mlen);
	if (ar == -ENOMEM)
		return ar;
	if (lr < 0 || ar < 0) {
		if (lr < 0) {
			snprintf(extack, sizeof(extack), "%.*s", (int)lelen, lext);
			ar = lr;
		} else {
			snprintf(extack, sizeof(extack), "%.*s", (int)elen, ext);
		}
		/* stopped at a PF: the dumps, after them all, were never sent */
		*ret_addr_why = done < n
				    ? strprintf("cannot read the addresses of the netdevs: not "
						"asked (PF '%s' before it did not answer)",
						v[done].ifname)
				    : addr_failed(lr < 0, ar, extack);
		if (!*ret_addr_why)
			return -ENOMEM;
	}

	/* the worker stopped (no answer, a signal): the one it was at, and those after */
	for (size_t stuck = done; done < n; done++) {
		struct vfnet_pf *pf = &v[done];
		pf->r = r < 0 ? r : -EBADMSG;
		pf->why = done == stuck ? get_failed(pf->ifname, pf->r, "")
					: strprintf("cannot read VF settings of PF '%s': not asked "
						    "(PF '%s' before it did not answer)",
						    pf->ifname, v[stuck].ifname);
		if (!pf->why)
			return -ENOMEM;
	}
	return 0;
}

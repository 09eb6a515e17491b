/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <limits.h>
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

/* Room for a request: headers, the name, two nests and the largest payload. */
#define REQUEST_SIZE 256

void vf_info_init(struct vf_info *v, unsigned id)
{
	*v = (struct vf_info){.id = id};
	vf_link_init(&v->link);
}

const char *vfnet_field_name(enum vfnet_field f)
{
	static const char *const names[_VFNET_FIELD_MAX] = {
	    [VFNET_MAC] = "mac",
	    [VFNET_VLAN] = "vlan",
	    [VFNET_RATE] = "tx-rate",
	    [VFNET_TX_RATE] = "max-tx-rate",
	    [VFNET_SPOOFCHK] = "spoof-check",
	    [VFNET_TRUST] = "trust",
	    [VFNET_LINK_STATE] = "link-state",
	};
	return (unsigned)f < _VFNET_FIELD_MAX ? names[f] : "?";
}

static bool ifname_valid(const char *ifname)
{
	size_t n = ifname ? strlen(ifname) : 0;

	return n > 0 && n < IFNAMSIZ && !strchr(ifname, '/');
}

static int parse_mac(const char *s, uint8_t mac[ETH_ALEN])
{
	unsigned b[ETH_ALEN];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != ETH_ALEN ||
	    strlen(s) != VF_MAC_LEN - 1)
		return -EINVAL;
	for (size_t i = 0; i < ETH_ALEN; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/* nlmsghdr + ifinfomsg + IFLA_IFNAME; NULL if buf is too small. */
static struct nlmsghdr *put_link_header(void *buf, size_t size, const char *ifname, uint16_t type,
					uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifi)))
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, ifname))
		return NULL;
	return nlh;
}

int vfnet_build_getlink(void *buf, size_t size, const char *ifname, uint32_t seq)
{
	struct nlmsghdr *nlh;

	if (!ifname_valid(ifname))
		return -EINVAL;
	nlh = put_link_header(buf, size, ifname, RTM_GETLINK, NLM_F_REQUEST, seq);
	if (!nlh || !mnl_attr_put_u32_check(nlh, size, IFLA_EXT_MASK,
					    RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS))
		return -ENOBUFS;
	return (int)nlh->nlmsg_len;
}

static bool bool_valid(int v)
{
	return v == 0 || v == 1;
}

static bool rate_valid(long long r)
{
	return r >= 0 && r <= UINT32_MAX;
}

/* The payload of the field's attribute; false if want does not set it validly. */
static bool put_vf_attr(struct nlmsghdr *nlh, size_t size, enum vfnet_field f,
			const struct vf_info *w, int *err)
{
	uint32_t vf = w->id;

	*err = -EINVAL;
	switch (f) {
	case VFNET_MAC: {
		struct ifla_vf_mac m = {.vf = vf};
		if (parse_mac(w->link.mac, m.mac) < 0)
			return false;
		*err = -ENOBUFS;
		return mnl_attr_put_check(nlh, size, IFLA_VF_MAC, sizeof(m), &m);
	}
	case VFNET_VLAN: {
		int qos = w->link.qos < 0 ? 0 : w->link.qos;
		int proto = w->link.vlan_proto < 0 ? VLAN_PROTO_8021Q : w->link.vlan_proto;
		if (w->link.vlan < 0 || w->link.vlan > 4095 || qos > 7 ||
		    (proto != VLAN_PROTO_8021Q && proto != VLAN_PROTO_8021AD))
			return false;
		*err = -ENOBUFS;
		if (proto == VLAN_PROTO_8021Q) {
			/* the legacy attribute: understood by every kernel and driver */
			struct ifla_vf_vlan v = {.vf = vf, .vlan = w->link.vlan, .qos = qos};
			return mnl_attr_put_check(nlh, size, IFLA_VF_VLAN, sizeof(v), &v);
		}
		struct ifla_vf_vlan_info vi = {
		    .vf = vf, .vlan = w->link.vlan, .qos = qos, .vlan_proto = htons(ETH_P_8021AD)};
		struct nlattr *list = mnl_attr_nest_start_check(nlh, size, IFLA_VF_VLAN_LIST);
		if (!list || !mnl_attr_put_check(nlh, size, IFLA_VF_VLAN_INFO, sizeof(vi), &vi))
			return false;
		mnl_attr_nest_end(nlh, list);
		return true;
	}
	case VFNET_RATE: {
		struct ifla_vf_rate r = {.vf = vf};
		if (!rate_valid(w->link.min_tx_rate) || !rate_valid(w->link.max_tx_rate))
			return false;
		r.min_tx_rate = (uint32_t)w->link.min_tx_rate;
		r.max_tx_rate = (uint32_t)w->link.max_tx_rate;
		*err = -ENOBUFS;
		return mnl_attr_put_check(nlh, size, IFLA_VF_RATE, sizeof(r), &r);
	}
	case VFNET_TX_RATE: {
		struct ifla_vf_tx_rate r = {.vf = vf};
		if (!rate_valid(w->link.max_tx_rate))
			return false;
		r.rate = (uint32_t)w->link.max_tx_rate;
		*err = -ENOBUFS;
		return mnl_attr_put_check(nlh, size, IFLA_VF_TX_RATE, sizeof(r), &r);
	}
	case VFNET_SPOOFCHK: {
		struct ifla_vf_spoofchk s = {.vf = vf, .setting = (uint32_t)w->link.spoof_check};
		if (!bool_valid(w->link.spoof_check))
			return false;
		*err = -ENOBUFS;
		return mnl_attr_put_check(nlh, size, IFLA_VF_SPOOFCHK, sizeof(s), &s);
	}
	case VFNET_TRUST: {
		struct ifla_vf_trust t = {.vf = vf, .setting = (uint32_t)w->link.trust};
		if (!bool_valid(w->link.trust))
			return false;
		*err = -ENOBUFS;
		return mnl_attr_put_check(nlh, size, IFLA_VF_TRUST, sizeof(t), &t);
	}
	case VFNET_LINK_STATE: {
		struct ifla_vf_link_state l = {.vf = vf, .link_state = (uint32_t)w->link.link_state};
		if (w->link.link_state < IFLA_VF_LINK_STATE_AUTO ||
		    w->link.link_state > IFLA_VF_LINK_STATE_DISABLE)
			return false;
		*err = -ENOBUFS;
		return mnl_attr_put_check(nlh, size, IFLA_VF_LINK_STATE, sizeof(l), &l);
	}
	default:
		return false;
	}
}

int vfnet_build_setlink(void *buf, size_t size, const char *ifname, uint32_t seq,
			enum vfnet_field f, const struct vf_info *want)
{
	struct nlmsghdr *nlh;
	struct nlattr *list, *info;
	int err;

	if (!ifname_valid(ifname) || !want)
		return -EINVAL;
	nlh = put_link_header(buf, size, ifname, RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
	if (!nlh)
		return -ENOBUFS;
	list = mnl_attr_nest_start_check(nlh, size, IFLA_VFINFO_LIST);
	info = list ? mnl_attr_nest_start_check(nlh, size, IFLA_VF_INFO) : NULL;
	if (!info)
		return -ENOBUFS;
	if (!put_vf_attr(nlh, size, f, want, &err))
		return err;
	mnl_attr_nest_end(nlh, info);
	mnl_attr_nest_end(nlh, list);
	return (int)nlh->nlmsg_len;
}

/* Payload of a if it holds at least n bytes, else NULL. */
static const void *payload(const struct nlattr *a, size_t n)
{
	return mnl_attr_get_payload_len(a) >= n ? mnl_attr_get_payload(a) : NULL;
}

/* The kernel reports a setting a driver does not report as (u32)-1. */
static int setting(uint32_t s)
{
	return s == UINT32_MAX ? -1 : s != 0;
}

static int vlan_proto_from_be(uint16_t be)
{
	switch (ntohs(be)) {
	case ETH_P_8021Q:
		return VLAN_PROTO_8021Q;
	case ETH_P_8021AD:
		return VLAN_PROTO_8021AD;
	default:
		return -1;
	}
}

static void parse_vlan_list(const struct nlattr *list, struct vf_info *v)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, list)
	{
		const struct ifla_vf_vlan_info *vi = payload(a, sizeof(*vi));
		if (mnl_attr_get_type(a) != IFLA_VF_VLAN_INFO || !vi)
			continue;
		v->id = vi->vf;
		v->link.vlan = (int)vi->vlan;
		v->link.qos = (int)vi->qos;
		v->link.vlan_proto = vlan_proto_from_be(vi->vlan_proto);
		return; /* one VLAN per VF is all a VF has today */
	}
}

/* One IFLA_VF_INFO nest. Every attribute carries the VF index. */
static void parse_vf_info(const struct nlattr *nest, struct vf_info *v)
{
	const struct nlattr *a;
	bool have_rate = false, have_vlan_list = false;

	vf_info_init(v, 0);
	mnl_attr_for_each_nested(a, nest)
	{
		switch (mnl_attr_get_type(a)) {
		case IFLA_VF_MAC: {
			const struct ifla_vf_mac *m = payload(a, sizeof(*m));
			if (!m)
				break;
			v->id = m->vf;
			snprintf(v->link.mac, sizeof(v->link.mac), "%02x:%02x:%02x:%02x:%02x:%02x", m->mac[0],
				 m->mac[1], m->mac[2], m->mac[3], m->mac[4], m->mac[5]);
			break;
		}
		case IFLA_VF_VLAN: {
			const struct ifla_vf_vlan *vl = payload(a, sizeof(*vl));
			if (!vl || have_vlan_list)
				break;
			v->id = vl->vf;
			v->link.vlan = (int)vl->vlan;
			v->link.qos = (int)vl->qos;
			v->link.vlan_proto = VLAN_PROTO_8021Q; /* the only one before VLAN lists */
			break;
		}
		case IFLA_VF_VLAN_LIST:
			have_vlan_list = true;
			parse_vlan_list(a, v);
			break;
		case IFLA_VF_TX_RATE: {
			const struct ifla_vf_tx_rate *r = payload(a, sizeof(*r));
			if (!r || have_rate)
				break;
			v->id = r->vf;
			v->link.max_tx_rate = r->rate;
			break;
		}
		case IFLA_VF_RATE: {
			const struct ifla_vf_rate *r = payload(a, sizeof(*r));
			if (!r)
				break;
			have_rate = true;
			v->id = r->vf;
			v->link.min_tx_rate = r->min_tx_rate;
			v->link.max_tx_rate = r->max_tx_rate;
			break;
		}
		case IFLA_VF_SPOOFCHK: {
			const struct ifla_vf_spoofchk *s = payload(a, sizeof(*s));
			if (!s)
				break;
			v->id = s->vf;
			v->link.spoof_check = setting(s->setting);
			break;
		}
		case IFLA_VF_TRUST: {
			const struct ifla_vf_trust *t = payload(a, sizeof(*t));
			if (!t)
				break;
			v->id = t->vf;
			v->link.trust = setting(t->setting);
			break;
		}
		case IFLA_VF_LINK_STATE: {
			const struct ifla_vf_link_state *l = payload(a, sizeof(*l));
			if (!l)
				break;
			v->id = l->vf;
			v->link.link_state =
			    l->link_state <= IFLA_VF_LINK_STATE_DISABLE ? (int)l->link_state : -1;
			break;
		}
		default:
			break;
		}
	}
}

static int vf_info_cmp(const void *a, const void *b)
{
	const struct vf_info *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static const struct nlmsghdr *message(const void *buf, size_t len, size_t extra)
{
	const struct nlmsghdr *nlh = buf;

	if (!buf || len < sizeof(*nlh) || nlh->nlmsg_len > len ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(extra))
		return NULL;
	return nlh;
}

int vfnet_parse_link(const void *buf, size_t len, struct vf_info **ret, size_t *ret_n)
{
	_cleanup_(freep) struct vf_info *v = NULL;
	size_t n = 0, cap = 0;
	long long num_vf = -1;
	const struct nlmsghdr *nlh = message(buf, len, sizeof(struct ifinfomsg));
	const struct nlattr *a, *list = NULL;

	if (!nlh || nlh->nlmsg_type != RTM_NEWLINK)
		return -EBADMSG;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
	{
		if (mnl_attr_get_type(a) == IFLA_VFINFO_LIST)
			list = a;
		else if (mnl_attr_get_type(a) == IFLA_NUM_VF && payload(a, sizeof(uint32_t)))
			num_vf = mnl_attr_get_u32(a);
	}
	if (list) {
		mnl_attr_for_each_nested(a, list)
		{
			if (mnl_attr_get_type(a) != IFLA_VF_INFO)
				continue;
			struct vf_info *e = GROW(v, n, cap);
			if (!e)
				return -ENOMEM;
			parse_vf_info(a, e);
		}
	} else {
		/* VFs the kernel did not describe: known to exist, settings unknown */
		for (long long i = 0; i < num_vf; i++) {
			struct vf_info *e = GROW(v, n, cap);
			if (!e)
				return -ENOMEM;
			vf_info_init(e, (unsigned)i);
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), vf_info_cmp);
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int vfnet_parse_error(const void *buf, size_t len, char *msg, size_t msg_size)
{
	const struct nlmsghdr *nlh = message(buf, len, sizeof(struct nlmsgerr));
	const struct nlmsgerr *e;
	const struct nlattr *a;
	size_t off;

	if (msg_size > 0)
		msg[0] = '\0';
	if (!nlh || nlh->nlmsg_type != NLMSG_ERROR)
		return -EBADMSG;
	e = mnl_nlmsg_get_payload(nlh);
	if (e->error > 0 || e->error < -4095)
		return -EBADMSG;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return e->error;
	/* the TLVs follow the echoed request, which is capped to its header or not */
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += MNL_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg);
	if (MNL_NLMSG_HDRLEN + MNL_ALIGN(off) > nlh->nlmsg_len)
		return e->error;
	mnl_attr_for_each(a, nlh, off)
	{
		if (mnl_attr_get_type(a) != NLMSGERR_ATTR_MSG || msg_size == 0)
			continue;
		size_t plen = mnl_attr_get_payload_len(a);
		const char *s = mnl_attr_get_payload(a);
		size_t k = strnlen(s, plen);
		if (k >= msg_size)
			k = msg_size - 1;
		memcpy(msg, s, k);
		msg[k] = '\0';
	}
	return e->error;
}

static int rtnl_open(struct mnl_socket **ret)
{
	_cleanup_(mnl_socket_closep) struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
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
 * Send the request and wait for the answer to it: an RTM_NEWLINK (copied
 * to *ret_reply, owned by the caller) or an error/ACK (returned, with the
 * extended ACK message in extack).
 */
static int rtnl_call_here(const void *req, size_t len, void **ret_reply, size_t *ret_len,
			  char *extack, size_t extack_size)
{
	_cleanup_(mnl_socket_closep) struct mnl_socket *nl = NULL;
	const struct nlmsghdr *rq = req;
	unsigned portid;
	int r;

	extack[0] = '\0';
	r = rtnl_open(&nl);
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
			if (nlh->nlmsg_type == RTM_NEWLINK && ret_reply) {
				void *copy = malloc(nlh->nlmsg_len);
				if (!copy)
					return -ENOMEM;
				memcpy(copy, nlh, nlh->nlmsg_len);
				*ret_reply = copy;
				*ret_len = nlh->nlmsg_len;
				return 0;
			}
		}
	}
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

int vfnet_get(const char *pf_ifname, struct vf_info **ret, size_t *ret_n, struct diag *d)
{
	uint8_t req[REQUEST_SIZE];
	_cleanup_(freep) void *reply = NULL;
	size_t reply_len = 0;
	char extack[256];
	int len, r;

	len = vfnet_build_getlink(req, sizeof(req), pf_ifname, new_seq());
	if (len < 0)
		return diag_error(d, NULL, len, "invalid interface name '%s'",
				  pf_ifname ? pf_ifname : "(null)");
	r = rtnl_call(req, (size_t)len, &reply, &reply_len, extack, sizeof(extack));
	if (r == 0 && !reply)
		r = -EBADMSG;
	if (r < 0)
		return diag_error(d, NULL, r, "cannot read VF settings of PF '%s': %s%s%s%s",
				  pf_ifname, errno_words(r), *extack ? " (" : "", extack,
				  *extack ? ")" : "");
	r = vfnet_parse_link(reply, reply_len, ret, ret_n);
	if (r < 0)
		return diag_error(d, NULL, r, "cannot read VF settings of PF '%s': %s", pf_ifname,
				  r == -EBADMSG ? "malformed answer from the kernel"
						: strerror(-r));
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
	char p[PATH_MAX], t[PATH_MAX];
	ssize_t n;

	*buf = '\0';
	snprintf(p, sizeof(p), "/sys/class/net/%s/device/driver", pf);
	n = readlink(p, t, sizeof(t) - 1);
	if (n <= 0)
		return;
	t[n] = '\0';
	const char *base = strrchr(t, '/') ? strrchr(t, '/') + 1 : t;
	if (strlen(base) < size)
		memcpy(buf, base, strlen(base) + 1);
}

/* The PF netdev's operstate is known and not "up". */
static bool pf_link_down(const char *pf)
{
	char p[PATH_MAX], st[32] = "";
	_cleanup_(fclosep) FILE *f = NULL;

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
	uint8_t req[REQUEST_SIZE];
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

	if (!ifname_valid(pf_ifname))
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

int vfnet_fill_vf_states(const char *pf_ifname, struct vf_state *vfs, size_t n, struct diag *d)
{
	_cleanup_(freep) struct vf_info *info = NULL;
	size_t n_info = 0;
	int r;

	r = vfnet_get(pf_ifname, &info, &n_info, d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n_info; j++)
			if (info[j].id == vfs[i].id)
				vfs[i].link = info[j].link;
	return 0;
}

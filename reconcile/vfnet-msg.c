/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink messages for per-VF settings, without a socket: the
 * RTM_GETLINK and RTM_SETLINK requests built into caller buffers, and the
 * parsers of an RTM_NEWLINK answer (IFLA_VFINFO_LIST) and of an error or
 * ACK. The socket and the VF setting logic are vfnet.c.
 */
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vfnet-msg.h"

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

bool vfnet_ifname_valid(const char *ifname)
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

/* nlmsghdr + ifinfomsg of netdev ifindex; NULL if buf is too small. */
static struct nlmsghdr *put_index_header(void *buf, size_t size, unsigned ifindex, uint16_t type,
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
	ifi->ifi_index = (int)ifindex;
	return nlh;
}

/* nlmsghdr + ifinfomsg + IFLA_IFNAME; NULL if buf is too small. */
static struct nlmsghdr *put_link_header(void *buf, size_t size, const char *ifname, uint16_t type,
					uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = put_index_header(buf, size, 0, type, flags, seq);

	if (!nlh || !mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, ifname))
		return NULL;
	return nlh;
}

int vfnet_build_getlink(void *buf, size_t size, const char *ifname, uint32_t seq, bool stats)
{
	struct nlmsghdr *nlh;

	if (!vfnet_ifname_valid(ifname))
		return -EINVAL;
	nlh = put_link_header(buf, size, ifname, RTM_GETLINK, NLM_F_REQUEST, seq);
	if (!nlh ||
	    !mnl_attr_put_u32_check(nlh, size, IFLA_EXT_MASK,
				    RTEXT_FILTER_VF | (stats ? 0 : RTEXT_FILTER_SKIP_STATS)))
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
		struct ifla_vf_link_state l = {.vf = vf,
					       .link_state = (uint32_t)w->link.link_state};
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

	if (!vfnet_ifname_valid(ifname) || !want)
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

/*
 * A string attribute into buf: only when NUL-terminated within the
 * attribute and short enough (a name the kernel allows); else left "".
 */
static void take_string(const struct nlattr *a, char *buf, size_t size)
{
	const char *s = mnl_attr_get_payload(a);
	size_t n = mnl_attr_get_payload_len(a);
	size_t k = strnlen(s, n);

	if (k < n && k < size)
		memcpy(buf, s, k + 1);
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

/* IFLA_VF_STATS: u64 counters, each kept when the kernel sends it. */
static void parse_vf_stats(const struct nlattr *nest, struct vf_stats *st)
{
	static const unsigned short types[_VF_STAT_MAX] = {
	    [VF_STAT_RX_PACKETS] = IFLA_VF_STATS_RX_PACKETS,
	    [VF_STAT_TX_PACKETS] = IFLA_VF_STATS_TX_PACKETS,
	    [VF_STAT_RX_BYTES] = IFLA_VF_STATS_RX_BYTES,
	    [VF_STAT_TX_BYTES] = IFLA_VF_STATS_TX_BYTES,
	    [VF_STAT_BROADCAST] = IFLA_VF_STATS_BROADCAST,
	    [VF_STAT_MULTICAST] = IFLA_VF_STATS_MULTICAST,
	    [VF_STAT_RX_DROPPED] = IFLA_VF_STATS_RX_DROPPED,
	    [VF_STAT_TX_DROPPED] = IFLA_VF_STATS_TX_DROPPED,
	};
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
	{
		for (unsigned i = 0; i < _VF_STAT_MAX; i++) {
			if (mnl_attr_get_type(a) != types[i] ||
			    mnl_attr_validate(a, MNL_TYPE_U64) < 0)
				continue;
			st->v[i] = mnl_attr_get_u64(a);
			st->present |= 1u << i;
		}
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
			snprintf(v->link.mac, sizeof(v->link.mac), "%02x:%02x:%02x:%02x:%02x:%02x",
				 m->mac[0], m->mac[1], m->mac[2], m->mac[3], m->mac[4], m->mac[5]);
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
		case IFLA_VF_STATS:
			parse_vf_stats(a, &v->stats);
			break;
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

int vfnet_build_getaddr(void *buf, size_t size, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifa)))
		return -ENOBUFS;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	return (int)nlh->nlmsg_len;
}

int vfnet_parse_addr(const void *buf, size_t len, struct vfnet_addr *ret)
{
	const struct nlmsghdr *nlh = message(buf, len, sizeof(struct ifaddrmsg));
	const struct nlattr *a, *local = NULL, *address = NULL, *use;
	const struct ifaddrmsg *ifa;
	size_t alen;
	char text[INET6_ADDRSTRLEN];

	if (!nlh || nlh->nlmsg_type != RTM_NEWADDR)
		return -EBADMSG;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 1;
	alen = ifa->ifa_family == AF_INET ? 4 : 16;
	if (ifa->ifa_prefixlen > alen * 8)
		return -EBADMSG;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
	{
		if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = a;
		else if (mnl_attr_get_type(a) == IFA_ADDRESS)
			address = a;
	}
	/* on a point-to-point link IFA_ADDRESS is the peer's, IFA_LOCAL ours */
	use = local ? local : address;
	if (!use || mnl_attr_get_payload_len(use) != alen)
		return -EBADMSG;
	const uint8_t *b = mnl_attr_get_payload(use);
	if (!inet_ntop(ifa->ifa_family, b, text, sizeof(text)))
		return -EBADMSG;
	*ret = (struct vfnet_addr){
	    .ifindex = ifa->ifa_index,
	    .family = ifa->ifa_family,
	    .prefixlen = ifa->ifa_prefixlen,
	    .link_local = ifa->ifa_family == AF_INET6 && b[0] == 0xfe && (b[1] & 0xc0) == 0x80,
	};
	snprintf(ret->text, sizeof(ret->text), "%s/%u", text, ifa->ifa_prefixlen);
	return 0;
}

int vfnet_build_getlink_index(void *buf, size_t size, unsigned ifindex, uint32_t seq)
{
	struct nlmsghdr *nlh = put_index_header(buf, size, ifindex, RTM_GETLINK,
						NLM_F_REQUEST | (ifindex ? 0 : NLM_F_DUMP), seq);

	if (!nlh || !mnl_attr_put_u32_check(nlh, size, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS))
		return -ENOBUFS;
	return (int)nlh->nlmsg_len;
}

int vfnet_build_setmtu(void *buf, size_t size, unsigned ifindex, uint32_t seq, unsigned mtu)
{
	struct nlmsghdr *nlh;

	if (!ifindex || !mtu || ifindex > INT32_MAX)
		return -EINVAL;
	nlh = put_index_header(buf, size, ifindex, RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
	if (!nlh || !mnl_attr_put_u32_check(nlh, size, IFLA_MTU, mtu))
		return -ENOBUFS;
	return (int)nlh->nlmsg_len;
}

int vfnet_parse_netdev(const void *buf, size_t len, struct vfnet_netdev *ret)
{
	const struct nlmsghdr *nlh = message(buf, len, sizeof(struct ifinfomsg));
	const struct nlattr *a;

	if (!nlh || nlh->nlmsg_type != RTM_NEWLINK)
		return -EBADMSG;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	*ret = (struct vfnet_netdev){.ifindex = (unsigned)ifi->ifi_index, .flags = ifi->ifi_flags};
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
	{
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			take_string(a, ret->ifname, sizeof(ret->ifname));
			continue;
		case IFLA_PARENT_DEV_NAME:
			take_string(a, ret->parent, sizeof(ret->parent));
			continue;
		case IFLA_PARENT_DEV_BUS_NAME:
			take_string(a, ret->parent_bus, sizeof(ret->parent_bus));
			continue;
		case IFLA_LINK_NETNSID:
			ret->link_elsewhere = true;
			continue;
		case IFLA_LINKINFO: {
			const struct nlattr *k;
			mnl_attr_for_each_nested(k, a) if (mnl_attr_get_type(k) == IFLA_INFO_KIND)
				take_string(k, ret->kind, sizeof(ret->kind));
			continue;
		}
		}
		unsigned *p = mnl_attr_get_type(a) == IFLA_MTU	     ? &ret->mtu
			      : mnl_attr_get_type(a) == IFLA_MIN_MTU ? &ret->min
			      : mnl_attr_get_type(a) == IFLA_MAX_MTU ? &ret->max
			      : mnl_attr_get_type(a) == IFLA_MASTER  ? &ret->master
			      : mnl_attr_get_type(a) == IFLA_LINK    ? &ret->link
								     : NULL;
		if (p && payload(a, sizeof(uint32_t)))
			*p = mnl_attr_get_u32(a);
	}
	/* a netdev that is not stacked reports itself */
	if (ret->link == ret->ifindex)
		ret->link = 0;
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * vfnet: the rtnetlink messages, built and parsed as bytes, and the error
 * path against the real kernel in a private network namespace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include "host.h"
#include "vfnet.h"

/* ---- helpers to look into a built message ---- */

static const struct nlattr *find_attr(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh,
			  sizeof(struct ifinfomsg)) if (mnl_attr_get_type(a) == type) return a;
	return NULL;
}

static const struct nlattr *only_nested(const struct nlattr *nest, uint16_t type)
{
	const struct nlattr *a, *found = NULL;
	int n = 0;

	mnl_attr_for_each_nested(a, nest)
	{
		n++;
		if (mnl_attr_get_type(a) == type)
			found = a;
	}
	assert_int_equal(n, 1);
	assert_non_null(found);
	return found;
}

/* The single attribute inside IFLA_VFINFO_LIST/IFLA_VF_INFO of a SETLINK request. */
static const struct nlattr *vf_attr(const void *buf, int len, uint16_t type)
{
	const struct nlmsghdr *nlh = buf;
	const struct nlattr *list, *info;

	assert_true(len > 0);
	assert_int_equal(nlh->nlmsg_len, len);
	assert_int_equal(nlh->nlmsg_type, RTM_SETLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_string_equal(mnl_attr_get_str(find_attr(nlh, IFLA_IFNAME)), "enp11s0f0");
	list = find_attr(nlh, IFLA_VFINFO_LIST);
	assert_non_null(list);
	info = only_nested(list, IFLA_VF_INFO);
	return only_nested(info, type);
}

static struct vf_info want(unsigned id)
{
	struct vf_info w;

	vf_info_init(&w, id);
	return w;
}

/* ---- builders ---- */

static void test_build_getlink(void **state)
{
	(void)state;
	uint8_t buf[256];
	int len = vfnet_build_getlink(buf, sizeof(buf), "enp11s0f0", 77, false);
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	assert_true(len > 0);
	assert_int_equal(nlh->nlmsg_len, len);
	assert_int_equal(nlh->nlmsg_type, RTM_GETLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(nlh->nlmsg_seq, 77);
	assert_int_equal(ifi->ifi_index, 0);
	assert_string_equal(mnl_attr_get_str(find_attr(nlh, IFLA_IFNAME)), "enp11s0f0");
	assert_int_equal(mnl_attr_get_u32(find_attr(nlh, IFLA_EXT_MASK)),
			 RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
	/* the counters only when asked: the kernel queries the driver per VF */
	len = vfnet_build_getlink(buf, sizeof(buf), "enp11s0f0", 78, true);
	assert_true(len > 0);
	assert_int_equal(mnl_attr_get_u32(find_attr(nlh, IFLA_EXT_MASK)), RTEXT_FILTER_VF);
}

static void test_build_bad_input(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct vf_info w = want(0);

	assert_int_equal(vfnet_build_getlink(buf, sizeof(buf), "", 1, false), -EINVAL);
	assert_int_equal(vfnet_build_getlink(buf, sizeof(buf), "a-name-longer-than-15", 1, false),
			 -EINVAL);
	assert_int_equal(vfnet_build_getlink(buf, 20, "eth0", 1, false), -ENOBUFS);
	/* a field that want does not set cannot be sent */
	for (int f = 0; f < _VFNET_FIELD_MAX; f++)
		assert_int_equal(vfnet_build_setlink(buf, sizeof(buf), "eth0", 1, f, &w), -EINVAL);
	strcpy(w.link.mac, "52:54:00:6d:90:0g");
	assert_int_equal(vfnet_build_setlink(buf, sizeof(buf), "eth0", 1, VFNET_MAC, &w), -EINVAL);
	w.link.vlan = 4096;
	assert_int_equal(vfnet_build_setlink(buf, sizeof(buf), "eth0", 1, VFNET_VLAN, &w), -EINVAL);
	w.link.vlan = 5, w.link.qos = 8;
	assert_int_equal(vfnet_build_setlink(buf, sizeof(buf), "eth0", 1, VFNET_VLAN, &w), -EINVAL);
	w.link.max_tx_rate = 1LL << 32;
	assert_int_equal(vfnet_build_setlink(buf, sizeof(buf), "eth0", 1, VFNET_TX_RATE, &w),
			 -EINVAL);
	w.link.trust = 2;
	assert_int_equal(vfnet_build_setlink(buf, sizeof(buf), "eth0", 1, VFNET_TRUST, &w),
			 -EINVAL);
	w.link.link_state = 3;
	assert_int_equal(vfnet_build_setlink(buf, sizeof(buf), "eth0", 1, VFNET_LINK_STATE, &w),
			 -EINVAL);
	strcpy(w.link.mac, "52:54:00:6d:90:02");
	assert_int_equal(vfnet_build_setlink(buf, 60, "eth0", 1, VFNET_MAC, &w), -ENOBUFS);
}

static void test_build_mac(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct vf_info w = want(3);
	static const uint8_t mac[ETH_ALEN] = {0x52, 0x54, 0x00, 0x6d, 0x90, 0x02};

	strcpy(w.link.mac, "52:54:00:6D:90:02");
	int len = vfnet_build_setlink(buf, sizeof(buf), "enp11s0f0", 9, VFNET_MAC, &w);
	const struct nlattr *a = vf_attr(buf, len, IFLA_VF_MAC);
	const struct ifla_vf_mac *m = mnl_attr_get_payload(a);

	assert_int_equal(mnl_attr_get_payload_len(a), sizeof(*m));
	assert_int_equal(m->vf, 3);
	assert_memory_equal(m->mac, mac, ETH_ALEN);
	for (size_t i = ETH_ALEN; i < sizeof(m->mac); i++)
		assert_int_equal(m->mac[i], 0);
}

static void test_build_vlan(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct vf_info w = want(1);

	/* 802.1Q: the legacy IFLA_VF_VLAN; qos defaults to 0 */
	w.link.vlan = 42;
	int len = vfnet_build_setlink(buf, sizeof(buf), "enp11s0f0", 9, VFNET_VLAN, &w);
	const struct ifla_vf_vlan *v = mnl_attr_get_payload(vf_attr(buf, len, IFLA_VF_VLAN));
	assert_int_equal(v->vf, 1);
	assert_int_equal(v->vlan, 42);
	assert_int_equal(v->qos, 0);

	/* 802.1ad needs IFLA_VF_VLAN_LIST with the protocol in network order */
	w.link.qos = 5;
	w.link.vlan_proto = VLAN_PROTO_8021AD;
	len = vfnet_build_setlink(buf, sizeof(buf), "enp11s0f0", 9, VFNET_VLAN, &w);
	const struct nlattr *list = vf_attr(buf, len, IFLA_VF_VLAN_LIST);
	const struct nlattr *info = only_nested(list, IFLA_VF_VLAN_INFO);
	const struct ifla_vf_vlan_info *vi = mnl_attr_get_payload(info);
	assert_int_equal(mnl_attr_get_payload_len(info), sizeof(*vi));
	assert_int_equal(vi->vf, 1);
	assert_int_equal(vi->vlan, 42);
	assert_int_equal(vi->qos, 5);
	assert_int_equal(vi->vlan_proto, htons(ETH_P_8021AD));
}

static void test_build_rates_and_switches(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct vf_info w = want(6);
	int len;

	w.link.min_tx_rate = 100, w.link.max_tx_rate = 1000;
	len = vfnet_build_setlink(buf, sizeof(buf), "enp11s0f0", 1, VFNET_RATE, &w);
	const struct ifla_vf_rate *r = mnl_attr_get_payload(vf_attr(buf, len, IFLA_VF_RATE));
	assert_int_equal(r->vf, 6);
	assert_int_equal(r->min_tx_rate, 100);
	assert_int_equal(r->max_tx_rate, 1000);

	len = vfnet_build_setlink(buf, sizeof(buf), "enp11s0f0", 1, VFNET_TX_RATE, &w);
	const struct ifla_vf_tx_rate *t = mnl_attr_get_payload(vf_attr(buf, len, IFLA_VF_TX_RATE));
	assert_int_equal(t->vf, 6);
	assert_int_equal(t->rate, 1000);

	w.link.spoof_check = 0;
	len = vfnet_build_setlink(buf, sizeof(buf), "enp11s0f0", 1, VFNET_SPOOFCHK, &w);
	const struct ifla_vf_spoofchk *s =
	    mnl_attr_get_payload(vf_attr(buf, len, IFLA_VF_SPOOFCHK));
	assert_int_equal(s->vf, 6);
	assert_int_equal(s->setting, 0);

	w.link.trust = 1;
	len = vfnet_build_setlink(buf, sizeof(buf), "enp11s0f0", 1, VFNET_TRUST, &w);
	const struct ifla_vf_trust *tr = mnl_attr_get_payload(vf_attr(buf, len, IFLA_VF_TRUST));
	assert_int_equal(tr->vf, 6);
	assert_int_equal(tr->setting, 1);

	w.link.link_state = LINK_STATE_DISABLE;
	len = vfnet_build_setlink(buf, sizeof(buf), "enp11s0f0", 1, VFNET_LINK_STATE, &w);
	const struct ifla_vf_link_state *l =
	    mnl_attr_get_payload(vf_attr(buf, len, IFLA_VF_LINK_STATE));
	assert_int_equal(l->vf, 6);
	assert_int_equal(l->link_state, IFLA_VF_LINK_STATE_DISABLE);
}

/* ---- parsers ---- */

/* An RTM_NEWLINK as the kernel sends it for a PF with VFs 1 and 0 (in that order). */
static int build_reply(uint8_t *buf, bool with_list, uint32_t num_vf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *list, *info, *vl;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 4;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "enp11s0f0");
	mnl_attr_put_u32(nlh, IFLA_NUM_VF, num_vf);
	if (!with_list)
		return (int)nlh->nlmsg_len;
	list = mnl_attr_nest_start(nlh, IFLA_VFINFO_LIST);

	/* VF 1: an 802.1ad VLAN, rates, spoof-check off, trust on, link disabled */
	info = mnl_attr_nest_start(nlh, IFLA_VF_INFO);
	struct ifla_vf_mac m1 = {.vf = 1, .mac = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef}};
	mnl_attr_put(nlh, IFLA_VF_MAC, sizeof(m1), &m1);
	struct ifla_vf_vlan v1 = {.vf = 1, .vlan = 100, .qos = 3};
	mnl_attr_put(nlh, IFLA_VF_VLAN, sizeof(v1), &v1);
	vl = mnl_attr_nest_start(nlh, IFLA_VF_VLAN_LIST);
	struct ifla_vf_vlan_info vi1 = {
	    .vf = 1, .vlan = 100, .qos = 3, .vlan_proto = htons(ETH_P_8021AD)};
	mnl_attr_put(nlh, IFLA_VF_VLAN_INFO, sizeof(vi1), &vi1);
	mnl_attr_nest_end(nlh, vl);
	struct ifla_vf_tx_rate t1 = {.vf = 1, .rate = 1000};
	mnl_attr_put(nlh, IFLA_VF_TX_RATE, sizeof(t1), &t1);
	struct ifla_vf_rate r1 = {.vf = 1, .min_tx_rate = 10, .max_tx_rate = 1000};
	mnl_attr_put(nlh, IFLA_VF_RATE, sizeof(r1), &r1);
	struct ifla_vf_spoofchk s1 = {.vf = 1, .setting = 0};
	mnl_attr_put(nlh, IFLA_VF_SPOOFCHK, sizeof(s1), &s1);
	struct ifla_vf_trust tr1 = {.vf = 1, .setting = 1};
	mnl_attr_put(nlh, IFLA_VF_TRUST, sizeof(tr1), &tr1);
	struct ifla_vf_link_state l1 = {.vf = 1, .link_state = IFLA_VF_LINK_STATE_DISABLE};
	mnl_attr_put(nlh, IFLA_VF_LINK_STATE, sizeof(l1), &l1);
	/* counters as a kernel before 4.19 sends them (no dropped), with its pad attribute */
	struct nlattr *st = mnl_attr_nest_start(nlh, IFLA_VF_STATS);
	mnl_attr_put(nlh, IFLA_VF_STATS_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, IFLA_VF_STATS_RX_PACKETS, 1200);
	mnl_attr_put_u64(nlh, IFLA_VF_STATS_TX_PACKETS, 800);
	mnl_attr_put_u64(nlh, IFLA_VF_STATS_RX_BYTES, 5000000000ULL);
	mnl_attr_put_u64(nlh, IFLA_VF_STATS_TX_BYTES, 900000);
	mnl_attr_put_u64(nlh, IFLA_VF_STATS_BROADCAST, 12);
	mnl_attr_put_u64(nlh, IFLA_VF_STATS_MULTICAST, 34);
	mnl_attr_nest_end(nlh, st);
	mnl_attr_nest_end(nlh, info);

	/* VF 0: an old kernel's view (no VLAN list, no IFLA_VF_RATE), unreported switches */
	info = mnl_attr_nest_start(nlh, IFLA_VF_INFO);
	struct ifla_vf_mac m0 = {.vf = 0, .mac = {0x52, 0x54, 0x00, 0x6d, 0x90, 0x02}};
	mnl_attr_put(nlh, IFLA_VF_MAC, sizeof(m0), &m0);
	struct ifla_vf_vlan v0 = {.vf = 0, .vlan = 42, .qos = 0};
	mnl_attr_put(nlh, IFLA_VF_VLAN, sizeof(v0), &v0);
	struct ifla_vf_tx_rate t0 = {.vf = 0, .rate = 0};
	mnl_attr_put(nlh, IFLA_VF_TX_RATE, sizeof(t0), &t0);
	struct ifla_vf_spoofchk s0 = {.vf = 0, .setting = UINT32_MAX};
	mnl_attr_put(nlh, IFLA_VF_SPOOFCHK, sizeof(s0), &s0);
	struct ifla_vf_link_state l0 = {.vf = 0, .link_state = IFLA_VF_LINK_STATE_AUTO};
	mnl_attr_put(nlh, IFLA_VF_LINK_STATE, sizeof(l0), &l0);
	mnl_attr_nest_end(nlh, info);

	mnl_attr_nest_end(nlh, list);
	return (int)nlh->nlmsg_len;
}

static void test_parse_two_vfs(void **state)
{
	(void)state;
	uint8_t buf[2048] __attribute__((aligned(4))) = {0};
	int len = build_reply(buf, true, 2);
	struct vf_info *v = NULL;
	size_t n = 0;

	assert_int_equal(vfnet_parse_link(buf, (size_t)len, &v, &n), 0);
	assert_int_equal(n, 2);

	assert_int_equal(v[0].id, 0);
	assert_string_equal(v[0].link.mac, "52:54:00:6d:90:02");
	assert_int_equal(v[0].link.vlan, 42);
	assert_int_equal(v[0].link.qos, 0);
	assert_int_equal(v[0].link.vlan_proto, VLAN_PROTO_8021Q);
	assert_int_equal(v[0].link.max_tx_rate, 0);
	assert_int_equal(v[0].link.min_tx_rate, -1);
	assert_int_equal(v[0].link.spoof_check, -1);
	assert_int_equal(v[0].link.trust, -1);
	assert_int_equal(v[0].link.link_state, LINK_STATE_AUTO);

	assert_int_equal(v[1].id, 1);
	assert_string_equal(v[1].link.mac, "52:54:00:ab:cd:ef");
	assert_int_equal(v[1].link.vlan, 100);
	assert_int_equal(v[1].link.qos, 3);
	assert_int_equal(v[1].link.vlan_proto, VLAN_PROTO_8021AD);
	assert_int_equal(v[1].link.max_tx_rate, 1000);
	assert_int_equal(v[1].link.min_tx_rate, 10);
	assert_int_equal(v[1].link.spoof_check, 0);
	assert_int_equal(v[1].link.trust, 1);
	assert_int_equal(v[1].link.link_state, LINK_STATE_DISABLE);

	/* IFLA_VF_STATS: what was sent, no more; VF 0 reported none */
	assert_int_equal(v[0].stats.present, 0);
	assert_int_equal(v[1].stats.present, (1u << VF_STAT_RX_DROPPED) - 1);
	assert_true(v[1].stats.v[VF_STAT_RX_BYTES] == 5000000000ULL);
	assert_int_equal(v[1].stats.v[VF_STAT_RX_PACKETS], 1200);
	assert_int_equal(v[1].stats.v[VF_STAT_TX_PACKETS], 800);
	assert_int_equal(v[1].stats.v[VF_STAT_TX_BYTES], 900000);
	assert_int_equal(v[1].stats.v[VF_STAT_BROADCAST], 12);
	assert_int_equal(v[1].stats.v[VF_STAT_MULTICAST], 34);
	free(v);
}

static void test_parse_without_list(void **state)
{
	(void)state;
	uint8_t buf[512] __attribute__((aligned(4))) = {0};
	struct vf_info *v = NULL;
	size_t n = 99;

	/* no VF at all: a netdev that is not a PF */
	int len = build_reply(buf, false, 0);
	assert_int_equal(vfnet_parse_link(buf, (size_t)len, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);

	/* VFs counted but not described: they exist, settings unknown */
	len = build_reply(buf, false, 3);
	assert_int_equal(vfnet_parse_link(buf, (size_t)len, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[2].id, 2);
	assert_string_equal(v[2].link.mac, "");
	assert_int_equal(v[2].link.vlan, -1);
	free(v);
}

static void test_parse_malformed(void **state)
{
	(void)state;
	uint8_t buf[2048] __attribute__((aligned(4))) = {0};
	int len = build_reply(buf, true, 2);
	struct vf_info *v = NULL;
	size_t n = 0;

	assert_int_equal(vfnet_parse_link(buf, (size_t)len - 4, &v, &n), -EBADMSG);
	assert_int_equal(vfnet_parse_link(buf, 8, &v, &n), -EBADMSG);
	((struct nlmsghdr *)buf)->nlmsg_type = RTM_DELLINK;
	assert_int_equal(vfnet_parse_link(buf, (size_t)len, &v, &n), -EBADMSG);
	assert_int_equal(vfnet_parse_error(buf, (size_t)len, NULL, 0), -EBADMSG);
}

static void test_parse_error(void **state)
{
	(void)state;
	uint8_t buf[512] __attribute__((aligned(4))) = {0};
	char msg[64];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	/* a plain ACK */
	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = 0;
	assert_int_equal(vfnet_parse_error(buf, nlh->nlmsg_len, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");

	/* a refusal with an extended ACK message, request capped */
	e->error = -EOPNOTSUPP;
	nlh->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "VF index out of range");
	assert_int_equal(vfnet_parse_error(buf, nlh->nlmsg_len, msg, sizeof(msg)), -EOPNOTSUPP);
	assert_string_equal(msg, "VF index out of range");
	/* a short buffer truncates */
	assert_int_equal(vfnet_parse_error(buf, nlh->nlmsg_len, msg, 6), -EOPNOTSUPP);
	assert_string_equal(msg, "VF in");

	/* not capped: the request is echoed before the TLVs */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_ACK_TLVS;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e) + 20);
	e->error = -EINVAL;
	e->msg.nlmsg_len = sizeof(struct nlmsghdr) + 20;
	memset(e + 1, 0xff, 20); /* request payload: must not be read as TLVs */
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "bad vlan");
	assert_int_equal(vfnet_parse_error(buf, nlh->nlmsg_len, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "bad vlan");
}

static struct vf_link spec_unset(void)
{
	struct vf_link l;
	vf_link_init(&l);
	return l;
}

static void test_apply_unknown_field(void **state)
{
	(void)state;
	struct vf_link vs = spec_unset();
	struct diag d;

	diag_init(&d);
	vs.trust = 1;
	assert_int_equal(vfnet_apply("enp11s0f0", 2, _VF_ATTR_MAX, &vs, &d), -EINVAL);
	assert_int_equal(d.n_errors, 1);
	assert_string_equal(d.v[0].msg, "PF 'enp11s0f0' VF 2: unknown VF setting 7");
	/* a field the spec leaves unset sends nothing */
	assert_int_equal(vfnet_apply("enp11s0f0", 2, VF_ATTR_MAC, &vs, &d), 0);
	assert_int_equal(d.n_errors, 1);
	diag_release(&d);
}

/* ---- addresses (RTM_GETADDR) ---- */

static void test_build_getaddr(void **state)
{
	(void)state;
	uint8_t buf[VFNET_REQUEST_SIZE];
	int len = vfnet_build_getaddr(buf, sizeof(buf), 7);
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

	assert_int_equal(len, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifa)));
	assert_int_equal(nlh->nlmsg_len, len);
	assert_int_equal(nlh->nlmsg_type, RTM_GETADDR);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(nlh->nlmsg_seq, 7);
	assert_int_equal(ifa->ifa_family, AF_UNSPEC);
	assert_int_equal(ifa->ifa_index, 0);
	assert_int_equal(vfnet_build_getaddr(buf, 8, 7), -ENOBUFS);
}

/*
 * An RTM_NEWADDR message into buf: family, prefix, ifindex, and the
 * IFA_ADDRESS and IFA_LOCAL payloads (NULL: left out; alen bytes each).
 */
static size_t newaddr(uint8_t *buf, uint16_t type, int family, unsigned prefix, unsigned ifindex,
		      const void *address, const void *local, size_t alen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_MULTI;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)prefix;
	ifa->ifa_index = ifindex;
	if (address)
		mnl_attr_put(nlh, IFA_ADDRESS, alen, address);
	if (local)
		mnl_attr_put(nlh, IFA_LOCAL, alen, local);
	mnl_attr_put_strz(nlh, IFA_LABEL, "enp11s16");
	return nlh->nlmsg_len;
}

static void test_parse_addr(void **state)
{
	(void)state;
	uint8_t buf[256], v4[4], peer[4], v6[16], ll[16];
	struct vfnet_addr a;
	size_t len;

	inet_pton(AF_INET, "10.0.0.5", v4);
	inet_pton(AF_INET, "10.0.0.1", peer);
	inet_pton(AF_INET6, "2001:db8::5", v6);
	inet_pton(AF_INET6, "fe80::5054:ff:fe6d:9002", ll);

	len = newaddr(buf, RTM_NEWADDR, AF_INET, 24, 12, v4, NULL, 4);
	assert_int_equal(vfnet_parse_addr(buf, len, &a), 0);
	assert_int_equal(a.ifindex, 12);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.prefixlen, 24);
	assert_false(a.link_local);
	assert_string_equal(a.text, "10.0.0.5/24");

	/* point-to-point: IFA_ADDRESS is the peer, IFA_LOCAL the netdev's own */
	len = newaddr(buf, RTM_NEWADDR, AF_INET, 32, 12, peer, v4, 4);
	assert_int_equal(vfnet_parse_addr(buf, len, &a), 0);
	assert_string_equal(a.text, "10.0.0.5/32");

	len = newaddr(buf, RTM_NEWADDR, AF_INET6, 64, 13, v6, NULL, 16);
	assert_int_equal(vfnet_parse_addr(buf, len, &a), 0);
	assert_int_equal(a.ifindex, 13);
	assert_int_equal(a.family, AF_INET6);
	assert_false(a.link_local);
	assert_string_equal(a.text, "2001:db8::5/64");

	len = newaddr(buf, RTM_NEWADDR, AF_INET6, 64, 13, ll, NULL, 16);
	assert_int_equal(vfnet_parse_addr(buf, len, &a), 0);
	assert_true(a.link_local);
	assert_string_equal(a.text, "fe80::5054:ff:fe6d:9002/64");

	/* another family: skipped, *ret untouched */
	a.ifindex = 99;
	len = newaddr(buf, RTM_NEWADDR, AF_PACKET, 0, 13, v4, NULL, 4);
	assert_int_equal(vfnet_parse_addr(buf, len, &a), 1);
	assert_int_equal(a.ifindex, 99);
}

static void test_parse_addr_malformed(void **state)
{
	(void)state;
	uint8_t buf[256], v4[4] = {10, 0, 0, 5}, v6[16] = {0x20, 0x01, 0x0d, 0xb8};
	struct vfnet_addr a;
	size_t len;

	/* not an address message */
	len = newaddr(buf, RTM_NEWLINK, AF_INET, 24, 1, v4, NULL, 4);
	assert_int_equal(vfnet_parse_addr(buf, len, &a), -EBADMSG);
	/* no address at all */
	len = newaddr(buf, RTM_NEWADDR, AF_INET, 24, 1, NULL, NULL, 4);
	assert_int_equal(vfnet_parse_addr(buf, len, &a), -EBADMSG);
	/* an IPv6 family with an IPv4-sized address, and the other way round */
	len = newaddr(buf, RTM_NEWADDR, AF_INET6, 64, 1, v4, NULL, 4);
	assert_int_equal(vfnet_parse_addr(buf, len, &a), -EBADMSG);
	len = newaddr(buf, RTM_NEWADDR, AF_INET, 24, 1, v6, NULL, 16);
	assert_int_equal(vfnet_parse_addr(buf, len, &a), -EBADMSG);
	/* a prefix longer than the address */
	len = newaddr(buf, RTM_NEWADDR, AF_INET, 33, 1, v4, NULL, 4);
	assert_int_equal(vfnet_parse_addr(buf, len, &a), -EBADMSG);
	/* cut short: the header says more than there is */
	len = newaddr(buf, RTM_NEWADDR, AF_INET, 24, 1, v4, NULL, 4);
	assert_int_equal(vfnet_parse_addr(buf, len - 4, &a), -EBADMSG);
	assert_int_equal(vfnet_parse_addr(buf, 8, &a), -EBADMSG);
	assert_int_equal(vfnet_parse_addr(NULL, 0, &a), -EBADMSG);
}

/* ---- netdev MTU ---- */

static void test_build_setmtu(void **state)
{
	(void)state;
	uint8_t buf[256];
	int len = vfnet_build_setmtu(buf, sizeof(buf), 7, 42, 9000);
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	assert_true(len > 0);
	assert_int_equal(nlh->nlmsg_len, len);
	assert_int_equal(nlh->nlmsg_type, RTM_SETLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(ifi->ifi_index, 7);
	assert_int_equal(mnl_attr_get_u32(find_attr(nlh, IFLA_MTU)), 9000);
	assert_null(find_attr(nlh, IFLA_IFNAME));
	assert_int_equal(vfnet_build_setmtu(buf, sizeof(buf), 0, 42, 9000), -EINVAL);
	assert_int_equal(vfnet_build_setmtu(buf, sizeof(buf), 7, 42, 0), -EINVAL);
	assert_int_equal(vfnet_build_setmtu(buf, 8, 7, 42, 9000), -ENOBUFS);

	len = vfnet_build_getlink_index(buf, sizeof(buf), 0, 43);
	assert_true(len > 0);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	len = vfnet_build_getlink_index(buf, sizeof(buf), 7, 44);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(ifi->ifi_index, 7);
}

static void test_parse_netdev(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct vfnet_netdev m;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi->ifi_index = 12;
	ifi->ifi_flags = IFF_UP | IFF_BROADCAST;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "enp11s16");
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	mnl_attr_put_u32(nlh, IFLA_MIN_MTU, 68);
	mnl_attr_put_u32(nlh, IFLA_MAX_MTU, 9216);
	assert_int_equal(vfnet_parse_netdev(buf, nlh->nlmsg_len, &m), 0);
	assert_int_equal(m.ifindex, 12);
	assert_string_equal(m.ifname, "enp11s16");
	assert_int_equal(m.flags, IFF_UP | IFF_BROADCAST);
	assert_int_equal(m.mtu, 1500);
	assert_int_equal(m.min, 68);
	assert_int_equal(m.max, 9216);
	/* a short MTU attribute is left unknown, not read past its end */
	nlh = mnl_nlmsg_put_header(buf);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_attr_put_u16(nlh, IFLA_MTU, 1500);
	/* a name without its NUL, or longer than the kernel allows, is left out */
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "eth0");
	assert_int_equal(vfnet_parse_netdev(buf, nlh->nlmsg_len, &m), 0);
	assert_int_equal(m.mtu, 0);
	assert_string_equal(m.ifname, "");
	nlh = mnl_nlmsg_put_header(buf);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "a-name-of-twenty-chars");
	assert_int_equal(vfnet_parse_netdev(buf, nlh->nlmsg_len, &m), 0);
	assert_string_equal(m.ifname, "");
	nlh->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(vfnet_parse_netdev(buf, nlh->nlmsg_len, &m), -EBADMSG);
	assert_int_equal(vfnet_parse_netdev(buf, 8, &m), -EBADMSG);
}

/* A VF's netdev as Linux >= 5.15 dumps it: its device, master, and a VLAN on it. */
static void test_parse_netdev_relations(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct vfnet_netdev m;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi->ifi_index = 12;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "enp11s16");
	mnl_attr_put_strz(nlh, IFLA_PARENT_DEV_NAME, "0000:0b:10.0");
	mnl_attr_put_strz(nlh, IFLA_PARENT_DEV_BUS_NAME, "pci");
	mnl_attr_put_u32(nlh, IFLA_MASTER, 30);
	/* a netdev that is not stacked names itself as its link */
	mnl_attr_put_u32(nlh, IFLA_LINK, 12);
	assert_int_equal(vfnet_parse_netdev(buf, nlh->nlmsg_len, &m), 0);
	assert_string_equal(m.parent, "0000:0b:10.0");
	assert_string_equal(m.parent_bus, "pci");
	assert_int_equal(m.master, 30);
	assert_int_equal(m.link, 0);
	assert_false(m.link_elsewhere);
	assert_string_equal(m.kind, "");

	nlh = mnl_nlmsg_put_header(buf);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi->ifi_index = 40;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "vlan10");
	mnl_attr_put_u32(nlh, IFLA_LINK, 12);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vlan");
	mnl_attr_nest_end(nlh, info);
	assert_int_equal(vfnet_parse_netdev(buf, nlh->nlmsg_len, &m), 0);
	assert_int_equal(m.link, 12);
	assert_string_equal(m.kind, "vlan");
	assert_string_equal(m.parent, "");
	/* on a netdev of another namespace */
	mnl_attr_put_u32(nlh, IFLA_LINK_NETNSID, 3);
	assert_int_equal(vfnet_parse_netdev(buf, nlh->nlmsg_len, &m), 0);
	assert_true(m.link_elsewhere);
}

/* ---- the real kernel, in a private network namespace ---- */

static bool netns_ok;
static const char *netns_why = "not root";

static int netns_setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	if (unshare(CLONE_NEWNET) < 0) {
		netns_why = "cannot create a network namespace (unshare CLONE_NEWNET)";
		return 0;
	}
	/* no dummy driver on some kernels: a veth serves the same purpose */
	if (system("ip link add d0 type dummy 2>/dev/null || "
		   "ip link add d0 type veth peer name d1") != 0) {
		netns_why = "cannot create a dummy or veth interface";
		return 0;
	}
	netns_ok = true;
	return 0;
}

#define NEED_NETNS()                                                                               \
	do {                                                                                       \
		if (!netns_ok) {                                                                   \
			print_message("# skip reason: %s\n", netns_why);                           \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

static bool diag_has(const struct diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].msg && strstr(d->v[i].msg, needle))
			return true;
	return false;
}

/* set-mtu's requests against the kernel's own netdev: set by index, read back */
static void test_kernel_mtu(void **state)
{
	(void)state;
	NEED_NETNS();
	struct diag d;
	struct netdev_mtu m = {0};
	unsigned idx = if_nametoindex("d0");

	diag_init(&d);
	assert_true(idx > 0);
	assert_int_equal(vfnet_set_mtu(idx, "d0", 1400, &d), 0);
	assert_int_equal(vfnet_get_mtu(idx, "d0", &m, &d), 0);
	assert_int_equal(m.mtu, 1400);
	assert_int_equal(vfnet_set_mtu(idx, "d0", 1500, &d), 0);
	assert_int_equal(vfnet_get_mtu(idx, "d0", &m, &d), 0);
	assert_int_equal(m.mtu, 1500);
	assert_int_equal(d.n_errors, 0);
	/* gone: the error names the netdev */
	assert_true(vfnet_set_mtu(999999, "gone0", 1500, &d) < 0);
	assert_true(diag_has(&d, "netdev 'gone0': cannot set mtu 1500: "));
	diag_release(&d);
}

static void vf_release(struct vf_state *v)
{
	free(v->interface);
	netdev_use_release(&v->use);
}

/*
 * The observer's batch against the kernel: the VF netdevs' index, IFF_UP
 * and MTU come from the link dump by name, their addresses from the address
 * dump by index. "VFs" here are the namespace's own netdevs under a PF (d0)
 * that reports none.
 */
static void test_kernel_fill_many(void **state)
{
	(void)state;
	NEED_NETNS();
	struct vf_state vfs[3];
	struct netdev_mtu pf_mtu = {0};
	char *why = NULL;

	assert_int_equal(system("ip link add d2 type dummy 2>/dev/null || "
				"ip link add d2 type veth peer name d3"),
			 0);
	assert_int_equal(system("ip link set d2 mtu 1400 up && ip addr add 10.9.8.7/24 dev d2 && "
				"ip addr add 2001:db8::7/64 dev d2 nodad && "
				"ip addr add 10.9.9.9/24 dev lo"),
			 0);
	for (unsigned i = 0; i < 3; i++)
		vf_state_init(&vfs[i], i);
	vfs[0].interface = strdup("d2");    /* up, two addresses */
	vfs[1].interface = strdup("lo");    /* with 10.9.9.9 */
	vfs[2].interface = strdup("gone0"); /* no such netdev: stays unknown */
	struct vfnet_pf pf = {
	    .ifname = "d0", .vfs = vfs, .n_vfs = 3, .mtu = &pf_mtu, .vf_mtus = true};
	assert_int_equal(vfnet_fill_many(&pf, 1, &why), 0);
	assert_null(why);
	assert_int_equal(pf.r, 0);
	assert_int_equal(pf_mtu.mtu, 1500);
	assert_int_equal(vfs[0].use.ifindex, if_nametoindex("d2"));
	assert_int_equal(vfs[0].use.up, 1);
	assert_int_equal(vfs[0].mtu.mtu, 1400);
	assert_int_equal(vfs[0].use.n_addresses, 2);
	assert_string_equal(vfs[0].use.addresses[0], "10.9.8.7/24");
	assert_string_equal(vfs[0].use.addresses[1], "2001:db8::7/64");
	assert_int_equal(vfs[1].use.ifindex, 1);
	assert_true(vfs[1].use.n_addresses >= 1); /* and 127.0.0.1/8 when lo is up */
	assert_string_equal(vfs[1].use.addresses[0], "10.9.9.9/24");
	assert_int_equal(vfs[2].use.ifindex, 0);
	assert_int_equal(vfs[2].use.up, -1);
	assert_int_equal(vfs[2].use.n_addresses, 0);

	/* down: the dump says so */
	assert_int_equal(system("ip link set d2 down"), 0);
	for (unsigned i = 0; i < 3; i++)
		vf_release(&vfs[i]);
	vf_state_init(&vfs[0], 0);
	vfs[0].interface = strdup("d2");
	pf = (struct vfnet_pf){.ifname = "d0", .vfs = vfs, .n_vfs = 1};
	assert_int_equal(vfnet_fill_many(&pf, 1, &why), 0);
	assert_int_equal(vfs[0].use.up, 0);
	assert_int_equal(vfs[0].mtu.mtu, 0); /* not asked */
	vf_release(&vfs[0]);
	assert_int_equal(system("ip link del d2 && ip addr del 10.9.9.9/24 dev lo"), 0);
}

static void test_kernel_get_no_vfs(void **state)
{
	(void)state;
	NEED_NETNS();
	struct diag d;
	struct vf_info *v = (void *)1;
	size_t n = 99;

	diag_init(&d);
	assert_int_equal(vfnet_get("d0", &v, &n, &d), 0);
	assert_int_equal(n, 0);
	assert_null(v);
	assert_int_equal(d.n_errors, 0);
	diag_release(&d);
}

static void test_kernel_get_missing(void **state)
{
	(void)state;
	NEED_NETNS();
	struct diag d;
	struct vf_info *v = NULL;
	size_t n = 0;

	diag_init(&d);
	assert_int_equal(vfnet_get("nosuch0", &v, &n, &d), -ENODEV);
	assert_int_equal(d.n_errors, 1);
	assert_string_equal(d.v[0].msg,
			    "cannot read VF settings of PF 'nosuch0': no such interface");
	diag_release(&d);
}

static void test_kernel_set_refused(void **state)
{
	(void)state;
	NEED_NETNS();
	struct diag d;
	struct vf_info w = want(0);

	diag_init(&d);
	strcpy(w.link.mac, "52:54:00:00:00:01");
	assert_int_equal(vfnet_set("d0", &w, &d), -EOPNOTSUPP);
	assert_int_equal(d.n_errors, 1);
	assert_true(diag_has(&d, "PF 'd0' VF 0: cannot set mac 52:54:00:00:00:01: "
				 "Operation not supported"));

	/* a VLAN alone reads the current values first, then is refused */
	diag_clear(&d);
	w = want(3);
	w.link.vlan = 42;
	assert_int_equal(vfnet_set("d0", &w, &d), -EOPNOTSUPP);
	assert_true(diag_has(&d, "PF 'd0' VF 3: cannot set vlan 42 (qos 0, 802.1Q): "));

	diag_clear(&d);
	w = want(1);
	w.link.trust = 1;
	assert_int_equal(vfnet_set("d0", &w, &d), -EOPNOTSUPP);
	assert_true(diag_has(&d, "PF 'd0' VF 1: cannot set trust on: Operation not supported"));

	diag_clear(&d);
	w = want(0);
	w.link.spoof_check = 0;
	assert_int_equal(vfnet_set("nosuch0", &w, &d), -ENODEV);
	assert_true(
	    diag_has(&d, "PF 'nosuch0' VF 0: cannot set spoof-check off: no such interface"));

	/* nothing to set is no request at all */
	diag_clear(&d);
	w = want(0);
	assert_int_equal(vfnet_set("d0", &w, &d), 0);
	assert_int_equal(d.n_errors, 0);
	diag_release(&d);
}

static void test_kernel_apply_action(void **state)
{
	(void)state;
	NEED_NETNS();
	struct vf_link vs = spec_unset();
	struct diag d;

	diag_init(&d);
	strcpy(vs.mac, "52:54:00:6d:90:02");
	vs.max_tx_rate = 1000;
	assert_int_equal(vfnet_apply("d0", 2, VF_ATTR_MAC, &vs, &d), -EOPNOTSUPP);
	assert_true(diag_has(&d, "PF 'd0' VF 2: cannot set mac 52:54:00:6d:90:02: "
				 "Operation not supported"));
	/* max alone keeps the current min: IFLA_VF_TX_RATE */
	diag_clear(&d);
	assert_int_equal(vfnet_apply("d0", 2, VF_ATTR_MAX_TX_RATE, &vs, &d), -EOPNOTSUPP);
	assert_true(diag_has(&d, "PF 'd0' VF 2: cannot set max-tx-rate 1000 Mbit/s: "));
	/* both wanted: set together */
	diag_clear(&d);
	vs.min_tx_rate = 100;
	assert_int_equal(vfnet_apply("d0", 2, VF_ATTR_MIN_TX_RATE, &vs, &d), -EOPNOTSUPP);
	assert_true(diag_has(&d, "PF 'd0' VF 2: cannot set tx rate min 100 max 1000 Mbit/s: "));
	/* every field at once (vfnet_set): stops at the first refusal, the mac */
	diag_clear(&d);
	struct vf_info all = {.id = 2, .link = vs};
	assert_int_equal(vfnet_set("d0", &all, &d), -EOPNOTSUPP);
	assert_int_equal(d.n_errors, 1);
	assert_true(diag_has(&d, "cannot set mac"));
	diag_release(&d);
}

static void test_kernel_fill_states(void **state)
{
	(void)state;
	NEED_NETNS();
	struct vf_state vfs[2] = {
	    {.id = 0, .link = {.vlan = 7}},
	    {.id = 1, .link = {.vlan = -1}},
	};
	struct vfnet_pf pfs[2] = {
	    {.ifname = "d0", .vfs = vfs, .n_vfs = 2},
	    {.ifname = "nosuch0", .vfs = vfs, .n_vfs = 2},
	};
	char *addr_why = NULL;

	/* one worker for both; a netdev without VFs reports none: the states keep their values */
	assert_int_equal(vfnet_fill_many(pfs, 2, &addr_why), 0);
	assert_int_equal(pfs[0].r, 0);
	assert_null(pfs[0].why);
	assert_int_equal(vfs[0].link.vlan, 7);
	assert_string_equal(vfs[1].link.mac, "");
	/* the next PF is asked all the same */
	assert_int_equal(pfs[1].r, -ENODEV);
	assert_non_null(pfs[1].why);
	assert_string_equal(pfs[1].why,
			    "cannot read VF settings of PF 'nosuch0': no such interface");
	assert_null(addr_why);
	free(pfs[1].why);
}

/* The addresses of a netdev up with IPv4 and IPv6 ones: its link-local one is left out. */
static void test_kernel_fill_addresses(void **state)
{
	(void)state;
	NEED_NETNS();
	struct vf_state vfs[2];
	struct vfnet_pf pf = {.ifname = "d0", .vfs = vfs, .n_vfs = 2};
	char *why = (void *)1;

	assert_int_equal(system("(ip link add a0 type dummy 2>/dev/null || "
				"ip link add a0 type veth peer name a9) && "
				"ip addr add 10.0.0.5/24 dev a0 && "
				"ip -6 addr add 2001:db8::5/64 dev a0 nodad && "
				"ip -6 addr add fe80::5/64 dev a0 nodad && ip link set a0 up"),
			 0);
	vf_state_init(&vfs[0], 0);
	vf_state_init(&vfs[1], 1);
	vfs[0].use.ifindex = if_nametoindex("a0");
	assert_true(vfs[0].use.ifindex > 0);
	assert_int_equal(vfnet_fill_many(&pf, 1, &why), 0);
	assert_null(why);
	assert_int_equal(pf.r, 0);
	assert_int_equal(vfs[0].use.n_addresses, 2);
	assert_string_equal(vfs[0].use.addresses[0], "10.0.0.5/24");
	assert_string_equal(vfs[0].use.addresses[1], "2001:db8::5/64");
	assert_null(vfs[0].use.addresses[2]);
	/* no ifindex: not looked up */
	assert_int_equal(vfs[1].use.n_addresses, 0);
	assert_null(vfs[1].use.addresses);
	netdev_use_release(&vfs[0].use);
	netdev_use_release(&vfs[1].use);
	free(pf.why);
	assert_int_equal(system("ip link del a0"), 0);
}

/* The kernel's link answers: a bridge's kind, its port's master, a veth's peer as its link. */
static void test_kernel_relations(void **state)
{
	(void)state;
	NEED_NETNS();
	struct vfnet_netdev nd[3];
	const char *names[3] = {"br9", "p0", "p1"};
	unsigned idx[3];

	assert_int_equal(system("ip link add br9 type bridge && "
				"ip link add p0 type veth peer name p1 && ip link set p0 master br9"),
			 0);
	for (int i = 0; i < 3; i++) {
		uint8_t req[VFNET_REQUEST_SIZE];
		void *reply = NULL;
		size_t len = 0;
		char extack[256];
		idx[i] = if_nametoindex(names[i]);
		assert_true(idx[i] > 0);
		int n = vfnet_build_getlink_index(req, sizeof(req), idx[i], 90 + i);
		assert_true(n > 0);
		assert_int_equal(vfnet_nl_call(NETLINK_ROUTE, req, (size_t)n, RTM_NEWLINK, &reply,
					       &len, extack, sizeof(extack)),
				 0);
		assert_int_equal(vfnet_parse_netdev(reply, len, &nd[i]), 0);
		free(reply);
		assert_string_equal(nd[i].ifname, names[i]);
		/* software netdevs: no device */
		assert_string_equal(nd[i].parent, "");
	}
	assert_string_equal(nd[0].kind, "bridge");
	assert_int_equal(nd[0].master, 0);
	assert_int_equal(nd[1].master, idx[0]);
	assert_string_equal(nd[1].kind, "veth");
	assert_int_equal(nd[1].link, idx[2]);
	assert_int_equal(nd[2].link, idx[1]);
	assert_false(nd[2].link_elsewhere);
	assert_int_equal(system("ip link del p0 && ip link del br9"), 0);
}

int main(void)
{
	/* one group, one TAP plan */
	const struct CMUnitTest units[] = {
	    cmocka_unit_test(test_build_getlink),
	    cmocka_unit_test(test_build_bad_input),
	    cmocka_unit_test(test_build_mac),
	    cmocka_unit_test(test_build_vlan),
	    cmocka_unit_test(test_build_rates_and_switches),
	    cmocka_unit_test(test_parse_two_vfs),
	    cmocka_unit_test(test_parse_without_list),
	    cmocka_unit_test(test_parse_malformed),
	    cmocka_unit_test(test_parse_error),
	    cmocka_unit_test(test_apply_unknown_field),
	    cmocka_unit_test(test_build_getaddr),
	    cmocka_unit_test(test_parse_addr),
	    cmocka_unit_test(test_parse_addr_malformed),
	    cmocka_unit_test(test_build_setmtu),
	    cmocka_unit_test(test_parse_netdev),
	    cmocka_unit_test(test_parse_netdev_relations),
	    /* on the kernel, in a private network namespace */
	    cmocka_unit_test(test_kernel_get_no_vfs),
	    cmocka_unit_test(test_kernel_get_missing),
	    cmocka_unit_test(test_kernel_set_refused),
	    cmocka_unit_test(test_kernel_apply_action),
	    cmocka_unit_test(test_kernel_fill_states),
	    cmocka_unit_test(test_kernel_fill_addresses),
	    cmocka_unit_test(test_kernel_relations),
	    cmocka_unit_test(test_kernel_mtu),
	    cmocka_unit_test(test_kernel_fill_many),
	};
	return cmocka_run_group_tests_name("vfnet", units, netns_setup, NULL);
}

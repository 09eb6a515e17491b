/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink messages for per-VF settings (vfnet-msg.c): pure builders and
 * parsers on caller buffers, no socket. RTM_GETLINK with IFLA_EXT_MASK
 * reads IFLA_VFINFO_LIST; RTM_SETLINK sets one attribute per request, so
 * that a refusal names the setting the driver rejected.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "spec.h"

/* Room for a request: headers, the name, two nests and the largest payload. */
#define VFNET_REQUEST_SIZE 256

/* A VF as the PF reports it, or the settings wanted for it. */
struct vf_info {
	unsigned id;	     /* VF index */
	struct vf_link link; /* unset parts: unknown, or leave as is */
	struct vf_stats stats; /* IFLA_VF_STATS, when the driver reports them */
};

/* Mark every field of v unknown, for VF id. */
void vf_info_init(struct vf_info *v, unsigned id);

/* One RTM_SETLINK request sets one of these. */
enum vfnet_field {
	VFNET_MAC = 0,
	VFNET_VLAN,    /* vlan, qos and vlan_proto together (IFLA_VF_VLAN or _VLAN_LIST) */
	VFNET_RATE,    /* min and max tx rate together (IFLA_VF_RATE) */
	VFNET_TX_RATE, /* max tx rate alone (IFLA_VF_TX_RATE) */
	VFNET_SPOOFCHK,
	VFNET_TRUST,
	VFNET_LINK_STATE,
	_VFNET_FIELD_MAX,
};

/* "mac", "vlan", "tx-rate", ...: static string. */
const char *vfnet_field_name(enum vfnet_field f);

/*
 * Build the RTM_GETLINK request for ifname (IFLA_EXT_MASK with
 * RTEXT_FILTER_VF; with RTEXT_FILTER_SKIP_STATS too unless stats: the VFs'
 * counters cost the driver a query per VF) into buf. Returns the message
 * length or -errno (-EINVAL bad name, -ENOBUFS buf too small).
 */
int vfnet_build_getlink(void *buf, size_t size, const char *ifname, uint32_t seq, bool stats);

/*
 * Build the RTM_SETLINK request (with NLM_F_ACK) setting field f of VF
 * want->id on PF ifname. The fields f uses must be set in want (VFNET_VLAN:
 * vlan; qos and vlan_proto default to 0 and 802.1Q). Returns the message
 * length or -errno (-EINVAL unset or out-of-range value, -ENOBUFS).
 */
int vfnet_build_setlink(void *buf, size_t size, const char *ifname, uint32_t seq,
			enum vfnet_field f, const struct vf_info *want);

/*
 * Parse one RTM_NEWLINK message (buf holds exactly one netlink message of
 * len bytes): the VFs of IFLA_VFINFO_LIST, sorted by id. *ret is owned by
 * the caller (free()); NULL when there is no VF. -EBADMSG if malformed.
 */
int vfnet_parse_link(const void *buf, size_t len, struct vf_info **ret, size_t *ret_n);

/*
 * Parse one NLMSG_ERROR message: returns its error (0 for an ACK, else
 * -errno) and copies the extended ACK message, if any, into msg ("" when
 * absent). -EBADMSG if malformed.
 */
int vfnet_parse_error(const void *buf, size_t len, char *msg, size_t msg_size);

/* A name the kernel takes in IFLA_IFNAME: 1..15 bytes, no '/'. */
bool vfnet_ifname_valid(const char *ifname);

/*
 * Build the RTM_GETADDR dump request for the addresses of every netdev
 * (both families). Returns the message length or -ENOBUFS.
 */
int vfnet_build_getaddr(void *buf, size_t size, uint32_t seq);

/* An address of a netdev, from an RTM_NEWADDR message. */
struct vfnet_addr {
	unsigned ifindex;
	int family; /* AF_INET, AF_INET6 */
	unsigned prefixlen;
	bool link_local; /* IPv6 fe80::/10 */
	char text[64];	 /* "10.0.0.5/24", "2001:db8::1/64" */
};

/*
 * Parse one RTM_NEWADDR message (buf holds exactly one netlink message of
 * len bytes) into *ret: IFA_LOCAL, else IFA_ADDRESS. Returns 0, 1 for an
 * address of another family (*ret untouched), or -EBADMSG if malformed.
 */
int vfnet_parse_addr(const void *buf, size_t len, struct vfnet_addr *ret);

/* ---- netdev MTU ---- */

/*
 * A netdev as an RTM_NEWLINK describes it: index, name, flags, MTU and its
 * driver's range, the device it belongs to (Linux >= 5.15), its master and
 * the netdev it is stacked on; 0, false or "": not in it.
 */
struct vfnet_netdev {
	unsigned ifindex;
	unsigned flags;		/* ifi_flags: IFF_UP, ... */
	char ifname[IFNAMSIZ];	/* IFLA_IFNAME */
	unsigned mtu, min, max; /* IFLA_MTU, IFLA_MIN_MTU, IFLA_MAX_MTU */
	char parent[64];	/* IFLA_PARENT_DEV_NAME: "0000:0b:10.0" */
	char parent_bus[16];	/* IFLA_PARENT_DEV_BUS_NAME: "pci" */
	unsigned master;	/* IFLA_MASTER: the bond or bridge it is a port of */
	unsigned link;		/* IFLA_LINK: the netdev a VLAN or macvlan is on */
	bool link_elsewhere;	/* IFLA_LINK_NETNSID: that netdev is in another namespace */
	char kind[16];		/* IFLA_LINKINFO's IFLA_INFO_KIND: "bond", "bridge", "vlan" */
};

/*
 * Build the RTM_GETLINK request for netdev ifindex (without VF info and
 * statistics), or with ifindex 0 the dump of every netdev. Returns the
 * message length or -ENOBUFS.
 */
int vfnet_build_getlink_index(void *buf, size_t size, unsigned ifindex, uint32_t seq);

/*
 * Build the RTM_SETLINK request (with NLM_F_ACK) setting IFLA_MTU of netdev
 * ifindex. Returns the message length or -errno (-EINVAL for index 0 or
 * MTU 0, -ENOBUFS).
 */
int vfnet_build_setmtu(void *buf, size_t size, unsigned ifindex, uint32_t seq, unsigned mtu);

/* Parse one RTM_NEWLINK message's netdev into *ret. -EBADMSG if malformed. */
int vfnet_parse_netdev(const void *buf, size_t len, struct vfnet_netdev *ret);

/* SPDX-License-Identifier: MIT */
/*
 * A VF's link settings, as the PF's driver holds them (rtnetlink
 * IFLA_VFINFO_LIST): one struct for what the desired-state file asks, what
 * the host reports and what a netlink request sets, with one attribute
 * enum and one name table (systemd-networkd's SRIOV struct has the same
 * shape).
 *
 * Every field has an explicit "unset" (-1, or "" for the MAC): unset in a
 * spec means "leave it as found", in an observation "unknown".
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define VF_MAC_LEN 18 /* "52:54:00:6d:90:02" and NUL */

enum vlan_proto {
	VLAN_PROTO_8021Q = 0,
	VLAN_PROTO_8021AD = 1,
};

enum link_state {
	LINK_STATE_AUTO = 0, /* the kernel's IFLA_VF_LINK_STATE_AUTO */
	LINK_STATE_ENABLE = 1,
	LINK_STATE_DISABLE = 2,
};

/* One setting a plan changes, in the order the planner lists them. */
enum vf_attr {
	VF_ATTR_LINK_STATE = 0,
	VF_ATTR_MAC,
	VF_ATTR_MAX_TX_RATE,
	VF_ATTR_MIN_TX_RATE,
	VF_ATTR_SPOOF_CHECK,
	VF_ATTR_TRUST,
	VF_ATTR_VLAN, /* the VLAN id with its qos and protocol: one IFLA_VF_VLAN_LIST */
	_VF_ATTR_MAX,
};

struct vf_link {
	char mac[VF_MAC_LEN];  /* lowercase; "": unset */
	int vlan;	       /* 0..4095 (0: no VLAN); -1 unset */
	int qos;	       /* 0..7; -1 unset */
	int vlan_proto;	       /* enum vlan_proto; -1 unset */
	int spoof_check;       /* 0, 1; -1 unset */
	int trust;	       /* 0, 1; -1 unset */
	int link_state;	       /* enum link_state; -1 unset */
	long long max_tx_rate; /* Mbit/s, 0: unlimited; -1 unset */
	long long min_tx_rate; /* Mbit/s; -1 unset */
};

/* Every field unset. */
void vf_link_init(struct vf_link *l);

/* A VF's traffic counters as its PF reports them (IFLA_VF_STATS): observed, never desired. */
enum vf_stat {
	VF_STAT_RX_PACKETS = 0,
	VF_STAT_TX_PACKETS,
	VF_STAT_RX_BYTES,
	VF_STAT_TX_BYTES,
	VF_STAT_BROADCAST,
	VF_STAT_MULTICAST,
	VF_STAT_RX_DROPPED, /* since Linux 4.19 */
	VF_STAT_TX_DROPPED,
	_VF_STAT_MAX,
};

struct vf_stats {
	uint64_t v[_VF_STAT_MAX];
	unsigned present; /* 1 << enum vf_stat for each counter reported; 0: none (igb has none) */
};

/* "rx-packets", "broadcast", ...: the host-state key; NULL out of range. */
const char *vf_stat_to_string(enum vf_stat s);
int vf_stat_from_string(const char *s); /* -EINVAL when unknown */

/* "mac", "vlan", "spoof-check", ...: the desired-state file's key. Static. */
const char *vf_attr_to_string(enum vf_attr a);
/* The attribute named s, or -EINVAL. */
int vf_attr_from_string(const char *s);

const char *link_state_to_string(int ls); /* NULL for unset or out of range */
int link_state_from_string(const char *s); /* -EINVAL when unknown */
const char *vlan_proto_to_string(int p);
int vlan_proto_from_string(const char *s);
extern const char *const link_state_names[3];
extern const char *const vlan_proto_names[2];

/* Whether l sets attribute a (for vlan: any of id, qos, protocol). */
bool vf_link_has(const struct vf_link *l, enum vf_attr a);

/*
 * Whether have satisfies want for attribute a: every part of a that want
 * sets is equal in have (a part unknown in have does not match).
 */
bool vf_link_matches(const struct vf_link *have, const struct vf_link *want, enum vf_attr a);

/* Copy attribute a (all its parts) from src into dst. */
void vf_link_copy_attr(struct vf_link *dst, const struct vf_link *src, enum vf_attr a);

/*
 * Attribute a of l as text: "52:54:00:6d:90:02", "true", "1000"; for vlan
 * the parts that parts sets: "42 qos 3 proto 802.1ad". "?" for a value l
 * does not know. Returns f's error state (0 or -EIO).
 */
int vf_link_print_attr(const struct vf_link *l, const struct vf_link *parts, enum vf_attr a,
		       FILE *f);

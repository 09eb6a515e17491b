/* SPDX-License-Identifier: MIT */
/*
 * Per-VF settings through rtnetlink on the PF (vfnet.c): read with
 * RTM_GETLINK (IFLA_VFINFO_LIST), written with RTM_SETLINK, one attribute
 * per request so that a refusal names the setting the driver rejected.
 * The messages themselves are built and parsed in vfnet-msg.h.
 */
#pragma once

#include <stdint.h>

#include "diag.h"
#include "spec.h"
#include "vfnet-msg.h"

/*
 * Read the VFs of PF pf_ifname from the kernel. A netdev without VFs gives
 * *ret NULL, *ret_n 0. *ret is owned by the caller (free()).
 */
int vfnet_get(const char *pf_ifname, struct vf_info **ret, size_t *ret_n, struct diag *d);

/*
 * Send one request on a socket of its own of protocol (NETLINK_ROUTE,
 * NETLINK_GENERIC) and wait for the answer to it: the first message of type
 * want (a copy in *ret_reply, owned by the caller, when ret_reply is given)
 * or an error/ACK (returned, with the extended ACK message in extack). In
 * the calling process, unbounded: callers run it in a worker.
 */
int vfnet_nl_call(int protocol, const void *req, size_t len, uint16_t want, void **ret_reply,
		  size_t *ret_len, char *extack, size_t extack_size);

/*
 * Set every field that is set in want on VF want->id of PF pf_ifname, one
 * request per field (a VLAN without qos/protocol, or a min rate alone,
 * completes the rest from the current values). Stops at the first
 * refusal: "PF 'X' VF N: cannot set mac ...: Operation not supported".
 */
int vfnet_set(const char *pf_ifname, const struct vf_info *want, struct diag *d);

/*
 * Set attribute attr of VF vf on PF pf_ifname to its value in want. The
 * two rates go together when want gives both, so that a new min above the
 * old max is not refused. -EINVAL for an unknown attribute.
 */
int vfnet_apply(const char *pf_ifname, unsigned vf, enum vf_attr attr, const struct vf_link *want,
		struct diag *d);

struct vf_state;
struct netdev_mtu;

/*
 * The MTU of netdev ifindex (named ifname in messages) and its driver's
 * range, read with RTM_GETLINK by index; parts the kernel does not give
 * are 0.
 */
int vfnet_get_mtu(unsigned ifindex, const char *ifname, struct netdev_mtu *ret, struct diag *d);

/*
 * Set netdev ifindex's MTU (RTM_SETLINK IFLA_MTU by index), in a worker
 * bounded by its timeout. A refusal names the netdev, the driver's answer
 * and, for EINVAL, the range the kernel reports for it.
 */
int vfnet_set_mtu(unsigned ifindex, const char *ifname, unsigned mtu, struct diag *d);

/* One PF of vfnet_fill_many(): its netdev and VFs in; how it went out. */
struct vfnet_pf {
	const char *ifname;
	const char *address; /* of the PF's device; NULL: unknown */
	struct vf_state *vfs;
	size_t n_vfs;
	struct netdev_mtu *mtu; /* out: the PF netdev's MTU, from the same answer; NULL: unwanted */
	bool vf_mtus; /* also the VF netdevs' MTUs, from the link dump */
	bool stats;   /* also the VFs' counters (IFLA_VF_STATS) */
	int r;	   /* out: 0, or a negative errno (-ENODEV: no such netdev) */
	char *why; /* out: with r < 0, the reason in words (owned; free()) */
};

/*
 * For the observer: the link settings of each PF's VFs (matched by id;
 * VFs the PF does not report keep their values), every request in one
 * worker (one process for the whole observation; each request is a step
 * bounded by the worker timeout). When a VF has a netdev (or a PF asks
 * vf_mtus), one RTM_GETLINK dump gives each VF netdev's use.ifindex and
 * use.up by name, and for the PFs that ask vf_mtus its vf_state.mtu. Then
 * one RTM_GETADDR dump gives the addresses of the VF netdevs whose index
 * is known (use.addresses, link-local ones left out). Returns 0 or
 * -ENOMEM; each PF's own result is in its r and why; *ret_addr_why says
 * why the netdevs' use is not fully known (owned; NULL when both dumps
 * were read).
 */
int vfnet_fill_many(struct vfnet_pf *v, size_t n, char **ret_addr_why);

/*
 * vfnet_fill_many() in two halves, so that the run observes sysfs while
 * the kernel answers: vfnet_fill_begin() starts the worker with each PF's
 * ifname, stats and vf_mtus (the VFs are not needed yet) and the link
 * dump when links; vfnet_fill_end() takes v (the same PFs in the same
 * order, now with their VFs) and begun, what vfnet_fill_begin() returned.
 */
struct worker;
int vfnet_fill_begin(const struct vfnet_pf *v, size_t n, bool links, struct worker *w);
/*
 * The VFs may come without their netdevs: the link dump names each VF's
 * netdev (interface) by its device (IFLA_PARENT_DEV_NAME, Linux >= 5.15),
 * with its use (master and kind, the netdevs stacked on it), for each PF
 * whose own netdev it shows on the PF's device (address). For the other
 * PFs (an older kernel, no dump or a failed one, a sysfs that is not the
 * kernel's), names->fn(userdata, k) is called first to read PF v[k]'s from
 * sysfs, and they are matched by name; its error is returned. names NULL:
 * the VFs come with their netdevs.
 */
struct vfnet_names {
	int (*fn)(void *userdata, size_t k); /* 0 or a negative errno */
	void *userdata;
};
int vfnet_fill_end(struct vfnet_pf *v, size_t n, struct worker *w, int begun,
		   const struct vfnet_names *names, char **ret_addr_why);

/* SPDX-License-Identifier: MIT */
/*
 * The in-kernel igb (Linux 6.1, QEMU 10's 82576) answers rtnetlink VF
 * requests as measured in tests/fixtures/vm-igb.vfset-seq.txt: it has no
 * ndo_set_vf_link_state (EOPNOTSUPP for any value, "auto" included), tags
 * 802.1Q only (EPROTONOSUPPORT for 802.1ad) and takes no minimum tx rate
 * (EINVAL for a non-zero one; the kernel sends both rates in one request,
 * so a max-tx-rate request that carries a minimum fails too).
 */
#include "driver-limits.h"
#include "util.h"

static bool any_link_state(const struct vf_link *to)
{
	return to->link_state >= 0;
}

static bool proto_8021ad(const struct vf_link *to)
{
	return to->vlan_proto == VLAN_PROTO_8021AD;
}

static bool min_rate(const struct vf_link *to)
{
	return to->min_tx_rate > 0;
}

static const struct driver_limit limits[] = {
    {"igb", VF_ATTR_LINK_STATE, any_link_state, "EOPNOTSUPP", "it has no VF link-state control"},
    {"igb", VF_ATTR_VLAN, proto_8021ad, "EPROTONOSUPPORT", "it tags VF VLANs as 802.1Q only"},
    {"igb", VF_ATTR_MIN_TX_RATE, min_rate, "EINVAL", "it has no minimum tx rate"},
    {"igb", VF_ATTR_MAX_TX_RATE, min_rate, "EINVAL",
     "it has no minimum tx rate, which the same request sets"},
};

const struct driver_limit *driver_limit_find(const char *driver, enum vf_attr a,
					     const struct vf_link *to)
{
	for (size_t i = 0; driver && i < ARRAY_SIZE(limits); i++)
		if (limits[i].attr == a && streq(limits[i].driver, driver) && limits[i].refuses(to))
			return &limits[i];
	return NULL;
}

bool driver_has_vf_stats(const char *driver)
{
	/* the drivers whose net_device_ops have ndo_get_vf_stats, by PF driver name */
	static const char *const with[] = {
	    "mlx5_core", "mlx4_core", "ice", "i40e", "ixgbe", "fm10k", "ionic", "liquidio",
	};

	for (size_t i = 0; driver && i < ARRAY_SIZE(with); i++)
		if (streq(driver, with[i]))
			return true;
	return false;
}

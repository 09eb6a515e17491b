/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <strings.h>

#include "util.h"
#include "vflink.h"

const char *const link_state_names[3] = {"auto", "enable", "disable"};
const char *const vlan_proto_names[2] = {"802.1Q", "802.1ad"};

static const char *const attr_names[_VF_ATTR_MAX] = {
    [VF_ATTR_LINK_STATE] = "link-state",   [VF_ATTR_MAC] = "mac",
    [VF_ATTR_MAX_TX_RATE] = "max-tx-rate", [VF_ATTR_MIN_TX_RATE] = "min-tx-rate",
    [VF_ATTR_SPOOF_CHECK] = "spoof-check", [VF_ATTR_TRUST] = "trust",
    [VF_ATTR_VLAN] = "vlan",
};

void vf_link_init(struct vf_link *l)
{
	*l = (struct vf_link){
	    .vlan = -1,
	    .qos = -1,
	    .vlan_proto = -1,
	    .spoof_check = -1,
	    .trust = -1,
	    .link_state = -1,
	    .max_tx_rate = -1,
	    .min_tx_rate = -1,
	};
}

static int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (names[i] && streq(names[i], s))
			return (int)i;
	return -EINVAL;
}

static const char *const stat_names[_VF_STAT_MAX] = {
    [VF_STAT_RX_PACKETS] = "rx-packets", [VF_STAT_TX_PACKETS] = "tx-packets",
    [VF_STAT_RX_BYTES] = "rx-bytes",	 [VF_STAT_TX_BYTES] = "tx-bytes",
    [VF_STAT_BROADCAST] = "broadcast",	 [VF_STAT_MULTICAST] = "multicast",
    [VF_STAT_RX_DROPPED] = "rx-dropped", [VF_STAT_TX_DROPPED] = "tx-dropped",
};

const char *vf_stat_to_string(enum vf_stat s)
{
	return (unsigned)s < _VF_STAT_MAX ? stat_names[s] : NULL;
}

int vf_stat_from_string(const char *s)
{
	return name_index(stat_names, _VF_STAT_MAX, s);
}

const char *vf_attr_to_string(enum vf_attr a)
{
	return (unsigned)a < _VF_ATTR_MAX ? attr_names[a] : NULL;
}

int vf_attr_from_string(const char *s)
{
	return name_index(attr_names, _VF_ATTR_MAX, s);
}

const char *link_state_to_string(int ls)
{
	return ls >= 0 && ls < (int)ARRAY_SIZE(link_state_names) ? link_state_names[ls] : NULL;
}

int link_state_from_string(const char *s)
{
	return name_index(link_state_names, ARRAY_SIZE(link_state_names), s);
}

const char *vlan_proto_to_string(int p)
{
	return p >= 0 && p < (int)ARRAY_SIZE(vlan_proto_names) ? vlan_proto_names[p] : NULL;
}

int vlan_proto_from_string(const char *s)
{
	return name_index(vlan_proto_names, ARRAY_SIZE(vlan_proto_names), s);
}

bool vf_link_has(const struct vf_link *l, enum vf_attr a)
{
	switch (a) {
	case VF_ATTR_MAC:
		return l->mac[0] != 0;
	case VF_ATTR_VLAN:
		return l->vlan >= 0 || l->qos >= 0 || l->vlan_proto >= 0;
	case VF_ATTR_SPOOF_CHECK:
		return l->spoof_check >= 0;
	case VF_ATTR_TRUST:
		return l->trust >= 0;
	case VF_ATTR_LINK_STATE:
		return l->link_state >= 0;
	case VF_ATTR_MAX_TX_RATE:
		return l->max_tx_rate >= 0;
	case VF_ATTR_MIN_TX_RATE:
		return l->min_tx_rate >= 0;
	default:
		return false;
	}
}

/* A part wanted (>= 0) matches when have is known and equal. */
#define PART_OK(h, w) ((w) < 0 || (h) == (w))

bool vf_link_matches(const struct vf_link *have, const struct vf_link *want, enum vf_attr a)
{
	switch (a) {
	case VF_ATTR_MAC:
		return !want->mac[0] || (have->mac[0] && strcasecmp(have->mac, want->mac) == 0);
	case VF_ATTR_VLAN:
		return PART_OK(have->vlan, want->vlan) && PART_OK(have->qos, want->qos) &&
		       PART_OK(have->vlan_proto, want->vlan_proto);
	case VF_ATTR_SPOOF_CHECK:
		return PART_OK(have->spoof_check, want->spoof_check);
	case VF_ATTR_TRUST:
		return PART_OK(have->trust, want->trust);
	case VF_ATTR_LINK_STATE:
		return PART_OK(have->link_state, want->link_state);
	case VF_ATTR_MAX_TX_RATE:
		return PART_OK(have->max_tx_rate, want->max_tx_rate);
	case VF_ATTR_MIN_TX_RATE:
		return PART_OK(have->min_tx_rate, want->min_tx_rate);
	default:
		return false;
	}
}

void vf_link_copy_attr(struct vf_link *dst, const struct vf_link *src, enum vf_attr a)
{
	switch (a) {
	case VF_ATTR_MAC:
		memcpy(dst->mac, src->mac, sizeof(dst->mac));
		break;
	case VF_ATTR_VLAN:
		dst->vlan = src->vlan;
		dst->qos = src->qos;
		dst->vlan_proto = src->vlan_proto;
		break;
	case VF_ATTR_SPOOF_CHECK:
		dst->spoof_check = src->spoof_check;
		break;
	case VF_ATTR_TRUST:
		dst->trust = src->trust;
		break;
	case VF_ATTR_LINK_STATE:
		dst->link_state = src->link_state;
		break;
	case VF_ATTR_MAX_TX_RATE:
		dst->max_tx_rate = src->max_tx_rate;
		break;
	case VF_ATTR_MIN_TX_RATE:
		dst->min_tx_rate = src->min_tx_rate;
		break;
	default:
		break;
	}
}

static void print_ll(FILE *f, long long v)
{
	if (v < 0)
		fputc('?', f);
	else
		fprintf(f, "%lld", v);
}

static void print_bool(FILE *f, int v)
{
	fputs(v < 0 ? "?" : v ? "true" : "false", f);
}

int vf_link_print_attr(const struct vf_link *l, const struct vf_link *parts, enum vf_attr a,
		       FILE *f)
{
	const char *s;

	switch (a) {
	case VF_ATTR_MAC:
		fputs(l->mac[0] ? l->mac : "?", f);
		break;
	case VF_ATTR_VLAN: {
		/* the parts the file gives */
		const char *sep = "";
		if (parts->vlan >= 0) {
			print_ll(f, l->vlan);
			sep = " ";
		}
		if (parts->qos >= 0) {
			fprintf(f, "%sqos ", sep);
			print_ll(f, l->qos);
			sep = " ";
		}
		if (parts->vlan_proto >= 0) {
			s = vlan_proto_to_string(l->vlan_proto);
			fprintf(f, "%sproto %s", sep, s ? s : "?");
		}
		break;
	}
	case VF_ATTR_SPOOF_CHECK:
		print_bool(f, l->spoof_check);
		break;
	case VF_ATTR_TRUST:
		print_bool(f, l->trust);
		break;
	case VF_ATTR_LINK_STATE:
		s = link_state_to_string(l->link_state);
		fputs(s ? s : "?", f);
		break;
	case VF_ATTR_MAX_TX_RATE:
		print_ll(f, l->max_tx_rate);
		break;
	case VF_ATTR_MIN_TX_RATE:
		print_ll(f, l->min_tx_rate);
		break;
	default:
		fputc('?', f);
		break;
	}
	return ferror(f) ? -EIO : 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * struct host: the observed state of a host, from the live system
 * (observe.c, libvirt.c) or from a host-state file (state.c). The planner
 * reads only this; it never looks at the system itself.
 *
 * Unknown values are -1 (ints) or NULL (strings), as in spec.h.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "spec.h"

/*
 * How the host itself uses a VF's netdev (sysfs and rtnetlink): a netdev
 * that is up with an address, enslaved to a bond or bridge, or below an
 * upper device (macvlan, VLAN) carries host traffic.
 */
struct netdev_use {
	int up;		  /* IFF_UP: -1 unknown, 0, 1 */
	char **addresses; /* "10.0.0.5/24", IPv4 and IPv6 but link-local fe80::/10; strv, sorted */
	size_t n_addresses;
	char *master;	   /* the bond or bridge it is enslaved to; NULL: none */
	char *master_kind; /* "bond", "bridge"; NULL: another kind or unknown */
	char **uppers;	   /* upper devices (upper_* links); strv, sorted */
	size_t n_uppers;
	unsigned ifindex; /* observed only, to match addresses; 0: unknown; not in the file */
};

/* s is "ADDRESS/PREFIX" with an IPv4 or IPv6 address, as in netdev_use.addresses. */
bool netdev_address_valid(const char *s);
/* Free what u owns and reset it (up unknown). */
void netdev_use_release(struct netdev_use *u);
/*
 * The netdev is in use on the host: up with an address, enslaved, or
 * with upper devices.
 */
bool netdev_use_busy(const struct netdev_use *u);
/*
 * The use in words: "up with address 10.0.0.5/24; enslaved to bridge br0;
 * upper device macvlan0". Owned; NULL when not in use (or out of memory,
 * with errno ENOMEM).
 */
char *netdev_use_describe(const struct netdev_use *u);

/* A netdev's MTU and the range its driver takes (IFLA_MTU, IFLA_MIN_MTU, IFLA_MAX_MTU); 0: unknown.
 */
struct netdev_mtu {
	unsigned mtu, min, max;
};

struct vf_state {
	unsigned id;	       /* index N of the PF's virtfnN link */
	char *address;	       /* "0000:0b:10.0" */
	char *driver;	       /* bound driver; NULL: none */
	char *driver_override; /* NULL: none */
	char *interface;       /* netdev name; NULL: none */
	struct vf_link link;   /* as the PF reports it (IFLA_VFINFO_LIST); unset: unknown */
	struct netdev_use use; /* of interface, when there is one */
	struct vf_stats stats; /* traffic counters from the PF (IFLA_VF_STATS); none: unknown */
	struct netdev_mtu mtu; /* of interface, when there is one */
};

/* A VF with every link setting unknown (-1), no strings and no host use. */
void vf_state_init(struct vf_state *v, unsigned id);

struct sriov_state {
	unsigned total_vfs;    /* sriov_totalvfs */
	unsigned num_vfs;      /* sriov_numvfs */
	int drivers_autoprobe; /* -1 unknown, 0, 1 */
	int offset;	       /* sriov_offset; -1 unknown */
	int stride;	       /* sriov_stride; -1 unknown */
	char *vf_device;       /* sriov_vf_device, "10ca"; NULL unknown */
	char *vf_name;	       /* the VFs' name from pci.ids, informative; NULL unknown */
	/* sriov_vf_total_msix: the MSI-X vectors the PF can give its VFs (mlx5); preflight */
	bool has_vf_total_msix; /* false: unknown (the kernel shows it for few drivers) */
	unsigned vf_total_msix;
	/* devlink's eswitch mode; ESWITCH_MODE_UNSET: not asked, or the driver has none */
	enum eswitch_mode eswitch_mode;
	struct vf_state *vfs;  /* sorted by id */
	size_t n_vfs;
};

/* A PCI device: an SR-IOV PF (is_pf) or any other device of interest. */
struct pci_dev_state {
	char *address;	   /* "0000:0b:00.0" */
	char *vendor;	   /* "8086" */
	char *device;	   /* "10c9" */
	char *name;	   /* from pci.ids, informative; NULL unknown */
	char *driver;	   /* NULL: no driver bound */
	char **interfaces; /* netdev names, sorted */
	size_t n_interfaces;
	bool is_pf;		  /* has sriov_totalvfs */
	struct sriov_state sriov; /* valid when is_pf */
	int iommu_group;	  /* the iommu_group link's N; -1 unknown (no IOMMU) */
	struct netdev_mtu mtu;	  /* of interfaces[0] (a PF's netdev) */
};

/* A device in an IOMMU group (/sys/kernel/iommu_groups/N/devices/). */
struct iommu_member {
	char *address; /* "0000:65:00.1" */
	int class;     /* the class attribute, 0x040300; -1 unknown */
	char *driver;  /* NULL: no driver bound */
};

/*
 * An IOMMU group: VFIO hands a guest all of it, so each endpoint member
 * must go to the same guest or be held by vfio-pci or pci-stub.
 */
struct iommu_group {
	unsigned id;
	struct iommu_member *members; /* sorted by address */
	size_t n_members;
};

/* A PCI bridge (class 0x0604xx): harmless in a group given to a guest. */
static inline bool pci_class_is_bridge(int class)
{
	return class >= 0 && (class >> 8) == 0x0604;
}

struct module_param {
	char *key;
	char *value;
};

/* An option set for a module by a modprobe.d file or the kernel command line. */
struct module_conf {
	char *key;
	char *value;  /* "" for a parameter without '=' */
	char *source; /* the file's path (without --root), or "kernel command line" */
};

/* Whether a module can be loaded at all; 0 (not looked up) so that a zeroed state is unknown. */
enum module_presence {
	MODULE_PRESENCE_UNKNOWN = 0,
	MODULE_PRESENCE_FOUND,	 /* kmod finds it (a module file or built in), or it is loaded */
	MODULE_PRESENCE_MISSING, /* neither: modprobe would fail */
};

struct module_state {
	char *name;
	bool loaded;
	enum module_presence presence; /* observed for a preflight only */
	struct module_param *params; /* /sys/module/NAME/parameters, sorted by key */
	size_t n_params;
	/*
	 * Every option modprobe would pass at the next load, in kmod's order
	 * (files by name across the modprobe.d directories, then the kernel
	 * command line): the last one of a key wins. Not sorted.
	 */
	struct module_conf *conf;
	size_t n_conf;
};

/* A modprobe.d file that matters to the spec. content NULL: absent. */
struct file_state {
	char *path; /* absolute, as on the host (without --root) */
	char *content;
};

/* A device assigned to a guest, parsed from domain XML. */
struct guest_dev_state {
	enum device_type type;	/* interface type='hostdev' or hostdev */
	char *address;		/* source PCI address, normalised "0000:0b:10.0" */
	char *mac;		/* NULL: none */
	int vlan;		/* -1: no <vlan> */
	char *virtualport_type; /* NULL: none */
	char *profileid;	/* NULL: none */
	bool managed;
	/*
	 * <interface type='network'><source network='NAME'/>: a VF taken from
	 * a libvirt pool (struct network_state); address is then the VF the
	 * pool handed out (live XML) or NULL. NULL for every other device.
	 */
	char *network;
};

/* Free what g owns and reset it (vlan -1). */
void guest_dev_state_release(struct guest_dev_state *g);

struct domain_state {
	char *name;
	bool running;
	char *xml;		      /* persistent definition; NULL if transient */
	char *live_xml;		      /* live definition; NULL when not running */
	struct guest_dev_state *devs; /* parsed from xml */
	size_t n_devs;
	struct guest_dev_state *live_devs; /* parsed from live_xml */
	size_t n_live_devs;
	struct guest_dev_state *nets; /* interfaces on a network (network set), from xml */
	size_t n_nets;
	struct guest_dev_state *live_nets; /* the same from live_xml */
	size_t n_live_nets;
};

/* What the running kernel says of itself: observed for a preflight only (doctor). */
struct kernel_state {
	char *cmdline; /* /proc/cmdline (under the file root); NULL unknown */
	int iommu;     /* /sys/kernel/iommu_groups has groups: -1 unknown, 0, 1 */
};

/*
 * A libvirt network. Those with <forward mode='hostdev'> are VF pools:
 * libvirt hands one of their VFs to each guest interface of type
 * 'network' on them. Parsed from live_xml when active, else from xml.
 */
struct network_state {
	char *name;
	bool active;
	bool persistent;
	bool autostart;
	char *xml;	       /* persistent definition (inactive XML); NULL if transient */
	char *live_xml;	       /* when active; NULL otherwise */
	bool hostdev;	       /* <forward mode='hostdev'> */
	char *pf;	       /* <pf dev='IF'/>; NULL: none */
	int managed;	       /* <forward managed='yes'>: -1 unknown, 0, 1 */
	int vlan;	       /* <vlan><tag id=/>; -1 none */
	char **vfs;	       /* <forward><address/>: the VFs it lists, "0000:0b:10.0" */
	unsigned *connections; /* per vfs[i]: guests given it (live XML) */
	size_t n_vfs;
};

/* Free what n owns and reset it. */
void network_state_release(struct network_state *n);
/* Parse n->live_xml (active) or n->xml into its fields (domxml.c). */
int network_state_parse(struct network_state *n);

struct host {
	char *hostname;
	struct kernel_state kernel; /* host_new() sets it unknown */
	struct pci_dev_state *pci; /* sorted by address */
	size_t n_pci;
	struct module_state *modules; /* sorted by name */
	size_t n_modules;
	struct file_state *files; /* sorted by path */
	size_t n_files;
	bool libvirt_ok;	      /* domains were observed (libvirt reachable) */
	char *libvirt_error;	      /* why not, when libvirt could not be reached; else NULL */
	char *libvirt_version;	      /* "9.0.0", preflight only; NULL unknown */
	struct domain_state *domains; /* sorted by name */
	size_t n_domains;
	struct iommu_group *iommu_groups; /* of the devices in pci; sorted by id */
	size_t n_iommu_groups;
	struct network_state *networks; /* libvirt networks, when libvirt_ok; sorted by name */
	size_t n_networks;
};

/* An empty host, every fact unknown. */
struct host *host_new(void);
void host_free(struct host *h);
static inline void host_freep(struct host **h)
{
	host_free(*h);
}

/* Lookups; NULL when absent. host_find_pci and host_find_domain bisect the sorted arrays. */
const struct pci_dev_state *host_find_pci(const struct host *h, const char *address);
/* The PF with that address or netdev name. */
const struct pci_dev_state *host_find_pf(const struct host *h, const char *pci_or_interface);
/* The VF with that address, and its PF in *ret_pf (may be NULL). */
const struct vf_state *host_find_vf(const struct host *h, const char *address,
				    const struct pci_dev_state **ret_pf);
/* The module of that name, '-' and '_' alike as kmod compares them. */
const struct module_state *host_find_module(const struct host *h, const char *name);
const char *module_state_param(const struct module_state *m, const char *key);
const struct file_state *host_find_file(const struct host *h, const char *path);
const struct domain_state *host_find_domain(const struct host *h, const char *name);
const struct iommu_group *host_find_iommu_group(const struct host *h, unsigned id);
const struct network_state *host_find_network(const struct host *h, const char *name);
/*
 * The pool that handed VF addr out, and the running guest it went to
 * (*ret_dom, NULL when only the network's connection count says so).
 * NULL when no active pool gave it to anybody.
 */
const struct network_state *host_vf_handed_out(const struct host *h, const char *addr,
					       const struct domain_state **ret_dom);
/* Free what g owns. */
void iommu_group_release(struct iommu_group *g);

/*
 * The address of VF n of a PF from its offset and stride (for VFs not
 * created yet), as the kernel computes it: routing id = pf + offset +
 * n * stride. Returns an owned string, NULL if offset/stride are unknown.
 */
char *pf_vf_address(const struct pci_dev_state *pf, unsigned n);

/* libvirt node-device name of a PCI address: "pci_0000_0b_10_0". Owned. */
char *pci_nodedev_name(const char *address);

/* Sort every array into the documented order (after building a host). */
void host_sort(struct host *h);

/* The interface on network (with MAC mac unless NULL) among v[0..n), NULL if none. */
const struct guest_dev_state *guest_net_find(const struct guest_dev_state *v, size_t n,
					     const char *network, const char *mac);
/*
 * dom's interface on network (with MAC mac unless NULL) in its live XML:
 * one that names the network, or the VF that network handed out to it
 * (libvirt writes that as <interface type='hostdev'>). NULL if none.
 */
const struct guest_dev_state *domain_live_net(const struct host *h, const struct domain_state *dom,
					      const char *network, const char *mac);
/* The device with that source address among v[0..n), NULL if none. */
const struct guest_dev_state *guest_dev_find(const struct guest_dev_state *v, size_t n,
					     const char *address);

/* SPDX-License-Identifier: MIT */
/*
 * The desired-state file (schema v1): what the admin wants the host to be.
 *
 * Every optional field has an explicit "unset" that is never the same as
 * "off": -1 for ints and tristates, UINT_MAX for counts, NULL for strings.
 * An unset field means "leave it as found".
 */
#pragma once

#include <limits.h>
#include <stdbool.h>

#include "devlink.h"
#include "diag.h"
#include "vflink.h"

#define SPEC_UNSET UINT_MAX

enum pf_method {
	PF_METHOD_SYSFS = 0, /* default: sriov_numvfs */
	PF_METHOD_MODULE,    /* count also persisted as a module option */
};

enum device_type {
	DEVICE_INTERFACE = 0, /* <interface type='hostdev'> */
	DEVICE_HOSTDEV,	      /* <hostdev mode='subsystem' type='pci'> */
};

/* Per-VF settings: pfs[].vfs[]. */
struct vf_spec {
	unsigned id;	       /* VF index, < num-vfs of the PF */
	struct vf_link link; /* the link settings asked; unset parts are left as found */
	char *driver;	       /* NULL unset; overrides the PF's vf-driver */
	unsigned mtu; /* the VF netdev's MTU, SPEC_MTU_MIN..MAX; 0 unset (overrides vf-mtu) */
	struct src_loc loc;    /* the list item */
	struct src_loc mtu_loc;
};

/* A physical function: pfs[]. Exactly one of pci, interface is set. */
struct pf_spec {
	char *pci;	  /* "0000:0b:00.0", normalised lowercase; NULL if by interface */
	char *interface;  /* NULL if matched by pci */
	unsigned num_vfs; /* SPEC_UNSET: not given, leave as found */
	enum pf_method method;
	int drivers_autoprobe; /* -1 unset, 0, 1 */
	char *vf_driver;       /* NULL unset; driver for every VF */
	unsigned mtu;	       /* the PF netdev's MTU; 0 unset */
	unsigned vf_mtu;       /* the MTU of every VF netdev; 0 unset */
	enum eswitch_mode eswitch_mode; /* devlink's; ESWITCH_MODE_UNSET: leave as found */
	struct vf_spec *vfs;   /* sorted by id */
	size_t n_vfs;
	struct src_loc loc; /* the list item */
	struct src_loc num_vfs_loc;
	struct src_loc mtu_loc, vf_mtu_loc;
	struct src_loc eswitch_mode_loc;
};

/* MTUs a file may ask: IPv4's minimum to the largest the kernel takes (ETH_MAX_MTU). */
#define SPEC_MTU_MIN 68
#define SPEC_MTU_MAX 65535

/*
 * vfio-pci or pci-stub: a driver that holds a device for a guest and gives
 * it no netdev on the host (so no MTU either).
 */
bool driver_is_passthrough(const char *driver);

struct module_option {
	char *key;   /* e.g. "max_vfs" */
	char *value; /* rendered as text ("7", "7,7"); the file holds text anyway */
	struct src_loc loc;
};

/* A kernel module: modules.NAME. */
struct module_spec {
	char *name;		       /* no '/', no "..", [A-Za-z0-9_-]+ */
	struct module_option *options; /* in file order */
	size_t n_options;
	char *file;	 /* absolute, /etc/modprobe.d/...conf; defaulted */
	bool file_given; /* file: was in the spec (sriovctl may then edit it) */
	bool reload;	 /* reload: true allows unloading now */
	struct src_loc loc;
};

/* A device for a guest: guests.NAME.devices[]. */
struct guest_device {
	char *vf_pf;		/* vf: {pf: ...}: a declared PF's pci or interface; NULL if pci */
	unsigned vf_id;		/* vf: {id: ...} */
	char *pci;		/* pci: "0000:0b:10.0" (any device); NULL if vf */
	enum device_type type;	/* default: interface for vf:, hostdev for pci: */
	char *mac;		/* NULL unset (interface only) */
	int vlan;		/* -1 unset, 0..4095 (interface only) */
	char *virtualport_type; /* "802.1Qbh"; NULL unset */
	char *profileid;	/* virtualport parameters profileid; NULL unset */
	char *network;		/* network: a libvirt VF pool's name; NULL if vf or pci */
	char *driver;		/* pci: only: the driver to bind it to first; NULL unset */
	bool managed;		/* default true: libvirt binds vfio-pci (managed='yes') */
	bool persistent;	/* default true: --config */
	bool live;		/* default true: --live when the guest runs */
	struct src_loc loc;	/* the list item */
	struct src_loc managed_loc; /* managed: false; line 0 when not given */
};

struct guest_spec {
	char *name;
	bool prune; /* detach devices of managed PFs not listed */
	struct guest_device *devices;
	size_t n_devices;
	struct src_loc loc;
};

/*
 * A libvirt VF pool: networks.NAME, a network with <forward mode='hostdev'>
 * and <pf dev='...'/> that hands a VF of the PF to each guest interface
 * on it.
 */
struct network_spec {
	char *name;
	char *pf;	/* a declared PF's pci or interface (normalised) */
	bool managed;	/* default true: libvirt binds vfio-pci as it hands a VF out */
	int vlan;	/* -1 unset, 0..4095 */
	bool autostart; /* default true */
	struct src_loc loc;
	struct src_loc pf_loc;
};

struct spec {
	char *path;		     /* as given to spec_load; src_loc.file points here */
	unsigned version;	     /* always 1 once loaded */
	char *host;		     /* NULL: no hostname guard */
	char *libvirt_uri;	     /* NULL: not given */
	struct module_spec *modules; /* sorted by name */
	size_t n_modules;
	struct pf_spec *pfs; /* in file order */
	size_t n_pfs;
	struct guest_spec *guests; /* sorted by name */
	size_t n_guests;
	struct network_spec *networks; /* sorted by name */
	size_t n_networks;
	struct src_loc host_loc;
	char **merged; /* paths of the files merged into this one (spec-merge.h); owned */
	size_t n_merged;
};

/*
 * Load and validate a desired-state file. Every problem found is recorded
 * in d with its place; on any error nothing is returned and the result is
 * negative (-EINVAL for an invalid file, -errno for I/O). On success *ret
 * owns a spec to be freed with spec_free().
 */
int spec_load(const char *path, struct diag *d, struct spec **ret);

/* The same from memory; name is used in diagnostics. */
int spec_load_buffer(const char *name, const char *buf, size_t len, struct diag *d,
		     struct spec **ret);

void spec_free(struct spec *s);
static inline void spec_freep(struct spec **s)
{
	spec_free(*s);
}

/* Lookups; return NULL when absent. */
const struct pf_spec *spec_find_pf(const struct spec *s, const char *pci_or_interface);
const struct module_spec *spec_find_module(const struct spec *s, const char *name);
const struct vf_spec *pf_spec_find_vf(const struct pf_spec *pf, unsigned id);
const struct network_spec *spec_find_network(const struct spec *s, const char *name);

/* Syntax checks shared with the host-state loader. */
bool pci_address_valid(const char *s); /* DDDD:BB:SS.F, lowercase or upper hex */
/* Normalise a PCI address to lowercase with domain; NULL if invalid. Owned. */
char *pci_address_normalize(const char *s);
bool mac_address_valid(const char *s); /* six hex pairs with ':' */
bool mac_address_multicast(const char *s);
/* What both loaders say after "malformed PCI address 'x' " / "malformed MAC address 'x' ". */
#define PCI_ADDRESS_EXPECTED "(expected DDDD:BB:DD.F, e.g. 0000:0b:00.0)"
#define MAC_ADDRESS_EXPECTED "(expected six hex pairs, e.g. 52:54:00:6d:90:02)"

const char *device_type_to_string(enum device_type t);
/*
 * Why a libvirt URI may not come from a desired-state file, or NULL when
 * it may. A file is untrusted input: its URI must be local and name
 * nothing to run, connect to or read (qemu:///system, qemu:///session,
 * test:///default); a transport (qemu+ext, +ssh, +tcp ...), a host or
 * any query parameter (command=, socket=, keyfile= ...) is refused. Any
 * URI stays possible on the command line. Owned string ("uses transport
 * 'ext'; query parameter 'command' names a program, socket or key").
 */
char *spec_libvirt_uri_refusal(const char *uri);

/*
 * Why a guest name is not one libvirt accepts, or NULL: libvirt refuses
 * an empty name and one with '/' or a newline; sriovctl also refuses any
 * control character, so a name can never forge a line of output. Static.
 */
const char *spec_guest_name_refusal(const char *name);

/* SPDX-License-Identifier: MIT */
/*
 * Private to the desired-state loader: spec.c (top level), its section
 * readers (spec-pfs.c, spec-guests.c), its value getters (spec-values.c)
 * and its checks across places (spec-check.c): the loader state with the
 * records of where each VF, device and MAC was named while the YAML tree
 * was walked.
 */
#pragma once

#include <stdint.h>

#include "spec.h"
#include "ycheck.h"

/* A VF named in pfs[].vfs[]. */
struct vf_ref {
	size_t pf;
	size_t seq;
	unsigned id;
	const struct ynode *id_node;
	const char *mac;
	const struct ynode *mac_node;
};

/* A device named in guests.NAME.devices[]. */
struct dev_ref {
	size_t seq;
	const char *guest;   /* the guest's name (key text) */
	const char *pf_name; /* vf: {pf:}, normalised; NULL for pci: */
	const struct ynode *pf_node;
	unsigned id;
	const struct ynode *id_node;
	const char *pci;	  /* pci:; NULL for vf: */
	const struct ynode *node; /* the vf: or pci: value */
	const char *mac;
	const struct ynode *mac_node;
	size_t pf; /* resolved; SIZE_MAX: unknown */
};

/* Who uses a MAC: a device key and where. */
struct mac_ref {
	size_t seq;
	const char *mac;
	const struct ynode *node;
	size_t pf; /* SIZE_MAX for a pci: device or a device on a network */
	unsigned id;
	const char *pci;
	const char *network; /* a device on this VF pool: each is a device of its own */
	const char *guest;   /* with network: the guest it is given to */
};

struct loader {
	struct ycheck y; /* diagnostics, out-of-memory flag */
	struct spec *s;
	struct vf_ref *vfs;
	size_t n_vfs, cap_vfs;
	struct dev_ref *devs;
	size_t n_devs, cap_devs;
	struct mac_ref *net_macs; /* the MACs of devices on a network (network: NAME) */
	size_t n_net_macs, cap_net_macs;
	size_t seq;
	const struct ynode **pf_nodes;	   /* per PF: its pci/interface value, else the item */
	const struct ynode **module_keys;  /* per module: its name (key) */
	const struct ynode **module_files; /* per module: its file: value; NULL if not given */
	bool broken_pf; /* a PF without a usable name: unresolved references are expected */
};

#define MODPROBE_DIR  "/etc/modprobe.d/"
#define MAX_VFS	      65535u	   /* sriov_totalvfs is 16 bits */
#define MAX_RATE      4294967295LL /* IFLA_VF_RATE carries u32 Mbit/s */
#define MAX_PROFILEID 39	   /* libvirt's profileid buffer holds 40 bytes */

/* Report key as unknown among keys (an array) "in WHERE", with a suggestion. */
#define UNKNOWN(ld, key, keys, where) yunknown_key(&(ld)->y, key, keys, ARRAY_SIZE(keys), where)

/* "0000:0b:00.0" or the interface name of a PF, for messages. */
const char *pf_label(const struct pf_spec *pf);

/* ---- values (spec-values.c) ---- */

/* Normalise s into out (lowercase, with domain); false if s is not a PCI address. */
bool spec_pci_norm(const char *s, char out[24]);
/* [A-Za-z0-9_]+ (module, driver and option names); extra adds allowed characters. */
bool spec_name_valid(const char *s, const char *extra);
/* As the kernel's dev_valid_name(). */
bool spec_ifname_valid(const char *s);
/* An absolute path directly in /etc/modprobe.d/, NAME.conf, NAME harmless. */
bool spec_modprobe_file_valid(const char *s);

/*
 * Getters of a checked value at v (the value of key) into *out (owned,
 * replacing what was there); false with an error at v when it is not one.
 */
bool spec_get_pci(struct loader *ld, const struct ynode *key, const struct ynode *v, char **out);
bool spec_get_mac(struct loader *ld, const struct ynode *key, const struct ynode *v, char **out);
bool spec_get_driver(struct loader *ld, const struct ynode *key, const struct ynode *v, char **out);
bool spec_get_ifname(struct loader *ld, const struct ynode *key, const struct ynode *v, char **out);
/* True if item is a mapping, else an error naming what it should be. */
bool spec_item_is_mapping(struct loader *ld, const struct ynode *item, const char *what);

/* ---- section readers (spec-pfs.c, spec-guests.c) ---- */

/* Read one item of 'pfs:' into the next of ld->s->pfs (allocated by the caller). */
void spec_load_pf(struct loader *ld, const struct ynode *item);
/* Read module key: v into the next of ld->s->modules (allocated by the caller). */
void spec_load_module(struct loader *ld, const struct ynode *key, const struct ynode *v);
/* Read guest key: v into the next of ld->s->guests (allocated by the caller). */
/*
 * The name of a guest or network (kind) in key, into *ret (kept even when
 * refused, so that the spec frees it): true when it follows libvirt's
 * rules and v is a mapping to read; an error at key otherwise.
 */
bool spec_libvirt_name(struct loader *ld, const char *kind, const struct ynode *key,
		       const struct ynode *v, char **ret);
void spec_load_guest(struct loader *ld, const struct ynode *key, const struct ynode *v);

/* Read network key: v into the next of ld->s->networks (allocated by the caller). */
void spec_load_network(struct loader *ld, const struct ynode *key, const struct ynode *v);
/* Each network's pf: a PF declared in 'pfs'. Errors go to ld->y. */
void spec_check_networks(struct loader *ld);

/*
 * The checks that relate several places: duplicate PFs, VFs that do not
 * exist or are listed twice, a VF or device given to two guests, a MAC on
 * two devices, two modules kmod takes for one, two modules in one file.
 * Errors go to ld->y.
 */
void spec_check_across(struct loader *ld);

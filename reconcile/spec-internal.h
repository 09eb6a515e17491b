/* SPDX-License-Identifier: MIT */
/*
 * Private to the desired-state loader (spec.c) and its checks across
 * places (spec-check.c): the records of where each VF, device and MAC was
 * named while the YAML tree was walked.
 */
#pragma once

#include <stdint.h>

#include "spec.h"
#include "yamlutil.h"

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
	size_t pf; /* SIZE_MAX for a pci: device */
	unsigned id;
	const char *pci;
};

struct loader {
	struct ycheck y; /* diagnostics, out-of-memory flag */
	struct spec *s;
	struct vf_ref *vfs;
	size_t n_vfs, cap_vfs;
	struct dev_ref *devs;
	size_t n_devs, cap_devs;
	size_t seq;
	const struct ynode **pf_nodes;	   /* per PF: its pci/interface value, else the item */
	const struct ynode **module_keys;  /* per module: its name (key) */
	const struct ynode **module_files; /* per module: its file: value; NULL if not given */
	bool broken_pf; /* a PF without a usable name: unresolved references are expected */
};

/* "0000:0b:00.0" or the interface name of a PF, for messages. */
const char *pf_label(const struct pf_spec *pf);

/*
 * The checks that relate several places: duplicate PFs, VFs that do not
 * exist or are listed twice, a VF or device given to two guests, a MAC on
 * two devices, two modules kmod takes for one, two modules in one file.
 * Errors go to ld->y.
 */
void spec_check_across(struct loader *ld);

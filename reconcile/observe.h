/* SPDX-License-Identifier: MIT */
/*
 * Observing the live host: PCI devices and SR-IOV through libudev and
 * libpci, modules and modprobe.d through libkmod and the files, VF link
 * settings through rtnetlink, guests through libvirt.
 */
#pragma once

#include "diag.h"
#include "host.h"

struct observe_opts {
	const char *root;	    /* file root for modprobe.d, proc/cmdline; NULL: "/" */
	const char *libvirt_uri;    /* NULL: no guests observed */
	bool libvirt_required;	    /* an unreachable libvirt is an error, else a warning */
	const char *const *modules; /* module names whose state matters */
	size_t n_modules;
	/*
	 * PFs (address or interface) with method: module: their drivers'
	 * modules and those modules' default files matter too.
	 */
	const char *const *module_pfs;
	size_t n_module_pfs;
	const char *const *files; /* modprobe.d paths whose content matters */
	size_t n_files;
	const char *const *pci; /* extra PCI addresses to observe (passthrough) */
	size_t n_pci;
	/*
	 * Also what any plan may read: the modules of the drivers bound to
	 * every observed device and VF, every /etc/modprobe.d NAME.conf that
	 * mentions an observed module, and the PCI devices guests hold.
	 */
	bool complete;
	/*
	 * Of a complete observation, leave out the modules no one asked for
	 * (the bound drivers'): a plan of a file reads only the modules it
	 * names, and a file that names none then looks at no module at all
	 * (libkmod is not loaded).
	 */
	bool named_modules_only;
	/*
	 * Also what a preflight (doctor) reads: the kernel command line and
	 * whether it has IOMMU groups, each PF's sriov_vf_total_msix, whether
	 * kmod finds each observed module, libvirt's version.
	 */
	bool preflight;
	/*
	 * The netdevs' MTUs: every PF's netdev is asked (also one without
	 * VFs), and the VF netdevs' come from one RTM_GETLINK dump. Without
	 * it the MTUs of PFs with VFs are still known (their answer has it).
	 */
	bool mtu;
	/*
	 * The VFs' counters (IFLA_VF_STATS), asked only of the PFs whose
	 * driver keeps them (driver_has_vf_stats()): the others' would read 0.
	 */
	bool vf_stats;
	/*
	 * Each PF's devlink eswitch mode (one worker asks them all); a PF
	 * whose driver has none keeps it unknown, quietly.
	 */
	bool eswitch;
};

/* Observe the live host, without device names. *ret owns the host. */
int host_observe(const struct observe_opts *o, struct diag *d, struct host **ret);

/*
 * The guests' listing (o->libvirt_uri), begun ahead of an observation:
 * host_observe_with() takes its result instead of listing them itself.
 * For a caller that knows the guests will not change any more while it
 * waits for something else (apply: the VF counts its verification
 * observes). What the listing says, the observation says. -ENOMEM, or 0
 * (a failure to list is the observation's, as it would have been).
 */
struct observe_guests;
int observe_guests_begin(const struct observe_opts *o, struct observe_guests **ret);
void observe_guests_free(struct observe_guests *g);
int host_observe_with(const struct observe_opts *o, struct observe_guests *early, struct diag *d,
		      struct host **ret);

/*
 * Fill the names of h's devices and VFs that have none from pci.ids
 * ("82576 Gigabit Network Connection"); unknown ids keep none. Only for
 * output that prints them: reading pci.ids costs more than observing.
 * 0 or -ENOMEM.
 */
int host_lookup_names(struct host *h);

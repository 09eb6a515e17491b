/* SPDX-License-Identifier: MIT */
/*
 * A desired-state file's reach on a host: which host it is for (its
 * host: guard) and what of that host to observe so that every plan of it
 * reads only observed facts. Every front end decides both here, so that
 * `plan`, `apply`, `show` and `qemu-args` observe alike, and a host
 * captured with `show --format state` plans as the live one.
 */
#pragma once

#include "host.h"
#include "observe.h"
#include "plan.h"
#include "spec.h"

#define SRIOVCTL_DEFAULT_LIBVIRT_URI "qemu:///system"

/* The libvirt URI: override (--libvirt) if given, else the file's, else the default. */
const char *scope_libvirt_uri(const struct spec *s, const char *override);

struct observe_scope {
	struct observe_opts opts;	      /* for host_observe(); points into the arrays below */
	const char **modules, **files, **pci; /* owned arrays of strings borrowed from s */
	const char **module_pfs;
};

/*
 * The observation for s (NULL: no file, e.g. `show` capturing a host): a
 * complete one (observe_opts.complete), plus the modules and modprobe.d
 * files s names, vfio-pci and the modules with a VF-count option, and the
 * devices its guests name. libvirt is required when s has guests. root and
 * libvirt_uri are borrowed. Returns 0 or -ENOMEM; release with
 * observe_scope_release() either way.
 */
int observe_scope_init(struct observe_scope *sc, const struct spec *s, const char *root,
		       const char *libvirt_uri);
void observe_scope_release(struct observe_scope *sc);
static inline void observe_scope_releasep(struct observe_scope *sc)
{
	observe_scope_release(sc);
}

/*
 * Narrow sc (observe_scope_init() of s) to what planning s reads, for
 * plan and apply (and its check after): of the modules only s's modules:
 * and the drivers of its method: module PFs, not vfio-pci, the VF-count
 * modules and every bound driver, which a capture holds for the plans of
 * other files. A file without either looks at no module (no libkmod).
 */
void observe_scope_for_plan(struct observe_scope *sc, const struct spec *s);

/*
 * The observation a saved plan's facts need (apply --plan): complete, plus
 * the modules and files its actions name and its guests' devices; libvirt
 * is required when it has guest actions or users, and not asked at all when
 * it has neither nor an action that takes VFs away (plan_takes_vfs()).
 * libvirt_uri NULL: the default. p must outlive sc.
 */
int observe_scope_init_plan(struct observe_scope *sc, const struct plan *p, const char *root,
			    const char *libvirt_uri);

/*
 * The host: guard: 0 if s names no host or h has that hostname, else an
 * error at s's host: in d (-EPERM). state_path is the host-state file h
 * was loaded from, NULL for the live host; a host-state file without a
 * hostname fails the guard of a file with host:.
 */
int host_guard_check(const struct spec *s, const struct host *h, const char *state_path,
		     struct diag *d);

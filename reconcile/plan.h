/* SPDX-License-Identifier: MIT */
/*
 * The planner: a pure function of (spec, host) to an ordered list of
 * actions. No I/O, no globals, deterministic order: by kind (the apply
 * order below), then target, then VF id (bind-driver, set-vf) or device,
 * then field.
 *
 * What each kind carries besides kind/target/reason:
 *   detach, attach        device (PCI address), live, persistent, dev (the
 *                         device as found / as it should be), from/to its
 *                         description; pf and vf_id for a VF of a spec PF
 *   write-modprobe-conf   target: the file; module; from/to: the module's
 *                         options ("max_vfs=7"; from NULL: no file);
 *                         content: the whole new file
 *   reload-module         target and module: the module; from/to:
 *                         "max_vfs=0" -> "max_vfs=7" (from NULL: not loaded)
 *   set-drivers-autoprobe target: the PF; from/to "true"/"false" ("?" unknown)
 *   set-num-vfs           target: the PF; num_from/num_to (and as text)
 *   bind-driver           target and pf: the PF; vf_id; device: the VF
 *                         (NULL when its address is not known yet);
 *                         from: driver, "(none)" or "(new)"; to: driver
 *   set-vf                as bind-driver, plus field: mac, vlan,
 *                         spoof-check, trust, link-state, max-tx-rate,
 *                         min-tx-rate. "vlan" is one setting of the VLAN id
 *                         and, when the spec gives them, qos and protocol:
 *                         "42", "42 qos 3 proto 802.1ad". from "?": the
 *                         host's value is unknown; "(new)": the VF is
 *                         created by this plan.
 * Blocked actions (and actions forced with --force) carry why.
 */
#pragma once

#include "host.h"
#include "spec.h"

/*
 * In the order they are applied. set-drivers-autoprobe comes before
 * set-num-vfs (unlike DESIGN.md's first list): sriov_drivers_autoprobe only
 * affects VFs created after it is written.
 */
enum action_kind {
	ACTION_DETACH = 0,
	ACTION_WRITE_MODPROBE_CONF,
	ACTION_RELOAD_MODULE,
	ACTION_SET_DRIVERS_AUTOPROBE,
	ACTION_SET_NUM_VFS,
	ACTION_BIND_DRIVER,
	ACTION_SET_VF,
	ACTION_ATTACH,
	_ACTION_KIND_MAX,
};

struct action {
	enum action_kind kind;
	char *target;	 /* PF address, module name, file path or domain name */
	char *device;	 /* attach/detach/bind-driver/set-vf: PCI address; else NULL */
	char *field;	 /* set-vf: "mac", "vlan", ...; else NULL */
	char *from, *to; /* rendered values; NULL: none/absent */
	char *reason;	 /* why this change is needed */
	char *why;	 /* blocked actions: why it is not applied */
	bool disruptive; /* destroys or resets something (VFs re-created, module reload) */
	bool live;	 /* attach/detach: affect the running guest */
	bool persistent; /* attach/detach: affect the persistent definition */
	char *pf;	 /* set-vf / bind-driver / attach of a VF: owning PF address */
	int vf_id;	 /* -1 when not a VF */
	/* attach/detach payload: the device as it should be (attach) or is (detach) */
	struct guest_dev_state dev;
	/* write-modprobe-conf: the complete new file content */
	char *content;
	/* set-num-vfs: numbers */
	unsigned num_from, num_to;
	/* the text form prints reason on its own line (e.g. VF address resolution) */
	bool show_reason;
	/* write-modprobe-conf / reload-module: the module name; else NULL */
	char *module;
};

struct plan {
	struct action *changes;
	size_t n_changes, cap_changes;
	struct action *blocked;
	size_t n_blocked, cap_blocked;
};

struct plan_opts {
	bool force; /* blocked actions become changes (with a warning in d) */
};

/*
 * Compute the plan. Problems that make a plan impossible (a PF that does
 * not exist, num-vfs above sriov_totalvfs, a module option that disagrees
 * with num-vfs) are errors in d with the spec's place, and the result is
 * negative. *ret owns the plan.
 */
int plan_compute(const struct spec *s, const struct host *h, const struct plan_opts *o,
		 struct diag *d, struct plan **ret);

void plan_free(struct plan *p);
static inline void plan_freep(struct plan **p)
{
	plan_free(*p);
}

const char *action_kind_to_string(enum action_kind k);

/*
 * modprobe.d content, compared by meaning and read as kmod reads it
 * (continuation lines, module names with '-' and '_' alike): the
 * "options MODULE k=v ..." lines of module in content (NULL: the file is
 * absent). A later value of a key wins, as in modprobe.
 */
/* The module's options as "k=v k2=v2" in *ret (owned; NULL when none). */
int plan_modprobe_conf_options(const char *content, const char *module, char **ret);
/*
 * 1 when every wanted option has its value (and, in a file sriovctl owns,
 * there is no other option of module), 0 when not, negative on error.
 */
int plan_modprobe_conf_matches(const char *content, const char *module,
			       const struct module_param *want, size_t n_want, bool owned);
/*
 * The new content. In a file sriovctl owns, the module's options lines
 * become one line where the first was (appended when none), and a new or
 * owned file starts with a "Managed by sriovctl" line. In anybody else's
 * file only the wanted values change, in place; a missing option is added
 * to the module's last options line; every other byte is kept. *ret is
 * owned.
 */
int plan_modprobe_conf_update(const char *content, const char *module,
			      const struct module_param *want, size_t n_want, bool owned,
			      char **ret);

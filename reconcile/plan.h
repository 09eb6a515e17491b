/* SPDX-License-Identifier: MIT */
/*
 * The planner: a pure function of (spec, host) to an ordered list of
 * actions. No I/O, no globals, deterministic order: by kind (the apply
 * order below), then target, then VF id (bind-driver, set-vf) or device,
 * then attribute.
 *
 * An action is a self-contained, typed command: it carries every value its
 * applier needs (appliers never look at the spec or the host) and the
 * observed facts it was computed from (its "from" values and users), so
 * that a saved plan can be checked against the host before it is applied
 * (plan-check.c). Text and JSON come from one printer per kind
 * (render-plan.c).
 */
#pragma once

#include "host.h"
#include "spec.h"

/*
 * In the order they are applied. set-drivers-autoprobe comes before
 * set-num-vfs (unlike DESIGN.md's first list): sriov_drivers_autoprobe only
 * affects VFs created after it is written. set-eswitch-mode comes before
 * set-num-vfs too: mlx5 and ice change the mode only without VFs, so it
 * removes a PF's VFs first and set-num-vfs creates them in the new mode.
 */
enum action_kind {
	ACTION_DETACH = 0,
	ACTION_WRITE_MODPROBE_CONF,
	ACTION_RELOAD_MODULE,
	ACTION_SET_DRIVERS_AUTOPROBE,
	ACTION_SET_ESWITCH_MODE,
	ACTION_SET_NUM_VFS,
	ACTION_BIND_DRIVER,
	ACTION_SET_VF,
	ACTION_SET_MTU,
	ACTION_DEFINE_NETWORK,
	ACTION_START_NETWORK,
	ACTION_REFRESH_NETWORK,
	ACTION_SET_NETWORK_AUTOSTART,
	ACTION_ATTACH,
	_ACTION_KIND_MAX,
};

/* The VF a bind-driver or set-vf action is about. */
struct action_vf {
	char *pf;	    /* PF address; also bind-driver/set-vf target */
	char *pf_interface; /* set-vf: the PF netdev the settings go through; NULL: none */
	unsigned id;
	bool is_new; /* created by this plan: nothing is known of it before */
};

/* A guest's device at one address in each scope, as observed: the attach's "from". */
struct action_guest_was {
	char *persistent; /* plan_describe_dev() of the device there; NULL: none */
	char *live;	  /* likewise in the running guest; NULL: none or not running */
};

struct action {
	enum action_kind kind;
	char *target;	 /* what the plan line names: PF address, file, module or guest */
	char *device;	 /* attach/detach/bind-driver/set-vf: PCI address (NULL: unknown) */
	char *reason;	 /* why this change is needed */
	char *why;	 /* blocked (or forced) actions: why it would hurt */
	bool disruptive; /* destroys or resets something (VFs re-created, module reload) */
	bool show_reason; /* the text form prints reason on its own line */

	/*
	 * Who uses what this action takes away (set-num-vfs of a PF with VFs,
	 * bind-driver, reload-module): "GUEST DEVICE" or "GUEST DEVICE (live)",
	 * and the host's own use of a VF's netdev, "host DEVICE (IF): USE",
	 * sorted; observed facts, so that a guest given a VF (or a VF put to
	 * use on the host) after the plan was made makes it stale. A strv
	 * (NULL-terminated; NULL when none).
	 */
	char **users;
	size_t n_users;

	/* set-num-vfs */
	struct {
		unsigned from, to;
		char *pf_driver; /* the PF's driver when planned (VFs need one); NULL: none */
	} num;
	/*
	 * set-eswitch-mode: the mode as observed and as wanted, and the PF's VF
	 * count when planned: those VFs are removed before the switch (a
	 * set-num-vfs of the same PF creates them again).
	 */
	struct {
		enum eswitch_mode from, to;
		unsigned vfs;
	} eswitch;
	/* set-drivers-autoprobe: -1 unknown, 0, 1 */
	struct {
		int from, to;
	} autoprobe;
	/* bind-driver, set-vf; attach of a VF of a managed PF (pf and id only) */
	struct action_vf vf;
	/* bind-driver: from NULL: no driver */
	struct {
		char *from, *to;
	} driver;
	/* set-vf: one attribute; from: as observed (unset when new), to: as wanted */
	struct {
		enum vf_attr attr;
		struct vf_link from, to;
	} link;
	/*
	 * set-mtu: target and device are the netdev's PCI address (a PF, or a
	 * VF with vf set); interface its name when known (NULL: a VF this plan
	 * creates or binds, whose netdev the applier finds by address). from:
	 * 0 when unknown; min and max: the driver's range, 0 when unknown.
	 */
	struct {
		char *interface;
		unsigned from, to, min, max;
	} mtu;
	/* write-modprobe-conf (target: the file) and reload-module (target: the module) */
	struct {
		char *module;
		char *from, *to;   /* the module's options: "max_vfs=0" -> "max_vfs=7"; NULL: none */
		char *old_content; /* write: the file as found; NULL: absent */
		char *content;	   /* write: the complete new file */
		bool loaded;	   /* reload: the module is loaded (from) */
		char *load_options; /* reload: the options it is loaded with; NULL: none */
		char **pfs;	   /* reload: the PFs of that driver, waited for after the load */
		size_t n_pfs, cap_pfs;
	} module;
	/*
	 * define-network, start-network, refresh-network (destroy and start:
	 * libvirt reads a <pf> pool's VFs when it starts),
	 * set-network-autostart; target: the network.
	 */
	struct {
		char *xml;	    /* define: the new definition */
		char *old_xml;	    /* define: the persistent definition found; NULL: none */
		char *pf;	    /* the pool's PF address; NULL: unknown */
		char *pf_interface; /* its <pf dev=> */
		bool active;	    /* from: the network was active */
		unsigned vfs_from;  /* refresh: the VFs the running pool lists */
		unsigned vfs_to;    /* refresh: the PF's VF count after this plan */
		int autostart_from, autostart_to; /* set-network-autostart: -1, 0, 1 */
	} net;
	/* attach/detach (a device on a network: device NULL, guest.dev.network set) */
	struct {
		bool live;		     /* affect the running guest */
		bool persistent;	     /* affect the persistent definition */
		bool running;		     /* the guest ran when planned */
		struct guest_dev_state dev;  /* attach: as it should be; detach: as found */
		struct action_guest_was was; /* attach: what the address held when planned */
	} guest;
};

/* What a saved plan was computed from (plan -o); all NULL otherwise. */
struct plan_source {
	char *version;	   /* sriovctl's */
	char *hostname;	   /* of the host observed */
	char *spec_path;   /* the desired-state file as given */
	char *spec_sha256; /* its content's digest, hex */
	char *libvirt_uri; /* the libvirt the guests were observed through */
	bool forced;	   /* made with --force */
};

struct plan {
	struct plan_source source;
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
/* Free what a owns and zero it. */
void action_release(struct action *a);
static inline void plan_freep(struct plan **p)
{
	plan_free(*p);
}

/*
 * Read a saved plan (what render_plan_tree() writes with RENDER_PLAN_SAVED)
 * from path, checking every value as the planner would have made it.
 * Errors go to d. *ret owns the plan.
 */
int plan_load(const char *path, struct diag *d, struct plan **ret);
/* The same from len bytes of buf (no NUL needed); name is used in messages. */
int plan_load_buffer(const char *name, const char *buf, size_t len, struct diag *d,
		     struct plan **ret);

const char *action_kind_to_string(enum action_kind k);
/* A guest device in words: "interface, mac ..., vlan 42, virtualport 802.1Qbh profileid finance". Owned. */
char *plan_describe_dev(const struct guest_dev_state *g);
/* The kind named s ("set-num-vfs"), or -EINVAL. */
int action_kind_from_string(const char *s);

/* ---- plan-check.c: an action against a host (pure) ---- */

/*
 * Whether a can take a VF away from whoever uses it: a VF count change from
 * a non-zero count, a rebind of an existing VF, a reload of a loaded module.
 * Only such actions have users (action_users()) or are guarded by them.
 */
bool action_takes_vfs(const struct action *a);

/* Whether libvirt carries out a: guests' devices and the VF pools they take VFs from. */
bool action_is_libvirt(const struct action *a);

/* Whether any action of p (changes or blocked) takes VFs (action_takes_vfs()). */
bool plan_takes_vfs(const struct plan *p);

/*
 * Who uses what a takes away on h (see struct action's users), sorted.
 * *ret is owned, a strv (NULL-terminated, owned strings; NULL when none).
 */
int action_users(const struct action *a, const struct host *h, char ***ret, size_t *ret_n);
/*
 * NULL when h still is what a was planned from (its from values and
 * users); else an owned message naming the first fact that changed:
 * "0000:0b:00.0 num-vfs is 3, the plan was made when it was 0".
 */
char *action_stale(const struct action *a, const struct host *h);
/* NULL when h is what a makes it; else an owned message saying what is not. */
char *action_unmet(const struct action *a, const struct host *h);

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
 * file only the wanted values change, in place (inside the value's
 * quotes); a missing option is added to the module's last options line;
 * every other byte is kept. -EBADMSG when no such edit would be read by
 * the kernel as wanted (a double quote left open in the module's options
 * lines swallows what follows). *ret is owned.
 */
int plan_modprobe_conf_update(const char *content, const char *module,
			      const struct module_param *want, size_t n_want, bool owned,
			      char **ret);

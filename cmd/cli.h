/* SPDX-License-Identifier: MIT */
/*
 * What the commands of sriovctl share: the parsed options, exit codes and
 * the printing of diagnostics. cmd/ owns everything the user sees;
 * reconcile/ never prints.
 */
#pragma once

#include <stdbool.h>

#include "diag.h"
#include "host.h"
#include "lock.h"
#include "plan.h"
#include "spec.h"
#include "util.h"

enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_CHANGES = 2,
	EXIT_BLOCKED = 3,
	EXIT_STALE = 4,
	EXIT_USAGE = 64,
	EXIT_INVALID = 65,
};

struct args {
	const char *file;    /* -f */
	const char *state;   /* --state */
	const char *root;    /* --root, SRIOVCTL_ROOT */
	const char *libvirt; /* --libvirt, SRIOVCTL_LIBVIRT_URI */
	const char *format;  /* --format text|json|state */
	const char *out;     /* plan -o: save the plan */
	const char *plan;    /* apply --plan: apply a saved plan */
	bool quiet, detailed_exitcode, dry_run, force;
	double timeout, lock_timeout;
	/* boot and event runs (cmd/boot.c, doc/boot.md): plan and apply */
	const char *only;  /* --only PF: that PF's actions (address or netdev) */
	const char *scope; /* --scope host|guests|all; NULL: all */
	double wait_pfs;   /* --wait-pfs SEC: wait for the file's PFs first; 0: no */
	int argc;
	char **argv;
};

extern const char *prog;

/* "sriovctl: MESSAGE (see 'sriovctl --help')" on stderr; returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) _printf_(1, 2);
/* Sort and print d on stderr. */
void print_diag(struct diag *d);

/* Load a desired-state file, printing its diagnostics; negative when it is invalid. */
int load_spec(const char *path, struct spec **ret);
/* The libvirt URI: --libvirt, else the file's, else the default. */
const char *libvirt_uri(const struct args *a, const struct spec *s);
/* Observe the host for s (or load --state). Diagnostics go to d. */
int get_host(const struct args *a, const struct spec *s, struct diag *d, struct host **ret);
/* Load the spec, get the host, compute the plan. Returns an exit code, or -1 to go on. */
int load_and_plan(struct args *a, struct spec **ret_s, struct host **ret_h, struct plan **ret_p);
/* The plan on stdout as text or JSON (--format). */
int print_plan(const struct args *a, const struct plan *p);

/* ---- boot.c: --only, --scope, --wait-pfs ---- */

/* A usage error for a boot option that does not fit the rest; -1 when they fit. */
int boot_check_options(const struct args *a);
/* The plan is narrowed (--only, --scope other than all): verify without re-planning. */
bool boot_narrowed(const struct args *a);
/* --scope host: no libvirt is asked (at boot it is not up). */
bool boot_host_only(const struct args *a);
/* --wait-pfs: wait for the PFs of s (or the --only one); what is missing is a warning. */
void boot_wait_pfs(const struct args *a, const struct spec *s);
/* Narrow p for --only and --scope; notes and errors go to d. Negative on error. */
int boot_narrow(const struct args *a, const struct spec *s, const struct host *h, struct plan *p,
		struct diag *d);
/* A progress line on stderr while VFs appear, when it is a TTY and not -q. */
void boot_progress_start(const struct args *a);
/* Clear the progress line, if one was shown. */
void boot_progress_end(void);

static inline void lock_releasep(int *fd)
{
	lock_release(*fd);
}

int cmd_validate(struct args *a);
int cmd_show(struct args *a);
int cmd_plan(struct args *a);
int cmd_apply(struct args *a);
int cmd_qemu_args(struct args *a);

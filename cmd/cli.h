/* SPDX-License-Identifier: MIT */
/*
 * What the commands of sriovctl share: the parsed options, exit codes and
 * the printing of diagnostics. cmd/ owns everything the user sees;
 * reconcile/ never prints.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

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

enum color_mode {
	COLOR_AUTO = 0, /* on a terminal, unless NO_COLOR is set */
	COLOR_NEVER,
	COLOR_ALWAYS,
};

struct command;

struct args {
	const struct command *cmd;
	const char *file;    /* FILE or -f; NULL: the default file and its drop-ins */
	const char *state;   /* --state */
	const char *root;    /* --root, SRIOVCTL_ROOT */
	const char *libvirt; /* --libvirt, SRIOVCTL_LIBVIRT_URI */
	const char *format;  /* --format text|json|state|spec */
	const char *out;     /* plan -o: save the plan; metrics --output */
	const char *plan;    /* apply --plan: apply a saved plan */
	const char *only;    /* plan, apply --only PF: that PF's actions (address or netdev) */
	const char *color;   /* --color never|auto|always, checked by main */
	bool quiet, detailed_exitcode, dry_run, force;
	int verbosity; /* -1 quiet (-q), 0, >0 verbose (-v, -vv) */
	double timeout, lock_timeout;
	/* boot and event runs (cmd/boot.c, doc/boot.md): plan and apply */
	const char *scope; /* --scope host|guests|all; NULL: all */
	double wait_pfs;   /* --wait-pfs SEC: wait for the file's PFs first; 0: no */
	bool libvirt_asked; /* set by load_and_plan: the plan's host was observed with libvirt */
	int argc;	    /* the arguments after the command that are not options */
	char **argv; /* (validate: its files; qemu-args: GUEST) */
};

/* A subcommand: its name, what runs it, the arguments it takes, its help. */
struct command {
	const char *name;
	int (*run)(struct args *a);
	const char *args;    /* "[FILE]", "GUEST [FILE]" ... for the usage line */
	unsigned n_fixed;    /* arguments before the file (qemu-args: GUEST) */
	bool many_files;     /* validate FILE... */
	const char *summary; /* one line */
	const char *help;    /* what it does, a few lines */
};

extern const char *prog;

/*
 * Parse argv into a (options before or after the command). Returns -1 to
 * go on with a->cmd, else an exit code (help, version, usage error).
 */
int parse_args(int argc, char **argv, struct args *a);
/* The help of one command (NULL: the overview) on stdout. */
void print_help(const struct command *cmd);

/* "sriovctl: [CMD: ]MESSAGE (see 'sriovctl [CMD] --help')" on stderr; returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) _printf_(1, 2);

/* What log_msg prints: from errors only (-q) to debug lines (-vv). */
enum log_level {
	LOG_ERR = 3, /* syslog priorities, for journald */
	LOG_WARN = 4,
	LOG_NOTICE = 5,
	LOG_INFO = 6,
	LOG_DEBUG = 7,
};
/* Set up logging for a's verbosity, and journald's priority prefixes when stderr is its stream. */
void log_setup(const struct args *a);
/*
 * A message without a place on stderr: "sriovctl: error: ..." (LOG_ERR),
 * "sriovctl: warning: ..." (LOG_WARN), "sriovctl: ..." (others), after
 * "<N>" under journald; dropped below the verbosity. Always returns -1.
 */
int log_msg(enum log_level level, const char *fmt, ...) _printf_(2, 3);
#define log_error(...)	 log_msg(LOG_ERR, __VA_ARGS__)
#define log_verbose(...) log_msg(LOG_INFO, __VA_ARGS__)
/* Sort and print d on stderr (place-less entries with the prefix), as -q/-v and journald say. */
void print_diag(struct diag *d);
/* Whether plan text on stdout is in colour (--color, NO_COLOR, a terminal). */
bool use_color(const struct args *a);

/* Load a desired-state file, printing its diagnostics; negative when it is invalid. */
int load_spec(const char *path, struct spec **ret);
/*
 * The desired state of a command: a->file, else the default file and its
 * drop-ins merged (under --root). Returns -1 with *ret set, or an exit
 * code (EXIT_INVALID, EXIT_USAGE when there is no file at all).
 */
int load_desired(const struct args *a, struct spec **ret);
/*
 * The default file and its drop-ins under --root, said with -v: -1 with
 * *ret owning n >= 1 paths (spec_paths_free), or an exit code (none: usage).
 */
int default_files(const struct args *a, char ***ret, size_t *ret_n);
/* The libvirt URI: --libvirt, else the file's, else the default. */
const char *libvirt_uri(const struct args *a, const struct spec *s);
/*
 * Observe the host for s (or load --state). Diagnostics go to d. vf_stats:
 * also the VFs' counters, from the drivers that keep them (metrics).
 */
int get_host(const struct args *a, const struct spec *s, bool vf_stats, struct diag *d,
	     struct host **ret);
/* Load the spec, get the host, compute the plan. Returns an exit code, or -1 to go on. */
int load_and_plan(struct args *a, struct spec **ret_s, struct host **ret_h, struct plan **ret_p);
/*
 * Write path whole or not at all: fn(f, arg) fills a temporary file in the
 * same directory, which is synced, given mode and renamed over path, so a
 * reader (node_exporter, apply --plan) never sees half of it. fn returns
 * 0 or -errno. Returns 0 or -errno (the temporary file removed).
 */
int write_file_atomic(const char *path, mode_t mode, int (*fn)(FILE *f, void *arg), void *arg);
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
int cmd_doctor(struct args *a);
int cmd_metrics(struct args *a);
int cmd_help(struct args *a);

/* SPDX-License-Identifier: MIT */
/*
 * The command line: one table of subcommands and one of options, each
 * option naming the commands that take it. An option given to a command
 * that does not take it is a usage error; help is per command.
 */
#include <getopt.h>
#include <math.h>
#include <stddef.h>

#include "cli.h"
#include "scope.h"

enum {
	C_VALIDATE = 1 << 0,
	C_SHOW = 1 << 1,
	C_PLAN = 1 << 2,
	C_APPLY = 1 << 3,
	C_QEMU_ARGS = 1 << 4,
	C_DOCTOR = 1 << 5,
	C_METRICS = 1 << 6,
	C_HELP = 1 << 7,
	C_NONE = 1 << 8, /* before any command: sriovctl --version */
	C_ALL = 0x1ff,
	C_FILE = C_VALIDATE | C_SHOW | C_PLAN | C_APPLY | C_QEMU_ARGS | C_DOCTOR | C_METRICS,
	C_HOST = C_SHOW | C_PLAN | C_APPLY | C_QEMU_ARGS | C_DOCTOR | C_METRICS,
};

static const struct command commands[] = {
    {"validate", cmd_validate, "[FILE...]", 0, true, "check desired-state files",
     "Check desired-state files, each on its own: every error as FILE:LINE:COL: error: ...\n"
     "Without FILE, the default file and its drop-ins, merged."},
    {"show", cmd_show, "[FILE]", 0, false, "the observed host",
     "Print the observed host: PFs, VFs, drivers, netdevs, modules, guests.\n"
     "--format state captures all that a plan reads (with FILE, also what FILE names),\n"
     "for plan --state; --format spec writes the host as a desired-state file."},
    {"plan", cmd_plan, "[FILE]", 0, false, "what apply would do",
     "Print what apply would change to make the host match FILE (default: the default\n"
     "file and its drop-ins)."},
    {"apply", cmd_apply, "[FILE | --plan PLAN]", 0, false, "make the host match",
     "Make the host match FILE (default: the default file and its drop-ins), then verify\n"
     "it does; or carry out a saved plan exactly, refusing it (exit 4) if the host\n"
     "changed since it was made."},
    {"qemu-args", cmd_qemu_args, "GUEST [FILE]", 1, false, "QEMU arguments of a guest",
     "Print QEMU '-device vfio-pci,host=...' arguments of GUEST's devices, one per line:\n"
     "FILE's guest, else its libvirt definition (the running one when it runs)."},
    {"doctor", cmd_doctor, "[FILE]", 0, false, "why SR-IOV will (not) work here",
     "Check the host before changing it, each check ok, warn or fail with its fix: the\n"
     "IOMMU and the kernel command line, each PF's SR-IOV capability, sriov_totalvfs,\n"
     "bus room and MSI-X budget, vfio-pci and the VF drivers, libvirt (when FILE has\n"
     "guests), FILE itself. Without FILE (and no default file): every PF of the host.\n"
     "Exit 1 when a check FILE depends on fails, 65 when FILE is invalid."},
    {"metrics", cmd_metrics, "[FILE]", 0, false, "drift and VF metrics for Prometheus",
     "Print node_exporter textfile metrics: drift (one series per pending or blocked\n"
     "change of FILE's plan), VF counts, VF info and per-VF traffic counters, each\n"
     "labelled with the guest holding the VF."},
    {"help", cmd_help, "[COMMAND]", 1, false, "help on a command", "Print help on COMMAND."},
};

enum opt_kind {
	O_STR,	   /* const char * at off */
	O_FLAG,	   /* bool at off */
	O_CONST,   /* const char * at off := value */
	O_SECONDS, /* double at off */
	O_VERBOSE, /* verbosity += 1 */
	O_QUIET,   /* verbosity = -1, quiet = true */
	O_HELP,
	O_VERSION,
};

/*
 * One option for some commands. A name may have several entries for
 * disjoint sets of commands, each with its own help.
 */
struct opt_def {
	const char *name;
	char short_name; /* 0: none */
	const char *arg; /* NULL: takes no argument */
	unsigned cmds;	 /* C_* */
	enum opt_kind kind;
	size_t off;
	const char *value; /* O_CONST */
	const char *help;
};

#define OFF(f) offsetof(struct args, f)
static const struct opt_def opts[] = {
    {"file", 'f', "FILE", C_FILE, O_STR, OFF(file), NULL,
     "desired-state file (same as the FILE argument)"},
    {"state", 0, "FILE", C_HOST, O_STR, OFF(state), NULL,
     "use a host-state file (show --format state) instead of the live host;\n"
     "FILE's host: must match the captured hostname"},
    {"root", 0, "DIR", C_FILE, O_STR, OFF(root), NULL,
     "file root for /etc/sriovctl and /etc/modprobe.d (env SRIOVCTL_ROOT); the\n"
     "lock stays /run/sriovctl.lock, the hostname the real one"},
    {"libvirt", 0, "URI", C_HOST, O_STR, OFF(libvirt), NULL,
     "libvirt URI (env SRIOVCTL_LIBVIRT_URI; default from the file, "
     "else " SRIOVCTL_DEFAULT_LIBVIRT_URI ")"},
    {"json", 0, NULL, C_VALIDATE, O_CONST, OFF(format), "json",
     "one JSON object per file and line, {file, valid, diagnostics}; nothing on stderr"},
    {"json", 0, NULL, C_SHOW | C_PLAN | C_APPLY, O_CONST, OFF(format), "json",
     "same as --format json"},
    {"json", 0, NULL, C_DOCTOR, O_CONST, OFF(format), "json",
     "{\"checks\": [{name, status, required, detail, fix}...]}; same as --format json"},
    {"format", 0, "FMT", C_DOCTOR, O_STR, OFF(format), NULL, "text (default) or json"},
    {"format", 0, "FMT", C_VALIDATE, O_STR, OFF(format), NULL, "text (default) or json"},
    {"format", 0, "FMT", C_PLAN, O_STR, OFF(format), NULL,
     "text (default), json, or dot (Graphviz: the host with the changes marked)"},
    {"format", 0, "FMT", C_APPLY, O_STR, OFF(format), NULL,
     "text (default) or json: JSON lines, the plan, one event per action, a summary"},
    {"format", 0, "FMT", C_SHOW, O_STR, OFF(format), NULL,
     "text (default), json, state (a host-state file for --state), spec (the\n"
     "host as a desired-state file) or dot (Graphviz: PFs, VFs, guests)"},
    {"detailed-exitcode", 0, NULL, C_PLAN, O_FLAG, OFF(detailed_exitcode), NULL,
     "exit 2 when the host does not match (changes or blocked changes)"},
    {"out", 'o', "PLAN", C_PLAN, O_STR, OFF(out), NULL,
     "also save the plan, with what it was made from, for apply --plan"},
    {"output", 0, "FILE", C_METRICS, O_STR, OFF(out), NULL,
     "write the metrics to FILE instead of stdout, atomically (a temporary file in\n"
     "its directory, renamed): for node_exporter's textfile collector"},
    {"plan", 0, "PLAN", C_APPLY, O_STR, OFF(plan), NULL,
     "apply a saved plan exactly, or exit 4 if the host changed since it was made"},
    {"only", 0, "PF", C_PLAN | C_APPLY, O_STR, OFF(only), NULL,
     "only the actions of one PF (PCI address or interface) and of the guest\n"
     "devices that depend on it; no module actions"},
    {"scope", 0, "SCOPE", C_PLAN | C_APPLY, O_STR, OFF(scope), NULL,
     "host (libvirt is not asked: VFs, drivers, VF settings, modprobe.d), guests\n"
     "(attach, detach) or all (default); see doc/boot.md"},
    {"wait-pfs", 0, "SEC", C_PLAN | C_APPLY, O_SECONDS, OFF(wait_pfs), NULL,
     "first wait up to SEC for the file's PFs to exist with a driver bound (at boot)"},
    {"dry-run", 0, NULL, C_APPLY, O_FLAG, OFF(dry_run), NULL, "print the plan, change nothing"},
    {"force", 0, NULL, C_PLAN, O_FLAG, OFF(force), NULL,
     "plan blocked changes as changes (a saved plan records it)"},
    {"force", 0, NULL, C_APPLY, O_FLAG, OFF(force), NULL,
     "apply blocked changes too (takes devices from guests)"},
    {"timeout", 0, "SEC", C_APPLY, O_SECONDS, OFF(timeout), NULL,
     "wait at most SEC for VFs to appear, for each kernel write and each libvirt\n"
     "call (default 120)"},
    {"timeout", 0, "SEC", C_SHOW | C_PLAN | C_QEMU_ARGS | C_DOCTOR | C_METRICS, O_SECONDS,
     OFF(timeout), NULL,
     "wait at most SEC for each libvirt call and for a VF count change under way\n"
     "(default 120)"},
    {"lock-timeout", 0, "SEC", C_APPLY, O_SECONDS, OFF(lock_timeout), NULL,
     "wait at most SEC for another run to finish (default 60)"},
    {"color", 0, "WHEN", C_PLAN | C_APPLY, O_STR, OFF(color), NULL,
     "colour the plan: auto (default: on a terminal, unless NO_COLOR is set),\n"
     "always or never"},
    {"quiet", 'q', NULL, C_VALIDATE, O_QUIET, 0, NULL,
     "print nothing on success, only errors (with --json the objects are still printed)"},
    {"quiet", 'q', NULL, C_ALL & ~C_VALIDATE, O_QUIET, 0, NULL,
     "print only errors: no warnings, notes or success line"},
    {"verbose", 'v', NULL, C_ALL, O_VERBOSE, 0, NULL,
     "say what is done: files read, lock, host observed (twice: more)"},
    {"help", 'h', NULL, C_ALL, O_HELP, 0, NULL, "this help"},
    {"version", 'V', NULL, C_ALL, O_VERSION, 0, NULL, "print the version"},
};

/* An option as given, applied once the command is known. */
struct given {
	const struct opt_def *def; /* the first entry of its name */
	bool as_short;
	char *arg;
};

static unsigned command_bit(const struct command *cmd)
{
	return cmd ? 1u << (cmd - commands) : C_NONE;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (streq(name, commands[i].name))
			return &commands[i];
	return NULL;
}

/* The entry of name for cmd, or NULL when cmd does not take it. */
static const struct opt_def *opt_for(const char *name, const struct command *cmd)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (streq(opts[i].name, name) && (opts[i].cmds & command_bit(cmd)))
			return &opts[i];
	return NULL;
}

/* getopt's tables from opts, each name once. */
static void build_getopt(struct option *lo, char *so)
{
	char *end = so;
	size_t n = 0;

	*end++ = ':'; /* a missing argument returns ':' */
	*end = 0;
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		if (opts[i].short_name && !strchr(so, opts[i].short_name)) {
			*end++ = opts[i].short_name;
			if (opts[i].arg)
				*end++ = ':';
			*end = 0;
		}
		bool seen = false;
		for (size_t j = 0; j < n; j++)
			seen |= streq(lo[j].name, opts[i].name);
		if (!seen)
			lo[n++] = (struct option){opts[i].name,
						  opts[i].arg ? required_argument : no_argument,
						  NULL, (int)(256 + i)};
	}
	lo[n] = (struct option){0};
}

static const struct opt_def *opt_by_short(int c)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (opts[i].short_name == c)
			return &opts[i];
	return NULL;
}

static int parse_seconds(const char *opt, const char *s, double *ret)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 86400)
		return usage_error("%s: invalid number of seconds '%s'", opt, s);
	*ret = v;
	return 0;
}

/* Apply one given option to a; returns -1 to go on, else an exit code. */
static int apply_opt(const struct given *g, struct args *a)
{
	_cleanup_(freep) char *spelled =
	    g->as_short ? strprintf("-%c", g->def->short_name) : strprintf("--%s", g->def->name);
	const struct opt_def *d = opt_for(g->def->name, a->cmd);
	char *field;

	if (!d)
		return usage_error("option %s does not apply to %s", spelled, a->cmd->name);
	field = (char *)a + d->off;
	switch (d->kind) {
	case O_STR:
		if (d->off == OFF(file) && a->file)
			return usage_error("-f given twice ('%s' and '%s'): give one desired-state "
					   "file",
					   a->file, g->arg);
		*(const char **)field = g->arg;
		break;
	case O_CONST:
		*(const char **)field = d->value;
		break;
	case O_FLAG:
		*(bool *)field = true;
		break;
	case O_SECONDS:
		if (parse_seconds(spelled, g->arg, (double *)field))
			return EXIT_USAGE;
		break;
	case O_VERBOSE:
		a->verbosity = a->verbosity < 0 ? 1 : a->verbosity + 1;
		a->quiet = false;
		break;
	case O_QUIET:
		a->verbosity = -1;
		a->quiet = true;
		break;
	case O_HELP:
		print_help(a->cmd);
		return EXIT_OK;
	case O_VERSION:
		printf("sriovctl %s\n", VERSION);
		return EXIT_OK;
	}
	return -1;
}

/*
 * Read every option first (the command may come after some), remembering
 * the first one getopt refused; then apply them for the command.
 */
static int scan(int argc, char **argv, struct given *v, size_t *n, char **bad)
{
	struct option lo[ARRAY_SIZE(opts) + 1];
	char so[2 * ARRAY_SIZE(opts) + 2];
	int c, idx;

	build_getopt(lo, so);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, so, lo, &idx)) != -1) {
		const struct opt_def *d = c >= 256 ? &opts[c - 256] : opt_by_short(c);
		if ((c == '?' || c == ':') && !*bad) {
			const char *o = argv[optind - 1];
			if (c == '?' && optopt && (o[0] != '-' || o[1] == '-' || strlen(o) > 2))
				*bad = strprintf("unknown option '-%c'", optopt);
			else if (c == '?')
				*bad = strprintf("unknown option '%s'", o);
			else
				*bad = strprintf("option '%s' needs an argument", o);
			continue;
		}
		if (!d)
			continue;
		v[(*n)++] = (struct given){d, c < 256, optarg};
	}
	return optind;
}

int parse_args(int argc, char **argv, struct args *a)
{
	_cleanup_(freep) struct given *v = calloc(argc + 1, sizeof(*v));
	_cleanup_(freep) char *bad = NULL;
	size_t n = 0;
	int r, first;

	if (!v)
		return log_error("out of memory"), EXIT_ERROR;
	first = scan(argc, argv, v, &n, &bad);
	if (first < argc) {
		a->cmd = find_command(argv[first]);
		if (!a->cmd)
			return usage_error("unknown command '%s'", argv[first]);
		a->argc = argc - first - 1;
		a->argv = argv + first + 1;
		log_setup(a); /* usage errors name the command */
	}
	if (bad)
		return usage_error("%s", bad);
	/* help first: "plan --help --bogus-for-plan" still helps */
	for (size_t i = 0; i < n; i++)
		if (v[i].def->kind == O_HELP || v[i].def->kind == O_VERSION)
			return apply_opt(&v[i], a);
	if (!a->cmd)
		return usage_error("no command given");
	for (size_t i = 0; i < n; i++)
		if ((r = apply_opt(&v[i], a)) >= 0)
			return r;
	return -1;
}

#define HELP_COLUMN 26
#define HELP_WIDTH  79

/* "  -o, --out PLAN          help", the help wrapped at HELP_WIDTH, later lines indented. */
static void print_opt(const struct opt_def *d)
{
	char head[48];
	const char *h = d->help;
	int col;

	snprintf(head, sizeof(head), "%c%c%s--%s%s%s", d->short_name ? '-' : ' ',
		 d->short_name ? d->short_name : ' ', d->short_name ? ", " : "  ", d->name,
		 d->arg ? " " : "", d->arg ? d->arg : "");
	col = printf("  %s", head);
	while (*h) {
		size_t len = strcspn(h, " \n");
		if (col >= HELP_COLUMN && col + 1 + (int)len > HELP_WIDTH) {
			putchar('\n');
			col = 0;
		}
		col +=
		    printf("%*s%.*s", col < HELP_COLUMN ? HELP_COLUMN - col : 1, "", (int)len, h);
		h += len;
		h += strspn(h, " \n");
	}
	putchar('\n');
}

void print_help(const struct command *cmd)
{
	if (cmd) {
		printf("Usage: %s %s [OPTIONS] %s\n\n%s\n\nOptions:\n", prog, cmd->name, cmd->args,
		       cmd->help);
	} else {
		printf("Usage: %s [OPTIONS] COMMAND [ARGS]\n\n"
		       "Make a host's SR-IOV setup (VFs, VF settings, drivers, module options,\n"
		       "libvirt guest assignments) match a desired-state YAML file: FILE, else\n"
		       "/etc/sriovctl/sriovctl.yaml and then /etc/sriovctl/sriovctl.d/*.yaml.\n\n"
		       "Commands:\n",
		       prog);
		for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
			printf("  %-10s %-22s %s\n", commands[i].name, commands[i].args,
			       commands[i].summary);
		printf("\n'%s help COMMAND' or '%s COMMAND --help' lists its options.\n\n"
		       "Options:\n",
		       prog, prog);
	}
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (opts[i].cmds & command_bit(cmd))
			print_opt(&opts[i]);
	printf("\nExit status: 0 success (plan: no changes), 1 error, 2 plan --detailed-exitcode\n"
	       "with changes, 3 apply refused because of blocked changes, 4 a saved plan is\n"
	       "stale (nothing applied), 64 usage error, 65 invalid desired-state file.\n");
}

int cmd_help(struct args *a)
{
	const struct command *cmd = NULL;

	if (a->argc > 1)
		return usage_error("give one command");
	if (a->argc == 1 && !(cmd = find_command(a->argv[0])))
		return usage_error("unknown command '%s'", a->argv[0]);
	print_help(cmd);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_ERROR;
}

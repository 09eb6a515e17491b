/* SPDX-License-Identifier: MIT */
/*
 * sriovctl: make a host's SR-IOV setup match a YAML file.
 *
 * This file: option parsing, the subcommand table, and what the commands
 * share (cli.h). Each command lives in its own file in cmd/.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <unistd.h>

#include "cli.h"
#include "host-state.h"
#include "observe.h"
#include "render.h"
#include "scope.h"
#include "worker.h"

const char *prog = "sriovctl";

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s --help')\n", prog);
	return EXIT_USAGE;
}

void print_diag(struct diag *d)
{
	diag_sort(d);
	diag_print(d, stderr);
}

/* ---- validate ---- */

/* One line of JSON for a file: {"file", "valid", "diagnostics"}. */
int load_spec(const char *path, struct spec **ret)
{
	struct diag d;
	int r;

	diag_init(&d);
	r = spec_load(path, &d, ret);
	print_diag(&d);
	diag_release(&d);
	return r;
}

/* ---- observing: live host or --state ---- */

const char *libvirt_uri(const struct args *a, const struct spec *s)
{
	return scope_libvirt_uri(s, a->libvirt);
}

/* Observe the host (or load --state). Diagnostics go to d. */
int get_host(const struct args *a, const struct spec *s, struct diag *d, struct host **ret)
{
	struct observe_scope sc;
	int r;

	if (a->state)
		return state_load(a->state, d, ret);
	r = observe_scope_init(&sc, s, a->root, libvirt_uri(a, s));
	if (r >= 0)
		r = host_observe(&sc.opts, d, ret);
	else
		diag_error(d, NULL, r, "out of memory");
	observe_scope_release(&sc);
	return r;
}

/* ---- plan and apply ---- */

/* Load the spec, get the host, compute the plan. Returns an exit code or -1 to go on. */
int load_and_plan(struct args *a, struct spec **ret_s, struct host **ret_h,
			 struct plan **ret_p)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(host_freep) struct host *h = NULL;
	_cleanup_(plan_freep) struct plan *p = NULL;
	struct diag d;
	int r;

	if (!a->file)
		return usage_error("no desired-state file given (-f FILE)");
	if (a->argc > 0)
		return usage_error("unexpected argument '%s'", a->argv[0]);

	if (load_spec(a->file, &s) < 0)
		return EXIT_INVALID;
	diag_init(&d);
	r = get_host(a, s, &d, &h);
	if (r >= 0)
		r = host_guard_check(s, h, a->state, &d);
	if (r >= 0) {
		struct plan_opts o = {.force = a->force};
		r = plan_compute(s, h, &o, &d, &p);
	}
	print_diag(&d);
	diag_release(&d);
	if (r < 0)
		return EXIT_ERROR;
	*ret_s = TAKE_PTR(s);
	*ret_h = TAKE_PTR(h);
	*ret_p = TAKE_PTR(p);
	return -1;
}

int print_plan(const struct args *a, const struct plan *p)
{
	int r = (a->format && streq(a->format, "json")) ? render_plan_json(p, stdout)
							: render_plan_text(p, stdout);
	if (r < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "%s: error: cannot write output\n", prog);
		return -EIO;
	}
	return 0;
}

/* ---- dispatch ---- */

struct command {
	const char *name;
	int (*run)(struct args *a);
	const char *synopsis;
};

static const struct command commands[] = {
    {"validate", cmd_validate,
     "validate [-q] [--json] FILE...  check desired-state files; --json: one object\n"
     "                            per file and line, {file, valid, diagnostics}"},
    {"show", cmd_show,
     "show [-f FILE] [--format text|json|state]  the observed host; --format state\n"
     "                            captures all that a plan reads (with -f, also what\n"
     "                            FILE names) for plan --state"},
    {"plan", cmd_plan,
     "plan -f FILE [--json] [--detailed-exitcode] [-o PLAN]  what apply would do"},
    {"apply", cmd_apply,
     "apply -f FILE | --plan PLAN [--dry-run] [--force] [--json]  make the host match"},
    {"qemu-args", cmd_qemu_args,
     "qemu-args GUEST [-f FILE]  QEMU '-device vfio-pci,host=...' arguments of GUEST's\n"
     "                            devices, one per line: FILE's guest, else its libvirt\n"
     "                            definition (the running one when it runs)"},
};

static void help(void)
{
	printf("Usage: %s [OPTIONS] COMMAND [ARGS]\n\n"
	       "Make a host's SR-IOV setup (VFs, VF settings, drivers, module options,\n"
	       "libvirt guest assignments) match a desired-state YAML file.\n\n"
	       "Commands:\n",
	       prog);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %s\n", commands[i].synopsis);
	printf(
	    "\nOptions:\n"
	    "  -f, --file FILE        desired-state file\n"
	    "      --state FILE       use a saved host-state file instead of the live host\n"
	    "                         (the -f file's host: must match the captured hostname)\n"
	    "      --root DIR         file root for /etc/modprobe.d (env SRIOVCTL_ROOT); the\n"
	    "                         lock stays /run/sriovctl.lock, the hostname the real one\n"
	    "      --libvirt URI      libvirt URI (env SRIOVCTL_LIBVIRT_URI; default from the "
	    "file,\n"
	    "                         else " SRIOVCTL_DEFAULT_LIBVIRT_URI ")\n"
	    "      --json             same as --format json\n"
	    "      --format FMT       text (default), json; for show also state\n"
	    "                         (validate --json: diagnostics in the JSON, not on stderr)\n"
	    "      --detailed-exitcode  plan: exit 2 when the host does not match (changes\n"
	    "                         or blocked changes)\n"
	    "  -o, --out PLAN         plan: also save the plan, with what it was made from\n"
	    "      --plan PLAN        apply: apply a saved plan exactly, or exit 4 if the\n"
	    "                         host changed since it was made\n"
	    "      --dry-run          apply: print the plan, change nothing\n"
	    "      --force            apply blocked changes too (takes devices from guests)\n"
	    "      --timeout SEC      apply: wait at most SEC for VFs to appear (default 120)\n"
	    "      --lock-timeout SEC apply: wait at most SEC for another run (default 60)\n"
	    "  -q, --quiet            validate: print nothing on success (with --json the\n"
	    "                         objects are still printed)\n"
	    "  -h, --help             this help\n"
	    "  -V, --version          print the version\n\n"
	    "Exit status: 0 success (plan: no changes), 1 error, 2 plan --detailed-exitcode\n"
	    "with changes, 3 apply refused because of blocked changes, 4 a saved plan is\n"
	    "stale (nothing applied), 64 usage error, 65 invalid desired-state file.\n");
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

/*
 * Parse the options into a; they may come before or after the command
 * (getopt permutes). Returns -1 to go on, else an exit code (help,
 * version, usage error).
 */
static int parse_options(int argc, char **argv, struct args *a)
{
	enum {
		OPT_STATE = 256,
		OPT_ROOT,
		OPT_LIBVIRT,
		OPT_JSON,
		OPT_FORMAT,
		OPT_DETAILED,
		OPT_DRY_RUN,
		OPT_FORCE,
		OPT_TIMEOUT,
		OPT_LOCK_TIMEOUT,
		OPT_PLAN
	};
	static const struct option opts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"state", required_argument, NULL, OPT_STATE},
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"libvirt", required_argument, NULL, OPT_LIBVIRT},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"detailed-exitcode", no_argument, NULL, OPT_DETAILED},
	    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	    {"force", no_argument, NULL, OPT_FORCE},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
	    {"out", required_argument, NULL, 'o'},
	    {"plan", required_argument, NULL, OPT_PLAN},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {},
	};
	int c;

	while ((c = getopt_long(argc, argv, "f:o:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (a->file)
				return usage_error("-f given twice ('%s' and '%s'): give one "
						   "desired-state file",
						   a->file, optarg);
			a->file = optarg;
			break;
		case OPT_STATE:
			a->state = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case OPT_PLAN:
			a->plan = optarg;
			break;
		case OPT_ROOT:
			a->root = optarg;
			break;
		case OPT_LIBVIRT:
			a->libvirt = optarg;
			break;
		case OPT_JSON:
			a->format = "json";
			break;
		case OPT_FORMAT:
			a->format = optarg;
			break;
		case OPT_DETAILED:
			a->detailed_exitcode = true;
			break;
		case OPT_DRY_RUN:
			a->dry_run = true;
			break;
		case OPT_FORCE:
			a->force = true;
			break;
		case OPT_TIMEOUT:
			if (parse_seconds("--timeout", optarg, &a->timeout))
				return EXIT_USAGE;
			break;
		case OPT_LOCK_TIMEOUT:
			if (parse_seconds("--lock-timeout", optarg, &a->lock_timeout))
				return EXIT_USAGE;
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		case 'V':
			printf("sriovctl %s\n", VERSION);
			return EXIT_OK;
		default:
			/* getopt printed what was wrong */
			fprintf(stderr, "see '%s --help'\n", prog);
			return EXIT_USAGE;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct args a = {
	    .root = getenv("SRIOVCTL_ROOT"),
	    .libvirt = getenv("SRIOVCTL_LIBVIRT_URI"),
	    .timeout = 120,
	    .lock_timeout = 60,
	};
	const struct command *cmd = NULL;
	int r;

	/*
	 * libvirt writes to its socket without MSG_NOSIGNAL: a daemon that
	 * dies mid-call would kill us with SIGPIPE instead of returning an
	 * error we can report (virsh ignores it for the same reason). A
	 * closed stdout then fails with EPIPE, which is reported too.
	 */
	signal(SIGPIPE, SIG_IGN);

	if (a.root && !*a.root)
		a.root = NULL;
	if (a.libvirt && !*a.libvirt)
		a.libvirt = NULL;
	r = parse_options(argc, argv, &a);
	if (r >= 0)
		return r;
	/* every write to the kernel and netlink request is bounded by --timeout */
	worker_set_timeout(a.timeout);
	if (optind >= argc)
		return usage_error("no command given");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (streq(argv[optind], commands[i].name))
			cmd = &commands[i];
	if (!cmd)
		return usage_error("unknown command '%s'", argv[optind]);
	a.argc = argc - optind - 1;
	a.argv = argv + optind + 1;
	return cmd->run(&a);
}

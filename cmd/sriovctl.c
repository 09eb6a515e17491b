/* SPDX-License-Identifier: MIT */
/*
 * sriovctl: make a host's SR-IOV setup match a YAML file.
 *
 * This file: main, messages (prefix, verbosity, journald priorities) and
 * what the commands share (cli.h). The command line's tables are in
 * options.c; each command lives in its own file in cmd/.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "host-state.h"
#include "observe.h"
#include "render.h"
#include "scope.h"
#include "spec-merge.h"
#include "worker.h"

const char *prog = "sriovctl";

/* Set by log_setup: what is printed on stderr, and how. */
static struct diag_style log_style = {.prefix = "sriovctl", .least = DIAG_NOTE};
static int log_least = LOG_NOTICE;
static const struct command *usage_cmd;

/*
 * One line on stderr: "<N>" under journald, "sriovctl: ", head, msg
 * escaped (messages carry names from files and the host), tail.
 */
static void log_line(int priority, const char *head, const char *msg, const char *tail)
{
	if (log_style.priority)
		fprintf(stderr, "<%d>", priority);
	fprintf(stderr, "%s: %s", prog, head);
	fputs_escaped(msg ? msg : "out of memory", stderr);
	fprintf(stderr, "%s\n", tail);
}

int usage_error(const char *fmt, ...)
{
	_cleanup_(freep) char *msg = NULL, *head = NULL, *tail = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	/* one line, not the whole help */
	head = strprintf("%s%s", usage_cmd ? usage_cmd->name : "", usage_cmd ? ": " : "");
	tail = strprintf(" (see '%s%s%s --help')", prog, usage_cmd ? " " : "",
			 usage_cmd ? usage_cmd->name : "");
	log_line(LOG_ERR, head ? head : "", msg, tail ? tail : "");
	return EXIT_USAGE;
}

void log_setup(const struct args *a)
{
	log_style.priority = diag_journal_stream(STDERR_FILENO);
	log_style.least = a->verbosity < 0 ? DIAG_ERROR : DIAG_NOTE;
	log_least = a->verbosity < 0	? LOG_ERR
		    : a->verbosity == 0 ? LOG_NOTICE
		    : a->verbosity == 1 ? LOG_INFO
					: LOG_DEBUG;
	usage_cmd = a->cmd;
}

int log_msg(enum log_level level, const char *fmt, ...)
{
	_cleanup_(freep) char *msg = NULL;
	va_list ap;

	if ((int)level > log_least)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	log_line(level,
		 level == LOG_ERR    ? "error: "
		 : level == LOG_WARN ? "warning: "
				     : "",
		 msg, "");
	return -1;
}

void print_diag(struct diag *d)
{
	diag_sort(d);
	diag_print_styled(d, stderr, &log_style);
}

bool use_color(const struct args *a)
{
	const char *no = getenv("NO_COLOR");

	if (a->color && streq(a->color, "always"))
		return true;
	if (a->color && streq(a->color, "never"))
		return false;
	/* no-color.org: set and not empty */
	return !(no && *no) && isatty(STDOUT_FILENO);
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

int default_files(const struct args *a, char ***ret, size_t *ret_n)
{
	struct diag d;
	int r;

	diag_init(&d);
	r = spec_default_files(a->root, &d, ret, ret_n);
	print_diag(&d);
	diag_release(&d);
	if (r < 0)
		return EXIT_ERROR;
	if (*ret_n == 0) {
		_cleanup_(freep) char *main_file = root_path(a->root, SPEC_DEFAULT_FILE);
		log_error("no desired-state file: give FILE or create %s",
			  main_file ? main_file : SPEC_DEFAULT_FILE);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < *ret_n; i++)
		log_verbose("reading %s", (*ret)[i]);
	return -1;
}

int load_desired(const struct args *a, struct spec **ret)
{
	struct diag d;
	int r;

	diag_init(&d);
	if (a->file) {
		log_verbose("reading %s", a->file);
		r = spec_load(a->file, &d, ret) < 0 ? EXIT_INVALID : -1;
	} else {
		char **paths = NULL;
		size_t n = 0;
		r = default_files(a, &paths, &n);
		if (r < 0)
			r = spec_load_merged(paths, n, &d, ret) < 0 ? EXIT_INVALID : -1;
		spec_paths_free(paths, n);
	}
	print_diag(&d);
	diag_release(&d);
	return r;
}

/* ---- observing: live host or --state ---- */

const char *libvirt_uri(const struct args *a, const struct spec *s)
{
	/* --scope host: libvirt is not up at boot; asking its socket would start it (doc/boot.md)
	 */
	if (boot_host_only(a))
		return NULL;
	return scope_libvirt_uri(s, a->libvirt);
}

/*
 * Observe the host (or load --state), with libvirt at uri (NULL: not
 * asked); for planning s only what its plan reads (observe_scope_for_plan());
 * with vf_stats the VFs' counters too.
 */
static int observe_host(const struct args *a, const struct spec *s, const char *uri, bool planning,
			bool vf_stats, struct diag *d, struct host **ret)
{
	struct observe_scope sc;
	int r;

	if (a->state) {
		log_verbose("reading the host-state file %s", a->state);
		return state_load(a->state, d, ret);
	}
	log_verbose("observing the host (libvirt %s)", uri ? uri : "not asked");
	r = observe_scope_init(&sc, s, a->root, uri);
	if (r >= 0 && planning)
		observe_scope_for_plan(&sc, s);
	sc.opts.vf_stats = vf_stats;
	if (r >= 0)
		r = host_observe(&sc.opts, d, ret);
	else
		diag_error(d, NULL, r, "out of memory");
	observe_scope_release(&sc);
	return r;
}

int get_host(const struct args *a, const struct spec *s, bool vf_stats, struct diag *d,
	     struct host **ret)
{
	return observe_host(a, s, libvirt_uri(a, s), false, vf_stats, d, ret);
}

/* ---- plan and apply ---- */

/*
 * Observe h and plan s on it. A file without guests or VF pools is planned
 * first without asking libvirt (a worker, a connection and libvirt's
 * libraries less on every run): libvirt only tells who uses VFs, and only an action
 * that takes VFs away asks that; when the plan has one, the host is
 * observed again with libvirt and planned again. The host: guard of s is
 * checked before planning. *ret_asked: whether libvirt was asked.
 */
static int observe_and_plan(const struct args *a, const struct spec *s, struct diag *d,
			    struct host **ret_h, struct plan **ret_p, bool *ret_asked)
{
	_cleanup_(host_freep) struct host *h = NULL;
	_cleanup_(plan_freep) struct plan *p = NULL;
	const char *uri = libvirt_uri(a, s);
	bool lazy = uri && !a->state && s->n_guests == 0 && s->n_networks == 0;
	struct plan_opts o = {.force = a->force};
	struct diag first;
	int r;

	diag_init(&first);
	r = observe_host(a, s, lazy ? NULL : uri, true, false, lazy ? &first : d, &h);
	if (r >= 0)
		r = host_guard_check(s, h, a->state, lazy ? &first : d);
	if (r >= 0)
		r = plan_compute(s, h, &o, lazy ? &first : d, &p);
	if (lazy && r >= 0 && plan_takes_vfs(p)) {
		log_verbose("a change takes VFs away: asking libvirt who uses them");
		host_free(TAKE_PTR(h));
		plan_free(TAKE_PTR(p));
		diag_release(&first);
		lazy = false;
		r = observe_host(a, s, uri, true, false, d, &h);
		if (r >= 0)
			r = plan_compute(s, h, &o, d, &p);
	}
	diag_move_all(d, &first);
	if (r < 0)
		return r;
	*ret_asked = !lazy && uri;
	*ret_h = TAKE_PTR(h);
	*ret_p = TAKE_PTR(p);
	return 0;
}

/* Load the spec, get the host, compute the plan. Returns an exit code or -1 to go on. */
int load_and_plan(struct args *a, struct spec **ret_s, struct host **ret_h, struct plan **ret_p)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(host_freep) struct host *h = NULL;
	_cleanup_(plan_freep) struct plan *p = NULL;
	struct diag d;
	int r;

	r = load_desired(a, &s);
	if (r >= 0)
		return r;
	boot_wait_pfs(a, s);
	/* --scope host plans without the guests and pools (libvirt is not asked) */
	struct spec host_side = *s;
	if (boot_host_only(a))
		host_side.n_guests = host_side.n_networks = 0;
	diag_init(&d);
	r = observe_and_plan(a, &host_side, &d, &h, &p, &a->libvirt_asked);
	if (r >= 0)
		r = boot_narrow(a, s, h, p, &d);
	print_diag(&d);
	diag_release(&d);
	if (r < 0)
		return EXIT_ERROR;
	*ret_s = TAKE_PTR(s);
	*ret_h = TAKE_PTR(h);
	*ret_p = TAKE_PTR(p);
	return -1;
}

int write_file_atomic(const char *path, mode_t mode, int (*fn)(FILE *f, void *arg), void *arg)
{
	_cleanup_(freep) char *tmp = strprintf("%s.tmpXXXXXX", path);
	int fd = tmp ? mkostemp(tmp, O_CLOEXEC) : -1;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	int r = f ? fn(f, arg) : tmp ? -errno : -ENOMEM;

	if (f && r >= 0 && (fflush(f) != 0 || fchmod(fd, mode) < 0 || fsync(fd) != 0))
		r = -errno;
	if (f && fclose(f) != 0 && r >= 0)
		r = -errno;
	else if (!f && fd >= 0)
		close(fd);
	if (r >= 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0 && fd >= 0)
		unlink(tmp);
	return r;
}

int print_plan(const struct args *a, const struct plan *p)
{
	int r = (a->format && streq(a->format, "json"))
		    ? render_plan_json(p, stdout)
		    : render_plan_text_color(p, stdout, use_color(a));
	if (r < 0 || fflush(stdout) != 0) {
		log_error("cannot write output");
		return -EIO;
	}
	return 0;
}

/* ---- dispatch ---- */

/* The file given as an argument after the command's fixed ones (qemu-args: GUEST). */
static int take_file_argument(struct args *a)
{
	const struct command *c = a->cmd;

	if (c->many_files || c->run == cmd_help || a->argc <= (int)c->n_fixed)
		return -1;
	if (a->argc > (int)c->n_fixed + 1)
		return usage_error("give one desired-state file, not '%s' and '%s'",
				   a->argv[c->n_fixed], a->argv[c->n_fixed + 1]);
	if (a->file)
		return usage_error("give the desired-state file once, not -f '%s' and '%s'",
				   a->file, a->argv[c->n_fixed]);
	a->file = a->argv[c->n_fixed];
	a->argc--;
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
	r = parse_args(argc, argv, &a);
	if (r >= 0)
		return r;
	log_setup(&a);
	if (a.color && !streq(a.color, "auto") && !streq(a.color, "never") &&
	    !streq(a.color, "always"))
		return usage_error("--color: unknown value '%s' (auto, always, never)", a.color);
	r = take_file_argument(&a);
	if (r >= 0)
		return r;
	r = boot_check_options(&a);
	if (r >= 0)
		return r;
	if (a.cmd->many_files && a.file && a.argc > 0)
		return usage_error("give files either with -f or as arguments, not both");
	/* every write to the kernel and netlink request is bounded by --timeout */
	worker_set_timeout(a.timeout);
	return a.cmd->run(&a);
}

/* SPDX-License-Identifier: MIT */
/*
 * modprobe.d syntax as kmod reads it (libkmod-config.c), without I/O:
 * module names where '-' and '_' are alike, logical lines joined by a
 * backslash before the newline, "options MODULE k=v ..." lines, the
 * kernel command line's "module.param=value" entries, and which drivers
 * take their VF count as a module option.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* kmod's module name comparison: '-' and '_' alike (also for parameter names). */
bool modname_eq(const char *a, const char *b);
bool modname_eqn(const char *a, size_t alen, const char *b);
/* Compare for sorting, with '-' ordered as '_'. */
int modname_cmp(const char *a, const char *b);

/* sriovctl's own file for a module: "/etc/modprobe.d/sriovctl-NAME.conf". Owned. */
char *modconf_default_path(const char *module);

/* The directories kmod reads, in its order; a file masks same-named ones in later ones. */
extern const char *const modconf_dirs[];
/* The source name of options from the kernel command line. */
#define MODCONF_CMDLINE "kernel command line"

/* A driver whose VF count is a module option. */
struct count_option {
	const char *driver;
	const char *option;
	bool sysfs;	/* sriov_numvfs works too */
	bool one_value; /* one number for every port (a list makes the load fail) */
};
/* Every driver with a count option: the table, its length in *ret_n. */
const struct count_option *modconf_count_options(size_t *ret_n);
/* The count option of a driver (kmod names); NULL when it has none. */
const struct count_option *modconf_count_option(const char *driver);

/*
 * One parameter of a module's options, as the kernel reads them (the
 * module's options lines joined, see modconf.c). Offsets are into the
 * file content: [start, end) is the whole token, key_end where its key
 * ends, [val, val_end) the value without the quotes the kernel strips
 * (val == val_end == key_end when there is no '=').
 */
struct modconf_param {
	char *key;   /* as kmod passes it on (continuations joined); owned */
	char *value; /* without enclosing quotes; "" when no '='; owned */
	size_t start, end;
	size_t key_end;
	size_t val, val_end;
	bool has_value; /* "key=..." rather than "key" */
	bool spans;	/* a quote carries it on into a later options line */
};

/* An "options MODULE ..." logical line of a file. */
struct modconf_line {
	size_t start, end; /* raw range of the logical line, without its final newline */
	size_t opts_end;   /* where a new parameter is appended (end of the last token) */
	struct modconf_param *params; /* those that start on this line */
	size_t n_params;
};

struct modconf {
	struct modconf_line *lines;
	size_t n_lines;
	bool quote_open; /* the options end inside a '"': whatever follows is in the last value */
};

/* The options lines of module in content (NULL: none). Returns 0 or -ENOMEM. */
int modconf_parse(const char *content, const char *module, struct modconf *ret);
void modconf_release(struct modconf *m);
/* The last parameter named key (it wins), NULL if none. */
const struct modconf_param *modconf_find(const struct modconf *m, const char *key);

/*
 * Call fn for each "options" line of any module in content, with the
 * module name (as written) and every k=v of the line; for observers that
 * want all modules. Returns 0, -ENOMEM, or what fn returns when negative.
 */
typedef int (*modconf_fn)(void *data, const char *module, const char *key, const char *value);
int modconf_foreach(const char *content, modconf_fn fn, void *data);

/*
 * The kernel command line's module options ("igb.max_vfs=7"), as kmod
 * parses /proc/cmdline: fn gets the module, parameter and value.
 */
int modconf_cmdline_foreach(const char *cmdline, modconf_fn fn, void *data);

/* SPDX-License-Identifier: MIT */
/*
 * What observe.c and observe-modules.c share: the observer and its
 * passes. Not a public interface.
 */
#pragma once

#include <libudev.h>

#include "host.h"
#include "observe.h"

#define MODPROBE_D "/etc/modprobe.d"

struct observer {
	const struct observe_opts *o;
	struct diag *d;
	struct host *h;
	struct udev *udev;
	size_t cap_pci, cap_modules, cap_files;
	/* the spec's modules and files, and those of the drivers of method-module PFs */
	const char **modules, **files;
	size_t n_modules, n_files;
	char **extra; /* owned strings the two lists point to */
	size_t n_extra;
};

/* Files the observer reads (sysfs attributes, modprobe.d, hostname) are small. */
#define OBSERVE_FILE_MAX (4u << 20)

/* Names of the entries of dir, sorted, as a strv (NULL when dir is empty or absent). */
int observe_list_dir(const char *dir, char ***ret, size_t *ret_n);
/* The same for the directory name relative to the directory fd dfd. */
int observe_list_dirat(int dfd, const char *name, char ***ret, size_t *ret_n);
/* A small file whole, in *ret (owned); -ENOENT if absent. */
int observe_read_file(const char *path, char **ret);

/* observe-modules.c, in the order host_observe runs them after the PCI devices */
int observe_wanted(struct observer *ob);
int observe_modules(struct observer *ob);
int observe_module_conf(struct observer *ob);
int observe_files(struct observer *ob);

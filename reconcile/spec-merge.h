/* SPDX-License-Identifier: MIT */
/*
 * The default desired state: /etc/sriovctl/sriovctl.yaml, then the
 * drop-ins /etc/sriovctl/sriovctl.d/NAME.yaml in lexical order, merged into
 * one spec. Each file is loaded and checked on its own; the merge then
 * joins them by key (a PF by its pci or interface, a VF by its id, a
 * module, a module option, a guest by name, a guest device by what it
 * selects), and a key set in two files is an error at the later place
 * naming the earlier one.
 */
#pragma once

#include "spec.h"

#define SPEC_DEFAULT_FILE "/etc/sriovctl/sriovctl.yaml"
#define SPEC_DROPIN_DIR	  "/etc/sriovctl/sriovctl.d"

/*
 * The files of the default desired state under root (NULL: "/"): the
 * default file when it exists, then every regular *.yaml of the drop-in
 * directory in strcmp order. *ret owns an array of n owned paths (with
 * root), empty when there is none; a directory that cannot be read is an
 * error in d.
 */
int spec_default_files(const char *root, struct diag *d, char ***ret, size_t *ret_n);

/*
 * Merge from into into, taking what from owns (from is freed, also on
 * error). Every conflict is recorded in d; -EINVAL then. Fields without an
 * "unset" (method, reload, prune) count as set when they differ from
 * their default.
 */
int spec_merge(struct spec *into, struct spec *from, struct diag *d);

/*
 * Load the files in order and merge them; errors of every file and of
 * the merge are reported. On success *ret owns the result (its path is
 * the first file's, the others are in merged[]).
 */
int spec_load_merged(char *const *paths, size_t n, struct diag *d, struct spec **ret);

/* Free an array from spec_default_files. */
void spec_paths_free(char **paths, size_t n);

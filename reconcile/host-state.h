/* SPDX-License-Identifier: MIT */
/*
 * The host-state document: struct host as YAML (what `show --format state`
 * writes and `--state FILE` reads) or JSON (`show --json`), one model
 * described by schema/host-state.schema.json, lossless for everything the
 * planner reads.
 */
#pragma once

#include <stdio.h>

#include "diag.h"
#include "host.h"

/*
 * Load a host-state file (what `show --format state` writes). Errors go to
 * d with their place. *ret owns the host.
 */
int state_load(const char *path, struct diag *d, struct host **ret);
int state_load_buffer(const char *name, const char *buf, size_t len, struct diag *d,
		      struct host **ret);

/* Write h as a host-state file. Lossless for everything state_load reads. */
int state_write(const struct host *h, FILE *out);
/*
 * Write h as the same document in JSON, pretty-printed (state_load reads
 * it too: JSON is YAML). -EINVAL, -ENOMEM, -EIO.
 */
int state_write_json(const struct host *h, FILE *out);

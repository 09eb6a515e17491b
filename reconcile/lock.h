/* SPDX-License-Identifier: MIT */
/*
 * The run lock: <root>/run/sriovctl.lock, held with flock(2) for the whole
 * of an apply so that two runs never interleave.
 */
#pragma once

#include "diag.h"

#define LOCK_PATH "/run/sriovctl.lock"

/*
 * Take the lock under root (NULL: "/"), creating <root>/run if missing.
 * Waits up to timeout_s seconds (0: try once; negative: wait forever).
 * On success *ret_fd owns the lock, to be given to lock_release(). On
 * timeout returns -EWOULDBLOCK with "another sriovctl run (pid N) holds ..."
 * in d, N from /proc/locks (left out when unknown).
 */
int lock_acquire(const char *root, double timeout_s, struct diag *d, int *ret_fd);

/* Release the lock and close fd. Accepts a negative fd (no-op). */
void lock_release(int fd);

/*
 * In a child process (fork): close its copy of the lock held by the
 * parent, so that a child that outlives the run does not keep the lock
 * (flock belongs to the open file, which every copy keeps open).
 */
void lock_close_inherited(void);

/* SPDX-License-Identifier: MIT */
/*
 * Kernel modules: the modprobe.d files sriovctl manages, written
 * atomically, and module reload through libkmod. The content of a file is
 * computed by the planner; this only writes it.
 */
#pragma once

#include "diag.h"

#define MODPROBE_DIR "/etc/modprobe.d"

/*
 * True if path is a file sriovctl may write: "/etc/modprobe.d/NAME.conf",
 * NAME not empty, not starting with '.', without '/'.
 */
bool modprobe_path_valid(const char *path);

/*
 * Replace <root><path> by content atomically (root NULL: "/"): a temporary
 * file (O_TMPFILE where the filesystem has it, linked as ".NAME.XXXXXX"
 * only when complete; else created under that name) in the same
 * directory, written, fsynced, given the mode and owner of the file it
 * replaces (0644 for a new one), renamed over the old file, and the
 * directory fsynced. A symbolic link or other non-regular file at path is
 * refused, never replaced or followed. Stale ".NAME.XXXXXX" files of an
 * earlier crashed run are removed first. content NULL removes the file
 * (absent is fine). Creates <root>/etc/modprobe.d if missing. On failure
 * the old file is untouched and no temporary file is left. Nothing is
 * owned by the callee.
 */
int modprobe_write_file(const char *root, const char *path, const char *content, struct diag *d);

/*
 * Reload a kernel module through libkmod: remove it if loaded, then load it
 * (with its dependencies) passing options ("max_vfs=7", may be NULL), which
 * take precedence over those of the host's modprobe.d. Never runs install
 * commands. Refuses built-in modules. The caller waits for the devices.
 */
int modprobe_reload_module(const char *name, const char *options, struct diag *d);

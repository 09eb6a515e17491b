/* SPDX-License-Identifier: MIT */
/*
 * Device names from a plain-text pci.ids, found by walking the list for
 * the one vendor asked rather than loading all of it: libpci's
 * pci_lookup_name() first parses every one of its ~40,000 lines into a
 * hash (some 25 ms, every `show`), to answer a handful of names.
 * The lines are read as libpci's parser reads them (names-parse.c), so a
 * name is lspci's.
 */
#pragma once

#include <stddef.h>

struct pci_ids {
	char *text; /* the whole list, NUL-terminated */
	size_t len;
};

/*
 * Read the list at path whole, or, as libpci does, at path without its
 * ".gz" (libpci's default name, where distributions ship it plain);
 * -errno (-ENOENT absent), -EMEDIUMTYPE for a compressed list (gzip),
 * which only libpci reads.
 */
int pci_ids_load(const char *path, struct pci_ids *ids);
void pci_ids_release(struct pci_ids *ids);

/*
 * The name of device (vendor, device), as pci_lookup_name() with
 * PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS gives it; owned. NULL when
 * the list has none (errno 0) or out of memory (errno ENOMEM).
 */
char *pci_ids_device(const struct pci_ids *ids, unsigned vendor, unsigned device);

/* SPDX-License-Identifier: MIT */
/*
 * Scope-bound cleanup of the handles sriovctl holds: one
 * DEFINE_TRIVIAL_CLEANUP_FUNC per type (systemd's idiom), so that
 * `_cleanup_(udev_unrefp) struct udev *u = NULL;` frees on every return.
 * Each function accepts a NULL handle.
 */
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libmnl/libmnl.h>
#include <libudev.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <pci/pci.h>

#include "util.h"

/* Defines static inline void NAMEp(TYPE **p): calls FUNC(*p) when it is not NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                    \
	static inline void func##p(type *p)                                                        \
	{                                                                                          \
		if (*p)                                                                            \
			func(*p);                                                                  \
	}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev *, udev_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev_device *, udev_device_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev_enumerate *, udev_enumerate_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev_monitor *, udev_monitor_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct pci_access *, pci_cleanup)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct mnl_socket *, mnl_socket_close)
DEFINE_TRIVIAL_CLEANUP_FUNC(xmlDoc *, xmlFreeDoc)
DEFINE_TRIVIAL_CLEANUP_FUNC(xmlXPathContext *, xmlXPathFreeContext)
DEFINE_TRIVIAL_CLEANUP_FUNC(xmlXPathObject *, xmlXPathFreeObject)
DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

static inline void xmlFreep(xmlChar **p)
{
	if (*p)
		xmlFree(*p);
}

/* A file descriptor; -1 is none. */
static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

/* A NULL-terminated array of owned strings. */
static inline void strv_free(char **v)
{
	for (char **s = v; s && *s; s++)
		free(*s);
	free(v);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free)

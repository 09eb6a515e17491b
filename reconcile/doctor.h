/* SPDX-License-Identifier: MIT */
/*
 * sriovctl doctor: why SR-IOV will or will not work on a host, each check
 * ok, warn or fail with what to do. The checks are a pure function of the
 * observed host (a live one observed with observe_opts.preflight, or a
 * host-state file) and the desired-state file, if any.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "host.h"
#include "spec.h"
#include "util.h"

enum doctor_status {
	DOCTOR_OK = 0,
	DOCTOR_WARN,
	DOCTOR_FAIL,
};

/* "ok", "warn", "fail". */
const char *doctor_status_to_string(enum doctor_status s);

struct doctor_check {
	char *name; /* "iommu", "sriov 0000:0b:00.0", "module vfio-pci" */
	enum doctor_status status;
	bool required; /* the file depends on it (every check without a file) */
	char *detail;  /* what was found */
	char *fix;     /* what to do; NULL when ok */
};

struct doctor {
	struct doctor_check *v; /* in the order they were made */
	size_t n, cap;
};

void doctor_release(struct doctor *dr);
static inline void doctor_releasep(struct doctor *dr)
{
	doctor_release(dr);
}

/* Append a check; fix may be NULL. 0 or -ENOMEM. */
int doctor_add(struct doctor *dr, const char *name, enum doctor_status status, bool required,
	       const char *fix, const char *fmt, ...) _printf_(6, 7);

/*
 * The modules a preflight of s (NULL: no file) looks at: vfio-pci and the
 * VF drivers of the drivers sriovctl knows, with s's drivers. Added to v.
 */
int doctor_module_names(const struct spec *s, struct strv *v);

/*
 * The host checks of s (NULL: every PF of h, each check required) on h:
 * IOMMU, the kernel command line, each PF's SR-IOV capability, bus room and
 * MSI-X budget, the modules the VFs need, libvirt when s has guests.
 * 0 or -ENOMEM.
 */
int doctor_check_host(struct doctor *dr, const struct spec *s, const struct host *h);

/* Whether a required check failed. */
bool doctor_failed(const struct doctor *dr);

/* One line per check: "fail sriov 0000:0b:00.0: ...; fix: ...", escaped. 0 or -EIO. */
int doctor_render_text(const struct doctor *dr, FILE *out);
/* {"checks": [{"name", "status", "required", "detail", "fix"}...]}, pretty. -ENOMEM, -EIO. */
int doctor_render_json(const struct doctor *dr, FILE *out);

/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the cmocka tests (include after <cmocka.h>):
 *  - paths under the repository root ($TOP, else the working directory),
 *    temporary directories and files;
 *  - loading a desired-state or host-state file or text, or failing the
 *    test with the loader's diagnostics;
 *  - checking a host against a table of {pci, vf, field, want} rows, each
 *    field rendered as text, every mismatching row named before failing.
 * Header-only: each test is one program built from one .c file.
 */
#pragma once

#include <stdio.h>

#include "cleanup.h"
#include "host-state.h"
#include "host.h"
#include "spec.h"

/* ---- paths and files ---- */

static inline const char *unit_top(void)
{
	const char *t = getenv("TOP");
	return t && *t ? t : ".";
}

/* "$TOP/rel"; owned. */
static inline char *unit_path(const char *rel)
{
	char *p = strprintf("%s/%s", unit_top(), rel);
	assert_non_null(p);
	return p;
}

/* The whole of file path (NULL if unreadable), its length in *ret_len if given; owned. */
static inline char *unit_slurp(const char *path, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");
	int c;

	if (!f)
		return NULL;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	if (ret_len)
		*ret_len = len;
	return buf;
}

/* A new directory "/tmp/sriovctl-NAME.XXXXXX", its path in buf; 0 or -1 (for a group setup). */
static inline int unit_mkdtemp(char buf[64], const char *name)
{
	snprintf(buf, 64, "/tmp/sriovctl-%s.XXXXXX", name);
	return mkdtemp(buf) ? 0 : -1;
}

/* Remove path and everything below it; 0 or -1 (for a group teardown). */
static inline int unit_rm_rf(const char *path)
{
	_cleanup_(freep) char *cmd = strprintf("rm -rf '%s'", path);

	return cmd && system(cmd) == 0 ? 0 : -1;
}

/* Write content to path, creating the directories on the way. */
static inline void unit_write_file(const char *path, const char *content)
{
	_cleanup_(freep) char *cmd = strprintf("mkdir -p \"$(dirname '%s')\"", path);
	FILE *f;

	assert_non_null(cmd);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

/* ---- loading or failing ---- */

static inline void unit_loaded(int r, struct diag *d, const char *what)
{
	if (r < 0) {
		diag_print(d, stderr);
		fail_msg("cannot load %s: %d", what, r);
	}
	assert_int_equal(d->n_errors, 0);
	diag_release(d);
}

static inline struct spec *unit_spec_file(const char *path)
{
	struct spec *s = NULL;
	struct diag d;

	diag_init(&d);
	unit_loaded(spec_load(path, &d, &s), &d, path);
	return s;
}

/* examples/NAME of the repository. */
static inline struct spec *unit_spec_example(const char *name)
{
	_cleanup_(freep) char *rel = strprintf("examples/%s", name);
	_cleanup_(freep) char *path = unit_path(rel);

	return unit_spec_file(path);
}

static inline struct spec *unit_spec_text(const char *text)
{
	struct spec *s = NULL;
	struct diag d;

	diag_init(&d);
	unit_loaded(spec_load_buffer("test.yaml", text, strlen(text), &d, &s), &d, "test.yaml");
	return s;
}

static inline struct host *unit_state_file(const char *path)
{
	struct host *h = NULL;
	struct diag d;

	diag_init(&d);
	unit_loaded(state_load(path, &d, &h), &d, path);
	return h;
}

static inline struct host *unit_state_text(const char *name, const char *text)
{
	struct host *h = NULL;
	struct diag d;

	diag_init(&d);
	unit_loaded(state_load_buffer(name, text, strlen(text), &d, &h), &d, name);
	return h;
}

/* Whether an entry of d (any level) holds needle. */
static inline bool unit_diag_has(const struct diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].msg && strstr(d->v[i].msg, needle))
			return true;
	return false;
}

/* ---- a host against a table ---- */

#define UNIT_PF (-1) /* a row about the device itself, not one of its VFs */

/*
 * One expectation: field of device pci (NULL: of the host), or of its VF
 * with id vf, rendered as text; "(null)" for an absent string, "-1" for an
 * unset number, "(absent)" when the device or VF is not there.
 */
struct host_row {
	const char *pci;
	int vf;
	const char *field;
	const char *want;
};

static inline const char *unit_int(char *buf, size_t size, long long v)
{
	snprintf(buf, size, "%lld", v);
	return buf;
}

static inline const char *unit_str(const char *s)
{
	return s ? s : "(null)";
}

/* Host fields: hostname, n-pci, libvirt-ok, n-domains, n-modules, n-files. */
static inline const char *unit_host_field(const struct host *h, const char *f, char *buf,
					  size_t size)
{
	if (streq(f, "hostname"))
		return unit_str(h->hostname);
	if (streq(f, "libvirt-ok"))
		return h->libvirt_ok ? "true" : "false";
	return streq(f, "n-pci")       ? unit_int(buf, size, (long long)h->n_pci)
	       : streq(f, "n-domains") ? unit_int(buf, size, (long long)h->n_domains)
	       : streq(f, "n-modules") ? unit_int(buf, size, (long long)h->n_modules)
	       : streq(f, "n-files")   ? unit_int(buf, size, (long long)h->n_files)
				       : NULL;
}

/* Device fields, as the host-state file names them; interfaces and vf-ids space-separated. */
static inline const char *unit_pci_field(const struct pci_dev_state *p, const char *f, char *buf,
					 size_t size)
{
	const struct sriov_state *s = &p->sriov;
	const struct {
		const char *name, *str;
		long long num;
	} t[] = {
	    {"vendor", unit_str(p->vendor), 0},
	    {"device", unit_str(p->device), 0},
	    {"name", unit_str(p->name), 0},
	    {"driver", unit_str(p->driver), 0},
	    {"vf-device", unit_str(s->vf_device), 0},
	    {"is-pf", NULL, p->is_pf},
	    {"total-vfs", NULL, s->total_vfs},
	    {"num-vfs", NULL, s->num_vfs},
	    {"drivers-autoprobe", NULL, s->drivers_autoprobe},
	    {"offset", NULL, s->offset},
	    {"stride", NULL, s->stride},
	    {"n-vfs", NULL, (long long)s->n_vfs},
	};

	buf[0] = '\0';
	if (streq(f, "interfaces")) {
		for (size_t i = 0; i < p->n_interfaces; i++)
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? " " : "",
				 p->interfaces[i]);
		return buf;
	}
	if (streq(f, "vf-ids")) {
		for (size_t i = 0; i < s->n_vfs; i++)
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%u", i ? " " : "",
				 s->vfs[i].id);
		return buf;
	}
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (streq(f, t[i].name))
			return t[i].str ? t[i].str : unit_int(buf, size, t[i].num);
	return NULL;
}

/* VF fields, as the host-state file names them (link-state and vlan-proto as numbers). */
static inline const char *unit_vf_field(const struct vf_state *v, const char *f, char *buf,
					size_t size)
{
	const struct vf_link *l = &v->link;
	const struct {
		const char *name, *str;
		long long num;
	} t[] = {
	    {"address", unit_str(v->address), 0},
	    {"driver", unit_str(v->driver), 0},
	    {"driver-override", unit_str(v->driver_override), 0},
	    {"interface", unit_str(v->interface), 0},
	    {"mac", l->mac, 0},
	    {"vlan", NULL, l->vlan},
	    {"qos", NULL, l->qos},
	    {"vlan-proto", NULL, l->vlan_proto},
	    {"spoof-check", NULL, l->spoof_check},
	    {"trust", NULL, l->trust},
	    {"link-state", NULL, l->link_state},
	    {"max-tx-rate", NULL, l->max_tx_rate},
	    {"min-tx-rate", NULL, l->min_tx_rate},
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (streq(f, t[i].name))
			return t[i].str ? t[i].str : unit_int(buf, size, t[i].num);
	return NULL;
}

static inline const char *unit_row_value(const struct host *h, const struct host_row *r, char *buf,
					 size_t size)
{
	const struct pci_dev_state *p;

	if (!r->pci)
		return unit_host_field(h, r->field, buf, size);
	p = host_find_pci(h, r->pci);
	if (!p)
		return "(absent)";
	if (r->vf == UNIT_PF)
		return unit_pci_field(p, r->field, buf, size);
	for (size_t i = 0; i < p->sriov.n_vfs; i++)
		if (p->sriov.vfs[i].id == (unsigned)r->vf)
			return unit_vf_field(&p->sriov.vfs[i], r->field, buf, size);
	return "(absent)";
}

/* Check every row of rows[n] against h; name each mismatch, then fail. */
static inline void unit_check_host(const struct host *h, const struct host_row *rows, size_t n)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		const struct host_row *r = &rows[i];
		char buf[512];
		const char *got = unit_row_value(h, r, buf, sizeof(buf));

		if (!got)
			fail_msg("row %zu: unknown field '%s'", i, r->field);
		if (streq(got, r->want))
			continue;
		bad++;
		if (r->vf == UNIT_PF)
			print_error("%s %s: got '%s', want '%s'\n", r->pci ? r->pci : "host",
				    r->field, got, r->want);
		else
			print_error("%s VF %d %s: got '%s', want '%s'\n", r->pci, r->vf, r->field,
				    got, r->want);
	}
	if (bad)
		fail_msg("%zu of %zu rows differ", bad, n);
}

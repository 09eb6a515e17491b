/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the desired-state loader (make fuzz; corpus in
 * tests/fuzz/corpus/spec).
 *
 * Every input must either load or fail with at least one error, and a
 * loaded spec must satisfy the invariants the planner relies on.
 */
#include <stdint.h>

#include "spec.h"

static void check_spec(const struct spec *s)
{
	if (s->version != 1)
		__builtin_trap();
	for (size_t i = 0; i < s->n_pfs; i++) {
		const struct pf_spec *pf = &s->pfs[i];
		if (!pf->pci == !pf->interface)
			__builtin_trap();
		for (size_t j = 0; j < pf->n_vfs; j++) {
			if (j > 0 && pf->vfs[j - 1].id >= pf->vfs[j].id)
				__builtin_trap(); /* sorted, unique */
			if (pf->num_vfs != SPEC_UNSET && pf->vfs[j].id >= pf->num_vfs)
				__builtin_trap();
		}
	}
	for (size_t i = 0; i < s->n_modules; i++)
		if (!s->modules[i].file || strstr(s->modules[i].file, "..") ||
		    strchr(s->modules[i].name, '/'))
			__builtin_trap();
	for (size_t i = 0; i < s->n_guests; i++)
		for (size_t j = 0; j < s->guests[i].n_devices; j++) {
			const struct guest_device *d = &s->guests[i].devices[j];
			if (!d->vf_pf == !d->pci)
				__builtin_trap();
			if (d->vf_pf && !spec_find_pf(s, d->vf_pf))
				__builtin_trap();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec *s = NULL;
	struct diag d;

	diag_init(&d);
	int r = spec_load_buffer("fuzz.yaml", (const char *)data, size, &d, &s);
	if (r < 0 && d.n_errors == 0 && r != -ENOMEM)
		__builtin_trap(); /* a failure must say why */
	if (r == 0)
		check_spec(s);
	spec_free(s);
	diag_release(&d);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the host-state loader: every input loads or fails
 * with a reason, and what loads writes back (state_write) to a file that
 * loads again and writes the same bytes (load -> write -> load is lossless).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host-state.h"

/* h as a host-state file in *ret (owned), its length in *ret_len. */
static void write_state(const struct host *h, char **ret, size_t *ret_len)
{
	FILE *f = open_memstream(ret, ret_len);

	if (!f)
		abort();
	if (state_write(h, f) < 0)
		__builtin_trap(); /* a loaded host must be writable */
	if (fclose(f) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host *h = NULL, *h2 = NULL;
	char *one = NULL, *two = NULL;
	size_t n_one = 0, n_two = 0;
	struct diag d;
	int r;

	diag_init(&d);
	r = state_load_buffer("fuzz.yaml", (const char *)data, size, &d, &h);
	if (r < 0 && d.n_errors == 0 && r != -ENOMEM)
		__builtin_trap(); /* a failure must say why */
	diag_release(&d);
	if (r < 0)
		return 0;

	write_state(h, &one, &n_one);
	diag_init(&d);
	r = state_load_buffer("written.yaml", one, n_one, &d, &h2);
	if (r < 0) {
		diag_print(&d, stderr);
		fprintf(stderr, "---\n%s---\n", one);
		__builtin_trap();
	}
	diag_release(&d);
	write_state(h2, &two, &n_two);
	if (n_one != n_two || memcmp(one, two, n_one) != 0) {
		fprintf(stderr, "first write:\n%s---\nsecond write:\n%s---\n", one, two);
		__builtin_trap();
	}
	free(one);
	free(two);
	host_free(h);
	host_free(h2);
	return 0;
}

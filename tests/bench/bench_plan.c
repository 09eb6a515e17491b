/* SPDX-License-Identifier: MIT */
/*
 * Planner benchmark: a generated host of P PFs with 64 VFs each and G
 * guests with 4 VFs each, first 16 PFs / 256 guests (1,024 VFs), then four
 * times that. Half the guests already have their VFs, every other VF has
 * the wrong MAC, so the plan has work of every size. Prints the time of
 * plan_compute per run and per VF, with earlier planners' best beside; asserts
 * nothing.
 */
#include <time.h>

#include "bench-gen.h"
#include "plan.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* before: the best times when issue 15 was filed, printed beside ours */
static int bench(unsigned n_pf, unsigned n_guest, int iterations, const char *before)
{
	struct gen g = {0};
	size_t n_changes = 0, n_blocked = 0;
	double best = 1e9, total = 0;

	gen_host(&g, n_pf, n_guest);
	gen_spec(&g, n_pf, n_guest);
	for (int i = 0; i < iterations; i++) {
		struct plan *p = NULL;
		struct diag d;
		diag_init(&d);
		double t0 = now();
		int r = plan_compute(&g.s, &g.h, NULL, &d, &p);
		double dt = now() - t0;
		if (r < 0) {
			diag_print(&d, stderr);
			diag_release(&d);
			gen_free(&g);
			return 1;
		}
		n_changes = p->n_changes;
		n_blocked = p->n_blocked;
		plan_free(p);
		diag_release(&d);
		total += dt;
		if (dt < best)
			best = dt;
	}
	unsigned n_vfs = n_pf * VFS_PER_PF;
	printf("plan %5u VFs (%3u PFs), %4u guests: best %8.3f ms, mean %8.3f ms, %6.3f us/VF; "
	       "%zu changes, %zu blocked (%s)\n",
	       n_vfs, n_pf, n_guest, best * 1e3, total / iterations * 1e3, best * 1e6 / n_vfs,
	       n_changes, n_blocked, before);
	gen_free(&g);
	return 0;
}

int main(void)
{
	if (bench(16, 256, 20, "before: 0.63 ms untyped actions, 0.75 ms typed") ||
	    bench(64, 1024, 10, "before: 3.0 ms untyped actions, 6.65 ms typed"))
		return 1;
	return 0;
}

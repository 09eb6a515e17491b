/* SPDX-License-Identifier: MIT */
/* placeholder: the planner */
#include "plan.h"
int plan_compute(const struct spec *s, const struct host *h, const struct plan_opts *o,
		 struct diag *d, struct plan **ret)
{
	(void)s; (void)h; (void)o; (void)ret;
	return diag_error(d, NULL, -EOPNOTSUPP, "planner not built yet");
}
void plan_free(struct plan *p) { free(p); }

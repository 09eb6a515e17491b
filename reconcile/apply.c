/* SPDX-License-Identifier: MIT */
/* placeholder */
#include "apply.h"
int apply_run(const struct spec *s, const struct host *h, const struct plan *p,
	      const struct apply_opts *o, struct diag *d)
{
	(void)s; (void)h; (void)p; (void)o;
	return diag_error(d, NULL, -EOPNOTSUPP, "apply is not built yet");
}

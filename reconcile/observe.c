/* SPDX-License-Identifier: MIT */
/* placeholder: live host observation */
#include "host.h"
int host_observe(const struct observe_opts *o, struct diag *d, struct host **ret)
{
	(void)o; (void)ret;
	return diag_error(d, NULL, -EOPNOTSUPP, "observing is not built yet");
}

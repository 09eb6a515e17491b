/* SPDX-License-Identifier: MIT */
/* placeholder: host-state file */
#include "host.h"
int state_load(const char *path, struct diag *d, struct host **ret)
{
	(void)ret;
	return diag_error(d, NULL, -EOPNOTSUPP, "cannot load '%s': not built yet", path);
}
int state_write(const struct host *h, FILE *out) { (void)h; (void)out; return -EOPNOTSUPP; }

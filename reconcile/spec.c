/* SPDX-License-Identifier: MIT */
/* placeholder: replaced by the loader */
#include "spec.h"
int spec_load(const char *path, struct diag *d, struct spec **ret)
{
	(void)ret;
	return diag_error(d, NULL, -EOPNOTSUPP, "cannot load '%s': loader not built yet", path);
}
int spec_load_buffer(const char *name, const char *buf, size_t len, struct diag *d, struct spec **ret)
{
	(void)buf; (void)len; (void)ret;
	return diag_error(d, NULL, -EOPNOTSUPP, "cannot load '%s': loader not built yet", name);
}
void spec_free(struct spec *s) { (void)s; }

/* SPDX-License-Identifier: MIT */
/* placeholder: host rendering */
#include "render.h"
int render_host_text(const struct host *h, FILE *out) { (void)h; (void)out; return -EOPNOTSUPP; }
int render_host_json(const struct host *h, FILE *out) { (void)h; (void)out; return -EOPNOTSUPP; }

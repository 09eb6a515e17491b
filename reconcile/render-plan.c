/* SPDX-License-Identifier: MIT */
/* placeholder: plan rendering */
#include "render.h"
int render_plan_text(const struct plan *p, FILE *out) { (void)p; (void)out; return -EOPNOTSUPP; }
int render_plan_json(const struct plan *p, FILE *out) { (void)p; (void)out; return -EOPNOTSUPP; }

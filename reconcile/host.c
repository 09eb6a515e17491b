/* SPDX-License-Identifier: MIT */
/* placeholder: struct host lifecycle and lookups */
#include "host.h"
struct host *host_new(void) { return calloc(1, sizeof(struct host)); }
void host_free(struct host *h) { free(h); }

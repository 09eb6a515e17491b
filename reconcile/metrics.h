/* SPDX-License-Identifier: MIT */
/*
 * sriovctl metrics: the host's VFs and the drift of a desired state, in
 * the Prometheus text format that node_exporter's textfile collector
 * reads. Pure: the host and the plan in, text out.
 */
#pragma once

#include <stdio.h>

#include "host.h"
#include "plan.h"
#include "spec.h"

/*
 * Write the metrics of h and, when s is given, of its plan p (NULL: it
 * could not be planned: sriovctl_plan_ok 0, no drift series): per pending
 * and blocked change sriovctl_drift / sriovctl_blocked {kind, target,
 * field} 1, per PF sriovctl_vfs and sriovctl_vfs_desired, per VF
 * sriovctl_vf_info {pf, vf, address, driver, guest} 1 and the counters
 * its PF reports (sriovctl_vf_rx_bytes_total ...) with the guest that
 * holds it. Label values are escaped. 0 or -EIO, -ENOMEM.
 */
int metrics_render(const struct spec *s, const struct host *h, const struct plan *p, FILE *out);

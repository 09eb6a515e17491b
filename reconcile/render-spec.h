/* SPDX-License-Identifier: MIT */
/*
 * The observed host as a desired-state file (show --format spec), to
 * start a host's file from what it is: applied to the same host it plans
 * nothing.
 */
#pragma once

#include <stdio.h>

#include "host.h"

/*
 * Write h as a desired-state file: the hostname guard, modprobe.d options
 * (a module whose options sit in one valid /etc/modprobe.d file), every
 * SR-IOV PF with its VF count, autoprobe and each VF's known settings and
 * driver, and each guest's PCI devices. What a file cannot hold is left
 * out with a comment saying why. -EIO when writing fails.
 */
int render_host_spec(const struct host *h, FILE *out);

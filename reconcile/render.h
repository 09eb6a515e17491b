/* SPDX-License-Identifier: MIT */
/*
 * Plans and hosts for people (text) and programs (JSON). Text and JSON of
 * one object come from one code path.
 */
#pragma once

#include <stdio.h>

#include "host.h"
#include "plan.h"

/* Diff-like text: "~ 0000:0b:00.0 num-vfs 0 -> 7", "+ attach ...", "! blocked: ...". */
int render_plan_text(const struct plan *p, FILE *out);
/* The stable JSON contract of DESIGN.md. */
int render_plan_json(const struct plan *p, FILE *out);

/* A table like lspci + virsh in one. */
int render_host_text(const struct host *h, FILE *out);
int render_host_json(const struct host *h, FILE *out);

/* SPDX-License-Identifier: MIT */
/*
 * Plans for people (text) and programs (JSON), text and JSON of one action
 * from one code path; hosts for people. Programs read a host as the
 * host-state document (state_write_json, host-state.h).
 */
#pragma once

#include <stdio.h>

#include "host.h"
#include "plan.h"

/* Diff-like text: "~ 0000:0b:00.0 num-vfs 0 -> 7", "+ attach ...", "! blocked: ...". */
int render_plan_text(const struct plan *p, FILE *out);
/* The same, with color: ANSI colours by prefix (+ green, ~ yellow, - and ! red). */
int render_plan_text_color(const struct plan *p, FILE *out, bool color);
/* The stable JSON contract (schema/plan.schema.json), pretty-printed. */
int render_plan_json(const struct plan *p, FILE *out);

struct json_object;
enum {
	RENDER_PLAN_SAVED = 1 << 0, /* a saved plan: its source and each action's users */
};
/* The plan as a JSON tree (owned; NULL on OOM). */
struct json_object *render_plan_tree(const struct plan *p, unsigned flags);
/*
 * One action's text line without its prefix ("0000:0b:00.0 num-vfs 2 ->
 * 4"), unescaped, in *ret (owned); returns the prefix ('+', '~', '-') or 0
 * when out of memory.
 */
char render_action_text(const struct action *a, char **ret);
/* One action as a JSON object (owned); with_facts adds "users". */
struct json_object *render_action_json(const struct action *a, bool with_facts);
/* Write o on one line (or pretty) and a newline. -ENOMEM, -EIO. */
int render_json(struct json_object *o, bool pretty, FILE *out);

/*
 * The host as a Graphviz digraph: PFs, their VFs (driver, MAC, VLAN), other
 * devices guests hold, and each guest with an edge from every device it
 * holds (config, live). With a plan p (may be NULL), its pending changes
 * are marked: the PF, VF, module or file they change in orange (new VFs
 * dashed), attach edges green and dashed, detach red, blocked changes red
 * with why. Every string is escaped for DOT. 0, -ENOMEM or -EIO.
 */
int render_host_dot(const struct host *h, const struct plan *p, FILE *out);

/* A table like lspci + virsh in one; for JSON see state_write_json (host-state.h). */
int render_host_text(const struct host *h, FILE *out);

/* SPDX-License-Identifier: MIT */
/*
 * Plans as diff-like text and as the JSON contract of DESIGN.md.
 *
 * Text: one line per action, "+" creates or attaches, "-" detaches, "~"
 * changes; blocked actions follow as "! blocked: LINE — WHY"; the last line
 * sums up. JSON: {"version":1,"changes":[...],"blocked":[...],"summary":{...}},
 * pretty-printed with two-space indentation, keys in a fixed order; from/to
 * are numbers for set-num-vfs and strings (or null) otherwise.
 */
#include <json-c/json.h>

#include "render.h"

static const char *scopes(const struct action *a)
{
	if (a->live && a->persistent)
		return "[live, config]";
	return a->live ? "[live]" : "[config]";
}

static const char *or_q(const char *s)
{
	return s ? s : "?";
}

/* The action without its prefix; returns the prefix character. */
static char action_line(const struct action *a, FILE *f)
{
	switch (a->kind) {
	case ACTION_DETACH:
		fprintf(f, "detach %s from %s (%s) %s", or_q(a->device), a->target, or_q(a->from),
			scopes(a));
		return '-';
	case ACTION_ATTACH:
		fprintf(f, "attach %s to %s (%s) %s", or_q(a->device), a->target, or_q(a->to),
			scopes(a));
		return '+';
	case ACTION_WRITE_MODPROBE_CONF:
		if (!a->from) {
			fprintf(f, "%s: options %s %s", a->target, or_q(a->module), or_q(a->to));
			return '+';
		}
		fprintf(f, "%s: options %s %s -> %s", a->target, or_q(a->module), a->from,
			or_q(a->to));
		return '~';
	case ACTION_RELOAD_MODULE:
		if (!a->from) {
			fprintf(f, "load module %s: %s", a->target, or_q(a->to));
			return '+';
		}
		fprintf(f, "reload module %s: %s -> %s", a->target, a->from, or_q(a->to));
		if (a->disruptive)
			fprintf(f, " (disruptive: unloads %s and its VFs)", a->target);
		return '~';
	case ACTION_SET_NUM_VFS:
		fprintf(f, "%s num-vfs %u -> %u", a->target, a->num_from, a->num_to);
		if (a->disruptive && a->num_to > 0)
			fputs(" (disruptive: passes through 0)", f);
		else if (a->disruptive)
			fprintf(f, " (disruptive: removes %u VFs)", a->num_from);
		return '~';
	case ACTION_SET_DRIVERS_AUTOPROBE:
		fprintf(f, "%s drivers-autoprobe %s -> %s", a->target, or_q(a->from), or_q(a->to));
		return '~';
	case ACTION_BIND_DRIVER:
		fprintf(f, "%s vf %d driver %s -> %s", a->target, a->vf_id, or_q(a->from),
			or_q(a->to));
		return '~';
	case ACTION_SET_VF:
		fprintf(f, "%s vf %d %s %s -> %s", a->target, a->vf_id, or_q(a->field),
			or_q(a->from), or_q(a->to));
		return '~';
	default:
		fprintf(f, "%s %s", or_q(action_kind_to_string(a->kind)), a->target);
		return '~';
	}
}

int render_plan_text(const struct plan *p, FILE *out)
{
	for (size_t i = 0; i < p->n_changes; i++) {
		const struct action *a = &p->changes[i];
		char *line = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&line, &len);
		if (!f)
			return -ENOMEM;
		char c = action_line(a, f);
		if (fclose(f) != 0) {
			free(line);
			return -ENOMEM;
		}
		fprintf(out, "%c %s\n", c, line);
		free(line);
		if (a->show_reason && a->reason)
			fprintf(out, "  %s\n", a->reason);
		if (a->why)
			fprintf(out, "  forced: %s\n", a->why);
	}
	for (size_t i = 0; i < p->n_blocked; i++) {
		const struct action *a = &p->blocked[i];
		fputs("! blocked: ", out);
		action_line(a, out);
		fprintf(out, " \u2014 %s\n", or_q(a->why));
	}
	if (p->n_changes == 0 && p->n_blocked == 0)
		fputs("No changes: the host matches the desired state.\n", out);
	else
		fprintf(out, "Plan: %zu to change, %zu blocked.\n", p->n_changes, p->n_blocked);
	return ferror(out) ? -EIO : 0;
}

static json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static bool has_device(enum action_kind k)
{
	return k == ACTION_DETACH || k == ACTION_ATTACH || k == ACTION_BIND_DRIVER ||
	       k == ACTION_SET_VF;
}

static json_object *action_json(const struct action *a)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "action", jstr(action_kind_to_string(a->kind)));
	json_object_object_add(o, "target", jstr(a->target));
	if (has_device(a->kind))
		json_object_object_add(o, "device", jstr(a->device));
	if (a->kind == ACTION_SET_VF)
		json_object_object_add(o, "field", jstr(a->field));
	if (a->kind == ACTION_SET_NUM_VFS) {
		json_object_object_add(o, "from", json_object_new_int64(a->num_from));
		json_object_object_add(o, "to", json_object_new_int64(a->num_to));
	} else {
		json_object_object_add(o, "from", jstr(a->from));
		json_object_object_add(o, "to", jstr(a->to));
	}
	json_object_object_add(o, "disruptive", json_object_new_boolean(a->disruptive));
	if (a->kind == ACTION_ATTACH || a->kind == ACTION_DETACH) {
		json_object_object_add(o, "live", json_object_new_boolean(a->live));
		json_object_object_add(o, "persistent", json_object_new_boolean(a->persistent));
	}
	json_object_object_add(o, "reason", jstr(a->reason));
	if (a->why)
		json_object_object_add(o, "why", jstr(a->why));
	return o;
}

static json_object *actions_json(const struct action *v, size_t n)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < n; i++) {
		json_object *o = action_json(&v[i]);
		if (!o || json_object_array_add(arr, o) < 0) {
			json_object_put(o);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

int render_plan_json(const struct plan *p, FILE *out)
{
	json_object *root = json_object_new_object();
	json_object *changes = actions_json(p->changes, p->n_changes);
	json_object *blocked = actions_json(p->blocked, p->n_blocked);
	json_object *summary = json_object_new_object();
	int r = 0;

	if (!root || !changes || !blocked || !summary) {
		json_object_put(root);
		json_object_put(changes);
		json_object_put(blocked);
		json_object_put(summary);
		return -ENOMEM;
	}
	json_object_object_add(summary, "changes", json_object_new_int64(p->n_changes));
	json_object_object_add(summary, "blocked", json_object_new_int64(p->n_blocked));
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "changes", changes);
	json_object_object_add(root, "blocked", blocked);
	json_object_object_add(root, "summary", summary);
	const char *s =
	    json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || fprintf(out, "%s\n", s) < 0 || ferror(out))
		r = s ? -EIO : -ENOMEM;
	json_object_put(root);
	return r;
}

/* SPDX-License-Identifier: MIT */
/* sriovctl plan: what apply would do; -o saves the plan with what it was made from. */
#include <fcntl.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "render.h"
#include "scope.h"
#include "sha256.h"

/*
 * The text the plan was made from: the file, or the default file and its
 * drop-ins one after the other, read again (owned in *ret).
 */
static int spec_text(const struct spec *s, char **ret)
{
	_cleanup_(freep) char *all = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&all, &len);
	int r = f ? 0 : -ENOMEM;

	for (size_t i = 0; r >= 0 && i <= s->n_merged; i++) {
		const char *path = i == 0 ? s->path : s->merged[i - 1];
		_cleanup_(freep) char *text = NULL;
		r = read_text_file(path, 16u << 20, &text);
		if (r < 0)
			log_error("cannot read '%s' again: %s", path, strerror(-r));
		else
			fputs(text, f);
	}
	if (f && fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r >= 0)
		*ret = TAKE_PTR(all);
	return r;
}

static int write_json(FILE *f, void *root)
{
	return render_json(root, true, f);
}

/*
 * plan -o FILE: the plan with what it was computed from, written to a
 * temporary file and renamed, so that a reader never sees half a plan.
 */
static int save_plan(const struct args *a, const struct spec *s, const struct host *h,
		     struct plan *p)
{
	_cleanup_(freep) char *text = NULL;
	char digest[SHA256_HEX_LEN];
	json_object *root;
	int r;

	r = spec_text(s, &text);
	if (r < 0)
		return r;
	sha256_hex(text, strlen(text), digest);
	p->source = (struct plan_source){
	    .version = strdup(VERSION),
	    .hostname = strdup_or_null(h->hostname),
	    .spec_path = strdup(s->path),
	    .spec_sha256 = strdup(digest),
	    .libvirt_uri = strdup(libvirt_uri(a, s)),
	    .forced = a->force,
	};
	root = render_plan_tree(p, RENDER_PLAN_SAVED);
	r = root ? write_file_atomic(a->out, 0600, write_json, root) : -ENOMEM;
	if (r < 0)
		log_error("cannot write the plan to '%s': %s", a->out, strerror(-r));
	json_object_put(root);
	return r;
}

int cmd_plan(struct args *a)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(host_freep) struct host *h = NULL;
	_cleanup_(plan_freep) struct plan *p = NULL;
	int ret;

	bool dot = a->format && streq(a->format, "dot");

	if (a->format && !streq(a->format, "text") && !streq(a->format, "json") && !dot)
		return usage_error("unknown format '%s' (text, json, dot)", a->format);
	ret = load_and_plan(a, &s, &h, &p);
	if (ret >= 0)
		return ret;
	if (dot && (render_host_dot(h, p, stdout) < 0 || fflush(stdout) != 0))
		return log_error("cannot write output"), EXIT_ERROR;
	if (!dot && print_plan(a, p) < 0)
		return EXIT_ERROR;
	if (a->out && save_plan(a, s, h, p) < 0)
		return EXIT_ERROR;
	if (a->detailed_exitcode && (p->n_changes > 0 || p->n_blocked > 0))
		return EXIT_CHANGES;
	return EXIT_OK;
}

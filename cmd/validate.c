/* SPDX-License-Identifier: MIT */
/* sriovctl validate: check desired-state files (text or one JSON object per file). */
#include <json-c/json.h>

#include "cli.h"
#include "spec-merge.h"

static int print_validate_json(const char *file, bool valid, struct diag *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *diags = diag_to_json(d);
	int r = -ENOMEM;

	if (o && diags) {
		json_object_object_add(o, "file", json_object_new_string(file));
		json_object_object_add(o, "valid", json_object_new_boolean(valid));
		json_object_object_add(o, "diagnostics", diags);
		diags = NULL;
		const char *text = json_object_to_json_string_ext(
		    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		r = text && printf("%s\n", text) > 0 ? 0 : -EIO;
	}
	json_object_put(diags);
	json_object_put(o);
	return r;
}

/* Check one file (the default set: merged, named after its first file); returns the exit code. */
static int validate_one(const struct args *a, const char *file, char *const *merged, size_t n)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	bool json = a->format && streq(a->format, "json");
	struct diag d;
	int r, ret = EXIT_OK;

	diag_init(&d);
	r = merged ? spec_load_merged(merged, n, &d, &s) : spec_load(file, &d, &s);
	if (r < 0)
		ret = EXIT_INVALID;
	if (json) {
		/* the diagnostics are in the object, not on stderr; -q keeps the objects */
		diag_sort(&d);
		if (print_validate_json(file, r >= 0, &d) < 0) {
			log_error("cannot write output");
			ret = EXIT_ERROR;
		}
	} else {
		print_diag(&d);
		if (r >= 0 && !a->quiet)
			printf("%s%s: valid (%zu PF%s, %zu module%s, %zu guest%s)\n", file,
			       n > 1 ? " and its drop-ins" : "", s->n_pfs, s->n_pfs == 1 ? "" : "s",
			       s->n_modules, s->n_modules == 1 ? "" : "s", s->n_guests,
			       s->n_guests == 1 ? "" : "s");
	}
	diag_release(&d);
	return ret;
}

int cmd_validate(struct args *a)
{
	bool json = a->format && streq(a->format, "json");
	int ret = EXIT_OK;

	if (a->format && !json && !streq(a->format, "text"))
		return usage_error("unknown format '%s' (text, json)", a->format);
	if (a->file) {
		ret = validate_one(a, a->file, NULL, 0);
	} else if (a->argc == 0) {
		char **paths = NULL;
		size_t n = 0;
		ret = default_files(a, &paths, &n);
		if (ret < 0)
			ret = validate_one(a, paths[0], paths, n);
		spec_paths_free(paths, n);
	}
	for (int i = 0; i < a->argc; i++) {
		int r = validate_one(a, a->argv[i], NULL, 0);
		if (r != EXIT_OK && ret != EXIT_ERROR)
			ret = r;
	}
	if (fflush(stdout) != 0) {
		log_error("cannot write output: %s", strerror(errno));
		return EXIT_ERROR;
	}
	return ret;
}

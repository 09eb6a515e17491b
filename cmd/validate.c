/* SPDX-License-Identifier: MIT */
/* sriovctl validate: check desired-state files (text or one JSON object per file). */
#include <json-c/json.h>

#include "cli.h"

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

int cmd_validate(struct args *a)
{
	bool json = a->format && streq(a->format, "json");
	int ret = EXIT_OK;

	if (a->format && !json && !streq(a->format, "text"))
		return usage_error("validate: unknown format '%s' (text, json)", a->format);
	if (a->argc < 1)
		return usage_error("validate: no file given");
	for (int i = 0; i < a->argc; i++) {
		_cleanup_(spec_freep) struct spec *s = NULL;
		struct diag d;
		int r;

		diag_init(&d);
		r = spec_load(a->argv[i], &d, &s);
		if (r < 0)
			ret = EXIT_INVALID;
		if (json) {
			/* the diagnostics are in the object, not on stderr; -q keeps the objects */
			diag_sort(&d);
			if (print_validate_json(a->argv[i], r >= 0, &d) < 0) {
				fprintf(stderr, "%s: error: cannot write output\n", prog);
				ret = EXIT_ERROR;
			}
			diag_release(&d);
			continue;
		}
		print_diag(&d);
		if (r < 0) {
			/* reported above */
		} else if (!a->quiet) {
			printf("%s: valid (%zu PF%s, %zu module%s, %zu guest%s)\n", a->argv[i],
			       s->n_pfs, s->n_pfs == 1 ? "" : "s", s->n_modules,
			       s->n_modules == 1 ? "" : "s", s->n_guests,
			       s->n_guests == 1 ? "" : "s");
		}
		diag_release(&d);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "%s: error: cannot write output: %s\n", prog, strerror(errno));
		return EXIT_ERROR;
	}
	return ret;
}

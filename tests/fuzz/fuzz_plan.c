/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the planner on (spec, host) pairs. The input is a
 * desired-state file, a line "%%host%%", then a host-state file. When
 * both load, plan_compute must not crash, and the plan as saved JSON
 * (render_plan_tree with RENDER_PLAN_SAVED) must read back with
 * plan_load_buffer and render to the same JSON; so must its text render.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host-state.h"
#include "plan.h"
#include "render.h"
#include "spec.h"

#define SEP "%%host%%\n"

static char *saved_json(const struct plan *p)
{
	json_object *root = render_plan_tree(p, RENDER_PLAN_SAVED);
	char *s;

	if (!root)
		abort();
	s = strdup(json_object_to_json_string_ext(
	    root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	if (!s)
		abort();
	return s;
}

static void check_plan(struct plan *p)
{
	struct plan *back = NULL;
	struct diag d;
	char *one, *two, *text = NULL;
	size_t n_text = 0;
	FILE *f;

	p->source = (struct plan_source){
	    .version = strdup("0.1.0"),
	    .hostname = strdup("fuzz"),
	    .spec_path = strdup("fuzz.yaml"),
	    .spec_sha256 = strdup("0000"),
	    .libvirt_uri = strdup("qemu:///system"),
	};
	one = saved_json(p);
	diag_init(&d);
	if (plan_load_buffer("plan.json", one, strlen(one), &d, &back) < 0) {
		diag_print(&d, stderr);
		fprintf(stderr, "saved plan does not load:\n%s\n", one);
		__builtin_trap();
	}
	diag_release(&d);
	two = saved_json(back);
	if (strcmp(one, two) != 0) {
		fprintf(stderr, "saved:\n%s\nloaded and saved again:\n%s\n", one, two);
		__builtin_trap();
	}
	f = open_memstream(&text, &n_text);
	if (!f || render_plan_text(p, f) < 0 || render_plan_json(p, f) < 0)
		__builtin_trap();
	fclose(f);
	free(text);
	free(one);
	free(two);
	plan_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *sep = memmem(in, size, SEP, strlen(SEP));
	struct spec *s = NULL;
	struct host *h = NULL;
	struct diag d;

	if (!sep || (sep != in && sep[-1] != '\n'))
		return 0;
	diag_init(&d);
	if (spec_load_buffer("spec.yaml", in, (size_t)(sep - in), &d, &s) < 0)
		goto out;
	sep += strlen(SEP);
	if (state_load_buffer("host.yaml", sep, size - (size_t)(sep - in), &d, &h) < 0)
		goto out;
	for (int force = 0; force <= 1; force++) {
		struct plan_opts o = {.force = force};
		struct plan *p = NULL;
		struct diag pd;

		diag_init(&pd);
		if (plan_compute(s, h, &o, &pd, &p) == 0)
			check_plan(p);
		else if (pd.n_errors == 0)
			__builtin_trap(); /* a failure must say why */
		plan_free(p);
		diag_release(&pd);
	}
out:
	spec_free(s);
	host_free(h);
	diag_release(&d);
	return 0;
}

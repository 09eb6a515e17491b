/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the modprobe.d updater. The input's first line is
 * "FLAGS MODULE KEY=VALUE ..." (FLAGS: 'o' the file is sriovctl's, 'n'
 * the file is absent, '-' neither), the rest the file's content. Names
 * and values that the desired-state loader refuses are skipped. After an
 * update with the wanted options, _matches must say the new content
 * matches, and a second update must change nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modconf.h"
#include "plan.h"

#define MAX_WANT 8

/* What spec.c accepts: [A-Za-z0-9_] plus extra. */
static bool name_ok(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || (extra && strchr(extra, *s))))
			return false;
	return true;
}

static bool value_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || strchr("\"'#\\", *s))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *nl = memchr(in, '\n', size);
	struct module_param want[MAX_WANT];
	size_t n_want = 0;
	char *head, *content = NULL, *one = NULL, *two = NULL, *save, *module, *tok;
	bool owned, absent;

	if (!nl || memchr(in, '\0', size))
		return 0;
	head = strndup(in, (size_t)(nl - in));
	if (!head)
		return 0;
	owned = strchr(head, 'o') && head[0] != ' ';
	absent = head[0] == 'n';
	strtok_r(head, " ", &save); /* flags */
	module = strtok_r(NULL, " ", &save);
	if (!module || !name_ok(module, "-"))
		goto out;
	while ((tok = strtok_r(NULL, " ", &save))) {
		char *eq = strchr(tok, '=');
		if (!eq || n_want == MAX_WANT)
			goto out;
		*eq = '\0';
		if (!name_ok(tok, NULL) || !value_ok(eq + 1))
			goto out;
		for (size_t i = 0; i < n_want; i++)
			if (modname_eq(want[i].key, tok))
				goto out; /* a YAML mapping has unique keys */
		want[n_want++] = (struct module_param){.key = tok, .value = eq + 1};
	}
	if (!absent) {
		content = strndup(nl + 1, size - (size_t)(nl + 1 - in));
		if (!content)
			goto out;
	}
	if (plan_modprobe_conf_update(content, module, want, n_want, owned, &one) < 0)
		goto out;
	if (plan_modprobe_conf_matches(one, module, want, n_want, owned) != 1) {
		fprintf(stderr, "updated content does not match:\n%s", one);
		__builtin_trap();
	}
	if (plan_modprobe_conf_update(one, module, want, n_want, owned, &two) < 0 ||
	    strcmp(one, two) != 0) {
		fprintf(stderr, "second update changes:\n%s---\n%s", one, two ? two : "(error)");
		__builtin_trap();
	}
out:
	free(content);
	free(one);
	free(two);
	free(head);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Values of a desired-state file that reach other programs: the libvirt
 * URI (libvirt may run a program or connect elsewhere for it) and guest
 * names (printed in plans, passed to libvirt). The file arrives through
 * pull requests, so both are checked against what is safe, not only
 * against what is well-formed.
 */
#include "spec.h"

/*
 * Query parameters of libvirt's remote driver that name a program to run,
 * a socket to reach or a key to read. Every parameter is refused in a
 * file; these are named as such in the message.
 */
static const char *const dangerous_params[] = {
    "command", "netcat", "socket", "keyfile", "known_hosts", "proxy", "pkipath",
};

static bool dangerous_param(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(dangerous_params); i++)
		if (strlen(dangerous_params[i]) == len && !strncmp(name, dangerous_params[i], len))
			return true;
	return false;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return true;
	return false;
}

/* Append "; " and a formatted reason to *out (NULL: the first). */
static void add_reason(char **out, bool *oom, const char *fmt, const char *arg, int len)
{
	_cleanup_(freep) char *r = strprintf(fmt, len, arg);
	char *n = r ? strprintf("%s%s%s", *out ? *out : "", *out ? "; " : "", r) : NULL;

	if (!n) {
		*oom = true;
		return;
	}
	free(*out);
	*out = n;
}

char *spec_libvirt_uri_refusal(const char *uri)
{
	_cleanup_(freep) char *why = NULL;
	bool oom = false;
	const char *sep = strstr(uri, "://");

	if (has_control(uri) || strchr(uri, ' '))
		return strdup("contains a space or a control character");
	if (!sep || sep == uri)
		return strdup("is not of the form DRIVER:///PATH");

	const char *plus = memchr(uri, '+', (size_t)(sep - uri));
	size_t drv_len = (size_t)((plus ? plus : sep) - uri);
	if (plus)
		add_reason(&why, &oom, "uses transport '%.*s'", plus + 1, (int)(sep - plus - 1));

	const char *auth = sep + 3, *path = auth + strcspn(auth, "/?#");
	if (path > auth)
		add_reason(&why, &oom, "names a host '%.*s'", auth, (int)(path - auth));

	size_t path_len = strcspn(path, "?#");
	bool qemu = drv_len == 4 && !strncmp(uri, "qemu", 4);
	bool test = drv_len == 4 && !strncmp(uri, "test", 4);
	if (!qemu && !test)
		add_reason(&why, &oom, "uses driver '%.*s' (only qemu and test)", uri,
			   (int)drv_len);
	else if (qemu && !(path_len == 7 && !strncmp(path, "/system", 7)) &&
		 !(path_len == 8 && !strncmp(path, "/session", 8)))
		add_reason(&why, &oom, "has path '%.*s' (qemu:///system or qemu:///session)", path,
			   (int)path_len);
	else if (test && !(path_len == 8 && !strncmp(path, "/default", 8)))
		add_reason(&why, &oom, "has path '%.*s' (test:///default)", path, (int)path_len);

	const char *q = path + path_len;
	if (*q == '?') {
		for (const char *p = q + 1; *p && *p != '#';) {
			size_t n = strcspn(p, "&#"), k = strcspn(p, "=&#");
			if (k > n)
				k = n;
			if (n > 0)
				add_reason(&why, &oom,
					   dangerous_param(p, k)
					       ? "has query parameter '%.*s', which names a program, "
						 "socket or key"
					       : "has query parameter '%.*s'",
					   p, (int)k);
			p += n;
			if (*p == '&')
				p++;
		}
		q += strcspn(q, "#");
	}
	if (*q == '#')
		add_reason(&why, &oom, "has a fragment '%.*s'", q, (int)strlen(q));
	if (oom)
		return strdup("cannot be checked: out of memory");
	return TAKE_PTR(why);
}

const char *spec_guest_name_refusal(const char *name)
{
	if (!*name)
		return "is empty";
	if (strchr(name, '/'))
		return "contains '/', which libvirt does not accept in a name";
	if (has_control(name))
		return "contains a control character (a newline, a tab, an escape ...)";
	return NULL;
}

/* SPDX-License-Identifier: MIT */
/*
 * The desired-state loader's values: what a PCI address, a MAC, a module,
 * driver or interface name and a modprobe.d file name may be, and the
 * getters that read such a value from the YAML tree or report why not.
 * Shared by the section readers (spec-pfs.c, spec-guests.c) and spec.c.
 */
#include "spec-internal.h"

/* ---- syntax ---- */

/* Parse n hex digits at s into *v. */
static bool hexn(const char *s, size_t n, unsigned *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		int h = hex_digit(s[i]);
		if (h < 0)
			return false;
		*v = *v * 16 + (unsigned)h;
	}
	return true;
}

/* "BB:SS.F" at s (exactly 7 characters). */
static bool bus_slot_fn(const char *s, unsigned *bus, unsigned *slot, unsigned *fn)
{
	if (strlen(s) != 7 || s[2] != ':' || s[5] != '.')
		return false;
	if (!hexn(s, 2, bus) || !hexn(s + 3, 2, slot) || !hexn(s + 6, 1, fn))
		return false;
	return *slot <= 0x1f && *fn <= 7;
}

/* Domain of 4 hex digits, or 5..8 without a leading zero (VMD domains). */
static bool split_domain(const char *s, unsigned *dom, const char **rest)
{
	const char *colon = strchr(s, ':');
	size_t n;

	if (!colon)
		return false;
	n = (size_t)(colon - s);
	if (n < 4 || n > 8 || (n > 4 && s[0] == '0'))
		return false;
	if (!hexn(s, n, dom))
		return false;
	*rest = colon + 1;
	return true;
}

bool pci_address_valid(const char *s)
{
	unsigned dom, bus, slot, fn;
	const char *rest;

	return s && split_domain(s, &dom, &rest) && bus_slot_fn(rest, &bus, &slot, &fn);
}

/* v in lowercase hex, at least width digits, at o; returns the end. */
static char *hex_put(char *o, unsigned v, unsigned width)
{
	unsigned n = 1;

	while (n < 8 && v >> (4 * n))
		n++;
	if (n < width)
		n = width;
	for (unsigned i = n; i > 0; i--, v >>= 4)
		o[i - 1] = "0123456789abcdef"[v & 0xf];
	return o + n;
}

/* Normalise into out (lowercase, with domain); false if s is not an address. */
bool spec_pci_norm(const char *s, char out[24])
{
	unsigned dom = 0, bus, slot, fn;
	const char *rest = s;

	if (!s)
		return false;
	if (strlen(s) != 7 && !split_domain(s, &dom, &rest))
		return false;
	if (!bus_slot_fn(rest, &bus, &slot, &fn))
		return false;
	/* "%04x:%02x:%02x.%x" without snprintf: every VF of a spec comes here */
	out = hex_put(out, dom, 4);
	*out++ = ':';
	out = hex_put(out, bus, 2);
	*out++ = ':';
	out = hex_put(out, slot, 2);
	*out++ = '.';
	out = hex_put(out, fn, 1);
	*out = '\0';
	return true;
}

char *pci_address_normalize(const char *s)
{
	char buf[24];

	return spec_pci_norm(s, buf) ? strdup(buf) : NULL;
}

bool mac_address_valid(const char *s)
{
	if (!s || strlen(s) != 17)
		return false;
	for (size_t i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : hex_digit(s[i]) < 0)
			return false;
	}
	return true;
}

bool driver_is_passthrough(const char *driver)
{
	return driver && (streq(driver, "vfio-pci") || streq(driver, "pci-stub"));
}

bool mac_address_multicast(const char *s)
{
	return mac_address_valid(s) && (hex_digit(s[1]) & 1);
}

/* [A-Za-z0-9_-]+ (module and driver names); extra adds allowed characters. */
bool spec_name_valid(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || (extra && strchr(extra, c))))
			return false;
	}
	return true;
}

/* As the kernel's dev_valid_name(). */
bool spec_ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || streq(s, ".") || streq(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || (unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

/* An absolute path directly in /etc/modprobe.d/, NAME.conf, NAME harmless. */
bool spec_modprobe_file_valid(const char *s)
{
	size_t n = strlen(MODPROBE_DIR), len = strlen(s);
	const char *base = s + n;

	if (len <= n + 5 || strncmp(s, MODPROBE_DIR, n) != 0)
		return false;
	if (base[0] == '.' || strstr(base, "..") || !spec_name_valid(base, "-.+"))
		return false;
	return streq(s + len - 5, ".conf");
}

/* ---- values ---- */

const char *pf_label(const struct pf_spec *pf)
{
	if (pf->pci)
		return pf->pci;
	return pf->interface ? pf->interface : "?";
}

bool spec_get_pci(struct loader *ld, const struct ynode *key, const struct ynode *v, char **out)
{
	const char *t = yget_text(&ld->y, key, v);

	if (!t)
		return false;
	free(*out);
	*out = pci_address_normalize(t);
	if (!*out) {
		yerror(&ld->y, v, "malformed PCI address '%s' " PCI_ADDRESS_EXPECTED,
		       yq(&ld->y, t));
		return false;
	}
	return true;
}

bool spec_get_mac(struct loader *ld, const struct ynode *key, const struct ynode *v, char **out)
{
	const char *t = yget_text(&ld->y, key, v);

	if (!t)
		return false;
	if (!mac_address_valid(t)) {
		yerror(&ld->y, v, "malformed MAC address '%s' " MAC_ADDRESS_EXPECTED,
		       yq(&ld->y, t));
		return false;
	}
	if (mac_address_multicast(t)) {
		yerror(&ld->y, v, "MAC address '%s' is multicast (the first octet must be even)",
		       yq(&ld->y, t));
		return false;
	}
	free(*out);
	*out = strdup(t);
	if (!*out) {
		ld->y.oom = true;
		return false;
	}
	for (char *p = *out; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	return true;
}

bool spec_get_driver(struct loader *ld, const struct ynode *key, const struct ynode *v, char **out)
{
	const char *t = yget_text(&ld->y, key, v);

	if (!t)
		return false;
	if (!spec_name_valid(t, "-")) {
		yerror(&ld->y, v,
		       "invalid driver name '%s' (allowed: letters, digits, '_' and '-')",
		       yq(&ld->y, t));
		return false;
	}
	return yget_str(&ld->y, key, v, out);
}

bool spec_get_ifname(struct loader *ld, const struct ynode *key, const struct ynode *v, char **out)
{
	const char *t = yget_text(&ld->y, key, v);

	if (!t)
		return false;
	if (!spec_ifname_valid(t)) {
		yerror(&ld->y, v, "invalid interface name '%s'", yq(&ld->y, t));
		return false;
	}
	return yget_str(&ld->y, key, v, out);
}

bool spec_item_is_mapping(struct loader *ld, const struct ynode *item, const char *what)
{
	if (item->kind == YNODE_MAPPING)
		return true;
	yerror(&ld->y, item, "wrong type for %s: expected a mapping, got %s", what,
	       ygot(&ld->y, item));
	return false;
}

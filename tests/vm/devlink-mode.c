/* SPDX-License-Identifier: MIT */
/*
 * devlink-mode BUS/DEV [legacy|switchdev]: read (and first set) the
 * eswitch mode of a devlink handle through reconcile/devlink.c, for the VM
 * tier, which compares it with iproute2's `devlink dev eswitch show`.
 * Prints the mode; on a failure the error on stderr and exit 1, or 2 when
 * the device has no eswitch mode.
 */
#include <stdio.h>
#include <string.h>

#include "devlink.h"

int main(int argc, char **argv)
{
	enum eswitch_mode mode = ESWITCH_MODE_UNSET;
	char bus[64];
	const char *slash = argc > 1 ? strchr(argv[1], '/') : NULL;
	struct diag d;
	int r = 0;

	if (argc < 2 || argc > 3 || !slash || (size_t)(slash - argv[1]) >= sizeof(bus) ||
	    (argc == 3 && eswitch_mode_from_name(argv[2]) == ESWITCH_MODE_UNSET)) {
		fprintf(stderr, "usage: devlink-mode BUS/DEV [legacy|switchdev]\n");
		return 64;
	}
	snprintf(bus, sizeof(bus), "%.*s", (int)(slash - argv[1]), argv[1]);
	diag_init(&d);
	if (argc == 3)
		r = devlink_eswitch_set(bus, slash + 1, eswitch_mode_from_name(argv[2]), &d);
	if (r >= 0)
		r = devlink_eswitch_get(bus, slash + 1, &mode, &d);
	if (r >= 0)
		printf("%s\n", eswitch_mode_name(mode));
	diag_print(&d, stderr);
	diag_release(&d);
	return r >= 0 ? 0 : devlink_unsupported(r) ? 2 : 1;
}

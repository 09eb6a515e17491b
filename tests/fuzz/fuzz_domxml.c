/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the domain-XML reader: any input parses or is
 * refused; each device parsed is found again by its address, and the
 * device XML built from it parses back to the same device; each interface
 * on a network read in the same parse is found again by a walk of the
 * whole tree (domain_xml_find_net()).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domxml.h"

static bool streq_null(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool dev_eq(const struct guest_dev_state *a, const struct guest_dev_state *b)
{
	return a->type == b->type && streq_null(a->address, b->address) &&
	       streq_null(a->mac, b->mac) && a->vlan == b->vlan &&
	       streq_null(a->virtualport_type, b->virtualport_type) &&
	       streq_null(a->profileid, b->profileid) && a->managed == b->managed;
}

static void round_trip(const struct guest_dev_state *dev)
{
	struct guest_dev_state *back = NULL;
	size_t n_back = 0;
	char *built = domain_xml_device(dev), *xml;

	if (!built)
		return; /* not a device that can be built (invalid address) */
	if (asprintf(&xml, "<domain><devices>%s</devices></domain>", built) < 0)
		abort();
	if (domain_xml_parse_devices(xml, &back, &n_back) < 0 || n_back != 1 ||
	    !dev_eq(dev, &back[0])) {
		fprintf(stderr, "built device does not parse back to itself:\n%s\n", built);
		__builtin_trap();
	}
	for (size_t i = 0; i < n_back; i++)
		guest_dev_state_release(&back[i]);
	free(back);
	free(xml);
	free(built);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_dev_state *devs = NULL, *nets = NULL;
	size_t n = 0, n_nets = 0;
	int nets_r;
	char *xml = strndup((const char *)data, size);

	if (!xml)
		return 0;
	int r = domain_xml_parse(xml, &devs, &n, &nets, &n_nets, &nets_r);
	for (size_t i = 0; i < n_nets; i++) {
		char *found = NULL;

		if (domain_xml_find_net(xml, nets[i].network, nets[i].mac, &found) < 0 || !found) {
			fprintf(stderr, "interface on network '%s' parsed but not found\n",
				nets[i].network);
			__builtin_trap();
		}
		free(found);
		guest_dev_state_release(&nets[i]);
	}
	free(nets);
	if (r == 0) {
		for (size_t i = 0; i < n; i++) {
			char *found = NULL;

			if (domain_xml_find_device(xml, devs[i].address, &found) < 0 || !found) {
				fprintf(stderr, "device '%s' parsed but not found\n",
					devs[i].address);
				__builtin_trap();
			}
			free(found);
			round_trip(&devs[i]);
		}
	}
	for (size_t i = 0; i < n; i++)
		guest_dev_state_release(&devs[i]);
	free(devs);
	free(xml);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Domain XML and the PCI devices assigned to a guest in it, both ways.
 * Pure: strings in, strings and structs out (libxml2).
 */
#pragma once

#include "host.h"

/*
 * Parse the PCI hostdevs and type='hostdev' interfaces of a domain XML
 * into *ret (an owned array of *ret_n). Accepts addresses in hex ("0x0b")
 * or decimal ("11"); the domain is optional. -EINVAL: not a domain XML;
 * -ELIBACC: libxml2 cannot be loaded (every function here loads it
 * with dlopen() on first use).
 */
int domain_xml_parse_devices(const char *xml, struct guest_dev_state **ret, size_t *ret_n);

/*
 * domain_xml_parse_devices(), and in the same parse the interfaces on a
 * network (<interface> elements of the first <devices> whose <source>
 * names one) into *ret_nets (owned,
 * *ret_n_nets of them), when ret_nets is not NULL. *ret_nets_r says
 * whether those could be read: 0, -EINVAL (not a domain, or a malformed
 * address or VLAN tag in one of them: then none), -ENOMEM; apart from
 * what the devices' result says.
 */
int domain_xml_parse(const char *xml, struct guest_dev_state **ret, size_t *ret_n,
		     struct guest_dev_state **ret_nets, size_t *ret_n_nets, int *ret_nets_r);

/*
 * Load libxml2 now rather than on first use: a process about to fork
 * workers that will need it (libvirt's) loads it once, before, so that
 * they share it. 0, or -ELIBACC (see domain_xml_error()).
 */
int domain_xml_load(void);

/*
 * Why the last domain_xml_parse_devices() of this thread failed, for a
 * message: libxml2's error (its first line may be followed by more) and
 * its line in *ret_line, or why libxml2 cannot be loaded (*ret_line 0);
 * NULL when libxml2 reported no error (the XML parsed but is not a
 * domain, or a device in it is malformed). Not owned.
 */
const char *domain_xml_error(int *ret_line);

/*
 * The <hostdev> or <interface type='hostdev'> element of a domain XML
 * whose PCI source address is addr ("0000:0b:10.0"; the XML may write it
 * in hex or decimal), serialised, in *ret (owned; NULL when there is none).
 */
int domain_xml_find_device(const char *xml, const char *addr, char **ret);

/*
 * The libvirt device XML of a device: <interface type='hostdev'> (MAC,
 * VLAN, virtualport) or <hostdev mode='subsystem' type='pci'>; for a
 * device with a network, <interface type='network'> (MAC). Owned;
 * NULL for an invalid address or out of memory.
 */
char *domain_xml_device(const struct guest_dev_state *dev);

/*
 * The <interface> of a domain XML on network (and with MAC mac, unless
 * NULL), serialised, in *ret (owned; NULL when there is none).
 */
int domain_xml_find_net(const char *xml, const char *network, const char *mac, char **ret);

/*
 * The XML of a VF pool: <network><name/><forward mode='hostdev'
 * managed=><pf dev=/></forward>[<vlan><tag id=/></vlan>]</network>.
 * Owned; NULL on a missing argument or out of memory.
 */
char *network_xml_build(const char *name, const char *pf_dev, bool managed, int vlan);

// SPDX-License-Identifier: MIT
/*
 * List the PCI devices the way lspci -D -nn does, through libpci's sysfs
 * back end, plus what config space says about SR-IOV:
 *   "ADDR [VVVV:DDDD] NAME" and, for a PF, " sriov total=N vf-device=DDDD"
 */
#include <pci/pci.h>
#include <stdio.h>

#define EXT_CAP_SRIOV 0x10

int main(void)
{
	struct pci_access *a = pci_alloc();
	struct pci_dev *d;
	char name[256];

	pci_init(a);
	pci_scan_bus(a);
	for (d = a->devices; d; d = d->next) {
		struct pci_cap *cap;

		pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_EXT_CAPS);
		printf("%04x:%02x:%02x.%d [%04x:%04x] %s", d->domain, d->bus, d->dev, d->func,
		       d->vendor_id, d->device_id,
		       pci_lookup_name(a, name, sizeof(name), PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE,
				       d->vendor_id, d->device_id));
		cap = pci_find_cap(d, EXT_CAP_SRIOV, PCI_CAP_EXTENDED);
		if (cap)
			printf(" sriov total=%u vf-device=%04x", pci_read_word(d, cap->addr + 0x0e),
			       pci_read_word(d, cap->addr + 0x1a));
		printf("\n");
	}
	pci_cleanup(a);
	return 0;
}

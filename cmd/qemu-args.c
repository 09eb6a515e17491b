/* SPDX-License-Identifier: MIT */
/* sriovctl qemu-args: QEMU's -device vfio-pci arguments of a guest's devices. */
#include "cli.h"
#include "host-state.h"
#include "observe.h"
#include "scope.h"

/* How the file names the PF of a vf: device (its pci or interface), for host_find_pf(). */
static const char *device_pf_name(const struct spec *s, const struct guest_device *gd)
{
	const struct pf_spec *ps = spec_find_pf(s, gd->vf_pf);
	return ps ? (ps->pci ? ps->pci : ps->interface) : gd->vf_pf;
}

/* The address of a guest device of the file; NULL with an error in d. */
static const char *spec_device_address(const struct spec *s, const struct host *h,
				       const struct guest_device *gd, char **owned, struct diag *d)
{
	*owned = NULL;
	if (gd->pci)
		return gd->pci;
	const char *name = device_pf_name(s, gd);
	const struct pci_dev_state *pf = host_find_pf(h, name);
	if (!pf) {
		diag_error(d, &gd->loc, -ENODEV, "PF '%s' not found on this host", name);
		return NULL;
	}
	for (size_t i = 0; i < pf->sriov.n_vfs; i++)
		if (pf->sriov.vfs[i].id == gd->vf_id && pf->sriov.vfs[i].address)
			return pf->sriov.vfs[i].address;
	*owned = pf_vf_address(pf, gd->vf_id);
	if (!*owned) {
		diag_error(d, &gd->loc, -EADDRNOTAVAIL,
			   "VF %u of '%s' does not exist and its address is unknown", gd->vf_id,
			   pf->address);
		return NULL;
	}
	diag_note(d, &gd->loc, "VF %u of '%s' does not exist yet; it will be %s", gd->vf_id,
		  pf->address, *owned);
	return *owned;
}

/* Why QEMU could not open the device: its driver, when known, is not vfio-pci. */
static void note_driver(const struct host *h, const char *addr, struct diag *d)
{
	const struct vf_state *vf = host_find_vf(h, addr, NULL);
	const struct pci_dev_state *dev = vf ? NULL : host_find_pci(h, addr);
	bool known = vf || dev;
	const char *drv = vf ? vf->driver : dev ? dev->driver : NULL;

	if (known && !(drv && streq(drv, "vfio-pci")))
		diag_note(d, NULL,
			  "%s is bound to %s, not vfio-pci: QEMU's vfio-pci needs it bound to "
			  "vfio-pci first (driver: vfio-pci in the file; libvirt does it for "
			  "managed='yes' devices)",
			  addr, drv ? drv : "no driver");
}

/*
 * The MAC and VLAN the file gives a guest's VF are set by libvirt when it
 * attaches the VF (on the PF, through rtnetlink); QEMU alone sets nothing:
 * say so, with the ip(8) command that would, so the intent is not lost.
 */
static void note_vf_intent(const struct spec *s, const struct host *h, const struct guest_spec *g,
			   const struct guest_device *gd, const char *addr, struct diag *d)
{
	const struct pci_dev_state *pf = NULL;
	unsigned id = gd->vf_id;
	char vlan[24] = "";

	if (!gd->mac && gd->vlan < 0)
		return;
	if (gd->vf_pf) {
		pf = host_find_pf(h, device_pf_name(s, gd));
	} else {
		const struct vf_state *vf = host_find_vf(h, addr, &pf);
		if (!vf) /* a whole device: no PF to set them on */
			return;
		id = vf->id;
	}
	if (gd->vlan >= 0)
		snprintf(vlan, sizeof(vlan), " vlan %d", gd->vlan);
	diag_note(d, &gd->loc,
		  "guest '%s': QEMU without libvirt does not set %s's %s%s%s; this would: ip link "
		  "set %s vf %u%s%s%s",
		  g->name, addr, gd->mac ? "MAC" : "", gd->mac && gd->vlan >= 0 ? " and " : "",
		  gd->vlan >= 0 ? "VLAN" : "",
		  pf && pf->n_interfaces ? pf->interfaces[0] : "PF-INTERFACE", id,
		  gd->mac ? " mac " : "", gd->mac ? gd->mac : "", vlan);
}

/*
 * The QEMU arguments of a guest's devices: from the file's guest (-f),
 * else from the guest's libvirt definition (live when it runs).
 */
/* The arguments of the file's guest name, into f. */
static int args_from_file(const struct args *a, const struct spec *s, const struct host *h,
			  const char *name, FILE *f, struct diag *d)
{
	const struct guest_spec *g = NULL;
	int r = 0;

	for (size_t i = 0; i < s->n_guests; i++)
		if (streq(s->guests[i].name, name))
			g = &s->guests[i];
	if (!g)
		return diag_error(d, NULL, -ENOENT, "guest '%s' is not in '%s'", name, a->file);
	for (size_t i = 0; i < g->n_devices; i++) {
		_cleanup_(freep) char *owned = NULL;
		const char *addr = spec_device_address(s, h, &g->devices[i], &owned, d);
		if (!addr) {
			r = -EINVAL;
			continue;
		}
		fprintf(f, "-device vfio-pci,host=%s\n", addr);
		note_driver(h, addr, d);
		note_vf_intent(s, h, g, &g->devices[i], addr, d);
	}
	return r;
}

/* The arguments of libvirt's guest name (its running definition when it runs), into f. */
static int args_from_libvirt(const struct host *h, const char *name, FILE *f, struct diag *d)
{
	const struct domain_state *dom = host_find_domain(h, name);

	if (!dom)
		return diag_error(d, NULL, -ENOENT, "guest '%s' is not defined in libvirt", name);
	const struct guest_dev_state *v = dom->running ? dom->live_devs : dom->devs;
	size_t n = dom->running ? dom->n_live_devs : dom->n_devs;
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "-device vfio-pci,host=%s\n", v[i].address);
		note_driver(h, v[i].address, d);
	}
	return 0;
}

/* The host: --state, else observed (with a file, its VFs are enough; without, libvirt is the source). */
static int qemu_args_host(const struct args *a, const struct spec *s, struct diag *d,
			  struct host **ret)
{
	_cleanup_(observe_scope_releasep) struct observe_scope sc = {0};
	int r;

	if (a->state)
		return state_load(a->state, d, ret);
	r = observe_scope_init(&sc, s, a->root, s ? NULL : libvirt_uri(a, NULL));
	if (r < 0)
		return diag_error(d, NULL, r, "out of memory");
	sc.opts.libvirt_required = !s;
	return host_observe(&sc.opts, d, ret);
}

int cmd_qemu_args(struct args *a)
{
	_cleanup_(spec_freep) struct spec *s = NULL;
	_cleanup_(host_freep) struct host *h = NULL;
	_cleanup_(freep) char *out = NULL;
	size_t out_len = 0;
	struct diag d;
	int r, ret = EXIT_OK;

	if (a->argc != 1)
		return usage_error("give one guest name");
	const char *name = a->argv[0];

	if (a->file && load_spec(a->file, &s) < 0)
		return EXIT_INVALID;
	diag_init(&d);
	r = qemu_args_host(a, s, &d, &h);
	FILE *f = r >= 0 ? open_memstream(&out, &out_len) : NULL;
	if (r >= 0 && !f)
		r = diag_error(&d, NULL, -ENOMEM, "out of memory");
	if (r >= 0)
		r = s ? args_from_file(a, s, h, name, f, &d) : args_from_libvirt(h, name, f, &d);
	if (f && fclose(f) != 0 && r >= 0)
		r = diag_error(&d, NULL, -ENOMEM, "out of memory");
	print_diag(&d);
	diag_release(&d);
	if (r < 0)
		return EXIT_ERROR;
	/* all or nothing: a script must not start QEMU with half the devices */
	if (out_len && (fwrite(out, 1, out_len, stdout) != out_len || fflush(stdout) != 0)) {
		log_error("cannot write output: %s", strerror(errno));
		ret = EXIT_ERROR;
	}
	return ret;
}

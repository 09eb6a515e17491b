/* SPDX-License-Identifier: MIT */
/*
 * sriovctl doctor: the preflight checks, a pure function of the observed
 * host and the desired-state file, and their text and JSON.
 *
 * What is asked about SR-IOV hosts again and again: no IOMMU (firmware or
 * kernel command line), sriov_totalvfs 0 (the adapter's firmware has
 * SR-IOV off), VFs that need bus numbers the firmware did not reserve
 * (pci=realloc), too few MSI-X vectors, a VF driver or vfio-pci missing,
 * libvirt down.
 */
#include <stdarg.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "doctor.h"
#include "modconf.h"
#include "render.h"

static const char *const status_names[] = {
    [DOCTOR_OK] = "ok",
    [DOCTOR_WARN] = "warn",
    [DOCTOR_FAIL] = "fail",
};

const char *doctor_status_to_string(enum doctor_status s)
{
	return (size_t)s < ARRAY_SIZE(status_names) ? status_names[s] : "?";
}

void doctor_release(struct doctor *dr)
{
	for (size_t i = 0; i < dr->n; i++) {
		free(dr->v[i].name);
		free(dr->v[i].detail);
		free(dr->v[i].fix);
	}
	free(dr->v);
	*dr = (struct doctor){0};
}

int doctor_add(struct doctor *dr, const char *name, enum doctor_status status, bool required,
	       const char *fix, const char *fmt, ...)
{
	_cleanup_(freep) char *detail = NULL;
	struct doctor_check *c;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&detail, fmt, ap) < 0)
		detail = NULL;
	va_end(ap);
	if (!detail || !(c = GROW(dr->v, dr->n, dr->cap)))
		return -ENOMEM;
	c->status = status;
	c->required = required;
	c->detail = TAKE_PTR(detail);
	c->name = strdup(name);
	c->fix = fix ? strdup(fix) : NULL;
	return c->name && (!fix || c->fix) ? 0 : -ENOMEM;
}

bool doctor_failed(const struct doctor *dr)
{
	for (size_t i = 0; i < dr->n; i++)
		if (dr->v[i].status == DOCTOR_FAIL && dr->v[i].required)
			return true;
	return false;
}

/* ---- what the file needs ---- */

/* The VF driver of the PF drivers sriovctl knows; the PF's own for those that drive both. */
static const struct {
	const char *pf, *vf;
} vf_drivers[] = {
    {"igb", "igbvf"},		{"ixgbe", "ixgbevf"},	{"i40e", "iavf"}, {"ice", "iavf"},
    {"mlx5_core", "mlx5_core"}, {"bnxt_en", "bnxt_en"}, {"qede", "qede"}, {"nvme", "nvme"},
};

static const char *vf_driver_of(const char *pf_driver)
{
	for (size_t i = 0; pf_driver && i < ARRAY_SIZE(vf_drivers); i++)
		if (modname_eq(vf_drivers[i].pf, pf_driver))
			return vf_drivers[i].vf;
	return NULL;
}

static bool is_vfio(const char *driver)
{
	return driver && modname_eq(driver, "vfio-pci");
}

/*
 * The file gives devices to guests, declares VF pools (libvirt hands their
 * VFs to vfio-pci) or binds VFs to vfio-pci: it needs the IOMMU and vfio-pci.
 */
static bool needs_vfio(const struct spec *s)
{
	if (!s || s->n_guests > 0 || s->n_networks > 0)
		return true;
	for (size_t i = 0; i < s->n_pfs; i++) {
		const struct pf_spec *pf = &s->pfs[i];
		if (is_vfio(pf->vf_driver))
			return true;
		for (size_t j = 0; j < pf->n_vfs; j++)
			if (is_vfio(pf->vfs[j].driver))
				return true;
	}
	return false;
}

int doctor_module_names(const struct spec *s, struct strv *v)
{
	int r = strv_add_unique(v, "vfio-pci");

	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(vf_drivers); i++)
		r = strv_add_unique(v, vf_drivers[i].vf);
	for (size_t i = 0; r >= 0 && s && i < s->n_pfs; i++) {
		const struct pf_spec *pf = &s->pfs[i];
		if (pf->vf_driver)
			r = strv_add_unique(v, pf->vf_driver);
		for (size_t j = 0; r >= 0 && j < pf->n_vfs; j++)
			if (pf->vfs[j].driver)
				r = strv_add_unique(v, pf->vfs[j].driver);
	}
	return r;
}

/* ---- the kernel command line ---- */

/*
 * The value of the last "key=value" word of cmdline (the kernel takes the
 * last), "" for a bare "key", NULL when absent. Points into a copy in buf.
 */
static const char *cmdline_value(const char *cmdline, const char *key, char *buf, size_t size)
{
	const char *found = NULL;
	size_t klen = strlen(key);

	for (const char *p = cmdline; p && *p;) {
		p += strspn(p, " \t\n");
		size_t len = strcspn(p, " \t\n");
		if (len >= klen && strncmp(p, key, klen) == 0 && (len == klen || p[klen] == '=')) {
			size_t vlen = len == klen ? 0 : len - klen - 1;
			snprintf(buf, size, "%.*s", (int)vlen, p + klen + (len > klen));
			found = buf;
		}
		p += len;
	}
	return found;
}

/* A comma list value ("pt,nobypass", "on,sm_on") has word. */
static bool value_has(const char *value, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = value; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, word, n) == 0)
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

static const char *const grub_hint =
    " to the kernel command line: GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub "
    "and reboot";

static int check_cmdline(struct doctor *dr, const struct host *h, bool required)
{
	const char *c = h->kernel.cmdline;
	char b1[64], b2[64], b3[64];
	_cleanup_(freep) char *fix_pt = strprintf("add iommu=pt%s", grub_hint);
	const char *intel, *amd, *iommu;

	if (!fix_pt)
		return -ENOMEM;
	if (!c)
		return doctor_add(dr, "kernel-cmdline", DOCTOR_WARN, false, NULL,
				  "not known (the host-state has no kernel command line)");
	intel = cmdline_value(c, "intel_iommu", b1, sizeof(b1));
	amd = cmdline_value(c, "amd_iommu", b2, sizeof(b2));
	iommu = cmdline_value(c, "iommu", b3, sizeof(b3));
	if ((intel && value_has(intel, "off")) || (amd && value_has(amd, "off")) ||
	    (iommu && value_has(iommu, "off"))) {
		_cleanup_(freep) char *fix = strprintf(
		    "remove %s=off and add %s%s",
		    intel && value_has(intel, "off") ? "intel_iommu"
		    : amd && value_has(amd, "off")   ? "amd_iommu"
						     : "iommu",
		    intel && value_has(intel, "off") ? "intel_iommu=on iommu=pt" : "iommu=pt",
		    grub_hint);
		return fix ? doctor_add(dr, "kernel-cmdline", DOCTOR_FAIL, required, fix,
					"the kernel command line turns the IOMMU off")
			   : -ENOMEM;
	}
	if (!iommu || !value_has(iommu, "pt"))
		return doctor_add(dr, "kernel-cmdline", DOCTOR_WARN, false, fix_pt,
				  "no iommu=pt: the host's own devices pay for IOMMU translation%s",
				  intel && value_has(intel, "on") ? " (intel_iommu=on is set)"
								  : "");
	return doctor_add(dr, "kernel-cmdline", DOCTOR_OK, required, NULL, "%s%s%s%siommu=pt",
			  intel && value_has(intel, "on") ? "intel_iommu=on " : "",
			  amd && *amd ? "amd_iommu=" : "", amd && *amd ? b2 : "",
			  amd && *amd ? " " : "");
}

/* ---- IOMMU ---- */

static int host_iommu(const struct host *h)
{
	if (h->kernel.iommu >= 0)
		return h->kernel.iommu;
	if (h->n_iommu_groups > 0)
		return 1;
	for (size_t i = 0; i < h->n_pci; i++)
		if (h->pci[i].iommu_group >= 0)
			return 1;
	return -1;
}

static int check_iommu(struct doctor *dr, const struct host *h, bool required)
{
	char buf[64];
	const char *intel = h->kernel.cmdline
				? cmdline_value(h->kernel.cmdline, "intel_iommu", buf, sizeof(buf))
				: NULL;
	_cleanup_(freep) char *fix = NULL;

	switch (host_iommu(h)) {
	case 1:
		return doctor_add(dr, "iommu", DOCTOR_OK, required, NULL,
				  "/sys/kernel/iommu_groups is populated");
	case 0:
		if (intel && value_has(intel, "on"))
			fix = strdup("intel_iommu=on is set but the kernel found no IOMMU: enable "
				     "VT-d in the firmware setup");
		else
			fix = strprintf("enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware "
					"setup, and add intel_iommu=on (Intel; AMD enables it by "
					"default)%s",
					grub_hint);
		return fix ? doctor_add(dr, "iommu", DOCTOR_FAIL, required, fix,
					"no IOMMU groups in /sys/kernel/iommu_groups: VFs cannot "
					"be given to guests (vfio-pci)")
			   : -ENOMEM;
	default:
		return doctor_add(dr, "iommu", DOCTOR_WARN, false, NULL,
				  "not known (the host-state says nothing of IOMMU groups)");
	}
}

/* ---- PFs ---- */

/* Where sriov_totalvfs 0 is fixed, by vendor. Owned. */
static char *totalvfs_fix(const struct pci_dev_state *p, unsigned want)
{
	if (streq_ptr(p->vendor, "15b3"))
		return strprintf("enable SR-IOV in the adapter's firmware: mstconfig -d %s set "
				 "SRIOV_EN=1 NUM_OF_VFS=%u (mstflint), then reboot; and SR-IOV in "
				 "the BIOS/UEFI setup",
				 p->address, want ? want : 8);
	if (streq_ptr(p->vendor, "14e4"))
		return strprintf("enable SR-IOV in the adapter's NVM (Broadcom niccli or bnxtnvm: "
				 "SR-IOV enable, number of VFs per PF) and in the BIOS/UEFI setup, "
				 "then reboot");
	if (streq_ptr(p->vendor, "8086"))
		return strprintf("enable SR-IOV in the BIOS/UEFI setup (global and the adapter's "
				 "device settings, e.g. 'SR-IOV Support'), then reboot");
	return strprintf("enable SR-IOV in the BIOS/UEFI setup and in the adapter's firmware "
			 "(its vendor's tool), then reboot");
}

/* sriov NAME: present, SR-IOV capable, totalvfs, a driver bound. */
static int check_sriov(struct doctor *dr, const char *key, const struct pf_spec *ps,
		       const struct pci_dev_state *p, bool required)
{
	_cleanup_(freep) char *name = strprintf("sriov %s", key), *fix = NULL;
	unsigned want = ps && ps->num_vfs != SPEC_UNSET ? ps->num_vfs : 0;

	if (!name)
		return -ENOMEM;
	if (!p)
		return doctor_add(dr, name, DOCTOR_FAIL, required,
				  "check the address with 'lspci -D' or the interface with 'ip "
				  "link'; a PF's netdev is gone while no driver is bound",
				  "not found on this host");
	if (!p->is_pf) {
		fix = p->vendor && streq(p->vendor, "15b3")
			  ? totalvfs_fix(p, want)
			  : strdup("this device (or its firmware) offers no SR-IOV; enable it in "
				   "the BIOS/UEFI setup and the adapter's firmware if it can");
		return fix ? doctor_add(dr, name, DOCTOR_FAIL, required, fix,
					"'%s' has no SR-IOV capability (no sriov_totalvfs)",
					p->address)
			   : -ENOMEM;
	}
	if (p->sriov.total_vfs == 0) {
		fix = totalvfs_fix(p, want);
		return fix ? doctor_add(dr, name, DOCTOR_FAIL, required, fix,
					"sriov_totalvfs is 0: SR-IOV is off in the firmware")
			   : -ENOMEM;
	}
	if (want > p->sriov.total_vfs) {
		fix = streq_ptr(p->vendor, "15b3")
			  ? strprintf("raise NUM_OF_VFS: mstconfig -d %s set NUM_OF_VFS=%u, then "
				      "reboot; or ask for at most %u",
				      p->address, want, p->sriov.total_vfs)
			  : strprintf("ask for at most %u VFs", p->sriov.total_vfs);
		return fix ? doctor_add(dr, name, DOCTOR_FAIL, required, fix,
					"num-vfs %u exceeds sriov_totalvfs %u", want,
					p->sriov.total_vfs)
			   : -ENOMEM;
	}
	if (!p->driver)
		return doctor_add(dr, name, DOCTOR_FAIL, required,
				  "load and bind the PF's driver (sriov_numvfs needs one)",
				  "no driver bound: VFs cannot be created");
	return doctor_add(dr, name, DOCTOR_OK, required, NULL,
			  "SR-IOV capable, sriov_totalvfs %u, %u VF%s now, driver %s",
			  p->sriov.total_vfs, p->sriov.num_vfs, p->sriov.num_vfs == 1 ? "" : "s",
			  p->driver);
}

/*
 * bus NAME, only when the VFs need bus numbers beyond the PF's: the
 * firmware must have left room behind the bridge, else the kernel fails
 * with ENOSPC ("not enough MMIO resources", "bus number out of range").
 */
static int check_bus(struct doctor *dr, const char *key, const struct pci_dev_state *p,
		     const struct host *h, bool required)
{
	_cleanup_(freep) char *name = NULL, *last = NULL;
	char buf[16];

	if (!p || !p->is_pf || p->sriov.total_vfs == 0 || p->sriov.offset < 0)
		return 0;
	last = pf_vf_address(p, p->sriov.total_vfs - 1);
	if (last && strncmp(last, p->address, 7) == 0)
		return 0;
	name = strprintf("bus %s", key);
	if (!name)
		return -ENOMEM;
	if (h->kernel.cmdline && cmdline_value(h->kernel.cmdline, "pci", buf, sizeof(buf)) &&
	    value_has(buf, "realloc"))
		return doctor_add(dr, name, DOCTOR_OK, required, NULL,
				  "the VFs need bus numbers beyond %.7s; pci=realloc is set",
				  p->address);
	if (!last)
		return doctor_add(dr, name, DOCTOR_FAIL, required,
				  "ask for fewer VFs, or move the adapter to a slot on a lower bus",
				  "the last VF's routing id is beyond bus ff");
	return doctor_add(dr, name, DOCTOR_WARN, false,
			  "if creating VFs fails with ENOSPC (kernel log: 'not enough MMIO "
			  "resources' or 'bus number out of range'), boot with pci=realloc",
			  "the VFs (up to %s) need bus numbers beyond %.7s", last, p->address);
}

/* msix NAME, where the kernel shows sriov_vf_total_msix. */
static int check_msix(struct doctor *dr, const char *key, const struct pf_spec *ps,
		      const struct pci_dev_state *p, bool required)
{
	_cleanup_(freep) char *name = NULL;
	unsigned n, total;

	if (!p || !p->is_pf || !p->sriov.has_vf_total_msix)
		return 0;
	name = strprintf("msix %s", key);
	if (!name)
		return -ENOMEM;
	total = p->sriov.vf_total_msix;
	n = ps && ps->num_vfs != SPEC_UNSET ? ps->num_vfs : p->sriov.total_vfs;
	if (n == 0)
		return doctor_add(dr, name, DOCTOR_OK, required, NULL,
				  "%u MSI-X vectors for the VFs", total);
	if (total / n < 2)
		return doctor_add(dr, name, DOCTOR_WARN, false,
				  "ask for fewer VFs, or set each VF's sriov_vf_msix_count before "
				  "its driver binds",
				  "%u MSI-X vectors for %u VFs: fewer than 2 each (VF drivers fall "
				  "back to one queue)",
				  total, n);
	return doctor_add(dr, name, DOCTOR_OK, required, NULL,
			  "%u MSI-X vectors for %u VFs (%u each)", total, n, total / n);
}

/* ---- modules, libvirt ---- */

static int check_module(struct doctor *dr, const struct host *h, const char *module, bool required)
{
	const struct module_state *m = host_find_module(h, module);
	_cleanup_(freep) char *name = strprintf("module %s", module), *fix = NULL;

	if (!name)
		return -ENOMEM;
	if (m && m->loaded)
		return doctor_add(dr, name, DOCTOR_OK, required, NULL, "loaded");
	if (!m || m->presence == MODULE_PRESENCE_UNKNOWN)
		return doctor_add(dr, name, DOCTOR_WARN, false, NULL,
				  "not loaded; whether it is available is not known");
	if (m->presence == MODULE_PRESENCE_FOUND)
		return doctor_add(dr, name, DOCTOR_OK, required, NULL, "available, not loaded");
	fix = strprintf("install the package with the running kernel's modules (Debian: "
			"linux-image-$(uname -r)) or the vendor's driver that has %s",
			module);
	return fix ? doctor_add(dr, name, DOCTOR_FAIL, required, fix,
				"kmod finds no module '%s' (not built in either)", module)
		   : -ENOMEM;
}

static int check_libvirt(struct doctor *dr, const struct host *h)
{
	if (h->libvirt_ok)
		return doctor_add(dr, "libvirt", DOCTOR_OK, true, NULL, "reachable, version %s",
				  h->libvirt_version ? h->libvirt_version : "unknown");
	return doctor_add(dr, "libvirt", DOCTOR_FAIL, true,
			  "start libvirtd (systemctl start libvirtd) or give --libvirt URI",
			  "not reachable: %s",
			  h->libvirt_error ? h->libvirt_error : "the guests were not observed");
}

/* The file's host: guard against the host's name: a file for another host plans nothing here. */
static int check_hostname(struct doctor *dr, const struct spec *s, const struct host *h)
{
	_cleanup_(freep) char *fix = NULL;

	if (!s || !s->host)
		return 0;
	if (streq_ptr(s->host, h->hostname))
		return doctor_add(dr, "hostname", DOCTOR_OK, true, NULL,
				  "this host is '%s', as the file's host: says", h->hostname);
	fix = strprintf("run it on '%s', or change the file's host: (plan and apply refuse it "
			"here)",
			s->host);
	return fix ? doctor_add(dr, "hostname", DOCTOR_FAIL, true, fix,
				"this host is '%s', the file is for '%s'",
				h->hostname ? h->hostname : "unknown", s->host)
		   : -ENOMEM;
}

/* ---- all ---- */

/* The checks of one PF: key names it as the file does; ps NULL without a file. */
static int check_pf(struct doctor *dr, const struct host *h, const char *key,
		    const struct pf_spec *ps, struct strv *modules)
{
	const struct pci_dev_state *p = host_find_pf(h, key);
	int r;

	if (!p && ps && ps->pci)
		p = host_find_pci(h, ps->pci);
	r = check_sriov(dr, key, ps, p, true);
	if (r >= 0)
		r = check_bus(dr, key, p, h, true);
	if (r >= 0)
		r = check_msix(dr, key, ps, p, true);
	if (r < 0)
		return r;
	/* the VFs' drivers: the file's, else the one the PF's driver gives its VFs */
	bool given = false;
	for (size_t j = 0; ps && r >= 0 && j < ps->n_vfs; j++)
		if (ps->vfs[j].driver && !is_vfio(ps->vfs[j].driver))
			r = strv_add_unique(modules, ps->vfs[j].driver);
	if (ps && ps->vf_driver) {
		given = true;
		if (!is_vfio(ps->vf_driver))
			r = r < 0 ? r : strv_add_unique(modules, ps->vf_driver);
	}
	const char *vf = p ? vf_driver_of(p->driver) : NULL;
	if (!given && vf && r >= 0)
		r = strv_add_unique(modules, vf);
	return r;
}

int doctor_check_host(struct doctor *dr, const struct spec *s, const struct host *h)
{
	_cleanup_(strv_release) struct strv modules = {0};
	bool vfio = needs_vfio(s);
	int r;

	r = check_hostname(dr, s, h);
	if (r >= 0)
		r = check_iommu(dr, h, vfio);
	if (r >= 0)
		r = check_cmdline(dr, h, vfio);
	for (size_t i = 0; r >= 0 && s && i < s->n_pfs; i++)
		r = check_pf(dr, h, s->pfs[i].pci ? s->pfs[i].pci : s->pfs[i].interface, &s->pfs[i],
			     &modules);
	size_t n_pfs = 0;
	for (size_t i = 0; r >= 0 && !s && i < h->n_pci; i++) {
		if (!h->pci[i].is_pf)
			continue;
		n_pfs++;
		r = check_pf(dr, h, h->pci[i].address, NULL, &modules);
	}
	if (r >= 0 && !s && n_pfs == 0)
		r = doctor_add(
		    dr, "sriov", DOCTOR_FAIL, true,
		    "enable SR-IOV in the BIOS/UEFI setup and the adapter's firmware; 'lspci "
		    "-vv' lists 'Single Root I/O Virtualization' for a capable device",
		    "no SR-IOV device: no PCI device has sriov_totalvfs");
	if (r >= 0 && vfio)
		r = check_module(dr, h, "vfio-pci", true);
	for (size_t i = 0; r >= 0 && i < modules.n; i++)
		r = check_module(dr, h, modules.v[i], true);
	if (r >= 0 && s && (s->n_guests > 0 || s->n_networks > 0))
		r = check_libvirt(dr, h);
	return r;
}

/* ---- output ---- */

int doctor_render_text(const struct doctor *dr, FILE *out)
{
	for (size_t i = 0; i < dr->n; i++) {
		const struct doctor_check *c = &dr->v[i];

		fprintf(out, "%-4s ", doctor_status_to_string(c->status));
		fputs_escaped(c->name, out);
		fputs(": ", out);
		fputs_escaped(c->detail, out);
		if (c->fix && c->status != DOCTOR_OK) {
			fputs("; fix: ", out);
			fputs_escaped(c->fix, out);
		}
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}

/* A JSON string of s, made UTF-8 (a host's strings may not be); NULL: null. */
static struct json_object *jstr(const char *s, bool *oom)
{
	_cleanup_(freep) char *u = s ? utf8_sanitize(s) : NULL;
	struct json_object *o = u ? json_object_new_string(u) : NULL;

	if (s && !o)
		*oom = true;
	return o;
}

int doctor_render_json(const struct doctor *dr, FILE *out)
{
	struct json_object *root = json_object_new_object();
	struct json_object *checks = json_object_new_array();
	bool oom = !root || !checks;
	int r;

	for (size_t i = 0; !oom && i < dr->n; i++) {
		const struct doctor_check *c = &dr->v[i];
		struct json_object *o = json_object_new_object();

		if (!o) {
			oom = true;
			break;
		}
		json_object_object_add(o, "name", jstr(c->name, &oom));
		json_object_object_add(o, "status",
				       json_object_new_string(doctor_status_to_string(c->status)));
		json_object_object_add(o, "required", json_object_new_boolean(c->required));
		json_object_object_add(o, "detail", jstr(c->detail, &oom));
		json_object_object_add(o, "fix",
				       jstr(c->status != DOCTOR_OK ? c->fix : NULL, &oom));
		json_object_array_add(checks, o);
	}
	if (oom) {
		json_object_put(checks);
		json_object_put(root);
		return -ENOMEM;
	}
	json_object_object_add(root, "checks", checks);
	r = render_json(root, true, out);
	json_object_put(root);
	return r;
}

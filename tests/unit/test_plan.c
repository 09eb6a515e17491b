/* SPDX-License-Identifier: MIT */
/*
 * The planner on hosts and specs built in memory: a table of cases, each a
 * fixture edited by a setup function and the exact text plan expected,
 * plus tests of the pieces (modprobe.d merging, VF addresses, JSON).
 *
 * The fixture is an Intel 82576 with two igb ports (0000:0b:00.0 and
 * 0000:0b:00.1, 7 VFs each at most, offset 128, stride 2: VF n of port 0
 * is 0000:0b:10.(2n), as on real hardware), and a few guests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "plan-internal.h"
#include "render.h"

#define MAXVF  8
#define MAXDOM 3
#define MAXDEV 4

struct fx {
	struct host h;
	struct pci_dev_state pci[3];
	struct vf_state vfs[2][MAXVF];
	char vfaddr[2][MAXVF][16];
	char *ifs[2][1];
	struct module_state mod;
	struct module_param mparam;
	struct file_state file;
	struct domain_state doms[MAXDOM];
	struct guest_dev_state gdev[MAXDOM][MAXDEV], glive[MAXDOM][MAXDEV];

	struct spec s;
	struct pf_spec pfs[2];
	struct vf_spec vfspec[2][MAXVF];
	struct module_spec ms;
	struct module_option mopt[2];
	struct guest_spec guests[MAXDOM];
	struct guest_device gd[MAXDOM][MAXDEV];
	char path[32];
};

static void vf_init(struct vf_state *v, unsigned id, char *addr)
{
	*v = (struct vf_state){
	    .id = id,
	    .address = addr,
	    .driver = "igbvf",
	    .link = {.mac = "00:00:00:00:00:00",
		     .vlan = 0,
		     .qos = 0,
		     .vlan_proto = VLAN_PROTO_8021Q,
		     .spoof_check = 1,
		     .trust = 0,
		     .link_state = LINK_STATE_AUTO,
		     .max_tx_rate = 0,
		     .min_tx_rate = 0},
	};
}

/* Port p of the 82576 with n VFs. */
static void host_set_vfs(struct fx *f, int p, unsigned n)
{
	struct pci_dev_state *pf = &f->pci[p];

	pf->sriov.num_vfs = n;
	pf->sriov.n_vfs = n;
	for (unsigned i = 0; i < n; i++) {
		snprintf(f->vfaddr[p][i], sizeof(f->vfaddr[p][i]), "0000:0b:1%x.%x",
			 (2 * i + p) / 8, (2 * i + p) % 8);
		vf_init(&f->vfs[p][i], i, f->vfaddr[p][i]);
	}
}

static void vfspec_init(struct vf_spec *v, unsigned id)
{
	*v = (struct vf_spec){
	    .id = id,
	    .loc = {"spec.yaml", 10 + id, 9},
	};
	vf_link_init(&v->link);
}

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);

	static const char *const addrs[] = {"0000:0b:00.0", "0000:0b:00.1"};
	static const char *const names[] = {"enp11s0f0", "enp11s0f1"};
	for (int p = 0; p < 2; p++) {
		f->ifs[p][0] = (char *)names[p];
		f->pci[p] = (struct pci_dev_state){
		    .address = (char *)addrs[p],
		    .vendor = "8086",
		    .device = "10c9",
		    .driver = "igb",
		    .interfaces = f->ifs[p],
		    .n_interfaces = 1,
		    .is_pf = true,
		    .sriov = {.total_vfs = 7,
			      .drivers_autoprobe = 1,
			      .offset = 128,
			      .stride = 2,
			      .vf_device = "10ca",
			      .vfs = f->vfs[p]},
		};
		/* port 1's routing id is one above port 0's: its VFs interleave, 10.1, 10.3 */
	}
	f->pci[2] = (struct pci_dev_state){
	    .address = "0000:5e:00.0", .vendor = "8086", .device = "1572", .driver = "vfio-pci"};
	f->h = (struct host){.hostname = "kvm-07",
			     .pci = f->pci,
			     .n_pci = 3,
			     .modules = &f->mod,
			     .n_modules = 1,
			     .libvirt_ok = true,
			     .domains = f->doms};
	f->mparam = (struct module_param){"max_vfs", "0"};
	f->mod = (struct module_state){
	    .name = "igb", .loaded = true, .params = &f->mparam, .n_params = 1};

	static const char *const doms[] = {"MyGuest", "db1", "web1"};
	for (int i = 0; i < MAXDOM; i++)
		f->doms[i] = (struct domain_state){.name = (char *)doms[i],
						   .xml = "<domain/>",
						   .devs = f->gdev[i],
						   .live_devs = f->glive[i]};
	f->h.n_domains = MAXDOM;

	f->s = (struct spec){.path = "spec.yaml",
			     .version = 1,
			     .modules = &f->ms,
			     .pfs = f->pfs,
			     .guests = f->guests};
	for (int p = 0; p < 2; p++) {
		f->pfs[p] = (struct pf_spec){.pci = (char *)addrs[p],
					     .num_vfs = SPEC_UNSET,
					     .drivers_autoprobe = -1,
					     .vfs = f->vfspec[p],
					     .loc = {"spec.yaml", 5 + 20 * p, 5},
					     .num_vfs_loc = {"spec.yaml", 6 + 20 * p, 14}};
	}
	for (int i = 0; i < MAXDOM; i++)
		f->guests[i] = (struct guest_spec){.name = (char *)doms[i],
						   .devices = f->gd[i],
						   .loc = {"spec.yaml", 50 + 10 * i, 3}};
	return f;
}

/* Spec: port 0 with n VFs. */
static void spec_pf0(struct fx *f, unsigned n)
{
	f->s.n_pfs = 1;
	f->pfs[0].num_vfs = n;
}

static struct vf_spec *spec_vf(struct fx *f, int p, unsigned id)
{
	struct vf_spec *v = &f->vfspec[p][f->pfs[p].n_vfs++];
	vfspec_init(v, id);
	return v;
}

/* Guest i (0 MyGuest, 1 db1, 2 web1) gets vf: {pf: port 0, id}. */
static struct guest_device *spec_guest_vf(struct fx *f, int i, unsigned id)
{
	struct guest_spec *g = &f->guests[i];
	struct guest_device *d = &g->devices[g->n_devices++];

	*d = (struct guest_device){.vf_pf = "0000:0b:00.0",
				   .vf_id = id,
				   .type = DEVICE_INTERFACE,
				   .vlan = -1,
				   .managed = true,
				   .persistent = true,
				   .live = true,
				   .loc = {"spec.yaml", 52 + 10 * i + (unsigned)g->n_devices, 11}};
	if (f->s.n_guests < (size_t)i + 1)
		f->s.n_guests = i + 1;
	return d;
}

static struct guest_dev_state *dom_dev(struct fx *f, int i, bool live, const char *addr,
				       enum device_type t, const char *mac, int vlan)
{
	struct domain_state *d = &f->doms[i];
	struct guest_dev_state *g = live ? &d->live_devs[d->n_live_devs++] : &d->devs[d->n_devs++];

	*g = (struct guest_dev_state){
	    .type = t, .address = (char *)addr, .mac = (char *)mac, .vlan = vlan, .managed = true};
	if (live)
		d->running = true;
	return g;
}

static void set_module_spec(struct fx *f, const char *value, bool reload)
{
	f->s.n_modules = 1;
	f->ms = (struct module_spec){.name = "igb",
				     .options = f->mopt,
				     .n_options = 1,
				     .file = "/etc/modprobe.d/igb.conf",
				     .file_given = true,
				     .reload = reload,
				     .loc = {"spec.yaml", 2, 3}};
	f->mopt[0] = (struct module_option){"max_vfs", (char *)value, {"spec.yaml", 3, 23}};
}

static char *plan_text(struct fx *f, bool force, int *ret_r, struct diag *d)
{
	struct plan_opts o = {.force = force};
	_cleanup_(plan_freep) struct plan *p = NULL;
	char *buf = NULL;
	size_t len = 0;

	*ret_r = plan_compute(&f->s, &f->h, &o, d, &p);
	if (*ret_r < 0)
		return NULL;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(render_plan_text(p, out), 0);
	fclose(out);
	return buf;
}

static char *diag_text(struct diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	diag_print(d, out);
	fclose(out);
	return buf;
}

/* ---- the table ---- */

struct tcase {
	const char *name;
	void (*setup)(struct fx *f);
	bool force;
	const char *expect;	 /* the text plan; NULL when an error is expected */
	const char *expect_diag; /* substring of the diagnostics */
};

static void seed_spec(struct fx *f)
{
	spec_pf0(f, 7);
	f->pfs[0].method = PF_METHOD_MODULE;
	set_module_spec(f, "7", false);
	struct guest_device *d = spec_guest_vf(f, 0, 0);
	d->mac = "52:54:00:6d:90:02";
	d->vlan = 42;
	d->virtualport_type = "802.1Qbh";
	d->profileid = "finance";
}

static void c_seed(struct fx *f)
{
	seed_spec(f);
}

static void c_seed_running(struct fx *f)
{
	seed_spec(f);
	f->doms[0].running = true;
}

static void c_seed_done(struct fx *f)
{
	seed_spec(f);
	host_set_vfs(f, 0, 7);
	f->file = (struct file_state){"/etc/modprobe.d/igb.conf", "options igb max_vfs=7\n"};
	f->h.files = &f->file;
	f->h.n_files = 1;
	struct guest_dev_state *g =
	    dom_dev(f, 0, false, "0000:0b:10.0", DEVICE_INTERFACE, "52:54:00:6d:90:02", 42);
	g->virtualport_type = "802.1Qbh";
	g->profileid = "finance";
}

static void c_idem_empty_spec(struct fx *f)
{
	host_set_vfs(f, 0, 3);
}

static void c_grow(struct fx *f)
{
	host_set_vfs(f, 0, 2);
	spec_pf0(f, 4);
}

static void c_recreate(struct fx *f)
{
	host_set_vfs(f, 0, 2);
	spec_pf0(f, 4);
	spec_vf(f, 0, 1)->link.trust = 1;
}

static void c_shrink_blocked(struct fx *f)
{
	host_set_vfs(f, 0, 4);
	spec_pf0(f, 2);
	dom_dev(f, 2, true, "0000:0b:10.4", DEVICE_HOSTDEV, NULL, -1);
	dom_dev(f, 2, false, "0000:0b:10.4", DEVICE_HOSTDEV, NULL, -1);
	dom_dev(f, 1, false, "0000:0b:10.6", DEVICE_HOSTDEV, NULL, -1);
}

static void c_shrink_unblocked_by_prune(struct fx *f)
{
	c_shrink_blocked(f);
	f->guests[2].prune = true;
	f->guests[1].prune = true;
	f->s.n_guests = 3;
}

static void c_autoprobe_before_count(struct fx *f)
{
	spec_pf0(f, 2);
	f->pfs[0].drivers_autoprobe = 0;
	f->pfs[0].vf_driver = "vfio-pci";
}

static void c_set_vf_fields(struct fx *f)
{
	host_set_vfs(f, 0, 2);
	spec_pf0(f, 2);
	struct vf_spec *v = spec_vf(f, 0, 1);
	strcpy(v->link.mac, "52:54:00:00:00:01");
	v->link.vlan = 42;
	v->link.qos = 3;
	v->link.spoof_check = 0;
	v->link.trust = 1;
	v->link.link_state = LINK_STATE_DISABLE;
	v->link.max_tx_rate = 1000;
	v->link.min_tx_rate = 100;
	f->vfs[0][1].link.trust = -1;	/* unknown counts as different */
	f->pci[0].driver = "mlx5_core"; /* a PF driver without known refusals */
}

/* What igb is known to refuse is blocked with its answer; what it takes is planned. */
static void c_set_vf_igb_refusals(struct fx *f)
{
	host_set_vfs(f, 0, 3);
	spec_pf0(f, 3);
	struct vf_spec *v = spec_vf(f, 0, 0);
	v->link.link_state = LINK_STATE_ENABLE;
	v->link.vlan = 5;
	v->link.vlan_proto = VLAN_PROTO_8021AD;
	v = spec_vf(f, 0, 1);
	v->link.max_tx_rate = 100;
	v->link.min_tx_rate = 10;
	v = spec_vf(f, 0, 2);
	v->link.link_state = LINK_STATE_AUTO; /* as found: nothing to ask igb */
	v->link.vlan = 7;
	v->link.vlan_proto = VLAN_PROTO_8021Q;
	v->link.max_tx_rate = 100;
	v->link.min_tx_rate = 0;
}

static void c_bind_blocked(struct fx *f)
{
	host_set_vfs(f, 0, 2);
	spec_pf0(f, 2);
	f->pfs[0].vf_driver = "vfio-pci";
	f->vfs[0][0].driver = "vfio-pci";
	dom_dev(f, 1, false, "0000:0b:10.2", DEVICE_HOSTDEV, NULL, -1);
}

static void c_attach_held(struct fx *f)
{
	host_set_vfs(f, 0, 2);
	spec_pf0(f, 2);
	spec_guest_vf(f, 0, 1)->type = DEVICE_HOSTDEV;
	dom_dev(f, 2, true, "0000:0b:10.2", DEVICE_HOSTDEV, NULL, -1);
}

static void c_replace_differs(struct fx *f)
{
	host_set_vfs(f, 0, 2);
	spec_pf0(f, 2);
	struct guest_device *d = spec_guest_vf(f, 0, 1);
	d->mac = "52:54:00:00:00:02";
	d->vlan = 7;
	dom_dev(f, 0, false, "0000:0b:10.2", DEVICE_INTERFACE, "52:54:00:00:00:02", 5);
	dom_dev(f, 0, true, "0000:0b:10.2", DEVICE_INTERFACE, "52:54:00:00:00:02", 5);
}

static void c_module_reload(struct fx *f)
{
	host_set_vfs(f, 0, 2);
	spec_pf0(f, 7);
	f->pfs[0].method = PF_METHOD_MODULE;
	set_module_spec(f, "7", true);
	f->file = (struct file_state){"/etc/modprobe.d/igb.conf",
				      "# local\noptions igb max_vfs=2\nblacklist foo\n"};
	f->h.files = &f->file;
	f->h.n_files = 1;
	dom_dev(f, 1, true, "0000:0b:10.0", DEVICE_HOSTDEV, NULL, -1);
}

static void c_module_derived_list(struct fx *f)
{
	host_set_vfs(f, 1, 3);
	spec_pf0(f, 7);
	f->pfs[0].method = PF_METHOD_MODULE;
}

/* igb takes one max_vfs for all its ports: two PFs with method module must agree. */
static void c_err_one_value(struct fx *f)
{
	spec_pf0(f, 7);
	f->s.n_pfs = 2;
	f->pfs[1].num_vfs = 3;
	f->pfs[0].method = PF_METHOD_MODULE;
	f->pfs[1].method = PF_METHOD_MODULE;
}

/* A PF without a driver cannot get VFs (ENOENT): refused at plan time. */
static void c_err_no_driver(struct fx *f)
{
	f->pci[0].driver = NULL;
	spec_pf0(f, 2);
}

/*
 * reload: true, and the loaded igb's max_vfs cannot be read back: the file
 * and the count match, so no reload (not one on every run).
 */
static void c_reload_unknown_param(struct fx *f)
{
	set_module_spec(f, "7", true);
	host_set_vfs(f, 0, 7);
	spec_pf0(f, 7);
	f->pfs[0].method = PF_METHOD_MODULE;
	f->mod.n_params = 0;
	f->file = (struct file_state){"/etc/modprobe.d/igb.conf", "options igb max_vfs=7\n"};
	f->h.files = &f->file;
	f->h.n_files = 1;
}

/* ... but when the count differs, reload: true reloads. */
static void c_reload_unknown_param_count(struct fx *f)
{
	c_reload_unknown_param(f);
	host_set_vfs(f, 0, 2);
}

static void c_err_pf_missing(struct fx *f)
{
	spec_pf0(f, 2);
	f->pfs[0].pci = "0000:0c:00.0";
}

static void c_err_total(struct fx *f)
{
	spec_pf0(f, 70);
}

static void c_err_libvirt(struct fx *f)
{
	spec_pf0(f, 2);
	spec_guest_vf(f, 0, 0);
	f->h.libvirt_ok = false;
}

static void c_err_module_disagrees(struct fx *f)
{
	spec_pf0(f, 7);
	f->pfs[0].method = PF_METHOD_MODULE;
	set_module_spec(f, "5", false);
}

static void c_err_unknown_driver(struct fx *f)
{
	spec_pf0(f, 2);
	f->pfs[0].method = PF_METHOD_MODULE;
	f->pci[0].driver = "e1000e";
}

static void c_err_unresolvable(struct fx *f)
{
	spec_pf0(f, 2);
	f->pci[0].sriov.offset = -1;
	spec_guest_vf(f, 0, 1);
}

static void c_transient(struct fx *f)
{
	host_set_vfs(f, 0, 1);
	spec_pf0(f, 1);
	f->doms[2].xml = NULL;
	f->doms[2].running = true;
	spec_guest_vf(f, 2, 0)->type = DEVICE_HOSTDEV;
}

static const struct tcase cases[] = {
    {"a transient guest: live only", c_transient, false,
     "+ attach 0000:0b:10.0 to web1 (hostdev) [live]\n"
     "Plan: 1 to change, 0 blocked.\n"},
    {"seed: module conf, num-vfs, attach to a shut-off guest", c_seed, false,
     "+ /etc/modprobe.d/igb.conf: options igb max_vfs=7\n"
     "    + # Managed by sriovctl (module igb): edit the desired-state file, not this file.\n"
     "    + options igb max_vfs=7\n"
     "~ 0000:0b:00.0 num-vfs 0 -> 7\n"
     "+ attach 0000:0b:10.0 to MyGuest (interface, mac 52:54:00:6d:90:02, vlan 42, virtualport "
     "802.1Qbh profileid finance) [config]\n"
     "  VF 0 of 0000:0b:00.0 will be 0000:0b:10.0 once created\n"
     "Plan: 3 to change, 0 blocked.\n"},
    {"seed on a running guest: live and config", c_seed_running, false,
     "+ /etc/modprobe.d/igb.conf: options igb max_vfs=7\n"
     "    + # Managed by sriovctl (module igb): edit the desired-state file, not this file.\n"
     "    + options igb max_vfs=7\n"
     "~ 0000:0b:00.0 num-vfs 0 -> 7\n"
     "+ attach 0000:0b:10.0 to MyGuest (interface, mac 52:54:00:6d:90:02, vlan 42, virtualport "
     "802.1Qbh profileid finance) [live, config]\n"
     "  VF 0 of 0000:0b:00.0 will be 0000:0b:10.0 once created\n"
     "Plan: 3 to change, 0 blocked.\n"},
    {"seed applied: empty plan", c_seed_done, false,
     "No changes: the host matches the desired state.\n"},
    {"empty spec touches nothing", c_idem_empty_spec, false,
     "No changes: the host matches the desired state.\n"},
    {"grow passes through 0", c_grow, false,
     "~ 0000:0b:00.0 num-vfs 2 -> 4 (disruptive: passes through 0)\n"
     "Plan: 1 to change, 0 blocked.\n"},
    {"re-created VFs get their settings again", c_recreate, false,
     "~ 0000:0b:00.0 num-vfs 2 -> 4 (disruptive: passes through 0)\n"
     "~ 0000:0b:00.0 vf 1 trust (new) -> true\n"
     "Plan: 2 to change, 0 blocked.\n"},
    {"shrink blocked by a running and a shut-off guest", c_shrink_blocked, false,
     "! blocked: 0000:0b:00.0 num-vfs 4 -> 2 (disruptive: passes through 0) \u2014 "
     "VF 0000:0b:10.4 is used by running guest web1; "
     "VF 0000:0b:10.6 is used by guest db1 (shut off, persistent definition)\n"
     "Plan: 0 to change, 1 blocked.\n"},
    {"shrink forced", c_shrink_blocked, true,
     "~ 0000:0b:00.0 num-vfs 4 -> 2 (disruptive: passes through 0)\n"
     "  forced: VF 0000:0b:10.4 is used by running guest web1; "
     "VF 0000:0b:10.6 is used by guest db1 (shut off, persistent definition)\n"
     "Plan: 1 to change, 0 blocked.\n"},
    {"shrink with prune detaching the holders", c_shrink_unblocked_by_prune, false,
     "- detach 0000:0b:10.6 from db1 (hostdev) [config]\n"
     "- detach 0000:0b:10.4 from web1 (hostdev) [live, config]\n"
     "~ 0000:0b:00.0 num-vfs 4 -> 2 (disruptive: passes through 0)\n"
     "Plan: 3 to change, 0 blocked.\n"},
    {"autoprobe before num-vfs, drivers for new VFs", c_autoprobe_before_count, false,
     "~ 0000:0b:00.0 drivers-autoprobe true -> false\n"
     "~ 0000:0b:00.0 num-vfs 0 -> 2\n"
     "~ 0000:0b:00.0 vf 0 driver (new) -> vfio-pci\n"
     "~ 0000:0b:00.0 vf 1 driver (new) -> vfio-pci\n"
     "Plan: 4 to change, 0 blocked.\n"},
    {"every set-vf field, sorted by field", c_set_vf_fields, false,
     "~ 0000:0b:00.0 vf 1 link-state auto -> disable\n"
     "~ 0000:0b:00.0 vf 1 mac 00:00:00:00:00:00 -> 52:54:00:00:00:01\n"
     "~ 0000:0b:00.0 vf 1 max-tx-rate 0 -> 1000\n"
     "~ 0000:0b:00.0 vf 1 min-tx-rate 0 -> 100\n"
     "~ 0000:0b:00.0 vf 1 spoof-check true -> false\n"
     "~ 0000:0b:00.0 vf 1 trust ? -> true\n"
     "~ 0000:0b:00.0 vf 1 vlan 0 qos 0 -> 42 qos 3\n"
     "Plan: 7 to change, 0 blocked.\n"},
    {"settings igb refuses are blocked", c_set_vf_igb_refusals, false,
     "~ 0000:0b:00.0 vf 2 max-tx-rate 0 -> 100\n"
     "~ 0000:0b:00.0 vf 2 vlan 0 proto 802.1Q -> 7 proto 802.1Q\n"
     "! blocked: 0000:0b:00.0 vf 0 link-state auto -> enable \u2014 the PF's driver igb refuses "
     "it: it has no VF link-state control (it answers EOPNOTSUPP)\n"
     "! blocked: 0000:0b:00.0 vf 0 vlan 0 proto 802.1Q -> 5 proto 802.1ad \u2014 the PF's driver "
     "igb refuses it: it tags VF VLANs as 802.1Q only (it answers EPROTONOSUPPORT)\n"
     "! blocked: 0000:0b:00.0 vf 1 max-tx-rate 0 -> 100 \u2014 the PF's driver igb refuses it: "
     "it has no minimum tx rate, which the same request sets (it answers EINVAL)\n"
     "! blocked: 0000:0b:00.0 vf 1 min-tx-rate 0 -> 10 \u2014 the PF's driver igb refuses it: it "
     "has no minimum tx rate (it answers EINVAL)\n"
     "Plan: 2 to change, 4 blocked.\n"},
    {"rebinding a VF a guest holds is blocked", c_bind_blocked, false,
     "! blocked: 0000:0b:00.0 vf 1 driver igbvf -> vfio-pci \u2014 "
     "VF 0000:0b:10.2 is used by guest db1 (shut off, persistent definition)\n"
     "Plan: 0 to change, 1 blocked.\n"},
    {"attach of a VF another guest holds is blocked", c_attach_held, false,
     "! blocked: attach 0000:0b:10.2 to MyGuest (hostdev) [config] \u2014 "
     "VF 0000:0b:10.2 is held by guest web1, which the file does not give it to\n"
     "Plan: 0 to change, 1 blocked.\n"},
    {"a device that differs is detached and attached again", c_replace_differs, false,
     "- detach 0000:0b:10.2 from MyGuest (interface, mac 52:54:00:00:00:02, vlan 5) [live, "
     "config]\n"
     "+ attach 0000:0b:10.2 to MyGuest (interface, mac 52:54:00:00:00:02, vlan 7) [live, config]\n"
     "Plan: 2 to change, 0 blocked.\n"},
    {"reload: true replaces set-num-vfs and is blocked by a guest", c_module_reload, false,
     "~ /etc/modprobe.d/igb.conf: options igb max_vfs=2 -> max_vfs=7\n"
     "    - options igb max_vfs=2\n"
     "    + options igb max_vfs=7\n"
     "! blocked: reload module igb: max_vfs=0 -> max_vfs=7 (disruptive: unloads igb and its VFs) "
     "\u2014 "
     "VF 0000:0b:10.0 is used by running guest db1\n"
     "Plan: 1 to change, 1 blocked.\n"},
    {"one max_vfs for all igb ports", c_module_derived_list, false,
     "+ /etc/modprobe.d/sriovctl-igb.conf: options igb max_vfs=7\n"
     "    + # Managed by sriovctl (module igb): edit the desired-state file, not this file.\n"
     "    + options igb max_vfs=7\n"
     "~ 0000:0b:00.0 num-vfs 0 -> 7\n"
     "Plan: 2 to change, 0 blocked.\n"},
    {"loaded max_vfs unknown, file and count match", c_reload_unknown_param, false,
     "No changes: the host matches the desired state.\n"},
    {"loaded max_vfs unknown, count differs", c_reload_unknown_param_count, false,
     "~ reload module igb: max_vfs=? -> max_vfs=7 (disruptive: unloads igb and its VFs)\n"
     "  reload: true, the loaded igb's max_vfs cannot be read back, and a VF count differs "
     "from it\n"
     "Plan: 1 to change, 0 blocked.\n"},
    {"igb ports with different counts", c_err_one_value, false, NULL,
     "spec.yaml:25:5: error: igb takes one max_vfs for all its ports: '0000:0b:00.0' wants 7 "
     "VFs and '0000:0b:00.1' wants 3 (use method: sysfs for different counts)"},
    {"PF without a driver", c_err_no_driver, false, NULL,
     "spec.yaml:6:14: error: '0000:0b:00.0' has no driver bound, so it cannot get VFs "
     "(num-vfs 0 -> 2): load or bind its driver first"},
    {"PF not found", c_err_pf_missing, false, NULL,
     "spec.yaml:5:5: error: PF '0000:0c:00.0' not found on this host"},
    {"num-vfs above sriov_totalvfs", c_err_total, false, NULL,
     "spec.yaml:6:14: error: num-vfs 70 exceeds sriov_totalvfs 7 of '0000:0b:00.0'"},
    {"guests without libvirt", c_err_libvirt, false, NULL,
     "error: guests are declared but libvirt was not observed"},
    {"module option disagrees", c_err_module_disagrees, false, NULL,
     "spec.yaml:3:23: error: module option igb max_vfs=5 disagrees with num-vfs 7 of "
     "'0000:0b:00.0'"},
    {"unknown driver for method module", c_err_unknown_driver, false, NULL,
     "error: driver 'e1000e' has no known module option for the VF count; use method: sysfs"},
    {"VF address not resolvable", c_err_unresolvable, false, NULL,
     "error: cannot resolve the address of VF 1 of '0000:0b:00.0'"},
};

static void run_case(void **state)
{
	const struct tcase *t = *state;
	struct fx *f = fx_new();
	struct diag d;
	int r;

	diag_init(&d);
	t->setup(f);
	char *text = plan_text(f, t->force, &r, &d);
	char *dt = diag_text(&d);
	if (t->expect) {
		if (r < 0)
			fail_msg("%s: plan_compute failed: %s", t->name, dt);
		assert_string_equal(text, t->expect);
	} else {
		assert_true(r < 0);
		if (!strstr(dt, t->expect_diag))
			fail_msg("%s: diagnostics\n%s\nlack\n%s", t->name, dt, t->expect_diag);
	}
	if (t->force)
		assert_true(d.n_warnings > 0);
	free(text);
	free(dt);
	diag_release(&d);
	free(f);
}

/* ---- pieces ---- */

static void test_vf_address(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	char *a = pf_vf_address(&f->pci[0], 0);
	char *b = pf_vf_address(&f->pci[1], 6);
	char *big = pf_vf_address(&f->pci[0], 40000);
	assert_string_equal(a, "0000:0b:10.0");
	assert_string_equal(b, "0000:0b:11.5"); /* 0x0b01 + 128 + 12 = 0x0b8d */
	assert_null(big);
	f->pci[0].sriov.stride = -1;
	assert_null(pf_vf_address(&f->pci[0], 0));
	free(a);
	free(b);
	free(f);
}

static void test_conf_matches(void **state)
{
	(void)state;
	struct module_param want[] = {{"max_vfs", "7"}, {"debug", "1"}};
	struct module_param mlx[] = {{"num_vfs", "4"}};
	assert_int_equal(
	    plan_modprobe_conf_matches("options igb max_vfs=7\n", "igb", want, 1, false), 1);
	assert_int_equal(
	    plan_modprobe_conf_matches("options igb max_vfs=2\n", "igb", want, 1, false), 0);
	assert_int_equal(plan_modprobe_conf_matches(NULL, "igb", want, 1, false), 0);
	/* order, spacing, several lines and the later value winning */
	assert_int_equal(
	    plan_modprobe_conf_matches("  options\tigb debug=1\noptions igb max_vfs=3 max_vfs=7\n",
				       "igb", want, 2, false),
	    1);
	/* other modules and comments do not count */
	assert_int_equal(plan_modprobe_conf_matches("# options igb max_vfs=7\noptions ixgbe "
						    "max_vfs=7\n",
						    "igb", want, 1, false),
			 0);
	/* kmod's module names: '-' and '_' alike */
	assert_int_equal(
	    plan_modprobe_conf_matches("options mlx4-core num_vfs=4\n", "mlx4_core", mlx, 1, false),
	    1);
	/* an option sriovctl does not own counts only in a file it owns */
	assert_int_equal(
	    plan_modprobe_conf_matches("options igb debug=1 max_vfs=7\n", "igb", want, 1, false),
	    1);
	assert_int_equal(
	    plan_modprobe_conf_matches("options igb debug=1 max_vfs=7\n", "igb", want, 1, true), 0);
	/* a continuation line, and a quoted value, as kmod and the kernel read them */
	assert_int_equal(plan_modprobe_conf_matches("options igb debug=0 \\\n  max_vfs=\"7\"\n",
						    "igb", want, 1, false),
			 1);
	/* a comment ending in a backslash swallows the next line */
	assert_int_equal(
	    plan_modprobe_conf_matches("# old \\\noptions igb max_vfs=7\n", "igb", want, 1, false),
	    0);
	/* "options igb" alone is a syntax error kmod ignores; a word must follow "options" */
	assert_int_equal(
	    plan_modprobe_conf_matches("optionsigb max_vfs=7\n", "igb", want, 1, false), 0);
}

/* update(content, want) == expected; then it matches and a second update changes nothing. */
static void check_update(const char *content, const char *module, const struct module_param *want,
			 size_t n, bool owned, const char *expected)
{
	char *out = NULL, *again = NULL;

	assert_int_equal(plan_modprobe_conf_update(content, module, want, n, owned, &out), 0);
	assert_string_equal(out, expected);
	assert_int_equal(plan_modprobe_conf_matches(out, module, want, n, owned), 1);
	assert_int_equal(plan_modprobe_conf_update(out, module, want, n, owned, &again), 0);
	assert_string_equal(again, out);
	free(again);
	free(out);
}

#define HEADER "# Managed by sriovctl (module igb): edit the desired-state file, not this file.\n"

static void test_conf_update(void **state)
{
	(void)state;
	struct module_param want[] = {{"max_vfs", "7"}};
	struct module_param two[] = {{"max_vfs", "7"}, {"debug", "0"}};

	/* only the value changes; other options, lines and comments are kept */
	check_update("# mine\noptions igb max_vfs=2\nblacklist x\noptions igb debug=1", "igb", want,
		     1, false, "# mine\noptions igb max_vfs=7\nblacklist x\noptions igb debug=1");
	check_update("options igb allow_unsupported_sfp=1 max_vfs=2 # not a comment\n", "igb", want,
		     1, false, "options igb allow_unsupported_sfp=1 max_vfs=7 # not a comment\n");
	/* a continuation line stays one */
	check_update("options igb allow_unsupported_sfp=1 \\\n\tmax_vfs=2\n", "igb", want, 1, false,
		     "options igb allow_unsupported_sfp=1 \\\n\tmax_vfs=7\n");
	/* the last value of a key wins: that one changes */
	check_update("options igb max_vfs=2\noptions igb max_vfs=3\n", "igb", want, 1, false,
		     "options igb max_vfs=2\noptions igb max_vfs=7\n");
	/* a quoted value, a parameter without a value */
	check_update("options igb max_vfs=\"2\"\n", "igb", want, 1, false,
		     "options igb max_vfs=\"7\"\n");
	check_update("options igb max_vfs\n", "igb", want, 1, false, "options igb max_vfs=7\n");
	check_update("options igb max_vfs=\n", "igb", want, 1, false, "options igb max_vfs=7\n");
	/* a missing option joins the module's last options line */
	check_update("options igb debug=1\n# tail\n", "igb", two, 2, false,
		     "options igb debug=0 max_vfs=7\n# tail\n");
	check_update("options igb \\\n  debug=1\n", "igb", want, 1, false,
		     "options igb \\\n  debug=1 max_vfs=7\n");
	/* the module's name as the file spells it */
	check_update("options mlx4-core num_vfs=2 enable_64b_cqe_eqe=0\n", "mlx4_core",
		     (struct module_param[]){{"num_vfs", "4"}}, 1, false,
		     "options mlx4-core num_vfs=4 enable_64b_cqe_eqe=0\n");
	/*
	 * the last line ends inside a quote: a new option there, or on a new
	 * line (kmod joins the module's lines), would be part of its value
	 */
	char *out = NULL;
	assert_int_equal(
	    plan_modprobe_conf_update("options igb x=\"a b\n", "igb", want, 1, false, &out),
	    -EBADMSG);
	assert_null(out);
	/* the file ends in a continuation: an appended line must not join it */
	check_update("options ixgbe x=1 \\", "igb", want, 1, false,
		     "options ixgbe x=1 \\\n\noptions igb max_vfs=7\n");
	check_update("options ixgbe y=1 \\\n", "igb", want, 1, false,
		     "options ixgbe y=1 \\\n\noptions igb max_vfs=7\n");
	/* no options line yet: one is appended */
	check_update("blacklist x\n", "igb", want, 1, false,
		     "blacklist x\noptions igb max_vfs=7\n");
	check_update("blacklist x", "igb", want, 1, false, "blacklist x\noptions igb max_vfs=7\n");
	/* a new file */
	check_update(NULL, "igb", want, 1, true, HEADER "options igb max_vfs=7\n");
	check_update(NULL, "igb", want, 1, false, HEADER "options igb max_vfs=7\n");
	/* a file sriovctl owns: the module's lines become exactly the wanted options */
	check_update(HEADER "options igb max_vfs=2 debug=1\noptions igb \\\n  x=1\n# end\n", "igb",
		     want, 1, true, HEADER "options igb max_vfs=7\n# end\n");
	/* a header is added to an owned file that lost it */
	check_update("options igb max_vfs=2\n", "igb", want, 1, true,
		     HEADER "options igb max_vfs=7\n");
	/*
	 * no wanted option in an owned file: no "options igb " line (kmod
	 * ignores it, and it was appended again on every update)
	 */
	check_update(HEADER "options igb max_vfs=2\n# end\n", "igb", NULL, 0, true,
		     HEADER "# end\n");
	check_update("options igb\nblacklist x\n", "igb", NULL, 0, true,
		     HEADER "options igb\nblacklist x\n");
	check_update(NULL, "igb", NULL, 0, true, HEADER);

	char *opts = NULL;
	assert_int_equal(plan_modprobe_conf_options("options igb a=1\noptions igb b\noptions "
						    "igb a=2 \\\n c=3\n",
						    "igb", &opts),
			 0);
	assert_string_equal(opts, "a=2 b c=3");
	free(opts);
	assert_int_equal(plan_modprobe_conf_options("", "igb", &opts), 0);
	assert_null(opts);
}

/* One max_vfs for all ports reaches the port the spec does not manage: a warning says so. */
static void test_one_value_other_port(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct diag d;
	int r;

	diag_init(&d);
	c_module_derived_list(f);
	char *text = plan_text(f, false, &r, &d);
	assert_int_equal(r, 0);
	char *dt = diag_text(&d);
	assert_string_equal(dt, "spec.yaml:5:5: warning: igb takes one max_vfs for all its "
				"ports: at the next load of igb, '0000:0b:00.1' (not managed with "
				"method: module) gets 7 VFs, not 3\n");
	free(dt);
	free(text);
	diag_release(&d);
	free(f);
}

/* A hand-written modprobe.d file with the right option counts as done. */
static void test_conf_semantic(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct diag d;
	int r;

	diag_init(&d);
	seed_spec(f);
	f->s.n_guests = 0;
	host_set_vfs(f, 0, 7);
	f->file =
	    (struct file_state){"/etc/modprobe.d/igb.conf", "options igb max_vfs=7 debug=1\n"};
	f->h.files = &f->file;
	f->h.n_files = 1;
	char *text = plan_text(f, false, &r, &d);
	assert_int_equal(r, 0);
	/* an option the spec does not name is not sriovctl's: no difference */
	assert_string_equal(text, "No changes: the host matches the desired state.\n");
	free(text);
	f->file.content = "# by hand\n  options\tigb   max_vfs=7\n";
	text = plan_text(f, false, &r, &d);
	assert_string_equal(text, "No changes: the host matches the desired state.\n");
	free(text);
	diag_release(&d);
	free(f);
}

static char *plan_json(struct fx *f)
{
	_cleanup_(plan_freep) struct plan *p = NULL;
	struct diag d;
	char *buf = NULL;
	size_t len = 0;

	diag_init(&d);
	assert_int_equal(plan_compute(&f->s, &f->h, NULL, &d, &p), 0);
	diag_release(&d);
	FILE *out = open_memstream(&buf, &len);
	assert_int_equal(render_plan_json(p, out), 0);
	fclose(out);
	return buf;
}

static void test_json(void **state)
{
	(void)state;
	struct fx *f = fx_new();

	c_shrink_blocked(f);
	f->doms[0].running = true;
	spec_guest_vf(f, 0, 0)->mac = "52:54:00:6d:90:02";
	char *s = plan_json(f);
	json_object *root = json_tokener_parse(s);
	assert_non_null(root);
	json_object *v, *changes, *blocked, *summary;
	assert_true(json_object_object_get_ex(root, "version", &v));
	assert_int_equal(json_object_get_int(v), 1);
	assert_true(json_object_object_get_ex(root, "changes", &changes));
	assert_true(json_object_object_get_ex(root, "blocked", &blocked));
	assert_true(json_object_object_get_ex(root, "summary", &summary));
	assert_int_equal(json_object_array_length(changes), 1);
	assert_int_equal(json_object_array_length(blocked), 1);

	json_object *a = json_object_array_get_idx(changes, 0);
	json_object_object_foreach(a, key, val)
	{
		(void)val;
		static const char *const order[] = {
		    "action",  "target", "device",     "from",	 "to",	   "live",
		    "persistent", "running", "vf", "disruptive", "reason"};
		static size_t k;
		assert_string_equal(key, order[k++]);
	}
	/* from: what the guest held at the address, nothing in either scope */
	assert_true(json_object_object_get_ex(a, "from", &v));
	json_object *was;
	assert_true(json_object_object_get_ex(v, "persistent", &was));
	assert_null(was);
	assert_true(json_object_object_get_ex(a, "live", &v));
	assert_true(json_object_get_boolean(v));

	json_object *b = json_object_array_get_idx(blocked, 0);
	assert_true(json_object_object_get_ex(b, "from", &v));
	assert_int_equal(json_object_get_type(v), json_type_int);
	assert_int_equal(json_object_get_int(v), 4);
	assert_true(json_object_object_get_ex(b, "disruptive", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(b, "why", &v));
	assert_non_null(strstr(json_object_get_string(v), "used by running guest web1"));
	assert_true(json_object_object_get_ex(summary, "blocked", &v));
	assert_int_equal(json_object_get_int(v), 1);
	json_object_put(root);

	/* deterministic: the same inputs, the same bytes */
	char *again = plan_json(f);
	assert_string_equal(s, again);
	free(again);
	free(s);
	free(f);
}

/* The order of the spec's PFs and guests does not change the plan. */
static void test_order_independent(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct diag d;
	int r;

	diag_init(&d);
	f->s.n_pfs = 2;
	f->pfs[0].num_vfs = 2;
	f->pfs[1].num_vfs = 3;
	f->pfs[1].drivers_autoprobe = 0;
	strcpy(spec_vf(f, 1, 0)->link.mac, "52:54:00:00:01:00");
	spec_guest_vf(f, 2, 1);
	spec_guest_vf(f, 0, 0);
	char *a = plan_text(f, false, &r, &d);
	assert_int_equal(r, 0);

	struct pf_spec tmp = f->pfs[0];
	f->pfs[0] = f->pfs[1];
	f->pfs[1] = tmp;
	char *b = plan_text(f, false, &r, &d);
	assert_int_equal(r, 0);
	assert_string_equal(a, b);
	assert_string_equal(a, "~ 0000:0b:00.1 drivers-autoprobe true -> false\n"
			       "~ 0000:0b:00.0 num-vfs 0 -> 2\n"
			       "~ 0000:0b:00.1 num-vfs 0 -> 3\n"
			       "~ 0000:0b:00.1 vf 0 mac (new) -> 52:54:00:00:01:00\n"
			       "+ attach 0000:0b:10.0 to MyGuest (interface) [config]\n"
			       "  VF 0 of 0000:0b:00.0 will be 0000:0b:10.0 once created\n"
			       "+ attach 0000:0b:10.2 to web1 (interface) [config]\n"
			       "  VF 1 of 0000:0b:00.0 will be 0000:0b:10.2 once created\n"
			       "Plan: 6 to change, 0 blocked.\n");
	free(a);
	free(b);
	diag_release(&d);
	free(f);
}

/* A plan's facts against the host it was made from, a moved host, and the result. */
static void test_stale_unmet(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	_cleanup_(plan_freep) struct plan *p = NULL;
	struct diag d;

	diag_init(&d);
	host_set_vfs(f, 0, 2);
	spec_pf0(f, 4);
	spec_vf(f, 0, 1)->link.trust = 1;
	assert_int_equal(plan_compute(&f->s, &f->h, NULL, &d, &p), 0);
	assert_int_equal(p->n_changes, 2);
	const struct action *num = &p->changes[0], *trust = &p->changes[1];
	assert_int_equal(num->kind, ACTION_SET_NUM_VFS);
	assert_int_equal(trust->kind, ACTION_SET_VF);

	/* the host it was made from: nothing stale, nothing done yet */
	for (size_t i = 0; i < p->n_changes; i++)
		assert_null(action_stale(&p->changes[i], &f->h));
	char *m = action_unmet(num, &f->h);
	assert_string_equal(m, "0000:0b:00.0 num-vfs is 2, the plan makes it 4");
	free(m);

	/* a count written by hand */
	f->pci[0].sriov.num_vfs = 3;
	m = action_stale(num, &f->h);
	assert_string_equal(m, "0000:0b:00.0 num-vfs is 3, the plan was made when it was 2");
	free(m);
	f->pci[0].sriov.num_vfs = 2;

	/* the PF lost its driver */
	f->pci[0].driver = NULL;
	m = action_stale(num, &f->h);
	assert_string_equal(m, "0000:0b:00.0 driver is (none), the plan was made when it was igb");
	free(m);
	f->pci[0].driver = "igb";

	/* a guest took one of the VFs the count change re-creates */
	dom_dev(f, 1, false, "0000:0b:10.2", DEVICE_HOSTDEV, NULL, -1);
	m = action_stale(num, &f->h);
	assert_non_null(m);
	assert_non_null(strstr(m, "the guests using 0000:0b:00.0 changed: now db1 0000:0b:10.2"));
	free(m);

	/* the VF is re-created by the plan: its settings are not facts */
	assert_true(trust->vf.is_new);
	f->vfs[0][1].link.trust = 1;
	assert_null(action_stale(trust, &f->h));
	/* converged: the trust the plan sets */
	assert_null(action_unmet(trust, &f->h));
	f->vfs[0][1].link.trust = 0;
	m = action_unmet(trust, &f->h);
	assert_string_equal(m, "0000:0b:00.0 vf 1 trust is false, the plan makes it true");
	free(m);
	diag_release(&d);
	free(f);
}

/* A saved plan read from memory: not NUL-terminated, nothing after the object, no NUL. */
static void test_plan_load_buffer(void **state)
{
	(void)state;
	struct plan empty = {.source = {.version = "0.1.0", .hostname = "kvm-07",
					.spec_path = "host.yaml", .spec_sha256 = "00"}};
	json_object *root = render_plan_tree(&empty, RENDER_PLAN_SAVED);
	const char *json = json_object_to_json_string(root);
	size_t len = strlen(json);
	char *buf = malloc(len + 8);
	struct plan *p = NULL;
	struct diag d;

	assert_non_null(buf);
	memcpy(buf, json, len);
	memset(buf + len, '}', 8); /* no NUL after the text */
	diag_init(&d);
	assert_int_equal(plan_load_buffer("p.json", buf, len, &d, &p), 0);
	assert_string_equal(p->source.hostname, "kvm-07");
	plan_free(p);
	p = NULL;
	memcpy(buf + len, " \n", 2);
	assert_int_equal(plan_load_buffer("p.json", buf, len + 2, &d, &p), 0);
	plan_free(p);
	p = NULL;
	assert_int_equal(d.n_errors, 0);
	/* text after the plan, a NUL byte, a truncated plan: refused with a reason */
	assert_int_equal(plan_load_buffer("p.json", buf, len + 3, &d, &p), -EINVAL);
	buf[len] = '\0';
	assert_int_equal(plan_load_buffer("p.json", buf, len + 1, &d, &p), -EINVAL);
	assert_int_equal(plan_load_buffer("p.json", buf, len - 1, &d, &p), -EINVAL);
	assert_null(p);
	assert_int_equal(d.n_errors, 3);
	diag_release(&d);
	json_object_put(root);
	free(buf);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(cases) + 9];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		tests[n++] =
		    (struct CMUnitTest){cases[i].name, run_case, NULL, NULL, (void *)&cases[i]};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_vf_address);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_conf_matches);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_conf_update);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_conf_semantic);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_one_value_other_port);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_json);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_order_independent);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_stale_unmet);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_plan_load_buffer);
	return _cmocka_run_group_tests("plan", tests, n, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * plan_filter(): a plan of the seed host (two 82576 ports, one guest)
 * narrowed to one PF (--only) or one side (--scope host|guests). Each case
 * is a host-state and a desired state, the filter, and the actions left as
 * "kind target [device]" lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "host-state.h"
#include "plan-only.h"

/* port 0 with VF0 bound to VF0_DRIVER, port 1 without VFs, a stopped guest */
#define HOST_STATE(VF0_DRIVER)                                                                     \
	"version: 1\n"                                                                             \
	"kind: host-state\n"                                                                       \
	"hostname: kvm-07\n"                                                                       \
	"pci:\n"                                                                                   \
	"  - address: \"0000:0b:00.0\"\n"                                                          \
	"    vendor: \"8086\"\n"                                                                   \
	"    device: \"10c9\"\n"                                                                   \
	"    driver: igb\n"                                                                        \
	"    interfaces: [enp11s0f0]\n"                                                            \
	"    sriov: {total-vfs: 7, num-vfs: 1, drivers-autoprobe: true, offset: 128, stride: 2,\n" \
	"            vf-device: \"10ca\", vfs: [{id: 0, address: \"0000:0b:10.0\", "               \
	"driver: " VF0_DRIVER "}]}\n"                                                              \
	"  - address: \"0000:0b:00.1\"\n"                                                          \
	"    vendor: \"8086\"\n"                                                                   \
	"    device: \"10c9\"\n"                                                                   \
	"    driver: igb\n"                                                                        \
	"    interfaces: [enp11s0f1]\n"                                                            \
	"    sriov: {total-vfs: 7, num-vfs: 0, drivers-autoprobe: true, offset: 128, stride: 2,\n" \
	"            vf-device: \"10ca\", vfs: []}\n"                                              \
	"modules:\n"                                                                               \
	"  igb: {loaded: true, parameters: {max_vfs: \"0\"}}\n"                                    \
	"files:\n"                                                                                 \
	"  /etc/modprobe.d/igb.conf: null\n"                                                       \
	"libvirt: true\n"                                                                          \
	"domains:\n"                                                                               \
	"  - name: MyGuest\n"                                                                      \
	"    running: false\n"                                                                     \
	"    xml: \"<domain type='kvm'><name>MyGuest</name><devices/></domain>\"\n"                \
	"    live-xml: null\n"

/* both ports get VFs, port 0 through the module option; VF 1 of port 0 to the guest */
static const char spec_seed[] = "version: 1\n"
				"modules:\n"
				"  igb: {options: {max_vfs: 3}, file: /etc/modprobe.d/igb.conf}\n"
				"pfs:\n"
				"  - pci: \"0000:0b:00.0\"\n"
				"    num-vfs: 3\n"
				"    method: module\n"
				"  - interface: enp11s0f1\n"
				"    num-vfs: 2\n"
				"guests:\n"
				"  MyGuest:\n"
				"    devices:\n"
				"      - vf: {pf: \"0000:0b:00.0\", id: 1}\n"
				"        type: hostdev\n";

struct result {
	int r;
	char *changes, *blocked; /* "kind target [device]" lines */
	struct diag d;
};

static char *lines(const struct action *v, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	for (size_t i = 0; i < n; i++)
		fprintf(m, "%s %s%s%s\n", action_kind_to_string(v[i].kind), v[i].target,
			v[i].device ? " " : "", v[i].device ? v[i].device : "");
	fclose(m);
	return buf;
}

/*
 * Plan spec on host (libvirt observed or not), narrow it with f (only
 * resolved on the host first, as the CLI does).
 */
static void run(const char *host_yaml, bool libvirt_ok, const char *spec_yaml, struct plan_filter f,
		struct result *res)
{
	struct host *h = NULL;
	struct spec *s = NULL;
	struct plan *p = NULL;
	struct diag d;

	diag_init(&d);
	assert_int_equal(state_load_buffer("host", host_yaml, strlen(host_yaml), &d, &h), 0);
	assert_int_equal(spec_load_buffer("spec", spec_yaml, strlen(spec_yaml), &d, &s), 0);
	h->libvirt_ok = libvirt_ok;
	struct plan_opts o = {0};
	size_t n_guests = s->n_guests;
	if (!libvirt_ok)
		s->n_guests = 0; /* as --scope host plans: without the guests */
	assert_int_equal(plan_compute(s, h, &o, &d, &p), 0);
	s->n_guests = n_guests;
	diag_release(&d);
	if (f.only)
		assert_int_equal(plan_only_resolve(h, f.only, &f.only), 0);
	diag_init(&res->d);
	res->r = plan_filter(p, h, &f, &res->d);
	res->changes = lines(p->changes, p->n_changes);
	res->blocked = lines(p->blocked, p->n_blocked);
	if (p->n_blocked)
		assert_non_null(strstr(p->blocked[0].why, "vfio-pci"));
	plan_free(p);
	spec_free(s);
	host_free(h);
}

static void result_release(struct result *res)
{
	free(res->changes);
	free(res->blocked);
	diag_release(&res->d);
}

static bool diag_has(const struct diag *d, enum diag_level level, const char *part)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].level == level && strstr(d->v[i].msg, part))
			return true;
	return false;
}

static void test_unfiltered(void **state)
{
	struct result res;

	(void)state;
	run(HOST_STATE("igbvf"), true, spec_seed, (struct plan_filter){0}, &res);
	assert_int_equal(res.r, 0);
	assert_string_equal(res.changes, "write-modprobe-conf /etc/modprobe.d/igb.conf\n"
					 "set-num-vfs 0000:0b:00.0\n"
					 "set-num-vfs 0000:0b:00.1\n"
					 "attach MyGuest 0000:0b:10.2\n");
	assert_int_equal(res.d.n, 0);
	result_release(&res);
}

static void test_only_pf_by_address(void **state)
{
	struct result res;

	(void)state;
	run(HOST_STATE("igbvf"), true, spec_seed, (struct plan_filter){.only = "0000:0B:00.0"},
	    &res);
	assert_int_equal(res.r, 0);
	assert_string_equal(res.changes, "set-num-vfs 0000:0b:00.0\n"
					 "attach MyGuest 0000:0b:10.2\n");
	assert_string_equal(res.blocked, "");
	assert_true(diag_has(&res.d, DIAG_NOTE, "1 module action left out"));
	result_release(&res);
}

static void test_only_pf_by_interface(void **state)
{
	struct result res;

	(void)state;
	run(HOST_STATE("igbvf"), true, spec_seed, (struct plan_filter){.only = "enp11s0f1"}, &res);
	assert_string_equal(res.changes, "set-num-vfs 0000:0b:00.1\n");
	result_release(&res);
}

static void test_only_resolve_unknown(void **state)
{
	struct host *h = NULL;
	struct diag d;
	const char *addr = NULL;
	const char *y = HOST_STATE("igbvf");

	(void)state;
	diag_init(&d);
	assert_int_equal(state_load_buffer("host", y, strlen(y), &d, &h), 0);
	assert_int_equal(plan_only_resolve(h, "0000:0b:10.0", &addr), -ENODEV); /* a VF */
	assert_int_equal(plan_only_resolve(h, "eth9", &addr), -ENODEV);
	assert_int_equal(plan_only_resolve(h, "enp11s0f0", &addr), 0);
	assert_string_equal(addr, "0000:0b:00.0");
	host_free(h);
	diag_release(&d);
}

static void test_scope_guests(void **state)
{
	struct result res;

	(void)state;
	run(HOST_STATE("igbvf"), true, spec_seed, (struct plan_filter){.scope = PLAN_SCOPE_GUESTS},
	    &res);
	assert_string_equal(res.changes, "attach MyGuest 0000:0b:10.2\n");
	assert_true(diag_has(&res.d, DIAG_WARNING, "3 host changes left out"));
	result_release(&res);
}

static void test_scope_host(void **state)
{
	struct result res;

	(void)state;
	run(HOST_STATE("igbvf"), true, spec_seed, (struct plan_filter){.scope = PLAN_SCOPE_HOST},
	    &res);
	assert_string_equal(res.changes, "write-modprobe-conf /etc/modprobe.d/igb.conf\n"
					 "set-num-vfs 0000:0b:00.0\n"
					 "set-num-vfs 0000:0b:00.1\n");
	assert_int_equal(res.d.n, 0);
	result_release(&res);
}

/* without libvirt, re-creating VFs of which one is bound to vfio-pci is blocked */
static void test_scope_host_guard(void **state)
{
	struct result res;

	(void)state;
	run(HOST_STATE("vfio-pci"), false, spec_seed,
	    (struct plan_filter){.scope = PLAN_SCOPE_HOST}, &res);
	assert_int_equal(res.r, 0);
	assert_string_equal(res.changes, "write-modprobe-conf /etc/modprobe.d/igb.conf\n"
					 "set-num-vfs 0000:0b:00.1\n");
	assert_string_equal(res.blocked, "set-num-vfs 0000:0b:00.0\n");
	result_release(&res);

	/* --force: it goes ahead, with a warning */
	run(HOST_STATE("vfio-pci"), false, spec_seed,
	    (struct plan_filter){.scope = PLAN_SCOPE_HOST, .force = true}, &res);
	assert_string_equal(res.blocked, "");
	assert_non_null(strstr(res.changes, "set-num-vfs 0000:0b:00.0\n"));
	assert_true(diag_has(&res.d, DIAG_WARNING, "--force: set-num-vfs 0000:0b:00.0"));
	result_release(&res);

	/* a VF no guest can hold (igbvf) is no reason to block */
	run(HOST_STATE("igbvf"), false, spec_seed, (struct plan_filter){.scope = PLAN_SCOPE_HOST},
	    &res);
	assert_string_equal(res.blocked, "");
	result_release(&res);
}

static void test_only_and_scope_host(void **state)
{
	struct result res;

	(void)state;
	run(HOST_STATE("vfio-pci"), false, spec_seed,
	    (struct plan_filter){.only = "enp11s0f1", .scope = PLAN_SCOPE_HOST}, &res);
	assert_string_equal(res.changes, "set-num-vfs 0000:0b:00.1\n");
	assert_string_equal(res.blocked, ""); /* port 0's blocked count is not this run's */
	result_release(&res);
}

static void test_scope_names(void **state)
{
	(void)state;
	assert_int_equal(plan_scope_from_string("host"), PLAN_SCOPE_HOST);
	assert_int_equal(plan_scope_from_string("guests"), PLAN_SCOPE_GUESTS);
	assert_int_equal(plan_scope_from_string("all"), PLAN_SCOPE_ALL);
	assert_int_equal(plan_scope_from_string("guest"), -EINVAL);
	assert_string_equal(plan_scope_to_string(PLAN_SCOPE_GUESTS), "guests");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unfiltered),
	    cmocka_unit_test(test_only_pf_by_address),
	    cmocka_unit_test(test_only_pf_by_interface),
	    cmocka_unit_test(test_only_resolve_unknown),
	    cmocka_unit_test(test_scope_guests),
	    cmocka_unit_test(test_scope_host),
	    cmocka_unit_test(test_scope_host_guard),
	    cmocka_unit_test(test_only_and_scope_host),
	    cmocka_unit_test(test_scope_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* Merging desired-state files (spec-merge.c): what joins, what conflicts, who owns what. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "spec-merge.h"

static struct spec *load(const char *name, const char *text)
{
	struct spec *s = NULL;
	struct diag d;

	diag_init(&d);
	if (spec_load_buffer(name, text, strlen(text), &d, &s) < 0) {
		diag_print(&d, stderr);
		fail_msg("cannot load %s", name);
	}
	diag_release(&d);
	return s;
}

static const char *const main_yaml = "version: 1\n"
				     "modules:\n"
				     "  igb: {options: {max_vfs: 7}}\n"
				     "pfs:\n"
				     "  - pci: \"0000:0b:00.0\"\n"
				     "    num-vfs: 4\n"
				     "    vfs:\n"
				     "      - {id: 2, trust: true}\n"
				     "guests:\n"
				     "  b:\n"
				     "    devices:\n"
				     "      - vf: {pf: \"0000:0b:00.0\", id: 2}\n";

static const char *const dropin_yaml = "version: 1\n"
				       "host: kvm-07\n"
				       "modules:\n"
				       "  igb: {file: /etc/modprobe.d/igb.conf}\n"
				       "  ixgbe: {options: {max_vfs: 2}}\n"
				       "pfs:\n"
				       "  - pci: \"0000:0b:00.0\"\n"
				       "    vf-driver: vfio-pci\n"
				       "    vfs:\n"
				       "      - {id: 0, mac: \"52:54:00:00:00:01\"}\n"
				       "      - {id: 2, spoof-check: false}\n"
				       "  - pci: \"0000:0b:00.1\"\n"
				       "    num-vfs: 1\n"
				       "guests:\n"
				       "  a:\n"
				       "    devices:\n"
				       "      - vf: {pf: \"0000:0b:00.0\", id: 0}\n";

static void test_merge_joins(void **state)
{
	(void)state;
	_cleanup_(spec_freep) struct spec *s = load("main.yaml", main_yaml);
	struct diag d;

	diag_init(&d);
	assert_int_equal(spec_merge(s, load("10.yaml", dropin_yaml), &d), 0);
	assert_int_equal(d.n, 0);
	diag_release(&d);

	assert_string_equal(s->path, "main.yaml");
	assert_int_equal(s->n_merged, 1);
	assert_string_equal(s->host, "kvm-07");
	assert_string_equal(s->host_loc.file, "10.yaml"); /* kept alive by merged[] */
	assert_int_equal(s->n_pfs, 2);
	const struct pf_spec *pf = spec_find_pf(s, "0000:0b:00.0");
	assert_int_equal(pf->num_vfs, 4);
	assert_string_equal(pf->vf_driver, "vfio-pci");
	assert_int_equal(pf->n_vfs, 2);
	assert_int_equal(pf->vfs[0].id, 0); /* sorted again: pf_spec_find_vf bisects */
	const struct vf_spec *vf = pf_spec_find_vf(pf, 2);
	assert_non_null(vf);
	assert_int_equal(vf->link.trust, 1);
	assert_int_equal(vf->link.spoof_check, 0);
	assert_string_equal(pf_spec_find_vf(pf, 0)->link.mac, "52:54:00:00:00:01");
	assert_int_equal(s->n_modules, 2);
	const struct module_spec *igb = spec_find_module(s, "igb");
	assert_true(igb->file_given);
	assert_string_equal(igb->file, "/etc/modprobe.d/igb.conf");
	assert_int_equal(igb->n_options, 1);
	assert_int_equal(s->n_guests, 2);
	assert_string_equal(s->guests[0].name, "a"); /* sorted by name */
	assert_string_equal(s->guests[0].devices[0].loc.file, "10.yaml");
}

/* Each conflict at the later place, naming the earlier one. */
static void test_merge_conflicts(void **state)
{
	(void)state;
	static const char *const again = "version: 1\n"
					 "host: other\n"
					 "modules:\n"
					 "  igb: {options: {max_vfs: 3}}\n"
					 "pfs:\n"
					 "  - pci: \"0000:0b:00.0\"\n"
					 "    num-vfs: 3\n"
					 "    vfs:\n"
					 "      - {id: 2, trust: false}\n"
					 "guests:\n"
					 "  b:\n"
					 "    devices:\n"
					 "      - vf: {pf: \"0000:0b:00.0\", id: 2}\n";
	static const char *const want[] = {
	    "20.yaml:2:7: host is also set at 10.yaml:2:7",
	    "20.yaml:4:19: modules.igb.options.max_vfs is also set at main.yaml:3:19",
	    "20.yaml:7:14: pfs[0000:0b:00.0].num-vfs is also set at main.yaml:6:14",
	    "20.yaml:9:9: pfs[0000:0b:00.0].vfs[2].trust is also set at main.yaml:8:9",
	    "20.yaml:13:9: guests.b.devices[VF 2 of PF '0000:0b:00.0'] is also set at "
	    "main.yaml:12:9",
	};
	_cleanup_(spec_freep) struct spec *s = load("main.yaml", main_yaml);
	struct diag d;

	diag_init(&d);
	assert_int_equal(spec_merge(s, load("10.yaml", dropin_yaml), &d), 0);
	assert_int_equal(spec_merge(s, load("20.yaml", again), &d), -EINVAL);
	assert_int_equal(d.n_errors, ARRAY_SIZE(want));
	diag_sort(&d);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		_cleanup_(freep) char *got =
		    strprintf("%s:%u:%u: %s", d.v[i].file, d.v[i].line, d.v[i].col, d.v[i].msg);
		assert_string_equal(got, want[i]);
	}
	diag_release(&d);
}

static void test_default_files_none(void **state)
{
	(void)state;
	char **paths = NULL;
	size_t n = 7;
	struct diag d;

	diag_init(&d);
	assert_int_equal(spec_default_files("/nonexistent-root", &d, &paths, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(d.n, 0);
	spec_paths_free(paths, n);
	diag_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_joins),
	    cmocka_unit_test(test_merge_conflicts),
	    cmocka_unit_test(test_default_files_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The host-state loader reads the domain XMLs of a long domains: list on
 * several threads (domain_xml_parse_many()): every domain gets what a
 * parse of its own XML, alone and on this thread, gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domxml.h"
#include "unit.h"

#define N_DOMAINS 48

/* A domain XML with i % 4 hostdevs, an interface type='hostdev' and one on a network. */
static void put_domain_xml(FILE *f, unsigned i, bool live)
{
	fprintf(f, "      <domain type='kvm'%s>\n        <name>g%02u</name>\n        <devices>\n",
		live ? " id='3'" : "", i);
	for (unsigned k = 0; k < i % 4; k++)
		fprintf(f,
			"          <hostdev mode='subsystem' type='pci' managed='yes'><source>"
			"<address domain='0x0000' bus='0x%02x' slot='0x10' function='0x%u'/>"
			"</source></hostdev>\n",
			i, k);
	fprintf(f,
		"          <interface type='hostdev'><mac address='52:54:00:00:00:%02X'/><source>"
		"<address type='pci' bus='%u' slot='17' function='%u'/></source>"
		"<vlan><tag id='%u'/></vlan></interface>\n"
		"          <interface type='network'><mac address='52:54:00:00:01:%02x'/>"
		"<source network='pool%u'/></interface>\n"
		"        </devices>\n      </domain>\n",
		i, i, i % 8, 100 + i, i, i % 3);
}

static char *many_domains(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fputs("version: 1\nkind: host-state\nlibvirt: true\ndomains:\n", f);
	for (unsigned i = 0; i < N_DOMAINS; i++) {
		bool running = i % 2;
		fprintf(f, "  - name: g%02u\n    running: %s\n    xml: |\n", i,
			running ? "true" : "false");
		put_domain_xml(f, i, false);
		if (running) {
			fputs("    live-xml: |\n", f);
			put_domain_xml(f, i, true);
		}
	}
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void assert_devs_equal(const struct guest_dev_state *a, size_t n_a,
			      const struct guest_dev_state *b, size_t n_b)
{
	assert_int_equal(n_a, n_b);
	for (size_t i = 0; i < n_a; i++) {
		assert_int_equal(a[i].type, b[i].type);
		assert_string_equal(unit_str(a[i].address), unit_str(b[i].address));
		assert_string_equal(unit_str(a[i].mac), unit_str(b[i].mac));
		assert_string_equal(unit_str(a[i].network), unit_str(b[i].network));
		assert_int_equal(a[i].vlan, b[i].vlan);
		assert_int_equal(a[i].managed, b[i].managed);
	}
}

/* ds's devices and nets from xml against a parse of xml alone. */
static void assert_as_alone(const char *xml, const struct guest_dev_state *devs, size_t n_devs,
			    const struct guest_dev_state *nets, size_t n_nets)
{
	struct domain_xml_job j = {.xml = xml};

	domain_xml_parse_many(&j, 1, 1);
	assert_int_equal(j.r, 0);
	assert_int_equal(j.nets_r, 0);
	assert_devs_equal(devs, n_devs, j.devs, j.n_devs);
	assert_devs_equal(nets, n_nets, j.nets, j.n_nets);
	domain_xml_job_release(&j);
}

static void test_many_domains_as_one_thread(void **state)
{
	(void)state;
	_cleanup_(freep) char *text = many_domains();
	_cleanup_(host_freep) struct host *h = unit_state_text("many", text);
	size_t devs = 0;

	assert_int_equal(h->n_domains, N_DOMAINS);
	for (size_t i = 0; i < h->n_domains; i++) {
		const struct domain_state *d = &h->domains[i];

		assert_non_null(d->xml);
		assert_as_alone(d->xml, d->devs, d->n_devs, d->nets, d->n_nets);
		assert_int_equal(d->n_nets, 1);
		assert_int_equal(d->live_xml != NULL, d->running);
		if (d->live_xml)
			assert_as_alone(d->live_xml, d->live_devs, d->n_live_devs, d->live_nets,
					d->n_live_nets);
		devs += d->n_devs;
	}
	/* i % 4 hostdevs and one interface each */
	assert_int_equal(devs, N_DOMAINS / 4 * (0 + 1 + 2 + 3) + N_DOMAINS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_many_domains_as_one_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

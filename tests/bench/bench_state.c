/* SPDX-License-Identifier: MIT */
/*
 * `sriovctl plan --state` of a generated host, as a user runs it: the host
 * of bench-gen.h (16 PFs x 64 VFs with 256 guests, then 64 x 64 with
 * 1,024), written by state_write() with full domain XMLs as libvirt dumps
 * them, and a desired-state file asking for every VF's MAC and every
 * guest's devices. The binary ($SRIOVCTL, default build/sriovctl) runs
 * RUNS times per host; prints the median wall time and the largest peak
 * RSS of the child (wait4) as figures with their goals (tests/bench/lib.sh's
 * bench_figure format, collected by tests/bench/run), and beside them the
 * best wall time, the median CPU time of the child (user + system: what
 * the load of a shared machine changes least) and the load average.
 * Asserts nothing about time.
 *
 *   bench_state [RUNS]
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-gen.h"
#include "domxml.h"
#include "host-state.h"
#include "plan.h"
#include "render.h"

#define GOAL_MS_1024 30.0 /* issue 15: plan --state of 1,024 VFs / 256 guests */
#define GOAL_RSS_KIB 10240 /* issue 15: plan --state under 10 MB */

/* What a libvirt 9 dumpxml of a q35 guest holds besides the PCI devices. */
static const char dom_head[] =
    "<domain type='kvm'%s>\n"
    "  <name>%s</name>\n"
    "  <uuid>4dea22b3-1d52-d8f3-2516-%012u</uuid>\n"
    "  <metadata>\n"
    "    <libosinfo:libosinfo xmlns:libosinfo=\"http://libosinfo.org/xmlns/libvirt/domain/1.0\">\n"
    "      <libosinfo:os id=\"http://debian.org/debian/12\"/>\n"
    "    </libosinfo:libosinfo>\n"
    "  </metadata>\n"
    "  <memory unit='KiB'>4194304</memory>\n"
    "  <currentMemory unit='KiB'>4194304</currentMemory>\n"
    "  <vcpu placement='static'>4</vcpu>\n"
    "  <resource>\n    <partition>/machine</partition>\n  </resource>\n"
    "  <os>\n    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n"
    "    <boot dev='hd'/>\n  </os>\n"
    "  <features>\n    <acpi/>\n    <apic/>\n    <vmport state='off'/>\n  </features>\n"
    "  <cpu mode='host-passthrough' check='none' migratable='on'/>\n"
    "  <clock offset='utc'>\n    <timer name='rtc' tickpolicy='catchup'/>\n"
    "    <timer name='pit' tickpolicy='delay'/>\n    <timer name='hpet' present='no'/>\n"
    "  </clock>\n"
    "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n"
    "  <on_crash>destroy</on_crash>\n"
    "  <pm>\n    <suspend-to-mem enabled='no'/>\n    <suspend-to-disk enabled='no'/>\n  </pm>\n"
    "  <devices>\n"
    "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='qcow2' discard='unmap'/>\n"
    "      <source file='/var/lib/libvirt/images/%s.qcow2'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>\n"
    "    </disk>\n"
    "    <controller type='usb' index='0' model='qemu-xhci' ports='15'>\n"
    "      <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>\n"
    "    </controller>\n"
    "    <controller type='pci' index='0' model='pcie-root'/>\n"
    "    <controller type='pci' index='1' model='pcie-root-port'>\n"
    "      <model name='pcie-root-port'/>\n"
    "      <target chassis='1' port='0x10'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' "
    "multifunction='on'/>\n"
    "    </controller>\n"
    "    <controller type='pci' index='2' model='pcie-root-port'>\n"
    "      <model name='pcie-root-port'/>\n"
    "      <target chassis='2' port='0x11'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x1'/>\n"
    "    </controller>\n"
    "    <controller type='sata' index='0'>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>\n"
    "    </controller>\n"
    "    <controller type='virtio-serial' index='0'>\n"
    "      <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>\n"
    "    </controller>\n"
    "    <interface type='network'>\n"
    "      <mac address='52:54:00:aa:%02x:%02x'/>\n"
    "      <source network='default'/>\n"
    "      <model type='virtio'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n"
    "    </interface>\n"
    "    <serial type='pty'>\n      <target type='isa-serial' port='0'>\n"
    "        <model name='isa-serial'/>\n      </target>\n    </serial>\n"
    "    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n"
    "    <channel type='unix'>\n      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
    "      <address type='virtio-serial' controller='0' bus='0' port='1'/>\n"
    "    </channel>\n"
    "    <input type='mouse' bus='ps2'/>\n    <input type='keyboard' bus='ps2'/>\n"
    "    <graphics type='vnc' port='-1' autoport='yes'>\n"
    "      <listen type='address'/>\n    </graphics>\n"
    "    <audio id='1' type='none'/>\n"
    "    <video>\n      <model type='virtio' heads='1' primary='yes'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>\n"
    "    </video>\n";

static const char dom_tail[] =
    "    <watchdog model='itco' action='reset'/>\n"
    "    <memballoon model='virtio'>\n"
    "      <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/>\n"
    "    </memballoon>\n"
    "    <rng model='virtio'>\n      <backend model='random'>/dev/urandom</backend>\n"
    "      <address type='pci' domain='0x0000' bus='0x06' slot='0x00' function='0x0'/>\n"
    "    </rng>\n"
    "  </devices>\n"
    "  <seclabel type='dynamic' model='apparmor' relabel='yes'/>\n"
    "</domain>\n";

static char *domain_xml(struct gen *g, const struct domain_state *d, unsigned i, bool live)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, dom_head, live ? " id='7'" : "", d->name, i, d->name, i >> 8, i & 0xff);
	for (size_t k = 0; k < d->n_devs; k++) {
		_cleanup_(freep) char *dev = domain_xml_device(&d->devs[k]);
		if (!dev) {
			fclose(f);
			free(buf);
			return NULL;
		}
		fprintf(f, "    %s\n", dev);
	}
	fputs(dom_tail, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return keep(g, buf);
}

static int write_state(struct gen *g, const char *path)
{
	for (size_t i = 0; i < g->h.n_domains; i++) {
		struct domain_state *d = &g->h.domains[i];
		d->xml = domain_xml(g, d, i, false);
		if (d->running)
			d->live_xml = domain_xml(g, d, i, true);
	}
	FILE *f = fopen(path, "we");
	if (!f)
		return -errno;
	int r = state_write(&g->h, f);
	if (fclose(f) != 0 && r >= 0)
		r = -EIO;
	return r;
}

/* The desired state of bench-gen.h's spec, as a user writes it. */
static int write_spec(const struct gen *g, const char *path)
{
	const struct spec *s = &g->s;
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "version: 1\npfs:\n");
	for (size_t p = 0; p < s->n_pfs; p++) {
		const struct pf_spec *pf = &s->pfs[p];
		fprintf(f, "  - pci: \"%s\"\n    num-vfs: %u\n    vf-driver: %s\n    vfs:\n",
			pf->pci, pf->num_vfs, pf->vf_driver);
		for (size_t v = 0; v < pf->n_vfs; v++)
			fprintf(f, "      - {id: %u, mac: \"%s\", spoof-check: true}\n", pf->vfs[v].id,
				pf->vfs[v].link.mac);
	}
	fprintf(f, "guests:\n");
	for (size_t i = 0; i < s->n_guests; i++) {
		const struct guest_spec *gs = &s->guests[i];
		fprintf(f, "  %s:\n    prune: %s\n    devices:\n", gs->name,
			gs->prune ? "true" : "false");
		for (size_t k = 0; k < gs->n_devices; k++) {
			const struct guest_device *d = &gs->devices[k];
			fprintf(f,
				"      - vf: {pf: \"%s\", id: %u}\n        type: interface\n"
				"        mac: \"%s\"\n        vlan: %d\n",
				d->vf_pf, d->vf_id, d->mac, d->vlan);
		}
	}
	return fclose(f) == 0 ? 0 : -EIO;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One run of the binary; its wall time, CPU time and peak RSS (KiB). */
static int run_plan(const char *bin, const char *state, const char *spec, double *ret_s,
		    double *ret_cpu, long *ret_rss)
{
	struct rusage ru;
	int status;
	fflush(stdout);
	double t0 = now();
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl(bin, bin, "plan", "-q", "--state", state, "-f", spec, (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return -errno;
	*ret_s = now() - t0;
	*ret_cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		   (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	*ret_rss = ru.ru_maxrss;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_state: %s plan --state %s -f %s: exit %d\n", bin, state, spec,
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -EINVAL;
	}
	return 0;
}

/* The same work in this process, phase by phase: the best of runs, in ms. */
static int phases(const char *state, const char *spec, int runs, double best[4])
{
	for (int k = 0; k < 4; k++)
		best[k] = 1e9;
	for (int i = 0; i < runs; i++) {
		_cleanup_(host_freep) struct host *h = NULL;
		_cleanup_(spec_freep) struct spec *s = NULL;
		_cleanup_(plan_freep) struct plan *p = NULL;
		_cleanup_(fclosep) FILE *null = fopen("/dev/null", "we");
		struct diag d;
		double t[5];
		int r;

		diag_init(&d);
		t[0] = now();
		r = state_load(state, &d, &h);
		t[1] = now();
		if (r >= 0)
			r = spec_load(spec, &d, &s);
		t[2] = now();
		if (r >= 0)
			r = plan_compute(s, h, NULL, &d, &p);
		t[3] = now();
		if (r >= 0)
			r = null ? render_plan_text(p, null) : -errno;
		t[4] = now();
		if (r < 0) {
			diag_print(&d, stderr);
			diag_release(&d);
			return r;
		}
		diag_release(&d);
		for (int k = 0; k < 4; k++)
			if (t[k + 1] - t[k] < best[k])
				best[k] = (t[k + 1] - t[k]) * 1e3;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int bench(const char *bin, const char *dir, unsigned n_pf, unsigned n_guest, int runs,
		 double goal_ms, const char *before)
{
	struct gen g = {0};
	char state[4096], spec[4096];
	double t[64], cpu[64];
	long rss = 0;
	struct stat st;
	int r;

	snprintf(state, sizeof(state), "%s/host-%u.state.yaml", dir, n_pf * VFS_PER_PF);
	snprintf(spec, sizeof(spec), "%s/spec-%u.yaml", dir, n_pf * VFS_PER_PF);
	gen_host(&g, n_pf, n_guest);
	gen_spec(&g, n_pf, n_guest);
	r = write_state(&g, state);
	if (r >= 0)
		r = write_spec(&g, spec);
	for (size_t i = 0; i < g.h.n_domains; i++)
		g.h.domains[i].xml = g.h.domains[i].live_xml = NULL; /* kept in g.strings */
	gen_free(&g);
	if (r < 0) {
		fprintf(stderr, "bench_state: cannot write the files: %s\n", strerror(-r));
		return 1;
	}
	stat(state, &st);
	for (int i = 0; i < runs; i++) {
		long k = 0;
		if (run_plan(bin, state, spec, &t[i], &cpu[i], &k) < 0)
			return 1;
		if (k > rss)
			rss = k;
	}
	qsort(t, runs, sizeof(*t), cmp_double);
	qsort(cpu, runs, sizeof(*cpu), cmp_double);
	double ph[4];
	if (phases(state, spec, runs, ph) < 0)
		return 1;
	double load[1] = {0};
	getloadavg(load, 1);
	/* the figures, as tests/bench/lib.sh's bench_figure prints them */
	printf("plan --state of %u VFs and %u guests, median wall time: %.1f ms (goal <= %.0f ms): "
	       "%s\n",
	       n_pf * VFS_PER_PF, n_guest, t[runs / 2] * 1e3, goal_ms,
	       t[runs / 2] * 1e3 <= goal_ms ? "met" : "not met");
	printf("peak RSS, plan --state of %u VFs and %u guests: %.1f MB (goal < %.0f MB): %s\n",
	       n_pf * VFS_PER_PF, n_guest, rss / 1024.0, GOAL_RSS_KIB / 1024.0,
	       rss < GOAL_RSS_KIB ? "met" : "not met");
	printf("  %.1f MB file; best %.1f ms, median CPU time %.1f ms, of %d runs; load average "
	       "%.2f (%s)\n",
	       st.st_size / 1e6, t[0] * 1e3, cpu[runs / 2] * 1e3, runs, load[0], before);
	printf("  in one process, best of %d: state_load %.1f ms, spec_load %.1f ms, "
	       "plan_compute %.1f ms, render %.1f ms\n",
	       runs, ph[0], ph[1], ph[2], ph[3]);
	return 0;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 11;
	const char *bin = getenv("SRIOVCTL") ? getenv("SRIOVCTL") : "build/sriovctl";
	char tmpl[] = "/tmp/sriovctl-bench-state.XXXXXX";
	const char *dir = mkdtemp(tmpl);
	char cmd[4200];
	/* keep the files for profiling: BENCH_STATE_KEEP=1 */
	bool keep_files = getenv("BENCH_STATE_KEEP") != NULL;
	int rc;

	if (runs < 1 || runs > 64) {
		fprintf(stderr, "usage: bench_state [RUNS<=64]\n");
		return 64;
	}
	if (!dir) {
		perror("bench_state");
		return 1;
	}
	rc = bench(bin, dir, 16, 256, runs, GOAL_MS_1024, "issue 15 measured 84 ms, 22 MB on its own host file") ||
	     bench(bin, dir, 64, 1024, runs, 4 * GOAL_MS_1024,
		   "4x the 1,024 goal, linear; issue 15 measured 276 ms");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (keep_files)
		printf("files kept in %s\n", dir);
	else if (system(cmd) != 0)
		fprintf(stderr, "bench_state: cannot remove %s\n", dir);
	return rc;
}

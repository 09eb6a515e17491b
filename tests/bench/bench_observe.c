/* SPDX-License-Identifier: MIT */
/*
 * Benchmark of host_observe(): a generated host of 16 PFs x 64 VFs (1,024
 * VFs, each with a netdev or bound to vfio-pci) in a umockdev testbed, and
 * 256 libvirt test-driver domains holding four VFs each. Prints the time
 * of each part and the peak RSS; asserts nothing about time.
 *
 *   bench_observe [PFS [VFS_PER_PF [DOMAINS]]]
 *
 * The program generates the fixture, then runs itself under umockdev-run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "observe.h"

static void emit_pci(FILE *f, const char *path, const char *driver, unsigned device)
{
	fprintf(f, "P: %s\nE: SUBSYSTEM=pci\n", path);
	if (driver)
		fprintf(f, "E: DRIVER=%s\n", driver);
	fprintf(f, "E: PCI_SLOT_NAME=%s\n", strrchr(path, '/') + 1);
	fprintf(f, "A: vendor=0x8086\\n\nA: device=0x%04x\\n\nA: class=0x020000\\n\n", device);
	fprintf(f, "A: driver_override=(null)\\n\n");
	if (driver)
		fprintf(f, "L: driver=../../../bus/pci/drivers/%s\n", driver);
}

static int generate(const char *dir, unsigned n_pf, unsigned n_vf, unsigned n_dom)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/host.umockdev", dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	for (unsigned p = 0; p < n_pf; p++) {
		unsigned bus = 0x10 + p;
		char pf[128];

		snprintf(pf, sizeof(pf), "/devices/pci0000:00/0000:%02x:00.0", bus);
		emit_pci(f, pf, "ixgbe", 0x10fb);
		fprintf(f, "A: sriov_totalvfs=%u\\n\nA: sriov_numvfs=%u\\n\n", n_vf, n_vf);
		fprintf(f, "A: sriov_drivers_autoprobe=1\\n\nA: sriov_offset=128\\n\n");
		fprintf(f, "A: sriov_stride=1\\n\nA: sriov_vf_device=10ed\\n\n");
		for (unsigned v = 0; v < n_vf; v++)
			fprintf(f, "L: virtfn%u=../0000:%02x:%02x.%u\n", v, bus, (128 + v) >> 3,
				(128 + v) & 7);
		fprintf(f, "\nP: %s/net/enp%us0f0\nE: SUBSYSTEM=net\nE: INTERFACE=enp%us0f0\n\n",
			pf, bus, bus);
		for (unsigned v = 0; v < n_vf; v++) {
			unsigned slot = (128 + v) >> 3, fn = (128 + v) & 7;
			char vf[128];
			bool vfio = v % 2;

			snprintf(vf, sizeof(vf), "/devices/pci0000:00/0000:%02x:%02x.%u", bus, slot,
				 fn);
			emit_pci(f, vf, vfio ? "vfio-pci" : "ixgbevf", 0x10ed);
			fprintf(f, "L: physfn=../0000:%02x:00.0\n\n", bus);
			if (!vfio)
				fprintf(f,
					"P: %s/net/enp%us%uf%u\nE: SUBSYSTEM=net\n"
					"E: INTERFACE=enp%us%uf%u\n\n",
					vf, bus, slot, fn, bus, slot, fn);
		}
	}
	if (fclose(f) != 0)
		return -EIO;

	snprintf(path, sizeof(path), "%s/guests.xml", dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "<node>\n");
	for (unsigned d = 0; d < n_dom; d++) {
		fprintf(
		    f,
		    "<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
		    "<name>guest%03u</name><memory unit='KiB'>1048576</memory>"
		    "<os><type>hvm</type></os><devices>\n",
		    d);
		for (unsigned k = 0; k < 4; k++) {
			unsigned vf = d * 4 + k, bus = 0x10 + vf / n_vf % n_pf, v = vf % n_vf;

			fprintf(
			    f,
			    "<interface type='hostdev' managed='yes'>"
			    "<mac address='52:54:00:%02x:%02x:%02x'/><source><address type='pci' "
			    "domain='0x0000' bus='0x%02x' slot='0x%02x' function='0x%x'/></source>"
			    "<vlan><tag id='%u'/></vlan></interface>\n",
			    d >> 8, d & 0xff, k, bus, (128 + v) >> 3, (128 + v) & 7, 1 + d % 4000);
		}
		fprintf(f, "</devices>%s</domain>\n",
			d % 2 ? "<test:runstate>5</test:runstate>" : "");
	}
	fprintf(f, "</node>\n");
	return fclose(f) == 0 ? 0 : -EIO;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_once(const char *label, const struct observe_opts *o)
{
	struct host *h = NULL;
	struct diag d;
	size_t vfs = 0;
	double t;
	int r;

	diag_init(&d);
	t = now();
	r = host_observe(o, &d, &h);
	t = now() - t;
	if (r < 0) {
		diag_print(&d, stderr);
		diag_release(&d);
		return r;
	}
	for (size_t i = 0; i < h->n_pci; i++)
		vfs += h->pci[i].sriov.n_vfs;
	printf("%-24s %8.3f s  %4zu PCI devices  %5zu VFs  %4zu domains  %zu warnings\n", label, t,
	       h->n_pci, vfs, h->n_domains, d.n_warnings);
	host_free(h);
	diag_release(&d);
	return 0;
}

static int bench(const char *dir)
{
	char *uri = strprintf("test://%s/guests.xml", dir);
	struct observe_opts pci_only = {0};
	struct observe_opts all = {.libvirt_uri = uri, .libvirt_required = true};
	struct rusage ru;
	int r;

	r = run_once("pci (first)", &pci_only);
	if (r >= 0)
		r = run_once("pci", &pci_only);
	if (r >= 0)
		r = run_once("pci + domains", &all);
	free(uri);
	if (r < 0)
		return 1;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS %ld KiB\n", ru.ru_maxrss);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned n_pf = argc > 1 ? atoi(argv[1]) : 16;
	unsigned n_vf = argc > 2 ? atoi(argv[2]) : 64;
	unsigned n_dom = argc > 3 ? atoi(argv[3]) : 256;
	char tmpl[] = "/tmp/sriovctl-bench.XXXXXX";
	char self[4096], cmd[4200];
	const char *dir;
	int status, r;
	ssize_t k;
	pid_t pid;

	if (getenv("UMOCKDEV_DIR") && getenv("BENCH_OBSERVE_DIR"))
		return bench(getenv("BENCH_OBSERVE_DIR"));

	if (n_pf == 0 || n_pf > 200 || n_vf == 0 || n_vf > 248 || n_dom * 4 > n_pf * n_vf) {
		fprintf(stderr,
			"usage: bench_observe [PFS<=200 [VFS<=248 [DOMAINS<=PFS*VFS/4]]]\n");
		return 64;
	}
	dir = mkdtemp(tmpl);
	k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (!dir || k < 0) {
		perror("bench_observe");
		return 1;
	}
	self[k] = '\0';
	r = generate(dir, n_pf, n_vf, n_dom);
	if (r < 0) {
		fprintf(stderr, "bench_observe: cannot write the fixture: %s\n", strerror(-r));
		return 1;
	}
	printf("host: %u PFs x %u VFs = %u VFs, %u domains (umockdev testbed, test:/// libvirt)\n",
	       n_pf, n_vf, n_pf * n_vf, n_dom);
	fflush(stdout);

	pid = fork();
	if (pid == 0) {
		char *fixture = strprintf("%s/host.umockdev", dir);
		char *args[] = {"umockdev-run", "-d", fixture, "--", self, NULL};

		setenv("BENCH_OBSERVE_DIR", dir, 1);
		execvp(args[0], args);
		fprintf(stderr, "bench_observe: cannot run umockdev-run: %s\n", strerror(errno));
		_exit(127);
	}
	waitpid(pid, &status, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_observe: cannot remove %s\n", dir);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

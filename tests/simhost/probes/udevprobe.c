// SPDX-License-Identifier: MIT
/*
 * Look at the simulated host the way sriovctl does, through libudev.
 *
 *   udevprobe list
 *       every PCI device: "ADDR VENDOR DEVICE DRIVER"
 *   udevprobe set ADDR ATTR VALUE
 *       udev_device_set_sysattr_value; prints "ok" or "error ERRNAME"
 *   udevprobe stdio-set PATH VALUE
 *       fopen + fputs + fclose, as a plain C program would; "ok" or "error ERRNAME"
 *   udevprobe watch-set ADDR ATTR VALUE N MS
 *       a udev monitor (subsystems pci and net) opened first, then the
 *       write; prints every event received ("ACTION SUBSYSTEM SYSNAME")
 *       until N pci "add" or "remove" events or MS milliseconds passed,
 *       then "events N" and the time to the last one in ms
 *
 * Built by the .t scripts with cc and pkg-config, run inside the testbed.
 */
#include <errno.h>
#include <libudev.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *errname(int e)
{
	switch (e) {
	case EINVAL:
		return "EINVAL";
	case ERANGE:
		return "ERANGE";
	case EBUSY:
		return "EBUSY";
	case ENOENT:
		return "ENOENT";
	case ENODEV:
		return "ENODEV";
	case EIO:
		return "EIO";
	case ENOSPC:
		return "ENOSPC";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case EINTR:
		return "EINTR";
	}
	return strerror(e);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int list(struct udev *udev)
{
	struct udev_enumerate *e = udev_enumerate_new(udev);
	struct udev_list_entry *l;

	udev_enumerate_add_match_subsystem(e, "pci");
	udev_enumerate_scan_devices(e);
	udev_list_entry_foreach(l, udev_enumerate_get_list_entry(e))
	{
		struct udev_device *d =
		    udev_device_new_from_syspath(udev, udev_list_entry_get_name(l));
		const char *drv;

		if (!d)
			continue;
		drv = udev_device_get_driver(d);
		printf("%s %s %s %s\n", udev_device_get_sysname(d),
		       udev_device_get_sysattr_value(d, "vendor"),
		       udev_device_get_sysattr_value(d, "device"), drv ? drv : "-");
		udev_device_unref(d);
	}
	udev_enumerate_unref(e);
	return 0;
}

static int set(struct udev *udev, const char *addr, const char *attr, const char *value)
{
	struct udev_device *d = udev_device_new_from_subsystem_sysname(udev, "pci", addr);
	int r;

	if (!d) {
		printf("error no-device\n");
		return 1;
	}
	r = udev_device_set_sysattr_value(d, attr, value);
	if (r < 0)
		printf("error %s\n", errname(-r));
	else
		printf("ok\n");
	udev_device_unref(d);
	return r < 0 ? 1 : 0;
}

static int stdio_set(const char *path, const char *value)
{
	FILE *f = fopen(path, "we");

	if (!f) {
		printf("error open %s\n", errname(errno));
		return 1;
	}
	fputs(value, f);
	if (fclose(f) != 0) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int watch_set(struct udev *udev, char **argv)
{
	struct udev_monitor *m = udev_monitor_new_from_netlink(udev, "udev");
	int want = atoi(argv[3]), got = 0, r;
	long long start, deadline, last = -1;
	struct pollfd p;

	udev_monitor_filter_add_match_subsystem_devtype(m, "pci", NULL);
	udev_monitor_filter_add_match_subsystem_devtype(m, "net", NULL);
	if (udev_monitor_enable_receiving(m) < 0) {
		printf("error monitor\n");
		return 1;
	}
	start = now_ms();
	deadline = start + atoi(argv[4]);
	r = set(udev, argv[0], argv[1], argv[2]);
	p.fd = udev_monitor_get_fd(m);
	p.events = POLLIN;
	while (got < want) {
		long long left = deadline - now_ms();
		struct udev_device *d;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		d = udev_monitor_receive_device(m);
		if (!d)
			continue;
		printf("%s %s %s\n", udev_device_get_action(d), udev_device_get_subsystem(d),
		       udev_device_get_sysname(d));
		if (strcmp(udev_device_get_subsystem(d), "pci") == 0 &&
		    (strcmp(udev_device_get_action(d), "add") == 0 ||
		     strcmp(udev_device_get_action(d), "remove") == 0)) {
			got++;
			last = now_ms() - start;
		}
		udev_device_unref(d);
	}
	printf("events %d after %lld ms\n", got, last);
	udev_monitor_unref(m);
	return r;
}

int main(int argc, char **argv)
{
	struct udev *udev = udev_new();
	int r = 64;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		r = list(udev);
	else if (argc == 5 && strcmp(argv[1], "set") == 0)
		r = set(udev, argv[2], argv[3], argv[4]);
	else if (argc == 4 && strcmp(argv[1], "stdio-set") == 0)
		r = stdio_set(argv[2], argv[3]);
	else if (argc == 7 && strcmp(argv[1], "watch-set") == 0)
		r = watch_set(udev, argv + 2);
	else
		fprintf(stderr, "usage: udevprobe list | set ADDR ATTR VALUE | "
				"stdio-set PATH VALUE | watch-set ADDR ATTR VALUE N MS\n");
	udev_unref(udev);
	return r;
}

// SPDX-License-Identifier: MIT
/*
 * uevents for udev monitors in the testbed. umockdev turns each monitor's
 * netlink socket into a datagram socket at $UMOCKDEV_DIR/event<fd>; a
 * message there is read as one coming from udevd, so it carries libudev's
 * monitor header (with the subsystem hash its socket filter checks) and
 * the device's properties.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "simhost.h"

struct monitor_header {
	char prefix[8]; /* "libudev" */
	uint32_t magic; /* network order */
	uint32_t header_size;
	uint32_t properties_off;
	uint32_t properties_len;
	uint32_t filter_subsystem_hash; /* network order */
	uint32_t filter_devtype_hash;
	uint32_t filter_tag_bloom_hi;
	uint32_t filter_tag_bloom_lo;
};

#define MONITOR_MAGIC 0xfeedcafe

/* MurmurHash2 with seed 0, the hash libudev's socket filters compare. */
static uint32_t murmur2(const char *s)
{
	const uint32_t m = 0x5bd1e995;
	size_t len = strlen(s);
	const unsigned char *p = (const unsigned char *)s;
	uint32_t h = (uint32_t)len;

	for (; len >= 4; len -= 4, p += 4) {
		uint32_t k = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;

		k *= m;
		k ^= k >> 24;
		k *= m;
		h = h * m ^ k;
	}
	switch (len) {
	case 3:
		h ^= p[2] << 16;
		/* fall through */
	case 2:
		h ^= p[1] << 8;
		/* fall through */
	case 1:
		h ^= p[0];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

static size_t add_prop(char *buf, size_t size, size_t off, const char *key, const char *value)
{
	int n = snprintf(buf + off, size - off, "%s%s", key, value);

	if (n < 0 || (size_t)n >= size - off)
		return off;
	return off + n + 1; /* keep the NUL as separator */
}

static unsigned long long next_seqnum(void)
{
	struct timespec ts;
	static unsigned long long last;
	unsigned long long v;

	/* increasing across the processes that write to one testbed */
	clock_gettime(CLOCK_REALTIME, &ts);
	v = (unsigned long long)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
	if (v <= last)
		v = last + 1;
	last = v;
	return v;
}

/*
 * SIMHOST_UEVENT_LOSE=N: every Nth event this process sends is lost, as if
 * every monitor's queue were full at that moment; for tests of a run that
 * must cope with lost events whatever the speed of its reader.
 */
static bool lose_event(void)
{
	static unsigned every, count;
	static bool read_env;

	if (!read_env) {
		const char *v = getenv("SIMHOST_UEVENT_LOSE");
		every = v ? (unsigned)strtoul(v, NULL, 10) : 0;
		read_env = true;
	}
	return every > 0 && ++count % every == 0;
}

static void send_all(const struct monitor_header *h, const char *props, size_t len)
{
	const struct sim_config *c = sim_config();
	char pattern[PATH_MAX];
	glob_t gl;
	size_t i;

	if (lose_event())
		return;

	snprintf(pattern, sizeof(pattern), "%s/event[0-9]*", c->tb);
	if (glob(pattern, GLOB_NOSORT, NULL, &gl) != 0)
		return;
	for (i = 0; i < gl.gl_pathc; i++) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		struct iovec iov[2] = {{(void *)h, sizeof(*h)}, {(void *)props, len}};
		struct msghdr msg = {
		    .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = iov, .msg_iovlen = 2};
		int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

		if (fd < 0)
			break;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", gl.gl_pathv[i]);
		if (sendmsg(fd, &msg, 0) < 0 && errno == ECONNREFUSED)
			unlink(gl.gl_pathv[i]); /* a monitor that went away */
		close(fd);
	}
	globfree(&gl);
}

void sim_uevent_props(const char *action, const char *devpath, const char *subsystem,
		      const char *props)
{
	const struct sim_config *c = sim_config();
	char buf[8192], seq[32], copy[4096], *line, *save = NULL;
	struct monitor_header h = {.prefix = "libudev"};
	size_t len = 0;

	if (!c || strncmp(devpath, c->sys, c->sys_len) != 0)
		return;
	snprintf(seq, sizeof(seq), "%llu", next_seqnum());
	len = add_prop(buf, sizeof(buf), len, "ACTION=", action);
	len = add_prop(buf, sizeof(buf), len, "DEVPATH=", devpath + c->sys_len);
	len = add_prop(buf, sizeof(buf), len, "SUBSYSTEM=", subsystem);
	len = add_prop(buf, sizeof(buf), len, "SEQNUM=", seq);
	snprintf(copy, sizeof(copy), "%s", props ? props : "");
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strchr(line, '='))
			len = add_prop(buf, sizeof(buf), len, "", line);
	h.magic = htonl(MONITOR_MAGIC);
	h.header_size = sizeof(h);
	h.properties_off = sizeof(h);
	h.properties_len = len;
	h.filter_subsystem_hash = htonl(murmur2(subsystem));
	send_all(&h, buf, len);
}

void sim_uevent(const char *action, const char *devpath)
{
	char p[PATH_MAX], target[PATH_MAX], props[4096];
	const char *subsystem;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/subsystem", devpath);
	n = readlink(p, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	subsystem = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	snprintf(p, sizeof(p), "%s/uevent", devpath);
	if (sim_read(p, props, sizeof(props)) < 0)
		props[0] = '\0';
	sim_uevent_props(action, devpath, subsystem, props);
}

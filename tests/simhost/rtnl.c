// SPDX-License-Identifier: MIT
/*
 * A fake rtnetlink for the simulated netdevs: the per-VF settings a PF
 * driver keeps (MAC, VLAN, QoS, VLAN protocol, spoof check, trust, link
 * state, rates), read with RTM_GETLINK (IFLA_VFINFO_LIST, with
 * RTEXT_FILTER_VF) and changed with RTM_SETLINK, as `ip link set DEV vf N
 * ...` and libmnl programs do.
 *
 * socket(AF_NETLINK, ..., NETLINK_ROUTE) returns one end of a datagram
 * socketpair; requests sent to it are answered here and the answers
 * written to the other end, so poll() and blocking reads work. Replies
 * come "from the kernel" (sockaddr_nl pid 0). The settings live in
 * $SIMHOST_WORKDIR/vf/PF/N, one line per VF; mktestbed.py writes those
 * of the state's VFs. RTM_GETADDR dumps the addresses of the netdevs, kept
 * in $SIMHOST_WORKDIR/vf/addresses/NAME, one ADDRESS/PREFIX a line
 * (mktestbed.py writes those of the state's VF netdevs; they go when the
 * netdev is unregistered). ifi_flags is the netdev's sysfs flags
 * attribute. IFLA_MTU is the netdev's sysfs mtu attribute,
 * which RTM_SETLINK with IFLA_MTU writes (within IFLA_MIN_MTU..IFLA_MAX_MTU:
 * $SIMHOST_WORKDIR/vf/mtu-range/NAME, "MIN MAX", default 68 9216 as igb).
 * NETLINK_GENERIC sockets are faked the same way; genl.c answers them
 * (the devlink family only).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "simhost.h"

#define MAX_FDS 4096

struct nlfake {
	int peer; /* the end replies are written to; 0: not a fake socket */
	unsigned pid;
	int protocol; /* NETLINK_ROUTE, NETLINK_GENERIC */
};

static struct nlfake fakes[MAX_FDS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void close_raw(int fd)
{
	syscall(SYS_close, fd);
}

#define NEXT(name, ret, ...)                                                                       \
	static ret (*next_##name)(__VA_ARGS__);                                                    \
	if (!next_##name)                                                                          \
		next_##name = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name);

static struct nlfake *fake(int fd)
{
	return fd >= 0 && fd < MAX_FDS && fakes[fd].peer > 0 ? &fakes[fd] : NULL;
}

void sim_rtnl_close(int fd)
{
	struct nlfake *f = fake(fd);

	if (f) {
		close_raw(f->peer);
		f->peer = 0;
	}
}

/* ---- VF settings ---- */

struct vfset {
	unsigned char mac[6];
	unsigned vlan, qos, proto; /* proto in host order: 0x8100, 0x88a8 */
	unsigned spoofchk, trust, link_state, min_rate, max_rate;
};

/* $SIMHOST_WORKDIR/vf (or the testbed's), where VF settings are kept */
void sim_vf_base(char *buf, size_t size)
{
	const char *w = getenv("SIMHOST_WORKDIR");

	if (w && *w)
		snprintf(buf, size, "%s/vf", w);
	else
		snprintf(buf, size, "%s/vf", sim_config()->tb);
}

static void vf_file(const char *pf, unsigned n, char *buf, size_t size)
{
	char base[PATH_MAX];

	sim_vf_base(base, sizeof(base));
	snprintf(buf, size, "%s/%s/%u", base, pf, n);
}

/* VF n's settings, from dir, the directory of its PF's (vf/PF, else -1: none) */
static void vf_read_at(int dir, unsigned n, struct vfset *s)
{
	char p[16], line[256];
	unsigned m[6];

	memset(s, 0, sizeof(*s));
	s->proto = 0x8100;
	s->spoofchk = 1;
	snprintf(p, sizeof(p), "%u", n);
	if (dir < 0 || sim_read_at(dir, p, line, sizeof(line)) < 0)
		return;
	if (sscanf(line, "%x:%x:%x:%x:%x:%x %u %u %x %u %u %u %u %u", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5], &s->vlan, &s->qos, &s->proto, &s->spoofchk, &s->trust,
		   &s->link_state, &s->min_rate, &s->max_rate) != 14)
		return;
	for (int i = 0; i < 6; i++)
		s->mac[i] = m[i];
}

/* The directory of PF pf's VF settings (vf/PF), or -1 when it has none. */
static int vf_dir_open(const char *pf)
{
	char base[PATH_MAX], p[PATH_MAX + 32];

	sim_vf_base(base, sizeof(base));
	snprintf(p, sizeof(p), "%s/%s", base, pf);
	return syscall(SYS_openat, AT_FDCWD, p, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static void vf_read(const char *pf, unsigned n, struct vfset *s)
{
	int dir = vf_dir_open(pf);

	vf_read_at(dir, n, s);
	if (dir >= 0)
		close_raw(dir);
}

static int vf_write(const char *pf, unsigned n, const struct vfset *s)
{
	char p[PATH_MAX], base[PATH_MAX];

	sim_vf_base(base, sizeof(base));
	mkdir(base, 0755);
	snprintf(p, sizeof(p), "%s/%s", base, pf);
	mkdir(p, 0755);
	vf_file(pf, n, p, sizeof(p));
	return sim_writef(p, "%02x:%02x:%02x:%02x:%02x:%02x %u %u %x %u %u %u %u %u\n", s->mac[0],
			  s->mac[1], s->mac[2], s->mac[3], s->mac[4], s->mac[5], s->vlan, s->qos,
			  s->proto, s->spoofchk, s->trust, s->link_state, s->min_rate, s->max_rate);
}

/*
 * $SIMHOST_WORKDIR/vf/stats/PF/N: VF N's counters for IFLA_VF_STATS, in
 * the order of the kernel's IFLA_VF_STATS_* (-1: not reported), as the
 * state's stats: gives them; absent: the driver keeps none (igb has no
 * ndo_get_vf_stats), and the kernel sends them all the same, zeroed, unless
 * the request has RTEXT_FILTER_SKIP_STATS (rtnl_fill_vfinfo, Linux 6.1).
 */
static bool vf_stats_read(const char *pf, unsigned n, long long v[8])
{
	char base[PATH_MAX], p[PATH_MAX + 64], line[512];

	sim_vf_base(base, sizeof(base));
	snprintf(p, sizeof(p), "%s/stats/%s/%u", base, pf, n);
	return sim_read(p, line, sizeof(line)) >= 0 &&
	       sscanf(line, "%lld %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3],
		      &v[4], &v[5], &v[6], &v[7]) == 8;
}

/* $SIMHOST_WORKDIR/vf/addresses/NAME: the addresses of netdev NAME */
static void addr_file(const char *name, char *buf, size_t size)
{
	char base[PATH_MAX];

	sim_vf_base(base, sizeof(base));
	snprintf(buf, size, "%s/addresses/%s", base, name);
}

void sim_rtnl_netdev_removed(const char *name)
{
	char p[PATH_MAX], base[PATH_MAX];

	if (strchr(name, '/'))
		return;
	addr_file(name, p, sizeof(p));
	unlink(p);
	sim_vf_base(base, sizeof(base));
	snprintf(p, sizeof(p), "%s/mtu-range/%s", base, name);
	unlink(p);
}

void sim_rtnl_vfs_removed(const char *pfaddr)
{
	char p[PATH_MAX], base[PATH_MAX];

	sim_vf_base(base, sizeof(base));
	snprintf(p, sizeof(p), "%s/%s", base, pfaddr);
	sim_rmtree(p);
}

/* ---- netdevs ---- */

struct netdev {
	char name[64];
	char devdir[PATH_MAX]; /* the PCI device owning it */
	char addr[16];	       /* its PCI address */
	unsigned ifindex;
	unsigned char mac[6];
	unsigned numvfs; /* the owner is a PF with this many VFs */
	unsigned mtu, min_mtu, max_mtu;
	unsigned flags; /* the sysfs flags attribute (IFF_UP, ...) */
	bool on_pci;	/* its device is a PCI function (addr): IFLA_PARENT_DEV_NAME */
	unsigned master; /* the index of its master link's netdev: IFLA_MASTER */
	unsigned link;	 /* a software netdev on a lower one that is not its port: IFLA_LINK */
	char kind[16];	 /* a bond or bridge (its bonding/ or bridge/): IFLA_INFO_KIND */
	bool is_pf;
	bool igb; /* the PF's driver is igb: its refusals, measured in the VM tier */
};

/* $SIMHOST_WORKDIR/vf/mtu-range/NAME: "MIN MAX"; igb's 68 9216 when absent */
static void mtu_range(const char *name, unsigned *min, unsigned *max)
{
	char base[PATH_MAX], p[PATH_MAX], line[64];

	*min = 68;
	*max = 9216;
	sim_vf_base(base, sizeof(base));
	snprintf(p, sizeof(p), "%s/mtu-range/%s", base, name);
	if (sim_read(p, line, sizeof(line)) >= 0)
		sscanf(line, "%u %u", min, max);
}

/*
 * A software netdev (devices/virtual/net) as the kernel reports it: a bond
 * or a bridge by its bonding/ or bridge/ directory; one stacked on a lower
 * netdev that is not its port (a VLAN, a macvlan) links to it.
 */
static void software_netdev(int dir, struct netdev *d)
{
	struct stat st;
	struct dirent *e;
	int fd;
	DIR *dp;

	if (fstatat(dir, "bonding", &st, 0) == 0 && S_ISDIR(st.st_mode))
		snprintf(d->kind, sizeof(d->kind), "bond");
	else if (fstatat(dir, "bridge", &st, 0) == 0 && S_ISDIR(st.st_mode))
		snprintf(d->kind, sizeof(d->kind), "bridge");
	if (d->kind[0] || (fd = (int)syscall(SYS_openat, dir, ".", O_RDONLY | O_DIRECTORY |
							    O_CLOEXEC)) < 0)
		return;
	if (!(dp = fdopendir(fd))) {
		close_raw(fd);
		return;
	}
	while (!d->link && (e = readdir(dp))) {
		char p[NAME_MAX + 32];
		unsigned idx, master;
		if (strncmp(e->d_name, "lower_", 6) != 0)
			continue;
		snprintf(p, sizeof(p), "%s/master/ifindex", e->d_name);
		if (sim_read_uint_at(dir, p, &master) == 0 && master == d->ifindex)
			continue; /* a port */
		snprintf(p, sizeof(p), "%s/ifindex", e->d_name);
		if (sim_read_uint_at(dir, p, &idx) == 0)
			d->link = idx;
	}
	closedir(dp);
}

static int netdev_load(const char *name, struct netdev *d)
{
	const struct sim_config *c = sim_config();
	char p[PATH_MAX], real[PATH_MAX], buf[64], *s;
	unsigned m[6] = {0};
	long dir;

	if (strchr(name, '/') || !*name)
		return -ENODEV;
	snprintf(p, sizeof(p), "%s/class/net/%s", c->sys, name);
	if (sim_link_target(p, real, sizeof(real)) < 0)
		return -ENODEV;
	/* its attributes relative to it: a dump reads those of every netdev */
	dir = syscall(SYS_openat, AT_FDCWD, real, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -ENODEV;
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (sim_read_uint_at(dir, "ifindex", &d->ifindex) < 0) {
		close_raw(dir);
		return -ENODEV;
	}
	if (sim_read_at(dir, "address", buf, sizeof(buf)) >= 0)
		sscanf(buf, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);
	for (int i = 0; i < 6; i++)
		d->mac[i] = m[i];
	if (sim_read_uint_at(dir, "mtu", &d->mtu) < 0)
		d->mtu = 1500;
	/* "0x1003", as the kernel shows dev->flags */
	if (sim_read_uint_at(dir, "flags", &d->flags) < 0)
		d->flags = IFF_BROADCAST | IFF_MULTICAST;
	mtu_range(name, &d->min_mtu, &d->max_mtu);
	/* .../0000:0b:00.0/net/NAME */
	s = strrchr(real, '/');
	*s = '\0';
	s = strrchr(real, '/');
	*s = '\0';
	snprintf(d->devdir, sizeof(d->devdir), "%s", real);
	s = strrchr(real, '/');
	snprintf(d->addr, sizeof(d->addr), "%s", s ? s + 1 : "");
	d->on_pci = strstr(d->devdir, "/devices/pci") != NULL;
	if (sim_read_uint_at(dir, "master/ifindex", &d->master) < 0)
		d->master = 0;
	if (!d->on_pci)
		software_netdev(dir, d);
	d->is_pf = sim_read_uint_at(dir, "../../sriov_numvfs", &d->numvfs) == 0;
	/* only a PF's driver answers for its VFs */
	d->igb = d->is_pf && sim_driver_at(dir, "../../driver", buf, sizeof(buf)) == 0 &&
		 strcmp(buf, "igb") == 0;
	close_raw(dir);
	return 0;
}

static int netdev_by_index(unsigned idx, struct netdev *d)
{
	const struct sim_config *c = sim_config();
	char p[PATH_MAX];
	struct dirent *e;
	DIR *dir;
	int r = -ENODEV;

	snprintf(p, sizeof(p), "%s/class/net", c->sys);
	dir = opendir(p);
	if (!dir)
		return r;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.' && netdev_load(e->d_name, d) == 0 && d->ifindex == idx) {
			r = 0;
			break;
		}
	closedir(dir);
	return r;
}

/* ---- messages ---- */

struct msgbuf {
	char *data;
	size_t len, cap;
};

static void *put(struct msgbuf *b, size_t len)
{
	size_t need = b->len + NLMSG_ALIGN(len);
	void *p;

	if (need > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		char *n;

		while (cap < need)
			cap *= 2;
		n = realloc(b->data, cap);
		if (!n)
			abort();
		b->data = n;
		b->cap = cap;
	}
	p = b->data + b->len;
	memset(p, 0, NLMSG_ALIGN(len));
	b->len = need;
	return p;
}

static void attr(struct msgbuf *b, unsigned short type, const void *v, size_t len)
{
	struct nlattr *a = put(b, NLA_HDRLEN + len);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, v, len);
}

static size_t nest_start(struct msgbuf *b, unsigned short type)
{
	struct nlattr *a = put(b, NLA_HDRLEN);

	a->nla_type = type; /* the kernel sets no NLA_F_NESTED here */
	return (char *)a - b->data;
}

static void nest_end(struct msgbuf *b, size_t off)
{
	((struct nlattr *)(b->data + off))->nla_len = b->len - off;
}

static void reply(struct nlfake *f, const struct msgbuf *b)
{
	if (send(f->peer, b->data, b->len, MSG_DONTWAIT) < 0) {
		/* a full queue drops the reply, as an overrun netlink socket would */
	}
}

static void send_error(struct nlfake *f, const struct nlmsghdr *req, int err)
{
	struct msgbuf b = {0};
	struct nlmsghdr *h = put(&b, NLMSG_HDRLEN + sizeof(struct nlmsgerr));
	struct nlmsgerr *e = NLMSG_DATA(h);

	h->nlmsg_len = b.len;
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_flags = NLM_F_CAPPED; /* the request is echoed without its payload */
	h->nlmsg_seq = req->nlmsg_seq;
	h->nlmsg_pid = f->pid;
	e->error = -err;
	e->msg = *req;
	reply(f, &b);
	free(b.data);
}

static void put_vfinfo(struct msgbuf *b, const struct netdev *d, bool stats)
{
	size_t list = nest_start(b, IFLA_VFINFO_LIST);
	int dir = vf_dir_open(d->addr);

	for (unsigned n = 0; n < d->numvfs; n++) {
		struct vfset s;
		size_t info = nest_start(b, IFLA_VF_INFO), vl;
		struct ifla_vf_mac mac = {.vf = n};
		struct ifla_vf_broadcast bc;
		struct ifla_vf_vlan vlan = {.vf = n};
		struct ifla_vf_vlan_info vi = {.vf = n};
		struct ifla_vf_tx_rate tx = {.vf = n};
		struct ifla_vf_rate rate = {.vf = n};
		struct ifla_vf_spoofchk sc = {.vf = n};
		struct ifla_vf_link_state ls = {.vf = n};
		struct ifla_vf_rss_query_en rss = {.vf = n};
		struct ifla_vf_trust tr = {.vf = n};

		vf_read_at(dir, n, &s);
		memcpy(mac.mac, s.mac, 6);
		memset(&bc, 0, sizeof(bc));
		memset(bc.broadcast, 0xff, 6);
		vlan.vlan = vi.vlan = s.vlan;
		vlan.qos = vi.qos = s.qos;
		vi.vlan_proto = htons(s.proto);
		tx.rate = rate.max_tx_rate = s.max_rate;
		rate.min_tx_rate = s.min_rate;
		sc.setting = s.spoofchk;
		ls.link_state = s.link_state;
		tr.setting = s.trust;
		/* igb has no ndo_set_vf_rss_query_en: the kernel reports "unset" */
		if (d->igb)
			rss.setting = (__u32)-1;
		attr(b, IFLA_VF_MAC, &mac, sizeof(mac));
		attr(b, IFLA_VF_BROADCAST, &bc, sizeof(bc));
		attr(b, IFLA_VF_VLAN, &vlan, sizeof(vlan));
		vl = nest_start(b, IFLA_VF_VLAN_LIST);
		attr(b, IFLA_VF_VLAN_INFO, &vi, sizeof(vi));
		nest_end(b, vl);
		attr(b, IFLA_VF_TX_RATE, &tx, sizeof(tx));
		attr(b, IFLA_VF_RATE, &rate, sizeof(rate));
		attr(b, IFLA_VF_SPOOFCHK, &sc, sizeof(sc));
		attr(b, IFLA_VF_LINK_STATE, &ls, sizeof(ls));
		attr(b, IFLA_VF_RSS_QUERY_EN, &rss, sizeof(rss));
		attr(b, IFLA_VF_TRUST, &tr, sizeof(tr));
		long long st[8];
		/* as the kernel: no IFLA_VF_STATS when asked with RTEXT_FILTER_SKIP_STATS */
		if (stats) {
			if (!vf_stats_read(d->addr, n, st))
				memset(st, 0, sizeof(st));
			static const unsigned short types[8] = {
			    IFLA_VF_STATS_RX_PACKETS, IFLA_VF_STATS_TX_PACKETS,
			    IFLA_VF_STATS_RX_BYTES,   IFLA_VF_STATS_TX_BYTES,
			    IFLA_VF_STATS_BROADCAST,  IFLA_VF_STATS_MULTICAST,
			    IFLA_VF_STATS_RX_DROPPED, IFLA_VF_STATS_TX_DROPPED,
			};
			size_t sn = nest_start(b, IFLA_VF_STATS);
			for (int i = 0; i < 8; i++) {
				uint64_t x = (uint64_t)st[i];
				if (st[i] >= 0)
					attr(b, types[i], &x, sizeof(x));
			}
			nest_end(b, sn);
		}
		nest_end(b, info);
	}
	if (dir >= 0)
		close_raw(dir);
	nest_end(b, list);
}

/* A message header of type answering req, with room for payload bytes after it. */
static struct nlmsghdr *put_header(struct msgbuf *b, const struct nlfake *f,
				   const struct nlmsghdr *req, unsigned short type, unsigned flags,
				   size_t payload)
{
	struct nlmsghdr *h = put(b, NLMSG_HDRLEN + payload);

	h->nlmsg_len = NLMSG_HDRLEN + payload;
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = req->nlmsg_seq;
	h->nlmsg_pid = f->pid;
	return h;
}

/* The NLMSG_DONE that ends a dump answering req. */
static void put_done(struct msgbuf *b, const struct nlfake *f, const struct nlmsghdr *req)
{
	put_header(b, f, req, NLMSG_DONE, NLM_F_MULTI, sizeof(int));
}

static void put_link(struct msgbuf *b, struct nlfake *f, const struct nlmsghdr *req,
		     const struct netdev *d, unsigned ext_mask, unsigned flags)
{
	size_t start = b->len;
	struct nlmsghdr *h = put_header(b, f, req, RTM_NEWLINK, flags, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	unsigned char bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	unsigned u32;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_type = ARPHRD_ETHER;
	ifi->ifi_index = d->ifindex;
	ifi->ifi_flags = d->flags;
	attr(b, IFLA_IFNAME, d->name, strlen(d->name) + 1);
	attr(b, IFLA_ADDRESS, d->mac, 6);
	attr(b, IFLA_BROADCAST, bc, 6);
	attr(b, IFLA_MTU, &d->mtu, sizeof(u32));
	attr(b, IFLA_MIN_MTU, &d->min_mtu, sizeof(u32));
	attr(b, IFLA_MAX_MTU, &d->max_mtu, sizeof(u32));
	/* Linux >= 5.15; SIMHOST_NO_PARENT_DEV=1 answers as an older kernel */
	if (d->on_pci && !getenv("SIMHOST_NO_PARENT_DEV")) {
		attr(b, IFLA_PARENT_DEV_NAME, d->addr, strlen(d->addr) + 1);
		attr(b, IFLA_PARENT_DEV_BUS_NAME, "pci", 4);
	}
	if (d->master)
		attr(b, IFLA_MASTER, &d->master, sizeof(u32));
	if (d->link)
		attr(b, IFLA_LINK, &d->link, sizeof(u32));
	if (d->kind[0]) {
		size_t info = nest_start(b, IFLA_LINKINFO);
		attr(b, IFLA_INFO_KIND, d->kind, strlen(d->kind) + 1);
		nest_end(b, info);
	}
	if (d->is_pf) {
		attr(b, IFLA_NUM_VF, &d->numvfs, sizeof(u32));
		if (ext_mask & RTEXT_FILTER_VF)
			put_vfinfo(b, d, !(ext_mask & RTEXT_FILTER_SKIP_STATS));
	}
	((struct nlmsghdr *)(b->data + start))->nlmsg_len = b->len - start;
}

static const struct nlattr *find_attr(const void *data, size_t len, unsigned short type)
{
	const struct nlattr *a = data;

	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len) {
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		len -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return NULL;
}

#define ATTR_DATA(a) ((const char *)(a) + NLA_HDRLEN)
#define ATTR_LEN(a)  ((size_t)(a)->nla_len - NLA_HDRLEN)

/* The netdev a GETLINK/SETLINK names by index or IFLA_IFNAME. */
static int request_netdev(const struct nlmsghdr *h, struct netdev *d)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	const struct nlattr *name;
	char n[64];

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return -EINVAL;
	if (ifi->ifi_index > 0)
		return netdev_by_index(ifi->ifi_index, d);
	name = find_attr((const char *)ifi + NLMSG_ALIGN(sizeof(*ifi)),
			 h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)), IFLA_IFNAME);
	if (!name || ATTR_LEN(name) == 0 || ATTR_LEN(name) >= sizeof(n))
		return -ENODEV; /* as the kernel answers a NEWLINK without a device */
	snprintf(n, sizeof(n), "%.*s", (int)ATTR_LEN(name), ATTR_DATA(name));
	return netdev_load(n, d);
}

/* The request's IFLA_EXT_MASK (RTEXT_FILTER_*), 0 without one. */
static unsigned ext_mask(const struct nlmsghdr *h)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	const struct nlattr *m;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return 0;
	m = find_attr((const char *)ifi + NLMSG_ALIGN(sizeof(*ifi)),
		      h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)), IFLA_EXT_MASK);
	return m && ATTR_LEN(m) >= 4 ? *(const unsigned *)ATTR_DATA(m) : 0;
}

/*
 * The fault the configuration gives the driver of addr for op ("setlink",
 * "getlink"): 0 none, a negative errno, or -ETIMEDOUT after a hang (which
 * blocks this caller only, as attrs.c does: the lock is let go meanwhile).
 */
static int driver_fault(const char *addr, const char *op)
{
	int fail = sim_find_fail(addr, op);

	if (fail < 0) {
		const struct sim_pf *pf = sim_find_pf(addr);
		unsigned ms = pf && pf->hang_ms ? pf->hang_ms : 0;
		struct timespec ts = {ms ? ms / 1000 : 24 * 3600, (ms % 1000) * 1000000L};

		pthread_mutex_unlock(&lock);
		sim_hang_mark(addr, true);
		while (nanosleep(&ts, &ts) == 0 && !ms)
			ts.tv_sec = 24 * 3600;
		sim_hang_mark(addr, false);
		pthread_mutex_lock(&lock);
	}
	return fail > 0 ? -fail : fail < 0 ? -ETIMEDOUT : 0;
}

static void getlink(struct nlfake *f, const struct nlmsghdr *h)
{
	struct msgbuf b = {0};
	struct netdev d;
	int r;

	if (h->nlmsg_flags & NLM_F_DUMP) {
		const struct sim_config *c = sim_config();
		char p[PATH_MAX];
		struct dirent *e;
		DIR *dir;

		snprintf(p, sizeof(p), "%s/class/net", c->sys);
		dir = opendir(p);
		while (dir && (e = readdir(dir))) {
			if (e->d_name[0] == '.' || netdev_load(e->d_name, &d) < 0)
				continue;
			b.len = 0;
			put_link(&b, f, h, &d, ext_mask(h), NLM_F_MULTI);
			reply(f, &b);
		}
		if (dir)
			closedir(dir);
		b.len = 0;
		put_done(&b, f, h);
		reply(f, &b);
		free(b.data);
		return;
	}
	r = request_netdev(h, &d);
	if (r >= 0 && d.is_pf)
		r = driver_fault(d.addr, "getlink");
	if (r < 0) {
		send_error(f, h, -r);
		return;
	}
	put_link(&b, f, h, &d, ext_mask(h), 0);
	reply(f, &b);
	free(b.data);
}

/* A VF driver takes the MAC its PF gives it (on its next reset). */
static void vf_netdev_mac(const struct netdev *d, unsigned vf, const unsigned char *mac)
{
	char p[PATH_MAX], vfdir[PATH_MAX], nd[PATH_MAX];
	struct dirent *e;
	DIR *dir;

	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return;
	snprintf(p, sizeof(p), "%s/virtfn%u", d->devdir, vf);
	if (!realpath(p, vfdir))
		return;
	snprintf(p, sizeof(p), "%s/net", vfdir);
	dir = opendir(p);
	while (dir && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(nd, sizeof(nd), "%s/net/%s/address", vfdir, e->d_name);
		sim_writef(nd, "%02x:%02x:%02x:%02x:%02x:%02x\n", mac[0], mac[1], mac[2], mac[3],
			   mac[4], mac[5]);
	}
	if (dir)
		closedir(dir);
}

/* The link speed igb checks a tx rate against (QEMU's 82576: 1 Gbit/s). */
#define IGB_LINK_MBPS 1000

/*
 * One IFLA_VF_INFO of a SETLINK, with the kernel's checks and, for an igb
 * PF, igb's refusals as the real driver answers them (tests/vm/fixture.t
 * compares with tests/fixtures/vm-igb.vfset-seq.txt).
 */
static int set_vf(const struct netdev *d, const struct nlattr *info)
{
	const char *p = ATTR_DATA(info);
	size_t len = ATTR_LEN(info);
	const struct nlattr *a;
	struct vfset s;
	unsigned vf = UINT_MAX;
	int r;

	/* every member starts with the VF index */
	for (a = (const struct nlattr *)p; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN + 4;
	     len -= NLA_ALIGN(a->nla_len),
	    a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		if ((a->nla_type & NLA_TYPE_MASK) == IFLA_VF_VLAN_LIST) {
			const struct nlattr *vi =
			    find_attr(ATTR_DATA(a), ATTR_LEN(a), IFLA_VF_VLAN_INFO);

			if (vi && ATTR_LEN(vi) >= 4)
				vf = *(const unsigned *)ATTR_DATA(vi);
		} else {
			vf = *(const unsigned *)ATTR_DATA(a);
		}
		break;
	}
	if (vf == UINT_MAX)
		return 0;
	if (vf >= d->numvfs)
		return -EINVAL;
	vf_read(d->addr, vf, &s);
	len = ATTR_LEN(info);
	for (a = (const struct nlattr *)p; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN;
	     len -= NLA_ALIGN(a->nla_len),
	    a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		const void *v = ATTR_DATA(a);

		switch (a->nla_type & NLA_TYPE_MASK) {
		case IFLA_VF_MAC:
			if (ATTR_LEN(a) < sizeof(struct ifla_vf_mac))
				return -EINVAL;
			memcpy(s.mac, ((const struct ifla_vf_mac *)v)->mac, 6);
			if (s.mac[0] & 1)
				return -EINVAL; /* multicast */
			break;
		case IFLA_VF_VLAN: {
			const struct ifla_vf_vlan *x = v;

			if (ATTR_LEN(a) < sizeof(*x) || x->vlan > 4095 || x->qos > 7)
				return -EINVAL;
			s.vlan = x->vlan, s.qos = x->qos, s.proto = 0x8100;
			break;
		}
		case IFLA_VF_VLAN_LIST: {
			const struct nlattr *vi = find_attr(v, ATTR_LEN(a), IFLA_VF_VLAN_INFO);
			const struct ifla_vf_vlan_info *x;

			if (!vi || ATTR_LEN(vi) < sizeof(*x))
				return -EINVAL;
			x = (const void *)ATTR_DATA(vi);
			if (x->vlan > 4095 || x->qos > 7)
				return -EINVAL;
			if (ntohs(x->vlan_proto) != 0x8100 && ntohs(x->vlan_proto) != 0x88a8)
				return -EPROTONOSUPPORT;
			if (d->igb && ntohs(x->vlan_proto) != 0x8100)
				return -EPROTONOSUPPORT; /* igb: 802.1Q only */
			s.vlan = x->vlan, s.qos = x->qos, s.proto = ntohs(x->vlan_proto);
			break;
		}
		case IFLA_VF_TX_RATE:
			s.max_rate = ((const struct ifla_vf_tx_rate *)v)->rate;
			if (d->igb && s.max_rate > IGB_LINK_MBPS)
				return -EINVAL;
			break;
		case IFLA_VF_RATE: {
			const struct ifla_vf_rate *x = v;

			if (x->max_tx_rate && x->min_tx_rate > x->max_tx_rate)
				return -EINVAL;
			/* igb: no minimum rate, a maximum up to the link speed */
			if (d->igb && (x->min_tx_rate || x->max_tx_rate > IGB_LINK_MBPS))
				return -EINVAL;
			s.min_rate = x->min_tx_rate, s.max_rate = x->max_tx_rate;
			break;
		}
		case IFLA_VF_SPOOFCHK:
			s.spoofchk = !!((const struct ifla_vf_spoofchk *)v)->setting;
			break;
		case IFLA_VF_LINK_STATE: {
			unsigned st = ((const struct ifla_vf_link_state *)v)->link_state;

			if (st > IFLA_VF_LINK_STATE_DISABLE)
				return -EINVAL;
			if (d->igb)
				return -EOPNOTSUPP; /* igb has no ndo_set_vf_link_state */
			s.link_state = st;
			break;
		}
		case IFLA_VF_TRUST:
			s.trust = !!((const struct ifla_vf_trust *)v)->setting;
			break;
		}
	}
	if ((r = vf_write(d->addr, vf, &s)) < 0)
		return r;
	vf_netdev_mac(d, vf, s.mac);
	return 0;
}

/* IFLA_MTU of a SETLINK: checked as dev_validate_mtu() does, kept in sysfs mtu. */
static int set_mtu(const struct netdev *d, const struct nlmsghdr *h)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	const struct nlattr *a = find_attr((const char *)ifi + NLMSG_ALIGN(sizeof(*ifi)),
					   h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)), IFLA_MTU);
	char p[PATH_MAX];
	unsigned mtu;

	if (!a)
		return 0;
	if (ATTR_LEN(a) < sizeof(mtu))
		return -EINVAL;
	memcpy(&mtu, ATTR_DATA(a), sizeof(mtu));
	if (mtu < d->min_mtu || mtu > d->max_mtu)
		return -EINVAL;
	snprintf(p, sizeof(p), "%s/net/%s/mtu", d->devdir, d->name);
	return sim_writef(p, "%u\n", mtu) < 0 ? -EIO : 0;
}

static void setlink(struct nlfake *f, const struct nlmsghdr *h)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	const struct nlattr *list, *a;
	struct netdev d;
	size_t len;
	int r;

	r = request_netdev(h, &d);
	if (r < 0)
		goto out;
	r = driver_fault(d.addr, "setlink");
	if (r < 0)
		goto out;
	r = set_mtu(&d, h);
	if (r < 0)
		goto out;
	list = find_attr((const char *)ifi + NLMSG_ALIGN(sizeof(*ifi)),
			 h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)), IFLA_VFINFO_LIST);
	if (!list)
		goto out; /* nothing the simulation keeps */
	if (!d.is_pf || d.numvfs == 0) {
		r = -EINVAL;
		goto out;
	}
	len = ATTR_LEN(list);
	for (a = (const struct nlattr *)ATTR_DATA(list);
	     len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN; len -= NLA_ALIGN(a->nla_len),
	    a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len)))
		if ((a->nla_type & NLA_TYPE_MASK) == IFLA_VF_INFO && (r = set_vf(&d, a)) < 0)
			break;
out:
	if (r < 0 || (h->nlmsg_flags & NLM_F_ACK))
		send_error(f, h, r < 0 ? -r : 0);
}

/* One RTM_NEWADDR per address of netdev d (all: its addresses file), as the kernel dumps them. */
static void put_addrs(struct msgbuf *b, struct nlfake *f, const struct nlmsghdr *req,
		      const struct netdev *d, char *all)
{
	char *save = NULL;

	for (char *line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *slash = strchr(line, '/');
		unsigned char bin[16];
		unsigned prefix;
		int family;

		if (!slash || sscanf(slash + 1, "%u", &prefix) != 1)
			continue;
		*slash = '\0';
		family = strchr(line, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(family, line, bin) != 1)
			continue;
		size_t start = b->len, alen = family == AF_INET ? 4 : 16;
		struct nlmsghdr *h =
		    put_header(b, f, req, RTM_NEWADDR, NLM_F_MULTI, sizeof(struct ifaddrmsg));
		struct ifaddrmsg *ifa = NLMSG_DATA(h);
		ifa->ifa_family = family;
		ifa->ifa_prefixlen = prefix;
		ifa->ifa_scope = family == AF_INET6 && bin[0] == 0xfe && (bin[1] & 0xc0) == 0x80
				     ? RT_SCOPE_LINK
				     : RT_SCOPE_UNIVERSE;
		ifa->ifa_index = d->ifindex;
		attr(b, IFA_ADDRESS, bin, alen);
		if (family == AF_INET) {
			attr(b, IFA_LOCAL, bin, alen);
			attr(b, IFA_LABEL, d->name, strlen(d->name) + 1);
		}
		((struct nlmsghdr *)(b->data + start))->nlmsg_len = b->len - start;
	}
}

/* RTM_GETADDR dump: the addresses of every netdev, then NLMSG_DONE. */
static void getaddr(struct nlfake *f, const struct nlmsghdr *h)
{
	const struct sim_config *c = sim_config();
	struct msgbuf b = {0};
	char p[PATH_MAX];
	struct dirent *e;
	struct netdev d;
	DIR *dir;

	snprintf(p, sizeof(p), "%s/class/net", c->sys);
	dir = opendir(p);
	while (dir && (e = readdir(dir))) {
		char all[4096];

		/* an address needs only the netdev's name and index */
		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(d.name))
			continue;
		/* most netdevs have none: their index is not read */
		addr_file(e->d_name, p, sizeof(p));
		if (sim_read(p, all, sizeof(all)) < 0)
			continue;
		snprintf(p, sizeof(p), "%s/class/net/%s/ifindex", c->sys, e->d_name);
		snprintf(d.name, sizeof(d.name), "%s", e->d_name);
		if (sim_read_uint(p, &d.ifindex) == 0)
			put_addrs(&b, f, h, &d, all);
	}
	if (dir)
		closedir(dir);
	put_done(&b, f, h);
	reply(f, &b);
	free(b.data);
}

static ssize_t handle(struct nlfake *f, const void *buf, size_t len)
{
	const struct nlmsghdr *h = buf;
	size_t left = len;

	pthread_mutex_lock(&lock);
	for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
		if (!(h->nlmsg_flags & NLM_F_REQUEST))
			continue;
		if (f->protocol == NETLINK_GENERIC)
			sim_genl_handle(f->peer, f->pid, h);
		else if (h->nlmsg_type == RTM_GETLINK)
			getlink(f, h);
		else if (h->nlmsg_type == RTM_SETLINK || h->nlmsg_type == RTM_NEWLINK)
			setlink(f, h);
		else if (h->nlmsg_type == RTM_GETADDR && (h->nlmsg_flags & NLM_F_DUMP))
			getaddr(f, h);
		else if (h->nlmsg_flags & NLM_F_DUMP) {
			struct msgbuf b = {0};

			/* nothing else exists here: an empty dump */
			put_done(&b, f, h);
			reply(f, &b);
			free(b.data);
		} else
			send_error(f, h, EOPNOTSUPP);
	}
	pthread_mutex_unlock(&lock);
	return len;
}

/* ---- the socket calls ---- */

int socket(int domain, int type, int protocol)
{
	NEXT(socket, int, int, int, int);
	int sv[2], one = 1 << 20;

	if (domain != AF_NETLINK || (protocol != NETLINK_ROUTE && protocol != NETLINK_GENERIC) ||
	    !sim_config())
		return next_socket(domain, type, protocol);
	if (socketpair(AF_UNIX, SOCK_DGRAM | (type & (SOCK_CLOEXEC | SOCK_NONBLOCK)), 0, sv) < 0)
		return -1;
	if (sv[0] >= MAX_FDS) {
		close_raw(sv[0]);
		close_raw(sv[1]);
		errno = EMFILE;
		return -1;
	}
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &one, sizeof(one));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
	fakes[sv[0]].peer = sv[1];
	fakes[sv[0]].pid = getpid();
	fakes[sv[0]].protocol = protocol;
	return sv[0];
}

int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	NEXT(bind, int, int, const struct sockaddr *, socklen_t);
	struct nlfake *f = fake(fd);

	if (!f)
		return next_bind(fd, sa, len);
	if (len >= sizeof(struct sockaddr_nl) && ((const struct sockaddr_nl *)sa)->nl_pid)
		f->pid = ((const struct sockaddr_nl *)sa)->nl_pid;
	return 0;
}

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	NEXT(connect, int, int, const struct sockaddr *, socklen_t);
	return fake(fd) ? 0 : next_connect(fd, sa, len);
}

int getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	NEXT(getsockname, int, int, struct sockaddr *, socklen_t *);
	struct nlfake *f = fake(fd);
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};

	if (!f)
		return next_getsockname(fd, sa, len);
	nl.nl_pid = f->pid;
	memcpy(sa, &nl, *len < sizeof(nl) ? *len : sizeof(nl));
	*len = sizeof(nl);
	return 0;
}

int setsockopt(int fd, int level, int name, const void *v, socklen_t len)
{
	NEXT(setsockopt, int, int, int, int, const void *, socklen_t);
	if (fake(fd) && level == SOL_NETLINK)
		return 0;
	return next_setsockopt(fd, level, name, v, len);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *sa,
	       socklen_t salen)
{
	NEXT(sendto, ssize_t, int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	struct nlfake *f = fake(fd);

	return f ? handle(f, buf, len) : next_sendto(fd, buf, len, flags, sa, salen);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	NEXT(send, ssize_t, int, const void *, size_t, int);
	struct nlfake *f = fake(fd);

	return f ? handle(f, buf, len) : next_send(fd, buf, len, flags);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	NEXT(sendmsg, ssize_t, int, const struct msghdr *, int);
	struct nlfake *f = fake(fd);
	struct msgbuf b = {0};
	ssize_t r;

	if (!f)
		return next_sendmsg(fd, msg, flags);
	for (size_t i = 0; i < msg->msg_iovlen; i++) {
		void *p = put(&b, msg->msg_iov[i].iov_len);

		/* put() aligns; netlink messages are aligned already */
		b.len -= NLMSG_ALIGN(msg->msg_iov[i].iov_len) - msg->msg_iov[i].iov_len;
		memcpy(p, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
	}
	r = handle(f, b.data, b.len);
	free(b.data);
	return r;
}

static void from_kernel(struct sockaddr *sa, socklen_t *len)
{
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};

	if (!sa || !len)
		return;
	memcpy(sa, &nl, *len < sizeof(nl) ? *len : sizeof(nl));
	*len = sizeof(nl);
}

/*
 * The socketpair's end is unnamed: the call sets the name's length to 0.
 * The sender's address ("the kernel") goes into the room the caller gave.
 */
ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	NEXT(recvmsg, ssize_t, int, struct msghdr *, int);
	socklen_t room = msg ? msg->msg_namelen : 0;
	ssize_t r = next_recvmsg(fd, msg, flags);

	if (r >= 0 && fake(fd)) {
		msg->msg_namelen = room;
		from_kernel(msg->msg_name, &msg->msg_namelen);
	}
	return r;
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa, socklen_t *salen)
{
	NEXT(recvfrom, ssize_t, int, void *, size_t, int, struct sockaddr *, socklen_t *);
	socklen_t room = salen ? *salen : 0;
	ssize_t r = next_recvfrom(fd, buf, len, flags, sa, salen);

	if (r >= 0 && fake(fd) && salen) {
		*salen = room;
		from_kernel(sa, salen);
	}
	return r;
}

/*
 * mf-cache-rxdf: the probe of whether the kernel reports a received
 * tunnel packet's "don't fragment" (mf-cache-rxdf.h).
 *
 * The child only makes system calls (libmnl, sockets): it is a fork of a
 * threaded process, so it takes no lock of OVS's, logs nothing, and
 * writes its answer into a pipe: 'R' (reported), 'N' (not reported), or
 * 'E' and the reason it could not tell.
 */
#include <config.h>
#include "mf-cache-rxdf.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <libmnl/libmnl.h>

#include "csum.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_cache_rxdf);

/* IFLA_GRE_COLLECT_METADATA (linux/if_tunnel.h does not mix with OVS's
 * headers). */
#define RXDF_GRE_COLLECT_METADATA 18

#define RXDF_TIMEOUT_MS 3000
#define RXDF_KEY 42                     /* The probe packet's GRE key. */

static const uint8_t rxdf_mac_a[6] = { 2, 0, 0, 0x6d, 0x66, 1 };
static const uint8_t rxdf_mac_b[6] = { 2, 0, 0, 0x6d, 0x66, 2 };

/* The child's side.  Each returns 0 or writes its reason into 'why'. */

struct rxdf_child {
    struct mnl_socket *rtnl, *genl, *upcall;
    unsigned int seq;
    char why[160];
};

static int
rxdf_fail(struct rxdf_child *c, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, args);
    va_end(args);
    return -1;
}

/* Sends 'nlh' on 'nl' and reads to its acknowledgement, 'cb' (if any)
 * seeing the replies before it.  Returns 0 or an errno. */
static int
rxdf_transact(struct rxdf_child *c, struct mnl_socket *nl,
              struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    uint32_t portid = mnl_socket_get_portid(nl);
    ssize_t n;
    int r;

    nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = ++c->seq;
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
        return errno;
    }
    do {
        n = mnl_socket_recvfrom(nl, buf, sizeof buf);
        if (n < 0) {
            return errno;
        }
        r = mnl_cb_run(buf, n, nlh->nlmsg_seq, portid, cb, data);
    } while (r > MNL_CB_STOP);
    return r < 0 ? errno : 0;
}

static struct nlmsghdr *
rxdf_link_msg(char *buf, const char *name, uint16_t flags)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifinfomsg *ifi;

    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_flags = flags;
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nlh;
}

/* The veth pair mfpa (which sends) and mfpb (192.0.2.2/24), and the
 * collect_md gretap mfpg, all up. */
static int
rxdf_devices(struct rxdf_child *c)
{
    static const char *const up[] = { "mfpa", "mfpb", "mfpg" };
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlattr *info, *data, *peer;
    struct nlmsghdr *nlh;
    struct ifinfomsg *pifi;
    struct ifaddrmsg *ifa;
    uint32_t addr;
    int e;

    nlh = rxdf_link_msg(buf, "mfpa", NLM_F_CREATE | NLM_F_EXCL);
    mnl_attr_put(nlh, IFLA_ADDRESS, 6, rxdf_mac_a);
    info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    pifi = mnl_nlmsg_put_extra_header(nlh, sizeof *pifi);
    memset(pifi, 0, sizeof *pifi);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, "mfpb");
    mnl_attr_put(nlh, IFLA_ADDRESS, 6, rxdf_mac_b);
    mnl_attr_nest_end(nlh, peer);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, info);
    e = rxdf_transact(c, c->rtnl, nlh, NULL, NULL);
    if (e) {
        return rxdf_fail(c, "creating a veth pair: %s", strerror(e));
    }

    nlh = rxdf_link_msg(buf, "mfpg", NLM_F_CREATE | NLM_F_EXCL);
    info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "gretap");
    data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    mnl_attr_put(nlh, RXDF_GRE_COLLECT_METADATA, 0, NULL);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, info);
    e = rxdf_transact(c, c->rtnl, nlh, NULL, NULL);
    if (e) {
        return rxdf_fail(c, "creating a collect_md gretap device: %s",
                         strerror(e));
    }

    for (size_t i = 0; i < ARRAY_SIZE(up); i++) {
        struct ifinfomsg *ifi;

        nlh = rxdf_link_msg(buf, up[i], 0);
        ifi = mnl_nlmsg_get_payload(nlh);
        ifi->ifi_flags = ifi->ifi_change = IFF_UP;
        e = rxdf_transact(c, c->rtnl, nlh, NULL, NULL);
        if (e) {
            return rxdf_fail(c, "setting %s up: %s", up[i], strerror(e));
        }
    }

    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWADDR;
    nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = 24;
    ifa->ifa_index = if_nametoindex("mfpb");
    addr = htonl(0xc0000202);           /* 192.0.2.2 */
    mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
    mnl_attr_put_u32(nlh, IFA_ADDRESS, addr);
    e = rxdf_transact(c, c->rtnl, nlh, NULL, NULL);
    return e ? rxdf_fail(c, "adding an address: %s", strerror(e)) : 0;
}

static int
rxdf_family_cb(const struct nlmsghdr *nlh, void *id_)
{
    struct nlattr *a;

    mnl_attr_for_each (a, nlh, sizeof(struct genlmsghdr)) {
        if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID
            && !mnl_attr_validate(a, MNL_TYPE_U16)) {
            *(uint16_t *) id_ = mnl_attr_get_u16(a);
        }
    }
    return MNL_CB_OK;
}

static uint16_t
rxdf_family(struct rxdf_child *c, const char *name)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct genlmsghdr *g;
    uint16_t id = 0;

    nlh->nlmsg_type = GENL_ID_CTRL;
    g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
    g->cmd = CTRL_CMD_GETFAMILY;
    g->version = 1;
    mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
    return rxdf_transact(c, c->genl, nlh, rxdf_family_cb, &id) ? 0 : id;
}

static struct nlmsghdr *
rxdf_ovs_msg(char *buf, uint16_t family, uint8_t cmd, uint8_t version,
             int dp_ifindex)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ovs_header *oh;
    struct genlmsghdr *g;

    nlh->nlmsg_type = family;
    g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
    g->cmd = cmd;
    g->version = version;
    oh = mnl_nlmsg_put_extra_header(nlh, sizeof *oh);
    oh->dp_ifindex = dp_ifindex;
    return nlh;
}

static int
rxdf_dp_cb(const struct nlmsghdr *nlh, void *dp_ifindex_)
{
    const struct ovs_header *oh;

    if (mnl_nlmsg_get_payload_len(nlh) >= GENL_HDRLEN + sizeof *oh) {
        oh = (const void *) ((const char *) mnl_nlmsg_get_payload(nlh)
                             + GENL_HDRLEN);
        *(int *) dp_ifindex_ = oh->dp_ifindex;
    }
    return MNL_CB_OK;
}

/* A kernel datapath whose one port is mfpg, its upcalls to c->upcall. */
static int
rxdf_datapath(struct rxdf_child *c)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    uint32_t pid = mnl_socket_get_portid(c->upcall);
    uint16_t dp_family = rxdf_family(c, OVS_DATAPATH_FAMILY);
    uint16_t vport_family = rxdf_family(c, OVS_VPORT_FAMILY);
    struct nlmsghdr *nlh;
    int dp_ifindex = 0, e;

    if (!dp_family || !vport_family) {
        return rxdf_fail(c, "no kernel datapath (the openvswitch module is "
                         "not loaded)");
    }
    nlh = rxdf_ovs_msg(buf, dp_family, OVS_DP_CMD_NEW, OVS_DATAPATH_VERSION,
                       0);
    nlh->nlmsg_flags = NLM_F_ECHO;      /* Its reply is a notification. */
    mnl_attr_put_strz(nlh, OVS_DP_ATTR_NAME, "mfprobe");
    mnl_attr_put_u32(nlh, OVS_DP_ATTR_UPCALL_PID, pid);
    e = rxdf_transact(c, c->genl, nlh, rxdf_dp_cb, &dp_ifindex);
    if (e || !dp_ifindex) {
        return rxdf_fail(c, "creating a kernel datapath: %s",
                         e ? strerror(e) : "no ifindex in the reply");
    }
    nlh = rxdf_ovs_msg(buf, vport_family, OVS_VPORT_CMD_NEW,
                       OVS_VPORT_VERSION, dp_ifindex);
    mnl_attr_put_strz(nlh, OVS_VPORT_ATTR_NAME, "mfpg");
    mnl_attr_put_u32(nlh, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_NETDEV);
    mnl_attr_put_u32(nlh, OVS_VPORT_ATTR_UPCALL_PID, pid);
    e = rxdf_transact(c, c->genl, nlh, NULL, NULL);
    return e ? rxdf_fail(c, "adding the gretap device to it: %s",
                         strerror(e)) : 0;
}

/* Sends, from mfpa to mfpb, 192.0.2.1 > 192.0.2.2 with DF, GRE with key
 * RXDF_KEY around an Ethernet frame. */
static int
rxdf_send(struct rxdf_child *c, int fd)
{
    uint8_t f[14 + 20 + 8 + 60] = { 0 };
    uint8_t *ip = f + 14, *gre = ip + 20, *in = gre + 8;
    struct sockaddr_ll ll = {
        .sll_family = AF_PACKET,
        .sll_ifindex = if_nametoindex("mfpa"),
        .sll_halen = 6,
    };
    uint16_t tot = htons(sizeof f - 14);
    ovs_be16 sum;
    uint32_t key = htonl(RXDF_KEY);

    memcpy(f, rxdf_mac_b, 6);
    memcpy(f + 6, rxdf_mac_a, 6);
    f[12] = 0x08;                       /* IPv4 */
    ip[0] = 0x45;
    memcpy(ip + 2, &tot, 2);
    ip[6] = 0x40;                       /* DF */
    ip[8] = 64;
    ip[9] = 47;                         /* GRE */
    memcpy(ip + 12, (uint8_t[]) { 192, 0, 2, 1, 192, 0, 2, 2 }, 8);
    sum = csum(ip, 20);                 /* OVS's: a pure function. */
    memcpy(ip + 10, &sum, 2);
    gre[0] = 0x20;                      /* K */
    gre[2] = 0x65;                      /* ETH_P_TEB */
    gre[3] = 0x58;
    memcpy(gre + 4, &key, 4);
    memset(in, 0xff, 6);                /* Broadcast, from rxdf_mac_a. */
    memcpy(in + 6, rxdf_mac_a, 6);
    in[12] = 0x88;                      /* ETH_P_802_EX1: no one's. */
    in[13] = 0xb5;
    memcpy(ll.sll_addr, rxdf_mac_b, 6);
    if (sendto(fd, f, sizeof f, 0, (struct sockaddr *) &ll, sizeof ll) < 0) {
        return rxdf_fail(c, "sending the probe packet: %s", strerror(errno));
    }
    return 0;
}

struct rxdf_key {
    bool ours;                          /* The tunnel key is RXDF_KEY. */
    bool df;
};

static int
rxdf_tunnel_cb(const struct nlattr *a, void *k_)
{
    struct rxdf_key *k = k_;

    if (mnl_attr_get_type(a) == OVS_TUNNEL_KEY_ATTR_ID
        && mnl_attr_get_payload_len(a) == 8) {
        uint64_t id;

        memcpy(&id, mnl_attr_get_payload(a), 8);
        k->ours = id == htobe64(RXDF_KEY);
    } else if (mnl_attr_get_type(a) == OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT) {
        k->df = true;
    }
    return MNL_CB_OK;
}

static int
rxdf_key_cb(const struct nlattr *a, void *k)
{
    if (mnl_attr_get_type(a) == OVS_KEY_ATTR_TUNNEL) {
        mnl_attr_parse_nested(a, rxdf_tunnel_cb, k);
    }
    return MNL_CB_OK;
}

static int
rxdf_packet_cb(const struct nlattr *a, void *k)
{
    if (mnl_attr_get_type(a) == OVS_PACKET_ATTR_KEY) {
        mnl_attr_parse_nested(a, rxdf_key_cb, k);
    }
    return MNL_CB_OK;
}

int
mf_cache_rxdf_upcall(const void *buf, size_t n)
{
    const struct nlmsghdr *nlh = buf;
    struct rxdf_key k = { false, false };

    /* libmnl reads attributes to the aligned end of the message: a length
     * the kernel would not send (unaligned) could take it past 'n'. */
    if (n < sizeof *nlh || !mnl_nlmsg_ok(nlh, n)
        || nlh->nlmsg_len != MNL_ALIGN(nlh->nlmsg_len)
        || mnl_nlmsg_get_payload_len(nlh)
           < GENL_HDRLEN + sizeof(struct ovs_header)) {
        return 0;
    }
    mnl_attr_parse(nlh, GENL_HDRLEN + sizeof(struct ovs_header),
                   rxdf_packet_cb, &k);
    return k.ours ? (k.df ? 'R' : 'N') : 0;
}

/* Sends the probe packet until an upcall of it comes: 'R' or 'N'. */
static int
rxdf_upcall(struct rxdf_child *c, char *answer)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    struct pollfd p = { .fd = mnl_socket_get_fd(c->upcall),
                        .events = POLLIN };

    if (fd < 0) {
        return rxdf_fail(c, "a packet socket: %s", strerror(errno));
    }
    for (int tries = 0; tries < 10; tries++) {
        if (rxdf_send(c, fd)) {
            return -1;
        }
        while (poll(&p, 1, 200) > 0) {
            ssize_t n = recv(p.fd, buf, sizeof buf, 0);
            int a = n > 0 ? mf_cache_rxdf_upcall(buf, n) : 0;

            if (a) {
                *answer = a;
                return 0;
            }
        }
    }
    return rxdf_fail(c, "no upcall of the probe packet in 2 s");
}

static int
rxdf_child_run(struct rxdf_child *c, char *answer)
{
    if (unshare(CLONE_NEWNET)) {
        return rxdf_fail(c, "a network namespace of its own: %s",
                         strerror(errno));
    }
    c->rtnl = mnl_socket_open(NETLINK_ROUTE);
    c->genl = mnl_socket_open(NETLINK_GENERIC);
    c->upcall = mnl_socket_open(NETLINK_GENERIC);
    if (!c->rtnl || !c->genl || !c->upcall
        || mnl_socket_bind(c->rtnl, 0, MNL_SOCKET_AUTOPID)
        || mnl_socket_bind(c->genl, 0, MNL_SOCKET_AUTOPID)
        || mnl_socket_bind(c->upcall, 0, MNL_SOCKET_AUTOPID)) {
        return rxdf_fail(c, "netlink sockets: %s", strerror(errno));
    }
    return (rxdf_devices(c) || rxdf_datapath(c) || rxdf_upcall(c, answer)
            ? -1 : 0);
}

static void
rxdf_child(int fd)
{
    char msg[sizeof ((struct rxdf_child *) NULL)->why + 1];
    struct rxdf_child c;
    int n;

    memset(&c, 0, sizeof c);
    if (rxdf_child_run(&c, msg)) {
        n = snprintf(msg, sizeof msg, "E%s", c.why);
    } else {
        n = 1;
    }
    _exit(write(fd, msg, n) == n ? 0 : 1);
}

/* The parent's side: a thread of its own, so that no one waits for the
 * child (seconds under emulation: a namespace and a datapath made and
 * destroyed). */

static struct ovs_mutex rxdf_mutex = OVS_MUTEX_INITIALIZER;
static bool rxdf_started OVS_GUARDED_BY(rxdf_mutex);
static bool rxdf_done OVS_GUARDED_BY(rxdf_mutex);
static enum mf_cache_rxdf rxdf_answer OVS_GUARDED_BY(rxdf_mutex);
static char rxdf_why[200] OVS_GUARDED_BY(rxdf_mutex);
static void (*rxdf_cb)(enum mf_cache_rxdf);

/* Runs the child; its answer, and if unknown the reason into 'why'. */
static enum mf_cache_rxdf
rxdf_probe(char *why, size_t why_size)
{
    char msg[200] = "";
    struct pollfd p;
    int fds[2], n = 0;
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC)) {
        snprintf(why, why_size, "a pipe: %s", strerror(errno));
        return MF_CACHE_RXDF_UNKNOWN;
    }
    pid = fork();
    if (!pid) {
        close(fds[0]);
        rxdf_child(fds[1]);
    }
    close(fds[1]);
    if (pid < 0) {
        snprintf(why, why_size, "fork: %s", strerror(errno));
        close(fds[0]);
        return MF_CACHE_RXDF_UNKNOWN;
    }
    p = (struct pollfd) { .fd = fds[0], .events = POLLIN };
    if (poll(&p, 1, RXDF_TIMEOUT_MS) > 0) {
        n = read(fds[0], msg, sizeof msg - 1);
    }
    close(fds[0]);
    if (n <= 0) {
        kill(pid, SIGKILL);
    }
    waitpid(pid, NULL, 0);
    msg[MAX(n, 0)] = '\0';
    if (n <= 0) {
        snprintf(why, why_size, "the probe gave no answer in %d ms",
                 RXDF_TIMEOUT_MS);
    } else if (msg[0] == 'R' || msg[0] == 'N') {
        return (msg[0] == 'R' ? MF_CACHE_RXDF_REPORTED
                : MF_CACHE_RXDF_NOT_REPORTED);
    } else {
        snprintf(why, why_size, "%s", msg + 1);
    }
    return MF_CACHE_RXDF_UNKNOWN;
}

static const char *
rxdf_describe(enum mf_cache_rxdf a)
{
    return (a == MF_CACHE_RXDF_REPORTED
            ? "the kernel reports a received tunnel packet's \"don't "
              "fragment\" (probed): the flow cache takes it from the "
              "outer header"
            : a == MF_CACHE_RXDF_NOT_REPORTED
            ? "the kernel does not report a received tunnel packet's "
              "\"don't fragment\" (probed; Linux before a9888628cb2c): "
              "nor does the flow cache, so OVS's -df decap flows take "
              "DF packets too"
            : "unknown whether the kernel reports a received tunnel "
              "packet's \"don't fragment\"");
}

static void *
rxdf_thread(void *aux OVS_UNUSED)
{
    enum mf_cache_rxdf a;
    char why[200] = "";

    ovsrcu_quiesce_start();             /* It reads nothing RCU keeps. */
    a = rxdf_probe(why, sizeof why);
    ovs_mutex_lock(&rxdf_mutex);
    rxdf_answer = a;
    snprintf(rxdf_why, sizeof rxdf_why, "%s", why);
    rxdf_done = true;
    ovs_mutex_unlock(&rxdf_mutex);
    if (a == MF_CACHE_RXDF_UNKNOWN) {
        VLOG_WARN("%s (%s): the flow cache takes it from the outer header, "
                  "and leaves DF tunnel packets to the kernel if the "
                  "kernel's flows say -df", rxdf_describe(a), why);
    } else {
        VLOG_INFO("%s", rxdf_describe(a));
    }
    rxdf_cb(a);
    return NULL;
}

void
mf_cache_rxdf_start(void (*done)(enum mf_cache_rxdf))
{
    ovs_mutex_lock(&rxdf_mutex);
    if (!rxdf_started) {
        rxdf_started = true;
        rxdf_cb = done;
        ovs_thread_create("mf_rxdf", rxdf_thread, NULL);
    }
    ovs_mutex_unlock(&rxdf_mutex);
}

enum mf_cache_rxdf
mf_cache_rxdf(void)
{
    enum mf_cache_rxdf a;

    ovs_mutex_lock(&rxdf_mutex);
    a = rxdf_done ? rxdf_answer : MF_CACHE_RXDF_UNKNOWN;
    ovs_mutex_unlock(&rxdf_mutex);
    return a;
}

void
mf_cache_rxdf_format(struct ds *s)
{
    ovs_mutex_lock(&rxdf_mutex);
    if (rxdf_done) {
        ds_put_format(s, "tunnel receive: %s", rxdf_describe(rxdf_answer));
        if (rxdf_answer == MF_CACHE_RXDF_UNKNOWN) {
            ds_put_format(s, " (%s)", rxdf_why);
        }
        ds_put_char(s, '\n');
    } else if (rxdf_started) {
        ds_put_cstr(s, "tunnel receive: probing whether the kernel reports "
                    "a received tunnel packet's \"don't fragment\" (until "
                    "then the flow cache takes it from the outer header)\n");
    }
    ovs_mutex_unlock(&rxdf_mutex);
}

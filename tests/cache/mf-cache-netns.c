/*
 * mf-cache-netns: real traffic through the XDP flow cache on this host,
 * no VM and no OVS datapath: the cache is the only switch.
 *
 * Two hosts, network namespaces with a veth each (a1 10.9.0.1, b1
 * 10.9.0.2), whose peers pa and pb are in this process's own namespace
 * with a cache attached to each (odp ports 1 and 2).  Megaflows
 * translated by mf_cache_xlate() from ovs-dpctl syntax carry ARP, ICMP
 * and UDP between them; nothing else forwards (this namespace routes
 * nothing), so every packet that arrives went through the caches.  In
 * each XDP mode (generic, then native: the hosts' veths with GRO on,
 * which native redirects into a veth need, and checksum offload off, as
 * on a NIC's wire):
 *   - ping: every request and reply answered, and each ICMP entry counts
 *     exactly the packets and bytes (98 a frame) that crossed it;
 *   - UDP through set(ipv4(ttl=33)): every datagram arrives with TTL 33
 *     and no checksum error (the receiver's kernel checks both);
 *   - UDP to 10.9.0.99:5002 rewritten to 10.9.0.2:5003 (address and port,
 *     with their checksums): native only; in generic mode the translation
 *     refuses it, saying why;
 *   - UDP to b and, the same frames, to a third host c (its veth c1, pc
 *     odp port 3): a broadcast to a set of two devices.
 * Then a restart after a crash (mf-cache-adopt.h), in generic mode: a
 * child process attaches caches with recorded ARP and ICMP flows, pings
 * through them and dies without detaching them; while a ping runs, this
 * process reads the records back, loads new caches with the flows they
 * give, and puts them in the dead caches' place.  Every ping is answered,
 * the old and new counters add up to exactly the packets that crossed,
 * and no program of the dead process is left in the kernel.  Between the
 * two, deletes while frames flow (mf-cache-netns-del.c).
 *
 * Exit 0 on success, 1 on failure, 77 (skip, with the reason) without
 * root, namespaces or XDP.
 */
#include <config.h>

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mf-cache.h"
#include "mf-cache-adopt.h"
#include "mf-cache-quiesce.h"
#include "mf-cache-record.h"
#include "mf-cache-xlate.h"
#include "mf-megaflows.h"
#include "mf-cache-netns.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

uint32_t ifindexes[4];          /* By odp port: 1 pa, 2 pb, 3 pc. */
char ns_a[32], ns_b[32], ns_c[32];
static int failures;

enum mf_port_kind
port_lookup(odp_port_t port, uint32_t *ifindex, void *aux OVS_UNUSED)
{
    uint32_t p = odp_to_u32(port);

    if (p >= 1 && p <= 3) {
        *ifindex = ifindexes[p];
        return MF_PORT_NETDEV;
    }
    return MF_PORT_NONE;
}

int
sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list args;

    va_start(args, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, args);
    va_end(args);
    return system(cmd);
}

void
check(bool ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    failures += !ok;
}

static void
cleanup(void)
{
    sh("for ns in %s %s %s; do ip netns del $ns 2>/dev/null; done", ns_a,
       ns_b, ns_c);
}

static int
make_topology(void)
{
    snprintf(ns_a, sizeof ns_a, "mfcn-a-%d", (int) getpid());
    snprintf(ns_b, sizeof ns_b, "mfcn-b-%d", (int) getpid());
    snprintf(ns_c, sizeof ns_c, "mfcn-c-%d", (int) getpid());
    if (unshare(CLONE_NEWNET)) {
        printf("SKIP: unshare(CLONE_NEWNET): %s (needs root)\n",
               strerror(errno));
        return 77;
    }
    atexit(cleanup);
    /* No IPv6 chatter from this namespace's devices into the hosts. */
    sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
       "net.ipv6.conf.default.disable_ipv6=1");
    if (sh("ip netns add %s && ip netns add %s && ip netns add %s", ns_a,
           ns_b, ns_c)
        || sh("ip link add pa type veth peer name a1 netns %s", ns_a)
        || sh("ip link add pb type veth peer name b1 netns %s", ns_b)
        || sh("ip link add pc type veth peer name c1 netns %s", ns_c)
        || sh("ip link set pa up && ip link set pb up && ip link set pc up")
        || sh("ip -n %s link set c1 up", ns_c)
        || sh("ip -n %s addr add 10.9.0.1/24 dev a1 && "
              "ip -n %s link set a1 up", ns_a, ns_a)
        || sh("ip -n %s addr add 10.9.0.2/24 dev b1 && "
              "ip -n %s link set b1 up", ns_b, ns_b)) {
        printf("SKIP: cannot make the namespaces and veth pairs\n");
        return 77;
    }
    /* The rewritten destination of the UDP case has b1's MAC. */
    sh("ip -n %s neigh replace 10.9.0.99 lladdr "
       "$(ip -n %s -br link show b1 | awk '{ print $3 }') dev a1", ns_a,
       ns_b);
    ifindexes[1] = if_nametoindex("pa");
    ifindexes[2] = if_nametoindex("pb");
    ifindexes[3] = if_nametoindex("pc");
    return 0;
}

/* Translates the megaflow FLOW -> ACTIONS (ovs-dpctl syntax) arriving on
 * odp port 'in' and adds it to 'p''s cache, as flow 'id'.  Returns 0, or
 * the translation's errno with its reason in 'reason'. */
int
add_flow(struct port *p, uint32_t in, int id, const char *flow,
         const char *actions, struct ds *reason)
{
    struct mf_ufid ufid = { .u32 = { id, in } };
    struct mf_cache_flow cf;
    struct ofpbuf acts;
    struct match match;
    struct mf_err err;
    char *error = NULL;
    int e;

    if (mf_test_parse_megaflow(flow, actions, &match, &acts, &error)) {
        printf("FAIL: parsing %s: %s\n", flow, error);
        free(error);
        exit(1);
    }
    e = mf_cache_xlate(&match, u32_to_odp(in), acts.data, acts.size,
                       &p->env, &cf, reason);
    if (!e && mf_cache_add(p->cache, &ufid, &cf, &err)) {
        printf("FAIL: adding %s: %s\n", flow, err.msg);
        exit(1);
    }
    if (!e) {
        /* As the backend does, for a later run's adoption. */
        struct mf_xrecord *rec = xmalloc(sizeof *rec);

        if (!mf_crecord_encode(&match, acts.data, acts.size, rec)
            || mf_cache_record_put(p->cache, &ufid, rec)) {
            printf("FAIL: recording %s\n", flow);
            exit(1);
        }
        free(rec);
    }
    ofpbuf_uninit(&acts);
    return e;
}

static struct mf_flow_stats
flow_stats(struct port *p, uint32_t in, int id)
{
    struct mf_ufid ufid = { .u32 = { id, in } };
    struct mf_flow_stats s;

    memset(&s, 0, sizeof s);
    mf_cache_stats(p->cache, &ufid, &s);
    return s;
}

/* Runs 'cmd' in namespace 'ns' and returns its first line of output. */
char *
ns_output(const char *ns, const char *cmd)
{
    char full[1024], line[256] = "";
    FILE *f;

    snprintf(full, sizeof full, "ip netns exec %s sh -c '%s'", ns, cmd);
    f = popen(full, "r");
    if (f) {
        if (!fgets(line, sizeof line, f)) {
            line[0] = '\0';
        }
        pclose(f);
    }
    line[strcspn(line, "\n")] = '\0';
    return xstrdup(line);
}

/* COUNT datagrams from a to DST:PORT, received on b's RPORT: the
 * receiver's summary line. */
static char *
udp(const char *dst, int port, int rport, int count)
{
    const char *src = getenv("MF_SRCDIR") ? getenv("MF_SRCDIR") : ".";
    char ready[64], out[64], cmd[512], line[256] = "";
    FILE *f;

    snprintf(ready, sizeof ready, "/tmp/mfcn-%d.ready", (int) getpid());
    snprintf(out, sizeof out, "/tmp/mfcn-%d.out", (int) getpid());
    unlink(ready);
    unlink(out);
    sh("ip netns exec %s python3 %s/tests/mf-udp.py recv %d %d %s > %s &",
       ns_b, src, rport, count, ready, out);
    for (int i = 0; i < 200 && access(ready, F_OK); i++) {
        usleep(50000);
    }
    snprintf(cmd, sizeof cmd, "python3 %s/tests/mf-udp.py send %s %d %d "
             "0.01", src, dst, port, count);
    free(ns_output(ns_a, cmd));
    /* The receiver prints its line when all came, or 10 s after the
     * last. */
    for (int i = 0; i < 300 && !line[0]; i++) {
        f = fopen(out, "r");
        if (f) {
            if (!fgets(line, sizeof line, f)) {
                line[0] = '\0';
            }
            fclose(f);
        }
        if (!line[0]) {
            usleep(50000);
        }
    }
    unlink(ready);
    unlink(out);
    line[strcspn(line, "\n")] = '\0';
    return xstrdup(line);
}

static void
run_mode(enum mf_cache_xdp_mode mode)
{
    struct mf_xlate_ports ports = { .lookup = port_lookup };
    bool native = mode == MF_CACHE_XDP_NATIVE;
    const char *name = native ? "native" : "generic";
    struct port p[3];
    struct ds reason = DS_EMPTY_INITIALIZER;
    char what[256], *line;
    long c_before;
    int e;

    printf("-- %s XDP\n", name);
    sh("for x in %s:a1 %s:b1 %s:c1; do ip netns exec ${x%%:*} ethtool -K "
       "${x#*:} gro %s tx %s > /dev/null 2>&1; done", ns_a, ns_b, ns_c,
       native ? "on" : "off", native ? "off" : "on");
    for (int i = 1; i <= 2; i++) {
        struct mf_cache_opts o = {
            .ifindex = ifindexes[i], .name = i == 1 ? "pa" : "pb",
            .attach = true, .mode = mode,
        };
        struct mf_cache_info info;
        struct mf_err err;

        memset(&p[i], 0, sizeof p[i]);
        if (mf_cache_open(&o, &p[i].cache, &err)) {
            printf("%s: %s\n", err.error == EPERM || err.error == EOPNOTSUPP
                   ? "SKIP" : "FAIL", err.msg);
            exit(err.error == EPERM || err.error == EOPNOTSUPP ? 77 : 1);
        }
        mf_cache_get_info(p[i].cache, &info);
        snprintf(what, sizeof what, "%s attached in %s mode", o.name,
                 mf_cache_attach_name(info.attach));
        check(info.attach == (native ? MF_CACHE_NATIVE : MF_CACHE_GENERIC),
              what);
        mf_cache_set_in_port(p[i].cache, i);
        p[i].env.ports = &ports;
        p[i].env.generic = !native;
    }

    /* Both ways: ARP, and IPv4 ICMP. */
    for (int i = 1; i <= 2; i++) {
        char flow[256], out[8];

        snprintf(out, sizeof out, "%d", 3 - i);
        snprintf(flow, sizeof flow, "in_port(%d),eth(),eth_type(0x0806),"
                 "arp()", i);
        e = add_flow(&p[i], i, 1, flow, out, &reason);
        snprintf(flow, sizeof flow, "in_port(%d),eth(),eth_type(0x0800),"
                 "ipv4(proto=1,frag=no),icmp()", i);
        e |= add_flow(&p[i], i, 2, flow, out, &reason);
        check(!e, "ARP and ICMP megaflows translated");
    }
    line = ns_output(ns_a, "ping -q -c 5 -i 0.2 -w 10 10.9.0.2 | grep "
                     "transmitted");
    check(strstr(line, "5 packets transmitted, 5 received") != NULL, line);
    free(line);
    for (int i = 1; i <= 2; i++) {
        struct mf_flow_stats s = flow_stats(&p[i], i, 2);

        snprintf(what, sizeof what, "%s's ICMP entry: %"PRIu64" packets, "
                 "%"PRIu64" bytes (5 and 490 expected)", i == 1 ? "pa" : "pb",
                 s.n_packets, s.n_bytes);
        check(s.n_packets == 5 && s.n_bytes == 5 * 98, what);
    }

    /* UDP, TTL rewritten: the receiver's kernel checks the checksums. */
    e = add_flow(&p[1], 1, 3, "in_port(1),eth(),eth_type(0x0800),"
                 "ipv4(proto=17,frag=no),udp(dst=5001)",
                 "set(ipv4(ttl=33)),2", &reason);
    check(!e, "UDP with set(ipv4(ttl=33)) translated");
    line = udp("10.9.0.2", 5001, 5001, 20);
    check(!strcmp(line, "20 datagrams from 10.9.0.1 ttl 33, udp checksum "
                  "errors 0"), line);
    free(line);
    snprintf(what, sizeof what, "its entry counted %"PRIu64" packets",
             flow_stats(&p[1], 1, 3).n_packets);
    check(flow_stats(&p[1], 1, 3).n_packets == 20, what);

    /* Address and port rewritten, L4 checksum fixed: native only. */
    ds_clear(&reason);
    e = add_flow(&p[1], 1, 4, "in_port(1),eth(),eth_type(0x0800),"
                 "ipv4(dst=10.9.0.99,proto=17,frag=no),udp(dst=5002)",
                 "set(ipv4(dst=10.9.0.2)),set(udp(dst=5003)),2", &reason);
    if (native) {
        check(!e, "UDP with address and port rewrites translated");
        line = udp("10.9.0.99", 5002, 5003, 20);
        check(!strcmp(line, "20 datagrams from 10.9.0.1 ttl 64, udp "
                      "checksum errors 0"), line);
        free(line);
    } else {
        snprintf(what, sizeof what, "the address rewrite refused in generic "
                 "mode: %s", ds_cstr(&reason));
        check(e == EOPNOTSUPP && strstr(ds_cstr(&reason), "generic XDP"),
              what);
    }

    /* The same datagrams to b and c: a broadcast to a set of two. */
    e = add_flow(&p[1], 1, 5, "in_port(1),eth(),eth_type(0x0800),"
                 "ipv4(proto=17,frag=no),udp(dst=5004)", "2,3", &reason);
    check(!e, "UDP to two ports translated");
    line = ns_output(ns_c, "cat /sys/class/net/c1/statistics/rx_packets");
    c_before = atol(line);
    free(line);
    line = udp("10.9.0.2", 5004, 5004, 20);
    check(!strcmp(line, "20 datagrams from 10.9.0.1 ttl 64, udp checksum "
                  "errors 0"), line);
    free(line);
    line = ns_output(ns_c, "cat /sys/class/net/c1/statistics/rx_packets");
    snprintf(what, sizeof what, "c received %ld frames too (20 expected)",
             atol(line) - c_before);
    check(atol(line) - c_before == 20, what);
    free(line);
    snprintf(what, sizeof what, "its entry counted %"PRIu64" packets",
             flow_stats(&p[1], 1, 5).n_packets);
    check(flow_stats(&p[1], 1, 5).n_packets == 20, what);

    ds_destroy(&reason);
    for (int i = 1; i <= 2; i++) {
        mf_cache_close(p[i].cache);
    }
}

/* The id of the XDP program on 'ifindex' (generic mode), 0 if none. */
static uint32_t
xdp_prog_id(uint32_t ifindex)
{
    LIBBPF_OPTS(bpf_xdp_query_opts, q);

    return bpf_xdp_query(ifindex, 0, &q) ? 0 : q.skb_prog_id;
}

/* The child: caches on pa and pb with recorded ARP and ICMP flows, 'n'
 * pings through them, then death without a detach. */
static void
takeover_child(int n)
{
    struct mf_xlate_ports ports = { .lookup = port_lookup };
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct port p[3];
    char cmd[128], *line;
    int e = 0;

    for (int i = 1; i <= 2; i++) {
        struct mf_cache_opts o = {
            .ifindex = ifindexes[i], .name = i == 1 ? "pa" : "pb",
            .attach = true, .mode = MF_CACHE_XDP_GENERIC,
        };
        struct mf_err err;
        char flow[256], out[8];

        memset(&p[i], 0, sizeof p[i]);
        if (mf_cache_open(&o, &p[i].cache, &err)) {
            printf("FAIL: %s\n", err.msg);
            _exit(1);
        }
        mf_cache_set_in_port(p[i].cache, i);
        p[i].env.ports = &ports;
        p[i].env.generic = true;
        snprintf(out, sizeof out, "%d", 3 - i);
        snprintf(flow, sizeof flow, "in_port(%d),eth(),eth_type(0x0806),"
                 "arp()", i);
        e |= add_flow(&p[i], i, 1, flow, out, &reason);
        snprintf(flow, sizeof flow, "in_port(%d),eth(),eth_type(0x0800),"
                 "ipv4(proto=1,frag=no),icmp()", i);
        e |= add_flow(&p[i], i, 2, flow, out, &reason);
    }
    snprintf(cmd, sizeof cmd, "ping -q -c %d -i 0.2 -w 10 10.9.0.2 | grep "
             "transmitted", n);
    line = ns_output(ns_a, cmd);
    printf("the dying process: %s\n", line);
    fflush(stdout);
    /* No mf_cache_close(): a crash. */
    _exit(e || !strstr(line, " 0% packet loss"));
}

/* What takeover_port() reads the records into. */
struct takeover {
    struct mf_cache *cache;
    struct mf_cache_xlate_env env;
    int n;                      /* Flows read back and added. */
    uint32_t icmp_idx;          /* The ICMP flow's counters in the dead
                                 * cache. */
};

static void
takeover_record(const struct mf_ufid *ufid, const struct mf_xrecord *rec,
                void *t_)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct takeover *t = t_;
    const struct nlattr *actions;
    struct mf_cache_flow cf;
    size_t actions_len;
    struct match match;
    struct mf_err err;

    err.msg[0] = '\0';
    if (mf_crecord_decode(rec, sizeof *rec, &match, &actions, &actions_len,
                          &err)
        || mf_cache_xlate(&match, match.flow.in_port.odp_port, actions,
                          actions_len, &t->env, &cf, &reason)
        || mf_cache_add(t->cache, ufid, &cf, &err)) {
        printf("FAIL: a flow read back: %s%s\n", ds_cstr(&reason), err.msg);
        failures++;
    } else {
        t->n++;
        if (ufid->u32[0] == 2) {
            t->icmp_idx = rec->stats_idx;
        }
    }
    ds_destroy(&reason);
}

/* Reads the records the dead process left on odp port 'i', and puts a
 * cache with their flows in its cache's place.  Returns the new cache,
 * and the dead one's counters of the ICMP flow in 'old'. */
static struct mf_cache *
takeover_port(int i, struct mf_flow_stats *old)
{
    struct mf_xlate_ports ports = { .lookup = port_lookup };
    const char *name = i == 1 ? "pa" : "pb";
    struct mf_cache_opts o = {
        .ifindex = ifindexes[i], .name = name, .attach = false,
    };
    struct takeover t = { .env = { .ports = &ports, .generic = true },
                          .icmp_idx = UINT32_MAX };
    struct mf_cadopt *prior;
    struct mf_err err;
    char what[256];

    if (mf_cadopt_open(ifindexes[i], name, &prior, &err) || !prior) {
        printf("FAIL: %s: the dead process's cache not found\n", name);
        exit(1);
    }
    if (mf_cache_open(&o, &t.cache, &err)) {
        printf("FAIL: %s\n", err.msg);
        exit(1);
    }
    mf_cache_set_in_port(t.cache, i);
    mf_cadopt_read(prior, takeover_record, &t);
    snprintf(what, sizeof what, "%s: %d flows read back and added (2 "
             "expected)", name, t.n);
    check(t.n == 2 && t.icmp_idx != UINT32_MAX, what);
    if (mf_cache_take_place(t.cache, mf_cadopt_prog_fd(prior),
                            mf_cadopt_attach(prior), MF_CACHE_XDP_GENERIC,
                            &err)) {
        printf("FAIL: %s\n", err.msg);
        exit(1);
    }
    mf_cache_grace_period();
    memset(old, 0, sizeof *old);
    mf_cadopt_stats(prior, t.icmp_idx, old);
    mf_cadopt_close(prior, ifindexes[i], false);
    return t.cache;
}

static void
run_takeover(void)
{
    const int n_before = 3, n_during = 60;
    struct mf_cache *c[3];
    struct mf_flow_stats old[3];
    uint32_t dead_id[3];
    char what[256], *line;
    pid_t pid;
    int status;

    printf("-- a restart after a crash (generic XDP)\n");
    pid = fork();
    if (!pid) {
        takeover_child(n_before);
    }
    waitpid(pid, &status, 0);
    check(WIFEXITED(status) && !WEXITSTATUS(status),
          "the dying process pinged through its caches");
    for (int i = 1; i <= 2; i++) {
        dead_id[i] = xdp_prog_id(ifindexes[i]);
        check(dead_id[i] != 0, "its cache stays on the hook after it died");
    }

    /* A ping through the dead caches, and through the new ones once they
     * are in place. */
    sh("ip netns exec %s ping -q -c %d -i 0.05 -w 20 10.9.0.2 "
       "> /tmp/mfcn-%d.ping 2>&1 & echo $! > /tmp/mfcn-%d.pid", ns_a,
       n_during, (int) getpid(), (int) getpid());
    usleep(1000 * 1000);
    for (int i = 1; i <= 2; i++) {
        c[i] = takeover_port(i, &old[i]);
    }
    for (int i = 1; i <= 2; i++) {
        uint32_t now = xdp_prog_id(ifindexes[i]);
        int fd = bpf_prog_get_fd_by_id(dead_id[i]);

        snprintf(what, sizeof what, "%s: the new cache's program (id %"PRIu32
                 ") in the place of the dead one's (id %"PRIu32"), which is "
                 "gone from the kernel", i == 1 ? "pa" : "pb", now,
                 dead_id[i]);
        check(now && now != dead_id[i] && fd < 0 && errno == ENOENT, what);
        if (fd >= 0) {
            close(fd);
        }
    }
    sh("while kill -0 $(cat /tmp/mfcn-%d.pid) 2>/dev/null; do sleep 0.2; "
       "done", (int) getpid());
    snprintf(what, sizeof what, "grep transmitted /tmp/mfcn-%d.ping",
             (int) getpid());
    line = ns_output(ns_a, what);
    snprintf(what, sizeof what, "the ping across the restart: %s", line);
    check(strstr(line, " 0% packet loss") != NULL
          && strstr(line, "60 received"), what);
    free(line);
    for (int i = 1; i <= 2; i++) {
        struct mf_ufid ufid = { .u32 = { 2, i } };
        struct mf_flow_stats now;
        uint64_t total;

        memset(&now, 0, sizeof now);
        mf_cache_stats(c[i], &ufid, &now);
        total = old[i].n_packets + now.n_packets;
        snprintf(what, sizeof what, "%s's ICMP flow: %"PRIu64" packets in "
                 "the dead cache, %"PRIu64" in the new one: %"PRIu64" (%d "
                 "expected), %"PRIu64" bytes", i == 1 ? "pa" : "pb",
                 old[i].n_packets, now.n_packets, total, n_before + n_during,
                 old[i].n_bytes + now.n_bytes);
        check(total == (uint64_t) (n_before + n_during)
              && old[i].n_bytes + now.n_bytes == total * 98
              && old[i].n_packets > 0 && now.n_packets > 0, what);
        mf_cache_close(c[i]);
    }
    sh("rm -f /tmp/mfcn-%d.ping /tmp/mfcn-%d.pid", (int) getpid(),
       (int) getpid());
}

int
main(void)
{
    int rc = make_topology();

    if (rc) {
        return rc;
    }
    run_mode(MF_CACHE_XDP_GENERIC);
    run_mode(MF_CACHE_XDP_NATIVE);
    run_churn(2000);
    run_takeover();
    if (failures) {
        printf("FAIL: %d checks failed\n", failures);
        return 1;
    }
    printf("PASS\n");
    return 0;
}

/*
 * mf-bench-ceiling: the kernel benchmark's ceiling (mf-bench-offload.h):
 * what the kernel alone costs for the filters megaflower would install,
 * encoded beforehand with megaflower's translation and sent by a bare
 * netlink sender in batches, one acknowledgement each (and again with an
 * echo of each), dumped terse and in full with nothing decoded; and
 * iproute2's `tc -b` with the same filters as tc(8) lines.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "mf-bench-clock.h"
#include "mf-bench-dev.h"
#include "mf-bench-flows.h"
#include "mf-bench-offload.h"
#include "mf-caps.h"
#include "mf-filter.h"
#include "mf-tc.h"
#include "mf-xlate.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

/* The ceiling's ports for megaflower's translation. */
static enum mf_port_kind
ceil_lookup(odp_port_t port, uint32_t *ifindex, void *aux OVS_UNUSED)
{
    int p = odp_to_u32(port);

    if (p < MF_BENCH_PORT_IN || p > MF_BENCH_PORT_VXLAN) {
        return MF_PORT_NONE;
    }
    *ifindex = if_nametoindex(p == MF_BENCH_PORT_VXLAN ? "vxlan_sys_4789"
                              : devs[p - MF_BENCH_PORT_IN]);
    return p == MF_BENCH_PORT_VXLAN ? MF_PORT_TUNNEL : MF_PORT_NETDEV;
}

static odp_port_t
ceil_from_ifindex(uint32_t ifindex OVS_UNUSED, void *aux OVS_UNUSED)
{
    return ODPP_NONE;
}

static bool
ceil_always_keyed(odp_port_t port, void *aux OVS_UNUSED)
{
    return odp_to_u32(port) == MF_BENCH_PORT_VXLAN;
}

/* Encodes 'n' flows of 'w' as RTM_NEWTFILTER requests with ACK, one after
 * the other in one buffer. */
static uint8_t *
ceiling_encode(const struct mf_bench_workload *w, size_t n, size_t *sizep,
               struct ceiling *c)
{
    static const struct mf_xlate_ports ports = {
        .lookup = ceil_lookup, .from_ifindex = ceil_from_ifindex,
        .recirc_shared = true, .always_keyed = ceil_always_keyed,
    };
    struct match *matches;
    struct ofpbuf *acts;
    struct mf_filter *f = xmalloc(sizeof *f);
    struct ds reason = DS_EMPTY_INITIALIZER;
    uint32_t in_ifindex = 0;
    size_t size = 0, room = n * 1024;
    uint8_t *buf = xmalloc(room);

    ceil_lookup(u32_to_odp(w->in_port), &in_ifindex, NULL);
    make_flows(w, n, MF_BENCH_PORT_OUT, &matches, &acts);
    for (size_t i = 0; i < n; i++) {
        static uint8_t msg[MF_MSG_SIZE];
        struct nlmsghdr *nlh;
        ovs_u128 ufid;

        ds_clear(&reason);
        if (mf_xlate_to_filter(&matches[i], u32_to_odp(w->in_port),
                               acts[i].data, acts[i].size, &ports, f,
                               &reason)) {
            snprintf(c->error, sizeof c->error, "flow %zu refused: %s", i,
                     ds_cstr(&reason));
            free(buf);
            buf = NULL;
            break;
        }
        mf_bench_make_ufid(&ufid, w, i);
        f->ifindex = in_ifindex;
        f->parent = MF_TC_INGRESS;
        f->prio = 0x4d00;
        f->cookie_len = sizeof ufid;
        memcpy(f->cookie, &ufid, sizeof ufid);
        nlh = mf_filter_encode(msg, RTM_NEWTFILTER,
                               NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, f,
                               true);
        nlh->nlmsg_seq = i + 1;
        if (size + NLMSG_ALIGN(nlh->nlmsg_len) > room) {
            room *= 2;
            buf = xrealloc(buf, room);
        }
        memcpy(buf + size, nlh, nlh->nlmsg_len);
        size += NLMSG_ALIGN(nlh->nlmsg_len);
        ofpbuf_uninit(&acts[i]);
    }
    free(matches);
    free(acts);
    free(f);
    ds_destroy(&reason);
    *sizep = size;
    return buf;
}

/* Sends the requests in 'buf' in batches of at most 'batch' bytes and
 * reads every acknowledgement (and with 'echo', every echo: each request
 * asks for one, as megaflower's do).  Returns the number of errors. */
static uint64_t
ceiling_send(struct mnl_socket *nl, uint8_t *buf, size_t size,
             size_t batch, bool echo, struct ceiling *c)
{
    static uint8_t rbuf[1 << 20];
    uint64_t n_failed = 0;
    size_t ofs = 0;

    while (ofs < size) {
        size_t len = 0;
        uint32_t last = 0;

        /* Whole messages up to 'batch' bytes. */
        while (ofs + len < size) {
            struct nlmsghdr *nlh = (void *) (buf + ofs + len);
            size_t l = NLMSG_ALIGN(nlh->nlmsg_len);

            if (len && len + l > batch) {
                break;
            }
            if (echo) {
                nlh->nlmsg_flags |= NLM_F_ECHO;
            }
            len += l;
            last = nlh->nlmsg_seq;
        }
        if (mnl_socket_sendto(nl, buf + ofs, len) < 0) {
            ovs_fatal(errno, "ceiling: sendto");
        }
        ofs += len;

        /* Acknowledgements, until the batch's last one. */
        for (bool done = false; !done;) {
            ssize_t r = mnl_socket_recvfrom(nl, rbuf, sizeof rbuf);
            const struct nlmsghdr *nlh;

            if (r < 0) {
                ovs_fatal(errno, "ceiling: recvfrom");
            }
            for (nlh = (const void *) rbuf; mnl_nlmsg_ok(nlh, r);
                 nlh = mnl_nlmsg_next(nlh, (int *) &r)) {
                if (nlh->nlmsg_type == NLMSG_ERROR) {
                    const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

                    if (e->error) {
                        if (!n_failed) {
                            snprintf(c->error, sizeof c->error,
                                     "request %"PRIu32": %s",
                                     nlh->nlmsg_seq,
                                     ovs_strerror(-e->error));
                        }
                        n_failed++;
                    }
                    if (nlh->nlmsg_seq == last) {
                        done = true;
                    }
                }
            }
        }
    }
    return n_failed;
}

static const size_t ceiling_chunks[] = { 64 * 1024, 16 * 1024, 3584 };

void
run_ceiling(const struct mf_bench_workload *w, size_t n, struct ceiling *c)
{
    struct mnl_socket *nl;
    size_t size;
    uint8_t *buf;
    int one = 1, rcvbuf = 4 << 20;
    uint64_t n_found;
    double t;

    uint32_t ifindex = if_nametoindex(w->in_port == MF_BENCH_PORT_VXLAN
                                      ? "vxlan_sys_4789" : devs[0]);
    struct mf_err err;

    memset(c, 0, sizeof *c);
    if (mf_tc_ensure_hook(ifindex, MF_TC_INGRESS, &err)) {
        snprintf(c->error, sizeof c->error, "ingress hook: %.200s", err.msg);
        c->n_failed = n;
        return;
    }
    /* What megaflower's translation may use: as its provider probes. */
    mf_caps_probe(ifindex, MF_TC_INGRESS);
    buf = ceiling_encode(w, n, &size, c);
    if (!buf) {
        c->n_failed = n;
        return;
    }
    nl = mnl_socket_open(NETLINK_ROUTE);
    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        ovs_fatal(errno, "ceiling: netlink socket");
    }
    mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof one);
    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
               sizeof rcvbuf);

    /* The kernel's best: the fastest of three sendmsg sizes (64 KB is
     * what megaflower sends of requests without echo). */
    for (size_t i = 0; i < ARRAY_SIZE(ceiling_chunks); i++) {
        double rate;

        if (i) {
            mf_bench_clear_tc(tc_path, devs);
            if (mf_tc_ensure_hook(ifindex, MF_TC_INGRESS, &err)) {
                ovs_fatal(0, "ceiling: ingress hook: %s", err.msg);
            }
        }
        t = mf_bench_wall();
        c->n_failed += ceiling_send(nl, buf, size, ceiling_chunks[i], false,
                                    c);
        rate = n / (mf_bench_wall() - t);
        c->batch = MAX(c->batch, rate);
    }

    c->dump = mf_bench_tc_dump(nl, ifindex, true, &n_found);
    if (n_found != n && !c->n_failed++) {
        snprintf(c->error, sizeof c->error, "terse dump found %"PRIu64,
                 n_found);
    }
    c->dump_full = mf_bench_tc_dump(nl, ifindex, false, &n_found);
    if (n_found != n && !c->n_failed++) {
        snprintf(c->error, sizeof c->error, "full dump found %"PRIu64,
                 n_found);
    }

    /* The insertion again, each filter echoed as megaflower asks. */
    mf_bench_clear_tc(tc_path, devs);
    if (mf_tc_ensure_hook(ifindex, MF_TC_INGRESS, &err)) {
        ovs_fatal(0, "ceiling: ingress hook: %s", err.msg);
    }
    t = mf_bench_wall();
    /* In sendmsgs of 3.5 KB, as megaflower sends echoed requests (see
     * MF_NL_ECHO_CHUNK_BYTES in netdev-offload/tc/mf-nl.c). */
    c->n_failed += ceiling_send(nl, buf, size, 3584, true, c);
    c->batch_echo = n / (mf_bench_wall() - t);

    mnl_socket_close(nl);
    free(buf);
}

/* tc -b with the same filters. */
double
run_tc_batch(const struct mf_bench_workload *w, size_t n, struct ceiling *c)
{
    const struct mf_bench_devs d = {
        devs[0], devs[1], devs[2], "vxlan_sys_4789",
    };
    char path[] = "/tmp/mf-bench-tc.XXXXXX";
    struct ds line = DS_EMPTY_INITIALIZER;
    char cmd[256];
    double t;
    FILE *f;
    int fd, status;

    fd = mkstemp(path);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        ovs_fatal(errno, "%s", path);
    }
    fprintf(f, "qdisc add dev %s ingress\n",
            w->in_port == MF_BENCH_PORT_VXLAN ? d.vxlan : d.in);
    for (size_t i = 0; i < n; i++) {
        ds_clear(&line);
        w->tc(i, &d, 0x4d00, &line);
        fputs(ds_cstr(&line), f);
    }
    fclose(f);
    ds_destroy(&line);

    snprintf(cmd, sizeof cmd, "%s -b %s", tc_path, path);
    t = mf_bench_wall();
    status = system(cmd);
    t = mf_bench_wall() - t;
    unlink(path);
    if (status) {
        snprintf(c->error + strlen(c->error),
                 sizeof c->error - strlen(c->error),
                 "%stc -b failed (status %d)", c->error[0] ? "; " : "",
                 status);
        return 0;
    }
    return n / t;
}

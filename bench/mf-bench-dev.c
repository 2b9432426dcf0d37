/* mf-bench-dev: the devices and the process around the flows. */
#include <config.h>
#include "mf-bench-dev.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "dpif.h"
#include "mf-bench-clock.h"
#include "mf-bench-flows.h"
#include "mf-filter.h"
#include "mf-tc.h"
#include "netdev.h"
#include "netdev-offload.h"
#include "netdev-offload-provider.h"
#include "netlink-socket.h"
#include "odp-util.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "smap.h"
#include "util.h"

void
mf_bench_clear_tc(const char *tc_path, const char *const devs[4])
{
    for (int i = 0; i < 4; i++) {
        char cmd[128];

        snprintf(cmd, sizeof cmd, "%s qdisc del dev %s ingress 2>/dev/null; "
                 "%s qdisc del dev %s clsact 2>/dev/null", tc_path, devs[i],
                 tc_path, devs[i]);
        if (system(cmd) < 0) {
            ovs_fatal(errno, "system");
        }
    }
}

size_t
mf_bench_rss_bytes(void)
{
    unsigned long size, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f) {
        if (fscanf(f, "%lu %lu", &size, &resident) != 2) {
            resident = 0;
        }
        fclose(f);
    }
    return resident * sysconf(_SC_PAGESIZE);
}

void
mf_bench_make_ufid(ovs_u128 *ufid, const struct mf_bench_workload *w, uint32_t i)
{
    ufid->u32[0] = i;
    ufid->u32[1] = w - mf_bench_workloads;
    ufid->u32[2] = 0x6d66626e;
    ufid->u32[3] = 0x63680000;
}

struct netdev *
mf_bench_open_ports(const char *const devs[4],
                    const struct mf_bench_workload *w)
{
    static const int odp[4] = {
        MF_BENCH_PORT_IN, MF_BENCH_PORT_OUT, MF_BENCH_PORT_ALT,
        MF_BENCH_PORT_VXLAN,
    };
    struct netdev *in = NULL;

    for (int i = 0; i < 4; i++) {
        struct dpif_port dp = {
            .name = CONST_CAST(char *, devs[i]),
            .type = CONST_CAST(char *, i == 3 ? "vxlan" : "system"),
            .port_no = u32_to_odp(odp[i]),
        };
        struct netdev *netdev;
        int error;

        if (i == 3) {
            /* OVS's VXLAN port, whose kernel device is vxlan_sys_4789. */
            struct smap args = SMAP_INITIALIZER(&args);
            char *err = NULL;

            error = netdev_open("mfbvx", "vxlan", &netdev);
            if (!error) {
                smap_add(&args, "remote_ip", "flow");
                smap_add(&args, "key", "flow");
                error = netdev_set_config(netdev, &args, &err);
                if (err) {
                    fprintf(stderr, "vxlan port: %s\n", err);
                    free(err);
                }
            }
            smap_destroy(&args);
        } else {
            error = netdev_open(devs[i], "system", &netdev);
        }
        if (error) {
            ovs_fatal(error, "%s: cannot open", devs[i]);
        }
        netdev_set_dpif_type(netdev, "system");
        dp.name = CONST_CAST(char *, netdev_get_name(netdev));
        error = netdev_ports_insert(netdev, &dp);
        if (error && error != EEXIST) {   /* EEXIST: MF_BENCH_NOFORK. */
            ovs_fatal(error, "%s: cannot insert", devs[i]);
        }
        if (odp[i] == w->in_port) {
            in = netdev;
        }
    }
    return in;
}

double
mf_bench_tc_dump(struct mnl_socket *nl, uint32_t ifindex, bool terse,
                 uint64_t *n_found)
{
    static uint8_t rbuf[1 << 20];
    static uint8_t req[MF_MSG_SIZE];
    struct nlmsghdr *nlh = mf_tc_dump_request(req, ifindex, MF_TC_INGRESS,
                                              terse);
    uint64_t n = 0;
    double t;

    nlh->nlmsg_flags |= NLM_F_DUMP;
    nlh->nlmsg_seq = 0x7fffffff;
    t = mf_bench_wall();
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
        ovs_fatal(errno, "tc dump: request");
    }
    for (bool done = false; !done;) {
        ssize_t r = mnl_socket_recvfrom(nl, rbuf, sizeof rbuf);
        const struct nlmsghdr *m;

        if (r < 0) {
            ovs_fatal(errno, "tc dump");
        }
        for (m = (const void *) rbuf; mnl_nlmsg_ok(m, r);
             m = mnl_nlmsg_next(m, (int *) &r)) {
            if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR) {
                done = true;
            } else if (m->nlmsg_type == RTM_NEWTFILTER
                       && ((const struct tcmsg *)
                           mnl_nlmsg_get_payload(m))->tcm_handle) {
                n++;
            }
        }
    }
    *n_found = n;
    return n / (mf_bench_wall() - t);
}

int
mf_bench_flow_dump(const struct netdev_flow_api *api, struct netdev *netdev,
                   bool terse, uint64_t *n_found)
{
    struct netdev_flow_dump *dump;
    struct ofpbuf rbuffer;
    uint64_t n = 0;
    int error;

    ofpbuf_init(&rbuffer, NL_DUMP_BUFSIZE);
    error = api->flow_dump_create(netdev, &dump, terse);
    if (!error) {
        for (;;) {
            struct odputil_keybuf actbuf;
            struct dpif_flow_stats stats;
            struct dpif_flow_attrs attrs;
            struct nlattr *actions;
            struct ofpbuf wbuffer;
            struct match match;
            ovs_u128 ufid;

            ofpbuf_use_stack(&wbuffer, &actbuf, sizeof actbuf);
            if (!api->flow_dump_next(dump, &match, &actions, &stats, &attrs,
                                     &ufid, &rbuffer, &wbuffer)) {
                break;
            }
            n++;
        }
        api->flow_dump_destroy(dump);
    }
    ofpbuf_uninit(&rbuffer);
    *n_found = n;
    return error;
}

/*
 * mf-bench-xlate: the host-only micro-benchmark of issue 5.
 *
 * How many megaflows per second one core turns into tc netlink messages:
 * megaflower's translation (mf_xlate_to_filter()) plus the encoding of the
 * RTM_NEWTFILTER request (mf_filter_encode()), which is all flow_put does
 * before it talks to the kernel.  No kernel is needed.
 *
 *   mf-bench-xlate [-n FLOWS] [-t SECONDS] [--json FILE]
 *
 * Each workload's FLOWS distinct megaflows are parsed first (not timed);
 * then they are translated and encoded round after round until SECONDS
 * have passed.  Upstream's linux_tc cannot be timed this way: its
 * translation (netdev_tc_flow_put()) is one function with the netlink
 * transaction, so it is measured only by the kernel benchmark.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <linux/rtnetlink.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mf-bench-clock.h"
#include "mf-bench-flows.h"
#include "mf-caps.h"
#include "mf-filter.h"
#include "mf-tc.h"
#include "mf-xlate.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "util.h"

static enum mf_port_kind
lookup(odp_port_t port, uint32_t *ifindex, void *aux OVS_UNUSED)
{
    *ifindex = 7;
    return (odp_to_u32(port) == MF_BENCH_PORT_VXLAN ? MF_PORT_TUNNEL
            : MF_PORT_NETDEV);
}

static bool
always_keyed(odp_port_t port, void *aux OVS_UNUSED)
{
    return odp_to_u32(port) == MF_BENCH_PORT_VXLAN;
}

static odp_port_t
from_ifindex(uint32_t ifindex OVS_UNUSED, void *aux OVS_UNUSED)
{
    return u32_to_odp(3);
}

/* Runs workload 'w' over 'n' flows for 'seconds'; returns flows per CPU
 * second, or -1 if a flow was refused (printed). */
static double
run(const struct mf_bench_workload *w, size_t n, double seconds)
{
    static const struct mf_xlate_ports ports = {
        .lookup = lookup, .from_ifindex = from_ifindex,
        .always_keyed = always_keyed,
    };
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct match *matches = xcalloc(n, sizeof *matches);
    struct ofpbuf *acts = xcalloc(n, sizeof *acts);
    static uint8_t msg[MF_MSG_SIZE];
    struct mf_filter *f = xmalloc(sizeof *f);
    double start, cpu, rate = -1;
    uint64_t done = 0, bytes = 0;

    for (size_t i = 0; i < n; i++) {
        mf_bench_make(w, i, MF_BENCH_PORT_OUT, &matches[i], &acts[i]);
    }

    start = mf_bench_wall();
    cpu = mf_bench_cpu();
    do {
        for (size_t i = 0; i < n; i++) {
            struct nlmsghdr *nlh;

            ds_clear(&reason);
            if (mf_xlate_to_filter(&matches[i], u32_to_odp(w->in_port),
                                   acts[i].data,
                                   acts[i].size, &ports, f, &reason)) {
                fprintf(stderr, "%s: flow %zu refused: %s\n", w->name, i,
                        ds_cstr(&reason));
                goto out;
            }
            f->ifindex = 7;
            f->parent = MF_TC_INGRESS;
            f->prio = 0x4d00;
            f->cookie_len = 16;
            memset(f->cookie, i, 16);
            nlh = mf_filter_encode(msg, RTM_NEWTFILTER,
                                   NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO,
                                   f, true);
            bytes += nlh->nlmsg_len;
        }
        done += n;
    } while (mf_bench_wall() - start < seconds);
    rate = done / (mf_bench_cpu() - cpu);
    printf("%-12s %8zu %12.0f %10.0f\n", w->name, n, rate,
           (double) bytes / done);

out:
    for (size_t i = 0; i < n; i++) {
        ofpbuf_uninit(&acts[i]);
    }
    free(acts);
    free(matches);
    free(f);
    ds_destroy(&reason);
    return rate;
}

int
main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "json", required_argument, NULL, 'j' },
        { NULL, 0, NULL, 0 },
    };
    const char *json = NULL;
    double seconds = 1.0;
    size_t n = 10000;
    const char *only = NULL;
    double rates[8];
    bool ok = true;
    int c;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);
    while ((c = getopt_long(argc, argv, "n:t:w:", options, NULL)) != -1) {
        switch (c) {
        case 'w':
            only = optarg;
            break;
        case 'n':
            n = strtoul(optarg, NULL, 10);
            break;
        case 't':
            seconds = strtod(optarg, NULL);
            break;
        case 'j':
            json = optarg;
            break;
        default:
            fprintf(stderr, "usage: %s [-n FLOWS] [-t SECONDS] [-w WORKLOAD] "
                    "[--json FILE]\n", argv[0]);
            return EXIT_FAILURE;
        }
    }
    if (!n || n > (1u << 24)) {
        fprintf(stderr, "%s: -n must be 1 to 16777216\n", argv[0]);
        return EXIT_FAILURE;
    }

    printf("translate + encode, one core (flows per CPU second)\n");
    printf("%-12s %8s %12s %10s\n", "workload", "flows", "flows/s",
           "bytes/msg");
    mf_caps_assume_all();           /* No kernel to probe. */
    for (size_t i = 0; i < mf_bench_n_workloads; i++) {
        if (only && strcmp(only, mf_bench_workloads[i].name)) {
            rates[i] = 0;
            continue;
        }
        rates[i] = run(&mf_bench_workloads[i], n, seconds);
        ok &= rates[i] >= 0;
    }
    printf("linux_tc: not measurable here (its translation and its netlink "
           "transaction are one function)\n");

    if (json) {
        FILE *file = fopen(json, "w");

        if (!file) {
            fprintf(stderr, "%s: %s\n", json, ovs_strerror(errno));
            return EXIT_FAILURE;
        }
        fprintf(file, "{\"benchmark\": \"translate+encode\", \"flows\": %zu, "
                "\"seconds\": %g, \"flows_per_cpu_second\": {", n, seconds);
        for (size_t i = 0; i < mf_bench_n_workloads; i++) {
            fprintf(file, "%s\"%s\": %.0f", i ? ", " : "",
                    mf_bench_workloads[i].name, rates[i]);
        }
        fprintf(file, "}}\n");
        fclose(file);
    }
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

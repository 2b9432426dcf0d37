/*
 * mf-bench-route: the cost of one route change with many tunnel flows
 * installed (issue 4).
 *
 *   mf-bench-route [-n FLOWS] [-a AFFECTED] [--json FILE]
 *
 * Run it in tests/mf-tnl-topo.sh's namespace mfr (make bench-route does).
 * FLOWS tunnel flows are subscribed to the resolver, each to its own
 * endpoint 10.64.0.0 + i, all on the default route via up0, with the next
 * hops' neighbours made permanent so that every flow is READY.  Then a
 * route covering the first AFFECTED endpoints (a /P prefix, AFFECTED a
 * power of two) is added via up1, and later deleted; last, for scale, the
 * default route that every flow then depends on is replaced.  For each event it
 * reports the endpoints re-evaluated, the flows told of a change, and the
 * time from the change to the last re-evaluation (wall) and the CPU time
 * the resolver spent (run).  Work must follow the affected flows, not the
 * total: run it with different FLOWS and the same AFFECTED to compare.
 */
#include <config.h>

#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mf-bench-clock.h"
#include "mf-fib.h"
#include "mf-tnl.h"
#include "util.h"

struct bflow {
    struct mf_tnl_watch watch;
    struct mf_tnl_route route;
};

static uint64_t n_changed_flows;

static void
changed(struct mf_tnl_watch *w, const struct mf_tnl_route *r)
{
    struct bflow *f = CONTAINER_OF(w, struct bflow, watch);

    f->route = *r;
    n_changed_flows++;
}

static void
run(const char *cmd)
{
    if (system(cmd)) {
        fprintf(stderr, "mf-bench-route: '%s' failed\n", cmd);
        exit(1);
    }
}

struct result {
    const char *event;
    uint64_t reevaluated;
    uint64_t notified;
    double wall_ms;
    double run_cpu_ms;
};

/* Makes the change 'cmd', then runs the resolver until 'expect' flows have
 * been told of a change (or 10 s pass). */
static struct result
measure(struct mf_tnl *tnl, const char *event, const char *cmd,
        uint64_t expect)
{
    struct pollfd pfd = { .fd = mf_tnl_fd(tnl), .events = POLLIN };
    struct mf_tnl_stats before, after;
    struct result r = { .event = event };
    double t0, deadline, busy = 0;

    mf_tnl_get_stats(tnl, &before);
    n_changed_flows = 0;
    run(cmd);
    t0 = mf_bench_wall();
    deadline = t0 + 10;
    while (n_changed_flows < expect && mf_bench_wall() < deadline) {
        double c0;

        poll(&pfd, 1, 100);
        c0 = mf_bench_cpu();
        mf_tnl_run(tnl);
        busy += mf_bench_cpu() - c0;
    }
    r.wall_ms = (mf_bench_wall() - t0) * 1e3;
    /* Anything still queued for this event is counted too. */
    for (int i = 0; i < 3; i++) {
        double c0;

        poll(&pfd, 1, 100);
        c0 = mf_bench_cpu();
        mf_tnl_run(tnl);
        busy += mf_bench_cpu() - c0;
    }
    mf_tnl_get_stats(tnl, &after);
    r.reevaluated = after.n_reevaluated - before.n_reevaluated;
    r.notified = after.n_notified - before.n_notified;
    r.run_cpu_ms = busy * 1e3;
    return r;
}

int
main(int argc, char *argv[])
{
    static const struct option opts[] = {
        { "json", required_argument, NULL, 'j' },
        { NULL, 0, NULL, 0 },
    };
    uint32_t n = 100000, affected = 1024;
    const char *json = NULL;
    struct result res[3];
    struct bflow *flows;
    struct mf_tnl *tnl;
    struct mf_err err;
    char cmd[256];
    double t0, c0;
    int plen, c;

    while ((c = getopt_long(argc, argv, "n:a:", opts, NULL)) != -1) {
        switch (c) {
        case 'n': n = strtoul(optarg, NULL, 0); break;
        case 'a': affected = strtoul(optarg, NULL, 0); break;
        case 'j': json = optarg; break;
        default:
            fprintf(stderr, "usage: %s [-n FLOWS] [-a AFFECTED] "
                    "[--json FILE]\n", argv[0]);
            return 2;
        }
    }
    if (!affected || affected & (affected - 1) || affected > n
        || n > (1u << 20)) {
        fprintf(stderr, "mf-bench-route: AFFECTED must be a power of two "
                "up to FLOWS, FLOWS at most 2^20\n");
        return 2;
    }
    plen = 32 - __builtin_ctz(affected);

    run("ip neigh replace 10.0.1.2 lladdr 02:00:00:00:01:02 dev up0 "
        "nud permanent");
    run("ip neigh replace 10.0.2.2 lladdr 02:00:00:00:02:02 dev up1 "
        "nud permanent");
    tnl = mf_tnl_create(0, &err);
    if (!tnl) {
        fprintf(stderr, "mf-bench-route: %s\n", err.msg);
        return 1;
    }
    flows = xcalloc(n, sizeof *flows);
    t0 = mf_bench_wall();
    c0 = mf_bench_cpu();
    for (uint32_t i = 0; i < n; i++) {
        struct mf_fib_query q = { .ip_proto = IPPROTO_UDP, .dport = 4789 };
        uint32_t a = htonl(0x0a400000 + i);     /* 10.64.0.0 + i */

        q.dst.family = AF_INET;
        memcpy(q.dst.b, &a, 4);
        flows[i].watch.changed = changed;
        mf_tnl_watch(tnl, &q, &flows[i].watch, &flows[i].route);
        if (flows[i].route.status != MF_TNL_READY) {
            fprintf(stderr, "mf-bench-route: flow %u not ready: %s\n", i,
                    flows[i].route.reason);
            return 1;
        }
    }
    double install_s = mf_bench_wall() - t0, install_cpu = mf_bench_cpu() - c0;
    mf_tnl_run(tnl);

    snprintf(cmd, sizeof cmd, "ip route add 10.64.0.0/%d via 10.0.2.2",
             plen);
    res[0] = measure(tnl, "more specific route added", cmd, affected);
    snprintf(cmd, sizeof cmd, "ip route del 10.64.0.0/%d", plen);
    res[1] = measure(tnl, "that route deleted", cmd, affected);
    /* For scale: a change that every flow depends on. */
    res[2] = measure(tnl, "default route replaced",
                     "ip route replace default via 10.0.2.2", n);

    printf("tunnel flows %u (one endpoint each), affected %u (10.64.0.0/%d)"
           "\n", n, affected, plen);
    printf("  subscribe: %.0f flows/s wall, %.0f flows/CPU-s "
           "(two kernel route lookups each)\n", n / install_s,
           n / install_cpu);
    for (int i = 0; i < 3; i++) {
        printf("  %-26s re-evaluated %6"PRIu64"  flows changed %6"PRIu64
               "  wall %8.1f ms  resolver CPU %8.1f ms\n", res[i].event,
               res[i].reevaluated, res[i].notified, res[i].wall_ms,
               res[i].run_cpu_ms);
    }
    if (json) {
        FILE *f = fopen(json, "w");

        if (!f) {
            perror(json);
            return 1;
        }
        fprintf(f, "{\"flows\": %u, \"affected\": %u, "
                "\"subscribe_flows_per_s\": %.0f, \"events\": [", n,
                affected, n / install_s);
        for (int i = 0; i < 3; i++) {
            fprintf(f, "%s{\"event\": \"%s\", \"reevaluated\": %"PRIu64", "
                    "\"changed\": %"PRIu64", \"wall_ms\": %.1f, "
                    "\"cpu_ms\": %.1f}", i ? ", " : "", res[i].event,
                    res[i].reevaluated, res[i].notified, res[i].wall_ms,
                    res[i].run_cpu_ms);
        }
        fprintf(f, "]}\n");
        fclose(f);
    }
    for (uint32_t i = 0; i < n; i++) {
        mf_tnl_unwatch(tnl, &flows[i].watch);
    }
    free(flows);
    mf_tnl_destroy(tnl);
    return (res[0].reevaluated == affected && res[1].reevaluated == affected
            && res[2].reevaluated == n ? 0 : 1);
}

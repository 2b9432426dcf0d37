/*
 * mf-cache-netns-del: the flow cache's deletes while frames flow through
 * the entry deleted, in mf-cache-netns's namespaces (mf-cache-netns.h):
 * a delete's final counters are whole, and a delete waits for the
 * program's runs under way (mf-cache-quiesce.h).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mf-cache.h"
#include "mf-cache-adopt.h"
#include "mf-cache-netns.h"
#include "mf-xdp.skel.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

static double
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Moves the count of runs begun ('which' 0) or ended (1) on CPU 0 of the
 * program on 'ifindex' (generic XDP) by one, as a run would, or only
 * reads it ('which' -1); stores the count of runs begun after in '*in'
 * if nonnull. */
static bool
runs_bump(uint32_t ifindex, int which, uint64_t *in)
{
    LIBBPF_OPTS(bpf_xdp_query_opts, q);
    struct mf_xdp__bss *bss;
    uint32_t key = 0;
    bool ok = false;
    int prog_fd, fd;

    if (bpf_xdp_query(ifindex, 0, &q) || !q.skb_prog_id
        || (prog_fd = bpf_prog_get_fd_by_id(q.skb_prog_id)) < 0) {
        return false;
    }
    fd = mf_cadopt_prog_map(prog_fd, "mf_xdp.bss", sizeof key, sizeof *bss);
    close(prog_fd);
    if (fd < 0) {
        return false;
    }
    bss = xmalloc(sizeof *bss);
    if (!bpf_map_lookup_elem(fd, &key, bss)) {
        if (which > 0) {
            bss->mf_runs[0].out++;
        } else if (!which) {
            bss->mf_runs[0].in++;
        }
        ok = which < 0 || !bpf_map_update_elem(fd, &key, bss, BPF_ANY);
        if (in) {
            *in = bss->mf_runs[0].in;
        }
    }
    free(bss);
    close(fd);
    return ok;
}

struct del_arg {
    struct mf_cache *cache;
    struct mf_ufid ufid;
    int done;
};

static void *
del_main(void *arg_)
{
    struct del_arg *arg = arg_;
    struct mf_flow_stats st;
    int e;

    mf_cache_del(arg->cache, &arg->ufid, 1, &st, &e);
    __atomic_store_n(&arg->done, e ? -1 : 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* A delete waits for a run of the program that is under way (one made to
 * look so: its count of runs begun is ahead of the count of runs ended),
 * and goes on as soon as the run ends; and when the run never ends, goes
 * on after a grace period all the same. */
static void
run_quiesce(struct port *p)
{
    struct del_arg arg = { .cache = p->cache, .ufid = { .u32 = { 5000, 1 } } };
    struct ds reason = DS_EMPTY_INITIALIZER;
    bool waited, ended;
    pthread_t t;

    for (int round = 0, attempt = 0; round < 2; round++) {
        uint64_t in_before = 0, in_after = 0;
        double t0, slept;

        arg.done = 0;
        if (add_flow(p, 1, 5000, "in_port(1),eth(),eth_type(0x0800),"
                     "ipv4(proto=17,frag=no),udp(dst=9)", "2", &reason)
            || !runs_bump(ifindexes[1], 0, &in_before)) {
            check(false, "a run made to look under way");
            break;
        }
        t0 = now_us();
        pthread_create(&t, NULL, del_main, &arg);
        usleep(round ? 0 : 50000);
        waited = !__atomic_load_n(&arg.done, __ATOMIC_SEQ_CST);
        slept = now_us() - t0;
        runs_bump(ifindexes[1], -1, &in_after);
        if (!round && !waited && attempt++ < 3
            && (slept >= 90000 || in_after != in_before)) {
            /* This thread woke after the delete's 100 ms of patience
             * (a busy machine), or a frame (any the namespaces' stacks
             * sent) ran the program on CPU 0 meanwhile, and so ended the
             * run made to look under way: it could not tell.
             * Again. */
            if (in_after != in_before) {
                printf("note: %"PRIu64" run(s) of the program on CPU 0 "
                       "meanwhile; again\n", in_after - in_before);
            } else {
                printf("note: woke after %.0f ms, past the delete's "
                       "patience; again\n", slept / 1000);
            }
            runs_bump(ifindexes[1], 1, NULL);
            pthread_join(t, NULL);
            round--;
            continue;
        }
        if (!round) {
            check(waited, "a delete waits while a run is under way");
            runs_bump(ifindexes[1], 1, NULL);
        }
        pthread_join(t, NULL);
        ended = __atomic_load_n(&arg.done, __ATOMIC_SEQ_CST) == 1;
        check(ended, round ? "a delete goes on after a grace period when a "
              "run seems stuck" : "and goes on once the run has ended");
        if (round) {
            runs_bump(ifindexes[1], 1, NULL);
        }
    }
    ds_destroy(&reason);
}

/* An entry deleted and added again, 'rounds' times, while frames flow
 * through it: each frame the program counted as a hit must be in the
 * final counters of exactly one of the entries.  A run of the program
 * still under way when its entry is deleted writes the entry's counters
 * after the delete; the delete waits for such runs before it reads the
 * counters, and before it frees them for the next entry (mf-cache.c's
 * cache_quiesce()).  Reports the mean time of a delete. */
void
run_churn(int rounds)
{
    const char *bdir = getenv("MF_BUILDDIR") ? getenv("MF_BUILDDIR") : ".";
    struct mf_xlate_ports ports = { .lookup = port_lookup };
    struct mf_cache_opts o = {
        .ifindex = ifindexes[1], .name = "pa", .attach = true,
        .mode = MF_CACHE_XDP_GENERIC,
    };
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct mf_cache_info before, after;
    char what[256], *mac_a, *mac_b, pidfile[64];
    uint64_t sum = 0, n_with = 0;
    double del_us = 0;
    struct mf_err err;
    struct port p;

    printf("-- deletes while frames flow (generic XDP)\n");
    memset(&p, 0, sizeof p);
    if (mf_cache_open(&o, &p.cache, &err)) {
        check(false, err.msg);
        return;
    }
    mf_cache_set_in_port(p.cache, 1);
    p.env.ports = &ports;
    p.env.generic = true;
    mac_a = ns_output(ns_a, "cat /sys/class/net/a1/address");
    mac_b = ns_output(ns_b, "cat /sys/class/net/b1/address");
    snprintf(pidfile, sizeof pidfile, "/tmp/mfcn-%d.blast", (int) getpid());
    mf_cache_get_info(p.cache, &before);
    if (sh("ip netns exec %s %s/tests/mf-blast a1 %s %s 10.9.0.1 10.9.0.2 "
           "1 20000 > /dev/null & echo $! > %s", ns_a, bdir, mac_a, mac_b,
           pidfile)) {
        check(false, "mf-blast started");
        return;
    }
    for (int k = 0; k < rounds; k++) {
        struct mf_ufid ufid = { .u32 = { 1000 + k, 1 } };
        struct mf_flow_stats st;
        int e;
        double t;

        if (add_flow(&p, 1, 1000 + k, "in_port(1),eth(),eth_type(0x0800),"
                     "ipv4(proto=17,frag=no),udp(dst=9)", "2", &reason)) {
            check(false, ds_cstr(&reason));
            break;
        }
        usleep(500);
        t = now_us();
        mf_cache_del(p.cache, &ufid, 1, &st, &e);
        del_us += now_us() - t;
        if (e) {
            check(false, "the entry deleted");
            break;
        }
        sum += st.n_packets;
        n_with += st.n_packets > 0;
    }
    sh("kill `cat %s`; rm -f %s", pidfile, pidfile);
    usleep(200000);
    mf_cache_get_info(p.cache, &after);
    snprintf(what, sizeof what, "%d entries, %"PRIu64" of them hit: "
             "%"PRIu64" packets in their final counters, %"PRIu64" hits "
             "counted by the program; a delete took %.0f us on average",
             rounds, n_with, sum, after.hits - before.hits, del_us / rounds);
    check(sum > 0 && n_with > 0 && sum == after.hits - before.hits, what);
    run_quiesce(&p);
    mf_cache_close(p.cache);
    ds_destroy(&reason);
    free(mac_a);
    free(mac_b);
}


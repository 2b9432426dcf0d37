/*
 * mf-soak: the soak of 'make soak' (issue 15).  tests/soak/soak-vm.sh runs
 * it in the VM, on the bench's devices (bench/mf-bench-dev.h).
 *
 *   mf-soak [-n FLOWS] [-t SECONDS] [-b BATCH] [-i SAMPLE_SECONDS]
 *           [-s SEED] [-o SAMPLES] [-l LOG] IN OUT ALT VXLAN
 *
 * megaflower's netdev flow API, in this one process, holds FLOWS
 * megaflows on IN (the four workloads of mf-bench-flows.h whose in_port
 * is IN, in turn; each in its own range of addresses, so that no two
 * matches are the same) and churns them for SECONDS seconds, round after
 * round, as fast as it goes:
 *   - the places whose flow was deleted last round get a new flow (other
 *     addresses), put in megaflower_flow_put_batch() batches of BATCH or,
 *     every fourth round, one by one through flow_put;
 *   - BATCH/2 offloaded flows are modified (the output moved between OUT
 *     and ALT); a failed modify is handled as dpif-netlink handles it
 *     (the flow deleted from the offload, unless megaflower says it is
 *     gone already; it then lives in the kernel datapath);
 *   - BATCH/2 offloaded flows are deleted, and so is every flow that
 *     megaflower refused (as OVS deletes them from the kernel datapath in
 *     time), by megaflower_flow_del_batch() or, every fourth round,
 *     flow_del: an offloaded flow's delete must succeed, a refused one's
 *     must be ENOENT;
 *   - 64 offloaded flows are read back (flow_get): their last output must
 *     be the one last put;
 *   - the revalidators' dump (terse) counts the flows, every tenth round
 *     also dpctl's (full): both must count the flows offloaded; and a bare
 *     netlink dump of IN's filters must count those plus the orphans
 *     (flows deleted whose filter the kernel would not let go yet,
 *     mf-orphan.h).
 * It starts with a fill: every place's flow put, in batches.
 * At the end every flow is deleted, the orphans are retried until none is
 * left, and the kernel must hold no filter.
 *
 * Every SAMPLE_SECONDS (10) a line goes to SAMPLES: seconds, rounds, puts,
 * modifies, deletes, gets, dumps, flows offloaded, filters in the kernel,
 * orphans, failed puts, RSS (KiB) and malloc's in-use bytes (KiB).
 * megaflower's log goes to LOG (INFO and up, as ovs-vswitchd's file).  It
 * prints a summary: the operations a second, the RSS and heap at the end
 * of the warm-up (the first quarter of the run) and at the end, their
 * slopes after the warm-up (least squares, KiB an hour), and the log's
 * lines a second (mean, and the most in one second).  It exits 1 on any
 * mismatch or a filter left behind.  Built with the sanitizers, it runs
 * LeakSanitizer's check before it exits and fails on a leak.
 *
 * Faults come from outside (LD_PRELOAD=tests/mf-fault.so, MF_FAULT_ERRNO):
 * a refused put leaves the flow unoffloaded, a refused delete makes an
 * orphan; the checks above hold all the same.
 */
#include <config.h>

#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <mcheck.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
/* The sanitizers' runtime has it; gcc 12 ships no header that says so. */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#include "dpif.h"
#include "mf-bench-clock.h"
#include "mf-bench-dev.h"
#include "mf-bench-flows.h"
#include "mf-flow.h"
#include "mf-orphan.h"
#include "mf-shape.h"
#include "netdev-offload-megaflower.h"
#include "netdev-offload-provider.h"
#include "netdev-offload.h"
#include "netdev.h"
#include "netlink-socket.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ovs-router.h"
#include "random.h"
#include "util.h"

extern const struct netdev_flow_api netdev_offload_megaflower;
static const struct netdev_flow_api *api = &netdev_offload_megaflower;

#define N_GETS 64
#define FULL_DUMP_EVERY 10
#define SINGLE_EVERY 4
#define MAX_REPORTS 20              /* Mismatches printed. */
#define IDX_SPAN (1u << 22)         /* Flow indexes a workload uses. */

/* Where a slot's flow is, as OVS would know it. */
enum where {
    W_NONE,                         /* Deleted: a new flow comes next. */
    W_OFFLOADED,                    /* Put, and megaflower took it. */
    W_KERNEL,                       /* Put, and megaflower refused it (or
                                     * a modify of it): it lives in the
                                     * kernel datapath until OVS deletes
                                     * it, which megaflower must answer
                                     * with ENOENT. */
};

/* One of the FLOWS places: which flow holds it now. */
struct slot {
    uint32_t gen;                   /* Times its flow was put anew. */
    uint32_t stamp;                 /* Round it was last picked in. */
    uint8_t out;                    /* Odp port of its output. */
    uint8_t where;                  /* enum where. */
};

/* What the run counts. */
struct tally {
    /* Counted from the end of the fill. */
    uint64_t rounds, puts, mods, dels, gets, dumps, full_dumps;
    uint64_t failed_puts, failed_mods;
    /* Counted from the start. */
    size_t n_offloaded, max_orphans;
    uint64_t mismatches;
};

static const struct mf_bench_workload *wls[8];
static size_t n_wls;
static struct slot *slots;
static size_t n_slots;
static uint32_t per_wl;             /* Slots of one workload. */
static struct netdev *in_dev;
static uint32_t in_ifindex;
static struct mnl_socket *nl;
static struct tally t;

static void OVS_PRINTF_FORMAT(1, 2)
mismatch(const char *format, ...)
{
    va_list args;

    if (t.mismatches++ < MAX_REPORTS) {
        fputs("soak: MISMATCH: ", stdout);
        va_start(args, format);
        vprintf(format, args);
        va_end(args);
        putchar('\n');
    }
}

/* Slot 'j''s flow, as workload and index: distinct for every slot and
 * generation until the indexes wrap (after IDX_SPAN / per_wl generations,
 * far beyond a soak's), each workload's in a span of its own so that no
 * two flows have the same match. */
static const struct mf_bench_workload *
slot_flow(size_t j, uint32_t *idx)
{
    uint32_t gens = IDX_SPAN / per_wl;

    *idx = (j % n_wls) * IDX_SPAN + (j / n_wls)
           + (slots[j].gen % gens) * per_wl;
    return wls[j % n_wls];
}

static void
slot_ufid(size_t j, ovs_u128 *ufid)
{
    uint32_t idx;
    const struct mf_bench_workload *w = slot_flow(j, &idx);

    mf_bench_make_ufid(ufid, w, idx);
}

/* Puts the flows of slots 'js' (modifies, if 'modify'), in a batch or one
 * by one. */
static void
put_slots(const size_t *js, size_t n, bool modify, bool single)
{
    struct megaflower_put *puts = xcalloc(n, sizeof *puts);
    struct offload_info *infos = xcalloc(n, sizeof *infos);
    struct match *matches = xcalloc(n, sizeof *matches);
    struct ofpbuf *acts = xcalloc(n, sizeof *acts);
    ovs_u128 *ufids = xcalloc(n, sizeof *ufids);

    for (size_t k = 0; k < n; k++) {
        struct slot *s = &slots[js[k]];
        uint32_t idx;
        const struct mf_bench_workload *w;

        if (modify) {
            s->out = s->out == MF_BENCH_PORT_OUT ? MF_BENCH_PORT_ALT
                                                 : MF_BENCH_PORT_OUT;
        }
        w = slot_flow(js[k], &idx);
        mf_bench_make(w, idx, s->out, &matches[k], &acts[k]);
        mf_bench_make_ufid(&ufids[k], w, idx);
        infos[k].recirc_id_shared_with_tc = true;
        puts[k] = (struct megaflower_put) {
            &matches[k], acts[k].data, acts[k].size, &ufids[k], &infos[k], 0,
        };
    }
    if (single) {
        for (size_t k = 0; k < n; k++) {
            struct dpif_flow_stats stats;

            puts[k].error = api->flow_put(in_dev, &matches[k], acts[k].data,
                                          acts[k].size, &ufids[k], &infos[k],
                                          &stats);
        }
    } else {
        megaflower_flow_put_batch(in_dev, puts, n);
    }
    for (size_t k = 0; k < n; k++) {
        struct slot *s = &slots[js[k]];

        if (!puts[k].error) {
            if (!modify) {
                s->where = W_OFFLOADED;
                t.n_offloaded++;
            }
        } else if (!modify) {
            s->where = W_KERNEL;
            t.failed_puts++;
        } else {
            /* dpif-netlink's answer to a failed modify: the flow leaves
             * the offload, unless it is gone already. */
            int error = 0;

            if (!infos[k].tc_modify_flow_deleted) {
                error = api->flow_del(in_dev, &ufids[k], NULL);
            }
            if (error && error != ENOENT) {
                mismatch("slot %zu: delete after a failed modify: %s",
                         js[k], ovs_strerror(error));
            }
            t.failed_mods++;
            s->where = W_KERNEL;
            t.n_offloaded--;
        }
        ofpbuf_uninit(&acts[k]);
    }
    if (modify) {
        t.mods += n;
    } else {
        t.puts += n;
    }
    free(ufids);
    free(acts);
    free(matches);
    free(infos);
    free(puts);
}

/* Deletes the flows of slots 'js', in a batch or one by one, as OVS
 * deletes its flows: the offloaded ones and the refused ones alike. */
static void
del_slots(const size_t *js, size_t n, bool single)
{
    struct mf_flow_del *ops = xcalloc(n, sizeof *ops);

    for (size_t k = 0; k < n; k++) {
        ovs_u128 ufid;

        slot_ufid(js[k], &ufid);
        memcpy(&ops[k].ufid, &ufid, sizeof ops[k].ufid);
    }
    if (single) {
        for (size_t k = 0; k < n; k++) {
            ovs_u128 ufid;

            memcpy(&ufid, &ops[k].ufid, sizeof ufid);
            ops[k].error = api->flow_del(in_dev, &ufid, NULL);
        }
    } else {
        megaflower_flow_del_batch(ops, n);
    }
    for (size_t k = 0; k < n; k++) {
        struct slot *s = &slots[js[k]];

        /* A filter the kernel would not let go is an orphan, and the
         * delete a success: any other answer is a mismatch. */
        int want = s->where == W_OFFLOADED ? 0 : ENOENT;

        if (ops[k].error != want) {
            mismatch("slot %zu: delete: %s (%s), expected %s", js[k],
                     ovs_strerror(ops[k].error), ops[k].err.msg,
                     ovs_strerror(want));
        }
        if (s->where == W_OFFLOADED) {
            t.n_offloaded--;
        }
        s->where = W_NONE;
        s->gen++;
    }
    t.dels += n;
    free(ops);
}

/* Reads slot 'j''s flow back: its last output must be the one put. */
static void
get_slot(size_t j)
{
    uint64_t buf[4096 / 8];
    struct dpif_flow_stats stats;
    struct dpif_flow_attrs attrs;
    struct nlattr *actions = NULL;
    const struct nlattr *a;
    struct ofpbuf wbuf;
    struct match match;
    ovs_u128 ufid;
    uint32_t out = 0;
    size_t left;
    int error;

    slot_ufid(j, &ufid);
    ofpbuf_use_stack(&wbuf, buf, sizeof buf);
    error = api->flow_get(in_dev, &match, &actions, &ufid, &stats, &attrs,
                          &wbuf);
    t.gets++;
    if (error) {
        mismatch("slot %zu: flow_get: %s", j, ovs_strerror(error));
        return;
    }
    NL_NESTED_FOR_EACH (a, left, actions) {
        if (nl_attr_type(a) == OVS_ACTION_ATTR_OUTPUT) {
            out = nl_attr_get_u32(a);
        }
    }
    if (out != slots[j].out) {
        mismatch("slot %zu: flow_get: output %"PRIu32", put %u", j, out,
                 slots[j].out);
    }
}

/* The flows offloaded as a dump sees them ('terse': the revalidators'). */
static uint64_t
dump_count(bool terse)
{
    uint64_t n;
    int error = mf_bench_flow_dump(api, in_dev, terse, &n);

    if (error) {
        mismatch("flow_dump_create: %s", ovs_strerror(error));
    }
    return n;
}

static uint64_t
kernel_count(void)
{
    uint64_t n;

    mf_bench_tc_dump(nl, in_ifindex, true, &n);
    return n;
}

/* The dumps' checks. */
static void
check_counts(bool full, uint64_t *kernelp)
{
    uint64_t n_terse = dump_count(true), n_kernel = kernel_count();
    size_t orphans = mf_orphan_count();

    t.dumps++;
    t.max_orphans = MAX(t.max_orphans, orphans);
    if (n_terse != t.n_offloaded) {
        mismatch("round %"PRIu64": terse dump %"PRIu64", offloaded %zu",
                 t.rounds, n_terse, t.n_offloaded);
    }
    if (n_kernel != t.n_offloaded + orphans) {
        mismatch("round %"PRIu64": kernel %"PRIu64", offloaded %zu, "
                 "orphans %zu", t.rounds, n_kernel, t.n_offloaded, orphans);
    }
    if (full) {
        uint64_t n_full = dump_count(false);

        t.full_dumps++;
        if (n_full != t.n_offloaded) {
            mismatch("round %"PRIu64": full dump %"PRIu64", offloaded %zu",
                     t.rounds, n_full, t.n_offloaded);
        }
    }
    *kernelp = n_kernel;
}

/* Up to 'max' slots whose flows are at 'where', each once a round, into
 * 'js', in turn or at random; returns how many. */
static size_t
pick(size_t *js, size_t max, enum where where, bool random_order)
{
    static size_t cursor;
    size_t n = 0;

    if (!random_order) {
        for (size_t k = 0; k < n_slots && n < max; k++) {
            size_t j = (cursor + k) % n_slots;

            if (slots[j].where == where
                && slots[j].stamp != t.rounds + 1) {
                slots[j].stamp = t.rounds + 1;
                js[n++] = j;
            }
        }
        cursor = n ? (js[n - 1] + 1) % n_slots : cursor;
        return n;
    }
    for (size_t tries = 0; n < max && tries < 8 * max; tries++) {
        size_t j = random_range(n_slots);

        if (slots[j].where == where
            && slots[j].stamp != t.rounds + 1) {
            slots[j].stamp = t.rounds + 1;
            js[n++] = j;
        }
    }
    return n;
}

/* One round of churn. */
static void
churn(size_t batch, uint64_t *kernelp)
{
    size_t *js = xmalloc(batch * sizeof *js);
    bool single = t.rounds % SINGLE_EVERY == SINGLE_EVERY - 1;
    size_t n;

    n = pick(js, batch, W_NONE, false);
    if (n) {
        put_slots(js, n, false, single);
    }
    n = pick(js, batch / 2, W_OFFLOADED, true);
    put_slots(js, n, true, single);
    n = pick(js, batch / 2, W_OFFLOADED, true);
    n += pick(js + n, batch - n, W_KERNEL, false);
    del_slots(js, n, single);
    n = pick(js, N_GETS, W_OFFLOADED, true);
    for (size_t k = 0; k < n; k++) {
        get_slot(js[k]);
    }
    check_counts(t.rounds % FULL_DUMP_EVERY == 0, kernelp);
    t.rounds++;
    free(js);
}

/* The start: every slot's flow put, in batches, as OVS would at a cold
 * start under load. */
static void
fill(size_t batch)
{
    size_t *js = xmalloc(batch * sizeof *js);
    double t0 = mf_bench_wall();
    uint64_t n_kernel;
    size_t n;

    while ((n = pick(js, batch, W_NONE, false)) > 0) {
        put_slots(js, n, false, false);
        t.rounds++;
    }
    check_counts(true, &n_kernel);
    printf("soak: fill: %zu flows offloaded (%"PRIu64" refused) in %.1f s, "
           "%"PRIu64" filters in the kernel\n", t.n_offloaded,
           t.failed_puts, mf_bench_wall() - t0, n_kernel);
    fflush(stdout);
    free(js);
    memset(&t, 0, offsetof(struct tally, n_offloaded));
    for (size_t j = 0; j < n_slots; j++) {
        slots[j].stamp = 0;
    }
}

/* Bytes malloc'ed and not yet freed. */
static size_t
heap_bytes(void)
{
#ifdef __SANITIZE_ADDRESS__
    return __sanitizer_get_current_allocated_bytes();
#else
    return mallinfo2().uordblks;
#endif
}

struct sample {
    double secs, rss_kib, heap_kib;
};

/* Least squares slope of 'y' over 'x' of samples[from..n), per hour. */
static double
slope_per_hour(const struct sample *s, size_t from, size_t n, bool heap)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0, m = n - from;

    if (n - from < 2) {
        return 0;
    }
    for (size_t i = from; i < n; i++) {
        double x = s[i].secs, y = heap ? s[i].heap_kib : s[i].rss_kib;

        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    return (m * sxy - sx * sy) / (m * sxx - sx * sx) * 3600;
}

/* The log's lines: in all, a second on average over 'secs', and the most
 * in one second (by their timestamps, to the second). */
static void
log_rate(const char *path, double secs)
{
    char line[4096], last[32] = "";
    uint64_t n = 0, in_sec = 0, max_sec = 0;
    FILE *f = fopen(path, "r");

    if (!f) {
        printf("soak: log: %s: %s\n", path, ovs_strerror(errno));
        return;
    }
    while (fgets(line, sizeof line, f)) {
        n++;
        if (strncmp(line, last, 19)) {
            ovs_strlcpy(last, line, 20);
            in_sec = 0;
        }
        in_sec++;
        max_sec = MAX(max_sec, in_sec);
    }
    fclose(f);
    printf("soak: log: %"PRIu64" lines, %.2f a second, at most %"PRIu64
           " in one second\n", n, n / secs, max_sec);
}

static void
usage(const char *prog)
{
    fprintf(stderr, "usage: %s [-n FLOWS] [-t SECONDS] [-b BATCH] "
            "[-i SAMPLE_SECONDS] [-s SEED] [-o SAMPLES] [-l LOG] "
            "IN OUT ALT VXLAN\n", prog);
    exit(EXIT_FAILURE);
}

int
main(int argc, char *argv[])
{
    const char *samples_path = "soak-samples", *log_path = "soak.log";
    size_t n_flows = 100000, batch = 1000, n_samples = 0, warm = 0;
    double secs = 3600, interval = 10, start, next;
    const char *devs[4];
    struct sample *samples;
    struct tally churned;
    uint64_t n_kernel = 0;
    uint32_t seed = 1;
    FILE *out;
    int c;

    set_program_name(argv[0]);
    while ((c = getopt(argc, argv, "n:t:b:i:s:o:l:")) != -1) {
        switch (c) {
        case 'n': n_flows = strtoul(optarg, NULL, 10); break;
        case 't': secs = atof(optarg); break;
        case 'b': batch = strtoul(optarg, NULL, 10); break;
        case 'i': interval = atof(optarg); break;
        case 's': seed = strtoul(optarg, NULL, 10); break;
        case 'o': samples_path = optarg; break;
        case 'l': log_path = optarg; break;
        default: usage(argv[0]);
        }
    }
    if (argc - optind != 4 || n_flows < 8 || batch < 2 || interval <= 0) {
        usage(argv[0]);
    }
    for (int i = 0; i < 4; i++) {
        devs[i] = argv[optind + i];
    }

    /* megaflower's log as ovs-vswitchd's file has it, nowhere else. */
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    if (vlog_set_log_file(log_path)) {
        ovs_fatal(errno, "%s: cannot open", log_path);
    }
    vlog_set_levels(NULL, VLF_FILE, VLL_INFO);
    random_set_seed(seed);
    if (getenv("MALLOC_TRACE")) {
        /* With LD_PRELOAD=libc_malloc_debug.so.0: every allocation and
         * free to that file, for mtrace(1) (to find what grows). */
        mtrace();
    }
    ovs_router_init();              /* The VXLAN port looks routes up. */

    for (size_t i = 0; i < mf_bench_n_workloads && n_wls < ARRAY_SIZE(wls);
         i++) {
        if (mf_bench_workloads[i].in_port == MF_BENCH_PORT_IN) {
            wls[n_wls++] = &mf_bench_workloads[i];
        }
    }
    ovs_assert(n_wls * IDX_SPAN <= 1u << 24);   /* mf-bench-flows.h */
    n_slots = n_flows;
    per_wl = DIV_ROUND_UP(n_slots, n_wls);
    slots = xcalloc(n_slots, sizeof *slots);
    for (size_t j = 0; j < n_slots; j++) {
        slots[j].out = MF_BENCH_PORT_OUT;
    }

    mf_bench_clear_tc("tc", devs);
    in_dev = mf_bench_open_ports(devs, wls[0]);
    in_ifindex = if_nametoindex(devs[0]);
    if (api->init_flow_api(in_dev)) {
        ovs_fatal(0, "%s: init_flow_api failed", devs[0]);
    }
    nl = mnl_socket_open(NETLINK_ROUTE);
    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        ovs_fatal(errno, "netlink socket");
    }
    out = fopen(samples_path, "w");
    if (!out) {
        ovs_fatal(errno, "%s: cannot create", samples_path);
    }
    fprintf(out, "# secs rounds puts modifies deletes gets dumps offloaded "
            "kernel orphans failed_puts rss_kib heap_kib\n");
    samples = xcalloc(secs / interval + 16, sizeof *samples);

    printf("soak: %zu flows (%zu workloads), batches of %zu, %.0f s, "
           "seed %"PRIu32"\n", n_slots, n_wls, batch, secs, seed);
    fflush(stdout);
    fill(batch);
    start = mf_bench_wall();
    next = start;
    for (;;) {
        double now = mf_bench_wall();

        if (now >= next) {
            struct sample *s = &samples[n_samples];

            s->secs = now - start;
            s->rss_kib = mf_bench_rss_bytes() / 1024.0;
            s->heap_kib = heap_bytes() / 1024.0;
            if (!warm && s->secs >= secs / 4) {
                warm = n_samples;
            }
            fprintf(out, "%.1f %"PRIu64" %"PRIu64" %"PRIu64" %"PRIu64" %"
                    PRIu64" %"PRIu64" %zu %"PRIu64" %zu %"PRIu64" %.0f "
                    "%.0f\n", s->secs, t.rounds, t.puts, t.mods, t.dels,
                    t.gets, t.dumps, t.n_offloaded, n_kernel,
                    mf_orphan_count(), t.failed_puts, s->rss_kib,
                    s->heap_kib);
            fflush(out);
            n_samples++;
            next += interval;
            if (now - start >= secs) {
                break;
            }
        }
        churn(batch, &n_kernel);
    }

    fclose(out);
    churned = t;
    secs = samples[n_samples - 1].secs;

    /* The end: everything deleted, no filter left. */
    {
        size_t *js = xmalloc(n_slots * sizeof *js);
        size_t n = pick(js, n_slots, W_OFFLOADED, false), m;
        double t0 = mf_bench_wall();
        uint64_t n_dumped;

        del_slots(js, n, false);
        m = pick(js, n_slots, W_KERNEL, false);
        del_slots(js, m, false);
        n += m;
        free(js);
        while (mf_orphan_count() && mf_bench_wall() - t0 < 60) {
            mf_orphan_retry(true);
            xsleep(1);
        }
        n_kernel = kernel_count();
        n_dumped = dump_count(true);
        printf("soak: end: %zu flows deleted in %.1f s; then offloaded %zu, "
               "dumped %"PRIu64", in the kernel %"PRIu64", orphans %zu\n",
               n, mf_bench_wall() - t0, t.n_offloaded, n_dumped, n_kernel,
               mf_orphan_count());
        if (t.n_offloaded || n_dumped || n_kernel) {
            mismatch("filters left at the end");
        }
    }
    churned.mismatches = t.mismatches;
    t = churned;
    printf("soak: %"PRIu64" rounds in %.0f s: %"PRIu64" puts, %"PRIu64
           " modifies, %"PRIu64" deletes, %"PRIu64" gets, %"PRIu64" dumps "
           "(%"PRIu64" full)\n", t.rounds, secs, t.puts, t.mods, t.dels,
           t.gets, t.dumps, t.full_dumps);
    printf("soak: %.0f flow operations a second (puts, modifies, deletes), "
           "%.2f dumps of ~%zu flows a second\n",
           (t.puts + t.mods + t.dels) / secs, t.dumps / secs, n_slots);
    printf("soak: failed puts %"PRIu64", failed modifies %"PRIu64
           " (left the offload), orphans at most %zu\n",
           t.failed_puts, t.failed_mods, t.max_orphans);
    printf("soak: RSS %.0f KiB after the warm-up (%.0f s), %.0f KiB at the "
           "end; slope after the warm-up %.1f KiB an hour\n",
           samples[warm].rss_kib, samples[warm].secs,
           samples[n_samples - 1].rss_kib,
           slope_per_hour(samples, warm, n_samples, false));
    printf("soak: heap in use %.0f KiB after the warm-up, %.0f KiB at the "
           "end; slope after the warm-up %.1f KiB an hour\n",
           samples[warm].heap_kib, samples[n_samples - 1].heap_kib,
           slope_per_hour(samples, warm, n_samples, true));
    printf("soak: request shapes proven %zu, filters installed without an "
           "echo %"PRIu64"\n", mf_shape_count(), mf_shape_n_hits());
    log_rate(log_path, secs);
    printf("soak: mismatches %"PRIu64"\n", t.mismatches);
    free(samples);
    free(slots);
    mnl_socket_close(nl);

#ifdef __SANITIZE_ADDRESS__
    if (__lsan_do_recoverable_leak_check()) {
        printf("soak: LeakSanitizer found leaks (above)\n");
        t.mismatches++;
    } else {
        printf("soak: LeakSanitizer: no leak\n");
    }
#endif
    muntrace();
    /* tests/mf-fault.so's counts, if it is preloaded. */
    void (*fault_summary)(void) = dlsym(RTLD_DEFAULT, "mf_fault_summary");
    if (fault_summary) {
        fault_summary();
    }
    /* Not exit(): OVS's exit hooks (the router's) expect the daemon's
     * state, which this program never sets up. */
    fflush(stdout);
    fflush(stderr);
    _exit(t.mismatches ? EXIT_FAILURE : EXIT_SUCCESS);
}

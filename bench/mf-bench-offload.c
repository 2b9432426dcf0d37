/*
 * mf-bench-offload: the kernel benchmark of issue 5.  megaflower and
 * upstream OVS's linux_tc side by side, through the same netdev_flow_api
 * calls, on the same devices, with the same megaflows; and the kernel's
 * own ceiling for the same filters.
 *
 *   mf-bench-offload [-n N[,N...]] [-w WORKLOAD[,...]] [-r REPEAT]
 *                    [-p PROVIDER] [--json FILE] IN OUT ALT VXLAN
 *
 * IN, OUT and ALT are Ethernet devices (veth; odp ports 2, 3 and 4) and
 * VXLAN a flow-based vxlan device on port 4789 (vxlan_sys_4789, odp port
 * 5, the decap workload's in_port).  bench/mf-bench-vm.sh makes them.
 *
 * For each workload (bench/mf-bench-flows.h) and each N:
 *   - each provider, in a child process of its own, so that memory and CPU
 *     are its own: init_flow_api on the in_port; N flow_put (insertion);
 *     N flow_put of the same ufids with the output moved to ALT (modify);
 *     one full dump with stats (flow_dump_create, flow_dump_next until the
 *     end, as the revalidators read them); N flow_del (deletion).  Wall
 *     time for each, the RSS and heap growth over the insertion, user and
 *     system CPU;
 *   - the ceiling: the same filters (megaflower's encoding), encoded
 *     beforehand, sent by a bare netlink sender in batches (the fastest
 *     of 64 KB, 16 KB and 3.5 KB) with one acknowledgement each, matched
 *     by sequence number; then dumped, terse and in full, nothing
 *     decoded; then inserted again asking for an echo of each, in
 *     batches of 3.5 KB as megaflower sends them;
 *   - iproute2: `tc -b` with the same filters as tc(8) lines.
 * (The ceiling and tc -b are in mf-bench-ceiling.c.)
 * With -r REPEAT each figure is the median of REPEAT runs.  With
 * MF_BENCH_NOFORK set, each runs in this process instead (for a debugger
 * or a profiler: give it one workload, one N and -r 1; and with
 * MF_BENCH_INSERT_ONLY set, only the insertion runs).  Prints a
 * table of rates and one of ratios; --json writes both for comparison.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dpif.h"
#include "mf-bench-clock.h"
#include "mf-bench-dev.h"
#include "mf-bench-flows.h"
#include "mf-bench-offload.h"
#include "mf-shape.h"
#include "netdev-offload-megaflower.h"
#include "netdev-offload-provider.h"
#include "netdev-offload.h"
#include "netdev-provider.h"
#include "netdev.h"
#include "netlink-socket.h"
#include "ovs-router.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "smap.h"
#include "util.h"

extern const struct netdev_flow_api netdev_offload_tc;
extern const struct netdev_flow_api netdev_offload_megaflower;

/* "mf-batch" is megaflower with its insertion through
 * megaflower_flow_put_batch(); the rest as "megaflower". */
enum { P_TC, P_MF, P_MFB, N_PROVIDERS };
static const char *const provider_names[N_PROVIDERS] = {
    "linux_tc", "megaflower", "mf-batch",
};

/* "dump" is the revalidators' dump (terse: ufids and counters), "dump-full"
 * dpctl/dump-flows' (every filter read back as the megaflow it is). */
enum op { OP_PUT, OP_MOD, OP_DUMP, OP_DUMP_FULL, OP_DEL, N_OPS };
static const char *const op_names[N_OPS] = {
    "insert", "modify", "dump", "dump-full", "delete",
};

/* What one provider's child measured. */
struct result {
    double rate[N_OPS];             /* Flows per wall second. */
    double rss_per_flow;            /* Bytes. */
    double heap_per_flow;
    double user, sys;               /* CPU seconds, all four phases. */
    uint64_t n_failed;              /* flow_put or flow_del errors. */
    uint64_t n_unechoed;            /* megaflower: installed without an
                                     * echo (mf_shape_n_hits()). */
    uint64_t n_dumped;              /* By the full dump... */
    uint64_t n_dumped_terse;        /* ...and by the terse one. */
    char error[256];                /* First error, "" if none. */
};

const char *devs[4];         /* IN OUT ALT VXLAN. */
static const char *only_provider;   /* -p: run this one only (profiling). */
const char *tc_path = "tc";

static void
cpu_times(double *user, double *sys)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    *user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
    *sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Parses 'n' flows of 'w' with output 'out'. */
void
make_flows(const struct mf_bench_workload *w, size_t n, int out,
           struct match **matchesp, struct ofpbuf **actsp)
{
    struct match *matches = xcalloc(n, sizeof *matches);
    struct ofpbuf *acts = xcalloc(n, sizeof *acts);

    for (size_t i = 0; i < n; i++) {
        mf_bench_make(w, i, out, &matches[i], &acts[i]);
    }
    *matchesp = matches;
    *actsp = acts;
}

static void
note_error(struct result *r, const char *what, size_t i, int error)
{
    if (!r->error[0]) {
        snprintf(r->error, sizeof r->error, "%s of flow %zu: %s", what, i,
                 ovs_strerror(error));
    }
    r->n_failed++;
}

/* flow_put of the 'n' flows; returns flows per second. */
static double
put_all(const struct netdev_flow_api *api, struct netdev *netdev,
        const struct mf_bench_workload *w, size_t n, struct match *matches,
        struct ofpbuf *acts, const char *what, struct result *r)
{
    double t = mf_bench_wall();

    for (size_t i = 0; i < n; i++) {
        struct offload_info info = { .recirc_id_shared_with_tc = true };
        struct dpif_flow_stats stats;
        ovs_u128 ufid;
        int error;

        mf_bench_make_ufid(&ufid, w, i);
        error = api->flow_put(netdev, &matches[i], acts[i].data,
                              acts[i].size, &ufid, &info, &stats);
        if (error) {
            note_error(r, what, i, error);
        }
    }
    return n / (mf_bench_wall() - t);
}

/* One whole dump as OVS makes it ('terse' as the revalidators do, or not
 * as dpctl/dump-flows); returns flows per second, and how many flows it
 * found in '*n_found'. */
static double
dump_all(const struct netdev_flow_api *api, struct netdev *netdev,
         bool terse, uint64_t *n_found, struct result *r)
{
    double t = mf_bench_wall();
    int error = mf_bench_flow_dump(api, netdev, terse, n_found);

    if (error) {
        note_error(r, terse ? "flow_dump_create (terse)" : "flow_dump_create",
                   0, error);
    }
    return *n_found / (mf_bench_wall() - t);
}

/* Runs 'api' over 'n' flows of 'w' (in a child). */
static void
run_provider(const struct netdev_flow_api *api, bool batch,
             const struct mf_bench_workload *w, size_t n, struct result *r)
{
    struct match *matches, *alt_matches;
    struct ofpbuf *acts, *alt_acts;
    double u0, s0, u1, s1, t;
    size_t rss0, heap0;
    struct netdev *netdev;
    int error;

    memset(r, 0, sizeof *r);
    netdev = mf_bench_open_ports(devs, w);
    error = api->init_flow_api(netdev);
    if (error) {
        snprintf(r->error, sizeof r->error, "init_flow_api: %s",
                 ovs_strerror(error));
        r->n_failed = n;
        return;
    }
    make_flows(w, n, MF_BENCH_PORT_OUT, &matches, &acts);
    make_flows(w, n, MF_BENCH_PORT_ALT, &alt_matches, &alt_acts);

    rss0 = mf_bench_rss_bytes();
    heap0 = mallinfo2().uordblks;
    cpu_times(&u0, &s0);

    if (batch) {
        struct offload_info info = { .recirc_id_shared_with_tc = true };
        struct megaflower_put *puts = xcalloc(n, sizeof *puts);
        ovs_u128 *ufids = xcalloc(n, sizeof *ufids);

        for (size_t i = 0; i < n; i++) {
            mf_bench_make_ufid(&ufids[i], w, i);
            puts[i] = (struct megaflower_put) {
                &matches[i], acts[i].data, acts[i].size, &ufids[i], &info, 0,
            };
        }
        t = mf_bench_wall();
        megaflower_flow_put_batch(netdev, puts, n);
        r->rate[OP_PUT] = n / (mf_bench_wall() - t);
        for (size_t i = 0; i < n; i++) {
            if (puts[i].error) {
                note_error(r, "batched put", i, puts[i].error);
            }
        }
        free(ufids);
        free(puts);
    } else {
        r->rate[OP_PUT] = put_all(api, netdev, w, n, matches, acts,
                                  "flow_put", r);
    }
    r->rss_per_flow = ((double) mf_bench_rss_bytes() - rss0) / n;
    r->heap_per_flow = ((double) mallinfo2().uordblks - heap0) / n;
    if (getenv("MF_BENCH_INSERT_ONLY")) {
        /* For a profile of the insertion alone. */
        return;
    }

    r->rate[OP_MOD] = put_all(api, netdev, w, n, alt_matches, alt_acts,
                              "flow_put (modify)", r);

    r->rate[OP_DUMP] = dump_all(api, netdev, true, &r->n_dumped_terse, r);
    r->rate[OP_DUMP_FULL] = dump_all(api, netdev, false, &r->n_dumped, r);

    t = mf_bench_wall();
    for (size_t i = 0; i < n; i++) {
        struct dpif_flow_stats stats;
        ovs_u128 ufid;

        mf_bench_make_ufid(&ufid, w, i);
        error = api->flow_del(netdev, &ufid, &stats);
        if (error) {
            note_error(r, "flow_del", i, error);
        }
    }
    r->rate[OP_DEL] = n / (mf_bench_wall() - t);
    cpu_times(&u1, &s1);
    r->user = u1 - u0;
    r->sys = s1 - s0;
    r->n_unechoed = mf_shape_n_hits();
}

/* Runs 'fn' in a child process and returns what it wrote into 'out', or
 * false if it died first. */
static bool
in_child(void (*fn)(void *aux, void *out), void *aux, void *out,
         size_t size)
{
    int fds[2], status;
    pid_t pid;
    bool ok;

    mf_bench_clear_tc(tc_path, devs);
    if (getenv("MF_BENCH_NOFORK")) {
        /* For a debugger or a profiler: one job, in this process. */
        fn(aux, out);
        mf_bench_clear_tc(tc_path, devs);
        return true;
    }
    if (pipe(fds)) {
        ovs_fatal(errno, "pipe");
    }
    pid = fork();
    if (pid < 0) {
        ovs_fatal(errno, "fork");
    } else if (!pid) {
        close(fds[0]);
        memset(out, 0, size);
        fn(aux, out);
        if (write(fds[1], out, size) != (ssize_t) size) {
            _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    memset(out, 0, size);
    ok = read(fds[0], out, size) == (ssize_t) size;
    close(fds[0]);
    waitpid(pid, &status, 0);
    mf_bench_clear_tc(tc_path, devs);
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "mf-bench-offload: a measuring process died of "
                "signal %d\n", WTERMSIG(status));
    } else if (WEXITSTATUS(status)) {
        fprintf(stderr, "mf-bench-offload: a measuring process exited "
                "with status %d\n", WEXITSTATUS(status));
    }
    return ok && WIFEXITED(status) && !WEXITSTATUS(status);
}

struct job {
    const struct mf_bench_workload *w;
    size_t n;
    int provider;                   /* Or -1: the ceilings. */
};

static void
job_run(void *job_, void *out)
{
    const struct job *job = job_;

    if (job->provider < 0) {
        struct ceiling *c = out;

        run_ceiling(job->w, job->n, c);
        mf_bench_clear_tc(tc_path, devs);
        c->tc_b = run_tc_batch(job->w, job->n, c);
    } else {
        run_provider(job->provider == P_TC ? &netdev_offload_tc
                     : &netdev_offload_megaflower, job->provider == P_MFB,
                     job->w, job->n, out);
    }
}

static int
cmp_double(const void *a_, const void *b_)
{
    const double *a = a_, *b = b_;

    return *a < *b ? -1 : *a > *b;
}

static double
median(double *v, int n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Everything measured for one workload and N. */
struct cell {
    const struct mf_bench_workload *w;
    size_t n;
    struct result r[N_PROVIDERS];
    struct ceiling c;
};

#define MAX_REPEAT 9

static void
measure(struct cell *cell, int repeat)
{
    struct result rs[N_PROVIDERS][MAX_REPEAT];
    struct ceiling cs[MAX_REPEAT];
    double v[MAX_REPEAT];

    for (int k = 0; k < repeat; k++) {
        /* Alternate which provider goes first. */
        for (int j = 0; j < N_PROVIDERS; j++) {
            int p = (j + k) % N_PROVIDERS;
            struct job job = { cell->w, cell->n, p };

            memset(&rs[p][k], 0, sizeof rs[p][k]);
            if (only_provider && strcmp(only_provider, provider_names[p])) {
                continue;
            }
            if (!in_child(job_run, &job, &rs[p][k], sizeof rs[p][k])) {
                rs[p][k].n_failed = cell->n;
                snprintf(rs[p][k].error, sizeof rs[p][k].error,
                         "its process died");
            }
        }
        struct job job = { cell->w, cell->n, -1 };

        memset(&cs[k], 0, sizeof cs[k]);
        if (only_provider && strcmp(only_provider, "ceiling")) {
            continue;
        }
        if (!in_child(job_run, &job, &cs[k], sizeof cs[k])) {
            cs[k].n_failed = cell->n;
            snprintf(cs[k].error, sizeof cs[k].error, "its process died");
        }
    }

    for (int p = 0; p < N_PROVIDERS; p++) {
        struct result *r = &cell->r[p];

        *r = rs[p][0];
#define MEDIAN(FIELD)                                   \
        for (int k = 0; k < repeat; k++) {              \
            v[k] = rs[p][k].FIELD;                      \
        }                                               \
        r->FIELD = median(v, repeat);
        for (int o = 0; o < N_OPS; o++) {
            MEDIAN(rate[o]);
        }
        MEDIAN(rss_per_flow);
        MEDIAN(heap_per_flow);
        MEDIAN(user);
        MEDIAN(sys);
        for (int k = 1; k < repeat; k++) {
            r->n_failed += rs[p][k].n_failed;
            if (!r->error[0]) {
                memcpy(r->error, rs[p][k].error, sizeof r->error);
            }
        }
    }
    cell->c = cs[0];
#define CMEDIAN(FIELD)                                  \
    for (int k = 0; k < repeat; k++) {                  \
        v[k] = cs[k].FIELD;                             \
    }                                                   \
    cell->c.FIELD = median(v, repeat);
    CMEDIAN(batch);
    CMEDIAN(batch_echo);
    CMEDIAN(dump);
    CMEDIAN(dump_full);
    CMEDIAN(tc_b);
}

static double
ratio(double a, double b)
{
    return b > 0 ? a / b : 0;
}

static void
print_cell(const struct cell *cell)
{
    const struct ceiling *c = &cell->c;

    for (int p = 0; p < N_PROVIDERS; p++) {
        const struct result *r = &cell->r[p];

        printf("%-12s %6zu %-12s %8.0f %8.0f %8.0f %9.0f %8.0f %6.0f %6.0f "
               "%6.2f %6.2f\n", cell->w->name, cell->n, provider_names[p],
               r->rate[OP_PUT], r->rate[OP_MOD], r->rate[OP_DUMP],
               r->rate[OP_DUMP_FULL], r->rate[OP_DEL], r->rss_per_flow,
               r->heap_per_flow, r->user, r->sys);
        if (r->n_failed || r->error[0]) {
            printf("  %s: %"PRIu64" failed: %s\n", provider_names[p],
                   r->n_failed, r->error);
        }
        if (p != P_TC) {
            printf("  %s: %"PRIu64" of %zu insertions and as many modifies "
                   "without an echo (shape proven)\n", provider_names[p],
                   r->n_unechoed, cell->n);
        }
        if (r->n_dumped != cell->n || r->n_dumped_terse != cell->n) {
            printf("  %s: dumped %"PRIu64" (terse: %"PRIu64") of %zu "
                   "flows\n", provider_names[p], r->n_dumped,
                   r->n_dumped_terse, cell->n);
        }
    }
    printf("%-12s %6zu %-12s %8.0f %8s %8.0f %9.0f\n", cell->w->name,
           cell->n, "ceiling", c->batch, "", c->dump, c->dump_full);
    printf("%-12s %6zu %-12s %8.0f\n", cell->w->name, cell->n,
           "ceiling+echo", c->batch_echo);
    printf("%-12s %6zu %-12s %8.0f\n", cell->w->name, cell->n, "tc -b",
           c->tc_b);
    if (c->n_failed || c->error[0]) {
        printf("  ceiling: %"PRIu64" failed: %s\n", c->n_failed, c->error);
    }
}

static void
print_ratios(const struct cell *cells, size_t n_cells)
{
    printf("\nratios: megaflower / linux_tc (rates; memory: lower is "
           "better); batched insertion (mf-batch) / linux_tc, / the "
           "ceiling and / the ceiling with echoes; megaflower's and "
           "linux_tc's insertion and dump / the ceiling's\n");
    printf("%-12s %6s %6s %6s %6s %6s %6s %5s %5s %8s %8s %8s %7s %7s %7s "
           "%7s\n", "workload", "flows", "insert", "modify", "dump",
           "dumpf", "delete", "rss", "heap", "batch/tc", "bat/ceil",
           "bat/echo", "mf/ceil", "tc/ceil", "mfd/cl", "tcd/cl");
    for (size_t i = 0; i < n_cells; i++) {
        const struct cell *c = &cells[i];
        const struct result *tc = &c->r[P_TC], *mf = &c->r[P_MF];
        const struct result *mfb = &c->r[P_MFB];

        printf("%-12s %6zu %6.2f %6.2f %6.2f %6.2f %6.2f %5.2f %5.2f %8.2f "
               "%8.2f %8.2f %7.2f %7.2f %7.2f %7.2f\n", c->w->name, c->n,
               ratio(mf->rate[OP_PUT], tc->rate[OP_PUT]),
               ratio(mf->rate[OP_MOD], tc->rate[OP_MOD]),
               ratio(mf->rate[OP_DUMP], tc->rate[OP_DUMP]),
               ratio(mf->rate[OP_DUMP_FULL], tc->rate[OP_DUMP_FULL]),
               ratio(mf->rate[OP_DEL], tc->rate[OP_DEL]),
               ratio(mf->rss_per_flow, tc->rss_per_flow),
               ratio(mf->heap_per_flow, tc->heap_per_flow),
               ratio(mfb->rate[OP_PUT], tc->rate[OP_PUT]),
               ratio(mfb->rate[OP_PUT], c->c.batch),
               ratio(mfb->rate[OP_PUT], c->c.batch_echo),
               ratio(mf->rate[OP_PUT], c->c.batch),
               ratio(tc->rate[OP_PUT], c->c.batch),
               ratio(mf->rate[OP_DUMP], c->c.dump),
               ratio(tc->rate[OP_DUMP], c->c.dump));
    }
}

static void
write_json(const char *path, const struct cell *cells, size_t n_cells,
           int repeat)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        ovs_fatal(errno, "%s", path);
    }
    fprintf(f, "{\"benchmark\": \"offload\", \"repeat\": %d, \"cells\": [",
            repeat);
    for (size_t i = 0; i < n_cells; i++) {
        const struct cell *c = &cells[i];

        fprintf(f, "%s\n {\"workload\": \"%s\", \"flows\": %zu",
                i ? "," : "", c->w->name, c->n);
        for (int p = 0; p < N_PROVIDERS; p++) {
            const struct result *r = &c->r[p];

            fprintf(f, ", \"%s\": {", provider_names[p]);
            for (int o = 0; o < N_OPS; o++) {
                fprintf(f, "\"%s_per_s\": %.0f, ", op_names[o], r->rate[o]);
            }
            fprintf(f, "\"rss_bytes_per_flow\": %.1f, \"heap_bytes_per_flow\""
                    ": %.1f, \"user_s\": %.3f, \"sys_s\": %.3f, \"failed\": "
                    "%"PRIu64"}", r->rss_per_flow, r->heap_per_flow, r->user,
                    r->sys, r->n_failed);
        }
        fprintf(f, ", \"ceiling_insert_per_s\": %.0f, "
                "\"ceiling_echo_insert_per_s\": %.0f, "
                "\"ceiling_dump_per_s\": %.0f, "
                "\"ceiling_dump_full_per_s\": %.0f, "
                "\"tc_b_insert_per_s\": %.0f}", c->c.batch, c->c.batch_echo,
                c->c.dump, c->c.dump_full, c->c.tc_b);
    }
    fprintf(f, "\n]}\n");
    fclose(f);
}

static void
usage(const char *prog)
{
    fprintf(stderr, "usage: %s [-n N[,N...]] [-w WORKLOAD[,...]] "
            "[-r REPEAT] [-p linux_tc|megaflower|mf-batch|ceiling] "
            "[--json FILE] IN OUT ALT VXLAN\n", prog);
    exit(EXIT_FAILURE);
}

int
main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "json", required_argument, NULL, 'j' },
        { NULL, 0, NULL, 0 },
    };
    const struct mf_bench_workload *ws[16];
    size_t ns[16], n_ws = 0, n_ns = 0, n_cells = 0;
    const char *json = NULL;
    struct cell *cells;
    int repeat = 1;
    bool ok = true;
    char *s, *tok, *save;
    int c;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_ERR);
    ovs_router_init();              /* Tunnel ports look routes up. */
    while ((c = getopt_long(argc, argv, "n:w:r:p:", options, NULL)) != -1) {
        switch (c) {
        case 'n':
            s = xstrdup(optarg);
            for (tok = strtok_r(s, ",", &save); tok && n_ns < 16;
                 tok = strtok_r(NULL, ",", &save)) {
                ns[n_ns++] = strtoul(tok, NULL, 10);
            }
            free(s);
            break;
        case 'w':
            s = xstrdup(optarg);
            for (tok = strtok_r(s, ",", &save); tok && n_ws < 16;
                 tok = strtok_r(NULL, ",", &save)) {
                ws[n_ws] = mf_bench_workload_find(tok);
                if (!ws[n_ws]) {
                    ovs_fatal(0, "unknown workload %s", tok);
                }
                n_ws++;
            }
            free(s);
            break;
        case 'p':
            only_provider = optarg;
            break;
        case 'r':
            repeat = atoi(optarg);
            if (repeat < 1 || repeat > MAX_REPEAT) {
                ovs_fatal(0, "-r must be 1 to %d", MAX_REPEAT);
            }
            break;
        case 'j':
            json = optarg;
            break;
        default:
            usage(argv[0]);
        }
    }
    if (argc - optind != 4) {
        usage(argv[0]);
    }
    for (int i = 0; i < 4; i++) {
        devs[i] = argv[optind + i];
    }
    if (!n_ns) {
        ns[n_ns++] = 1000;
        ns[n_ns++] = 10000;
        ns[n_ns++] = 50000;
    }
    if (!n_ws) {
        for (size_t i = 0; i < mf_bench_n_workloads; i++) {
            ws[n_ws++] = &mf_bench_workloads[i];
        }
    }

    printf("rates in flows per second (wall; dump: the revalidators' terse "
           "dump, dump-full: dpctl's); memory: bytes per flow over the "
           "insertion; CPU: seconds, all five phases\n");
    printf("%-12s %6s %-12s %8s %8s %8s %9s %8s %6s %6s %6s %6s\n",
           "workload", "flows", "provider", "insert", "modify", "dump",
           "dump-full", "delete", "rss", "heap", "user", "sys");
    cells = xcalloc(n_ws * n_ns, sizeof *cells);
    for (size_t i = 0; i < n_ws; i++) {
        for (size_t j = 0; j < n_ns; j++) {
            struct cell *cell = &cells[n_cells++];

            cell->w = ws[i];
            cell->n = ns[j];
            measure(cell, repeat);
            print_cell(cell);
            fflush(stdout);
            for (int p = 0; p < N_PROVIDERS; p++) {
                ok &= !cell->r[p].n_failed
                      && cell->r[p].n_dumped == cell->n
                      && cell->r[p].n_dumped_terse == cell->n;
            }
        }
    }
    print_ratios(cells, n_cells);
    if (json) {
        write_json(json, cells, n_cells, repeat);
    }
    free(cells);
    /* Not exit(): OVS's exit hooks (the router's) expect the daemon's
     * state, which this program never sets up. */
    fflush(stdout);
    fflush(stderr);
    _exit(ok ? EXIT_SUCCESS : EXIT_FAILURE);
}

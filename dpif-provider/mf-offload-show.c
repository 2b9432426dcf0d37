/* mf-offload-show: the operators' views of dpif mode's offload,
 * megaflower/flows and megaflower/queue (mf-offload.h). */
#include <config.h>
#include "mf-offload-int.h"

#include <stdlib.h>

#include "openvswitch/dynamic-string.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"

void
ofl_timing_format(struct ds *s, const char *what, const struct ofl_timing *t)
{
    ds_put_format(s, "%s: %"PRIu64", %.2f s in all, last %.1f ms, max %.1f "
                  "ms\n", what, t->n, t->total_us / 1e6, t->last_us / 1e3,
                  t->max_us / 1e3);
}

const char *
mf_offload_state_to_string(enum mf_offload_state s)
{
    switch (s) {
    case MF_OFFLOAD_QUEUED:    return "pending";
    case MF_OFFLOAD_OFFLOADED: return "offloaded";
    case MF_OFFLOAD_REFUSED:   return "refused";
    case MF_OFFLOAD_WITHDRAWN: return "withdrawn";
    }
    return "?";
}

/* Operators' view. */

void
mf_offload_format_flows(struct ds *s)
{
    size_t n[4] = { 0, 0, 0, 0 };
    long long int now = time_usec();
    struct ofl_flow *f;

    ovs_mutex_lock(&ofl_mutex);
    HMAP_FOR_EACH (f, node, &ofl_flows) {
        n[f->state]++;
    }
    ds_put_format(s, "dpif mode: %"PRIuSIZE" flows: %"PRIuSIZE" pending, "
                  "%"PRIuSIZE" offloaded, %"PRIuSIZE" refused (in the "
                  "kernel datapath; reasons above), %"PRIuSIZE
                  " withdrawn\n", hmap_count(&ofl_flows), n[0], n[1], n[2],
                  n[3]);
    HMAP_FOR_EACH (f, node, &ofl_flows) {
        struct uuid u;

        ds_put_format(s, "ufid:"UUID_FMT" %s",
                      UUID_ARGS(ofl_ufid_uuid(&f->ufid, &u)),
                      mf_offload_state_to_string(f->state));
        if (f->state == MF_OFFLOAD_QUEUED) {
            ds_put_format(s, " for %.1f ms%s",
                          (now - f->queued_us) / 1000.0,
                          f->busy ? " (being installed)"
                          : f->overflow ? " (beyond the queue's bound)" : "");
        } else if (f->state == MF_OFFLOAD_OFFLOADED) {
            ds_put_format(s, " in %.1f ms", f->latency_us / 1000.0);
        }
        ds_put_char(s, '\n');
    }
    ovs_mutex_unlock(&ofl_mutex);
}

static int
cmp_ll(const void *a_, const void *b_)
{
    const long long int *a = a_, *b = b_;

    return (*a > *b) - (*a < *b);
}

void
mf_offload_format_queue(struct ds *s)
{
    const struct ofl_qstats *q = &ofl_qstats;
    long long int *lat;
    size_t n;

    ovs_mutex_lock(&ofl_mutex);
    ds_put_format(s, "megaflower-mode dpif: %u offload thread(s), nice %d"
                  "%s\n", ofl_n_threads, ofl_nice,
                  ofl_nice > 0 ? " (0 while a withdraw waits for one)" : "");
    ds_put_format(s, "queue: %"PRIuSIZE" pending (bound %"PRIuSIZE"), %"
                  PRIuSIZE" waiting beyond the bound, %"PRIuSIZE" being "
                  "installed or withdrawn\n", ofl_n_queue, ofl_queue_max,
                  ofl_n_overflow, ofl_n_busy);
    ds_put_format(s, "the most ever: %"PRIuSIZE" pending, %"PRIuSIZE
                  " waiting beyond the bound\n", q->max_queue,
                  q->max_overflow);
    ds_put_format(s, "batches: %"PRIu64", %"PRIu64" flows, %.1f flows per "
                  "batch, largest %"PRIu64"\n", q->n_batches, q->n_flows,
                  q->n_batches ? (double) q->n_flows / q->n_batches : 0.0,
                  q->max_batch);
    /* Flows a second while a thread works on a batch, and per second of
     * its CPU: where the two differ, the thread waited for a CPU. */
    ds_put_format(s, "in batches: %.2f s (%.0f flows/s), %.2f s of CPU "
                  "(%.0f flows per CPU second)\n", q->busy_us / 1e6,
                  q->busy_us ? q->n_flows * 1e6 / q->busy_us : 0,
                  q->cpu_us / 1e6,
                  q->cpu_us ? q->n_flows * 1e6 / q->cpu_us : 0);
    ds_put_format(s, "offloaded %"PRIu64", refused %"PRIu64", dropped as "
                  "stale (withdrawn while queued) %"PRIu64", withdrawn "
                  "from tc %"PRIu64"\n", q->n_offloaded, q->n_refused,
                  q->n_stale, q->n_withdrawn);
    n = MIN(q->n_latencies, OFL_N_LATENCIES);
    lat = xmemdup(q->latencies, n * sizeof *lat);
    ofl_timing_format(s, "withdraw batches (waits for flows being installed "
                      "included)", &q->withdraws);
    ofl_timing_format(s, "waits for a flow an offload thread had",
                      &q->waits);
    ds_put_format(s, "  %"PRIu64" flows taken back from a batch unsent\n",
                  q->n_cancelled);
    if (ofl_yield_us) {
        char *what = xasprintf("yields to the revalidators (dumps over %lld "
                               "ms)", ofl_yield_us / 1000);

        ofl_timing_format(s, what, &q->yields);
        free(what);
    } else {
        ds_put_cstr(s, "yields to the revalidators: never (yield-ms 0)\n");
    }
    ds_put_format(s, "  the revalidators' last dump took %.1f ms%s\n",
                  q->reval_dump_us / 1000.0,
                  ofl_revalidators_behind(time_usec()) ? "; yielding now"
                                                       : "");
    ofl_timing_format(s, "reads of tc's counters", &q->reads);
    ds_put_format(s, "  %"PRIu64" by a dump itself, the others by the "
                  "reader thread; %"PRIuSIZE" flows at the last\n",
                  q->n_reads_inline, q->read_flows);
    ofl_timing_format(s, "dump merges", &q->merges);
    ovs_mutex_unlock(&ofl_mutex);

    if (n) {
        qsort(lat, n, sizeof *lat, cmp_ll);
        ds_put_format(s, "time from queued to in tc, the last %"PRIuSIZE
                      ": p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f "
                      "ms\n", n, lat[n / 2] / 1000.0,
                      lat[n * 9 / 10] / 1000.0, lat[n * 99 / 100] / 1000.0,
                      lat[n - 1] / 1000.0);
    } else {
        ds_put_cstr(s, "time from queued to in tc: no flow offloaded yet\n");
    }
    free(lat);
}

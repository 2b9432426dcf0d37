/* mf-offload-stats: tc's counters of the offloaded flows, read for the
 * dumps of the dpif provider (mf-offload.h). */
#include <config.h>
#include "mf-offload-int.h"

#include "coverage.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "seq.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_offload_stats);

COVERAGE_DEFINE(mf_offload_read_inline);
COVERAGE_DEFINE(mf_offload_read_thread);

/* A dump reads tc's counters itself while a read takes at most this long
 * (a fifth of a revalidator's round, 500 ms): then its counters are those
 * of that moment.  Beyond it, a read would make the revalidators' dumps
 * slow, and OVS cuts its flow limit for dumps of more than 1.3 s (and
 * deletes flows by the thousand): the reader thread reads them instead,
 * and a dump takes the last read's counters (at most one read old).  The
 * reader thread reads them too while offloads are queued or under way: a
 * revalidator's dump then does not contend with the offload threads in
 * the kernel (tc's locks), nor wait for the offload table's lock. */
#define INLINE_MAX_US 100000

uint64_t ofl_n_reads;

static struct seq *reader_seq;      /* Changes to ask the reader to read. */
static bool reader_busy OVS_GUARDED_BY(ofl_mutex);
static long long int last_done_us OVS_GUARDED_BY(ofl_mutex);

/* Counters read, booked under one lock per READ_BATCH filters. */
#define READ_BATCH 64

struct read_ctx {
    uint64_t n_read;                /* ofl_n_reads when it began. */
    long long int when;             /* time_msec() then. */
    size_t n;
    struct mf_ufid ufids[READ_BATCH];
    struct mf_flow_stats stats[READ_BATCH];
};

static void
read_book(struct read_ctx *ctx)
{
    ovs_mutex_lock(&ofl_mutex);
    for (size_t i = 0; i < ctx->n; i++) {
        const struct mf_flow_stats *st = &ctx->stats[i];
        struct ofl_flow *f = ofl_merged_find((const ovs_u128 *)
                                             &ctx->ufids[i]);

        /* Only a filter in place since before the read began is the one
         * the read saw; a newer read may have been quicker than this
         * one. */
        if (f && f->state == MF_OFFLOAD_OFFLOADED
            && f->installed_read < ctx->n_read
            && (f->tc_epoch != f->epoch
                || st->n_packets >= f->tc_stats.n_packets)) {
            if (st->n_packets > f->seen_packets) {
                f->seen_packets = st->n_packets;
                f->tc_used = MAX(f->tc_used, ctx->when);
            }
            f->tc_stats = *st;
            f->tc_epoch = f->epoch;
        }
    }
    ovs_mutex_unlock(&ofl_mutex);
    ctx->n = 0;
}

static void
read_cb(const struct mf_ufid *ufid, const struct mf_flow_stats *st,
        void *ctx_)
{
    struct read_ctx *ctx = ctx_;

    ctx->ufids[ctx->n] = *ufid;
    ctx->stats[ctx->n++] = *st;
    if (ctx->n == READ_BATCH) {
        read_book(ctx);
    }
}

/* Reads the counters of every offloaded flow from the kernel. */
static void
read_all(void)
{
    long long int t0 = time_usec();
    struct read_ctx *ctx = xmalloc(sizeof *ctx);
    size_t n = 0;

    ovs_mutex_lock(&ofl_mutex);
    ctx->n_read = ++ofl_n_reads;
    ctx->when = time_msec();
    ctx->n = 0;
    n = hmap_count(&ofl_merged);
    ovs_mutex_unlock(&ofl_mutex);
    if (n) {
        mf_engine_stats_all(read_cb, ctx);
        read_book(ctx);
    }
    free(ctx);
    ovs_mutex_lock(&ofl_mutex);
    ofl_timing_add(&ofl_qstats.reads, time_usec() - t0);
    ofl_qstats.read_flows = n;
    last_done_us = time_usec();
    ovs_mutex_unlock(&ofl_mutex);
}

static void *
reader_main(void *arg OVS_UNUSED)
{
    for (;;) {
        uint64_t seqno = seq_read(reader_seq);
        bool asked;

        ovs_mutex_lock(&ofl_mutex);
        asked = reader_busy;
        ovs_mutex_unlock(&ofl_mutex);
        if (asked) {
            read_all();
            COVERAGE_INC(mf_offload_read_thread);
            ovs_mutex_lock(&ofl_mutex);
            reader_busy = false;
            ovs_mutex_unlock(&ofl_mutex);
        }
        seq_wait(reader_seq, seqno);
        poll_block();
    }
    return NULL;
}

long long int ofl_yield_us = 1000 * 1000;

/* The revalidators' dump under way began at (0: none). */
static long long int reval_dump_start_us OVS_GUARDED_BY(ofl_mutex);

void
mf_offload_set_yield_ms(unsigned int ms)
{
    ovs_mutex_lock(&ofl_mutex);
    ofl_yield_us = ms * 1000LL;
    ovs_mutex_unlock(&ofl_mutex);
}

bool
ofl_revalidators_behind(long long int now) OVS_REQUIRES(ofl_mutex)
{
    return ofl_yield_us
           && (ofl_qstats.reval_dump_us > ofl_yield_us
               || (reval_dump_start_us
                   && now - reval_dump_start_us > ofl_yield_us));
}

void
mf_offload_dump_start(bool fresh)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    long long int now = time_usec();
    bool inline_, ask = false;

    ovs_mutex_lock(&ofl_mutex);
    if (!fresh) {
        reval_dump_start_us = now;
    }
    inline_ = fresh || (ofl_qstats.reads.last_us <= INLINE_MAX_US
                        && !ofl_n_queue && !ofl_n_busy);
    if (!inline_ && !reader_busy
        && now - last_done_us >= ofl_qstats.reads.last_us) {
        /* At most half of a CPU's time: it waits as long as it read. */
        reader_busy = ask = true;
    }
    if (inline_) {
        ofl_qstats.n_reads_inline++;
    }
    ovs_mutex_unlock(&ofl_mutex);

    if (inline_) {
        read_all();
        COVERAGE_INC(mf_offload_read_inline);
    } else if (ask) {
        if (ovsthread_once_start(&once)) {
            reader_seq = seq_create();
            ovs_thread_create("mf_tcstats", reader_main, NULL);
            ovsthread_once_done(&once);
        }
        seq_change(reader_seq);
    }
}

void
mf_offload_dump_merge(struct dpif_flow *flows, int n)
{
    ovs_mutex_lock(&ofl_mutex);
    for (int i = 0; i < n; i++) {
        struct dpif_flow *df = &flows[i];
        struct ofl_flow *f = df->ufid_present ? ofl_merged_find(&df->ufid)
                                              : NULL;

        if (!f) {
            continue;
        }
        ofl_stats_add(&df->stats, &f->carried);
        if (f->state == MF_OFFLOAD_OFFLOADED) {
            df->attrs.dp_layer = "tc";
            df->attrs.offloaded = false;
            if (f->tc_epoch == f->epoch) {
                ofl_stats_add_filter(&df->stats, &f->tc_stats, f->l2_len,
                                     f->tc_used);
                df->attrs.offloaded = f->tc_stats.in_hw;
            }
        }
    }
    ovs_mutex_unlock(&ofl_mutex);
}

void
mf_offload_dump_done(bool fresh, long long int merge_us)
{
    ovs_mutex_lock(&ofl_mutex);
    ofl_timing_add(&ofl_qstats.merges, merge_us);
    if (!fresh && reval_dump_start_us) {
        ofl_qstats.reval_dump_us = time_usec() - reval_dump_start_us;
        reval_dump_start_us = 0;
    }
    ovs_mutex_unlock(&ofl_mutex);
}

/* mf-offload: the queue of the dpif provider's offloads, and the withdraws
 * of their filters (mf-offload.h); its threads are mf-offload-thread.c. */
#include <config.h>
#include "mf-offload-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "coverage.h"
#include "dpif.h"
#include "hash.h"
#include "mf-engine.h"
#include "netdev.h"
#include "netdev-offload.h"
#include "netdev-offload-megaflower.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/thread.h"
#include "openvswitch/vlog.h"
#include "openvswitch/poll-loop.h"
#include "ovs-rcu.h"
#include "seq.h"
#include "ovs-thread.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(mf_offload);

COVERAGE_DEFINE(mf_offload_enqueued);
COVERAGE_DEFINE(mf_offload_stale);
COVERAGE_DEFINE(mf_offload_withdrawn);

struct ovs_mutex ofl_mutex = OVS_MUTEX_INITIALIZER;
struct hmap ofl_flows = HMAP_INITIALIZER(&ofl_flows);
struct hmap ofl_merged = HMAP_INITIALIZER(&ofl_merged);
struct ofl_qstats ofl_qstats;
size_t ofl_n_queue;
size_t ofl_n_overflow;
size_t ofl_n_busy;
size_t ofl_queue_max = 65536;
int ofl_nice = 19;
unsigned int ofl_n_threads;

struct seq *ofl_work_seq;       /* Changes when a flow is queued. */
/* Threads waiting for a flow an offload thread has. */
size_t ofl_n_waiters OVS_GUARDED_BY(ofl_mutex);

static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static struct ovs_list queue OVS_GUARDED_BY(ofl_mutex)
    = OVS_LIST_INITIALIZER(&queue);
static struct ovs_list overflow OVS_GUARDED_BY(ofl_mutex)
    = OVS_LIST_INITIALIZER(&overflow);

void
ofl_timing_add(struct ofl_timing *t, long long int us)
{
    t->n++;
    t->total_us += us;
    t->max_us = MAX(t->max_us, us);
    t->last_us = us;
}

/* As OVS prints a ufid. */
const struct uuid *
ofl_ufid_uuid(const ovs_u128 *ufid, struct uuid *u)
{
    memcpy(u, ufid, sizeof *u);
    return u;
}

uint32_t
ofl_ufid_hash(const ovs_u128 *ufid)
{
    return hash_bytes(ufid, sizeof *ufid, 0);
}

struct ofl_flow *
ofl_flow_find(const ovs_u128 *ufid) OVS_REQUIRES(ofl_mutex)
{
    struct ofl_flow *f;

    HMAP_FOR_EACH_WITH_HASH (f, node, ofl_ufid_hash(ufid), &ofl_flows) {
        if (ovs_u128_equals(f->ufid, *ufid)) {
            return f;
        }
    }
    return NULL;
}

struct ofl_flow *
ofl_merged_find(const ovs_u128 *ufid) OVS_REQUIRES(ofl_mutex)
{
    struct ofl_flow *f;

    HMAP_FOR_EACH_WITH_HASH (f, merged_node, ofl_ufid_hash(ufid),
                             &ofl_merged) {
        if (ovs_u128_equals(f->ufid, *ufid)) {
            return f;
        }
    }
    return NULL;
}

/* 'f' has just been offloaded. */
void
ofl_merged_add(struct ofl_flow *f) OVS_REQUIRES(ofl_mutex)
{
    if (!f->merged) {
        f->merged = true;
        hmap_insert(&ofl_merged, &f->merged_node, ofl_ufid_hash(&f->ufid));
    }
}

static void
merged_remove(struct ofl_flow *f) OVS_REQUIRES(ofl_mutex)
{
    if (f->merged) {
        f->merged = false;
        hmap_remove(&ofl_merged, &f->merged_node);
    }
}

/* Asks 'f' back from the offload thread that has it, if that thread has
 * not sent it yet: it drops it from its batch (it would be withdrawn as
 * soon as it is in). */
static void
ask_back(struct ofl_flow *f) OVS_REQUIRES(ofl_mutex)
{
    if (f->busy && f->offloading && !f->sending) {
        f->cancel = true;
    }
}

/* Waits until nobody else works on 'f'; then it is the caller's, until
 * ofl_flow_release().  While it waits for an offload thread, the offload
 * threads run at the waiter's priority. */
static void
flow_acquire(struct ofl_flow *f) OVS_REQUIRES(ofl_mutex)
{
    bool boost = f->busy && f->offloading;
    long long int t0 = time_usec();

    if (boost) {
        ask_back(f);
        if (!ofl_n_waiters++) {
            ofl_threads_boost(true);
        }
    }
    while (f->busy) {
        ovs_mutex_cond_wait(&idle_cond, &ofl_mutex);
    }
    if (boost) {
        if (!--ofl_n_waiters) {
            ofl_threads_boost(false);
        }
        ofl_timing_add(&ofl_qstats.waits, time_usec() - t0);
    }
    f->busy = true;
    ofl_n_busy++;
}

void
ofl_flow_release(struct ofl_flow *f) OVS_REQUIRES(ofl_mutex)
{
    f->busy = f->offloading = f->sending = f->cancel = false;
    ofl_n_busy--;
    xpthread_cond_broadcast(&idle_cond);
}

void
ofl_free_megaflow(struct ofl_flow *f)
{
    free(f->key);
    f->key = f->mask = f->actions = NULL;
    f->key_len = f->mask_len = f->actions_len = 0;
}

/* Takes QUEUED 'f' off its list. */
static void
dequeue(struct ofl_flow *f) OVS_REQUIRES(ofl_mutex)
{
    ovs_list_remove(&f->queue_node);
    if (f->overflow) {
        ofl_n_overflow--;
    } else {
        ofl_n_queue--;
    }
    f->overflow = false;
}

struct ofl_flow *
ofl_queue_pop(void) OVS_REQUIRES(ofl_mutex)
{
    struct ofl_flow *f = CONTAINER_OF(ovs_list_front(&queue),
                                      struct ofl_flow, queue_node);

    dequeue(f);
    return f;
}

void
ofl_count_stale(void) OVS_REQUIRES(ofl_mutex)
{
    ofl_qstats.n_stale++;
    COVERAGE_INC(mf_offload_stale);
}

void
ofl_refill(void) OVS_REQUIRES(ofl_mutex)
{
    while (ofl_n_overflow && ofl_n_queue < ofl_queue_max) {
        struct ofl_flow *f = CONTAINER_OF(ovs_list_pop_front(&overflow),
                                          struct ofl_flow, queue_node);

        ofl_n_overflow--;
        f->overflow = false;
        ovs_list_push_back(&queue, &f->queue_node);
        ofl_n_queue++;
    }
}

/* The counters of a filter, as the kernel datapath alone would have
 * counted its packets. */
void
ofl_stats_from_engine(const struct mf_flow_stats *st, uint8_t l2_len,
                  struct dpif_flow_stats *out)
{
    memset(out, 0, sizeof *out);
    out->n_packets = st->n_packets;
    out->n_bytes = st->n_bytes + (st->l2_bytes ? 0 : st->n_packets * l2_len);
    out->used = st->used;
}

void
ofl_stats_add(struct dpif_flow_stats *sum, const struct dpif_flow_stats *st)
{
    sum->n_packets += st->n_packets;
    sum->n_bytes += st->n_bytes;
    sum->used = MAX(sum->used, st->used);
    sum->tcp_flags |= st->tcp_flags;
}

void
ofl_stats_add_filter(struct dpif_flow_stats *sum,
                     const struct mf_flow_stats *st, uint8_t l2_len,
                     long long int tc_used)
{
    struct dpif_flow_stats fs;

    ofl_stats_from_engine(st, l2_len, &fs);
    fs.used = MAX(fs.used, tc_used);
    ofl_stats_add(sum, &fs);
}

/* Withdrawing a flow's filter, in two steps around the kernel's work
 * (the mutex released meanwhile): withdraw_begin() takes acquired 'f' out
 * of the queue if it is queued, and returns true if it has a filter to
 * delete; withdraw_end() records the deletion's outcome 'error' (with the
 * filter's final counters 'st'), and releases 'f'. */
static bool
withdraw_begin(struct ofl_flow *f) OVS_REQUIRES(ofl_mutex)
{
    if (f->state == MF_OFFLOAD_QUEUED) {
        dequeue(f);
        ofl_refill();
        ofl_free_megaflow(f);
        ofl_count_stale();
    }
    return f->state == MF_OFFLOAD_OFFLOADED;
}

static void
withdraw_end(struct ofl_flow *f, bool deleted, int error,
             const struct mf_flow_stats *st, const struct mf_err *err)
    OVS_REQUIRES(ofl_mutex)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

    if (deleted) {
        if (!error) {
            ofl_stats_add_filter(&f->carried, st, f->l2_len, f->tc_used);
        } else if (error != ENOENT) {
            struct uuid u;

            VLOG_WARN_RL(&rl, "flow "UUID_FMT": its tc filter could not be "
                         "removed before the kernel flow changed: %s (%s)",
                         UUID_ARGS(ofl_ufid_uuid(&f->ufid, &u)), err->msg,
                         ovs_strerror(error));
        }
        ofl_qstats.n_withdrawn++;
        COVERAGE_INC(mf_offload_withdrawn);
    }
    f->state = MF_OFFLOAD_WITHDRAWN;
    ofl_flow_release(f);
}

/* Deletes the filter of 'op''s flow once more if the first try failed: a
 * filter left with old actions would be wrong. */
static void
del_retry(struct mf_flow_del *op)
{
    if (op->error && op->error != ENOENT) {
        ovs_u128 ufid;

        memcpy(&ufid, &op->ufid, sizeof ufid);
        op->error = megaflower_flow_del(&ufid, &op->stats, &op->err);
    }
}

/* Removes 'f''s filter (the mutex held on entry and exit; released while
 * the kernel works). */
static void
withdraw__(struct ofl_flow *f) OVS_REQUIRES(ofl_mutex)
{
    struct mf_flow_del op;
    bool deleted;

    flow_acquire(f);
    deleted = withdraw_begin(f);
    if (deleted) {
        ovs_mutex_unlock(&ofl_mutex);
        memcpy(&op.ufid, &f->ufid, sizeof op.ufid);
        op.error = megaflower_flow_del(&f->ufid, &op.stats, &op.err);
        del_retry(&op);
        ovs_mutex_lock(&ofl_mutex);
    }
    withdraw_end(f, deleted, deleted ? op.error : 0, &op.stats, &op.err);
}

void
mf_offload_enqueue(const ovs_u128 *ufid, const struct nlattr *key,
                   size_t key_len, const struct nlattr *mask,
                   size_t mask_len, const struct nlattr *actions,
                   size_t actions_len, const char *dpif_type,
                   bool zero_stats)
{
    size_t len = key_len + mask_len + actions_len;
    struct ofl_flow *f;
    char *copy;

    /* One block: key, mask and actions, 4-byte aligned as nlattrs are. */
    copy = xmalloc(ROUND_UP(len, 4) + 8);
    /* A probe's put has no mask, a drop flow no actions: NULL, 0. */
    nullable_memcpy(copy, key, key_len);
    nullable_memcpy(copy + key_len, mask, mask_len);
    nullable_memcpy(copy + key_len + mask_len, actions, actions_len);

    ovs_mutex_lock(&ofl_mutex);
    f = ofl_flow_find(ufid);
    if (!f) {
        f = xzalloc(sizeof *f);
        f->ufid = *ufid;
        f->latency_us = -1;
        hmap_insert(&ofl_flows, &f->node, ofl_ufid_hash(ufid));
    } else {
        /* Whatever it had goes: not queued, no filter. */
        withdraw__(f);
    }
    if (zero_stats) {
        /* Withdrawn, and nothing carried over: no filter counts. */
        memset(&f->carried, 0, sizeof f->carried);
        merged_remove(f);
    }
    f->key = (struct nlattr *) copy;
    f->key_len = key_len;
    f->mask = (struct nlattr *) (copy + key_len);
    f->mask_len = mask_len;
    f->actions = (struct nlattr *) (copy + key_len + mask_len);
    f->actions_len = actions_len;
    f->dpif_type = dpif_type;
    f->state = MF_OFFLOAD_QUEUED;
    f->queued_us = time_usec();
    if (ofl_n_queue < ofl_queue_max) {
        ovs_list_push_back(&queue, &f->queue_node);
        ofl_n_queue++;
    } else {
        /* Beyond the bound: it waits, in software, for room. */
        f->overflow = true;
        ovs_list_push_back(&overflow, &f->queue_node);
        ofl_n_overflow++;
    }
    ofl_qstats.max_queue = MAX(ofl_qstats.max_queue, ofl_n_queue);
    ofl_qstats.max_overflow = MAX(ofl_qstats.max_overflow, ofl_n_overflow);
    COVERAGE_INC(mf_offload_enqueued);
    ovs_mutex_unlock(&ofl_mutex);
    seq_change(ofl_work_seq);
}

void
mf_offload_withdraw_batch(const ovs_u128 *const *ufids, size_t n,
                          struct dpif_flow_stats *stats, bool *known)
{
    struct mf_flow_del *ops = xmalloc(n * sizeof *ops);
    struct ofl_flow **dels = xmalloc(n * sizeof *dels);
    size_t *idx = xmalloc(n * sizeof *idx);
    bool *later = xcalloc(n, sizeof *later);
    long long int t0 = time_usec();
    size_t n_dels = 0;

    ovs_mutex_lock(&ofl_mutex);
    for (size_t i = 0; i < n; i++) {
        struct ofl_flow *f = ufids[i] ? ofl_flow_find(ufids[i]) : NULL;

        known[i] = f != NULL;
        if (!f || f->busy) {
            /* Being installed (or withdrawn): waited for below, alone.
             * All of them asked back from their batches at once. */
            later[i] = f != NULL;
            if (f) {
                ask_back(f);
            }
            continue;
        }
        flow_acquire(f);
        if (withdraw_begin(f)) {
            memcpy(&ops[n_dels].ufid, &f->ufid, sizeof ops[n_dels].ufid);
            dels[n_dels] = f;
            idx[n_dels++] = i;
        } else {
            withdraw_end(f, false, 0, NULL, NULL);
            ofl_stats_add(&stats[i], &f->carried);
        }
    }
    if (n_dels) {
        /* The acquired flows stay: nobody else touches a busy flow. */
        ovs_mutex_unlock(&ofl_mutex);
        if (megaflower_flow_del_batch(ops, n_dels)) {
            for (size_t k = 0; k < n_dels; k++) {
                del_retry(&ops[k]);
            }
        }
        ovs_mutex_lock(&ofl_mutex);
        for (size_t k = 0; k < n_dels; k++) {
            withdraw_end(dels[k], true, ops[k].error, &ops[k].stats,
                         &ops[k].err);
            ofl_stats_add(&stats[idx[k]], &dels[k]->carried);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (later[i]) {
            /* It may have gone while the mutex was released. */
            struct ofl_flow *f = ofl_flow_find(ufids[i]);

            known[i] = f != NULL;
            if (f) {
                withdraw__(f);
                ofl_stats_add(&stats[i], &f->carried);
            }
        }
    }
    if (n_dels) {
        ofl_timing_add(&ofl_qstats.withdraws, time_usec() - t0);
    }
    ovs_mutex_unlock(&ofl_mutex);
    free(later);
    free(idx);
    free(dels);
    free(ops);
}

static void
forget__(struct ofl_flow *f) OVS_REQUIRES(ofl_mutex)
{
    if (f->state != MF_OFFLOAD_WITHDRAWN) {
        withdraw__(f);
    }
    while (f->busy) {
        ovs_mutex_cond_wait(&idle_cond, &ofl_mutex);
    }
    if (f->state == MF_OFFLOAD_WITHDRAWN) {
        /* What the netdev adapter keeps of it (a refusal's reason, a
         * tunnel watch) goes too; it has no filter: no kernel call. */
        megaflower_flow_del(&f->ufid, NULL, NULL);
    }
    hmap_remove(&ofl_flows, &f->node);
    merged_remove(f);
    ofl_free_megaflow(f);
    free(f);
}

void
mf_offload_forget(const ovs_u128 *ufid)
{
    struct ofl_flow *f;

    ovs_mutex_lock(&ofl_mutex);
    f = ofl_flow_find(ufid);
    if (f) {
        forget__(f);
    }
    ovs_mutex_unlock(&ofl_mutex);
}

void
mf_offload_forget_all(void)
{
    ovs_mutex_lock(&ofl_mutex);
    for (;;) {
        struct hmap_node *node = hmap_first(&ofl_flows);

        if (!node) {
            break;
        }
        forget__(CONTAINER_OF(node, struct ofl_flow, node));
    }
    ovs_mutex_unlock(&ofl_mutex);
}

bool
mf_offload_get(const ovs_u128 *ufid, enum mf_offload_state *state,
               bool *in_hw, struct dpif_flow_stats *stats)
{
    long long int tc_used = 0;
    struct ofl_flow *f;
    uint32_t epoch = 0;
    uint8_t l2_len = 0;

    ovs_mutex_lock(&ofl_mutex);
    f = ofl_flow_find(ufid);
    if (f) {
        *state = f->state;
        *in_hw = false;
        ofl_stats_add(stats, &f->carried);
        epoch = f->epoch;
        l2_len = f->l2_len;
        tc_used = f->tc_used;
    }
    ovs_mutex_unlock(&ofl_mutex);
    if (f && *state == MF_OFFLOAD_OFFLOADED) {
        struct mf_flow_stats st;
        struct mf_err err;

        if (!mf_engine_stats((const struct mf_ufid *) ufid, &st, &err)) {
            bool same;

            ovs_mutex_lock(&ofl_mutex);
            f = ofl_flow_find(ufid);
            same = f && f->state == MF_OFFLOAD_OFFLOADED && f->epoch == epoch;
            ovs_mutex_unlock(&ofl_mutex);
            if (same) {
                /* Not withdrawn meanwhile (then its final counters are
                 * carried over, and these are in them). */
                ofl_stats_add_filter(stats, &st, l2_len, tc_used);
                *in_hw = st.in_hw;
            }
        }
    }
    return f != NULL;
}

size_t
mf_offload_n_pending(void)
{
    size_t n;

    ovs_mutex_lock(&ofl_mutex);
    n = ofl_n_queue + ofl_n_overflow + ofl_n_busy;
    ovs_mutex_unlock(&ofl_mutex);
    return n;
}


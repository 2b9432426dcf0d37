/* mf-offload: asynchronous, batched offload for the dpif provider. */
#include <config.h>
#include "mf-offload.h"

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
#include "mf-filter.h"
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
COVERAGE_DEFINE(mf_offload_offloaded);
COVERAGE_DEFINE(mf_offload_refused);
COVERAGE_DEFINE(mf_offload_stale);
COVERAGE_DEFINE(mf_offload_withdrawn);

/* The most flows an offload thread takes at once: one chunk of
 * megaflower_flow_put_batch(), which then needs no sender thread of its
 * own (several offload threads overlap instead). */
#define BATCH_MAX 256

/* Latencies kept for percentiles. */
#define N_LATENCIES 4096

struct ofl_flow {
    struct hmap_node node;          /* In 'flows', by hash of 'ufid'. */
    ovs_u128 ufid;
    enum mf_offload_state state;
    bool busy;                      /* Being offloaded or withdrawn. */
    bool in_hw;
    bool overflow;                  /* QUEUED beyond the queue's bound. */
    struct ovs_list queue_node;     /* In 'queue' or 'overflow' if QUEUED. */
    uint32_t epoch;                 /* Of its filter: +1 at each install. */
    uint8_t l2_len;                 /* Bytes of a packet tc does not count. */
    /* The megaflow, from enqueue until it is settled. */
    struct nlattr *key, *mask, *actions;
    size_t key_len, mask_len, actions_len;
    const char *dpif_type;
    long long int queued_us;        /* When it was queued, */
    long long int latency_us;       /* how long its offload took (or -1). */
    struct dpif_flow_stats carried; /* Of its filters that are gone. */
    /* Terse dumps give no time of last use: a filter is taken as used when
     * a snapshot finds its packet count grown, as OVS itself does. */
    uint64_t seen_packets;
    long long int tc_used;
};

static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
static struct seq *work_seq;    /* Changes when a flow is queued. */
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static struct hmap flows OVS_GUARDED_BY(mutex) = HMAP_INITIALIZER(&flows);
static struct ovs_list queue OVS_GUARDED_BY(mutex)
    = OVS_LIST_INITIALIZER(&queue);
static struct ovs_list overflow OVS_GUARDED_BY(mutex)
    = OVS_LIST_INITIALIZER(&overflow);
static size_t n_queue OVS_GUARDED_BY(mutex);
static size_t n_overflow OVS_GUARDED_BY(mutex);
static size_t n_busy OVS_GUARDED_BY(mutex);
static size_t queue_max = 65536;
static int offload_nice = 19;
static unsigned int n_threads;

/* What megaflower/queue shows. */
static struct {
    uint64_t n_batches, n_flows, max_batch;
    uint64_t n_offloaded, n_refused, n_stale;
    long long int busy_us, cpu_us;             /* In batches, all threads. */
    size_t max_queue, max_overflow;            /* The most ever. */
    long long int latencies[N_LATENCIES];     /* Microseconds. */
    size_t n_latencies;                        /* Ever recorded. */
} qstats OVS_GUARDED_BY(mutex);

/* As OVS prints a ufid. */
static const struct uuid *
ufid_uuid(const ovs_u128 *ufid, struct uuid *u)
{
    memcpy(u, ufid, sizeof *u);
    return u;
}

static uint32_t
ufid_hash(const ovs_u128 *ufid)
{
    return hash_bytes(ufid, sizeof *ufid, 0);
}

static struct ofl_flow *
flow_find(const ovs_u128 *ufid) OVS_REQUIRES(mutex)
{
    struct ofl_flow *f;

    HMAP_FOR_EACH_WITH_HASH (f, node, ufid_hash(ufid), &flows) {
        if (ovs_u128_equals(f->ufid, *ufid)) {
            return f;
        }
    }
    return NULL;
}

/* Waits until nobody else works on 'f'; then it is the caller's, until
 * flow_release(). */
static void
flow_acquire(struct ofl_flow *f) OVS_REQUIRES(mutex)
{
    while (f->busy) {
        ovs_mutex_cond_wait(&idle_cond, &mutex);
    }
    f->busy = true;
    n_busy++;
}

static void
flow_release(struct ofl_flow *f) OVS_REQUIRES(mutex)
{
    f->busy = false;
    n_busy--;
    xpthread_cond_broadcast(&idle_cond);
}

static void
free_megaflow(struct ofl_flow *f)
{
    free(f->key);
    f->key = f->mask = f->actions = NULL;
    f->key_len = f->mask_len = f->actions_len = 0;
}

/* Takes QUEUED 'f' off its list. */
static void
dequeue(struct ofl_flow *f) OVS_REQUIRES(mutex)
{
    ovs_list_remove(&f->queue_node);
    if (f->overflow) {
        n_overflow--;
    } else {
        n_queue--;
    }
    f->overflow = false;
}

/* Moves flows from beyond the bound into the queue while there is room. */
static void
refill(void) OVS_REQUIRES(mutex)
{
    while (n_overflow && n_queue < queue_max) {
        struct ofl_flow *f = CONTAINER_OF(ovs_list_pop_front(&overflow),
                                          struct ofl_flow, queue_node);

        n_overflow--;
        f->overflow = false;
        ovs_list_push_back(&queue, &f->queue_node);
        n_queue++;
    }
}

/* The counters of a filter, as the kernel datapath alone would have
 * counted its packets. */
static void
stats_from_engine(const struct mf_flow_stats *st, uint8_t l2_len,
                  struct dpif_flow_stats *out)
{
    memset(out, 0, sizeof *out);
    out->n_packets = st->n_packets;
    out->n_bytes = st->n_bytes + st->n_packets * l2_len;
    out->used = st->used;
}

static void
stats_add(struct dpif_flow_stats *sum, const struct dpif_flow_stats *st)
{
    sum->n_packets += st->n_packets;
    sum->n_bytes += st->n_bytes;
    sum->used = MAX(sum->used, st->used);
    sum->tcp_flags |= st->tcp_flags;
}

/* The offload threads. */

struct batch_item {
    struct ofl_flow *flow;
    struct match match;
    struct offload_info info;
    odp_port_t in_port;
    bool parsed;
};

/* Bytes of each packet that tc leaves out of its counters: the Ethernet
 * header on ingress (tc counts from the network header there; on an
 * internal port's egress, from the frame's start), and a VLAN tag the
 * kernel keeps aside (skb_vlan_untag() at receive, as the datapath counts
 * it back in). */
static uint8_t
l2_len_of(const struct match *m, const struct netdev *in)
{
    bool egress = !strcmp(netdev_get_type(in), "internal");
    bool tagged = (m->wc.masks.vlans[0].tci & htons(VLAN_CFI))
                  && (m->flow.vlans[0].tci & htons(VLAN_CFI));

    return (egress ? 0 : ETH_HEADER_LEN) + (tagged ? VLAN_HEADER_LEN : 0);
}

static void
parse(struct batch_item *it)
{
    const struct ofl_flow *f = it->flow;

    memset(&it->info, 0, sizeof it->info);
    it->parsed = (odp_flow_key_to_flow(f->key, f->key_len, &it->match.flow,
                                       NULL) != ODP_FIT_ERROR
                  && odp_flow_key_to_mask(f->mask, f->mask_len,
                                          &it->match.wc, &it->match.flow,
                                          NULL) != ODP_FIT_ERROR);
    it->in_port = it->match.flow.in_port.odp_port;
}

/* By in_port, the ones that did not parse last. */
static int
item_cmp(const void *a_, const void *b_)
{
    const struct batch_item *a = a_, *b = b_;

    if (a->parsed != b->parsed) {
        return a->parsed ? -1 : 1;
    }
    return (odp_to_u32(a->in_port) > odp_to_u32(b->in_port))
           - (odp_to_u32(a->in_port) < odp_to_u32(b->in_port));
}

/* Offloads items[0, n), all of one in_port, through the engine's batch
 * path; sets each put's error. */
static void
offload_group(struct batch_item *items, size_t n, struct megaflower_put *puts)
{
    struct netdev *netdev = netdev_ports_get(items[0].in_port,
                                             items[0].flow->dpif_type);

    for (size_t i = 0; i < n; i++) {
        struct ofl_flow *f = items[i].flow;

        puts[i].match = &items[i].match;
        puts[i].actions = f->actions;
        puts[i].actions_len = f->actions_len;
        puts[i].ufid = &f->ufid;
        puts[i].info = &items[i].info;
        puts[i].error = netdev ? 0 : ENODEV;
        if (netdev) {
            f->l2_len = l2_len_of(&items[i].match, netdev);
        }
    }
    if (netdev) {
        megaflower_flow_put_batch(netdev, puts, n);
        netdev_close(netdev);
    }
}

static void
record_latency(long long int us) OVS_REQUIRES(mutex)
{
    qstats.latencies[qstats.n_latencies++ % N_LATENCIES] = us;
}

/* This thread's CPU time, the kernel's work in its system calls included. */
static long long int
thread_cpu_us(void)
{
    struct timespec ts;

    return (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) ? 0
            : ts.tv_sec * 1000000LL + ts.tv_nsec / 1000);
}

static void *
offload_main(void *arg OVS_UNUSED)
{
    struct batch_item *items = xmalloc(BATCH_MAX * sizeof *items);
    struct megaflower_put *puts = xmalloc(BATCH_MAX * sizeof *puts);

    /* Below the handlers: under a storm the kernel datapath must keep
     * setting flows up; offloads are the ones that wait for CPU.  (The
     * kernel's work for a filter runs in this thread's system calls.) */
    if (setpriority(PRIO_PROCESS, syscall(SYS_gettid), offload_nice)) {
        VLOG_WARN("offload thread: setpriority: %s", ovs_strerror(errno));
    }

    for (;;) {
        uint64_t seqno = seq_read(work_seq);
        size_t n = 0, n_parsed = 0;
        long long int t0, cpu0;

        ovs_mutex_lock(&mutex);
        if (!n_queue) {
            ovs_mutex_unlock(&mutex);
            /* OVS's poll loop: it quiesces (RCU) while it waits, and adds
             * this thread's coverage counts to the totals each second. */
            seq_wait(work_seq, seqno);
            poll_timer_wait(1000);
            poll_block();
            continue;
        }
        while (n < BATCH_MAX && n_queue) {
            struct ofl_flow *f = CONTAINER_OF(ovs_list_front(&queue),
                                              struct ofl_flow, queue_node);

            dequeue(f);
            f->busy = true;
            n_busy++;
            items[n++].flow = f;
        }
        refill();
        ovs_mutex_unlock(&mutex);
        t0 = time_usec();
        cpu0 = thread_cpu_us();

        /* Nobody touches a busy flow's megaflow. */
        for (size_t i = 0; i < n; i++) {
            parse(&items[i]);
            n_parsed += items[i].parsed;
        }
        qsort(items, n, sizeof *items, item_cmp);
        for (size_t i = n_parsed; i < n; i++) {
            /* The kernel took what OVS cannot parse back: it stays
             * there. */
            puts[i].error = EINVAL;
        }
        for (size_t i = 0; i < n_parsed; ) {
            size_t j = i + 1;

            while (j < n_parsed && items[j].in_port == items[i].in_port) {
                j++;
            }
            offload_group(&items[i], j - i, &puts[i]);
            i = j;
        }

        ovs_mutex_lock(&mutex);
        qstats.busy_us += time_usec() - t0;
        qstats.cpu_us += thread_cpu_us() - cpu0;
        qstats.n_batches++;
        qstats.n_flows += n;
        qstats.max_batch = MAX(qstats.max_batch, n);
        for (size_t i = 0; i < n; i++) {
            struct ofl_flow *f = items[i].flow;
            long long int now = time_usec();

            if (!puts[i].error) {
                f->state = MF_OFFLOAD_OFFLOADED;
                f->epoch++;
                f->seen_packets = 0;
                f->latency_us = now - f->queued_us;
                record_latency(f->latency_us);
                qstats.n_offloaded++;
                COVERAGE_INC(mf_offload_offloaded);
            } else {
                f->state = MF_OFFLOAD_REFUSED;
                f->latency_us = -1;
                qstats.n_refused++;
                COVERAGE_INC(mf_offload_refused);
            }
            free_megaflow(f);
            flow_release(f);
        }
        ovs_mutex_unlock(&mutex);
    }
    return NULL;
}

void
mf_offload_start(unsigned int threads, size_t max, int nice)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        offload_nice = MIN(MAX(nice, -20), 19);
        n_threads = MIN(MAX(threads, 1), 8);
        queue_max = MAX(max, 1);
        work_seq = seq_create();
        for (unsigned int i = 0; i < n_threads; i++) {
            ovs_thread_create("mf_offload", offload_main, NULL);
        }
        VLOG_DBG("dpif mode: %u offload thread(s) at nice %d, queue of %"
                 PRIuSIZE" flows", n_threads, offload_nice, queue_max);
        ovsthread_once_done(&once);
    }
}

/* Removes 'f''s filter (the mutex held on entry and exit; released while
 * the kernel works). */
static void
withdraw__(struct ofl_flow *f) OVS_REQUIRES(mutex)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

    flow_acquire(f);
    if (f->state == MF_OFFLOAD_QUEUED) {
        dequeue(f);
        refill();
        free_megaflow(f);
        qstats.n_stale++;
        COVERAGE_INC(mf_offload_stale);
    } else if (f->state == MF_OFFLOAD_OFFLOADED) {
        struct mf_flow_stats st;
        struct dpif_flow_stats final;
        struct mf_err err;
        int error;

        ovs_mutex_unlock(&mutex);
        error = megaflower_flow_del(&f->ufid, &st, &err);
        if (error && error != ENOENT) {
            /* Once more: a filter left with old actions would be wrong. */
            error = megaflower_flow_del(&f->ufid, &st, &err);
        }
        ovs_mutex_lock(&mutex);
        if (!error) {
            stats_from_engine(&st, f->l2_len, &final);
            final.used = MAX(final.used, f->tc_used);
            stats_add(&f->carried, &final);
        } else if (error != ENOENT) {
            struct uuid u;

            VLOG_WARN_RL(&rl, "flow "UUID_FMT": its tc filter could not be "
                         "removed before the kernel flow changed: %s (%s)",
                         UUID_ARGS(ufid_uuid(&f->ufid, &u)), err.msg,
                         ovs_strerror(error));
        }
        COVERAGE_INC(mf_offload_withdrawn);
    }
    f->state = MF_OFFLOAD_WITHDRAWN;
    flow_release(f);
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
    memcpy(copy, key, key_len);
    memcpy(copy + key_len, mask, mask_len);
    memcpy(copy + key_len + mask_len, actions, actions_len);

    ovs_mutex_lock(&mutex);
    f = flow_find(ufid);
    if (!f) {
        f = xzalloc(sizeof *f);
        f->ufid = *ufid;
        f->latency_us = -1;
        hmap_insert(&flows, &f->node, ufid_hash(ufid));
    } else {
        /* Whatever it had goes: not queued, no filter. */
        withdraw__(f);
    }
    if (zero_stats) {
        memset(&f->carried, 0, sizeof f->carried);
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
    if (n_queue < queue_max) {
        ovs_list_push_back(&queue, &f->queue_node);
        n_queue++;
    } else {
        /* Beyond the bound: it waits, in software, for room. */
        f->overflow = true;
        ovs_list_push_back(&overflow, &f->queue_node);
        n_overflow++;
    }
    qstats.max_queue = MAX(qstats.max_queue, n_queue);
    qstats.max_overflow = MAX(qstats.max_overflow, n_overflow);
    COVERAGE_INC(mf_offload_enqueued);
    ovs_mutex_unlock(&mutex);
    seq_change(work_seq);
}

bool
mf_offload_withdraw(const ovs_u128 *ufid, struct dpif_flow_stats *stats)
{
    struct ofl_flow *f;

    ovs_mutex_lock(&mutex);
    f = flow_find(ufid);
    if (f) {
        withdraw__(f);
        if (stats) {
            stats_add(stats, &f->carried);
        }
    }
    ovs_mutex_unlock(&mutex);
    return f != NULL;
}

static void
forget__(struct ofl_flow *f) OVS_REQUIRES(mutex)
{
    if (f->state != MF_OFFLOAD_WITHDRAWN) {
        withdraw__(f);
    }
    while (f->busy) {
        ovs_mutex_cond_wait(&idle_cond, &mutex);
    }
    if (f->state == MF_OFFLOAD_WITHDRAWN) {
        /* What the netdev adapter keeps of it (a refusal's reason, a
         * tunnel watch) goes too; it has no filter: no kernel call. */
        megaflower_flow_del(&f->ufid, NULL, NULL);
    }
    hmap_remove(&flows, &f->node);
    free_megaflow(f);
    free(f);
}

void
mf_offload_forget(const ovs_u128 *ufid)
{
    struct ofl_flow *f;

    ovs_mutex_lock(&mutex);
    f = flow_find(ufid);
    if (f) {
        forget__(f);
    }
    ovs_mutex_unlock(&mutex);
}

void
mf_offload_forget_all(void)
{
    ovs_mutex_lock(&mutex);
    for (;;) {
        struct hmap_node *node = hmap_first(&flows);

        if (!node) {
            break;
        }
        forget__(CONTAINER_OF(node, struct ofl_flow, node));
    }
    ovs_mutex_unlock(&mutex);
}

bool
mf_offload_get(const ovs_u128 *ufid, enum mf_offload_state *state,
               bool *in_hw, struct dpif_flow_stats *stats)
{
    static __thread struct mf_filter filter;
    long long int tc_used = 0;
    struct ofl_flow *f;
    uint32_t epoch = 0;
    uint8_t l2_len = 0;

    ovs_mutex_lock(&mutex);
    f = flow_find(ufid);
    if (f) {
        *state = f->state;
        *in_hw = false;
        stats_add(stats, &f->carried);
        epoch = f->epoch;
        l2_len = f->l2_len;
        tc_used = f->tc_used;
    }
    ovs_mutex_unlock(&mutex);
    if (f && *state == MF_OFFLOAD_OFFLOADED) {
        struct mf_flow_stats st;
        struct mf_err err;

        if (!mf_engine_get((const struct mf_ufid *) ufid, &filter, &st,
                           &err)) {
            struct dpif_flow_stats live;
            bool same;

            ovs_mutex_lock(&mutex);
            f = flow_find(ufid);
            same = f && f->state == MF_OFFLOAD_OFFLOADED && f->epoch == epoch;
            ovs_mutex_unlock(&mutex);
            if (same) {
                /* Not withdrawn meanwhile (then its final counters are
                 * carried over, and these are in them). */
                stats_from_engine(&st, l2_len, &live);
                live.used = MAX(live.used, tc_used);
                stats_add(stats, &live);
                *in_hw = st.in_hw;
            }
        }
    }
    return f != NULL;
}

/* Snapshots. */

struct snap_entry {
    struct hmap_node node;
    ovs_u128 ufid;
    uint32_t epoch;             /* Of the flow's filter when it was read. */
    uint8_t l2_len;
    bool seen;                  /* Counted in the engine's dump. */
    struct mf_flow_stats stats;
};

struct mf_offload_snapshot {
    struct hmap entries;
    long long int when;         /* time_msec() it was read at. */
};

static struct snap_entry *
snap_find(const struct mf_offload_snapshot *snap, const ovs_u128 *ufid)
{
    struct snap_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, node, ufid_hash(ufid), &snap->entries) {
        if (ovs_u128_equals(e->ufid, *ufid)) {
            return e;
        }
    }
    return NULL;
}

static void
snap_cb(const struct mf_ufid *ufid, const struct mf_flow_stats *st,
        void *snap_)
{
    struct snap_entry *e = snap_find(snap_, (const ovs_u128 *) ufid);

    if (e) {
        e->stats = *st;
        e->seen = true;
    }
}

struct mf_offload_snapshot *
mf_offload_snapshot_create(void)
{
    struct mf_offload_snapshot *snap = xmalloc(sizeof *snap);
    struct ofl_flow *f;

    hmap_init(&snap->entries);
    snap->when = time_msec();
    /* Epochs first: a filter withdrawn after this has a newer one. */
    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH (f, node, &flows) {
        if (f->state == MF_OFFLOAD_OFFLOADED) {
            struct snap_entry *e = xzalloc(sizeof *e);

            e->ufid = f->ufid;
            e->epoch = f->epoch;
            e->l2_len = f->l2_len;
            hmap_insert(&snap->entries, &e->node, f->node.hash);
        }
    }
    ovs_mutex_unlock(&mutex);
    if (!hmap_is_empty(&snap->entries)) {
        mf_engine_stats_all(snap_cb, snap);
    }
    return snap;
}

bool
mf_offload_snapshot_add(const struct mf_offload_snapshot *snap,
                        const ovs_u128 *ufid, enum mf_offload_state *state,
                        bool *in_hw, struct dpif_flow_stats *stats)
{
    const struct snap_entry *e = snap_find(snap, ufid);
    struct ofl_flow *f;

    ovs_mutex_lock(&mutex);
    f = flow_find(ufid);
    if (f) {
        *state = f->state;
        *in_hw = false;
        stats_add(stats, &f->carried);
        if (e && e->seen && f->state == MF_OFFLOAD_OFFLOADED
            && f->epoch == e->epoch) {
            struct dpif_flow_stats live;

            if (e->stats.n_packets > f->seen_packets) {
                f->seen_packets = e->stats.n_packets;
                f->tc_used = MAX(f->tc_used, snap->when);
            }
            stats_from_engine(&e->stats, e->l2_len, &live);
            live.used = MAX(live.used, f->tc_used);
            stats_add(stats, &live);
            *in_hw = e->stats.in_hw;
        }
    }
    ovs_mutex_unlock(&mutex);
    return f != NULL;
}

void
mf_offload_snapshot_destroy(struct mf_offload_snapshot *snap)
{
    if (snap) {
        struct snap_entry *e;

        HMAP_FOR_EACH_POP (e, node, &snap->entries) {
            free(e);
        }
        hmap_destroy(&snap->entries);
        free(snap);
    }
}

size_t
mf_offload_n_pending(void)
{
    size_t n;

    ovs_mutex_lock(&mutex);
    n = n_queue + n_overflow + n_busy;
    ovs_mutex_unlock(&mutex);
    return n;
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

    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH (f, node, &flows) {
        n[f->state]++;
    }
    ds_put_format(s, "dpif mode: %"PRIuSIZE" flows: %"PRIuSIZE" pending, "
                  "%"PRIuSIZE" offloaded, %"PRIuSIZE" refused (in the "
                  "kernel datapath; reasons above), %"PRIuSIZE
                  " withdrawn\n", hmap_count(&flows), n[0], n[1], n[2], n[3]);
    HMAP_FOR_EACH (f, node, &flows) {
        struct uuid u;

        ds_put_format(s, "ufid:"UUID_FMT" %s",
                      UUID_ARGS(ufid_uuid(&f->ufid, &u)),
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
    ovs_mutex_unlock(&mutex);
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
    long long int *lat;
    size_t n;

    ovs_mutex_lock(&mutex);
    ds_put_format(s, "megaflower-mode dpif: %u offload thread(s), nice %d\n",
                  n_threads, offload_nice);
    ds_put_format(s, "queue: %"PRIuSIZE" pending (bound %"PRIuSIZE"), %"
                  PRIuSIZE" waiting beyond the bound, %"PRIuSIZE" being "
                  "installed or withdrawn\n", n_queue, queue_max, n_overflow,
                  n_busy);
    ds_put_format(s, "the most ever: %"PRIuSIZE" pending, %"PRIuSIZE
                  " waiting beyond the bound\n", qstats.max_queue,
                  qstats.max_overflow);
    ds_put_format(s, "batches: %"PRIu64", %"PRIu64" flows, %.1f flows per "
                  "batch, largest %"PRIu64"\n", qstats.n_batches,
                  qstats.n_flows, qstats.n_batches
                  ? (double) qstats.n_flows / qstats.n_batches : 0.0,
                  qstats.max_batch);
    /* Flows a second while a thread works on a batch, and per second of
     * its CPU: where the two differ, the thread waited for a CPU. */
    ds_put_format(s, "in batches: %.2f s (%.0f flows/s), %.2f s of CPU "
                  "(%.0f flows per CPU second)\n", qstats.busy_us / 1e6,
                  qstats.busy_us ? qstats.n_flows * 1e6 / qstats.busy_us : 0,
                  qstats.cpu_us / 1e6,
                  qstats.cpu_us ? qstats.n_flows * 1e6 / qstats.cpu_us : 0);
    ds_put_format(s, "offloaded %"PRIu64", refused %"PRIu64", dropped as "
                  "stale (withdrawn while queued) %"PRIu64"\n",
                  qstats.n_offloaded, qstats.n_refused, qstats.n_stale);
    n = MIN(qstats.n_latencies, N_LATENCIES);
    lat = xmemdup(qstats.latencies, n * sizeof *lat);
    ovs_mutex_unlock(&mutex);

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

/*
 * mf-offload-int: what the files of mf-offload share: the flows known in
 * dpif mode and the lock over them, the queue's figures (mf-offload.c:
 * the queue; mf-offload-thread.c: its threads), tc's counters read for dumps
 * (mf-offload-stats.c), and the operators' views (mf-offload-show.c).
 */
#ifndef MF_OFFLOAD_INT_H
#define MF_OFFLOAD_INT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpif.h"
#include "mf-engine.h"
#include "mf-offload.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/thread.h"

struct ds;
struct seq;
struct uuid;

struct ofl_flow {
    struct hmap_node node;          /* In 'ofl_flows', by ofl_ufid_hash(). */
    struct hmap_node merged_node;   /* In 'ofl_merged' if 'merged'. */
    bool merged;                    /* Offloaded since its counters began. */
    ovs_u128 ufid;
    enum mf_offload_state state;
    bool busy;                      /* Being offloaded or withdrawn. */
    bool offloading;                /* Busy in an offload thread's batch, */
    bool sending;                   /* in the kernel's hands already. */
    bool cancel;                    /* Not to be sent: a withdraw waits. */
    bool overflow;                  /* QUEUED beyond the queue's bound. */
    struct ovs_list queue_node;     /* In the queue or overflow if QUEUED. */
    uint32_t epoch;                 /* Of its filter: +1 at each install. */
    uint8_t l2_len;                 /* Bytes of a packet tc does not count. */
    /* The megaflow, from enqueue until it is settled. */
    struct nlattr *key, *mask, *actions;
    size_t key_len, mask_len, actions_len;
    const char *dpif_type;
    long long int queued_us;        /* When it was queued, */
    long long int latency_us;       /* how long its offload took (or -1). */
    struct dpif_flow_stats carried; /* Of its filters that are gone. */
    /* tc's counters of its live filter as last read (mf-offload-stats.c),
     * valid while 'tc_epoch' equals 'epoch'.  Terse dumps give no time of
     * last use: a filter is taken as used when a read finds its packet
     * count grown, as OVS itself does. */
    struct mf_flow_stats tc_stats;
    uint32_t tc_epoch;
    uint64_t installed_read;        /* ofl_n_reads when its filter went in. */
    uint64_t seen_packets;
    long long int tc_used;
};

/* How long something took, for megaflower/queue. */
struct ofl_timing {
    uint64_t n;
    long long int total_us, max_us, last_us;
};

void ofl_timing_add(struct ofl_timing *, long long int us);
void ofl_timing_format(struct ds *, const char *what,
                       const struct ofl_timing *);

/* Latencies kept for percentiles. */
#define OFL_N_LATENCIES 4096

/* What megaflower/queue shows. */
struct ofl_qstats {
    uint64_t n_batches, n_flows, max_batch;
    uint64_t n_offloaded, n_refused, n_stale, n_withdrawn;
    long long int busy_us, cpu_us;             /* In batches, all threads. */
    size_t max_queue, max_overflow;            /* The most ever. */
    long long int latencies[OFL_N_LATENCIES];  /* Microseconds. */
    size_t n_latencies;                        /* Ever recorded. */
    struct ofl_timing withdraws;    /* Batches that deleted filters. */
    struct ofl_timing waits;        /* For a flow an offload thread had. */
    struct ofl_timing yields;       /* To the revalidators' slow dumps. */
    long long int reval_dump_us;    /* The revalidators' last dump took. */
    uint64_t n_cancelled;           /* Taken back from a batch unsent. */
    struct ofl_timing reads;        /* Of tc's counters, every port. */
    size_t read_flows;              /* In 'ofl_merged' at the last read. */
    uint64_t n_reads_inline;        /* Of those, made by a dump itself. */
    struct ofl_timing merges;       /* A dump's merge, all its threads. */
};

extern struct ovs_mutex ofl_mutex;
extern struct hmap ofl_flows OVS_GUARDED_BY(ofl_mutex);
/* The flows whose filters count in their dumps and gets: the ones
 * offloaded since their counters began (their filter live, or its final
 * counters carried over).  A dump's merge and a read of tc's counters
 * look flows up here, in a table as small as what tc holds, rather than
 * in 'ofl_flows', which holds every kernel flow. */
extern struct hmap ofl_merged OVS_GUARDED_BY(ofl_mutex);
extern struct ofl_qstats ofl_qstats OVS_GUARDED_BY(ofl_mutex);

/* The queue (mf-offload.c). */
extern size_t ofl_n_queue OVS_GUARDED_BY(ofl_mutex);
extern size_t ofl_n_overflow OVS_GUARDED_BY(ofl_mutex);
extern size_t ofl_n_busy OVS_GUARDED_BY(ofl_mutex);
extern size_t ofl_queue_max;
extern int ofl_nice;
extern unsigned int ofl_n_threads;

/* Reads of tc's counters begun (mf-offload-stats.c). */
extern uint64_t ofl_n_reads OVS_GUARDED_BY(ofl_mutex);

/* The queue's work (mf-offload.c), for the offload threads: changes when
 * a flow is queued; the front flow, taken off the queue; beyond-the-bound
 * flows moved in while there is room; a flow released by the thread that
 * had it (busy), and its megaflow freed; a flow dropped as stale. */
extern struct seq *ofl_work_seq;
struct ofl_flow *ofl_queue_pop(void) OVS_REQUIRES(ofl_mutex);
void ofl_refill(void) OVS_REQUIRES(ofl_mutex);
void ofl_flow_release(struct ofl_flow *) OVS_REQUIRES(ofl_mutex);
void ofl_free_megaflow(struct ofl_flow *);
void ofl_count_stale(void) OVS_REQUIRES(ofl_mutex);

/* Threads waiting for a flow an offload thread has; while there are any,
 * ofl_threads_boost(true) has the offload threads (mf-offload-thread.c)
 * run at nice 0 rather than 'ofl_nice'. */
extern size_t ofl_n_waiters OVS_GUARDED_BY(ofl_mutex);
void ofl_threads_boost(bool on) OVS_REQUIRES(ofl_mutex);

/* Whether the offload threads yield to the revalidators now, at 'now'
 * (mf_offload_set_yield_ms(); mf-offload-stats.c); the bound, in
 * microseconds (0: never). */
bool ofl_revalidators_behind(long long int now) OVS_REQUIRES(ofl_mutex);
extern long long int ofl_yield_us OVS_GUARDED_BY(ofl_mutex);

struct ofl_flow *ofl_flow_find(const ovs_u128 *) OVS_REQUIRES(ofl_mutex);
struct ofl_flow *ofl_merged_find(const ovs_u128 *) OVS_REQUIRES(ofl_mutex);
void ofl_merged_add(struct ofl_flow *) OVS_REQUIRES(ofl_mutex);
uint32_t ofl_ufid_hash(const ovs_u128 *);
const struct uuid *ofl_ufid_uuid(const ovs_u128 *, struct uuid *);

/* The counters of a filter, as the kernel datapath alone would have
 * counted its packets; and a sum of counters. */
void ofl_stats_from_engine(const struct mf_flow_stats *, uint8_t l2_len,
                           struct dpif_flow_stats *);
void ofl_stats_add(struct dpif_flow_stats *sum,
                   const struct dpif_flow_stats *);

/* Adds to 'sum' the counters 'st' of one of a flow's filters (live or just
 * deleted), used no earlier than 'tc_used' (when a read last saw it
 * grow). */
void ofl_stats_add_filter(struct dpif_flow_stats *sum,
                          const struct mf_flow_stats *st, uint8_t l2_len,
                          long long int tc_used);

#endif /* mf-offload-int.h */

/* mf-offload-thread: the offload threads of the dpif provider: each takes
 * a batch of queued flows, gives them to the engine's batch path a chunk at
 * a time, and books the outcome (mf-offload.h). */
#include <config.h>
#include "mf-offload-int.h"
#include "mf-orphan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "coverage.h"
#include "dpif.h"
#include "netdev.h"
#include "netdev-offload.h"
#include "netdev-offload-megaflower.h"
#include "odp-util.h"
#include "openvswitch/match.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "packets.h"
#include "seq.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_offload_thread);

COVERAGE_DEFINE(mf_offload_offloaded);
COVERAGE_DEFINE(mf_offload_refused);
COVERAGE_DEFINE(mf_offload_yield);

/* The most flows an offload thread takes at once: one chunk of
 * megaflower_flow_put_batch(), which then needs no sender thread of its
 * own (several offload threads overlap instead). */
#define BATCH_MAX 256

/* It gives them to the kernel this many at a time.  Between two sends it
 * drops the flows a withdraw asked back (mf_offload_withdraw_batch(),
 * mf_offload_enqueue()), and releases each sent chunk's: a withdraw waits
 * for at most one chunk, not for the whole batch. */
#define CHUNK_MAX 64

/* While it yields to the revalidators (mf_offload_set_yield_ms()), a thread
 * looks again this often. */
#define YIELD_POLL_MS 50

/* The offload threads run at nice 'ofl_nice' (19: below the handlers),
 * except while another thread waits for a flow one of them has: then they
 * run at nice 0, as the waiter (a revalidator, say) would, until nobody
 * waits.  Otherwise, under a storm, a revalidator would wait for seconds
 * on a thread that gets no CPU from the handlers. */
static pid_t offload_tids[8] OVS_GUARDED_BY(ofl_mutex);
static size_t n_offload_tids OVS_GUARDED_BY(ofl_mutex);

/* The nice of the offload threads while 'boosted' or not. */
static int
offload_nice(bool boosted)
{
    return boosted ? MIN(ofl_nice, 0) : ofl_nice;
}

static void
set_thread_nice(pid_t tid, int nice)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 60);

    if (setpriority(PRIO_PROCESS, tid, nice)) {
        VLOG_WARN_RL(&rl, "offload thread %ld: setpriority(%d): %s",
                     (long) tid, nice, ovs_strerror(errno));
    }
}

void
ofl_threads_boost(bool on) OVS_REQUIRES(ofl_mutex)
{
    if (ofl_nice > 0) {
        for (size_t i = 0; i < n_offload_tids; i++) {
            set_thread_nice(offload_tids[i], offload_nice(on));
        }
    }
}

struct batch_item {
    struct ofl_flow *flow;
    struct match match;
    struct offload_info info;
    odp_port_t in_port;
    bool parsed;
    int error;                  /* Of its put, once sent. */
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

/* Offloads 'items[0, n)', all of one in_port, through the engine's batch
 * path; sets each one's error. */
static void
offload_group(struct batch_item **items, size_t n)
{
    struct netdev *netdev = netdev_ports_get(items[0]->in_port,
                                             items[0]->flow->dpif_type);
    struct megaflower_put puts[CHUNK_MAX];

    for (size_t i = 0; i < n; i++) {
        struct ofl_flow *f = items[i]->flow;

        puts[i].match = &items[i]->match;
        puts[i].actions = f->actions;
        puts[i].actions_len = f->actions_len;
        puts[i].ufid = &f->ufid;
        puts[i].info = &items[i]->info;
        puts[i].error = netdev ? 0 : ENODEV;
        if (netdev) {
            f->l2_len = l2_len_of(&items[i]->match, netdev);
        }
    }
    if (netdev) {
        megaflower_flow_put_batch(netdev, puts, n);
        netdev_close(netdev);
    }
    for (size_t i = 0; i < n; i++) {
        items[i]->error = puts[i].error;
    }
}

static void
record_latency(long long int us) OVS_REQUIRES(ofl_mutex)
{
    ofl_qstats.latencies[ofl_qstats.n_latencies++ % OFL_N_LATENCIES] = us;
}

/* This thread's CPU time, the kernel's work in its system calls included. */
static long long int
thread_cpu_us(void)
{
    struct timespec ts;

    return (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) ? 0
            : ts.tv_sec * 1000000LL + ts.tv_nsec / 1000);
}

/* Books the outcome of batch item 'it' and releases its flow. */
static void
settle(struct batch_item *it) OVS_REQUIRES(ofl_mutex)
{
    struct ofl_flow *f = it->flow;

    if (!it->error) {
        f->state = MF_OFFLOAD_OFFLOADED;
        ofl_merged_add(f);
        f->epoch++;
        f->installed_read = ofl_n_reads;
        f->seen_packets = 0;
        f->latency_us = time_usec() - f->queued_us;
        record_latency(f->latency_us);
        ofl_qstats.n_offloaded++;
        COVERAGE_INC(mf_offload_offloaded);
    } else {
        f->state = MF_OFFLOAD_REFUSED;
        f->latency_us = -1;
        ofl_qstats.n_refused++;
        COVERAGE_INC(mf_offload_refused);
    }
    ofl_free_megaflow(f);
    ofl_flow_release(f);
}

/* Sends 'items[0, n)', all of one in_port and at most CHUNK_MAX, but the
 * ones a withdraw asked back, and settles them all. */
static void
send_chunk(struct batch_item *items, size_t n)
{
    struct batch_item *sent[CHUNK_MAX];
    size_t n_sent = 0;

    ovs_mutex_lock(&ofl_mutex);
    for (size_t i = 0; i < n; i++) {
        struct ofl_flow *f = items[i].flow;

        if (f->cancel) {
            /* Its withdraw finds no filter, and takes it from here. */
            f->state = MF_OFFLOAD_WITHDRAWN;
            ofl_free_megaflow(f);
            ofl_flow_release(f);
            ofl_count_stale();
            ofl_qstats.n_cancelled++;
        } else {
            f->sending = true;
            sent[n_sent++] = &items[i];
        }
    }
    ovs_mutex_unlock(&ofl_mutex);

    if (n_sent) {
        offload_group(sent, n_sent);
    }

    ovs_mutex_lock(&ofl_mutex);
    for (size_t i = 0; i < n_sent; i++) {
        settle(sent[i]);
    }
    ovs_mutex_unlock(&ofl_mutex);
}

static void *
offload_main(void *arg OVS_UNUSED)
{
    struct batch_item *items = xmalloc(BATCH_MAX * sizeof *items);
    long long int yield_start = 0;

    /* Below the handlers: under a storm the kernel datapath must keep
     * setting flows up; offloads are the ones that wait for CPU.  (The
     * kernel's work for a filter runs in this thread's system calls.) */
    ovs_mutex_lock(&ofl_mutex);
    offload_tids[n_offload_tids] = syscall(SYS_gettid);
    set_thread_nice(offload_tids[n_offload_tids],
                    offload_nice(ofl_n_waiters > 0));
    n_offload_tids++;
    ovs_mutex_unlock(&ofl_mutex);

    for (;;) {
        uint64_t seqno = seq_read(ofl_work_seq);
        size_t n = 0, n_parsed = 0;
        long long int t0, cpu0;

        ovs_mutex_lock(&ofl_mutex);
        if (!ofl_n_queue) {
            size_t n_orphans;

            if (yield_start) {
                /* Its flows went meanwhile. */
                ofl_timing_add(&ofl_qstats.yields, time_usec() - yield_start);
                yield_start = 0;
            }
            ovs_mutex_unlock(&ofl_mutex);
            /* Idle: the flows whose deletion failed go now (mf-orphan.h),
             * the wait is short while some are left. */
            n_orphans = mf_orphan_retry(false);

            /* OVS's poll loop: it quiesces (RCU) while it waits, and adds
             * this thread's coverage counts to the totals each second. */
            seq_wait(ofl_work_seq, seqno);
            poll_timer_wait(n_orphans ? MF_ORPHAN_RETRY_MS : 1000);
            poll_block();
            continue;
        }
        t0 = time_usec();
        if (ofl_revalidators_behind(t0)) {
            /* The flows wait in the queue, in the kernel meanwhile. */
            if (!yield_start) {
                yield_start = t0;
                COVERAGE_INC(mf_offload_yield);
            }
            ovs_mutex_unlock(&ofl_mutex);
            poll_timer_wait(YIELD_POLL_MS);
            poll_block();
            continue;
        }
        if (yield_start) {
            ofl_timing_add(&ofl_qstats.yields, t0 - yield_start);
            yield_start = 0;
        }
        while (n < BATCH_MAX && ofl_n_queue) {
            struct ofl_flow *f = ofl_queue_pop();

            f->busy = f->offloading = true;
            ofl_n_busy++;
            items[n++].flow = f;
        }
        ofl_refill();
        ovs_mutex_unlock(&ofl_mutex);
        cpu0 = thread_cpu_us();

        /* Nobody touches a busy flow's megaflow. */
        for (size_t i = 0; i < n; i++) {
            parse(&items[i]);
            n_parsed += items[i].parsed;
        }
        qsort(items, n, sizeof *items, item_cmp);
        if (n_parsed < n) {
            /* The kernel took what OVS cannot parse back: it stays there.
             * Released first, so that no withdraw waits for the sends. */
            ovs_mutex_lock(&ofl_mutex);
            for (size_t i = n_parsed; i < n; i++) {
                items[i].error = EINVAL;
                settle(&items[i]);
            }
            ovs_mutex_unlock(&ofl_mutex);
        }
        for (size_t i = 0; i < n_parsed; ) {
            size_t j = i + 1;

            while (j < n_parsed && j - i < CHUNK_MAX
                   && items[j].in_port == items[i].in_port) {
                j++;
            }
            send_chunk(&items[i], j - i);
            i = j;
        }

        ovs_mutex_lock(&ofl_mutex);
        ofl_qstats.busy_us += time_usec() - t0;
        ofl_qstats.cpu_us += thread_cpu_us() - cpu0;
        ofl_qstats.n_batches++;
        ofl_qstats.n_flows += n;
        ofl_qstats.max_batch = MAX(ofl_qstats.max_batch, n);
        ovs_mutex_unlock(&ofl_mutex);
    }
    return NULL;
}

void
mf_offload_start(unsigned int threads, size_t max, int nice)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        ofl_nice = MIN(MAX(nice, -20), 19);
        ofl_n_threads = MIN(MAX(threads, 1), 8);
        ofl_queue_max = MAX(max, 1);
        ofl_work_seq = seq_create();
        for (unsigned int i = 0; i < ofl_n_threads; i++) {
            ovs_thread_create("mf_offload", offload_main, NULL);
        }
        VLOG_DBG("dpif mode: %u offload thread(s) at nice %d, queue of %"
                 PRIuSIZE" flows", ofl_n_threads, ofl_nice, ofl_queue_max);
        ovsthread_once_done(&once);
    }
}

/* mf-rebalance: the hottest flows into a full flow cache, the coldest out
 * (mf-rebalance.h). */
#include <config.h>

#include "mf-rebalance.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "mf-backend.h"
#include "mf-engine.h"
#include "mf-engine-int.h"
#include "mf-place.h"
#include "netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "smap.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_rebalance);

COVERAGE_DEFINE(mf_rebalance_promoted);
COVERAGE_DEFINE(mf_rebalance_evicted);

static atomic_uint interval_ms = MF_REBALANCE_DEFAULT_MS;

static int
compare_hot(const void *a_, const void *b_)
{
    const struct mf_rebalance_item *a = a_, *b = b_;

    return a->delta < b->delta ? 1 : a->delta > b->delta ? -1 : 0;
}

static int
compare_cold(const void *a_, const void *b_)
{
    return compare_hot(b_, a_);
}

size_t
mf_rebalance_pick(struct mf_rebalance_item *hot, size_t n_hot,
                  struct mf_rebalance_item *cold, size_t n_cold, size_t max)
{
    size_t k = 0;

    if (!n_hot || !n_cold) {
        return 0;               /* And no qsort() of a NULL array. */
    }
    qsort(hot, n_hot, sizeof *hot, compare_hot);
    qsort(cold, n_cold, sizeof *cold, compare_cold);
    while (k < n_hot && k < n_cold && k < max) {
        uint64_t h = hot[k].delta, c = cold[k].delta;

        if (h < MF_REBALANCE_MIN_PACKETS + c || h / 2 <= c) {
            break;
        }
        k++;
    }
    return k;
}

/* One port's flows in a round: those of its preferred backend 'top'
 * (cold) and of the backends behind it (hot). */
struct port_heat {
    unsigned int top;
    unsigned int behind;        /* Bit i: backend i. */
    struct mf_rebalance_item *hot, *cold;
    size_t n_hot, n_cold, cap_hot, cap_cold;
};

static void
push(struct mf_rebalance_item **items, size_t *n, size_t *cap,
     const struct mf_ufid *ufid, uint64_t delta)
{
    if (*n >= *cap) {
        *items = x2nrealloc(*items, cap, sizeof **items);
    }
    (*items)[*n].ufid = *ufid;
    (*items)[(*n)++].delta = delta;
}

/* Whether 'port' needs a round: its preferred backend full, another one
 * behind it.  Fills in 'ph''s backends. */
static bool
port_full(const struct mf_port *port, struct port_heat *ph)
{
    unsigned int served = mf_engine_port_served(port->ifindex);
    const struct mf_backend *b;
    size_t cap, n_flows = 0;

    if (!served || !(served & (served - 1))) {
        return false;           /* One backend or none: nothing to swap. */
    }
    ph->top = __builtin_ctz(served);
    ph->behind = served & ~(1u << ph->top);
    b = mf_engine_backend(ph->top);
    cap = b->capacity(port->ifindex, &n_flows);
    return cap != SIZE_MAX && n_flows >= cap;
}

/* Reads the heat of every flow on 'port' into 'ph'.  Every flow's heat is
 * read each round it is full, so that each delta covers one round. */
static void
port_weigh(const struct mf_port *port, struct port_heat *ph)
{
    struct mf_engine_dump *d;
    struct mf_flow_dumped f;
    const char *dp_layer;
    struct ofpbuf buf;
    struct mf_err err;

    if (mf_engine_dump_start(port, true, &d, &err)) {
        return;
    }
    ofpbuf_init(&buf, 1024);
    memset(&f, 0, sizeof f);
    while (mf_engine_dump_next(d, &f, &buf, &dp_layer)) {
        struct mf_place_heat h;

        ofpbuf_clear(&buf);
        if (!mf_place_heat(&f.ufid, f.stats.n_packets, &h)
            || h.ifindex != port->ifindex) {
            continue;
        }
        if (h.backend == ph->top) {
            push(&ph->cold, &ph->n_cold, &ph->cap_cold, &f.ufid, h.delta);
        } else if (ph->behind & (1u << h.backend)) {
            push(&ph->hot, &ph->n_hot, &ph->cap_hot, &f.ufid, h.delta);
        }
    }
    mf_engine_dump_done(d);
    ofpbuf_uninit(&buf);
}

/* Moves 'ufid', if backend 'from' still holds it, to a backend in 'to'.
 * Returns 0, or a positive errno with why in 'why'. */
static int
move_one(const struct mf_port *port, const struct mf_ufid *ufid,
         unsigned int from, unsigned int to, struct ds *why)
{
    const struct mf_backend *b = mf_engine_backend(from);
    struct mf_flow_put op = { .ufid = *ufid };
    struct nlattr *actions;
    struct mf_flow_stats st;
    struct match match;
    struct ofpbuf buf;
    struct mf_err err;
    int error;

    if (mf_place_acquire(ufid) != (int) from) {
        /* Deleted, modified elsewhere or moved meanwhile: not this
         * round's. */
        mf_place_release(ufid);
        ds_put_cstr(why, "the flow changed meanwhile");
        return EAGAIN;
    }
    ofpbuf_init(&buf, 1024);
    ds_init(&op.reason);
    error = b->get(port, ufid, &match, &actions, &buf, &st, &err);
    if (error) {
        ds_put_cstr(why, err.msg);
    } else {
        op.match = &match;
        op.actions = nl_attr_get(actions);
        op.actions_len = nl_attr_get_size(actions);
        if (!mf_engine_move_to(port, from, to, &op)) {
            error = op.error ? op.error : EOPNOTSUPP;
            ds_put_cstr(why, ds_cstr(&op.reason));
        }
    }
    mf_place_release(ufid);
    ds_destroy(&op.reason);
    ofpbuf_uninit(&buf);
    return error;
}

/* Swaps the first 'k' pairs of 'ph' on 'port'.  Returns the flows
 * promoted. */
static size_t
port_swap(const struct mf_port *port, const struct port_heat *ph, size_t k)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    struct ds why = DS_EMPTY_INITIALIZER;
    size_t n_promoted = 0, n_evicted = 0;

    for (size_t i = 0; i < k; i++) {
        int hot_b = mf_place_lookup(&ph->hot[i].ufid);

        ds_clear(&why);
        if (hot_b < 0 || !(ph->behind & (1u << hot_b))) {
            continue;           /* Gone meanwhile. */
        }
        /* The cold one out first: the full backend has no room. */
        if (move_one(port, &ph->cold[i].ufid, ph->top, ph->behind, &why)) {
            VLOG_DBG_RL(&rl, "%s: a cold flow stays in %s: %s", port->name,
                        mf_engine_backend(ph->top)->name, ds_cstr(&why));
            break;
        }
        n_evicted++;
        COVERAGE_INC(mf_rebalance_evicted);
        ds_clear(&why);
        if (move_one(port, &ph->hot[i].ufid, hot_b, 1u << ph->top, &why)) {
            VLOG_DBG_RL(&rl, "%s: a hot flow stays in %s: %s", port->name,
                        mf_engine_backend(hot_b)->name, ds_cstr(&why));
            continue;
        }
        n_promoted++;
        COVERAGE_INC(mf_rebalance_promoted);
    }
    if (n_promoted || n_evicted) {
        VLOG_DBG("%s: %s full: %"PRIuSIZE" hot flows promoted into it, "
                 "%"PRIuSIZE" cold ones moved out", port->name,
                 mf_engine_backend(ph->top)->name, n_promoted, n_evicted);
    }
    ds_destroy(&why);
    return n_promoted;
}

size_t
mf_rebalance_round(const struct mf_port *ports, size_t n)
{
    size_t n_promoted = 0;

    for (size_t i = 0; i < n; i++) {
        struct port_heat ph;
        size_t k;

        memset(&ph, 0, sizeof ph);
        if (!port_full(&ports[i], &ph)) {
            continue;
        }
        port_weigh(&ports[i], &ph);
        k = mf_rebalance_pick(ph.hot, ph.n_hot, ph.cold, ph.n_cold,
                              MF_REBALANCE_MAX_SWAPS);
        n_promoted += port_swap(&ports[i], &ph, k);
        free(ph.hot);
        free(ph.cold);
    }
    return n_promoted;
}

unsigned int
mf_rebalance_interval(void)
{
    unsigned int ms;

    atomic_read_relaxed(&interval_ms, &ms);
    return ms;
}

static void (*round_fn)(void);

static void *
rebalance_main(void *arg OVS_UNUSED)
{
    for (;;) {
        unsigned int ms = mf_rebalance_interval();

        xnanosleep((ms ? ms : MF_REBALANCE_DEFAULT_MS) * 1000000ULL);
        if (mf_rebalance_interval()) {
            round_fn();
            /* This thread never blocks in poll_block(), which would hand
             * its coverage counts to the totals. */
            coverage_try_clear();
        }
    }
    return NULL;
}

/* Starts the thread, once, if configured. */
static void
rebalance_start(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (round_fn && ovsthread_once_start(&once)) {
        ovs_thread_create("mf_rebalance", rebalance_main, NULL);
        ovsthread_once_done(&once);
    }
}

void
mf_rebalance_configure(const struct smap *cfg, void (*round)(void))
{
    static bool started;        /* Only the main thread configures. */
    unsigned long long ms = smap_get_ullong(cfg,
                                            "megaflower-cache-rebalance-ms",
                                            MF_REBALANCE_DEFAULT_MS);

    if (ms > 3600 * 1000) {
        VLOG_WARN("megaflower-cache-rebalance-ms=%llu is over an hour; "
                  "using %d", ms, MF_REBALANCE_DEFAULT_MS);
        ms = MF_REBALANCE_DEFAULT_MS;
    }
    if (ms != mf_rebalance_interval() || !started) {
        /* At start, debug level: start-up stays quiet on the console. */
        enum vlog_level level = started ? VLL_INFO : VLL_DBG;

        if (ms) {
            VLOG(level, "flow cache: hot flows weighed every %llu ms", ms);
        } else {
            VLOG(level, "flow cache: hot flows never promoted "
                 "(megaflower-cache-rebalance-ms=0)");
        }
    }
    atomic_store_relaxed(&interval_ms, ms);
    started = true;
    if (!round_fn) {
        round_fn = round;       /* Before the thread reads it. */
    }
}

void
mf_rebalance_port_served(uint32_t ifindex)
{
    unsigned int served = mf_engine_port_served(ifindex);

    if (served & (served - 1)) {
        rebalance_start();
    }
}

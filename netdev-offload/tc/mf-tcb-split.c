/* mf-tcb-split: the flows of mf-tcb split by destination
 * (mf-ptype.h, mf-tcb-int.h): put, delete and count as one flow, and
 * installed again when an internal port's address changes. */
#include <config.h>
#include "mf-tcb-int.h"

#include <errno.h>
#include <linux/pkt_cls.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "mf-shape.h"
#include "mf-tc.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(mf_split);

COVERAGE_DEFINE(mf_flow_split);
COVERAGE_DEFINE(mf_split_reinstalled);

/* Adds the counters of 'f' to 'st', as a member of the flow 'st' is for:
 * it is in hardware only if all its members are. */
static void
stats_add(struct mf_flow_stats *st, const struct mf_filter *f)
{
    struct mf_flow_stats one;

    tcb_stats_from_filter(f, NULL, &one);
    st->n_packets += one.n_packets;
    st->n_bytes += one.n_bytes;
    st->used = MAX(st->used, one.used);
    st->in_hw &= one.in_hw;
}

/* Adds the counters of the split flow 'prev''s members after the first to
 * 'st'.  A member the kernel no longer has adds nothing. */
void
tcb_split_stats_rest(const struct tcb_flow *prev,
                     struct mf_flow_stats *st)
{
    static __thread struct mf_filter f;

    for (size_t i = 1; i < prev->members.n; i++) {
        if (!mf_tc_filter_get(tcb_at(&prev->members.locs[i]), &f, NULL)) {
            stats_add(st, &f);
        }
    }
}

static bool
same_match(const struct mf_filter *a, const struct mf_filter *b)
{
    return (a->ifindex == b->ifindex && a->prio == b->prio
            && a->chain == b->chain && a->protocol == b->protocol
            && !memcmp(&a->key, &b->key, sizeof a->key)
            && !memcmp(&a->mask, &b->mask, sizeof a->mask));
}

static void ptype_changed(uint32_t ifindex, const uint8_t mac[6]);

/* mf_tcb_put() for a flow that is or was split by destination
 * (mf-ptype.h): 'rule' is its base, 'prev' what it had (NULL if new).
 * All or nothing: each member takes the place of a member of 'prev' with
 * the same match (a replace, atomically) or is added; the old members
 * left over are removed once all are in.  If one fails, nothing of the
 * flow is left.  The ufid lock is held. */
int
tcb_put_members(uint32_t ifindex, const struct mf_ufid *ufid,
                const struct mf_filter *rule,
                const struct tcb_flow *prev,
                struct mf_flow_stats *stats, bool *old_deleted,
                struct mf_err *err)
{
    static __thread struct mf_filter members[MF_PTYPE_MAX_MEMBERS];
    static __thread struct mf_filter olds[MF_PTYPE_MAX_MEMBERS];
    static __thread struct mf_filter echo;
    struct mf_filter_loc old_locs[MF_PTYPE_MAX_MEMBERS];
    static __thread uint8_t shape[MF_SHAPE_MAX];
    bool replace[MF_PTYPE_MAX_MEMBERS] = { false };
    bool have_old[MF_PTYPE_MAX_MEMBERS] = { false };
    bool reused[MF_PTYPE_MAX_MEMBERS] = { false };
    uint8_t ranks[MF_PTYPE_MAX_MEMBERS];
    struct tcb_split split;
    struct mf_flow_stats adjust;
    size_t n = 0, n_old = 0, n_done = 0;
    bool in_hw = true;
    int error;

    memset(&adjust, 0, sizeof adjust);
    memset(&split, 0, sizeof split);
    if (mf_ptype_needed(rule)) {
        error = mf_ptype_split(rule, members, ranks, &n, &split.info, err);
        if (error) {
            return error;
        }
    } else {
        memcpy(&members[0], rule, offsetof(struct mf_filter, acts)
                                  + rule->n_acts * sizeof rule->acts[0]);
        ranks[0] = 0;
        n = 1;
    }

    if (prev) {
        /* The stats so far move to 'adjust': the new filters start at 0. */
        n_old = prev->split ? prev->members.n : 1;
        adjust = prev->adjust;
        for (size_t j = 0; j < n_old; j++) {
            old_locs[j] = prev->split ? prev->members.locs[j] : prev->loc;
            have_old[j] = !mf_tc_filter_get(tcb_at(&old_locs[j]), &olds[j],
                                            NULL);
            if (have_old[j]) {
                struct mf_flow_stats one;

                tcb_stats_from_filter(&olds[j], NULL, &one);
                adjust.n_packets += one.n_packets;
                adjust.n_bytes += one.n_bytes;
                adjust.used = MAX(adjust.used, one.used);
            }
        }
        *stats = adjust;
    }

    for (size_t i = 0; i < n; i++) {
        struct mf_filter *m = &members[i];
        uint16_t prio;

        error = tcb_prio(m->protocol, ranks[i], &prio, err);
        if (error) {
            goto fail;
        }
        tcb_rule_place(m, ifindex, ufid, prio);
        m->handle = 0;
        for (size_t j = 0; j < n_old; j++) {
            if (have_old[j] && !reused[j] && same_match(m, &olds[j])) {
                m->handle = olds[j].handle;
                replace[i] = reused[j] = true;
                break;
            }
        }
        if (!m->handle) {
            m->handle = tcb_handle_alloc();
        }
    }

    for (n_done = 0; n_done < n; n_done++) {
        struct tcb_installed how = { .shape = shape };
        struct mf_filter *m = &members[n_done];

        error = tcb_install(m, replace[n_done], &echo, &how, err);
        if (!error && how.echoed) {
            error = tcb_check_echo(m, &echo, err);
            if (error) {
                n_done++;       /* It is in: remove it too. */
                goto fail;
            }
            mf_shape_prove(how.shape, how.shape_len);
            in_hw &= (echo.flags & TCA_CLS_FLAGS_IN_HW) != 0;
        } else if (!error) {
            in_hw &= tcb_unechoed_in_hw(m);
        } else {
            goto fail;
        }
        mf_filter_loc_of(m, &split.locs[n_done]);
    }

    for (size_t j = 0; j < n_old; j++) {
        if (!reused[j]) {
            mf_tc_filter_del(tcb_at(&old_locs[j]), NULL);
        }
    }
    split.n = n;
    tcb_flow_store(ufid, &members[0], &adjust, in_hw,
                   n > 1 ? &split : NULL);
    tcb_count_added(n);
    if (n > 1) {
        COVERAGE_INC(mf_flow_split);
        mf_ptype_monitor_start(ptype_changed);
        for (size_t j = 0; j < split.info.n_ports; j++) {
            mf_ptype_monitor_check(split.info.ports[j].ifindex,
                                   split.info.ports[j].mac);
        }
    }
    return 0;

fail:
    /* Nothing of the flow may stay: the new members in, the old ones. */
    for (size_t i = 0; i < n_done; i++) {
        mf_tc_filter_del(&members[i], NULL);
    }
    for (size_t j = 0; j < n_old; j++) {
        if (!reused[j]) {
            mf_tc_filter_del(tcb_at(&old_locs[j]), NULL);
        }
    }
    if (prev) {
        tcb_flow_forget(ufid);
        if (old_deleted) {
            *old_deleted = true;
        }
    }
    return error;
}

/* Called by mf-ptype's monitor (no lock held) with the address internal
 * port 'ifindex' has now: the split flows that were built for another are
 * split again, from their base as the kernel has it. */
static void
ptype_changed(uint32_t ifindex, const uint8_t mac[6])
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    static __thread struct mf_filter base;
    struct mf_ufid *ufids;
    size_t n;

    ufids = tcb_splits_using(ifindex, mac, &n);

    for (size_t i = 0; i < n; i++) {
        struct ovs_mutex *lock = tcb_ufid_lock(&ufids[i]);
        struct mf_flow_stats stats;
        struct tcb_flow prev;
        bool old_deleted;
        struct mf_err err;
        int error;

        ovs_mutex_lock(lock);
        if (!tcb_flow_lookup(&ufids[i], &prev) || !prev.split
            || mf_tc_filter_get(tcb_at(&prev.loc), &base, &err)) {
            ovs_mutex_unlock(lock);
            continue;
        }
        mf_ptype_unsplit(&base, &prev.members.info);
        if (!mf_ptype_set_mac(&base, ifindex, mac)) {
            ovs_mutex_unlock(lock);
            continue;
        }
        error = tcb_put_members(prev.loc.ifindex, &ufids[i], &base, &prev,
                                &stats, &old_deleted, &err);
        ovs_mutex_unlock(lock);
        COVERAGE_INC(mf_split_reinstalled);
        if (error) {
            /* Nothing of it is left in tc: the datapath's flow has it. */
            VLOG_WARN_RL(&rl, "flow "UUID_FMT": internal port ifindex "
                         "%"PRIu32" has a new address; installing the flow "
                         "again failed, so it is no longer in tc: %s",
                         UUID_ARGS((const struct uuid *) &ufids[i]), ifindex,
                         err.msg);
        } else {
            VLOG_INFO_RL(&rl, "flow "UUID_FMT" installed again: internal "
                         "port ifindex %"PRIu32" has a new address, "
                         ETH_ADDR_FMT, UUID_ARGS((const struct uuid *)
                                                 &ufids[i]),
                         ifindex, ETH_ADDR_BYTES_ARGS(mac));
        }
    }
    free(ufids);
}

/* Removes every member of the split flow 'prev', with their final counters
 * summed into 'stats' (if nonnull).  Returns 0 if each is gone (or was),
 * else the first error: the flow then stays, and a member already gone
 * is ENOENT next time. */
int
tcb_del_members(const struct tcb_flow *prev, struct mf_flow_stats *stats,
                struct mf_err *err)
{
    static __thread struct mf_filter old;
    int error = 0;

    if (stats) {
        *stats = prev->adjust;
        stats->in_hw = true;
    }
    for (size_t i = 0; i < prev->members.n; i++) {
        const struct mf_filter *id = tcb_at(&prev->members.locs[i]);
        struct mf_err e;
        int r;

        if (stats) {
            r = mf_tc_filter_del_last(id, &old, &e);
            if (!r) {
                stats_add(stats, &old);
            }
        } else {
            r = mf_tc_filter_del(id, &e);
        }
        if (r && r != ENOENT && r != ENODEV && !error) {
            error = r;
            *err = e;
        }
    }
    return error;
}

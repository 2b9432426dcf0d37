/* mf-tcb: the put/del/get verbs over mf-tc (the ufid table is
 * mf-tcb-table.c, dumps and a port's init and flush mf-tcb-dump.c; see
 * mf-tcb-int.h for the other files). */
#include <config.h>
#include "mf-tcb.h"
#include "mf-tcb-int.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "hash.h"
#include "mf-caps.h"
#include "mf-ptype.h"
#include "mf-shape.h"
#include "mf-tc.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/thread.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(mf_tcb);

COVERAGE_DEFINE(mf_filter_added);
COVERAGE_DEFINE(mf_filter_replaced);
COVERAGE_DEFINE(mf_filter_deleted);
COVERAGE_DEFINE(mf_echo_mismatch);
COVERAGE_DEFINE(mf_kernel_refused);
COVERAGE_DEFINE(mf_echo_skipped);

void
tcb_count_added(unsigned int n)
{
    COVERAGE_ADD(mf_filter_added, n);
}

void
tcb_count_deleted(unsigned int n)
{
    COVERAGE_ADD(mf_filter_deleted, n);
}

void
tcb_count_kernel_refused(void)
{
    COVERAGE_INC(mf_kernel_refused);
}

void
tcb_count_echo_skipped(void)
{
    COVERAGE_INC(mf_echo_skipped);
}

struct ovs_mutex tcb_ufid_locks[N_UFID_LOCKS];
static pthread_once_t ufid_locks_once = PTHREAD_ONCE_INIT;

/* The tc hook (MF_TC_INGRESS or MF_TC_EGRESS) of each port. */
struct mf_port {
    struct hmap_node node;      /* In 'ports', by hash of 'ifindex'. */
    uint32_t ifindex;
    uint32_t hook;
};
static struct ovs_mutex ports_mutex = OVS_MUTEX_INITIALIZER;
static struct hmap ports OVS_GUARDED_BY(ports_mutex)
    = HMAP_INITIALIZER(&ports);

static atomic_uint32_t next_handle = 1;
static enum mf_policy policy = MF_POLICY_NONE;

static void
ufid_locks_init(void)
{
    for (size_t i = 0; i < N_UFID_LOCKS; i++) {
        ovs_mutex_init(&tcb_ufid_locks[i]);
    }
}

struct ovs_mutex *
tcb_ufid_lock(const struct mf_ufid *ufid)
{
    pthread_once(&ufid_locks_once, ufid_locks_init);
    return &tcb_ufid_locks[mf_ufid_hash(ufid) % N_UFID_LOCKS];
}

bool
mf_policy_from_string(const char *s, enum mf_policy *p)
{
    if (!s || !strcmp(s, "none")) {
        *p = MF_POLICY_NONE;
    } else if (!strcmp(s, "skip_sw")) {
        *p = MF_POLICY_SKIP_SW;
    } else if (!strcmp(s, "skip_hw")) {
        *p = MF_POLICY_SKIP_HW;
    } else {
        return false;
    }
    return true;
}

const char *
mf_policy_to_string(enum mf_policy p)
{
    return (p == MF_POLICY_SKIP_SW ? "skip_sw"
            : p == MF_POLICY_SKIP_HW ? "skip_hw" : "none");
}

void
mf_tcb_set_policy(enum mf_policy p)
{
    policy = p;
}

enum mf_policy
mf_tcb_get_policy(void)
{
    return policy;
}

static uint32_t
policy_flags(void)
{
    return (policy == MF_POLICY_SKIP_SW ? TCA_CLS_FLAGS_SKIP_SW
            : policy == MF_POLICY_SKIP_HW ? TCA_CLS_FLAGS_SKIP_HW : 0);
}

static struct mf_port *
port_find(uint32_t ifindex) OVS_REQUIRES(ports_mutex)
{
    struct mf_port *port;

    HMAP_FOR_EACH_WITH_HASH (port, node, hash_int(ifindex, 0), &ports) {
        if (port->ifindex == ifindex) {
            return port;
        }
    }
    return NULL;
}

/* The hook of 'ifindex' as its port init set it; ingress if unknown. */
uint32_t
tcb_port_hook(uint32_t ifindex)
{
    struct mf_port *port;
    uint32_t hook;

    ovs_mutex_lock(&ports_mutex);
    port = port_find(ifindex);
    hook = port ? port->hook : MF_TC_INGRESS;
    ovs_mutex_unlock(&ports_mutex);
    return hook;
}

void
tcb_port_set_hook(uint32_t ifindex, uint32_t hook)
{
    struct mf_port *port;

    ovs_mutex_lock(&ports_mutex);
    port = port_find(ifindex);
    if (!port) {
        port = xzalloc(sizeof *port);
        port->ifindex = ifindex;
        hmap_insert(&ports, &port->node, hash_int(ifindex, 0));
    }
    port->hook = hook;
    ovs_mutex_unlock(&ports_mutex);
}

/* Each tc prio holds filters of one protocol.  Common protocols have fixed
 * prios; others take the next free one.  Rank 1 is for the members of a
 * split (mf-ptype.h) that must come after its rank 0 members, which are at
 * the protocol's usual prio: a later prio of the same protocol.  Megaflows
 * do not overlap, so no other order matters. */
#define DYN_PRIOS 0x70
int
tcb_prio(uint16_t protocol, uint8_t rank, uint16_t *prio,
         struct mf_err *err)
{
    static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
    static uint16_t dyn[DYN_PRIOS]; /* dyn[i]: protocol at MF_PRIO_MIN +
                                     * 0x10 + i, and DYN_PRIOS more. */
    int error = 0;

    switch (ntohs(protocol)) {
    case ETH_P_IP:   *prio = MF_PRIO_MIN + 1 + 4 * rank; return 0;
    case ETH_P_IPV6: *prio = MF_PRIO_MIN + 2 + 4 * rank; return 0;
    case ETH_P_ARP:  *prio = MF_PRIO_MIN + 3 + 4 * rank; return 0;
    case ETH_P_ALL:  *prio = MF_PRIO_MAX - 2 + 2 * rank; return 0;
    default:
        break;
    }
    ovs_mutex_lock(&mutex);
    for (size_t i = 0; ; i++) {
        if (i == ARRAY_SIZE(dyn) - 1) {
            error = mf_err_set(err, ENOSPC, "no tc prio left for eth_type "
                               "0x%04"PRIx16, ntohs(protocol));
            break;
        }
        if (!dyn[i] || dyn[i] == protocol) {
            dyn[i] = protocol;
            *prio = MF_PRIO_MIN + 0x10 + i + DYN_PRIOS * rank;
            break;
        }
    }
    ovs_mutex_unlock(&mutex);
    return error;
}

/* A filter megaflower installed for a flow, or a probe filter that a
 * crash left behind (removed by the next port init). */
bool
tcb_filter_is_ours(const struct mf_filter *f)
{
    return (f->prio >= MF_PRIO_MIN && f->prio <= MF_PRIO_MAX
            && (f->cookie_len == sizeof(struct mf_ufid)
                || f->prio == MF_PRIO_PROBE));
}

/* A filter with just the identity 'loc', for get and delete.  Per
 * thread: the result is good until the thread's next call. */
const struct mf_filter *
tcb_at(const struct mf_filter_loc *loc)
{
    static __thread struct mf_filter f;

    mf_filter_at(&f, loc);
    return &f;
}

/* Stats as OVS wants them: kernel counters plus those of filters this flow
 * had before a modify.  tc counts bytes from the network header, as the
 * kernel's tc ingress sees them, which is also what upstream OVS reports
 * for tc flows. */
void
tcb_stats_from_filter(const struct mf_filter *f,
                      const struct mf_flow_stats *adj,
                      struct mf_flow_stats *st)
{
    memset(st, 0, sizeof *st);
    st->n_packets = f->stats.n_packets + (adj ? adj->n_packets : 0);
    st->n_bytes = f->stats.n_bytes + (adj ? adj->n_bytes : 0);
    if (f->stats.used) {
        st->used = time_msec() - f->stats.lastuse_ms;
    }
    if (adj && adj->used > st->used) {
        st->used = adj->used;
    }
    st->in_hw = (f->flags & TCA_CLS_FLAGS_IN_HW) != 0;
}

uint32_t
tcb_handle_alloc(void)
{
    uint32_t h;

    do {
        atomic_add(&next_handle, 1, &h);
    } while (!h);
    return h;
}

void
tcb_handle_seen(uint32_t handle)
{
    uint32_t cur;

    atomic_read(&next_handle, &cur);
    while (cur <= handle
           && !atomic_compare_exchange_weak(&next_handle, &cur, handle + 1)) {
        continue;
    }
}

/* Checks the kernel's echo 'got' against the request 'want'. */
int
tcb_check_echo(const struct mf_filter *want, const struct mf_filter *got,
               struct mf_err *err)
{
    uint32_t skip = TCA_CLS_FLAGS_SKIP_HW | TCA_CLS_FLAGS_SKIP_SW;

    if (mf_filter_same_rule(want, got)
        && (want->flags & skip) == (got->flags & skip)) {
        return 0;
    }
    COVERAGE_INC(mf_echo_mismatch);
    {
        struct ds a = DS_EMPTY_INITIALIZER, b = DS_EMPTY_INITIALIZER;

        mf_filter_format(&a, want);
        mf_filter_format(&b, got);
        mf_err_set(err, EOPNOTSUPP, "kernel stored a different filter: "
                   "asked [%s], got [%s]", ds_cstr(&a), ds_cstr(&b));
        ds_destroy(&a);
        ds_destroy(&b);
    }
    return EOPNOTSUPP;
}

/* Installs 'f', retrying with a fresh handle if the one it has is taken.
 * Asks for an echo into 'echo' unless a filter of the same shape was
 * stored exactly before (mf-shape.h). */
int
tcb_install(struct mf_filter *f, bool replace, struct mf_filter *echo,
            struct tcb_installed *how, struct mf_err *err)
{
    for (int tries = 0; ; tries++) {
        char buf[MF_MSG_SIZE];
        struct nlmsghdr *nlh = mf_tc_filter_put_msg(buf, f, replace);
        int error;

        how->shape_len = mf_shape_of(nlh, how->shape);
        how->echoed = !mf_shape_is_proven(how->shape, how->shape_len);
        if (!how->echoed) {
            tcb_count_echo_skipped();
        }
        error = mf_tc_filter_put_send(nlh, how->echoed ? echo : NULL, err);
        if (error != EEXIST || replace || tries >= 8) {
            if (error) {
                tcb_count_kernel_refused();
            }
            return error;
        }
        f->handle = tcb_handle_alloc();
    }
}

/* Whether a filter the kernel took without an echo is in hardware: with
 * skip_sw it must be (the kernel refuses it otherwise); else the next dump
 * tells. */
bool
tcb_unechoed_in_hw(const struct mf_filter *f)
{
    return (f->flags & TCA_CLS_FLAGS_SKIP_SW) != 0;
}

/* Gives 'rule' its place at 'ifindex''s hook, its flags and its cookie
 * (all but the handle). */
void
tcb_rule_place(struct mf_filter *rule, uint32_t ifindex,
               const struct mf_ufid *ufid, uint16_t prio)
{
    rule->ifindex = ifindex;
    rule->parent = tcb_port_hook(ifindex);
    rule->chain = 0;
    rule->prio = prio;
    /* The caller may keep a flow out of hardware (mf-encap). */
    rule->flags = policy_flags() | (rule->flags & TCA_CLS_FLAGS_SKIP_HW);
    memcpy(rule->cookie, ufid, sizeof *ufid);
    rule->cookie_len = sizeof *ufid;
}

int
mf_tcb_put(uint32_t ifindex, const struct mf_ufid *ufid,
           struct mf_filter *rule, struct mf_flow_stats *stats,
           bool *old_deleted, struct mf_err *err)
{
    static __thread struct mf_filter echo, old;
    static __thread uint8_t shape[MF_SHAPE_MAX];
    struct tcb_installed how = { .shape = shape };
    struct ovs_mutex *lock = tcb_ufid_lock(ufid);
    struct mf_flow_stats adjust, dummy;
    struct tcb_flow prev;
    bool modify, same_place, in_hw;
    uint16_t prio = 0;
    int error;

    stats = stats ? stats : &dummy;
    memset(stats, 0, sizeof *stats);
    memset(&adjust, 0, sizeof adjust);
    if (old_deleted) {
        *old_deleted = false;
    }
    error = tcb_prio(rule->protocol, 0, &prio, err);
    if (error) {
        return error;
    }

    ovs_mutex_lock(lock);
    modify = tcb_flow_lookup(ufid, &prev);
    if ((modify && prev.split) || mf_ptype_needed(rule)) {
        error = tcb_put_members(ifindex, ufid, rule, modify ? &prev : NULL,
                                stats, old_deleted, err);
        goto out;
    }
    tcb_rule_place(rule, ifindex, ufid, prio);

    same_place = (modify && prev.loc.ifindex == ifindex
                  && prev.loc.prio == prio && prev.loc.chain == rule->chain
                  && prev.loc.protocol == rule->protocol);
    if (modify) {
        /* The stats so far move to 'adjust': the new filter starts at 0. */
        if (!mf_tc_filter_get(tcb_at(&prev.loc), &old, NULL)) {
            tcb_stats_from_filter(&old, &prev.adjust, &adjust);
        } else {
            adjust = prev.adjust;
        }
        *stats = adjust;
    }
    rule->handle = same_place ? prev.loc.handle : tcb_handle_alloc();

    error = tcb_install(rule, same_place, &echo, &how, err);
    if (!error) {
        error = how.echoed ? tcb_check_echo(rule, &echo, err) : 0;
        if (error) {
            mf_tc_filter_del(rule, NULL);
            if (same_place) {
                /* The replace already took the old filter away. */
                tcb_flow_forget(ufid);
                if (old_deleted) {
                    *old_deleted = true;
                }
            }
            goto out;
        }
        if (how.echoed) {
            mf_shape_prove(how.shape, how.shape_len);
            in_hw = (echo.flags & TCA_CLS_FLAGS_IN_HW) != 0;
        } else {
            in_hw = tcb_unechoed_in_hw(rule);
        }
        if (modify && !same_place) {
            mf_tc_filter_del(tcb_at(&prev.loc), NULL);
        }
        tcb_flow_store(ufid, rule, &adjust, in_hw, NULL);
        if (same_place) {
            COVERAGE_INC(mf_filter_replaced);
        } else {
            tcb_count_added(1);
        }
    }
out:
    ovs_mutex_unlock(lock);
    return error;
}

int
mf_tcb_del(const struct mf_ufid *ufid, struct mf_flow_stats *stats,
           struct mf_err *err)
{
    static __thread struct mf_filter old;
    struct ovs_mutex *lock = tcb_ufid_lock(ufid);
    struct tcb_flow prev;
    int error;

    if (stats) {
        memset(stats, 0, sizeof *stats);
    }
    ovs_mutex_lock(lock);
    if (!tcb_flow_lookup(ufid, &prev)) {
        ovs_mutex_unlock(lock);
        return mf_err_set(err, ENOENT, "flow is not offloaded");
    }
    if (prev.split) {
        error = tcb_del_members(&prev, stats, err);
    } else if (stats) {
        /* The final counters come with the deletion's echo. */
        error = mf_tc_filter_del_last(tcb_at(&prev.loc), &old, err);
        if (!error) {
            tcb_stats_from_filter(&old, &prev.adjust, stats);
        }
    } else {
        error = mf_tc_filter_del(tcb_at(&prev.loc), err);
    }
    if (!error || error == ENOENT || error == ENODEV) {
        /* Gone either way: the device may have vanished with it. */
        tcb_flow_forget(ufid);
        tcb_count_deleted(1);
        error = 0;
    }
    ovs_mutex_unlock(lock);
    return error;
}

int
mf_tcb_get(const struct mf_ufid *ufid, struct mf_filter *f,
           struct mf_flow_stats *stats, struct mf_err *err)
{
    struct tcb_flow prev;
    int error;

    if (!tcb_flow_lookup(ufid, &prev)) {
        return mf_err_set(err, ENOENT, "flow is not offloaded");
    }
    error = mf_tc_filter_get(tcb_at(&prev.loc), f, err);
    if (!error && stats) {
        tcb_stats_from_filter(f, &prev.adjust, stats);
        if (prev.split) {
            tcb_split_stats_rest(&prev, stats);
        }
    }
    if (!error && prev.split) {
        /* One flow: its base, as it was put. */
        mf_ptype_unsplit(f, &prev.members.info);
    }
    return error;
}

/* One kernel dump, read as it comes. */

/* mf-engine: the ufid table and the put/del/get/dump verbs over mf-tc. */
#include <config.h>
#include "mf-engine.h"

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

VLOG_DEFINE_THIS_MODULE(mf_engine);

COVERAGE_DEFINE(mf_filter_added);
COVERAGE_DEFINE(mf_filter_replaced);
COVERAGE_DEFINE(mf_filter_deleted);
COVERAGE_DEFINE(mf_filter_flushed);
COVERAGE_DEFINE(mf_echo_mismatch);
COVERAGE_DEFINE(mf_kernel_refused);
COVERAGE_DEFINE(mf_batch_flows);
COVERAGE_DEFINE(mf_dump_terse);
COVERAGE_DEFINE(mf_echo_skipped);
COVERAGE_DEFINE(mf_flow_split);
COVERAGE_DEFINE(mf_split_reinstalled);

/* One offloaded megaflow: 56 bytes, from a block of them (flow_alloc()).
 * The table is all the userspace memory an offloaded flow costs. */
struct mf_flow {
    struct hmap_node node;      /* In 'flows', by hash of 'ufid'. */
    struct mf_ufid ufid;
    struct mf_filter_loc loc;   /* Where its (first) filter is. */
    bool in_hw;                 /* The kernel's echo said: in hardware. */
    bool adjusted;              /* Has an entry in 'adjusts'. */
    bool split;                 /* Has an entry in 'splits'. */
};
BUILD_ASSERT_DECL(sizeof(struct mf_flow) <= 56);

/* The filters of a flow split by destination (mf-ptype.h), for the few
 * flows that output to an internal port a packet whose eth_dst the
 * megaflow does not pin.  The first member is also the flow's 'loc'. */
struct mf_flow_split {
    struct hmap_node node;      /* In 'splits', by hash of 'ufid'. */
    struct mf_ufid ufid;
    struct mf_ptype_info info;  /* How to give back the base filter. */
    size_t n;
    struct mf_filter_loc locs[MF_PTYPE_MAX_MEMBERS];
};

/* The stats of the filters a flow had before a modify replaced them, for
 * the few flows that were modified after they counted something. */
struct mf_flow_adjust {
    struct hmap_node node;      /* In 'adjusts', by hash of 'ufid'. */
    struct mf_ufid ufid;
    struct mf_flow_stats stats;
};

/* A flow's entry, copied out of the table. */
struct flow_copy {
    struct mf_filter_loc loc;
    struct mf_flow_stats adjust;    /* Zero if it has none. */
    bool in_hw;
    bool split;
    struct mf_flow_split members;   /* If 'split'. */
};

static struct ovs_mutex flows_mutex = OVS_MUTEX_INITIALIZER;
static struct hmap flows OVS_GUARDED_BY(flows_mutex)
    = HMAP_INITIALIZER(&flows);
static struct hmap adjusts OVS_GUARDED_BY(flows_mutex)
    = HMAP_INITIALIZER(&adjusts);
static struct hmap splits OVS_GUARDED_BY(flows_mutex)
    = HMAP_INITIALIZER(&splits);

/* Puts and deletes of one ufid are serialized by one of these, chosen by
 * ufid hash, so two threads never race to install the same megaflow. */
#define N_UFID_LOCKS 64
static struct ovs_mutex ufid_locks[N_UFID_LOCKS];
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
        ovs_mutex_init(&ufid_locks[i]);
    }
}

static uint32_t
ufid_hash(const struct mf_ufid *ufid)
{
    return hash_bytes(ufid, sizeof *ufid, 0);
}

static struct ovs_mutex *
ufid_lock(const struct mf_ufid *ufid)
{
    pthread_once(&ufid_locks_once, ufid_locks_init);
    return &ufid_locks[ufid_hash(ufid) % N_UFID_LOCKS];
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
mf_engine_set_policy(enum mf_policy p)
{
    policy = p;
}

enum mf_policy
mf_engine_get_policy(void)
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
static uint32_t
port_hook(uint32_t ifindex)
{
    struct mf_port *port;
    uint32_t hook;

    ovs_mutex_lock(&ports_mutex);
    port = port_find(ifindex);
    hook = port ? port->hook : MF_TC_INGRESS;
    ovs_mutex_unlock(&ports_mutex);
    return hook;
}

static void
port_set_hook(uint32_t ifindex, uint32_t hook)
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
static int
prio_for_protocol(uint16_t protocol, uint8_t rank, uint16_t *prio,
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
static bool
filter_is_ours(const struct mf_filter *f)
{
    return (f->prio >= MF_PRIO_MIN && f->prio <= MF_PRIO_MAX
            && (f->cookie_len == sizeof(struct mf_ufid)
                || f->prio == MF_PRIO_PROBE));
}

static struct mf_flow *
flow_find(const struct mf_ufid *ufid) OVS_REQUIRES(flows_mutex)
{
    struct mf_flow *flow;

    HMAP_FOR_EACH_WITH_HASH (flow, node, ufid_hash(ufid), &flows) {
        if (!memcmp(&flow->ufid, ufid, sizeof *ufid)) {
            return flow;
        }
    }
    return NULL;
}

/* A filter with just the identity 'loc', for get and delete.  Per
 * thread: the result is good until the thread's next call. */
static const struct mf_filter *
at(const struct mf_filter_loc *loc)
{
    static __thread struct mf_filter f;

    mf_filter_at(&f, loc);
    return &f;
}

static struct mf_flow_adjust *
adjust_find(const struct mf_ufid *ufid, uint32_t hash)
    OVS_REQUIRES(flows_mutex)
{
    struct mf_flow_adjust *a;

    HMAP_FOR_EACH_WITH_HASH (a, node, hash, &adjusts) {
        if (!memcmp(&a->ufid, ufid, sizeof *ufid)) {
            return a;
        }
    }
    return NULL;
}

static struct mf_flow_split *
split_find(const struct mf_ufid *ufid, uint32_t hash)
    OVS_REQUIRES(flows_mutex)
{
    struct mf_flow_split *sp;

    HMAP_FOR_EACH_WITH_HASH (sp, node, hash, &splits) {
        if (!memcmp(&sp->ufid, ufid, sizeof *ufid)) {
            return sp;
        }
    }
    return NULL;
}

/* Entries come in blocks, so that each costs its 56 bytes and no malloc
 * header (a 64-byte chunk otherwise).  Freed ones wait here for reuse; a
 * block is not given back, so the table's memory is its largest size. */
#define FLOW_BLOCK 512
static struct mf_flow *free_flows OVS_GUARDED_BY(flows_mutex);

static struct mf_flow *
flow_alloc(void) OVS_REQUIRES(flows_mutex)
{
    struct mf_flow *flow;

    if (!free_flows) {
        struct mf_flow *block = xmalloc(FLOW_BLOCK * sizeof *block);

        for (size_t i = 0; i < FLOW_BLOCK; i++) {
            block[i].node.next = (struct hmap_node *) free_flows;
            free_flows = &block[i];
        }
    }
    flow = free_flows;
    free_flows = (struct mf_flow *) flow->node.next;
    memset(flow, 0, sizeof *flow);
    return flow;
}

static void
flow_dealloc(struct mf_flow *flow) OVS_REQUIRES(flows_mutex)
{
    flow->node.next = (struct hmap_node *) free_flows;
    free_flows = flow;
}

/* Removes 'flow' from the table, and frees it. */
static void
flow_remove(struct mf_flow *flow) OVS_REQUIRES(flows_mutex)
{
    if (flow->adjusted) {
        struct mf_flow_adjust *a = adjust_find(&flow->ufid,
                                               flow->node.hash);

        hmap_remove(&adjusts, &a->node);
        free(a);
    }
    if (flow->split) {
        struct mf_flow_split *sp = split_find(&flow->ufid, flow->node.hash);

        hmap_remove(&splits, &sp->node);
        free(sp);
    }
    hmap_remove(&flows, &flow->node);
    flow_dealloc(flow);
}

/* Copies the flow's entry out of the table, so the caller can use it
 * without the table lock.  Returns false if 'ufid' is unknown. */
static bool
flow_lookup(const struct mf_ufid *ufid, struct flow_copy *copy)
{
    struct mf_flow *flow;

    ovs_mutex_lock(&flows_mutex);
    flow = flow_find(ufid);
    if (flow) {
        copy->loc = flow->loc;
        copy->in_hw = flow->in_hw;
        if (flow->adjusted) {
            copy->adjust = adjust_find(ufid, flow->node.hash)->stats;
        } else {
            memset(&copy->adjust, 0, sizeof copy->adjust);
        }
        copy->split = flow->split;
        if (flow->split) {
            copy->members = *split_find(ufid, flow->node.hash);
        }
    }
    ovs_mutex_unlock(&flows_mutex);
    return flow != NULL;
}

/* Records 'ufid' as offloaded at 'id' (its first filter, if 'split' says
 * it has members: NULL for one filter). */
static void
flow_store(const struct mf_ufid *ufid, const struct mf_filter *id,
           const struct mf_flow_stats *adjust, bool in_hw,
           const struct mf_flow_split *split)
{
    bool adjusted = adjust->n_packets || adjust->n_bytes || adjust->used;
    struct mf_flow_adjust *a = NULL;
    struct mf_flow_split *sp = NULL;
    struct mf_flow *flow;

    ovs_mutex_lock(&flows_mutex);
    flow = flow_find(ufid);
    if (!flow) {
        flow = flow_alloc();
        flow->ufid = *ufid;
        hmap_insert(&flows, &flow->node, ufid_hash(ufid));
    }
    mf_filter_loc_of(id, &flow->loc);
    flow->in_hw = in_hw;
    if (flow->adjusted) {
        a = adjust_find(ufid, flow->node.hash);
    }
    if (adjusted && !a) {
        a = xzalloc(sizeof *a);
        a->ufid = *ufid;
        hmap_insert(&adjusts, &a->node, flow->node.hash);
    } else if (!adjusted && a) {
        hmap_remove(&adjusts, &a->node);
        free(a);
    }
    if (adjusted) {
        a->stats = *adjust;
    }
    flow->adjusted = adjusted;

    if (flow->split) {
        sp = split_find(ufid, flow->node.hash);
    }
    if (split && !sp) {
        sp = xmalloc(sizeof *sp);
        hmap_insert(&splits, &sp->node, flow->node.hash);
    } else if (!split && sp) {
        hmap_remove(&splits, &sp->node);
        free(sp);
    }
    if (split) {
        struct hmap_node node = sp->node;

        *sp = *split;
        sp->node = node;
        sp->ufid = *ufid;
    }
    flow->split = split != NULL;
    ovs_mutex_unlock(&flows_mutex);
}

static void
flow_set_in_hw(const struct mf_ufid *ufid, uint32_t handle, bool in_hw)
{
    struct mf_flow *flow;

    ovs_mutex_lock(&flows_mutex);
    flow = flow_find(ufid);
    if (flow && flow->loc.handle == handle) {
        flow->in_hw = in_hw;
    }
    ovs_mutex_unlock(&flows_mutex);
}

static void
flow_forget(const struct mf_ufid *ufid)
{
    struct mf_flow *flow;

    ovs_mutex_lock(&flows_mutex);
    flow = flow_find(ufid);
    if (flow) {
        flow_remove(flow);
    }
    ovs_mutex_unlock(&flows_mutex);
}

/* Stats as OVS wants them: kernel counters plus those of filters this flow
 * had before a modify.  tc counts bytes from the network header, as the
 * kernel's tc ingress sees them, which is also what upstream OVS reports
 * for tc flows. */
static void
stats_from_filter(const struct mf_filter *f, const struct mf_flow_stats *adj,
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

static uint32_t
handle_alloc(void)
{
    uint32_t h;

    do {
        atomic_add(&next_handle, 1, &h);
    } while (!h);
    return h;
}

/* Checks the kernel's echo 'got' against the request 'want'. */
static int
check_echo(const struct mf_filter *want, const struct mf_filter *got,
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

/* What install() did. */
struct installed {
    bool echoed;                /* Asked for an echo: check it. */
    size_t shape_len;           /* The request's shape, 0 if none... */
    uint8_t *shape;             /* ...in MF_SHAPE_MAX bytes. */
};

/* Installs 'f', retrying with a fresh handle if the one it has is taken.
 * Asks for an echo into 'echo' unless a filter of the same shape was
 * stored exactly before (mf-shape.h). */
static int
install(struct mf_filter *f, bool replace, struct mf_filter *echo,
        struct installed *how, struct mf_err *err)
{
    for (int tries = 0; ; tries++) {
        char buf[MF_MSG_SIZE];
        struct nlmsghdr *nlh = mf_tc_filter_put_msg(buf, f, replace);
        int error;

        how->shape_len = mf_shape_of(nlh, how->shape);
        how->echoed = !mf_shape_is_proven(how->shape, how->shape_len);
        if (!how->echoed) {
            COVERAGE_INC(mf_echo_skipped);
        }
        error = mf_tc_filter_put_send(nlh, how->echoed ? echo : NULL, err);
        if (error != EEXIST || replace || tries >= 8) {
            if (error) {
                COVERAGE_INC(mf_kernel_refused);
            }
            return error;
        }
        f->handle = handle_alloc();
    }
}

/* Whether a filter the kernel took without an echo is in hardware: with
 * skip_sw it must be (the kernel refuses it otherwise); else the next dump
 * tells. */
static bool
unechoed_in_hw(const struct mf_filter *f)
{
    return (f->flags & TCA_CLS_FLAGS_SKIP_SW) != 0;
}

/* Gives 'rule' its place at 'ifindex''s hook, its flags and its cookie
 * (all but the handle). */
static void
rule_place(struct mf_filter *rule, uint32_t ifindex,
           const struct mf_ufid *ufid, uint16_t prio)
{
    rule->ifindex = ifindex;
    rule->parent = port_hook(ifindex);
    rule->chain = 0;
    rule->prio = prio;
    /* The caller may keep a flow out of hardware (mf-encap). */
    rule->flags = policy_flags() | (rule->flags & TCA_CLS_FLAGS_SKIP_HW);
    memcpy(rule->cookie, ufid, sizeof *ufid);
    rule->cookie_len = sizeof *ufid;
}

/* Adds the counters of 'f' to 'st', as a member of the flow 'st' is for:
 * it is in hardware only if all its members are. */
static void
stats_add(struct mf_flow_stats *st, const struct mf_filter *f)
{
    struct mf_flow_stats one;

    stats_from_filter(f, NULL, &one);
    st->n_packets += one.n_packets;
    st->n_bytes += one.n_bytes;
    st->used = MAX(st->used, one.used);
    st->in_hw &= one.in_hw;
}

/* Adds the counters of the split flow 'prev''s members after the first to
 * 'st'.  A member the kernel no longer has adds nothing. */
static void
split_stats_rest(const struct flow_copy *prev, struct mf_flow_stats *st)
{
    static __thread struct mf_filter f;

    for (size_t i = 1; i < prev->members.n; i++) {
        if (!mf_tc_filter_get(at(&prev->members.locs[i]), &f, NULL)) {
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

/* mf_engine_put() for a flow that is or was split by destination
 * (mf-ptype.h): 'rule' is its base, 'prev' what it had (NULL if new).
 * All or nothing: each member takes the place of a member of 'prev' with
 * the same match (a replace, atomically) or is added; the old members
 * left over are removed once all are in.  If one fails, nothing of the
 * flow is left.  The ufid lock is held. */
static int
put_members(uint32_t ifindex, const struct mf_ufid *ufid,
            const struct mf_filter *rule, const struct flow_copy *prev,
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
    struct mf_flow_split split;
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
            have_old[j] = !mf_tc_filter_get(at(&old_locs[j]), &olds[j],
                                            NULL);
            if (have_old[j]) {
                struct mf_flow_stats one;

                stats_from_filter(&olds[j], NULL, &one);
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

        error = prio_for_protocol(m->protocol, ranks[i], &prio, err);
        if (error) {
            goto fail;
        }
        rule_place(m, ifindex, ufid, prio);
        m->handle = 0;
        for (size_t j = 0; j < n_old; j++) {
            if (have_old[j] && !reused[j] && same_match(m, &olds[j])) {
                m->handle = olds[j].handle;
                replace[i] = reused[j] = true;
                break;
            }
        }
        if (!m->handle) {
            m->handle = handle_alloc();
        }
    }

    for (n_done = 0; n_done < n; n_done++) {
        struct installed how = { .shape = shape };
        struct mf_filter *m = &members[n_done];

        error = install(m, replace[n_done], &echo, &how, err);
        if (!error && how.echoed) {
            error = check_echo(m, &echo, err);
            if (error) {
                n_done++;       /* It is in: remove it too. */
                goto fail;
            }
            mf_shape_prove(how.shape, how.shape_len);
            in_hw &= (echo.flags & TCA_CLS_FLAGS_IN_HW) != 0;
        } else if (!error) {
            in_hw &= unechoed_in_hw(m);
        } else {
            goto fail;
        }
        mf_filter_loc_of(m, &split.locs[n_done]);
    }

    for (size_t j = 0; j < n_old; j++) {
        if (!reused[j]) {
            mf_tc_filter_del(at(&old_locs[j]), NULL);
        }
    }
    split.n = n;
    flow_store(ufid, &members[0], &adjust, in_hw, n > 1 ? &split : NULL);
    COVERAGE_ADD(mf_filter_added, n);
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
            mf_tc_filter_del(at(&old_locs[j]), NULL);
        }
    }
    if (prev) {
        flow_forget(ufid);
        if (old_deleted) {
            *old_deleted = true;
        }
    }
    return error;
}

int
mf_engine_put(uint32_t ifindex, const struct mf_ufid *ufid,
              struct mf_filter *rule, struct mf_flow_stats *stats,
              bool *old_deleted, struct mf_err *err)
{
    static __thread struct mf_filter echo, old;
    static __thread uint8_t shape[MF_SHAPE_MAX];
    struct installed how = { .shape = shape };
    struct ovs_mutex *lock = ufid_lock(ufid);
    struct mf_flow_stats adjust, dummy;
    struct flow_copy prev;
    bool modify, same_place, in_hw;
    uint16_t prio = 0;
    int error;

    stats = stats ? stats : &dummy;
    memset(stats, 0, sizeof *stats);
    memset(&adjust, 0, sizeof adjust);
    if (old_deleted) {
        *old_deleted = false;
    }
    error = prio_for_protocol(rule->protocol, 0, &prio, err);
    if (error) {
        return error;
    }

    ovs_mutex_lock(lock);
    modify = flow_lookup(ufid, &prev);
    if ((modify && prev.split) || mf_ptype_needed(rule)) {
        error = put_members(ifindex, ufid, rule, modify ? &prev : NULL,
                            stats, old_deleted, err);
        goto out;
    }
    rule_place(rule, ifindex, ufid, prio);

    same_place = (modify && prev.loc.ifindex == ifindex
                  && prev.loc.prio == prio && prev.loc.chain == rule->chain
                  && prev.loc.protocol == rule->protocol);
    if (modify) {
        /* The stats so far move to 'adjust': the new filter starts at 0. */
        if (!mf_tc_filter_get(at(&prev.loc), &old, NULL)) {
            stats_from_filter(&old, &prev.adjust, &adjust);
        } else {
            adjust = prev.adjust;
        }
        *stats = adjust;
    }
    rule->handle = same_place ? prev.loc.handle : handle_alloc();

    error = install(rule, same_place, &echo, &how, err);
    if (!error) {
        error = how.echoed ? check_echo(rule, &echo, err) : 0;
        if (error) {
            mf_tc_filter_del(rule, NULL);
            if (same_place) {
                /* The replace already took the old filter away. */
                flow_forget(ufid);
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
            in_hw = unechoed_in_hw(rule);
        }
        if (modify && !same_place) {
            mf_tc_filter_del(at(&prev.loc), NULL);
        }
        flow_store(ufid, rule, &adjust, in_hw, NULL);
        if (same_place) {
            COVERAGE_INC(mf_filter_replaced);
        } else {
            COVERAGE_INC(mf_filter_added);
        }
    }
out:
    ovs_mutex_unlock(lock);
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
    struct mf_ufid *ufids = NULL;
    size_t n = 0, allocated = 0;
    struct mf_flow_split *sp;

    ovs_mutex_lock(&flows_mutex);
    HMAP_FOR_EACH (sp, node, &splits) {
        for (size_t j = 0; j < sp->info.n_ports; j++) {
            if (sp->info.ports[j].ifindex == ifindex
                && memcmp(sp->info.ports[j].mac, mac, 6)) {
                if (n >= allocated) {
                    ufids = x2nrealloc(ufids, &allocated, sizeof *ufids);
                }
                ufids[n++] = sp->ufid;
                break;
            }
        }
    }
    ovs_mutex_unlock(&flows_mutex);

    for (size_t i = 0; i < n; i++) {
        struct ovs_mutex *lock = ufid_lock(&ufids[i]);
        struct mf_flow_stats stats;
        struct flow_copy prev;
        bool old_deleted;
        struct mf_err err;
        int error;

        ovs_mutex_lock(lock);
        if (!flow_lookup(&ufids[i], &prev) || !prev.split
            || mf_tc_filter_get(at(&prev.loc), &base, &err)) {
            ovs_mutex_unlock(lock);
            continue;
        }
        mf_ptype_unsplit(&base, &prev.members.info);
        if (!mf_ptype_set_mac(&base, ifindex, mac)) {
            ovs_mutex_unlock(lock);
            continue;
        }
        error = put_members(prev.loc.ifindex, &ufids[i], &base, &prev,
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

/* Batched insertion. */

struct batch_op {
    struct mf_engine_op *op;
    size_t ofs;                 /* Its request in the batch's buffer. */
    bool echoed;                /* Asked for an echo (an unproven shape). */
    bool echo_seen;
    bool echo_ok;
    bool in_hw;
    struct mf_err echo_err;
};

/* An echo of a batched request: checked against the request at once. */
static int
batch_echo_cb(const struct nlmsghdr *nlh, void *bo_)
{
    static __thread struct mf_filter echo;
    struct batch_op *bo = bo_;
    const char *why = NULL;
    int error;

    if (nlh->nlmsg_type != RTM_NEWTFILTER || bo->echo_seen) {
        return MNL_CB_OK;
    }
    bo->echo_seen = true;
    error = mf_filter_decode(nlh, &echo, &why);
    if (error) {
        mf_err_set(&bo->echo_err, error, "kernel reply: %s", why);
    } else if (!check_echo(bo->op->rule, &echo, &bo->echo_err)) {
        bo->echo_ok = true;
        bo->in_hw = (echo.flags & TCA_CLS_FLAGS_IN_HW) != 0;
    }
    return MNL_CB_OK;
}

/* Locks the ufid locks of 'ops' (each once, in order: no deadlock with
 * another batch). */
static void
batch_lock(struct mf_engine_op *ops, size_t n, bool lock)
{
    bool used[N_UFID_LOCKS] = { false };

    for (size_t i = 0; i < n; i++) {
        used[ufid_lock(&ops[i].ufid) - ufid_locks] = true;
    }
    for (size_t i = 0; i < N_UFID_LOCKS; i++) {
        if (used[i]) {
            if (lock) {
                ovs_mutex_lock(&ufid_locks[i]);
            } else {
                ovs_mutex_unlock(&ufid_locks[i]);
            }
        }
    }
}

/* Settles the outcome of the batched 'bo' whose request was answered
 * ('req->done') or whose answer was lost. */
static void
batch_settle(struct batch_op *bo, const struct mf_nl_req *req)
{
    static const struct mf_flow_stats zero;
    struct mf_engine_op *op = bo->op;
    static __thread struct mf_filter got;

    if (!req->done) {
        /* Its acknowledgement was lost: ask the kernel. */
        if (mf_tc_filter_get(op->rule, &got, NULL)) {
            op->error = mf_err_set(&op->err, EAGAIN, "the kernel's answer "
                                   "was lost; not offloaded");
            return;
        }
        if (check_echo(op->rule, &got, &op->err)) {
            op->error = EOPNOTSUPP;
            mf_tc_filter_del(op->rule, NULL);
            return;
        }
        bo->in_hw = (got.flags & TCA_CLS_FLAGS_IN_HW) != 0;
    } else if (req->err.error) {
        COVERAGE_INC(mf_kernel_refused);
        op->err = req->err;
        op->error = req->err.error;
        return;
    } else if (!bo->echoed) {
        /* Acknowledged, of a shape proven exact. */
        bo->in_hw = unechoed_in_hw(op->rule);
    } else if (!bo->echo_ok) {
        /* The kernel took it, but not as asked (or said nothing of it):
         * nothing may stay that OVS does not know of. */
        mf_tc_filter_del(op->rule, NULL);
        if (bo->echo_seen) {
            op->err = bo->echo_err;
            op->error = bo->echo_err.error ? bo->echo_err.error : EPROTO;
        } else {
            op->error = mf_err_set(&op->err, EPROTO,
                                   "kernel sent no echo of the filter");
        }
        return;
    }
    if (bo->echoed && req->done) {
        static __thread uint8_t shape[MF_SHAPE_MAX];

        mf_shape_prove(shape, mf_shape_of(req->nlh, shape));
    }
    flow_store(&op->ufid, op->rule, &zero, bo->in_hw, NULL);
    COVERAGE_INC(mf_filter_added);
    op->error = 0;
}

/* A batch encoded, not sent yet. */
struct mf_engine_batch {
    struct mf_engine_op *ops;
    size_t n;
    struct batch_op *bos;       /* One for each op that was encoded... */
    size_t n_bos;
    struct ofpbuf buf;          /* ...with its request here. */
};

struct mf_engine_batch *
mf_engine_batch_encode(struct mf_engine_op *ops, size_t n)
{
    static __thread uint8_t shape[MF_SHAPE_MAX];
    struct mf_engine_batch *b = xmalloc(sizeof *b);
    uint32_t tried[16];         /* Shapes put alone, by hash. */
    size_t size = 0, n_tried = 0;

    b->ops = ops;
    b->n = n;
    b->bos = xcalloc(n, sizeof *b->bos);
    b->n_bos = 0;
    ofpbuf_init(&b->buf, MIN(n, 64) * 1024);
    for (size_t i = 0; i < n; i++) {
        struct mf_engine_op *op = &ops[i];
        struct nlmsghdr *nlh;
        struct batch_op *bo;
        uint16_t prio;
        size_t len;

        op->error = -1;         /* Not settled yet. */
        memset(&op->err, 0, sizeof op->err);
        if (prio_for_protocol(op->rule->protocol, 0, &prio, &op->err)) {
            op->error = op->err.error;
            continue;
        }
        if (mf_ptype_needed(op->rule)) {
            continue;           /* Split: mf_engine_put(), when sent. */
        }
        /* A modify is found out when the batch is sent; it then goes
         * through mf_engine_put(), which places its rule again. */
        rule_place(op->rule, op->ifindex, &op->ufid, prio);
        op->rule->handle = handle_alloc();

        bo = &b->bos[b->n_bos++];
        bo->op = op;
        bo->ofs = size;
        nlh = mf_filter_encode(ofpbuf_put_uninit(&b->buf, MF_MSG_SIZE),
                               RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL,
                               op->rule, true);
        len = mf_shape_of(nlh, shape);
        bo->echoed = !mf_shape_is_proven(shape, len);
        if (bo->echoed && len && n_tried < ARRAY_SIZE(tried)) {
            /* The first flow of a shape not proven yet goes alone, now:
             * its echo proves the shape for the others of the batch. */
            uint32_t hash = hash_bytes(shape, len, 0);
            bool seen = false;

            for (size_t j = 0; j < n_tried; j++) {
                seen |= tried[j] == hash;
            }
            if (!seen) {
                tried[n_tried++] = hash;
                b->n_bos--;
                b->buf.size = size;
                op->error = mf_engine_put(op->ifindex, &op->ufid, op->rule,
                                          NULL, NULL, &op->err);
                continue;
            }
        }
        if (bo->echoed) {
            nlh->nlmsg_flags |= NLM_F_ECHO;
        } else {
            COVERAGE_INC(mf_echo_skipped);
        }
        size += NLMSG_ALIGN(nlh->nlmsg_len);
        b->buf.size = size;
    }
    return b;
}

size_t
mf_engine_batch_send(struct mf_engine_batch *b)
{
    struct mf_nl_req *reqs = xcalloc(b->n_bos, sizeof *reqs);
    struct batch_op **sent = xcalloc(b->n_bos, sizeof *sent);
    size_t n_sent = 0, n_failed = 0;
    struct mf_err err;
    int error;

    batch_lock(b->ops, b->n, true);
    for (size_t i = 0; i < b->n_bos; i++) {
        struct batch_op *bo = &b->bos[i];
        struct flow_copy prev;

        if (flow_lookup(&bo->op->ufid, &prev)) {
            continue;           /* A modify: mf_engine_put(), below. */
        }
        reqs[n_sent].nlh = (struct nlmsghdr *) ((char *) b->buf.data
                                                + bo->ofs);
        reqs[n_sent].cb = bo->echoed ? batch_echo_cb : NULL;
        reqs[n_sent].data = bo;
        sent[n_sent++] = bo;
    }
    error = n_sent ? mf_nl_batch(reqs, n_sent, &err) : 0;
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

        VLOG_WARN_RL(&rl, "batched insertion: %s; asking the kernel what "
                     "became of the unanswered flows", err.msg);
    }
    COVERAGE_ADD(mf_batch_flows, n_sent);
    for (size_t i = 0; i < n_sent; i++) {
        batch_settle(sent[i], &reqs[i]);
    }
    batch_lock(b->ops, b->n, false);

    /* Modifies, and flows whose handle was taken (EEXIST), one by one. */
    for (size_t i = 0; i < b->n; i++) {
        struct mf_engine_op *op = &b->ops[i];

        if (op->error < 0 || op->error == EEXIST) {
            op->error = mf_engine_put(op->ifindex, &op->ufid, op->rule,
                                      NULL, NULL, &op->err);
        }
        n_failed += op->error != 0;
    }
    ofpbuf_uninit(&b->buf);
    free(sent);
    free(reqs);
    free(b->bos);
    free(b);
    return n_failed;
}

size_t
mf_engine_put_batch(struct mf_engine_op *ops, size_t n)
{
    return mf_engine_batch_send(mf_engine_batch_encode(ops, n));
}

/* Removes every member of the split flow 'prev', with their final counters
 * summed into 'stats' (if nonnull).  Returns 0 if each is gone (or was),
 * else the first error: the flow then stays, and a member already gone
 * is ENOENT next time. */
static int
del_members(const struct flow_copy *prev, struct mf_flow_stats *stats,
            struct mf_err *err)
{
    static __thread struct mf_filter old;
    int error = 0;

    if (stats) {
        *stats = prev->adjust;
        stats->in_hw = true;
    }
    for (size_t i = 0; i < prev->members.n; i++) {
        const struct mf_filter *id = at(&prev->members.locs[i]);
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

int
mf_engine_del(const struct mf_ufid *ufid, struct mf_flow_stats *stats,
              struct mf_err *err)
{
    static __thread struct mf_filter old;
    struct ovs_mutex *lock = ufid_lock(ufid);
    struct flow_copy prev;
    int error;

    if (stats) {
        memset(stats, 0, sizeof *stats);
    }
    ovs_mutex_lock(lock);
    if (!flow_lookup(ufid, &prev)) {
        ovs_mutex_unlock(lock);
        return mf_err_set(err, ENOENT, "flow is not offloaded");
    }
    if (prev.split) {
        error = del_members(&prev, stats, err);
    } else if (stats) {
        /* The final counters come with the deletion's echo. */
        error = mf_tc_filter_del_last(at(&prev.loc), &old, err);
        if (!error) {
            stats_from_filter(&old, &prev.adjust, stats);
        }
    } else {
        error = mf_tc_filter_del(at(&prev.loc), err);
    }
    if (!error || error == ENOENT || error == ENODEV) {
        /* Gone either way: the device may have vanished with it. */
        flow_forget(ufid);
        COVERAGE_INC(mf_filter_deleted);
        error = 0;
    }
    ovs_mutex_unlock(lock);
    return error;
}

int
mf_engine_get(const struct mf_ufid *ufid, struct mf_filter *f,
              struct mf_flow_stats *stats, struct mf_err *err)
{
    struct flow_copy prev;
    int error;

    if (!flow_lookup(ufid, &prev)) {
        return mf_err_set(err, ENOENT, "flow is not offloaded");
    }
    error = mf_tc_filter_get(at(&prev.loc), f, err);
    if (!error && stats) {
        stats_from_filter(f, &prev.adjust, stats);
        if (prev.split) {
            split_stats_rest(&prev, stats);
        }
    }
    if (!error && prev.split) {
        /* One flow: its base, as it was put. */
        mf_ptype_unsplit(f, &prev.members.info);
    }
    return error;
}

size_t
mf_engine_n_flows(uint32_t ifindex)
{
    struct mf_flow *flow;
    size_t n = 0;

    ovs_mutex_lock(&flows_mutex);
    HMAP_FOR_EACH (flow, node, &flows) {
        n += flow->loc.ifindex == ifindex;
    }
    ovs_mutex_unlock(&flows_mutex);
    return n;
}

/* One kernel dump, read as it comes. */
struct mf_engine_dump {
    struct mf_tc_dump *tc;
    bool terse;
    size_t n_foreign;           /* Not ours: left alone. */
    size_t n_undecodable;       /* Ours, but unreadable. */
    struct mf_filter *base;     /* A split flow's base, when one is met. */
};

/* The next filter of 'd' that megaflower owns (probes included). */
static bool
next_ours(struct mf_engine_dump *d, const struct mf_filter **fp)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    const struct mf_filter *f;
    const char *why;
    int error;

    while (mf_tc_dump_next(d->tc, &f, &error, &why)) {
        if (error) {
            if (f->prio >= MF_PRIO_MIN && f->prio <= MF_PRIO_MAX) {
                d->n_undecodable++;
                VLOG_WARN_RL(&rl, "ifindex %"PRIu32": cannot read filter "
                             "prio 0x%"PRIx16" handle 0x%"PRIx32": %s",
                             f->ifindex, f->prio, f->handle, why);
            } else {
                d->n_foreign++;
            }
        } else if (!filter_is_ours(f)) {
            d->n_foreign++;
        } else {
            *fp = f;
            return true;
        }
    }
    return false;
}

static int
dump_open(uint32_t ifindex, bool terse, struct mf_engine_dump *d,
          struct mf_err *err)
{
    memset(d, 0, sizeof *d);
    d->terse = terse;
    d->tc = mf_tc_dump_start(ifindex, port_hook(ifindex), terse, err);
    return d->tc ? 0 : err->error ? err->error : EPROTO;
}

static int
flush__(uint32_t ifindex, size_t *n_foreign, struct mf_err *err)
{
    struct mf_filter_loc *locs = NULL;
    size_t n = 0, allocated = 0;
    struct mf_engine_dump d;
    const struct mf_filter *f;
    struct mf_flow *flow;
    int error;

    /* Where they are first, then delete: not while the dump runs. */
    error = dump_open(ifindex, false, &d, err);
    if (!error) {
        while (next_ours(&d, &f)) {
            if (n >= allocated) {
                locs = x2nrealloc(locs, &allocated, sizeof *locs);
            }
            mf_filter_loc_of(f, &locs[n++]);
        }
        error = mf_tc_dump_finish(d.tc, err);
    }
    for (size_t i = 0; !error && i < n; i++) {
        int e = mf_tc_filter_del(at(&locs[i]), err);

        if (!e) {
            COVERAGE_INC(mf_filter_flushed);
        } else if (e != ENOENT) {
            error = e;
        }
    }
    free(locs);
    *n_foreign = d.n_foreign;
    if (error == ENODEV) {
        /* The device is gone, and its filters with it. */
        error = 0;
    }

    /* Forget the device's flows even if some delete failed: what is left
     * in the kernel is found again by the next port init or flush. */
    ovs_mutex_lock(&flows_mutex);
    HMAP_FOR_EACH_SAFE (flow, node, &flows) {
        if (flow->loc.ifindex == ifindex) {
            flow_remove(flow);
        }
    }
    ovs_mutex_unlock(&flows_mutex);
    return error;
}

int
mf_engine_port_init(uint32_t ifindex, uint32_t hook, struct mf_err *err)
{
    size_t n_foreign;
    int error;

    error = mf_tc_ensure_hook(ifindex, hook, err);
    if (error) {
        return error;
    }
    port_set_hook(ifindex, hook);
    /* The device may not be the one that had this ifindex before. */
    mf_shape_forget(ifindex);
    error = flush__(ifindex, &n_foreign, err);
    if (!error) {
        mf_caps_probe(ifindex, hook);
        if (n_foreign) {
            VLOG_INFO("ifindex %"PRIu32": leaving %"PRIuSIZE" tc filter(s) "
                      "megaflower does not own untouched", ifindex,
                      n_foreign);
        }
    }
    return error;
}

int
mf_engine_flush(uint32_t ifindex, struct mf_err *err)
{
    size_t n_foreign;

    return flush__(ifindex, &n_foreign, err);
}

int
mf_engine_dump_start(uint32_t ifindex, bool terse,
                     struct mf_engine_dump **dp, struct mf_err *err)
{
    struct mf_engine_dump *d = xmalloc(sizeof *d);
    int error = dump_open(ifindex, terse, d, err);

    if (terse) {
        COVERAGE_INC(mf_dump_terse);
    }

    if (error) {
        free(d);
        d = NULL;
    }
    *dp = d;
    return error;
}

bool
mf_engine_dump_next(struct mf_engine_dump *d, const struct mf_filter **fp,
                    struct mf_ufid *ufid, struct mf_flow_stats *stats)
{
    const struct mf_filter *f;

    while (next_ours(d, &f)) {
        struct flow_copy prev;
        bool known, at_loc;

        if (f->prio == MF_PRIO_PROBE) {
            continue;
        }
        memcpy(ufid, f->cookie, sizeof *ufid);
        known = flow_lookup(ufid, &prev);
        at_loc = (known && prev.loc.ifindex == f->ifindex
                  && prev.loc.prio == f->prio
                  && prev.loc.handle == f->handle);
        if ((d->terse || (known && prev.split)) && !at_loc) {
            /* Without its match, only the flow table can vouch for a
             * filter: one it does not know (a modify's old filter in
             * passing, say) is not reported.  A split flow is reported
             * once, at its first member, with all its members' counters. */
            continue;
        }
        stats_from_filter(f, known ? &prev.adjust : NULL, stats);
        if (known && prev.split) {
            split_stats_rest(&prev, stats);
            if (!d->terse) {
                if (!d->base) {
                    d->base = xmalloc(sizeof *d->base);
                }
                memcpy(d->base, f, offsetof(struct mf_filter, acts)
                                   + f->n_acts * sizeof f->acts[0]);
                mf_ptype_unsplit(d->base, &prev.members.info);
                f = d->base;
            }
        }
        if (known && prev.in_hw != stats->in_hw
            && prev.loc.handle == f->handle) {
            /* A filter installed without an echo learns it here. */
            flow_set_in_hw(ufid, f->handle, stats->in_hw);
        }
        *fp = f;
        return true;
    }
    return false;
}

void
mf_engine_dump_done(struct mf_engine_dump *d)
{
    if (d) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
        struct mf_err err;

        if (mf_tc_dump_finish(d->tc, &err)) {
            VLOG_WARN_RL(&rl, "filter dump: %s", err.msg);
        }
        free(d->base);
        free(d);
    }
}

void
mf_engine_for_each_flow(void (*cb)(const struct mf_ufid *,
                                   const struct mf_filter_loc *,
                                   size_t n_filters, bool in_hw, void *aux),
                        void *aux)
{
    struct mf_flow *flow;

    ovs_mutex_lock(&flows_mutex);
    HMAP_FOR_EACH (flow, node, &flows) {
        size_t n = (flow->split
                    ? split_find(&flow->ufid, flow->node.hash)->n : 1);

        cb(&flow->ufid, &flow->loc, n, flow->in_hw, aux);
    }
    ovs_mutex_unlock(&flows_mutex);
}

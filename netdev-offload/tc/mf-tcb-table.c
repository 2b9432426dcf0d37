/* mf-tcb-table: the ufid table of mf-tcb (mf-tcb-int.h). */
#include <config.h>
#include "mf-tcb-int.h"

#include <stdlib.h>
#include <string.h>

#include "openvswitch/hmap.h"
#include "util.h"

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

/* The stats of the filters a flow had before a modify replaced them, for
 * the few flows that were modified after they counted something. */
struct mf_flow_adjust {
    struct hmap_node node;      /* In 'adjusts', by hash of 'ufid'. */
    struct mf_ufid ufid;
    struct mf_flow_stats stats;
};

static struct ovs_mutex flows_mutex = OVS_MUTEX_INITIALIZER;
static struct hmap flows OVS_GUARDED_BY(flows_mutex)
    = HMAP_INITIALIZER(&flows);
static struct hmap adjusts OVS_GUARDED_BY(flows_mutex)
    = HMAP_INITIALIZER(&adjusts);
static struct hmap splits OVS_GUARDED_BY(flows_mutex)
    = HMAP_INITIALIZER(&splits);

static struct mf_flow *
flow_find(const struct mf_ufid *ufid) OVS_REQUIRES(flows_mutex)
{
    struct mf_flow *flow;

    HMAP_FOR_EACH_WITH_HASH (flow, node, mf_ufid_hash(ufid), &flows) {
        if (!memcmp(&flow->ufid, ufid, sizeof *ufid)) {
            return flow;
        }
    }
    return NULL;
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

static struct tcb_split *
split_find(const struct mf_ufid *ufid, uint32_t hash)
    OVS_REQUIRES(flows_mutex)
{
    struct tcb_split *sp;

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
        struct tcb_split *sp = split_find(&flow->ufid, flow->node.hash);

        hmap_remove(&splits, &sp->node);
        free(sp);
    }
    hmap_remove(&flows, &flow->node);
    flow_dealloc(flow);
}

/* Copies the flow's entry out of the table, so the caller can use it
 * without the table lock.  Returns false if 'ufid' is unknown. */
bool
tcb_flow_lookup(const struct mf_ufid *ufid, struct tcb_flow *copy)
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
void
tcb_flow_store(const struct mf_ufid *ufid, const struct mf_filter *id,
               const struct mf_flow_stats *adjust, bool in_hw,
               const struct tcb_split *split)
{
    bool adjusted = adjust->n_packets || adjust->n_bytes || adjust->used;
    struct mf_flow_adjust *a = NULL;
    struct tcb_split *sp = NULL;
    struct mf_flow *flow;

    ovs_mutex_lock(&flows_mutex);
    flow = flow_find(ufid);
    if (!flow) {
        flow = flow_alloc();
        flow->ufid = *ufid;
        hmap_insert(&flows, &flow->node, mf_ufid_hash(ufid));
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

void
tcb_flow_set_in_hw(const struct mf_ufid *ufid, uint32_t handle, bool in_hw)
{
    struct mf_flow *flow;

    ovs_mutex_lock(&flows_mutex);
    flow = flow_find(ufid);
    if (flow && flow->loc.handle == handle) {
        flow->in_hw = in_hw;
    }
    ovs_mutex_unlock(&flows_mutex);
}

void
tcb_flow_forget(const struct mf_ufid *ufid)
{
    struct mf_flow *flow;

    ovs_mutex_lock(&flows_mutex);
    flow = flow_find(ufid);
    if (flow) {
        flow_remove(flow);
    }
    ovs_mutex_unlock(&flows_mutex);
}

/* Forgets every flow on 'ifindex' (its filters were flushed). */
void
tcb_flows_forget_port(uint32_t ifindex)
{
    struct mf_flow *flow;

    ovs_mutex_lock(&flows_mutex);
    HMAP_FOR_EACH_SAFE (flow, node, &flows) {
        if (flow->loc.ifindex == ifindex) {
            flow_remove(flow);
        }
    }
    ovs_mutex_unlock(&flows_mutex);
}

/* The ports that have flows, in an array of '*n' the caller frees. */
uint32_t *
tcb_flow_ifindexes(size_t *n)
{
    uint32_t *ifindexes = NULL;
    size_t allocated = 0;
    struct mf_flow *flow;

    *n = 0;
    ovs_mutex_lock(&flows_mutex);
    HMAP_FOR_EACH (flow, node, &flows) {
        size_t i;

        for (i = 0; i < *n && ifindexes[i] != flow->loc.ifindex; i++) {
            continue;
        }
        if (i == *n) {
            if (*n >= allocated) {
                ifindexes = x2nrealloc(ifindexes, &allocated,
                                       sizeof *ifindexes);
            }
            ifindexes[(*n)++] = flow->loc.ifindex;
        }
    }
    ovs_mutex_unlock(&flows_mutex);
    return ifindexes;
}

/* The ufids of the split flows built for internal port 'ifindex' with an
 * address other than 'mac', in an array of '*n' the caller frees. */
struct mf_ufid *
tcb_splits_using(uint32_t ifindex, const uint8_t mac[6], size_t *n)
{
    struct mf_ufid *ufids = NULL;
    size_t allocated = 0;
    struct tcb_split *sp;

    *n = 0;
    ovs_mutex_lock(&flows_mutex);
    HMAP_FOR_EACH (sp, node, &splits) {
        for (size_t j = 0; j < sp->info.n_ports; j++) {
            if (sp->info.ports[j].ifindex == ifindex
                && memcmp(sp->info.ports[j].mac, mac, 6)) {
                if (*n >= allocated) {
                    ufids = x2nrealloc(ufids, &allocated, sizeof *ufids);
                }
                ufids[(*n)++] = sp->ufid;
                break;
            }
        }
    }
    ovs_mutex_unlock(&flows_mutex);
    return ufids;
}

size_t
mf_tcb_n_flows(uint32_t ifindex)
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

void
mf_tcb_for_each_flow(void (*cb)(const struct mf_ufid *,
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

/*
 * mf-engine-int: what the engine's files share, and nothing else may use.
 *
 * The engine (mf-engine.h) is several files by concern: mf-engine.c the
 * verbs, ports, prios and the kernel's answers (dumps, flushes too);
 * mf-engine-table.c the ufid table; mf-engine-batch.c batched insertion;
 * mf-engine-split.c the flows split by destination (mf-ptype.h).  The
 * names here start with "engine_".
 */
#ifndef MF_ENGINE_INT_H
#define MF_ENGINE_INT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mf-engine.h"
#include "mf-ptype.h"
#include "openvswitch/hmap.h"
#include "openvswitch/thread.h"

/* Puts and deletes of one ufid are serialized by one of these, chosen by
 * ufid hash, so two threads never race to install the same megaflow. */
#define N_UFID_LOCKS 64
extern struct ovs_mutex engine_ufid_locks[N_UFID_LOCKS];
struct ovs_mutex *engine_ufid_lock(const struct mf_ufid *);
uint32_t engine_ufid_hash(const struct mf_ufid *);

/* The filters of a flow split by destination (mf-ptype.h), for the few
 * flows that output to an internal port a packet whose eth_dst the
 * megaflow does not pin.  The first member is also the flow's 'loc'. */
struct engine_split {
    struct hmap_node node;      /* In the table's 'splits'. */
    struct mf_ufid ufid;
    struct mf_ptype_info info;  /* How to give back the base filter. */
    size_t n;
    struct mf_filter_loc locs[MF_PTYPE_MAX_MEMBERS];
};

/* A flow's entry, copied out of the table. */
struct engine_flow {
    struct mf_filter_loc loc;
    struct mf_flow_stats adjust;    /* Zero if it has none. */
    bool in_hw;
    bool split;
    struct engine_split members;    /* If 'split'. */
};

/* The ufid table (mf-engine-table.c).  Each takes the table's mutex. */
bool engine_flow_lookup(const struct mf_ufid *, struct engine_flow *);
void engine_flow_store(const struct mf_ufid *, const struct mf_filter *id,
                       const struct mf_flow_stats *adjust, bool in_hw,
                       const struct engine_split *);
void engine_flow_set_in_hw(const struct mf_ufid *, uint32_t handle,
                           bool in_hw);
void engine_flow_forget(const struct mf_ufid *);
void engine_flows_forget_port(uint32_t ifindex);
uint32_t *engine_flow_ifindexes(size_t *n);
struct mf_ufid *engine_splits_using(uint32_t ifindex, const uint8_t mac[6],
                                    size_t *n);

/* The verbs' parts (mf-engine.c). */
const struct mf_filter *engine_at(const struct mf_filter_loc *);
uint32_t engine_port_hook(uint32_t ifindex);
int engine_prio(uint16_t protocol, uint8_t rank, uint16_t *prio,
                struct mf_err *);
bool engine_filter_is_ours(const struct mf_filter *);
void engine_stats_from_filter(const struct mf_filter *,
                              const struct mf_flow_stats *adj,
                              struct mf_flow_stats *);
uint32_t engine_handle_alloc(void);
int engine_check_echo(const struct mf_filter *want,
                      const struct mf_filter *got, struct mf_err *);
struct engine_installed {
    bool echoed;                /* Asked for an echo: check it. */
    size_t shape_len;           /* The request's shape, 0 if none... */
    uint8_t *shape;             /* ...in MF_SHAPE_MAX bytes. */
};
int engine_install(struct mf_filter *, bool replace, struct mf_filter *echo,
                   struct engine_installed *, struct mf_err *);
bool engine_unechoed_in_hw(const struct mf_filter *);
void engine_rule_place(struct mf_filter *, uint32_t ifindex,
                       const struct mf_ufid *, uint16_t prio);
void engine_count_added(unsigned int n);
void engine_count_deleted(unsigned int n);
void engine_count_kernel_refused(void);
void engine_count_echo_skipped(void);

/* Split flows (mf-engine-split.c), the ufid lock held. */
int engine_put_members(uint32_t ifindex, const struct mf_ufid *,
                       const struct mf_filter *rule,
                       const struct engine_flow *prev,
                       struct mf_flow_stats *, bool *old_deleted,
                       struct mf_err *);
int engine_del_members(const struct engine_flow *, struct mf_flow_stats *,
                       struct mf_err *);
void engine_split_stats_rest(const struct engine_flow *,
                             struct mf_flow_stats *);

#endif /* mf-engine-int.h */

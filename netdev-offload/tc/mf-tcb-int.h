/*
 * mf-tcb-int: what the tc backend's table files share, and nothing else
 * may use.
 *
 * The table (mf-tcb.h) is several files by concern: mf-tcb.c the
 * verbs, ports, prios and the kernel's answers; mf-tcb-dump.c dumps, and
 * a port's init (adopting an earlier run's filters) and flush;
 * mf-tcb-table.c the ufid table; mf-tcb-batch.c batched insertion;
 * mf-tcb-split.c the flows split by destination (mf-ptype.h).  The
 * names here start with "tcb_".
 */
#ifndef MF_TCB_INT_H
#define MF_TCB_INT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mf-tcb.h"
#include "mf-ptype.h"
#include "openvswitch/hmap.h"
#include "openvswitch/thread.h"

/* Puts and deletes of one ufid are serialized by one of these, chosen by
 * ufid hash, so two threads never race to install the same megaflow. */
#define N_UFID_LOCKS 64
extern struct ovs_mutex tcb_ufid_locks[N_UFID_LOCKS];
struct ovs_mutex *tcb_ufid_lock(const struct mf_ufid *);

/* The filters of a flow split by destination (mf-ptype.h), for the few
 * flows that output to an internal port a packet whose eth_dst the
 * megaflow does not pin.  The first member is also the flow's 'loc'. */
struct tcb_split {
    struct hmap_node node;      /* In the table's 'splits'. */
    struct mf_ufid ufid;
    struct mf_ptype_info info;  /* How to give back the base filter. */
    size_t n;
    struct mf_filter_loc locs[MF_PTYPE_MAX_MEMBERS];
};

/* A flow's entry, copied out of the table. */
struct tcb_flow {
    struct mf_filter_loc loc;
    struct mf_flow_stats adjust;    /* Zero if it has none. */
    bool in_hw;
    bool split;
    struct tcb_split members;    /* If 'split'. */
};

/* The ufid table (mf-tcb-table.c).  Each takes the table's mutex. */
bool tcb_flow_lookup(const struct mf_ufid *, struct tcb_flow *);
void tcb_flow_store(const struct mf_ufid *, const struct mf_filter *id,
                    const struct mf_flow_stats *adjust, bool in_hw,
                    const struct tcb_split *);
void tcb_flow_set_in_hw(const struct mf_ufid *, uint32_t handle,
                        bool in_hw);
void tcb_flow_forget(const struct mf_ufid *);
void tcb_flows_forget_port(uint32_t ifindex);
uint32_t *tcb_flow_ifindexes(size_t *n);
struct mf_ufid *tcb_splits_using(uint32_t ifindex, const uint8_t mac[6],
                                 size_t *n);

/* The verbs' parts (mf-tcb.c). */
const struct mf_filter *tcb_at(const struct mf_filter_loc *);
uint32_t tcb_port_hook(uint32_t ifindex);
void tcb_port_set_hook(uint32_t ifindex, uint32_t hook);
int tcb_prio(uint16_t protocol, uint8_t rank, uint16_t *prio,
             struct mf_err *);
bool tcb_filter_is_ours(const struct mf_filter *);
void tcb_stats_from_filter(const struct mf_filter *,
                           const struct mf_flow_stats *adj,
                           struct mf_flow_stats *);
uint32_t tcb_handle_alloc(void);
/* A filter of ours is at 'handle' (adopted): later handles come after. */
void tcb_handle_seen(uint32_t handle);
int tcb_check_echo(const struct mf_filter *want,
                   const struct mf_filter *got, struct mf_err *);
struct tcb_installed {
    bool echoed;                /* Asked for an echo: check it. */
    size_t shape_len;           /* The request's shape, 0 if none... */
    uint8_t *shape;             /* ...in MF_SHAPE_MAX bytes. */
};
int tcb_install(struct mf_filter *, bool replace, struct mf_filter *echo,
                struct tcb_installed *, struct mf_err *);
bool tcb_unechoed_in_hw(const struct mf_filter *);
void tcb_rule_place(struct mf_filter *, uint32_t ifindex,
                    const struct mf_ufid *, uint16_t prio);
void tcb_count_added(unsigned int n);
void tcb_count_deleted(unsigned int n);
void tcb_count_kernel_refused(void);
void tcb_count_echo_skipped(void);

/* Split flows (mf-tcb-split.c), the ufid lock held. */
int tcb_put_members(uint32_t ifindex, const struct mf_ufid *,
                    const struct mf_filter *rule,
                    const struct tcb_flow *prev,
                    struct mf_flow_stats *, bool *old_deleted,
                    struct mf_err *);
int tcb_del_members(const struct tcb_flow *, struct mf_flow_stats *,
                    struct mf_err *);
void tcb_split_stats_rest(const struct tcb_flow *,
                          struct mf_flow_stats *);

#endif /* mf-tcb-int.h */

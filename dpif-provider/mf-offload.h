/*
 * mf-offload: the dpif provider's asynchronous offload of megaflows to tc.
 *
 * In dpif mode every megaflow goes to the kernel datapath at once (in the
 * caller's batch), and then here: a queue that megaflower's own offload
 * threads take in batches, through megaflower_flow_put_batch() (many
 * filters to a sendmsg, each flow's outcome its own).  Once a flow's
 * filter is in tc, its packets no longer reach the kernel flow; its
 * counters are the kernel's plus tc's.
 *
 * Each flow known here (by ufid) is in one state:
 *   QUEUED     waiting for an offload thread (or, beyond the queue's bound,
 *              for room in the queue: software forwarding goes on);
 *   OFFLOADED  its filter is in tc;
 *   REFUSED    it stays in the kernel, with the reason megaflower/flows
 *              gives (mf-refusal);
 *   WITHDRAWN  its filter was removed before a modify of the kernel flow.
 * A flow is "busy" while an offload thread installs it or a caller removes
 * its filter; anyone else who needs it waits, so that a flow deleted or
 * modified while its offload is under way never leaves a filter behind and
 * is never offloaded with stale actions.
 *
 * Stats.  A flow's own counters here are those of its filters that are
 * gone (carried over from modifies) plus its live filter's, bytes made
 * exact: tc counts from the network header, the datapath the whole frame,
 * so each packet gets back the L2 header tc left out (14 bytes, and 4 for
 * a VLAN tag the kernel keeps aside, on tc ingress; only the tag on an
 * internal port's egress).
 *
 * Nothing here knows struct dpif: the dpif adapter (mf-dpif-ops.c) calls
 * these with ufids and ODP attributes, and a dpif-offload adapter (OVS
 * after 3.7) could call the same.  Thread-safe.
 */
#ifndef MF_OFFLOAD_H
#define MF_OFFLOAD_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/types.h"

struct ds;
struct dpif_flow_stats;
struct nlattr;

enum mf_offload_state {
    MF_OFFLOAD_QUEUED,
    MF_OFFLOAD_OFFLOADED,
    MF_OFFLOAD_REFUSED,
    MF_OFFLOAD_WITHDRAWN,
};

/* Starts the offload threads (once); later calls change nothing.
 * 'n_threads' (1 to 8), 'queue_max' (the queue's bound) and 'nice' (the
 * threads' nice value, -20 to 19) come from other_config. */
void mf_offload_start(unsigned int n_threads, size_t queue_max, int nice);

/* The offload threads yield to the revalidators while their dumps are slow:
 * while the last dump (mf_offload_dump_start() with 'fresh' false, to
 * mf_offload_dump_done()) took more than 'ms' milliseconds, or the one under
 * way has taken that long already, no offload starts; the flows wait in
 * the queue, forwarded by the kernel.  OVS cuts its flow limit once a
 * dump takes 1.3 s, and the flows it then deletes cost a tc delete each
 * if offloaded; not offloading them meanwhile keeps that round short.
 * 0 never yields.  May change at any time (other_config). */
void mf_offload_set_yield_ms(unsigned int ms);

/* Queues the offload of the megaflow 'ufid', just put in the kernel
 * datapath, with a copy of its key, mask and actions.  'dpif_type' names
 * the datapath's ports (netdev_ports_get()).  If the flow is known here
 * already (a modify), its filter must have been withdrawn first
 * (mf_offload_withdraw()); its carried-over counters stay, unless
 * 'zero_stats'. */
void mf_offload_enqueue(const ovs_u128 *ufid, const struct nlattr *key,
                        size_t key_len, const struct nlattr *mask,
                        size_t mask_len, const struct nlattr *actions,
                        size_t actions_len, const char *dpif_type,
                        bool zero_stats);

/* Removes the filters of the flows 'ufids[0, n)', if they have one or will
 * have (waiting for an offload under way), before their kernel flows are
 * modified or deleted: afterwards no filter of them is in tc and none will
 * be until the next mf_offload_enqueue().  The filters go many to a
 * sendmsg (megaflower_flow_del_batch()).  Adds each flow's counters here
 * (carried over and final) to 'stats[i]', and sets 'known[i]' to whether
 * the flow was known here.  A null 'ufids[i]' is skipped ('known[i]'
 * false). */
void mf_offload_withdraw_batch(const ovs_u128 *const *ufids, size_t n,
                               struct dpif_flow_stats *stats, bool *known);

/* Forgets the flow (after its kernel flow was deleted), or all flows. */
void mf_offload_forget(const ovs_u128 *ufid);
void mf_offload_forget_all(void);

/* The flow's state, and its counters here added to 'stats' (live ones
 * read from the kernel now).  Returns false if the flow is not known. */
bool mf_offload_get(const ovs_u128 *ufid, enum mf_offload_state *,
                    bool *in_hw, struct dpif_flow_stats *);

/* A dump of many flows.  mf_offload_dump_start() readies tc's counters
 * for it: the dump reads every port's from the kernel itself (terse dumps)
 * while such a read is quick and no offload is queued or under way, or if
 * 'fresh'; otherwise a reader thread of
 * megaflower's reads them, and the dump takes the last read's (a
 * revalidator's dump must not wait for tc: OVS cuts its flow limit when
 * dumps are slow).  Then mf_offload_dump_merge() adds to each of 'n'
 * dumped 'flows' its offload's counters as mf_offload_get() would, from
 * the last read, and its dp layer ("tc" once offloaded), under one lock
 * for all of them; mf_offload_dump_done() records the time the dump spent
 * merging (all its threads) for megaflower/queue, and, for a revalidators'
 * dump (not 'fresh'), its duration (mf_offload_set_yield_ms()). */
struct dpif_flow;
void mf_offload_dump_start(bool fresh);
void mf_offload_dump_merge(struct dpif_flow *flows, int n);
void mf_offload_dump_done(bool fresh, long long int merge_us);

const char *mf_offload_state_to_string(enum mf_offload_state);

/* How many flows are queued, waiting beyond the bound, or being installed
 * or withdrawn. */
size_t mf_offload_n_pending(void);

/* For megaflower/flows and megaflower/queue. */
void mf_offload_format_flows(struct ds *);
void mf_offload_format_queue(struct ds *);

#endif /* mf-offload.h */

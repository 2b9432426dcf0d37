/*
 * netdev-offload-megaflower: megaflower's netdev flow API adapter, and
 * what it offers beyond 'struct netdev_flow_api'.
 *
 * OVS 3.1's netdev_flow_api puts one flow per call and waits for the
 * kernel each time.  megaflower_flow_put_batch() puts many: each flow is
 * translated and checked exactly as flow_put does, then the new ones go to
 * the kernel many filters to a sendmsg (mf_tcb_put_batch()).  It is
 * for callers that hold many megaflows at once (a dpif provider, the
 * benchmark); it never reports a flow as offloaded before the kernel has
 * accepted its filter, and each flow's outcome is its own.
 */
#ifndef NETDEV_OFFLOAD_MEGAFLOWER_H
#define NETDEV_OFFLOAD_MEGAFLOWER_H 1

#include <stddef.h>

#include "openvswitch/types.h"

struct match;
struct mf_err;
struct mf_flow_stats;
struct netdev;
struct nlattr;
struct offload_info;
struct smap;

/* One flow of megaflower_flow_put_batch(): the arguments of a flow_put,
 * and its result. */
struct megaflower_put {
    struct match *match;
    struct nlattr *actions;
    size_t actions_len;
    const ovs_u128 *ufid;
    struct offload_info *info;
    int error;                      /* Out: as flow_put would return. */
};

/* Puts the 'n' flows of 'puts', all with in_port 'netdev', as flow_put
 * would one by one.  Returns how many failed. */
size_t megaflower_flow_put_batch(struct netdev *netdev,
                                 struct megaflower_put *puts, size_t n);

/* Removes the flow 'ufid' as flow_del would (its filter, its tunnel watch,
 * the reason it was kept in software), with its final counters into 'st'
 * (if nonnull).  Returns 0, ENOENT if megaflower did not offload it, or
 * another positive errno (logged, rate-limited) with 'err' saying why. */
int megaflower_flow_del(const ovs_u128 *ufid, struct mf_flow_stats *st,
                        struct mf_err *err);

/* Removes the flows of 'ops' as megaflower_flow_del() would each, many
 * deletions to a sendmsg (mf_tcb_del_batch()).  Returns how many
 * failed (ENOENT included: megaflower did not offload it). */
struct mf_flow_del;
size_t megaflower_flow_del_batch(struct mf_flow_del *, size_t n);

/* The Interface 'port_no' of a datapath of 'dpif_type' has 'cfg' as its
 * other_config (OVS gives it at every reconfiguration): megaflower takes
 * its choice of backends (megaflower-cache). */
void megaflower_port_set_config(const char *dpif_type, odp_port_t port_no,
                                const struct smap *cfg);

/* The global choice of backends changed: every port of the kernel
 * datapath gets it. */
void megaflower_reconfigure_all(void);

/* One round of mf-rebalance over every port of the kernel datapath. */
void megaflower_rebalance_all(void);

#endif /* netdev-offload-megaflower.h */

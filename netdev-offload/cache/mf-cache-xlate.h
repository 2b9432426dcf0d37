/*
 * mf-cache-xlate: OVS megaflows into XDP flow cache entries.
 *
 * Translates a megaflow (a 'struct match' plus ODP actions) on one port
 * into the key, mask and actions of an entry of that port's cache
 * (mf-xdp-abi.h).  All or nothing, as for tc: every mask bit and every
 * action is reproduced by the program exactly, or the flow is refused
 * with a reason naming what the cache cannot do, and goes to tc or stays
 * in the kernel.  The fields are one table (mf-cache-xlate.c), each an
 * offset in struct flow and one in struct mf_xkey.
 */
#ifndef MF_CACHE_XLATE_H
#define MF_CACHE_XLATE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mf-xdp-abi.h"
#include "mf-xlate.h"

struct ds;
struct flow_tnl;
struct match;
struct nlattr;

struct mf_cache_flow {
    struct mf_xkey key;         /* Masked. */
    struct mf_xkey mask;
    struct mf_xentry entry;     /* Its actions ('stats_idx' unset). */
};

/* Where the entry goes. */
struct mf_cache_xlate_env {
    const struct mf_xlate_ports *ports;     /* Names the outputs. */
    bool generic;               /* The program runs in generic XDP. */
    /* Whether the program may redirect to 'ifindex' (NULL: always). */
    bool (*target_ok)(uint32_t ifindex, void *aux);
    /* An encap: sets '*ep' to the endpoint (an index of the cache's) that
     * encapsulates for 'tnl' out of tunnel device 'ifindex', taking a
     * reference to it that the caller gives back when the entry goes or
     * is not added.  Returns 0, or EOPNOTSUPP with a reason (NULL: no
     * encap). */
    int (*encap)(const struct flow_tnl *tnl, uint32_t ifindex, uint32_t *ep,
                 struct ds *reason, void *aux);
    void *aux;
};

/* Translates 'match' and 'actions' arriving on odp port 'in_port' into
 * 'cf'.  Only MF_PORT_NETDEV ports can be redirected to.  Returns 0, or
 * EOPNOTSUPP with the reason appended to 'reason'. */
int mf_cache_xlate(const struct match *, odp_port_t in_port,
                   const struct nlattr *actions, size_t actions_len,
                   const struct mf_cache_xlate_env *,
                   struct mf_cache_flow *cf, struct ds *reason);

#endif /* mf-cache-xlate.h */

/*
 * mf-cache-ops: the XDP flow cache as a backend of the engine
 * (mf_cache_backend, mf-backend.h).  What it shares with mf-cport-adopt.c:
 * the translation of a put.
 */
#ifndef MF_CACHE_OPS_H
#define MF_CACHE_OPS_H 1

#include <openvswitch/thread.h>

#include "mf-cport.h"

struct mf_cache_flow;
struct mf_flow_put;
struct mf_port;

/* Translates 'op', a flow of 'port', into 'cf' for the cache of 'cp', as a
 * put does; refuses an encap flow, whose endpoint is the resolver's.
 * Returns 0, or an error with the reason in 'op->reason'. */
int mf_cache_ops_translate(struct mf_cport *cp, const struct mf_port *port,
                           struct mf_flow_put *op, struct mf_cache_flow *cf)
    OVS_REQUIRES(mf_cport_mutex);

#endif /* mf-cache-ops.h */

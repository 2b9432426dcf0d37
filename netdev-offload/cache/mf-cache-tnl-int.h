/*
 * mf-cache-tnl-int: what the cache's tunnel files share, and nothing else
 * may use: mf-cache-tnl.c (the resolver, tunnel devices, encap endpoints,
 * the hook that applies the resolver's answers) and mf-cache-tnl-decap.c
 * (decap placements and their underlays).  The names here start with
 * "ctnl_" (or "mf_ctnl_", mf-cache-tnl.h).
 */
#ifndef MF_CACHE_TNL_INT_H
#define MF_CACHE_TNL_INT_H 1

#include <stdbool.h>
#include <stdint.h>

#include "mf-cache-tnl.h"
#include "mf-tnl.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/thread.h"

struct ds;
struct mf_port;

/* A decap flow's placement. */
struct mf_ctnl_decap {
    struct hmap_node node;      /* In 'ctnl_decaps'. */
    uint32_t tnl_ifindex;
    uint32_t tnl_odp_port;
    struct mf_ctnl_dev dev;
    struct mf_ip local, remote;
    uint32_t under;             /* The underlay it is on, 0 if none. */
    struct mf_cport_flow *flow; /* Once committed. */
    struct mf_cache_flow *entry;
    struct mf_tnl_watch watch;
    struct mf_tnl_route route;  /* Latest answer: under 'ctnl_dirty_mutex'. */
    bool dirty;
    struct ovs_list dirty_node;
};

/* The decap placements (mf-cache-tnl-decap.c). */
extern struct hmap ctnl_decaps OVS_GUARDED_BY(mf_cport_mutex);

/* Answers the resolver gave, waiting for the hook to apply them.  A leaf:
 * the resolver's callbacks take it with the resolver's mutex held. */
extern struct ovs_mutex ctnl_dirty_mutex;
extern struct ovs_list ctnl_dirty_decaps OVS_GUARDED_BY(ctnl_dirty_mutex);

/* A watcher's 'changed' callback, from the resolver (its mutex held): keeps
 * 'r' in '*route', the watcher's latest answer, and puts the watcher on
 * 'queue' by its 'node' unless '*dirty' says it is there already. */
void ctnl_dirty_queue(struct ovs_list *queue, struct ovs_list *node,
                      bool *dirty, struct mf_tnl_route *route,
                      const struct mf_tnl_route *r);

/* The resolver, once started (by ctnl_resolver(), which puts why not into
 * 'reason'). */
extern struct mf_tnl *ctnl_res;
struct mf_tnl *ctnl_resolver(struct ds *reason);

/* The tunnel device 'ifindex': its kind, UDP port and source ports. */
int ctnl_dev_query(uint32_t ifindex, struct mf_ctnl_dev *dev,
                   struct ds *reason);

/* Whether the cache can stand for GRE device 'dev' for outer addresses of
 * 'family', else why not into 'reason'. */
bool ctnl_gre_dev_ok(const struct mf_ctnl_dev *dev, int family,
                     struct ds *reason);

/* The underlay of the route back 'r', opened if need be, set up to
 * decapsulate 'd''s tunnel; and one user fewer of underlay 'ifindex'. */
struct mf_cport *ctnl_under_get(const struct mf_tnl_route *r,
                                const struct mf_ctnl_decap *d,
                                struct ds *reason)
    OVS_REQUIRES(mf_cport_mutex);
void ctnl_under_put(uint32_t ifindex) OVS_REQUIRES(mf_cport_mutex);

/* Why the answer 'r' places no decap flow, or NULL if it does. */
const char *ctnl_decap_unplaced(const struct mf_port *tnl_port,
                                const struct mf_tnl_route *r);

#endif /* mf-cache-tnl-int.h */

/*
 * mf-cache-tnl: the XDP flow cache's tunnels, kept in step with routes and
 * neighbours.
 *
 * Encap.  A megaflow that ends in set(tunnel(...)) and an output to a
 * tunnel port is encapsulated by the program on its in_port, with the
 * outer header the tunnel resolver builds (mf-tnl-hdr.h): Ethernet to the
 * next hop, IP from the route's source, UDP or GRE, VXLAN or Geneve.
 * Flows that share the in_port and the tunnel parameters share one
 * endpoint (a slot of the cache's 'encap_hdrs'), as mlx5's and nfp's
 * flows share encap entries.  When the resolver's answer for it changes
 * (a neighbour's MAC, a route to another device, the MTU), the header is
 * built again and switched in at once; while the endpoint is not ready
 * (no route, a neighbour being resolved), its packets go to the kernel,
 * whose tunnel device does what it would.
 *
 * Decap.  A megaflow on a tunnel port that pins both outer addresses is
 * placed on the device its packets arrive on: the egress of the route
 * back from the local endpoint to the remote, as mf-encap places tc's
 * decap flows.  That device (not a port of OVS's) gets a cache of its own
 * (an underlay) that decapsulates the packets of OVS's tunnel UDP ports
 * to this host's endpoint and looks the inner frame up with the tunnel
 * metadata.  When the route back moves, the entry moves with it, with its
 * counters.
 *
 * The resolver runs on mf-encap's thread; its answers are applied from a
 * hook there, under mf_cport_mutex.
 */
#ifndef MF_CACHE_TNL_H
#define MF_CACHE_TNL_H 1

#include <stdbool.h>
#include <stdint.h>

#include "mf-cache-rxdf.h"
#include "mf-tnl-hdr.h"
#include "openvswitch/thread.h"

struct ds;
struct flow_tnl;
struct match;
struct mf_cache_flow;
struct mf_cport;
struct mf_cport_flow;
struct mf_port;
struct mf_tnl_route;
struct mf_xencap;

extern struct ovs_mutex mf_cport_mutex;

/* What a tunnel device says of itself (rtnetlink). */
struct mf_ctnl_dev {
    enum mf_tnl_type type;
    uint16_t port;              /* UDP destination port, 0 for GRE. */
    uint16_t sport_min, sport_max;  /* Source ports: [min, max). */
    uint8_t mac[6];
    /* GRE only: */
    bool ip6;                   /* ip6gretap, not gretap. */
    bool collect_md;            /* Flow-based, as OVS's are. */
    uint16_t iflags, oflags;    /* GRE_CSUM, GRE_SEQ, ... (host order). */
};

/* The outer header the program pushes for 'tnl' out of tunnel device
 * 'dev' over the resolver's READY answer 'r', into 'x', as
 * mf_ctnl_encap_get() writes it into a cache (without its MTU rule).
 * Returns 0, or EOPNOTSUPP with a reason.  For tests that feed a cache
 * without the resolver (mf_cache_encap_set()). */
int mf_ctnl_encap_build(const struct flow_tnl *tnl,
                        const struct mf_ctnl_dev *dev,
                        const struct mf_tnl_route *r, struct mf_xencap *x,
                        struct ds *reason);

/* The endpoint of 'cp''s cache (the flow's in_port, 'port') for 'tnl' out
 * of tunnel device 'tnl_ifindex', for inner frames of up to 'port''s MTU
 * and 'inner_l2' bytes of Ethernet: its slot in '*ep', with a reference
 * the caller gives back with mf_ctnl_encap_put().  Returns 0, or
 * EOPNOTSUPP with a reason (the endpoint not ready, the MTU rule, a
 * parameter the cache cannot encapsulate exactly). */
int mf_ctnl_encap_get(struct mf_cport *cp, const struct mf_port *port,
                      const struct flow_tnl *, uint32_t tnl_ifindex,
                      uint8_t inner_l2, uint32_t *ep, struct ds *reason)
    OVS_REQUIRES(mf_cport_mutex);
void mf_ctnl_encap_put(struct mf_cport *cp, uint32_t ep)
    OVS_REQUIRES(mf_cport_mutex);

/* The underlay cache that the decap flow 'match' on tunnel port
 * 'tnl_port' belongs in, set up to decapsulate its tunnel: into '*under',
 * and a placement that follows the route back ('*decap'), which
 * mf_ctnl_decap_commit() ties to the flow once its entry is in, or
 * mf_ctnl_decap_put() gives back.  Returns 0, or EOPNOTSUPP with a
 * reason. */
struct mf_ctnl_decap;
int mf_ctnl_decap_get(const struct mf_port *tnl_port, const struct match *,
                      struct mf_cport **under, struct mf_ctnl_decap **decap,
                      struct ds *reason) OVS_REQUIRES(mf_cport_mutex);
void mf_ctnl_decap_commit(struct mf_ctnl_decap *, struct mf_cport_flow *,
                          const struct mf_cache_flow *entry)
    OVS_REQUIRES(mf_cport_mutex);
void mf_ctnl_decap_put(struct mf_ctnl_decap *) OVS_REQUIRES(mf_cport_mutex);

/* Closes the underlays no decap flow uses any more.  Called after any
 * operation that may have removed decap flows. */
void mf_ctnl_sweep(void) OVS_REQUIRES(mf_cport_mutex);

/* The kernel's answer about DF on receive (mf-cache-rxdf.h) given to every
 * underlay's program; mf_cache_rxdf_start()'s callback. */
void mf_ctnl_rxdf_done(enum mf_cache_rxdf);

/* Gives back what flow 'cf' holds (its endpoint, its placement). */
void mf_ctnl_flow_release(struct mf_cport_flow *cf)
    OVS_REQUIRES(mf_cport_mutex);

/* Appends megaflower/cache's lines on tunnels: each endpoint and its
 * answer, each decap placement. */
void mf_ctnl_format(struct ds *) OVS_REQUIRES(mf_cport_mutex);

#endif /* mf-cache-tnl.h */

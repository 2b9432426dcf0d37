/*
 * mf-tnl: the tunnel resolver.  Where does a tunnel's outer packet go, to
 * which MAC, with what MTU, and which route and neighbour does that answer
 * depend on.
 *
 * A tunnel endpoint ("ep") is what the kernel's route lookup for the outer
 * packet sees: destination, source, tos, protocol, port and mark.  Flows
 * that encapsulate to the same endpoint share it (as mlx5 and nfp share
 * encap entries) and subscribe to it with a 'struct mf_tnl_watch'.  Each
 * endpoint's answer is:
 *
 *   READY    the route (mf-fib, the kernel's own lookup), a device that is
 *            up with an Ethernet address, and a valid neighbour for the
 *            next hop: everything an encap needs;
 *   PENDING  the route is there but the next hop is still being resolved:
 *            the resolver asked the kernel to resolve it (NTF_USE) and will
 *            report READY when the neighbour is;
 *   DOWN     no route, a device that is down, a failed neighbour, or a
 *            source address that is not (or no longer) this host's;
 *
 * with a readable reason whenever it is not READY.
 *
 * Dependencies.  Each endpoint is filed under the FIB entry it matched
 * (prefix and length, from RTM_F_FIB_MATCH), the neighbour of its next hop,
 * and its egress device.  An event re-evaluates only the endpoints it can
 * affect, with no scan over all endpoints or flows:
 *   - a route to P/len added, changed or removed: the endpoints filed under
 *     P/len, and the endpoints inside P/len filed under a shorter prefix
 *     (found by an ordered range walk, not a scan);
 *   - a neighbour change: the endpoints whose next hop it is;
 *   - a device or address change: the endpoints leaving through it;
 *   - an address that comes or goes (its local route): the endpoints
 *     that use it as their source.
 * Watches are told when their endpoint's answer changes.  Lost events
 * (ENOBUFS) make mf-rtmon resync, and then every endpoint is re-evaluated.
 *
 * Thread-safe: every function takes the resolver's mutex.  'changed'
 * callbacks run from mf_tnl_run() with the mutex held and must not call
 * back into the resolver.
 */
#ifndef MF_TNL_H
#define MF_TNL_H 1

#include <net/if.h>
#include <stdint.h>

#include "mf-fib.h"
#include "mf-nl.h"
#include "openvswitch/list.h"

enum mf_tnl_status {
    MF_TNL_READY,
    MF_TNL_PENDING,
    MF_TNL_DOWN,
};

const char *mf_tnl_status_to_string(enum mf_tnl_status);

/* The answer for one endpoint. */
struct mf_tnl_route {
    enum mf_tnl_status status;
    char reason[160];           /* Why not READY; "" when READY. */
    int oif;                    /* Egress device, 0 if no route. */
    char oif_name[IF_NAMESIZE];
    struct mf_ip src;           /* Outer source address. */
    struct mf_ip nh;            /* Next hop: gateway or the destination. */
    bool gateway;
    /* A unicast route through a device that is up: all that a decap
     * flow's placement needs (it has no use for the neighbour). */
    bool routed;
    uint32_t mtu;               /* Egress MTU: route's, else device's. */
    uint8_t smac[6];            /* Egress device's address. */
    uint8_t dmac[6];            /* Next hop's address (READY only). */
    /* The FIB entry it depends on (plen 0 and family only if no route). */
    struct mf_ip prefix;
    uint8_t plen;
    uint32_t table;
};

struct mf_tnl_watch {
    /* Set by the caller before mf_tnl_watch(). */
    void (*changed)(struct mf_tnl_watch *, const struct mf_tnl_route *);

    /* Private to mf-tnl. */
    struct mf_tnl_ep *ep;
    struct ovs_list node;
};

struct mf_tnl_stats {
    uint64_t n_events;          /* rtnetlink events seen. */
    uint64_t n_reevaluated;     /* Endpoint re-evaluations from events. */
    uint64_t n_changed;         /* ... whose answer changed. */
    uint64_t n_notified;        /* Watches told of a change. */
    uint64_t n_kicks;           /* Neighbour resolutions asked for. */
    uint64_t n_resyncs;         /* Full resyncs after lost events. */
    uint64_t n_eps;             /* Endpoints now. */
    uint64_t n_watches;         /* Watches now. */
};

struct mf_tnl;

/* Creates a resolver for the calling thread's network namespace.  'rcvbuf'
 * is passed to mf_rtmon_create() (0 for its default). */
struct mf_tnl *mf_tnl_create(int rcvbuf, struct mf_err *);
void mf_tnl_destroy(struct mf_tnl *);

/* Subscribes 'watch' to the endpoint for 'q' (created and resolved if
 * new) and stores its current answer in 'now'. */
void mf_tnl_watch(struct mf_tnl *, const struct mf_fib_query *q,
                  struct mf_tnl_watch *, struct mf_tnl_route *now);
void mf_tnl_unwatch(struct mf_tnl *, struct mf_tnl_watch *);

/* Processes pending rtnetlink events and re-evaluates the endpoints they
 * affect.  Never blocks.  mf_tnl_fd() is the descriptor to poll. */
void mf_tnl_run(struct mf_tnl *);
int mf_tnl_fd(const struct mf_tnl *);

void mf_tnl_get_stats(struct mf_tnl *, struct mf_tnl_stats *);

/* Calls 'cb' for each re-evaluation that mf_tnl_run() makes, with the
 * endpoint's key and its old and new answers; NULL turns it off.  For
 * tests and debugging. */
typedef void mf_tnl_trace_cb(void *aux, const struct mf_fib_query *,
                             const struct mf_tnl_route *old,
                             const struct mf_tnl_route *new);
void mf_tnl_set_trace(struct mf_tnl *, mf_tnl_trace_cb *, void *aux);

/* For tests: calls 'route_cb' for each route and 'neigh_cb' for each
 * neighbour that the resolver's monitor holds (IPv4 and IPv6 only, see
 * mf_rtmon_for_each_route()), with the mutex held.  Either may be NULL. */
struct mf_rtmon_route;
struct mf_rtmon_neigh;
void mf_tnl_for_each_entry(struct mf_tnl *,
                           void (*route_cb)(void *aux,
                                            const struct mf_rtmon_route *),
                           void (*neigh_cb)(void *aux, int ifindex,
                                            const struct mf_ip *,
                                            const struct mf_rtmon_neigh *),
                           void *aux);

/* Formats 'r' on one line, as `ip route get` would plus the neighbour:
 * "READY dev eth0 src 10.0.0.1 via 10.0.0.254 mtu 1500 lladdr ...". */
void mf_tnl_route_format(const struct mf_tnl_route *, char *buf,
                         size_t size);

#endif /* mf-tnl.h */

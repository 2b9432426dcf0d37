/*
 * mf-cport: the XDP flow cache's ports, and the flows each holds.
 *
 * For the cache backend (mf-cache-ops.c): each port the cache serves has
 * its cache (mf-cache.h: the program on the port's XDP hook, its maps),
 * and each flow there its match and actions as OVS gave them, for gets
 * and dumps.  A port's cache is opened when the backend takes the port
 * and closed when it lets go of it, or when ovs-vswitchd exits.  One
 * mutex, 'mf_cport_mutex', guards all of it; it is a leaf.
 */
#ifndef MF_CPORT_H
#define MF_CPORT_H 1

#include <stdbool.h>
#include <stdint.h>

#include "mf-cache.h"
#include "mf-cache-conf.h"
#include "mf-flow.h"
#include "mf-xlate.h"
#include "openvswitch/hmap.h"
#include "openvswitch/match.h"
#include "openvswitch/thread.h"

struct ds;
struct mf_cadopt;
struct mf_ctnl_decap;
struct mf_port;

enum mf_cport_role {
    MF_CPORT_OVS,               /* A port of OVS's, with its cache. */
    MF_CPORT_TUNNEL,            /* A tunnel port of OVS's: no cache of its
                                 * own, its flows are in its underlays'. */
    MF_CPORT_UNDERLAY,          /* Not OVS's: where tunnel packets arrive,
                                 * with a cache that decapsulates them. */
};

struct mf_cport {
    struct hmap_node node;      /* In 'ports', by ifindex. */
    uint32_t ifindex;
    char *name;
    enum mf_cport_role role;
    struct mf_cache *cache;     /* NULL for a tunnel port. */
    uint32_t odp_port;          /* OVS's number for it (not an underlay). */
    enum mf_cache_xdp_mode mode;    /* Asked for. */
    uint32_t n_users;           /* An underlay's: its decap flows. */
    bool closing;               /* In mf_cport_close(). */
    struct mf_xlate_ports xports;   /* How OVS names ports (not an
                                     * underlay's). */
    uint64_t n_full;            /* Flows refused for want of room. */
    uint64_t n_failed;          /* Entries the kernel refused to add or
                                 * replace, and other failed puts. */
    uint64_t n_moved_out;       /* Flows it let go while still in use. */
    uint8_t ep_used[MF_XDP_MAX_ENCAPS];     /* Tunnel endpoints in use. */
    /* The cache an earlier run left on the port, still on its hook, until
     * this run's takes its place (mf-cache-adopt.h); 'cache' is loaded,
     * not attached, meanwhile. */
    struct mf_cadopt *prior;
};

struct mf_cport_flow {
    struct hmap_node node;      /* In 'flows', by ufid. */
    struct mf_ufid ufid;
    uint32_t ifindex;           /* The cache it is in. */
    uint32_t port_ifindex;      /* The OVS port it came in on: 'ifindex',
                                 * or for a decap flow its tunnel port. */
    struct minimatch match;     /* As OVS gave it. */
    struct nlattr *actions;
    size_t actions_len;
    int ep;                     /* Its encap's endpoint, or -1. */
    struct mf_ctnl_decap *decap;    /* A decap flow's placement. */
    struct mf_flow_stats base;  /* Counters of the caches it left. */
    /* Adopted: in the earlier run's cache, at its counters 'prior_idx',
     * until the port's cache takes that one's place. */
    bool prior;
    uint32_t prior_idx;
    /* Adopted, and not taken into this run's cache: in none ('ifindex' 0),
     * until OVS puts it again. */
    bool lost;
};

/* A flow whose port's cache was released while OVS still had it (the port
 * left the bridge): its final counters, for OVS's delete, which comes
 * later. */
struct mf_cport_gone {
    struct hmap_node node;      /* In 'gone', by ufid. */
    struct mf_ufid ufid;
    struct mf_flow_stats stats;
};

extern struct ovs_mutex mf_cport_mutex;
extern struct hmap mf_cport_ports;      /* struct mf_cport, by ifindex. */
extern struct hmap mf_cport_flows;      /* struct mf_cport_flow, by ufid. */

struct mf_cport *mf_cport_find(uint32_t ifindex)
    OVS_REQUIRES(mf_cport_mutex);
struct mf_cport_flow *mf_cport_flow_find(const struct mf_ufid *)
    OVS_REQUIRES(mf_cport_mutex);

/* Sets 'cf''s match and actions to 'op''s; clears them. */
void mf_cport_flow_set(struct mf_cport_flow *cf, const struct mf_flow_put *);
void mf_cport_flow_clear(struct mf_cport_flow *cf);
void mf_cport_flow_free(struct mf_cport_flow *cf)
    OVS_REQUIRES(mf_cport_mutex);

/* A flow whose port's cache was released while OVS still had it: its
 * final counters, or NULL. */
struct mf_cport_gone *mf_cport_gone_find(const struct mf_ufid *)
    OVS_REQUIRES(mf_cport_mutex);
void mf_cport_gone_add(const struct mf_ufid *, const struct mf_flow_stats *)
    OVS_REQUIRES(mf_cport_mutex);
void mf_cport_gone_free(struct mf_cport_gone *)
    OVS_REQUIRES(mf_cport_mutex);

/* Removes the 'n' flows 'ops', with their final counters, from the caches
 * they are in (one grace period for each cache's); ENOENT for one that is
 * in none. */
void mf_cport_del(struct mf_flow_del **ops, size_t n)
    OVS_REQUIRES(mf_cport_mutex);

/* Removes every flow that came in on 'cp', with its final counters in
 * 'ops' (room for as many as 'mf_cport_flows' has).  Returns how many. */
size_t mf_cport_flush(struct mf_cport *cp, struct mf_flow_del *ops)
    OVS_REQUIRES(mf_cport_mutex);

/* The counters of flow 'cf': its cache's, and those of the caches it
 * left. */
int mf_cport_flow_stats(const struct mf_cport_flow *cf,
                        struct mf_flow_stats *) OVS_REQUIRES(mf_cport_mutex);

/* Opens 'port''s cache as 'want' says, if it has none, in 'role'
 * (MF_CPORT_OVS or MF_CPORT_TUNNEL, which has no cache).  'port' may
 * name a device that is not OVS's (MF_CPORT_UNDERLAY; its odp_port is
 * not used).  With 'prior' (an earlier run's cache on the port, which the
 * port takes), the cache is loaded and not attached. */
int mf_cport_open(const struct mf_port *, enum mf_cport_role,
                  const struct mf_cache_want *, struct mf_cadopt *prior,
                  struct mf_err *)
    OVS_REQUIRES(mf_cport_mutex);

/* Opens the cache of 'port', which takes the place of 'prior' (an earlier
 * run's), with the flows 'prior' has records of as its own, still in
 * 'prior' (mf_cport_flow.prior).  Returns their ufids and matches
 * (the caller's to free: mf_cport_adopted_free()). */
struct mf_cport_adopted {
    struct mf_ufid ufid;
    struct minimatch match;
};
int mf_cport_adopt(const struct mf_port *, const struct mf_cache_want *,
                   struct mf_cadopt *prior, struct mf_cport_adopted **,
                   size_t *n, struct mf_err *)
    OVS_REQUIRES(mf_cport_mutex);
void mf_cport_adopted_free(struct mf_cport_adopted *, size_t n);

/* Settles every port that still has an earlier run's cache on its hook:
 * takes the flows it adopted into its own cache, puts that in the earlier
 * one's place in one step, and carries the earlier counters on.  The
 * first time, also removes the caches an earlier run left with no flow
 * to adopt on any other device (an underlay's).  The backend calls it
 * before any operation on its flows: OVS runs then, with all its ports. */
void mf_cport_settle(void) OVS_REQUIRES(mf_cport_mutex);

/* Keeps the record of 'cf', in its cache, for a later run's adoption
 * (flows that came in on 'cp' and stay in its cache, encap flows aside:
 * what those need is the resolver's). */
void mf_cport_record(struct mf_cport *cp, const struct mf_cport_flow *cf)
    OVS_REQUIRES(mf_cport_mutex);

/* Detaches and frees 'cp''s cache.  If 'keep', its flows' final counters
 * are kept for OVS's deletes (mf_cport_gone_find()). */
void mf_cport_close(struct mf_cport *cp, bool keep)
    OVS_REQUIRES(mf_cport_mutex);

/* megaflower/cache's report: per port, the attach mode and why, entries
 * and capacity, masks, hits, misses, refusals and evictions. */
void mf_cport_format(struct ds *);

/* Calls 'cb' for each flow in a cache, with its port's name and the XDP
 * mode there ("generic", "native").  'cb' must not call into the cache. */
void mf_cport_for_each_flow(void (*cb)(const struct mf_ufid *,
                                       const char *port, const char *mode,
                                       void *aux),
                            void *aux);

#endif /* mf-cport.h */

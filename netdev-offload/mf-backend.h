/*
 * mf-backend: the one interface between the engine (mf-engine.h) and a
 * place below the kernel datapath that can hold megaflows: tc-flower
 * (tc/mf-tcb-ops.c), and the XDP flow cache (cache/mf-cache-ops.c).
 *
 * A backend holds megaflows under their ufids, each reproduced exactly
 * (every match field, every action, the counters), or refuses it with a
 * reason: all or nothing.  It knows its own entries; the engine knows
 * which backend holds which flow (its placement) and asks only that one.
 * A backend never sees OVS's provider structs (struct netdev, struct
 * dpif): ports come as a 'struct mf_port', flows as OVS's match and ODP
 * actions (struct mf_flow_put).
 *
 * Every function that can fail returns 0 or a positive errno, with the
 * reason (the kernel's words where the kernel refused) in 'struct mf_err'
 * or the op's 'reason'.
 */
#ifndef MF_BACKEND_H
#define MF_BACKEND_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mf-flow.h"
#include "mf-tnl-hdr.h"
#include "mf-xlate.h"

struct match;
struct nlattr;
struct ofpbuf;

/* A port of the kernel datapath, as the engine and its backends see it:
 * the flows put on it have it as their in_port. */
struct mf_port {
    uint32_t ifindex;
    odp_port_t odp_port;        /* Its number in the kernel datapath. */
    const char *name;           /* For reasons and logs. */
    int mtu;                    /* L3 MTU; 0 if none or unknown (a tunnel
                                 * port: its decap flows need none). */
    bool internal;              /* An OVS internal port. */
    struct mf_xlate_ports xports;   /* Names the datapath's other ports. */
    /* The tunnel type of the tunnel device 'ifindex'; false if it is not a
     * tunnel megaflower knows.  Called with 'xports.aux'. */
    bool (*tunnel_type)(uint32_t ifindex, enum mf_tnl_type *, void *aux);
};

/* A flow as a dump gives it.  'match' and 'actions' are filled only if
 * the dump is not terse. */
struct mf_flow_dumped {
    struct mf_ufid ufid;
    struct mf_flow_stats stats;
    struct match *match;        /* In: where to put the match. */
    struct nlattr *actions;     /* Out: in the dump's buffer. */
};

struct mf_backend {
    const char *name;           /* "tc": operators see it. */
    const char *dp_layer;       /* OVS's dpif_flow_attrs.dp_layer. */
    bool opt_in;                /* It serves only the ports its probe took
                                 * (a port the engine never saw is not
                                 * offered to it). */

    /* Prepares 'port' to hold flows (and removes what an earlier run of
     * megaflower left there).  An error: the backend cannot serve it. */
    int (*probe)(const struct mf_port *, struct mf_err *);

    /* Optional: 'probe' at a port's init, except that the flows an
     * earlier run of megaflower left on 'port' that the backend holds
     * exactly stay, and each is handed to 'cb' with its match: across a
     * restart they forward on until OVS claims or deletes them (its
     * revalidators dump them, read them back with 'get' and keep, modify
     * or delete each). */
    int (*probe_adopt)(const struct mf_port *,
                       void (*cb)(const struct mf_ufid *,
                                  const struct match *, void *aux),
                       void *aux, struct mf_err *);

    /* Optional.  Does slow work ahead (loading a program) that the
     * backend would otherwise do under its locks in a later add.  The
     * engine calls it at the start of every put, with none of its locks
     * held; it returns at once when there is nothing to do. */
    void (*prepare)(void);

    /* The most flows the backend can hold on 'ifindex' (SIZE_MAX if it
     * knows no bound), and in '*n_flows' how many it holds now. */
    size_t (*capacity)(uint32_t ifindex, size_t *n_flows);

    /* Offloads the 'n' new flows of 'ops', all on 'port', and sets each
     * op's outcome (error, refused, reason, placed).  A flow that is
     * already there is modified. */
    void (*add)(const struct mf_port *, struct mf_flow_put *ops, size_t n);

    /* Replaces a flow the backend holds with 'op''s version of it, and
     * sets the outcome (with the counters until then in 'op->stats').  If
     * it fails after the old version is gone, it sets 'op->old_deleted'. */
    void (*modify)(const struct mf_port *, struct mf_flow_put *op);

    /* Removes the 'n' flows of 'ops', each with its final counters; a
     * flow the backend does not hold is ENOENT. */
    void (*del)(struct mf_flow_del *ops, size_t n);

    /* The counters of one flow, or of every flow it holds ('cb' once
     * each). */
    int (*stats)(const struct mf_ufid *, struct mf_flow_stats *,
                 struct mf_err *);
    int (*stats_all)(void (*cb)(const struct mf_ufid *,
                                const struct mf_flow_stats *, void *aux),
                     void *aux);

    /* One flow as the backend holds it: its match and actions (the
     * actions in 'buf'), and counters. */
    int (*get)(const struct mf_port *, const struct mf_ufid *,
               struct match *, struct nlattr **actions, struct ofpbuf *buf,
               struct mf_flow_stats *, struct mf_err *);

    /* The flows on 'port', one at a time; the actions of each in 'buf'.
     * 'port' stays the caller's until dump_done(). */
    int (*dump_start)(const struct mf_port *, bool terse, void **state,
                      struct mf_err *);
    bool (*dump_next)(void *state, struct mf_flow_dumped *,
                      struct ofpbuf *buf);
    void (*dump_done)(void *state);

    /* Removes every flow megaflower holds on 'ifindex'. */
    int (*flush)(uint32_t ifindex, struct mf_err *);

    /* Optional.  Applies the operator's choice for 'port' anew: returns 0
     * if the backend serves it now (preparing it if it did not), else a
     * positive errno and why.  A backend that stops serving a port keeps
     * its flows there, for the engine to move them elsewhere before it
     * calls release(). */
    int (*reconfigure)(const struct mf_port *, struct mf_err *);

    /* Optional.  The backend no longer serves 'ifindex' (OVS let go of
     * the port, or reconfigure() said so): it drops what it holds
     * there. */
    void (*release)(uint32_t ifindex);
};

/* The tc-flower backend (tc/mf-tcb-ops.c). */
extern const struct mf_backend mf_tcb_backend;

/* The XDP flow cache (cache/mf-cache-ops.c). */
extern const struct mf_backend mf_cache_backend;

#endif /* mf-backend.h */

/*
 * mf-encap: offloaded encap flows kept in step with routes and neighbours.
 *
 * A flow whose actions encapsulate (tunnel_key set, then a mirred to the
 * tunnel device) is offloaded to hardware only when the kernel's route to
 * each tunnel destination and the next hop's neighbour are valid
 * (mf-tnl's READY) and the largest inner packet, encapsulated, fits the
 * egress MTU.  Otherwise:
 *   - at flow_put, if the MTU does not fit: refused, it stays in the
 *     datapath, with a reason naming both numbers;
 *   - if an endpoint is not READY: the filter is installed in the kernel's
 *     software tc only (skip_hw), where the tunnel device routes and
 *     resolves for itself, exactly as the datapath would.
 * mf-encap watches each such flow's endpoints: one resolver watch per
 * distinct endpoint, however many flows share it.  When a route, a
 * neighbour or a device changes what an endpoint resolves to, the flows
 * that depend on it (and only those) are installed again from a thread of
 * their own: into hardware once READY, without waiting for an upcall;
 * back to software when not; and anew when the next hop moves, so that a
 * driver programs the new path.  The filter installed again is the one
 * the kernel holds, read back, with new flags: mf-encap keeps no copy.
 * Never a black hole: a filter that cannot be in hardware stays in
 * software tc.
 *
 * Decap flows are placed the same way.  A switchdev driver binds a decap
 * rule (a filter on the tunnel device, offered to it through the indirect
 * block) to the uplink its route lookup picks at insertion, and not every
 * driver moves it afterwards.  So for a decap flow that matches both outer
 * addresses, mf-encap asks the kernel's FIB for the local endpoint (it
 * must be a local address) and for the route back to the remote from it:
 * that route's device is the ingress, the uplink the tunnel packets
 * arrive on.  While there is one (a unicast route through a device that
 * is up; the neighbour does not matter), the filter may be in hardware;
 * when the ingress changes, it is installed again so that the driver
 * binds it to the new uplink; when there is none (the local address is
 * gone, no route back, the uplink is down), it is in software tc only,
 * where the tunnel device itself decapsulates.
 *
 * With tc-policy=skip_sw there is no software tc: a flow whose endpoint is
 * not READY (or, for decap, that has no ingress) is refused, and one that
 * loses it loses its filter and goes back to the datapath.
 */
#ifndef MF_ENCAP_H
#define MF_ENCAP_H 1

#include <stdbool.h>
#include <stdint.h>

#include "mf-tnl-hdr.h"

struct ds;
struct mf_filter;
struct mf_ufid;

/* What the adapter knows of a flow's ports. */
struct mf_encap_ports {
    uint32_t in_mtu;                /* The in_port's MTU (L3), 0 if not
                                     * known: then an encap is refused. */
    const char *in_name;            /* The in_port's name, for reasons. */
    /* The tunnel type of the tunnel device 'ifindex'; false if it is not a
     * tunnel megaflower knows. */
    bool (*tunnel_type)(uint32_t ifindex, enum mf_tnl_type *, void *aux);
    void *aux;
};

/* Whether 'f' depends on the resolver: it encapsulates (has a tunnel_key
 * set), or it decapsulates with both outer addresses matched exactly. */
bool mf_encap_needed(const struct mf_filter *f);

/* Prepares the encap flow 'f' (translated, not yet installed) for 'ufid':
 * resolves its tunnel endpoints and applies the MTU rule.  Returns 0 and
 * sets TCA_CLS_FLAGS_SKIP_HW in f->flags when it must stay out of
 * hardware for now, or a positive errno with a reason (EMSGSIZE: the MTU
 * rule; EAGAIN: not READY under tc-policy=skip_sw).  The endpoints stay
 * watched until mf_encap_commit() or mf_encap_forget(). */
int mf_encap_prepare(const struct mf_ufid *, const struct mf_filter *f,
                     const struct mf_encap_ports *, bool *sw_only,
                     struct ds *reason);

/* Records that the flow of 'ufid' was installed on 'ifindex' (after a
 * successful mf_encap_prepare()). */
void mf_encap_commit(const struct mf_ufid *, uint32_t ifindex);

/* Forgets 'ufid' (deleted, refused, or no longer encapsulating), or every
 * flow on 'ifindex' (its filters were flushed). */
void mf_encap_forget(const struct mf_ufid *);
void mf_encap_forget_port(uint32_t ifindex);

/* Appends, for each flow, its state and one line per tunnel endpoint (or
 * decap placement) with the resolver's answer. */
void mf_encap_format(struct ds *);

/* The tunnel resolver the backends share, started on first use (with the
 * thread that runs it), or NULL with a reason. */
struct mf_tnl *mf_encap_resolver(struct ds *reason);

/* Has 'run' called from the resolver's thread after each round of
 * rtnetlink events (and at least once a second), with no lock held:
 * another backend's re-evaluation of the flows whose endpoints changed.
 * At most 4. */
void mf_encap_add_hook(void (*run)(void));

#endif /* mf-encap.h */

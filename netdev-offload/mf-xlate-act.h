/*
 * mf-xlate-act: a megaflow's ODP actions <-> a filter's tc actions.
 *
 * The action half of mf-xlate: outputs become mirred (the last action, if
 * an output, a redirect; others mirrors; internal ports on ingress),
 * push/pop_vlan act_vlan, sets pedit plus csum, set(tunnel) tunnel_key
 * (mf-xlate-tnl), ct act_ct, meters and
 * check_pkt_len police, and actions that do not end in an output end in a
 * gact drop, as the datapath drops what is left.  What the datapath runs
 * on a copy of the packet (a clone or sample, a check_pkt_len branch that
 * other actions follow) runs in tc on the packet itself and is undone
 * after it.  All or nothing, with a reason, like mf-xlate.
 */
#ifndef MF_XLATE_ACT_H
#define MF_XLATE_ACT_H 1

#include <stdbool.h>
#include <stddef.h>

struct ds;
struct mf_filter;
struct mf_xlate_ports;
struct nlattr;
struct ofpbuf;

/* Appends the tc actions for 'actions' to 'f', after a tunnel_key unset
 * if 'decap' (the flow arrives on a tunnel port).  Returns 0, or
 * EOPNOTSUPP with the reason appended to 'reason'. */
int mf_xlate_act_to_filter(const struct nlattr *actions, size_t actions_len,
                           bool decap, const struct mf_xlate_ports *,
                           struct mf_filter *f, struct ds *reason);

/* Appends the ODP actions of 'f' to 'buf' (inside a nest the caller
 * opened).  Returns 0, or EOPNOTSUPP with a reason. */
int mf_xlate_act_from_filter(const struct mf_filter *f,
                             const struct mf_xlate_ports *,
                             struct ofpbuf *buf, struct ds *reason);

#endif /* mf-xlate-act.h */

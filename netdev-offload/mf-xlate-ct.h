/*
 * mf-xlate-ct: OVS ct and ct_clear actions <-> tc's ct action.
 *
 * ct(commit, force_commit, zone, mark, labels, nat(src|dst, address and
 * port ranges)) and ct_clear map one to one onto act_ct.  What act_ct
 * cannot do exactly is refused with a reason: helpers (alg=), timeout
 * policies, and the NAT flags persistent, hash and random.
 *
 * OVS adds an event mask to every commit when the kernel datapath supports
 * one; act_ct has none, and a conntrack entry committed by tc reports all
 * its events to ctnetlink listeners (forwarding is the same).  So that
 * flow_get returns what OVS put, the default mask is accepted and, once
 * seen in a put, given back on every commit.
 */
#ifndef MF_XLATE_CT_H
#define MF_XLATE_CT_H 1

struct ds;
struct mf_act;
struct nlattr;
struct ofpbuf;

/* Translates the OVS_ACTION_ATTR_CT 'action' into 'act'.  Returns 0, or
 * EOPNOTSUPP with a reason. */
int mf_xlate_ct_to_tc(const struct nlattr *action, struct mf_act *act,
                      struct ds *reason);

/* Appends the OVS ct or ct_clear action the tc ct action 'act' means. */
void mf_xlate_ct_from_tc(const struct mf_act *act, struct ofpbuf *buf);

#endif /* mf-xlate-ct.h */

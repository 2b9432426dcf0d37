/*
 * mf-xlate-set: OVS set and set_masked actions <-> tc pedit actions.
 *
 * One OVS set action rewrites fields of one header (Ethernet, IPv4, IPv6,
 * TCP or UDP); it becomes one pedit action on that header.  A table in
 * mf-xlate-set.c gives each writable field's place in the OVS key struct
 * and in the packet header, and the checksums its rewrite breaks.  The
 * caller adds a csum action with those flags before the next output, so
 * that every packet leaves with the checksums the datapath's incremental
 * updates would have given it.
 *
 * Back from pedit, a rewrite that covers the whole OVS key struct is a
 * "set", anything less a "set_masked", as OVS's commit_odp_actions() puts
 * them; IPv4 and IPv6 are always masked (their proto and frag cannot be
 * written), so a non-masked set of either is refused.
 */
#ifndef MF_XLATE_SET_H
#define MF_XLATE_SET_H 1

#include <stdbool.h>
#include <stdint.h>

struct ds;
struct mf_act;
struct mf_flower_key;
struct mf_filter;
struct nlattr;
struct ofpbuf;

/* Translates 'action', an OVS_ACTION_ATTR_SET or _SET_MASKED of a flow
 * matched by 'f', into the pedit action 'act'.  ORs the
 * TCA_CSUM_UPDATE_FLAG_* the rewrite needs into '*csum'.  Returns 0, or
 * EOPNOTSUPP with a reason appended. */
int mf_xlate_set_to_pedit(const struct nlattr *action,
                          const struct mf_filter *f, struct mf_act *act,
                          uint32_t *csum, struct ds *reason);

/* Appends the OVS set or set_masked action that the pedit action 'act'
 * means to 'buf', and ORs the checksum flags it needs into '*csum'.
 * Returns 0, or EOPNOTSUPP with a reason. */
int mf_xlate_set_from_pedit(const struct mf_act *act, struct ofpbuf *buf,
                            uint32_t *csum, struct ds *reason);

/* What megaflower knows of a packet's headers is a flower key and mask: the
 * match, then the rewrites.  Applies the pedit action 'act' to 'key' under
 * 'mask' (fields flower cannot match are not followed). */
void mf_xlate_set_track(const struct mf_act *act, struct mf_flower_key *key,
                        struct mf_flower_key *mask);

/* Builds into 'undo' the pedit action that puts back what the pedit action
 * 'act' overwrites, from the values 'key' under 'mask' had before it, and
 * ORs the checksum fix-up it needs into '*csum'.  Returns 0, or EOPNOTSUPP
 * with a reason if some bit 'act' writes was not known. */
int mf_xlate_set_undo(const struct mf_act *act,
                      const struct mf_flower_key *key,
                      const struct mf_flower_key *mask, struct mf_act *undo,
                      uint32_t *csum, struct ds *reason);

#endif /* mf-xlate-set.h */

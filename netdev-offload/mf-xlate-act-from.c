/* mf-xlate-act-from: a filter's tc actions back to ODP actions, the
 * read-back direction of mf-xlate-act (mf-xlate-act.h): the actions a dump
 * gives back, and the refusal of any that megaflower would not build. */
#include <config.h>
#include "mf-xlate-act.h"
#include "mf-xlate-act-int.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_gact.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/tc_act/tc_mpls.h>
#include <string.h>

#include "mf-filter.h"
#include "mf-meter.h"
#include "mf-ptype.h"
#include "mf-xlate.h"
#include "mf-xlate-ct.h"
#include "mf-xlate-set.h"
#include "mf-xlate-tnl.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

static const struct length_tag *
length_tag_of(const struct mf_act *act)
{
    const struct length_tag *tag = (const struct length_tag *) act->cookie;

    return (act->kind == MF_ACT_POLICE && !act->police.index
            && act->cookie_len == sizeof *tag && tag->magic[0] == 'm'
            && tag->magic[1] == 'f' && tag->kind == 'l' ? tag : NULL);
}

static const struct clone_tag *
clone_tag_of(const struct mf_act *act)
{
    const struct clone_tag *tag = (const struct clone_tag *) act->cookie;

    return (act->kind == MF_ACT_GACT && act->cookie_len == sizeof *tag
            && tag->magic[0] == 'm' && tag->magic[1] == 'f'
            && (tag->kind == 'c' || tag->kind == 's') && tag->last <= 1
            && tag->p_round <= 1 ? tag : NULL);
}

static void
mpls_from_tc(const struct mf_act *act, struct ofpbuf *buf)
{
    ovs_be32 lse = 0;

    if (act->mpls.action == TCA_MPLS_ACT_POP) {
        nl_msg_put_be16(buf, OVS_ACTION_ATTR_POP_MPLS, act->mpls.proto);
        return;
    }
    flow_set_mpls_lse_label(&lse, act->mpls.label);
    flow_set_mpls_lse_tc(&lse, act->mpls.tc);
    flow_set_mpls_lse_ttl(&lse, act->mpls.ttl);
    flow_set_mpls_lse_bos(&lse, act->mpls.bos);
    if (act->mpls.action == TCA_MPLS_ACT_PUSH) {
        struct ovs_action_push_mpls push;

        /* Its padding goes into the attribute: zero it. */
        memset(&push, 0, sizeof push);
        push.mpls_lse = lse;
        push.mpls_ethertype = act->mpls.proto;
        nl_msg_put_unspec(buf, OVS_ACTION_ATTR_PUSH_MPLS, &push, sizeof push);
    } else {
        size_t ofs = nl_msg_start_nested(buf, OVS_ACTION_ATTR_SET);

        nl_msg_put_be32(buf, OVS_KEY_ATTR_MPLS, lse);
        nl_msg_end_nested(buf, ofs);
    }
}

static int from_range(const struct mf_filter *, size_t begin, size_t end,
                      const struct mf_xlate_ports *, uint32_t csum,
                      uint32_t *copy_csum, struct ofpbuf *,
                      struct ds *reason);

/* The length check at f->acts[i], which ends at 'end': its branches are
 * the actions its conform verdict jumps over (to index 'le') and the
 * rest. */
static int
from_check_pkt_len(const struct mf_filter *f, size_t i, size_t end,
                   const struct mf_xlate_ports *ports, uint32_t csum,
                   struct ofpbuf *buf, struct ds *reason)
{
    const struct mf_act *act = &f->acts[i];
    size_t le = act->police.conform & TC_ACT_EXT_VAL_MASK;
    size_t cpl, branch;
    int error;

    if (act->police.exceed != TC_ACT_PIPE
        || !TC_ACT_EXT_CMP(act->police.conform, TC_ACT_JUMP)
        || !act->police.mtu || act->police.mtu > UINT16_MAX
        || le <= i + 1 || le >= end) {
        return mf_xlate_refuse(reason, "police: not a length check "
                               "megaflower would build");
    }
    cpl = nl_msg_start_nested(buf, OVS_ACTION_ATTR_CHECK_PKT_LEN);
    nl_msg_put_u16(buf, OVS_CHECK_PKT_LEN_ATTR_PKT_LEN, act->police.mtu);
    branch = nl_msg_start_nested(buf,
                                 OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER);
    error = from_range(f, i + 1, le, ports, csum, NULL, buf, reason);
    if (error) {
        return error;
    }
    nl_msg_end_nested(buf, branch);
    branch = nl_msg_start_nested(buf,
                                 OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL);
    error = from_range(f, le, end, ports, csum, NULL, buf, reason);
    if (error) {
        return error;
    }
    nl_msg_end_nested(buf, branch);
    nl_msg_end_nested(buf, cpl);
    return 0;
}

/* Whether f->acts[i] is the packet type megaflower sets before handing a
 * packet to an internal port (the mirred that follows). */
static bool
is_internal_ptype(const struct mf_filter *f, size_t i, size_t end)
{
    return (f->acts[i].kind == MF_ACT_SKBEDIT && i + 1 < end
            && f->acts[i + 1].kind == MF_ACT_MIRRED
            && (f->acts[i + 1].mirred.eaction == TCA_INGRESS_REDIR
                || f->acts[i + 1].mirred.eaction == TCA_INGRESS_MIRROR)
            && (f->acts[i].skbedit.ptype <= PACKET_OTHERHOST
                || f->acts[i].skbedit.ptype == MF_PTYPE_BY_DST));
}

/* Appends an output for the mirred 'act'. */
static int
put_output(const struct mf_act *act, const struct mf_xlate_ports *ports,
           struct ofpbuf *buf, struct ds *reason)
{
    odp_port_t port = ports->from_ifindex(act->mirred.ifindex, ports->aux);

    if (port == ODPP_NONE) {
        return mf_xlate_refuse(reason, "mirred to ifindex %"PRIu32": not an "
                               "OVS port", act->mirred.ifindex);
    }
    nl_msg_put_odp_port(buf, OVS_ACTION_ATTR_OUTPUT, port);
    return 0;
}

/* Appends, inside the nest 'type', the branch f->acts[begin, end) of a
 * length check that other actions follow (run on a copy), and ORs the
 * fix-up its undo leaves pending into '*csum'. */
static int
put_copy_branch(const struct mf_filter *f, size_t begin, size_t end,
                uint16_t type, const struct mf_xlate_ports *ports,
                uint32_t *csum, struct ofpbuf *buf, struct ds *reason)
{
    size_t ofs = nl_msg_start_nested(buf, type);
    int error;

    error = from_range(f, begin, end, ports, 0, csum, buf, reason);
    nl_msg_end_nested(buf, ofs);
    return error;
}

/* The length check at f->acts[i] that other actions follow (see struct
 * length_tag), within f->acts[.., end) ('in_copy': the body of another's
 * branch, which it may end).  ORs the fix-up the undo of its
 * branches leaves pending into '*csum' and sets '*next' to the rest.  The
 * undo is not read back: mf_xlate_act_from_filter() checks the whole
 * filter. */
static int
from_check_pkt_len_clone(const struct mf_filter *f, size_t i, size_t end,
                         bool in_copy, const struct mf_xlate_ports *ports,
                         uint32_t *csum, struct ofpbuf *buf, size_t *next,
                         struct ds *reason)
{
    const struct mf_act *act = &f->acts[i];
    const struct length_tag *tag = length_tag_of(act);
    size_t jump = i + 1 + tag->n_body[0] + tag->n_undo[0];
    size_t le = jump + 1;
    size_t rest = le + tag->n_body[1] + tag->n_undo[1];
    size_t cpl;
    int error;

    /* Others follow it, unless it is the last of a copy's body. */
    if (rest > end || (rest == end && !in_copy)
        || act->police.exceed != TC_ACT_PIPE
        || act->police.conform != (int32_t) (TC_ACT_JUMP | le)
        || !act->police.mtu || act->police.mtu > UINT16_MAX
        || f->acts[jump].kind != MF_ACT_GACT || f->acts[jump].cookie_len
        || f->acts[jump].gact.ptype
        || f->acts[jump].gact.verdict != (int32_t) (TC_ACT_JUMP | rest)) {
        return mf_xlate_refuse(reason, "police: a length check megaflower "
                               "would not build");
    }
    cpl = nl_msg_start_nested(buf, OVS_ACTION_ATTR_CHECK_PKT_LEN);
    nl_msg_put_u16(buf, OVS_CHECK_PKT_LEN_ATTR_PKT_LEN, act->police.mtu);
    error = put_copy_branch(f, i + 1, i + 1 + tag->n_body[0],
                            OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER,
                            ports, csum, buf, reason);
    if (!error) {
        error = put_copy_branch(f, le, le + tag->n_body[1],
                                OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL,
                                ports, csum, buf, reason);
    }
    nl_msg_end_nested(buf, cpl);
    *next = rest;
    return error;
}

/* The clone or sample marked by f->acts[i] (see struct clone_tag), within
 * f->acts[.., end): appends it to 'buf', ORs the fix-up its undo leaves
 * pending into '*csum' and sets '*next' to the index after it.  The undo is
 * not read back: mf_xlate_act_from_filter() checks the whole filter. */
static int
from_clone(const struct mf_filter *f, size_t i, size_t end, bool in_copy,
           const struct mf_xlate_ports *ports, uint32_t *csum,
           struct ofpbuf *buf, size_t *next, struct ds *reason)
{
    const struct mf_act *mark = &f->acts[i];
    const struct clone_tag *tag = clone_tag_of(mark);
    size_t body_end = i + 1 + tag->n_body;
    size_t after = body_end + tag->n_undo;
    uint16_t pval = mark->gact.ptype == PGACT_NETRAND ? mark->gact.pval : 0;
    int32_t jump = TC_ACT_JUMP | (tag->last ? body_end : after);
    uint32_t body_csum = 0;
    size_t ofs, list;
    int error;

    if (!tag->n_body || after > end || (!pval && tag->p_round)
        || (tag->last && (in_copy || after != end))
        || (pval
            ? (tag->kind != 's' || pval < 2
               || mark->gact.paction != TC_ACT_PIPE
               || mark->gact.verdict != jump
               || (tag->last && tag->n_undo != 1))
            : (mark->gact.ptype != PGACT_NONE
               || mark->gact.verdict != TC_ACT_PIPE
               || (tag->last && tag->n_undo)))) {
        return mf_xlate_refuse(reason, "gact: a clone mark megaflower would "
                               "not build");
    }
    if (tag->kind == 'c') {
        ofs = list = nl_msg_start_nested(buf, OVS_ACTION_ATTR_CLONE);
    } else {
        ofs = nl_msg_start_nested(buf, OVS_ACTION_ATTR_SAMPLE);
        nl_msg_put_u32(buf, OVS_SAMPLE_ATTR_PROBABILITY,
                       pval ? UINT32_MAX / pval + tag->p_round : UINT32_MAX);
        list = nl_msg_start_nested(buf, OVS_SAMPLE_ATTR_ACTIONS);
    }
    error = from_range(f, i + 1, body_end, ports, *csum,
                       tag->last ? NULL : &body_csum, buf, reason);
    if (error) {
        return error;
    }
    if (list != ofs) {
        nl_msg_end_nested(buf, list);
    }
    nl_msg_end_nested(buf, ofs);
    *csum |= body_csum;
    *next = after;
    return 0;
}

/* Appends the ODP actions of f->acts[begin, end), a list that ends the
 * packet's processing, to 'buf'.  'csum' is the fix-up pending on entry.
 * With 'copy_csum', the list is the body of a clone that other actions
 * follow (see mf_xlate_act_list()): it ends nothing, and the fix-ups of
 * its own rewrites are ORed into '*copy_csum'. */
static int
from_range(const struct mf_filter *f, size_t begin, size_t end,
           const struct mf_xlate_ports *ports, uint32_t csum,
           uint32_t *copy_csum, struct ofpbuf *buf, struct ds *reason)
{
    size_t next = 0;
    uint32_t meter;
    int error;

    if (begin == end && !copy_csum) {
        return mf_xlate_refuse(reason, "an empty action list");
    }
    for (size_t i = begin; i < end; i++) {
        const struct mf_act *act = &f->acts[i];
        bool last = i + 1 == end;
        struct ovs_action_push_vlan push;

        switch (act->kind) {
        case MF_ACT_MIRRED:
            if (csum) {
                return mf_xlate_refuse(reason, "mirred after a rewrite "
                                       "without the checksum fix-up");
            }
            if ((last && !copy_csum)
                != (act->mirred.eaction == TCA_EGRESS_REDIR
                    || act->mirred.eaction == TCA_INGRESS_REDIR)) {
                return mf_xlate_refuse(reason, "mirred: a redirect that is not last, "
                              "or a mirror that is");
            }
            error = put_output(act, ports, buf, reason);
            if (error) {
                return error;
            }
            break;
        case MF_ACT_POLICE:
            if (!act->police.index) {
                size_t next = 0;

                if (!csum && length_tag_of(act)) {
                    /* Other actions follow its branches. */
                    error = from_check_pkt_len_clone(f, i, end,
                                                     copy_csum != NULL,
                                                     ports, &csum, buf,
                                                     &next, reason);
                    if (error) {
                        return error;
                    }
                    i = next - 1;
                    break;
                }
                /* The rest of the list is its two branches. */
                return from_check_pkt_len(f, i, end, ports, csum, buf,
                                          reason);
            }
            if (!mf_meter_from_index(act->police.index, &meter)) {
                return mf_xlate_refuse(reason, "police %#"PRIx32": not one "
                                       "of megaflower's meters",
                                       act->police.index);
            }
            nl_msg_put_u32(buf, OVS_ACTION_ATTR_METER, meter);
            break;
        case MF_ACT_GACT:
            if (clone_tag_of(act)) {
                error = from_clone(f, i, end, copy_csum != NULL, ports,
                                   &csum, buf, &next, reason);
                if (error) {
                    return error;
                }
                i = next - 1;
                break;
            }
            if (act->gact.verdict == TC_ACT_PIPE && !act->gact.ptype
                && i == 0 && !last
                && ((f->acts[1].kind == MF_ACT_POLICE
                     && f->acts[1].police.index)
                    || clone_tag_of(&f->acts[1])
                    || length_tag_of(&f->acts[1]))) {
                /* The ufid's carrier before a meter, a clone or a length
                 * check that other actions follow. */
                break;
            }
            /* The drop that ends the actions, as the datapath's end of
             * actions does. */
            if (act->gact.verdict != TC_ACT_SHOT || act->gact.ptype
                || !last || copy_csum) {
                return mf_xlate_refuse(reason, "gact: only a drop at the end is a "
                              "megaflow action");
            }
            break;
        case MF_ACT_VLAN:
            if (!act->vlan.push) {
                nl_msg_put_flag(buf, OVS_ACTION_ATTR_POP_VLAN);
                break;
            }
            push.vlan_tpid = act->vlan.tpid;
            push.vlan_tci = htons(VLAN_CFI
                                  | (act->vlan.id & VLAN_VID_MASK)
                                  | ((act->vlan.prio << VLAN_PCP_SHIFT)
                                     & VLAN_PCP_MASK));
            nl_msg_put_unspec(buf, OVS_ACTION_ATTR_PUSH_VLAN, &push,
                              sizeof push);
            break;
        case MF_ACT_PEDIT: {
            uint32_t need = 0;

            error = mf_xlate_set_from_pedit(act, buf, &need, reason);
            if (error) {
                return error;
            }
            csum |= need;
            if (copy_csum) {
                *copy_csum |= need;
            }
            break;
        }
        case MF_ACT_CT:
            mf_xlate_ct_from_tc(act, buf);
            break;
        case MF_ACT_SKBEDIT:
            if (!is_internal_ptype(f, i, end)) {
                return mf_xlate_refuse(reason, "skbedit: not the packet type "
                                       "of an output to an internal port");
            }
            break;
        case MF_ACT_MPLS:
            mpls_from_tc(act, buf);
            break;
        case MF_ACT_TUNNEL:
            if (!act->tunnel.release) {
                mf_xlate_tnl_from_tc(act, buf);
            } else if (i != 0 || last) {
                /* Decap filters start with it; nothing else has it. */
                return mf_xlate_refuse(reason, "tunnel_key unset: not the "
                                       "first of a decap filter's actions");
            }
            break;
        case MF_ACT_CSUM:
            /* Exactly the fix-up megaflower puts before an output. */
            if (act->csum.flags != csum || last
                || (f->acts[i + 1].kind != MF_ACT_MIRRED
                    && !is_internal_ptype(f, i + 1, end)
                    && !length_tag_of(&f->acts[i + 1]))) {
                return mf_xlate_refuse(reason, "csum: not the fix-up of the "
                                       "rewrites before an output");
            }
            csum = 0;
            break;
        case MF_ACT_N_KINDS:
        default:
            return mf_xlate_refuse(reason, "unknown action");
        }
    }
    /* The last action ends the packet's processing: a redirect (checked
     * above) or a drop. */
    if (!copy_csum && f->acts[end - 1].kind != MF_ACT_MIRRED
        && f->acts[end - 1].kind != MF_ACT_GACT) {
        return mf_xlate_refuse(reason, "actions that do not end in a "
                               "redirect or a drop");
    }
    return 0;
}

int
mf_xlate_act_from_filter(const struct mf_filter *f,
                         const struct mf_xlate_ports *ports,
                         struct ofpbuf *buf, struct ds *reason)
{
    size_t start = buf->size;
    struct mf_filter *again;
    struct ds ignored;
    bool marked = false;
    bool decap;
    int error;

    error = from_range(f, 0, f->n_acts, ports, 0, NULL, buf, reason);
    for (size_t i = 0; i < f->n_acts; i++) {
        marked |= f->acts[i].cookie_len != 0;
    }
    if (error || !marked) {
        return error;
    }

    /* A clone's undo was skipped above: the filter must be exactly what
     * megaflower builds from the actions it decoded to. */
    decap = f->acts[0].kind == MF_ACT_TUNNEL && f->acts[0].tunnel.release;
    again = xmemdup(f, sizeof *f);
    again->n_acts = 0;
    ds_init(&ignored);
    error = mf_xlate_act_to_filter((const struct nlattr *)
                                   ((const char *) buf->data + start),
                                   buf->size - start, decap, ports, again,
                                   &ignored);
    if (!error && again->n_acts != f->n_acts) {
        error = EOPNOTSUPP;
    }
    for (size_t i = 0; !error && i < f->n_acts; i++) {
        if (!mf_act_equal(&again->acts[i], &f->acts[i])) {
            error = EOPNOTSUPP;
        }
    }
    if (error) {
        ds_put_cstr(reason, "actions megaflower would not build from the "
                    "clone or sample they decode to");
        error = EOPNOTSUPP;
    }
    ds_destroy(&ignored);
    free(again);
    return error;
}

/* mf-xlate-act: a megaflow's ODP actions to a filter's tc actions
 * (mf-xlate-act.h), and whether they are well formed as the datapath
 * takes them.  Clone, sample and check_pkt_len are in
 * mf-xlate-act-clone.c; the way back is mf-xlate-act-from.c. */
#include <config.h>
#include "mf-xlate-act.h"
#include "mf-xlate-act-int.h"

#include <errno.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_ct.h>
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

/* Fills 'act' from an MPLS label stack entry. */
static int
mpls_lse(ovs_be32 lse, struct mf_act *act, struct ds *reason)
{
    act->mpls.label = mpls_lse_to_label(lse);
    act->mpls.tc = mpls_lse_to_tc(lse);
    act->mpls.ttl = mpls_lse_to_ttl(lse);
    act->mpls.bos = mpls_lse_to_bos(lse);
    if (!act->mpls.ttl) {
        /* act_mpls takes TTL 0 as "leave it". */
        return mf_xlate_refuse(reason, "MPLS TTL 0: act_mpls cannot set it");
    }
    return 0;
}

/* push_mpls, pop_mpls and set(mpls) into the mpls action 'act'. */
static int
xlate_mpls(const struct nlattr *a, struct mf_act *act, struct ds *reason)
{
    const struct ovs_action_push_mpls *push;

    switch (nl_attr_type(a)) {
    case OVS_ACTION_ATTR_PUSH_MPLS:
        push = nl_attr_get(a);
        act->mpls.action = TCA_MPLS_ACT_PUSH;
        act->mpls.proto = push->mpls_ethertype;
        return mpls_lse(push->mpls_lse, act, reason);
    case OVS_ACTION_ATTR_POP_MPLS:
        act->mpls.action = TCA_MPLS_ACT_POP;
        act->mpls.proto = nl_attr_get_be16(a);
        return 0;
    default:
        if (nl_attr_get_size(nl_attr_get(a)) != sizeof(struct ovs_key_mpls)) {
            return mf_xlate_refuse(reason, "set(mpls) of more than one "
                                   "label stack entry");
        }
        act->mpls.action = TCA_MPLS_ACT_MODIFY;
        return mpls_lse(((const struct ovs_key_mpls *)
                         nl_attr_get(nl_attr_get(a)))->mpls_lse,
                        act, reason);
    }
}

/* The datapath hands a packet to the host through eth_type_trans() on the
 * internal port, which sets its packet type from the destination MAC; tc's
 * mirred keeps the type the packet came in with, so an skbedit sets it
 * first.  With the destination unknown here, the skbedit is a placeholder
 * that carries the port's MAC, and mf-ptype splits the filter by
 * destination (mf-ptype.h). */
static int
add_internal_ptype(struct to_ctx *ctx, odp_port_t port)
{
    bool group = ctx->pkt.dst_known && eth_addr_is_multicast(ctx->pkt.dst);
    struct eth_addr mac = eth_addr_zero;
    struct mf_act *act;

    if (!group && (!ctx->ports->get_mac
                   || !ctx->ports->get_mac(port, &mac, ctx->ports->aux))) {
        return mf_xlate_refuse(ctx->reason, "output(%"PRIu32") to an "
                               "internal port whose MAC megaflower cannot "
                               "read: the packet type the host gives a "
                               "packet depends on it", odp_to_u32(port));
    }
    if (!ctx->pkt.dst_known && ctx->pkt.dst_mangled) {
        /* The filter can be split by the destination it matches, not by
         * one a rewrite made from it. */
        return mf_xlate_refuse(ctx->reason, "output(%"PRIu32") to an "
                               "internal port of a packet whose destination "
                               "MAC a masked set rewrote in part: tc cannot "
                               "give it the packet type the host expects",
                               odp_to_u32(port));
    }
    act = add_act(ctx->f, MF_ACT_SKBEDIT);
    if (ctx->pkt.dst_known) {
        act->skbedit.ptype = mf_ptype_of_dst(ctx->pkt.dst.ea, mac.ea);
    } else {
        act->skbedit.ptype = MF_PTYPE_BY_DST;
        memcpy(act->skbedit.mac, mac.ea, sizeof act->skbedit.mac);
    }
    return 0;
}

/* Adds a mirred for output 'a' to ctx->f (its verdict is set later). */
static int
add_output(struct to_ctx *ctx, const struct nlattr *a)
{
    struct mf_filter *f = ctx->f;
    odp_port_t port = nl_attr_get_odp_port(a);
    enum mf_port_kind kind;
    uint32_t ifindex;
    int error;

    kind = ctx->ports->lookup(port, &ifindex, ctx->ports->aux);
    if (kind == MF_PORT_INTERNAL) {
        error = add_internal_ptype(ctx, port);
        if (error) {
            return error;
        }
    }
    ctx->kinds[f->n_acts] = kind;
    if (ctx->kinds[f->n_acts] == MF_PORT_NONE) {
        return mf_xlate_refuse(ctx->reason, "output(%"PRIu32"): not a port "
                               "megaflower can reach", odp_to_u32(port));
    } else if (ctx->kinds[f->n_acts] == MF_PORT_TUNNEL) {
        /* The set(tunnel) must come right before (a checksum fix-up of the
         * inner packet aside): what tunnel_key set leaves on the packet
         * would otherwise reach other outputs too. */
        size_t i = f->n_acts;

        while (i > 0 && f->acts[i - 1].kind == MF_ACT_CSUM) {
            i--;
        }
        if (!i || f->acts[i - 1].kind != MF_ACT_TUNNEL
            || f->acts[i - 1].tunnel.release) {
            return mf_xlate_refuse(ctx->reason, "output(%"PRIu32") to a "
                                   "tunnel port without a set(tunnel) just "
                                   "before it", odp_to_u32(port));
        }
    }
    add_act(f, MF_ACT_MIRRED)->mirred.ifindex = ifindex;
    return 0;
}

/* Follows a set of the Ethernet header 'a' in ctx->dst. */
static void
track_eth_dst(struct to_ctx *ctx, const struct nlattr *a)
{
    const struct ovs_key_ethernet *key = nl_attr_get(nl_attr_get(a));
    const struct ovs_key_ethernet *mask = key + 1;

    if (nl_attr_type(a) == OVS_ACTION_ATTR_SET
        || eth_addr_is_broadcast(mask->eth_dst)) {
        ctx->pkt.dst = key->eth_dst;
        ctx->pkt.dst_known = true;
    } else if (!eth_addr_is_zero(mask->eth_dst)) {
        ctx->pkt.dst_known = false;
        ctx->pkt.dst_mangled = true;
    }
}

/* For the actions that the body of a clone that others follow cannot
 * have: the datapath runs them on a copy, tc on the packet itself. */
static int
refuse_in_copy(struct to_ctx *ctx, const struct nlattr *a)
{
    ds_put_cstr(ctx->reason, "action ");
    format_odp_actions(ctx->reason, a, a->nla_len, NULL);
    ds_put_cstr(ctx->reason, " in a clone that other actions follow: tc "
                "would apply it to the packet itself, and it cannot be "
                "undone");
    return EOPNOTSUPP;
}

/* The size of each action's argument: a number of bytes, or NESTED (a
 * list of actions, checked in turn), ONE_ATTR (one attribute: a set),
 * ANY (its translation reads it with its own checks).  What the datapath
 * takes (odp-util.c's own table is private to it). */
enum { ANY = -1, NESTED = -2, ONE_ATTR = -3, ARGS = -4 };
static const int action_size[] = {
    [OVS_ACTION_ATTR_OUTPUT] = sizeof(uint32_t),
    [OVS_ACTION_ATTR_USERSPACE] = ANY,
    [OVS_ACTION_ATTR_SET] = ONE_ATTR,
    [OVS_ACTION_ATTR_PUSH_VLAN] = sizeof(struct ovs_action_push_vlan),
    [OVS_ACTION_ATTR_POP_VLAN] = 0,
    [OVS_ACTION_ATTR_SAMPLE] = ARGS,
    [OVS_ACTION_ATTR_RECIRC] = sizeof(uint32_t),
    [OVS_ACTION_ATTR_HASH] = sizeof(struct ovs_action_hash),
    [OVS_ACTION_ATTR_PUSH_MPLS] = sizeof(struct ovs_action_push_mpls),
    [OVS_ACTION_ATTR_POP_MPLS] = sizeof(ovs_be16),
    [OVS_ACTION_ATTR_SET_MASKED] = ONE_ATTR,
    [OVS_ACTION_ATTR_CT] = ANY,
    [OVS_ACTION_ATTR_TRUNC] = sizeof(struct ovs_action_trunc),
    [OVS_ACTION_ATTR_PUSH_ETH] = sizeof(struct ovs_action_push_eth),
    [OVS_ACTION_ATTR_POP_ETH] = 0,
    [OVS_ACTION_ATTR_CT_CLEAR] = 0,
    [OVS_ACTION_ATTR_PUSH_NSH] = ANY,
    [OVS_ACTION_ATTR_POP_NSH] = 0,
    [OVS_ACTION_ATTR_METER] = sizeof(uint32_t),
    [OVS_ACTION_ATTR_CLONE] = NESTED,
    [OVS_ACTION_ATTR_CHECK_PKT_LEN] = ARGS,
};

/* ARGS: the nested arguments of sample and check_pkt_len, each a size as
 * above (NESTED: a list of actions). */
static int
arg_size(unsigned int action, unsigned int arg)
{
    if (action == OVS_ACTION_ATTR_SAMPLE) {
        return (arg == OVS_SAMPLE_ATTR_PROBABILITY ? (int) sizeof(uint32_t)
                : arg == OVS_SAMPLE_ATTR_ACTIONS ? NESTED : ANY);
    }
    return (arg == OVS_CHECK_PKT_LEN_ATTR_PKT_LEN ? (int) sizeof(uint16_t)
            : arg == OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER
              || arg == OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL
            ? NESTED : ANY);
}

/* Whether OVS's formatter can be trusted with an action of 'type' that
 * actions_well_formed() let through: its layout was checked. */
static bool
action_checked(unsigned int type)
{
    return ((type < ARRAY_SIZE(action_size) && action_size[type] != ANY)
            || type == OVS_ACTION_ATTR_USERSPACE);
}

/* Appends the tc actions for 'actions' to ctx->f as a list that ends the
 * packet's processing: its last output, if last, redirects, and a drop
 * ends it if nothing else does.  'csum' is the checksum fix-up pending on
 * entry.  With 'copy', the list is the body of a clone that other actions
 * follow: it ends nothing, its outputs all mirror, and 'copy' gets what
 * undoes it. */
int
mf_xlate_act_list(struct to_ctx *ctx, const struct nlattr *actions,
                  size_t actions_len, uint32_t csum, bool nested,
                  struct copy_body *copy)
{
    struct mf_filter *f = ctx->f;
    struct ds *reason = ctx->reason;
    size_t begin = f->n_acts;
    const struct nlattr *a;
    int last_output = -1;
    bool branched = false;
    size_t left, own_end = 0;
    int error;

    NL_ATTR_FOR_EACH (a, left, actions, actions_len) {
        enum ovs_action_attr type = nl_attr_type(a);
        const struct ovs_action_push_vlan *push;
        bool others_follow = left > (size_t) NLA_ALIGN(a->nla_len);
        struct mf_act *act;

        /* Room for this one, a csum before it and the drop that may
         * follow. */
        if (f->n_acts + 3 > MF_ACT_MAX) {
            return mf_xlate_refuse(reason, "more than %d tc actions",
                                   MF_ACT_MAX - 1);
        }
        if (branched) {
            return mf_xlate_refuse(reason, "actions after check_pkt_len");
        }
        if (copy) {
            switch (type) {
            case OVS_ACTION_ATTR_PUSH_MPLS:
            case OVS_ACTION_ATTR_POP_MPLS:
            case OVS_ACTION_ATTR_CT:
            case OVS_ACTION_ATTR_CT_CLEAR:
            case OVS_ACTION_ATTR_METER:
                return refuse_in_copy(ctx, a);
            case OVS_ACTION_ATTR_SET:
                if (nl_attr_type(nl_attr_get(a)) == OVS_KEY_ATTR_MPLS
                    || nl_attr_type(nl_attr_get(a)) == OVS_KEY_ATTR_TUNNEL) {
                    return refuse_in_copy(ctx, a);
                }
                break;
            case OVS_ACTION_ATTR_PUSH_VLAN:
            case OVS_ACTION_ATTR_POP_VLAN:
                error = mf_xlate_act_copy_undo_vlan(ctx, a, copy);
                if (error) {
                    return error;
                }
                break;
            default:
                break;
            }
        }
        switch (type) {
        case OVS_ACTION_ATTR_OUTPUT:
            if (csum) {
                add_act(f, MF_ACT_CSUM)->csum.flags = csum;
                csum = 0;
            }
            error = add_output(ctx, a);
            if (error) {
                return error;
            }
            /* Its mirred, after the skbedit an internal port has. */
            last_output = f->n_acts - 1;
            break;
        case OVS_ACTION_ATTR_PUSH_VLAN:
            push = nl_attr_get(a);
            if (!(push->vlan_tci & htons(VLAN_CFI))) {
                return mf_xlate_refuse(reason, "push_vlan without the CFI "
                                       "bit OVS always sets");
            }
            if (vlan_tci_to_vid(push->vlan_tci) == VLAN_VID_MASK) {
                /* The datapath pushes it; act_vlan says ERANGE. */
                return mf_xlate_refuse(reason, "push_vlan(vid=4095): tc "
                                       "vlan refuses the reserved VID");
            }
            act = add_act(f, MF_ACT_VLAN);
            act->vlan.push = true;
            act->vlan.tpid = push->vlan_tpid;
            act->vlan.id = vlan_tci_to_vid(push->vlan_tci);
            act->vlan.prio = vlan_tci_to_pcp(push->vlan_tci);
            ctx->pkt.vlan_pushed = true;
            ctx->pkt.vlan_touched = true;
            break;
        case OVS_ACTION_ATTR_POP_VLAN:
            add_act(f, MF_ACT_VLAN);
            ctx->pkt.vlan_touched = true;
            break;
        case OVS_ACTION_ATTR_PUSH_MPLS:
        case OVS_ACTION_ATTR_POP_MPLS:
            error = xlate_mpls(a, add_act(f, MF_ACT_MPLS), reason);
            if (error) {
                return error;
            }
            break;
        case OVS_ACTION_ATTR_SET:
            if (nl_attr_type(nl_attr_get(a)) == OVS_KEY_ATTR_MPLS) {
                error = xlate_mpls(a, add_act(f, MF_ACT_MPLS), reason);
                if (error) {
                    return error;
                }
                break;
            }
            if (nl_attr_type(nl_attr_get(a)) == OVS_KEY_ATTR_TUNNEL) {
                error = mf_xlate_tnl_to_tc(a, add_act(f, MF_ACT_TUNNEL),
                                           reason);
                if (error) {
                    return error;
                }
                break;
            }
            /* Fall through. */
        case OVS_ACTION_ATTR_SET_MASKED:
            act = add_act(f, MF_ACT_PEDIT);
            error = mf_xlate_set_to_pedit(a, f, act, &csum, reason);
            if (!error && copy) {
                error = mf_xlate_set_undo(act, &ctx->pkt.known,
                                          &ctx->pkt.known_mask,
                                          &copy->undo[copy->n_undo++],
                                          &copy->csum, reason);
            }
            if (error) {
                return error;
            }
            if (ctx->pkt.track) {
                mf_xlate_set_track(act, &ctx->pkt.known,
                                   &ctx->pkt.known_mask);
            }
            if (nl_attr_type(nl_attr_get(a)) == OVS_KEY_ATTR_ETHERNET) {
                track_eth_dst(ctx, a);
            }
            break;
        case OVS_ACTION_ATTR_CT:
            error = mf_xlate_ct_to_tc(a, add_act(f, MF_ACT_CT), reason);
            if (error) {
                return error;
            }
            break;
        case OVS_ACTION_ATTR_METER:
            if (!f->n_acts) {
                /* The policer is shared: its counters are the meter's.  A
                 * pass-through first action carries the flow's own. */
                add_act(f, MF_ACT_GACT)->gact.verdict = TC_ACT_PIPE;
            }
            act = add_act(f, MF_ACT_POLICE);
            if (!mf_meter_to_index(nl_attr_get_u32(a), &act->police.index)) {
                return mf_xlate_refuse(reason, "meter(%"PRIu32"): not set in "
                                       "tc (see the log of its meter_set)",
                                       nl_attr_get_u32(a));
            }
            act->police.exceed = TC_ACT_SHOT;
            act->police.conform = TC_ACT_PIPE;
            break;
        case OVS_ACTION_ATTR_CT_CLEAR:
            add_act(f, MF_ACT_CT)->ct.action = TCA_CT_ACT_CLEAR;
            break;
        case OVS_ACTION_ATTR_RECIRC:
            return mf_xlate_refuse(reason, "recirc(%#"PRIx32"): %s",
                                   nl_attr_get_u32(a),
                                   (ctx->ports->recirc_shared
                                    ? "recirculation is not offloaded yet"
                                    : "the kernel cannot share "
                                      "recirculation with tc (no tc skb "
                                      "extension, CONFIG_NET_TC_SKB_EXT)"));
        case OVS_ACTION_ATTR_USERSPACE:
            return mf_xlate_refuse(reason, "userspace(): tc cannot hand a "
                                   "packet to ovs-vswitchd (sFlow and IPFIX "
                                   "samples would need psample, which OVS "
                                   "does not read)");
        case OVS_ACTION_ATTR_CHECK_PKT_LEN:
            if (others_follow || copy) {
                /* In a copy, nothing ends the packet's processing: even
                 * the last length check goes on after its branches. */
                error = mf_xlate_act_check_pkt_len_clone(ctx, a,
                                                         &csum);
                if (error) {
                    return error;
                }
                break;
            }
            own_end = f->n_acts;
            branched = true;
            error = mf_xlate_act_check_pkt_len(ctx, a, csum);
            if (error) {
                return error;
            }
            break;
        case OVS_ACTION_ATTR_CLONE:
        case OVS_ACTION_ATTR_SAMPLE:
            if (!others_follow && !copy) {
                /* The body ends the packet's processing. */
                own_end = f->n_acts;
                branched = true;
            }
            error = mf_xlate_act_clone(ctx, a, !others_follow && !copy,
                                       nested, &csum);
            if (error) {
                return error;
            }
            break;
        default:
            ds_put_cstr(reason, "action ");
            if (action_checked(type)) {
                format_odp_actions(reason, a, a->nla_len, NULL);
            } else {
                /* OVS's formatter asserts on some it cannot parse. */
                ds_put_format(reason, "of type %d", (int) type);
            }
            ds_put_cstr(reason, ": not offloaded yet");
            return EOPNOTSUPP;
        }
    }
    if (left) {
        /* A nested list (clone, sample, check_pkt_len) whose attributes
         * do not end where it does: OVS never builds one. */
        return mf_xlate_refuse(reason, "malformed actions (%"PRIuSIZE
                               " bytes left over)", left);
    }
    if (!branched) {
        own_end = f->n_acts;
    }

    /* Outputs copy the packet as it is at that point (mirror); the last
     * action, if it is an output, hands the packet over (redirect). */
    for (size_t i = begin; i < own_end; i++) {
        struct mf_act *act = &f->acts[i];
        bool last = (!branched && !copy && (int) i == last_output
                     && i + 1 == own_end);
        bool ingress;

        if (act->kind != MF_ACT_MIRRED) {
            continue;
        }
        ingress = ctx->kinds[i] == MF_PORT_INTERNAL;
        act->mirred.eaction = (ingress
                               ? (last ? TCA_INGRESS_REDIR
                                  : TCA_INGRESS_MIRROR)
                               : (last ? TCA_EGRESS_REDIR
                                  : TCA_EGRESS_MIRROR));
    }
    /* A datapath drops what is left after the last action; tc would pass
     * it on (to the stack, or into the next branch). */
    if (!branched && !copy
        && (f->n_acts == begin
            || f->acts[f->n_acts - 1].kind != MF_ACT_MIRRED
            || (f->acts[f->n_acts - 1].mirred.eaction != TCA_EGRESS_REDIR
                && f->acts[f->n_acts - 1].mirred.eaction
                   != TCA_INGRESS_REDIR))) {
        add_act(f, MF_ACT_GACT)->gact.verdict = TC_ACT_SHOT;
    }
    return 0;
}

/* Whether 'actions' has a clone, sample or check_pkt_len, whose body may
 * need undoing (nested ones are inside those). */
static bool
has_body_to_undo(const struct nlattr *actions, size_t actions_len)
{
    const struct nlattr *a;
    unsigned int left;

    NL_ATTR_FOR_EACH (a, left, actions, actions_len) {
        enum ovs_action_attr type = nl_attr_type(a);

        if (type == OVS_ACTION_ATTR_CLONE || type == OVS_ACTION_ATTR_SAMPLE
            || type == OVS_ACTION_ATTR_CHECK_PKT_LEN) {
            return true;
        }
    }
    return false;
}

/* Whether 'actions' are well formed as the datapath would take them:
 * whole attributes, each of its size, down every nested list.  OVS never
 * builds other ones; megaflower's readers (and OVS's formatter, which
 * asserts) need not guard against them. */
static bool
actions_well_formed(const struct nlattr *actions, size_t actions_len,
                    int depth)
{
    const struct nlattr *a;
    size_t left;

    if (depth > 8) {
        return false;
    }
    NL_ATTR_FOR_EACH (a, left, actions, actions_len) {
        unsigned int type = nl_attr_type(a);
        size_t n = nl_attr_get_size(a);
        int want = type < ARRAY_SIZE(action_size) ? action_size[type] : ANY;

        if (want == NESTED) {
            if (!actions_well_formed(nl_attr_get(a), n, depth + 1)) {
                return false;
            }
        } else if (want == ARGS) {
            const struct nlattr *b;
            size_t bleft;

            NL_NESTED_FOR_EACH (b, bleft, a) {
                int bwant = arg_size(type, nl_attr_type(b));
                size_t bn = nl_attr_get_size(b);

                if (bwant == NESTED
                    ? !actions_well_formed(nl_attr_get(b), bn, depth + 1)
                    : bwant == ANY || bn != (size_t) bwant) {
                    return false;
                }
            }
            if (bleft) {
                return false;
            }
        } else if (want == ONE_ATTR) {
            const struct nlattr *k = nl_attr_get(a);

            /* One attribute, its padding there or not. */
            if (n < NLA_HDRLEN || k->nla_len < NLA_HDRLEN || k->nla_len > n
                || (size_t) NLA_ALIGN(k->nla_len) < n) {
                return false;
            }
        } else if (want != ANY && n != (size_t) want) {
            return false;
        }
    }
    return !left;
}

int
mf_xlate_act_to_filter(const struct nlattr *actions, size_t actions_len,
                       bool decap, const struct mf_xlate_ports *ports,
                       struct mf_filter *f, struct ds *reason)
{
    struct to_ctx ctx = { .ports = ports, .f = f, .reason = reason };

    if (!actions_well_formed(actions, actions_len, 0)) {
        return mf_xlate_refuse(reason, "malformed actions: an attribute of "
                               "the wrong size, or bytes left over");
    }

    if (decap) {
        /* The packet's tunnel metadata ends here, as it does when the
         * datapath receives from a tunnel port.  This first action also
         * carries the flow's cookie and counters. */
        add_act(f, MF_ACT_TUNNEL)->tunnel.release = true;
    }
    memcpy(ctx.pkt.dst.ea, f->key.eth_dst, ETH_ADDR_LEN);
    ctx.pkt.dst_known = is_all_ones(f->mask.eth_dst, ETH_ADDR_LEN);
    ctx.pkt.track = has_body_to_undo(actions, actions_len);
    if (ctx.pkt.track) {
        ctx.pkt.known = f->key;
        ctx.pkt.known_mask = f->mask;
    }
    return mf_xlate_act_list(&ctx, actions, actions_len, 0, false, NULL);
}

/* mf-xlate-act: a megaflow's ODP actions to a filter's tc actions
 * (mf-xlate-act.h), and whether they are well formed as the datapath
 * takes them; the way back is mf-xlate-act-from.c. */
#include <config.h>
#include "mf-xlate-act.h"
#include "mf-xlate-act-int.h"

#include <errno.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_ct.h>
#include <linux/tc_act/tc_gact.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/tc_act/tc_mpls.h>
#include <string.h>

#include "mf-caps.h"
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

static struct mf_act *
add_act(struct mf_filter *f, enum mf_act_kind kind)
{
    struct mf_act *act = &f->acts[f->n_acts++];

    memset(act, 0, sizeof *act);
    act->kind = kind;
    return act;
}

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

/* Translation of one action list: the megaflow's, or a branch of its
 * check_pkt_len.  Each list ends the packet's processing. */
struct to_ctx {
    const struct mf_xlate_ports *ports;
    struct mf_filter *f;
    enum mf_port_kind kinds[MF_ACT_MAX];    /* Of each mirred's port. */
    struct pkt_state {
        bool vlan_pushed;       /* A push_vlan came before. */
        bool vlan_touched;      /* A push_vlan or pop_vlan came before. */
        bool dst_known;         /* 'dst' is the packet's eth_dst now, */
        struct eth_addr dst;    /* from the match or a set before. */
        bool dst_mangled;       /* A masked set rewrote part of it. */
        struct mf_flower_key known, known_mask;   /* Headers as far as
                                                   * known: the match, then
                                                   * the rewrites... */
        bool track;             /* ...kept only for a body to undo: with a
                                 * clone, sample or check_pkt_len. */
    } pkt;
    struct ds *reason;
};

/* The body of a clone that other actions follow: the actions that put the
 * packet back as it was before the body, in the body's order (they run in
 * reverse), and the checksum fix-up they need. */
struct copy_body {
    struct mf_act undo[MF_ACT_MAX];
    size_t n_undo;
    uint32_t csum;
};

static int xlate_list(struct to_ctx *, const struct nlattr *actions,
                      size_t actions_len, uint32_t csum, bool nested,
                      struct copy_body *);

/* Parses check_pkt_len 'a' into 'gt' and 'le' (its branches), checks that
 * tc police can run it exactly, and adds the policer, whose index goes to
 * '*police' (its conform verdict is for the caller to set). */
static int
add_length_check(struct to_ctx *ctx, const struct nlattr *a,
                 const struct nlattr **gt, const struct nlattr **le,
                 size_t *police)
{
    static const struct nl_policy policy[] = {
        [OVS_CHECK_PKT_LEN_ATTR_PKT_LEN] = { .type = NL_A_U16 },
        [OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER] = { .type = NL_A_NESTED },
        [OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL]
            = { .type = NL_A_NESTED },
    };
    struct nlattr *attrs[ARRAY_SIZE(policy)];
    struct mf_filter *f = ctx->f;
    uint16_t len;

    if (!nl_parse_nested(a, policy, attrs, ARRAY_SIZE(attrs))) {
        return mf_xlate_refuse(ctx->reason, "check_pkt_len: malformed");
    }
    len = nl_attr_get_u16(attrs[OVS_CHECK_PKT_LEN_ATTR_PKT_LEN]);
    if (!len) {
        /* The kernel reads MTU 0 as "no limit". */
        return mf_xlate_refuse(ctx->reason, "check_pkt_len(size=0): tc "
                               "police reads MTU 0 as no limit");
    }
    if (f->mask.vlan_eth_type || ctx->pkt.vlan_pushed) {
        /* The datapath counts a VLAN tag it keeps aside; tc does not. */
        return mf_xlate_refuse(ctx->reason, "check_pkt_len on a VLAN-tagged "
                               "packet: tc police leaves the tag out of the "
                               "length");
    }
    *gt = attrs[OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER];
    *le = attrs[OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL];
    *police = f->n_acts;
    add_act(f, MF_ACT_POLICE);
    f->acts[*police].police.mtu = len;
    f->acts[*police].police.exceed = TC_ACT_PIPE;
    return 0;
}

/* check_pkt_len(size=N, gt(...), le(...)), the last action of its list:
 * the filter's own policer with MTU N goes on with the "greater" branch
 * when the packet is longer and jumps over it to the "less or equal" one
 * otherwise.  Both branches end the packet's processing.  A tc jump
 * restarts the action list and skips its first n actions: n is the index
 * of the first "less or equal" action, not a distance. */
static int
xlate_check_pkt_len(struct to_ctx *ctx, const struct nlattr *a,
                    uint32_t csum)
{
    const struct nlattr *gt, *le;
    struct mf_filter *f = ctx->f;
    struct pkt_state entry;
    size_t police;
    int error;

    /* Inside a branch of another, its jumps are to indices of the same
     * list, past the other's: nesting needs nothing more. */
    error = add_length_check(ctx, a, &gt, &le, &police);
    if (error) {
        return error;
    }
    /* The "less or equal" path jumps over the other: what the "greater"
     * branch does to the packet is not there. */
    entry = ctx->pkt;
    error = xlate_list(ctx, nl_attr_get(gt), nl_attr_get_size(gt), csum,
                       true, NULL);
    if (error) {
        return error;
    }
    ctx->pkt = entry;
    f->acts[police].police.conform = TC_ACT_JUMP | f->n_acts;
    return xlate_list(ctx, nl_attr_get(le), nl_attr_get_size(le), csum, true,
                      NULL);
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

/* Translates 'body', which the datapath runs on a copy of the packet, in
 * copy mode (see xlate_list()), then appends the actions that undo it and
 * puts ctx->pkt back as it was.  Sets '*body_end' to the index after the
 * body (the undo starts there) and ORs the fix-up the undo leaves pending
 * into '*csum_after'. */
static int
xlate_copy(struct to_ctx *ctx, const struct nlattr *body, uint32_t csum,
           bool nested, size_t *body_end, uint32_t *csum_after)
{
    struct pkt_state entry = ctx->pkt;
    struct mf_filter *f = ctx->f;
    struct copy_body copy;
    int error;

    copy.n_undo = 0;
    copy.csum = 0;
    error = xlate_list(ctx, nl_attr_get(body), nl_attr_get_size(body), csum,
                       nested, &copy);
    if (error) {
        return error;
    }
    *body_end = f->n_acts;
    if (f->n_acts + copy.n_undo + 3 > MF_ACT_MAX) {
        return mf_xlate_refuse(ctx->reason, "more than %d tc actions",
                               MF_ACT_MAX - 1);
    }
    for (size_t i = copy.n_undo; i-- > 0;) {
        f->acts[f->n_acts++] = copy.undo[i];
    }
    *csum_after |= copy.csum;
    ctx->pkt = entry;
    return 0;
}

/* The filter's first action carries the ufid in its cookie: before an
 * action that needs a cookie of its own, a pass-through goes first. */
static void
add_carrier(struct mf_filter *f)
{
    if (!f->n_acts) {
        add_act(f, MF_ACT_GACT)->gact.verdict = TC_ACT_PIPE;
    }
}

/* check_pkt_len followed by other actions: police(MTU N) goes on into the
 * "greater" branch and its undo, then a jump over the "less or equal"
 * branch and its undo to the rest; a short packet jumps straight to the
 * "less or equal" branch.  The datapath runs either branch on a copy. */
static int
xlate_check_pkt_len_clone(struct to_ctx *ctx, const struct nlattr *a,
                          uint32_t *csum)
{
    struct length_tag tag = { { 'm', 'f' }, 'l', { 0, 0 }, { 0, 0 } };
    const struct nlattr *gt, *le;
    struct mf_filter *f = ctx->f;
    size_t police, jump, begin, body_end;
    int error;

    if (*csum) {
        /* Every path outputs after this: fix the checksums once, first. */
        add_act(f, MF_ACT_CSUM)->csum.flags = *csum;
        *csum = 0;
    }
    add_carrier(f);
    error = add_length_check(ctx, a, &gt, &le, &police);
    if (!error) {
        error = xlate_copy(ctx, gt, 0, true, &body_end, csum);
    }
    if (error) {
        return error;
    }
    tag.n_body[0] = body_end - police - 1;
    tag.n_undo[0] = f->n_acts - body_end;
    jump = f->n_acts;
    add_act(f, MF_ACT_GACT);
    begin = f->n_acts;
    f->acts[police].police.conform = TC_ACT_JUMP | begin;
    error = xlate_copy(ctx, le, 0, true, &body_end, csum);
    if (error) {
        return error;
    }
    tag.n_body[1] = body_end - begin;
    tag.n_undo[1] = f->n_acts - body_end;
    f->acts[jump].gact.verdict = TC_ACT_JUMP | f->n_acts;
    memcpy(f->acts[police].cookie, &tag, sizeof tag);
    f->acts[police].cookie_len = sizeof tag;
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

/* Parses clone or sample 'a' into its body and, for a sample taken with a
 * chance below one, '*pval' such that the chance is 1/pval; else 0. */
static int
parse_clone(struct to_ctx *ctx, const struct nlattr *a,
            const struct nlattr **body, uint16_t *pval, uint8_t *p_round)
{
    static const struct nl_policy policy[] = {
        [OVS_SAMPLE_ATTR_PROBABILITY] = { .type = NL_A_U32 },
        [OVS_SAMPLE_ATTR_ACTIONS] = { .type = NL_A_NESTED },
    };
    struct nlattr *attrs[ARRAY_SIZE(policy)];
    uint32_t p, n, round;

    *pval = 0;
    *p_round = 0;
    if (nl_attr_type(a) == OVS_ACTION_ATTR_CLONE) {
        *body = a;
        return 0;
    }
    if (!nl_parse_nested(a, policy, attrs, ARRAY_SIZE(attrs))) {
        return mf_xlate_refuse(ctx->reason, "sample: malformed");
    }
    *body = attrs[OVS_SAMPLE_ATTR_ACTIONS];
    p = nl_attr_get_u32(attrs[OVS_SAMPLE_ATTR_PROBABILITY]);
    if (p == UINT32_MAX) {
        return 0;
    }
    /* The datapath takes the packet with chance (p + 1) / 2^32; tc's
     * random gact with 1 / n.  sFlow's sampling rate n gives
     * p = UINT32_MAX / n, ovs-dpctl's percentages that rounded. */
    n = p ? UINT32_MAX / p : 0;
    if (n && n < UINT16_MAX && UINT32_MAX / n != p
        && UINT32_MAX / (n + 1) + 1 == p) {
        n++;
    }
    round = n ? p - UINT32_MAX / n : UINT32_MAX;
    if (n < 2 || n > UINT16_MAX || round > 1) {
        return mf_xlate_refuse(ctx->reason, "sample(sample=%.1f%%): tc "
                               "takes a packet at random with a chance of "
                               "1/N for N up to 65535, and this is none",
                               p / (UINT32_MAX / 100.0));
    }
    if (!mf_caps_get()->random_verdicts) {
        return mf_xlate_refuse(ctx->reason, "sample(sample=%.1f%%): this "
                               "kernel's tc gact has no random verdicts "
                               "(CONFIG_GACT_PROB)",
                               p / (UINT32_MAX / 100.0));
    }
    *pval = n;
    *p_round = round;
    return 0;
}

/* Clone or sample 'a' (see struct clone_tag).  If 'last', its body ends the
 * packet's processing; otherwise the body runs as a copy, is undone
 * afterwards and ORs the fix-up that leaves pending into '*csum'. */
/* Whether 'actions' output the packet, or may (a nested clone, sample or
 * check_pkt_len). */
static bool
sends_somewhere(const struct nlattr *actions, size_t actions_len)
{
    const struct nlattr *a;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, actions, actions_len) {
        switch (nl_attr_type(a)) {
        case OVS_ACTION_ATTR_OUTPUT:
        case OVS_ACTION_ATTR_CLONE:
        case OVS_ACTION_ATTR_SAMPLE:
        case OVS_ACTION_ATTR_CHECK_PKT_LEN:
            return true;
        default:
            break;
        }
    }
    return false;
}

static int
xlate_clone(struct to_ctx *ctx, const struct nlattr *a, bool last,
            bool nested, uint32_t *csum)
{
    struct mf_filter *f = ctx->f;
    struct clone_tag tag = { { 'm', 'f' }, 'c', last, 0, 0, 0 };
    const struct nlattr *body = NULL;
    struct mf_act *mark;
    size_t marker;
    uint16_t pval;
    int error;

    error = parse_clone(ctx, a, &body, &pval, &tag.p_round);
    if (error) {
        return error;
    }
    if (nl_attr_type(a) == OVS_ACTION_ATTR_SAMPLE) {
        tag.kind = 's';
    }
    if (!nl_attr_get_size(body)) {
        return mf_xlate_refuse(ctx->reason, "%s with no actions",
                               tag.kind == 's' ? "sample" : "clone");
    }
    if (tag.kind == 'c'
        && !sends_somewhere(nl_attr_get(body), nl_attr_get_size(body))) {
        /* Its changes are undone and nothing leaves: OVS never builds
         * one, and the way back could not tell it from nothing.  (A
         * sample's body says more in its own refusal: psample.) */
        return mf_xlate_refuse(ctx->reason, "clone whose actions output "
                               "nothing");
    }
    add_carrier(f);
    marker = f->n_acts;
    mark = add_act(f, MF_ACT_GACT);
    mark->gact.verdict = TC_ACT_PIPE;
    if (pval) {
        mark->gact.ptype = PGACT_NETRAND;
        mark->gact.pval = pval;
        mark->gact.paction = TC_ACT_PIPE;
    }

    if (last) {
        error = xlate_list(ctx, nl_attr_get(body), nl_attr_get_size(body),
                           *csum, nested, NULL);
        if (error) {
            return error;
        }
        tag.n_body = f->n_acts - marker - 1;
        if (pval) {
            /* A packet the sample does not take is dropped. */
            f->acts[marker].gact.verdict = TC_ACT_JUMP | f->n_acts;
            add_act(f, MF_ACT_GACT)->gact.verdict = TC_ACT_SHOT;
        }
    } else {
        size_t body_end;

        error = xlate_copy(ctx, body, *csum, nested, &body_end, csum);
        if (error) {
            return error;
        }
        tag.n_body = body_end - marker - 1;
        if (pval) {
            f->acts[marker].gact.verdict = TC_ACT_JUMP | f->n_acts;
        }
    }
    tag.n_undo = f->n_acts - marker - 1 - tag.n_body;
    memcpy(f->acts[marker].cookie, &tag, sizeof tag);
    f->acts[marker].cookie_len = sizeof tag;
    return 0;
}

/* Notes in 'copy' how to undo the push_vlan or pop_vlan 'a', which the body
 * of a clone is about to do to the packet in the state ctx->pkt. */
static int
copy_undo_vlan(struct to_ctx *ctx, const struct nlattr *a,
               struct copy_body *copy)
{
    const struct mf_filter *f = ctx->f;
    struct mf_act *undo = &copy->undo[copy->n_undo];

    memset(undo, 0, sizeof *undo);
    undo->kind = MF_ACT_VLAN;
    if (nl_attr_type(a) == OVS_ACTION_ATTR_POP_VLAN) {
        if (ctx->pkt.vlan_touched || !f->mask.vlan_eth_type
            || !f->mask.vlan_id || !f->mask.vlan_prio
            || f->key.vlan_id == VLAN_VID_MASK) {
            return mf_xlate_refuse(ctx->reason, "pop_vlan in a clone that "
                                   "other actions follow: the match does "
                                   "not pin the tag, so it cannot be put "
                                   "back");
        }
        undo->vlan.push = true;
        undo->vlan.tpid = f->key.eth_type;
        undo->vlan.id = f->key.vlan_id;
        undo->vlan.prio = f->key.vlan_prio;
    }
    copy->n_undo++;
    return 0;
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
static int
xlate_list(struct to_ctx *ctx, const struct nlattr *actions,
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
                error = copy_undo_vlan(ctx, a, copy);
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
                error = xlate_check_pkt_len_clone(ctx, a, &csum);
                if (error) {
                    return error;
                }
                break;
            }
            own_end = f->n_acts;
            branched = true;
            error = xlate_check_pkt_len(ctx, a, csum);
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
            error = xlate_clone(ctx, a, !others_follow && !copy, nested,
                                &csum);
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
    return xlate_list(&ctx, actions, actions_len, 0, false, NULL);
}

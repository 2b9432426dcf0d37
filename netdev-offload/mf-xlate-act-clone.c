/* mf-xlate-act-clone: the actions whose actions the datapath runs on a
 * copy of the packet, to tc (mf-xlate-act-int.h): clone, sample and
 * check_pkt_len.  A body that other actions follow runs in tc on the
 * packet itself and is undone after it; the policer of a length check and
 * the gact before a clone's body carry a cookie (struct length_tag, struct
 * clone_tag) so that a dump gives back the same actions. */
#include <config.h>
#include "mf-xlate-act.h"
#include "mf-xlate-act-int.h"

#include <errno.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_gact.h>
#include <string.h>

#include "mf-caps.h"
#include "mf-filter.h"
#include "mf-xlate.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"

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
int
mf_xlate_act_check_pkt_len(struct to_ctx *ctx, const struct nlattr *a,
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
    error = mf_xlate_act_list(ctx, nl_attr_get(gt), nl_attr_get_size(gt),
                              csum, true, NULL);
    if (error) {
        return error;
    }
    ctx->pkt = entry;
    f->acts[police].police.conform = TC_ACT_JUMP | f->n_acts;
    return mf_xlate_act_list(ctx, nl_attr_get(le), nl_attr_get_size(le),
                             csum, true, NULL);
}

/* Translates 'body', which the datapath runs on a copy of the packet, in
 * copy mode (see mf_xlate_act_list()), then appends the actions that undo
 * it and puts ctx->pkt back as it was.  Sets '*body_end' to the index
 * after the body (the undo starts there) and ORs the fix-up the undo
 * leaves pending into '*csum_after'. */
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
    error = mf_xlate_act_list(ctx, nl_attr_get(body), nl_attr_get_size(body),
                              csum, nested, &copy);
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
int
mf_xlate_act_check_pkt_len_clone(struct to_ctx *ctx, const struct nlattr *a,
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

int
mf_xlate_act_clone(struct to_ctx *ctx, const struct nlattr *a, bool last,
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
        error = mf_xlate_act_list(ctx, nl_attr_get(body),
                                  nl_attr_get_size(body), *csum, nested,
                                  NULL);
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
int
mf_xlate_act_copy_undo_vlan(struct to_ctx *ctx, const struct nlattr *a,
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

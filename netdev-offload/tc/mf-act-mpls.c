/* mf-act-mpls: push, pop or rewrite an MPLS label stack entry, as tc's mpls
 * action.
 *
 * Push and modify always carry the whole entry (label, tc, ttl, bos), as
 * OVS's push_mpls and set(mpls) do; pop carries the next ethertype.  The
 * kernel dumps only what was given, so a dump compares equal. */
#include <config.h>
#include "mf-act.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_mpls.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

static void
mpls_encode(struct nlmsghdr *nlh, const struct mf_act *act)
{
    struct tc_mpls p;

    memset(&p, 0, sizeof p);
    p.action = TC_ACT_PIPE;
    p.m_action = act->mpls.action;
    mnl_attr_put(nlh, TCA_MPLS_PARMS, sizeof p, &p);
    if (act->mpls.action != TCA_MPLS_ACT_MODIFY) {
        mnl_attr_put(nlh, TCA_MPLS_PROTO, 2, &act->mpls.proto);
    }
    if (act->mpls.action != TCA_MPLS_ACT_POP) {
        mnl_attr_put_u32(nlh, TCA_MPLS_LABEL, act->mpls.label);
        mnl_attr_put_u8(nlh, TCA_MPLS_TC, act->mpls.tc);
        mnl_attr_put_u8(nlh, TCA_MPLS_TTL, act->mpls.ttl);
        mnl_attr_put_u8(nlh, TCA_MPLS_BOS, act->mpls.bos);
    }
}

static int
mpls_decode(const struct nlattr *options, struct mf_act *act,
            const char **err)
{
    enum { PARMS = 1, LABEL = 2, TC = 4, TTL = 8, BOS = 16 };
    const struct nlattr *a;
    unsigned int seen = 0;

    mnl_attr_for_each_nested (a, options) {
        switch (mnl_attr_get_type(a)) {
        case TCA_MPLS_PARMS: {
            const struct tc_mpls *p;
            int error;

            p = mf_act_pipe_parms(a, sizeof *p, "mpls", &error, err);
            if (!p) {
                return error;
            }
            if (p->m_action != TCA_MPLS_ACT_PUSH
                && p->m_action != TCA_MPLS_ACT_POP
                && p->m_action != TCA_MPLS_ACT_MODIFY) {
                *err = "mpls: only push, pop and modify are megaflow actions";
                return EOPNOTSUPP;
            }
            act->mpls.action = p->m_action;
            seen |= PARMS;
            break;
        }
        case TCA_MPLS_PROTO:
            if (mnl_attr_validate(a, MNL_TYPE_U16) < 0) {
                *err = "mpls: bad TCA_MPLS_PROTO";
                return EPROTO;
            }
            memcpy(&act->mpls.proto, mnl_attr_get_payload(a), 2);
            break;
        case TCA_MPLS_LABEL:
            if (mnl_attr_validate(a, MNL_TYPE_U32) < 0) {
                *err = "mpls: bad TCA_MPLS_LABEL";
                return EPROTO;
            }
            act->mpls.label = mnl_attr_get_u32(a);
            seen |= LABEL;
            break;
        case TCA_MPLS_TC:
        case TCA_MPLS_TTL:
        case TCA_MPLS_BOS:
            if (mnl_attr_validate(a, MNL_TYPE_U8) < 0) {
                *err = "mpls: bad TCA_MPLS_TC, _TTL or _BOS";
                return EPROTO;
            }
            if (mnl_attr_get_type(a) == TCA_MPLS_TC) {
                act->mpls.tc = mnl_attr_get_u8(a);
                seen |= TC;
            } else if (mnl_attr_get_type(a) == TCA_MPLS_TTL) {
                act->mpls.ttl = mnl_attr_get_u8(a);
                seen |= TTL;
            } else {
                act->mpls.bos = mnl_attr_get_u8(a);
                seen |= BOS;
            }
            break;
        default:
            break;
        }
    }
    if (!(seen & PARMS)) {
        *err = "mpls: missing TCA_MPLS_PARMS";
        return EPROTO;
    }
    if (act->mpls.action != TCA_MPLS_ACT_POP
        && seen != (PARMS | LABEL | TC | TTL | BOS)) {
        *err = "mpls: push or modify of part of an entry (OVS sets all of "
               "it)";
        return EOPNOTSUPP;
    }
    if (act->mpls.action == TCA_MPLS_ACT_POP && seen != PARMS) {
        /* The kernel refuses them with a pop (tcf_mpls_init()). */
        *err = "mpls: a pop with a label, tc, ttl or bos";
        return EPROTO;
    }
    if (act->mpls.action == TCA_MPLS_ACT_MODIFY) {
        act->mpls.proto = 0;
    }
    return 0;
}

static void
mpls_format(struct ds *s, const struct mf_act *act)
{
    if (act->mpls.action == TCA_MPLS_ACT_POP) {
        ds_put_format(s, "mpls(pop,protocol=0x%04"PRIx16")",
                      ntohs(act->mpls.proto));
        return;
    }
    ds_put_format(s, "mpls(%s,", (act->mpls.action == TCA_MPLS_ACT_PUSH
                                  ? "push" : "modify"));
    if (act->mpls.action == TCA_MPLS_ACT_PUSH) {
        ds_put_format(s, "protocol=0x%04"PRIx16",", ntohs(act->mpls.proto));
    }
    ds_put_format(s, "label=%"PRIu32",tc=%"PRIu8",ttl=%"PRIu8",bos=%"PRIu8
                  ")", act->mpls.label, act->mpls.tc, act->mpls.ttl,
                  act->mpls.bos);
}

/* tcf_mpls_init() keeps a label, tc, ttl and bos as they come (an error
 * for one out of range) and tcf_mpls_dump() gives them back.  Not the
 * protocol, nor the parameters (m_action). */
static const struct mf_verbatim verbatim[] = {
    { TCA_MPLS_LABEL, 0, 0, 0 },
    { TCA_MPLS_TC, 0, 0, 0 },
    { TCA_MPLS_TTL, 0, 0, 0 },
    { TCA_MPLS_BOS, 0, 0, 0 },
};

const struct mf_act_ops mf_act_mpls_ops = {
    .kind = MF_ACT_MPLS,
    .tc_kind = "mpls",
    .tm_attr = TCA_MPLS_TM,
    .encode = mpls_encode,
    .decode = mpls_decode,
    .format = mpls_format,
    .verbatim = verbatim,
    .n_verbatim = ARRAY_SIZE(verbatim),
};

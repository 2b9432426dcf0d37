/* mf-act-gact: a generic verdict (drop, pass, jump; maybe random), as
 * tc's gact action. */
#include <config.h>
#include "mf-act.h"

#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_gact.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"

static void
gact_encode(struct nlmsghdr *nlh, const struct mf_act *act)
{
    struct tc_gact p;

    memset(&p, 0, sizeof p);
    p.action = act->gact.verdict;
    mnl_attr_put(nlh, TCA_GACT_PARMS, sizeof p, &p);
    if (act->gact.ptype != PGACT_NONE) {
        struct tc_gact_p prob = {
            .ptype = act->gact.ptype,
            .pval = act->gact.pval,
            .paction = act->gact.paction,
        };

        mnl_attr_put(nlh, TCA_GACT_PROB, sizeof prob, &prob);
    }
}

static int
gact_decode(const struct nlattr *options, struct mf_act *act,
            const char **err)
{
    const struct nlattr *a;
    bool seen = false;

    mnl_attr_for_each_nested (a, options) {
        switch (mnl_attr_get_type(a)) {
        case TCA_GACT_PARMS:
            if (mnl_attr_get_payload_len(a) < sizeof(struct tc_gact)) {
                *err = "gact: short TCA_GACT_PARMS";
                return EPROTO;
            }
            act->gact.verdict =
                ((const struct tc_gact *) mnl_attr_get_payload(a))->action;
            seen = true;
            break;
        case TCA_GACT_PROB: {
            const struct tc_gact_p *prob = mnl_attr_get_payload(a);

            if (mnl_attr_get_payload_len(a) < sizeof *prob) {
                *err = "gact: short TCA_GACT_PROB";
                return EPROTO;
            }
            if (prob->ptype != PGACT_NONE && prob->ptype != PGACT_NETRAND) {
                *err = "gact: a deterministic (every Nth) verdict is not "
                       "megaflower's";
                return EOPNOTSUPP;
            }
            if (prob->ptype == PGACT_NETRAND) {
                act->gact.ptype = prob->ptype;
                act->gact.pval = prob->pval;
                act->gact.paction = prob->paction;
            }
            break;
        }
        default:
            break;
        }
    }
    if (!seen) {
        *err = "gact: missing TCA_GACT_PARMS";
        return EPROTO;
    }
    return 0;
}

static void
gact_format(struct ds *s, const struct mf_act *act)
{
    if (act->gact.verdict == TC_ACT_SHOT) {
        ds_put_cstr(s, "gact(drop");
    } else {
        ds_put_format(s, "gact(verdict=%#"PRIx32, act->gact.verdict);
    }
    if (act->gact.ptype == PGACT_NETRAND) {
        ds_put_format(s, ",random 1/%"PRIu16" verdict=%#"PRIx32,
                      act->gact.pval, act->gact.paction);
    }
    ds_put_char(s, ')');
}

const struct mf_act_ops mf_act_gact_ops = {
    .kind = MF_ACT_GACT,
    .tc_kind = "gact",
    .tm_attr = TCA_GACT_TM,
    .encode = gact_encode,
    .decode = gact_decode,
    .format = gact_format,
};

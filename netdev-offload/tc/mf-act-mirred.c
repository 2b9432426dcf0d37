/* mf-act-mirred: output to a port, as tc's mirred action. */
#include <config.h>
#include "mf-act.h"

#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_mirred.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

static int32_t
mirred_verdict(int32_t eaction)
{
    return (eaction == TCA_EGRESS_REDIR || eaction == TCA_INGRESS_REDIR
            ? TC_ACT_STOLEN : TC_ACT_PIPE);
}

static void
mirred_encode(struct nlmsghdr *nlh, const struct mf_act *act)
{
    struct tc_mirred p;

    memset(&p, 0, sizeof p);
    p.eaction = act->mirred.eaction;
    p.ifindex = act->mirred.ifindex;
    p.action = mirred_verdict(p.eaction);
    mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof p, &p);
}

static int
mirred_decode(const struct nlattr *options, struct mf_act *act,
              const char **err)
{
    const struct nlattr *a;
    bool seen = false;

    mnl_attr_for_each_nested (a, options) {
        if (mnl_attr_get_type(a) == TCA_MIRRED_PARMS) {
            const struct tc_mirred *p;

            if (mnl_attr_get_payload_len(a) < sizeof *p) {
                *err = "mirred: short TCA_MIRRED_PARMS";
                return EPROTO;
            }
            p = mnl_attr_get_payload(a);
            switch (p->eaction) {
            case TCA_EGRESS_REDIR: case TCA_EGRESS_MIRROR:
            case TCA_INGRESS_REDIR: case TCA_INGRESS_MIRROR:
                break;
            default:
                *err = "mirred: unknown eaction";
                return EPROTO;
            }
            if (p->action != mirred_verdict(p->eaction)) {
                *err = "mirred: verdict does not match eaction";
                return EOPNOTSUPP;
            }
            act->mirred.eaction = p->eaction;
            act->mirred.ifindex = p->ifindex;
            seen = true;
        }
    }
    if (!seen) {
        *err = "mirred: missing TCA_MIRRED_PARMS";
        return EPROTO;
    }
    return 0;
}

static void
mirred_format(struct ds *s, const struct mf_act *act)
{
    static const char *const names[] = {
        [TCA_EGRESS_REDIR] = "egress redirect",
        [TCA_EGRESS_MIRROR] = "egress mirror",
        [TCA_INGRESS_REDIR] = "ingress redirect",
        [TCA_INGRESS_MIRROR] = "ingress mirror",
    };
    int32_t e = act->mirred.eaction;

    ds_put_format(s, "mirred(%s,ifindex=%"PRIu32")",
                  e > 0 && e <= TCA_INGRESS_MIRROR && names[e] ? names[e] : "?",
                  act->mirred.ifindex);
}

/* tcf_mirred_init() looks the device up by 'ifindex' (ENODEV if there is
 * none) and tcf_mirred_dump() gives its ifindex back. */
static const struct mf_verbatim mirred_verbatim[] = {
    { TCA_MIRRED_PARMS, offsetof(struct tc_mirred, ifindex),
      MEMBER_SIZEOF(struct tc_mirred, ifindex), 0 },
};

const struct mf_act_ops mf_act_mirred_ops = {
    .kind = MF_ACT_MIRRED,
    .tc_kind = "mirred",
    .tm_attr = TCA_MIRRED_TM,
    .encode = mirred_encode,
    .decode = mirred_decode,
    .format = mirred_format,
    .verbatim = mirred_verbatim,
    .n_verbatim = ARRAY_SIZE(mirred_verbatim),
};

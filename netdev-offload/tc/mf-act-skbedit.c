/* mf-act-skbedit: set a packet's type (host, other host, ...), as tc's
 * skbedit action does with "ptype".
 *
 * megaflower sets it before handing a packet to an internal port, as the
 * datapath's internal device computes it there (mf-ptype); nothing else
 * of skbedit (priority, queue, mark) is a megaflow action yet, and is
 * refused. */
#include <config.h>
#include "mf-act.h"

#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_skbedit.h>
#include <string.h>

#include "mf-ptype.h"
#include "openvswitch/dynamic-string.h"

static void
skbedit_encode(struct nlmsghdr *nlh, const struct mf_act *act)
{
    struct tc_skbedit p;

    memset(&p, 0, sizeof p);
    p.action = TC_ACT_PIPE;
    mnl_attr_put(nlh, TCA_SKBEDIT_PARMS, sizeof p, &p);
    mnl_attr_put_u16(nlh, TCA_SKBEDIT_PTYPE, act->skbedit.ptype);
}

static int
skbedit_decode(const struct nlattr *options, struct mf_act *act,
               const char **err)
{
    bool parms = false, ptype = false;
    const struct nlattr *a;
    int error;

    mnl_attr_for_each_nested (a, options) {
        switch (mnl_attr_get_type(a)) {
        case TCA_SKBEDIT_PARMS:
            if (!mf_act_pipe_parms(a, sizeof(struct tc_skbedit), "skbedit",
                                   &error, err)) {
                return error;
            }
            parms = true;
            break;
        case TCA_SKBEDIT_PTYPE:
            if (mnl_attr_validate(a, MNL_TYPE_U16) < 0) {
                *err = "skbedit: bad TCA_SKBEDIT_PTYPE";
                return EPROTO;
            }
            act->skbedit.ptype = mnl_attr_get_u16(a);
            ptype = true;
            break;
        case TCA_SKBEDIT_TM:
        case TCA_SKBEDIT_PAD:
            break;
        default:
            *err = "skbedit: only the packet type is a megaflow action";
            return EOPNOTSUPP;
        }
    }
    if (!parms || !ptype) {
        *err = "skbedit: missing TCA_SKBEDIT_PARMS or TCA_SKBEDIT_PTYPE";
        return EOPNOTSUPP;
    }
    return 0;
}

static void
skbedit_format(struct ds *s, const struct mf_act *act)
{
    const uint8_t *m = act->skbedit.mac;

    if (act->skbedit.ptype == MF_PTYPE_BY_DST) {
        ds_put_format(s, "skbedit(ptype=by eth_dst, port "
                      "%02x:%02x:%02x:%02x:%02x:%02x)",
                      m[0], m[1], m[2], m[3], m[4], m[5]);
    } else {
        ds_put_format(s, "skbedit(ptype=%"PRIu16")", act->skbedit.ptype);
    }
}

const struct mf_act_ops mf_act_skbedit_ops = {
    .kind = MF_ACT_SKBEDIT,
    .tc_kind = "skbedit",
    .tm_attr = TCA_SKBEDIT_TM,
    .encode = skbedit_encode,
    .decode = skbedit_decode,
    .format = skbedit_format,
};

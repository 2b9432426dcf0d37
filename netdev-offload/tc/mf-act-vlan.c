/* mf-act-vlan: push or pop an 802.1Q/802.1ad header, as tc's vlan action. */
#include <config.h>
#include "mf-act.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_vlan.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

static void
vlan_encode(struct nlmsghdr *nlh, const struct mf_act *act)
{
    struct tc_vlan p;

    memset(&p, 0, sizeof p);
    p.action = TC_ACT_PIPE;
    p.v_action = act->vlan.push ? TCA_VLAN_ACT_PUSH : TCA_VLAN_ACT_POP;
    mnl_attr_put(nlh, TCA_VLAN_PARMS, sizeof p, &p);
    if (act->vlan.push) {
        mnl_attr_put_u16(nlh, TCA_VLAN_PUSH_VLAN_ID, act->vlan.id);
        mnl_attr_put(nlh, TCA_VLAN_PUSH_VLAN_PROTOCOL,
                     sizeof act->vlan.tpid, &act->vlan.tpid);
        mnl_attr_put_u8(nlh, TCA_VLAN_PUSH_VLAN_PRIORITY, act->vlan.prio);
    }
}

static int
vlan_decode(const struct nlattr *options, struct mf_act *act,
            const char **err)
{
    const struct nlattr *a;
    bool seen = false;

    mnl_attr_for_each_nested (a, options) {
        switch (mnl_attr_get_type(a)) {
        case TCA_VLAN_PARMS: {
            const struct tc_vlan *p;
            int error;

            p = mf_act_pipe_parms(a, sizeof *p, "vlan", &error, err);
            if (!p) {
                return error;
            }
            if (p->v_action == TCA_VLAN_ACT_PUSH) {
                act->vlan.push = true;
            } else if (p->v_action != TCA_VLAN_ACT_POP) {
                *err = "vlan: only push and pop are megaflow actions";
                return EOPNOTSUPP;
            }
            seen = true;
            break;
        }
        case TCA_VLAN_PUSH_VLAN_ID:
            if (mnl_attr_validate(a, MNL_TYPE_U16) < 0) {
                *err = "vlan: bad TCA_VLAN_PUSH_VLAN_ID";
                return EPROTO;
            }
            act->vlan.id = mnl_attr_get_u16(a);
            break;
        case TCA_VLAN_PUSH_VLAN_PROTOCOL:
            if (mnl_attr_validate(a, MNL_TYPE_U16) < 0) {
                *err = "vlan: bad TCA_VLAN_PUSH_VLAN_PROTOCOL";
                return EPROTO;
            }
            memcpy(&act->vlan.tpid, mnl_attr_get_payload(a),
                   sizeof act->vlan.tpid);
            break;
        case TCA_VLAN_PUSH_VLAN_PRIORITY:
            if (mnl_attr_validate(a, MNL_TYPE_U8) < 0) {
                *err = "vlan: bad TCA_VLAN_PUSH_VLAN_PRIORITY";
                return EPROTO;
            }
            act->vlan.prio = mnl_attr_get_u8(a);
            break;
        case TCA_VLAN_PUSH_ETH_DST:
        case TCA_VLAN_PUSH_ETH_SRC:
            *err = "vlan: push_eth is not a megaflow action";
            return EOPNOTSUPP;
        default:
            break;
        }
    }
    if (!seen) {
        *err = "vlan: missing TCA_VLAN_PARMS";
        return EPROTO;
    }
    if (!act->vlan.push) {
        act->vlan.id = act->vlan.tpid = act->vlan.prio = 0;
    }
    return 0;
}

static void
vlan_format(struct ds *s, const struct mf_act *act)
{
    if (act->vlan.push) {
        ds_put_format(s, "vlan(push,id=%"PRIu16",protocol=0x%04"PRIx16
                      ",priority=%"PRIu8")", act->vlan.id,
                      ntohs(act->vlan.tpid), act->vlan.prio);
    } else {
        ds_put_cstr(s, "vlan(pop)");
    }
}

/* tcf_vlan_init() keeps a pushed id (ERANGE from 4095 up) and priority
 * as they come, tcf_vlan_dump() gives them back.  Not the protocol, nor
 * the parameters (v_action). */
static const struct mf_verbatim verbatim[] = {
    { TCA_VLAN_PUSH_VLAN_ID, 0, 0, 0 },
    { TCA_VLAN_PUSH_VLAN_PRIORITY, 0, 0, 0 },
};

const struct mf_act_ops mf_act_vlan_ops = {
    .kind = MF_ACT_VLAN,
    .tc_kind = "vlan",
    .tm_attr = TCA_VLAN_TM,
    .encode = vlan_encode,
    .decode = vlan_decode,
    .format = vlan_format,
    .verbatim = verbatim,
    .n_verbatim = ARRAY_SIZE(verbatim),
};

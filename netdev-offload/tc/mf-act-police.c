/* mf-act-police: tc's police action, in the two ways megaflower uses it.
 *
 * A meter: the policer is made by mf-meter with its rate and burst, and a
 * filter names only its index (megaflower's range, see mf-meter.h), which
 * the kernel binds to.  A dump shows the shared policer's parameters;
 * they belong to the meter and are not part of the action here.
 *
 * A length check (check_pkt_len): the filter's own policer, with no rate,
 * whose MTU is the limit; the kernel numbers it, and a dump's index is not
 * part of the action.  A policer with a rate that is not one of
 * megaflower's meters is refused. */
#include <config.h>
#include "mf-act.h"

#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <stdbool.h>
#include <string.h>

#include "mf-meter.h"
#include "openvswitch/dynamic-string.h"

static void
police_encode(struct nlmsghdr *nlh, const struct mf_act *act)
{
    struct tc_police p;

    memset(&p, 0, sizeof p);
    p.index = act->police.index;
    p.action = act->police.exceed;
    p.mtu = act->police.mtu;
    mnl_attr_put(nlh, TCA_POLICE_TBF, sizeof p, &p);
    mnl_attr_put_u32(nlh, TCA_POLICE_RESULT, act->police.conform);
}

static int
police_decode(const struct nlattr *options, struct mf_act *act,
              const char **err)
{
    const struct tc_police *p = NULL;
    const struct nlattr *a;
    uint32_t result = 0;
    bool rate = false;

    mnl_attr_for_each_nested (a, options) {
        switch (mnl_attr_get_type(a)) {
        case TCA_POLICE_TBF:
            if (mnl_attr_get_payload_len(a) < sizeof *p) {
                *err = "police: short TCA_POLICE_TBF";
                return EPROTO;
            }
            p = mnl_attr_get_payload(a);
            break;
        case TCA_POLICE_RATE64:
        case TCA_POLICE_PKTRATE64:
        case TCA_POLICE_PEAKRATE64:
            rate = true;
            break;
        case TCA_POLICE_RESULT:
            if (mnl_attr_validate(a, MNL_TYPE_U32) < 0) {
                *err = "police: bad TCA_POLICE_RESULT";
                return EPROTO;
            }
            result = mnl_attr_get_u32(a);
            break;
        default:
            break;
        }
    }
    if (!p) {
        *err = "police: missing TCA_POLICE_TBF";
        return EPROTO;
    }
    act->police.exceed = p->action;
    act->police.conform = result;
    if (p->index >= MF_METER_INDEX_BASE) {
        if (p->action != TC_ACT_SHOT || result != TC_ACT_PIPE) {
            *err = "police: not a meter (exceed must drop, conform go on)";
            return EOPNOTSUPP;
        }
        act->police.index = p->index;
    } else if (rate || p->rate.rate || p->peakrate.rate) {
        *err = "police: a rate that is not one of megaflower's meters";
        return EOPNOTSUPP;
    } else {
        act->police.mtu = p->mtu;
    }
    return 0;
}

static void
police_format(struct ds *s, const struct mf_act *act)
{
    if (act->police.index) {
        ds_put_format(s, "police(index=%#"PRIx32")", act->police.index);
    } else {
        ds_put_format(s, "police(mtu=%"PRIu32",exceed=%#"PRIx32
                      ",conform=%#"PRIx32")", act->police.mtu,
                      (uint32_t) act->police.exceed,
                      (uint32_t) act->police.conform);
    }
}

const struct mf_act_ops mf_act_police_ops = {
    .kind = MF_ACT_POLICE,
    .tc_kind = "police",
    .tm_attr = TCA_POLICE_TM,
    .encode = police_encode,
    .decode = police_decode,
    .format = police_format,
};

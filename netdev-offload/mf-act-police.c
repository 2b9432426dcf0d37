/* mf-act-police: a reference to a shared police action (a meter), as tc's
 * police action bound by index.
 *
 * The policer itself is made by mf-meter with its rate and burst; a filter
 * only names its index, and the kernel binds the filter to it.  A dump
 * shows the policer's parameters: megaflower's meters drop what exceeds
 * and continue with what conforms, and anything else is refused. */
#include <config.h>
#include "mf-act.h"

#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"

static void
police_encode(struct nlmsghdr *nlh, const struct mf_act *act)
{
    struct tc_police p;

    memset(&p, 0, sizeof p);
    p.index = act->police.index;
    p.action = TC_ACT_SHOT;
    mnl_attr_put(nlh, TCA_POLICE_TBF, sizeof p, &p);
    mnl_attr_put_u32(nlh, TCA_POLICE_RESULT, TC_ACT_PIPE);
}

static int
police_decode(const struct nlattr *options, struct mf_act *act,
              const char **err)
{
    const struct tc_police *p = NULL;
    const struct nlattr *a;
    uint32_t result = 0;

    mnl_attr_for_each_nested (a, options) {
        switch (mnl_attr_get_type(a)) {
        case TCA_POLICE_TBF:
            if (mnl_attr_get_payload_len(a) < sizeof *p) {
                *err = "police: short TCA_POLICE_TBF";
                return EPROTO;
            }
            p = mnl_attr_get_payload(a);
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
    if (p->action != TC_ACT_SHOT || result != TC_ACT_PIPE) {
        *err = "police: not a meter (exceed must drop, conform go on)";
        return EOPNOTSUPP;
    }
    act->police.index = p->index;
    return 0;
}

static void
police_format(struct ds *s, const struct mf_act *act)
{
    ds_put_format(s, "police(index=%#"PRIx32")", act->police.index);
}

const struct mf_act_ops mf_act_police_ops = {
    .kind = MF_ACT_POLICE,
    .tc_kind = "police",
    .tm_attr = TCA_POLICE_TM,
    .encode = police_encode,
    .decode = police_decode,
    .format = police_format,
};

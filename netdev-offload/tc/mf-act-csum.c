/* mf-act-csum: recompute the checksums a rewrite invalidated, as tc's csum
 * action. */
#include <config.h>
#include "mf-act.h"

#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_csum.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"

static const struct {
    uint32_t flag;
    const char *name;
} csum_flags[] = {
    { TCA_CSUM_UPDATE_FLAG_IPV4HDR, "iph" },
    { TCA_CSUM_UPDATE_FLAG_ICMP, "icmp" },
    { TCA_CSUM_UPDATE_FLAG_IGMP, "igmp" },
    { TCA_CSUM_UPDATE_FLAG_TCP, "tcp" },
    { TCA_CSUM_UPDATE_FLAG_UDP, "udp" },
    { TCA_CSUM_UPDATE_FLAG_UDPLITE, "udplite" },
    { TCA_CSUM_UPDATE_FLAG_SCTP, "sctp" },
};

static void
csum_encode(struct nlmsghdr *nlh, const struct mf_act *act)
{
    struct tc_csum p;

    memset(&p, 0, sizeof p);
    p.action = TC_ACT_PIPE;
    p.update_flags = act->csum.flags;
    mnl_attr_put(nlh, TCA_CSUM_PARMS, sizeof p, &p);
}

static int
csum_decode(const struct nlattr *options, struct mf_act *act,
            const char **err)
{
    const struct nlattr *a;

    mnl_attr_for_each_nested (a, options) {
        if (mnl_attr_get_type(a) == TCA_CSUM_PARMS) {
            const struct tc_csum *p;
            int error;

            p = mf_act_pipe_parms(a, sizeof *p, "csum", &error, err);
            if (!p) {
                return error;
            }
            act->csum.flags = p->update_flags;
            return 0;
        }
    }
    *err = "csum: missing TCA_CSUM_PARMS";
    return EPROTO;
}

static void
csum_format(struct ds *s, const struct mf_act *act)
{
    uint32_t left = act->csum.flags;

    ds_put_cstr(s, "csum(");
    for (size_t i = 0; i < sizeof csum_flags / sizeof csum_flags[0]; i++) {
        if (left & csum_flags[i].flag) {
            left &= ~csum_flags[i].flag;
            ds_put_format(s, "%s%s", csum_flags[i].name, left ? "," : "");
        }
    }
    if (left) {
        ds_put_format(s, "0x%"PRIx32, left);
    }
    ds_put_char(s, ')');
}

const struct mf_act_ops mf_act_csum_ops = {
    .kind = MF_ACT_CSUM,
    .tc_kind = "csum",
    .tm_attr = TCA_CSUM_TM,
    .encode = csum_encode,
    .decode = csum_decode,
    .format = csum_format,
};

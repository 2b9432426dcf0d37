/* mf-act-ct: connection tracking, as tc's ct action.
 *
 * Lookup, commit (optionally forced) with zone, mark and labels, NAT with
 * an address and port range, and clear.  The kernel dumps the zone always,
 * mark and labels only under a nonzero mask, and a NAT range as min and
 * max even where only min was given.  That is the form of 'struct mf_act'
 * too: a request must say max = min where it means one address or port. */
#include <config.h>
#include "mf-act.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_ct.h>
#include <string.h>
#include <sys/socket.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

static void
ct_encode(struct nlmsghdr *nlh, const struct mf_act *act)
{
    size_t ip_len = act->ct.nat_family == AF_INET ? 4 : 16;
    struct tc_ct p;

    memset(&p, 0, sizeof p);
    p.action = TC_ACT_PIPE;
    mnl_attr_put(nlh, TCA_CT_PARMS, sizeof p, &p);
    mnl_attr_put_u16(nlh, TCA_CT_ACTION, act->ct.action);
    if (act->ct.action & TCA_CT_ACT_CLEAR) {
        return;
    }
    mnl_attr_put_u16(nlh, TCA_CT_ZONE, act->ct.zone);
    if (act->ct.mark_mask) {
        mnl_attr_put_u32(nlh, TCA_CT_MARK, act->ct.mark);
        mnl_attr_put_u32(nlh, TCA_CT_MARK_MASK, act->ct.mark_mask);
    }
    if (!is_all_zeros(act->ct.labels_mask, sizeof act->ct.labels_mask)) {
        mnl_attr_put(nlh, TCA_CT_LABELS, sizeof act->ct.labels,
                     act->ct.labels);
        mnl_attr_put(nlh, TCA_CT_LABELS_MASK, sizeof act->ct.labels_mask,
                     act->ct.labels_mask);
    }
    if (act->ct.nat_family) {
        bool v4 = act->ct.nat_family == AF_INET;

        mnl_attr_put(nlh, v4 ? TCA_CT_NAT_IPV4_MIN : TCA_CT_NAT_IPV6_MIN,
                     ip_len, act->ct.ip_min);
        mnl_attr_put(nlh, v4 ? TCA_CT_NAT_IPV4_MAX : TCA_CT_NAT_IPV6_MAX,
                     ip_len, act->ct.ip_max);
    }
    if (act->ct.port_min) {
        mnl_attr_put(nlh, TCA_CT_NAT_PORT_MIN, 2, &act->ct.port_min);
        mnl_attr_put(nlh, TCA_CT_NAT_PORT_MAX, 2, &act->ct.port_max);
    }
}

/* Copies attribute 'a' of exactly 'len' bytes into 'dst'. */
static int
get_exact(const struct nlattr *a, void *dst, size_t len, const char **err)
{
    if (mnl_attr_get_payload_len(a) != len) {
        *err = "ct: attribute of the wrong size";
        return EPROTO;
    }
    memcpy(dst, mnl_attr_get_payload(a), len);
    return 0;
}

static int
ct_decode(const struct nlattr *options, struct mf_act *act, const char **err)
{
    const struct nlattr *a;
    bool parms = false, others = false;
    int v4 = 0, v6 = 0;
    int error = 0;

    mnl_attr_for_each_nested (a, options) {
        uint16_t type = mnl_attr_get_type(a);

        others |= (type != TCA_CT_PARMS && type != TCA_CT_ACTION
                   && type != TCA_CT_TM && type != TCA_CT_PAD);
        v4 += type == TCA_CT_NAT_IPV4_MIN || type == TCA_CT_NAT_IPV4_MAX;
        v6 += type == TCA_CT_NAT_IPV6_MIN || type == TCA_CT_NAT_IPV6_MAX;
        switch (type) {
        case TCA_CT_PARMS:
            if (!mf_act_pipe_parms(a, sizeof(struct tc_ct), "ct", &error,
                                   err)) {
                return error;
            }
            parms = true;
            break;
        case TCA_CT_ACTION:
            error = get_exact(a, &act->ct.action, 2, err);
            break;
        case TCA_CT_ZONE:
            error = get_exact(a, &act->ct.zone, 2, err);
            break;
        case TCA_CT_MARK:
            error = get_exact(a, &act->ct.mark, 4, err);
            break;
        case TCA_CT_MARK_MASK:
            error = get_exact(a, &act->ct.mark_mask, 4, err);
            break;
        case TCA_CT_LABELS:
            error = get_exact(a, act->ct.labels, 16, err);
            break;
        case TCA_CT_LABELS_MASK:
            error = get_exact(a, act->ct.labels_mask, 16, err);
            break;
        case TCA_CT_NAT_IPV4_MIN:
        case TCA_CT_NAT_IPV4_MAX:
            act->ct.nat_family = AF_INET;
            error = get_exact(a, (type == TCA_CT_NAT_IPV4_MIN
                                  ? act->ct.ip_min : act->ct.ip_max), 4, err);
            break;
        case TCA_CT_NAT_IPV6_MIN:
        case TCA_CT_NAT_IPV6_MAX:
            act->ct.nat_family = AF_INET6;
            error = get_exact(a, (type == TCA_CT_NAT_IPV6_MIN
                                  ? act->ct.ip_min : act->ct.ip_max), 16,
                              err);
            break;
        case TCA_CT_NAT_PORT_MIN:
            error = get_exact(a, &act->ct.port_min, 2, err);
            break;
        case TCA_CT_NAT_PORT_MAX:
            error = get_exact(a, &act->ct.port_max, 2, err);
            break;
        case TCA_CT_TM:
        case TCA_CT_PAD:
            break;
        default:
            /* Helpers (TCA_CT_HELPER_*) and whatever comes later. */
            *err = "ct: a ct option megaflower does not map (helper?)";
            return EOPNOTSUPP;
        }
        if (error) {
            return error;
        }
    }
    if (!parms) {
        *err = "ct: missing TCA_CT_PARMS";
        return EPROTO;
    }
    /* What the kernel never sends (tcf_ct_dump()), and ct_encode() could
     * not say back. */
    if ((act->ct.action & TCA_CT_ACT_CLEAR) && others) {
        *err = "ct: clear with other parameters";
        return EPROTO;
    }
    if ((v4 && v6) || (act->ct.port_max && !act->ct.port_min)) {
        *err = "ct: a NAT range of two families, or a port max alone";
        return EPROTO;
    }
    if (!act->ct.mark_mask) {
        act->ct.mark = 0;
    }
    if (is_all_zeros(act->ct.labels_mask, sizeof act->ct.labels_mask)) {
        memset(act->ct.labels, 0, sizeof act->ct.labels);
    }
    return 0;
}

static void
ct_format(struct ds *s, const struct mf_act *act)
{
    static const struct {
        uint16_t flag;
        const char *name;
    } flags[] = {
        { TCA_CT_ACT_CLEAR, "clear" }, { TCA_CT_ACT_COMMIT, "commit" },
        { TCA_CT_ACT_FORCE, "force" }, { TCA_CT_ACT_NAT, "nat" },
        { TCA_CT_ACT_NAT_SRC, "src" }, { TCA_CT_ACT_NAT_DST, "dst" },
    };
    int af = act->ct.nat_family;
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

    ds_put_cstr(s, "ct(");
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
        if (act->ct.action & flags[i].flag) {
            ds_put_format(s, "%s,", flags[i].name);
        }
    }
    ds_put_format(s, "zone=%"PRIu16, act->ct.zone);
    if (act->ct.mark_mask) {
        ds_put_format(s, ",mark=%#"PRIx32"/%#"PRIx32, act->ct.mark,
                      act->ct.mark_mask);
    }
    if (!is_all_zeros(act->ct.labels_mask, sizeof act->ct.labels_mask)) {
        ds_put_cstr(s, ",labels=");
        ds_put_hex(s, act->ct.labels, sizeof act->ct.labels);
        ds_put_char(s, '/');
        ds_put_hex(s, act->ct.labels_mask, sizeof act->ct.labels_mask);
    }
    if (af) {
        inet_ntop(af, act->ct.ip_min, a, sizeof a);
        inet_ntop(af, act->ct.ip_max, b, sizeof b);
        ds_put_format(s, ",ip=%s-%s", a, b);
    }
    if (act->ct.port_min) {
        ds_put_format(s, ",port=%"PRIu16"-%"PRIu16, ntohs(act->ct.port_min),
                      ntohs(act->ct.port_max));
    }
    ds_put_char(s, ')');
}

/* tcf_ct_fill_params() keeps the zone, a mark and labels (sent only with
 * a nonzero mask), and the NAT range (read only when TCA_CT_ACTION, which
 * is in the shape, says NAT), and tcf_ct_dump() gives them back. */
static const struct mf_verbatim verbatim[] = {
    { TCA_CT_ZONE, 0, 0, 0 },
    { TCA_CT_MARK, 0, 0, 0 },
    { TCA_CT_MARK_MASK, 0, 0, 0 },
    { TCA_CT_LABELS, 0, 0, 0 },
    { TCA_CT_LABELS_MASK, 0, 0, 0 },
    { TCA_CT_NAT_IPV4_MIN, 0, 0, 0 },
    { TCA_CT_NAT_IPV4_MAX, 0, 0, 0 },
    { TCA_CT_NAT_IPV6_MIN, 0, 0, 0 },
    { TCA_CT_NAT_IPV6_MAX, 0, 0, 0 },
    { TCA_CT_NAT_PORT_MIN, 0, 0, 0 },
    { TCA_CT_NAT_PORT_MAX, 0, 0, 0 },
};

const struct mf_act_ops mf_act_ct_ops = {
    .kind = MF_ACT_CT,
    .tc_kind = "ct",
    .tm_attr = TCA_CT_TM,
    .encode = ct_encode,
    .decode = ct_decode,
    .format = ct_format,
    .verbatim = verbatim,
    .n_verbatim = ARRAY_SIZE(verbatim),
};

/* mf-xlate-ct: OVS ct and ct_clear actions <-> tc's ct action. */
#include <config.h>
#include "mf-xlate-ct.h"

#include <errno.h>
#include <linux/tc_act/tc_ct.h>
#include <string.h>
#include <sys/socket.h>

#include "mf-act.h"
#include "mf-xlate.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "ovs-atomic.h"
#include "util.h"

/* Whether OVS has put a commit with OVS_CT_EVENTMASK_DEFAULT. */
static atomic_bool eventmask_seen = false;

struct ct_mark {
    uint32_t value, mask;
};

struct ct_labels {
    uint8_t value[16], mask[16];
};

/* The sizes of ct's and nat's arguments, as the datapath takes them
 * (STR: a string, NESTED: nat's list; absent: unknown, refused below). */
enum { STR = -1, NESTED = -2 };
static const int ct_arg_size[OVS_CT_ATTR_MAX + 1] = {
    [OVS_CT_ATTR_COMMIT] = 0,
    [OVS_CT_ATTR_FORCE_COMMIT] = 0,
    [OVS_CT_ATTR_ZONE] = sizeof(uint16_t),
    [OVS_CT_ATTR_MARK] = sizeof(struct ct_mark),
    [OVS_CT_ATTR_LABELS] = sizeof(struct ct_labels),
    [OVS_CT_ATTR_EVENTMASK] = sizeof(uint32_t),
    [OVS_CT_ATTR_NAT] = NESTED,
    [OVS_CT_ATTR_HELPER] = STR,
    [OVS_CT_ATTR_TIMEOUT] = STR,
};
static const int nat_arg_size[OVS_NAT_ATTR_MAX + 1] = {
    [OVS_NAT_ATTR_SRC] = 0,
    [OVS_NAT_ATTR_DST] = 0,
    [OVS_NAT_ATTR_IP_MIN] = STR,        /* 4 or 16: xlate_nat() says. */
    [OVS_NAT_ATTR_IP_MAX] = STR,
    [OVS_NAT_ATTR_PROTO_MIN] = sizeof(uint16_t),
    [OVS_NAT_ATTR_PROTO_MAX] = sizeof(uint16_t),
    [OVS_NAT_ATTR_PERSISTENT] = 0,
    [OVS_NAT_ATTR_PROTO_HASH] = 0,
    [OVS_NAT_ATTR_PROTO_RANDOM] = 0,
};

/* Whether the arguments nested in 'action' are whole, each of its size
 * in 'sizes' ('n' of them; 'nat' for OVS_CT_ATTR_NAT's list), and each
 * given once: OVS never repeats one, and the kernel datapath takes a
 * repeated one in ways of its own (the last mark, NAT lists merged). */
static bool
args_well_formed(const struct nlattr *action, const int *sizes, size_t n,
                 bool nat)
{
    const struct nlattr *a;
    uint64_t seen = 0;
    size_t left;

    NL_NESTED_FOR_EACH (a, left, action) {
        unsigned int type = nl_attr_type(a);
        size_t len = nl_attr_get_size(a);
        int want;

        if (type >= n || !type) {
            continue;               /* Unknown: refused by name below. */
        }
        BUILD_ASSERT_DECL(OVS_CT_ATTR_MAX < 64 && OVS_NAT_ATTR_MAX < 64);
        if (seen & (UINT64_C(1) << type)) {
            return false;
        }
        seen |= UINT64_C(1) << type;
        want = sizes[type];
        if (want == NESTED) {
            if (!args_well_formed(a, nat_arg_size,
                                  ARRAY_SIZE(nat_arg_size), true)) {
                return false;
            }
        } else if (want == STR) {
            if (!len || (!nat && ((const char *) nl_attr_get(a))[len - 1])) {
                return false;
            }
        } else if (len != (size_t) want) {
            return false;
        }
    }
    return !left;
}

static int
xlate_nat(const struct nlattr *nat, struct mf_act *act, struct ds *reason)
{
    const struct nlattr *a;
    bool range = false;
    size_t left;

    act->ct.action |= TCA_CT_ACT_NAT;
    NL_NESTED_FOR_EACH (a, left, nat) {
        size_t len = nl_attr_get_size(a);

        range |= nl_attr_type(a) >= OVS_NAT_ATTR_IP_MIN
                 && nl_attr_type(a) <= OVS_NAT_ATTR_PROTO_MAX;
        switch (nl_attr_type(a)) {
        case OVS_NAT_ATTR_SRC:
            act->ct.action |= TCA_CT_ACT_NAT_SRC;
            break;
        case OVS_NAT_ATTR_DST:
            act->ct.action |= TCA_CT_ACT_NAT_DST;
            break;
        case OVS_NAT_ATTR_IP_MIN:
        case OVS_NAT_ATTR_IP_MAX:
            if (len != 4 && len != 16) {
                return mf_xlate_refuse(reason, "ct(nat): bad address");
            }
            act->ct.nat_family = len == 4 ? AF_INET : AF_INET6;
            memcpy(nl_attr_type(a) == OVS_NAT_ATTR_IP_MIN
                   ? act->ct.ip_min : act->ct.ip_max, nl_attr_get(a), len);
            break;
        case OVS_NAT_ATTR_PROTO_MIN:
            act->ct.port_min = htons(nl_attr_get_u16(a));
            break;
        case OVS_NAT_ATTR_PROTO_MAX:
            act->ct.port_max = htons(nl_attr_get_u16(a));
            break;
        case OVS_NAT_ATTR_PERSISTENT:
            return mf_xlate_refuse(reason, "ct(nat(persistent)): act_ct has "
                                   "no such flag");
        case OVS_NAT_ATTR_PROTO_HASH:
        case OVS_NAT_ATTR_PROTO_RANDOM:
            return mf_xlate_refuse(reason, "ct(nat(hash|random)): act_ct "
                                   "always picks ports its own way");
        default:
            return mf_xlate_refuse(reason, "ct(nat): attribute %d unknown",
                                   nl_attr_type(a));
        }
    }
    /* What the kernel datapath refuses (parse_nat()): tc would take it,
     * as another NAT than the megaflow's. */
    if ((act->ct.action & TCA_CT_ACT_NAT_SRC)
        && (act->ct.action & TCA_CT_ACT_NAT_DST)) {
        return mf_xlate_refuse(reason, "ct(nat(src,dst)): one kind of NAT "
                               "at a time");
    }
    if (!(act->ct.action & (TCA_CT_ACT_NAT_SRC | TCA_CT_ACT_NAT_DST))
        && range) {
        return mf_xlate_refuse(reason, "ct(nat): a range without src or "
                               "dst");
    }
    /* The kernel's form: one address or port is a range of one. */
    if (act->ct.nat_family && is_all_zeros(act->ct.ip_max, 16)) {
        memcpy(act->ct.ip_max, act->ct.ip_min, 16);
    }
    if (act->ct.port_min && !act->ct.port_max) {
        act->ct.port_max = act->ct.port_min;
    }
    if (!act->ct.nat_family && act->ct.port_min) {
        return mf_xlate_refuse(reason, "ct(nat): ports without addresses");
    }
    return 0;
}

int
mf_xlate_ct_to_tc(const struct nlattr *action, struct mf_act *act,
                  struct ds *reason)
{
    const struct nlattr *a;
    size_t left;
    int error;

    memset(act, 0, sizeof *act);
    act->kind = MF_ACT_CT;
    if (!args_well_formed(action, ct_arg_size, ARRAY_SIZE(ct_arg_size),
                          false)) {
        return mf_xlate_refuse(reason, "ct: malformed or repeated "
                               "arguments");
    }
    if (nl_attr_find_nested(action, OVS_CT_ATTR_COMMIT)
        && nl_attr_find_nested(action, OVS_CT_ATTR_FORCE_COMMIT)) {
        /* OVS asks for one or the other; read back, both would be
         * force_commit alone. */
        return mf_xlate_refuse(reason, "ct: both commit and force_commit");
    }
    NL_NESTED_FOR_EACH (a, left, action) {
        const struct ct_labels *labels;
        const struct ct_mark *mark;

        switch (nl_attr_type(a)) {
        case OVS_CT_ATTR_COMMIT:
            act->ct.action |= TCA_CT_ACT_COMMIT;
            break;
        case OVS_CT_ATTR_FORCE_COMMIT:
            act->ct.action |= TCA_CT_ACT_COMMIT | TCA_CT_ACT_FORCE;
            break;
        case OVS_CT_ATTR_ZONE:
            act->ct.zone = nl_attr_get_u16(a);
            break;
        case OVS_CT_ATTR_MARK:
            mark = nl_attr_get_unspec(a, sizeof *mark);
            act->ct.mark = mark->value & mark->mask;
            act->ct.mark_mask = mark->mask;
            break;
        case OVS_CT_ATTR_LABELS:
            labels = nl_attr_get_unspec(a, sizeof *labels);
            memcpy(act->ct.labels, labels->value, 16);
            memcpy(act->ct.labels_mask, labels->mask, 16);
            break;
        case OVS_CT_ATTR_EVENTMASK:
            if (nl_attr_get_u32(a) != OVS_CT_EVENTMASK_DEFAULT) {
                return mf_xlate_refuse(reason, "ct: an event mask other "
                                       "than OVS's default");
            }
            atomic_store_relaxed(&eventmask_seen, true);
            break;
        case OVS_CT_ATTR_NAT:
            error = xlate_nat(a, act, reason);
            if (error) {
                return error;
            }
            break;
        case OVS_CT_ATTR_HELPER:
            return mf_xlate_refuse(reason, "ct(alg=%s): helpers are not "
                                   "offloaded", nl_attr_get_string(a));
        case OVS_CT_ATTR_TIMEOUT:
            return mf_xlate_refuse(reason, "ct(timeout=%s): act_ct has no "
                                   "timeout policies", nl_attr_get_string(a));
        default:
            return mf_xlate_refuse(reason, "ct: attribute %d unknown",
                                   nl_attr_type(a));
        }
    }
    for (size_t i = 0; i < 16; i++) {
        ((uint8_t *) act->ct.labels)[i] &= ((uint8_t *) act->ct.labels_mask)[i];
    }
    if ((act->ct.mark_mask || !is_all_zeros(act->ct.labels_mask, 16))
        && !(act->ct.action & TCA_CT_ACT_COMMIT)) {
        return mf_xlate_refuse(reason, "ct: mark or labels without commit");
    }
    return 0;
}

void
mf_xlate_ct_from_tc(const struct mf_act *act, struct ofpbuf *buf)
{
    size_t ip_len = act->ct.nat_family == AF_INET ? 4 : 16;
    bool seen;
    size_t ct;

    if (act->ct.action & TCA_CT_ACT_CLEAR) {
        nl_msg_put_flag(buf, OVS_ACTION_ATTR_CT_CLEAR);
        return;
    }

    /* In the order of OVS's compose_conntrack_action(). */
    ct = nl_msg_start_nested(buf, OVS_ACTION_ATTR_CT);
    if (act->ct.action & TCA_CT_ACT_COMMIT) {
        nl_msg_put_flag(buf, (act->ct.action & TCA_CT_ACT_FORCE
                              ? OVS_CT_ATTR_FORCE_COMMIT
                              : OVS_CT_ATTR_COMMIT));
        atomic_read_relaxed(&eventmask_seen, &seen);
        if (seen) {
            nl_msg_put_u32(buf, OVS_CT_ATTR_EVENTMASK,
                           OVS_CT_EVENTMASK_DEFAULT);
        }
    }
    nl_msg_put_u16(buf, OVS_CT_ATTR_ZONE, act->ct.zone);
    if (act->ct.mark_mask) {
        struct ct_mark mark = { act->ct.mark, act->ct.mark_mask };

        nl_msg_put_unspec(buf, OVS_CT_ATTR_MARK, &mark, sizeof mark);
    }
    if (!is_all_zeros(act->ct.labels_mask, 16)) {
        struct ct_labels labels;

        memcpy(labels.value, act->ct.labels, 16);
        memcpy(labels.mask, act->ct.labels_mask, 16);
        nl_msg_put_unspec(buf, OVS_CT_ATTR_LABELS, &labels, sizeof labels);
    }
    if (act->ct.action & TCA_CT_ACT_NAT) {
        size_t nat = nl_msg_start_nested(buf, OVS_CT_ATTR_NAT);

        if (act->ct.action & (TCA_CT_ACT_NAT_SRC | TCA_CT_ACT_NAT_DST)) {
            nl_msg_put_flag(buf, (act->ct.action & TCA_CT_ACT_NAT_SRC
                                  ? OVS_NAT_ATTR_SRC : OVS_NAT_ATTR_DST));
        }
        if (act->ct.nat_family) {
            nl_msg_put_unspec(buf, OVS_NAT_ATTR_IP_MIN, act->ct.ip_min,
                              ip_len);
            if (memcmp(act->ct.ip_max, act->ct.ip_min, ip_len)) {
                nl_msg_put_unspec(buf, OVS_NAT_ATTR_IP_MAX, act->ct.ip_max,
                                  ip_len);
            }
        }
        if (act->ct.port_min) {
            nl_msg_put_u16(buf, OVS_NAT_ATTR_PROTO_MIN,
                           ntohs(act->ct.port_min));
            if (act->ct.port_max != act->ct.port_min) {
                nl_msg_put_u16(buf, OVS_NAT_ATTR_PROTO_MAX,
                               ntohs(act->ct.port_max));
            }
        }
        nl_msg_end_nested(buf, nat);
    }
    nl_msg_end_nested(buf, ct);
}

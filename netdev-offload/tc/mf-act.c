/* mf-act: the action registry and the generic TCA_FLOWER_ACT nest. */
#include <config.h>
#include "mf-act.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/gen_stats.h>
#include <linux/pkt_cls.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

/* What megaflower can put into a filter, indexed by kind. */
static const struct mf_act_ops *const mf_act_ops_all[MF_ACT_N_KINDS] = {
    [MF_ACT_MIRRED] = &mf_act_mirred_ops,
    [MF_ACT_GACT] = &mf_act_gact_ops,
    [MF_ACT_VLAN] = &mf_act_vlan_ops,
    [MF_ACT_PEDIT] = &mf_act_pedit_ops,
    [MF_ACT_CSUM] = &mf_act_csum_ops,
    [MF_ACT_CT] = &mf_act_ct_ops,
    [MF_ACT_MPLS] = &mf_act_mpls_ops,
    [MF_ACT_POLICE] = &mf_act_police_ops,
    [MF_ACT_SKBEDIT] = &mf_act_skbedit_ops,
    [MF_ACT_TUNNEL] = &mf_act_tunnel_ops,
};

const struct mf_act_ops *
mf_act_ops_get(enum mf_act_kind kind)
{
    return (unsigned) kind < MF_ACT_N_KINDS ? mf_act_ops_all[kind] : NULL;
}

const struct mf_act_ops *
mf_act_ops_by_tc_kind(const char *tc_kind)
{
    for (size_t i = 0; i < MF_ACT_N_KINDS; i++) {
        if (!strcmp(mf_act_ops_all[i]->tc_kind, tc_kind)) {
            return mf_act_ops_all[i];
        }
    }
    return NULL;
}

void
mf_act_encode_list(struct nlmsghdr *nlh, uint16_t nest_type,
                   const struct mf_act *acts, size_t n,
                   const uint8_t *cookie, size_t cookie_len)
{
    struct nlattr *list = mnl_attr_nest_start(nlh, nest_type);

    for (size_t i = 0; i < n; i++) {
        const struct mf_act_ops *ops = mf_act_ops_get(acts[i].kind);
        struct nlattr *act = mnl_attr_nest_start(nlh, i + 1);
        struct nlattr *opts;

        mnl_attr_put_strz(nlh, TCA_ACT_KIND, ops->tc_kind);
        opts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
        ops->encode(nlh, &acts[i]);
        mnl_attr_nest_end(nlh, opts);
        if (i == 0 && cookie_len) {
            mnl_attr_put(nlh, TCA_ACT_COOKIE, cookie_len, cookie);
        } else if (i && acts[i].cookie_len) {
            mnl_attr_put(nlh, TCA_ACT_COOKIE, acts[i].cookie_len,
                         acts[i].cookie);
        }
        mnl_attr_nest_end(nlh, act);
    }
    mnl_attr_nest_end(nlh, list);
}

static int
decode_stats(const struct nlattr *nest, struct mf_act_stats *st,
             const char **err)
{
    uint16_t prev = 0;
    const struct nlattr *a;
    bool basic = false;

    mnl_attr_for_each_nested (a, nest) {
        uint16_t type = mnl_attr_get_type(a);
        /* What the kernel sends: the struct less its tail padding. */
        const size_t b_len = offsetof(struct gnet_stats_basic, packets)
                             + sizeof(uint32_t);
        struct gnet_stats_basic b;

        switch (type) {
        case TCA_STATS_BASIC:
        case TCA_STATS_BASIC_HW:
            if (mnl_attr_get_payload_len(a) < b_len) {
                *err = "short TCA_STATS_BASIC";
                return EPROTO;
            }
            /* Netlink aligns attributes to 4 bytes, and 'bytes' is a u64:
             * copied out, not read in place. */
            memcpy(&b, mnl_attr_get_payload(a), b_len);
            if (type == TCA_STATS_BASIC) {
                st->n_bytes = b.bytes;
                st->n_packets = b.packets;
                basic = true;
            } else {
                st->n_bytes_hw = b.bytes;
                st->n_packets_hw = b.packets;
            }
            break;
        case TCA_STATS_PKT64:
            if (mnl_attr_validate(a, MNL_TYPE_U64) < 0) {
                *err = "bad TCA_STATS_PKT64";
                return EPROTO;
            }
            if (prev == TCA_STATS_BASIC) {
                st->n_packets = mnl_attr_get_u64(a);
            } else if (prev == TCA_STATS_BASIC_HW) {
                st->n_packets_hw = mnl_attr_get_u64(a);
            }
            break;
        default:
            break;
        }
        prev = type;
    }
    if (!basic) {
        *err = "action stats without TCA_STATS_BASIC";
        return EPROTO;
    }
    return 0;
}

static void
decode_tm(const struct nlattr *options, uint16_t tm_attr,
          struct mf_act_stats *st)
{
    static long hz;
    const struct nlattr *a;

    if (!hz) {
        hz = sysconf(_SC_CLK_TCK);
        hz = hz > 0 ? hz : 100;
    }
    mnl_attr_for_each_nested (a, options) {
        if (mnl_attr_get_type(a) == tm_attr
            && mnl_attr_get_payload_len(a) >= sizeof(struct tcf_t)) {
            struct tcf_t tm;

            /* u64s in a 4-byte aligned attribute: copied out. */
            memcpy(&tm, mnl_attr_get_payload(a), sizeof tm);
            /* Both are "clock ticks ago"; equal means never hit. */
            st->used = tm.lastuse != tm.install;
            st->lastuse_ms = tm.lastuse * 1000 / hz;
        }
    }
}

/* The attributes of one action nest. */
struct act_attrs {
    const struct nlattr *kind, *options, *stats, *cookie;
};

static int
act_attrs_parse(const struct nlattr *nest, struct act_attrs *aa,
                const char **err)
{
    const struct nlattr *a;

    memset(aa, 0, sizeof *aa);
    mnl_attr_for_each_nested (a, nest) {
        switch (mnl_attr_get_type(a)) {
        case TCA_ACT_KIND:
            if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0) {
                *err = "bad TCA_ACT_KIND";
                return EPROTO;
            }
            aa->kind = a;
            break;
        case TCA_ACT_OPTIONS:
            aa->options = a;
            break;
        case TCA_ACT_STATS:
            aa->stats = a;
            break;
        case TCA_ACT_COOKIE:
            if (mnl_attr_get_payload_len(a) > MF_COOKIE_LEN) {
                *err = "oversized TCA_ACT_COOKIE";
                return EPROTO;
            }
            aa->cookie = a;
            break;
        default:
            break;
        }
    }
    return 0;
}

static int
decode_one(const struct nlattr *nest, struct mf_act *act, bool first,
           uint8_t *cookie, size_t *cookie_len, struct mf_act_stats *stats,
           const char **err)
{
    const struct mf_act_ops *ops;
    struct act_attrs aa;
    int error;

    error = act_attrs_parse(nest, &aa, err);
    if (error) {
        return error;
    }
    if (!aa.kind || !aa.options) {
        *err = "action without kind or options";
        return EPROTO;
    }
    ops = mf_act_ops_by_tc_kind(mnl_attr_get_str(aa.kind));
    if (!ops) {
        *err = "action kind unknown to megaflower";
        return EOPNOTSUPP;
    }
    memset(act, 0, sizeof *act);
    act->kind = ops->kind;
    if (aa.cookie && first) {
        /* The filter's: the owner's ufid. */
        memcpy(cookie, mnl_attr_get_payload(aa.cookie),
               mnl_attr_get_payload_len(aa.cookie));
        *cookie_len = mnl_attr_get_payload_len(aa.cookie);
    } else if (aa.cookie) {
        act->cookie_len = mnl_attr_get_payload_len(aa.cookie);
        memcpy(act->cookie, mnl_attr_get_payload(aa.cookie),
               act->cookie_len);
    }
    error = ops->decode(aa.options, act, err);
    if (!error && first && stats) {
        if (aa.stats) {
            error = decode_stats(aa.stats, stats, err);
        }
        decode_tm(aa.options, ops->tm_attr, stats);
    }
    return error;
}

int
mf_act_decode_list(const struct nlattr *nest, struct mf_act *acts, size_t *n,
                   uint8_t *cookie, size_t *cookie_len,
                   struct mf_act_stats *stats, const char **err)
{
    const struct nlattr *a;
    uint16_t expect = 1;

    *n = 0;
    *cookie_len = 0;
    if (stats) {
        memset(stats, 0, sizeof *stats);
    }
    mnl_attr_for_each_nested (a, nest) {
        int error;

        /* The kernel numbers actions 1, 2, ... in order. */
        if (mnl_attr_get_type(a) != expect++) {
            *err = "actions out of order";
            return EPROTO;
        }
        if (*n >= MF_ACT_MAX) {
            *err = "too many actions";
            return EPROTO;
        }
        error = decode_one(a, &acts[*n], *n == 0, cookie, cookie_len, stats,
                           err);
        if (error) {
            return error;
        }
        (*n)++;
    }
    return 0;
}

int
mf_act_decode_stats(const struct nlattr *nest, uint8_t *cookie,
                    size_t *cookie_len, struct mf_act_stats *stats,
                    const char **err)
{
    const struct nlattr *first = NULL, *a;
    const struct mf_act_ops *ops;
    struct act_attrs aa;
    int error;

    *cookie_len = 0;
    memset(stats, 0, sizeof *stats);
    mnl_attr_for_each_nested (a, nest) {
        if (mnl_attr_get_type(a) == 1) {
            first = a;
            break;
        }
    }
    if (!first) {
        *err = "filter without actions";
        return EPROTO;
    }
    error = act_attrs_parse(first, &aa, err);
    if (error) {
        return error;
    }
    if (!aa.kind) {
        *err = "action without kind";
        return EPROTO;
    }
    if (aa.cookie) {
        memcpy(cookie, mnl_attr_get_payload(aa.cookie),
               mnl_attr_get_payload_len(aa.cookie));
        *cookie_len = mnl_attr_get_payload_len(aa.cookie);
    }
    if (aa.stats) {
        error = decode_stats(aa.stats, stats, err);
    }
    /* A terse dump leaves the options out, and with them the time of
     * last use; a kernel that does not know terse dumps sends them. */
    ops = mf_act_ops_by_tc_kind(mnl_attr_get_str(aa.kind));
    if (!error && aa.options && ops) {
        decode_tm(aa.options, ops->tm_attr, stats);
    }
    return error;
}

const void *
mf_act_pipe_parms(const struct nlattr *a, size_t size, const char *kind,
                  int *error, const char **err)
{
    static __thread char msg[64];
    struct gen {
        tc_gen;
    };
    const struct gen *gen;

    if (mnl_attr_get_payload_len(a) < size) {
        snprintf(msg, sizeof msg, "%s: short parameters", kind);
        *error = EPROTO;
    } else if ((gen = mnl_attr_get_payload(a))->action != TC_ACT_PIPE) {
        snprintf(msg, sizeof msg, "%s: verdict other than pipe", kind);
        *error = EOPNOTSUPP;
    } else {
        return gen;
    }
    *err = msg;
    return NULL;
}

bool
mf_act_equal(const struct mf_act *a, const struct mf_act *b)
{
    /* Actions are always built from zeroed memory (see mf-act.h). */
    return !memcmp(a, b, sizeof *a);
}

void
mf_act_format_list(struct ds *s, const struct mf_act *acts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i) {
            ds_put_char(s, ',');
        }
        mf_act_ops_get(acts[i].kind)->format(s, &acts[i]);
        if (acts[i].cookie_len) {
            ds_put_cstr(s, "[cookie=");
            for (size_t j = 0; j < acts[i].cookie_len; j++) {
                ds_put_format(s, "%02x", acts[i].cookie[j]);
            }
            ds_put_char(s, ']');
        }
    }
}

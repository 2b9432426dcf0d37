/* mf-filter: a tc flower filter <-> RTM_*TFILTER messages. */
#include <config.h>
#include "mf-filter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <time.h>

#include "openvswitch/dynamic-string.h"

struct nlmsghdr *
mf_filter_encode(void *buf, uint16_t type, uint16_t flags,
                 const struct mf_filter *f, bool full)
{
    struct nlmsghdr *nlh;
    struct tcmsg *tc;

    /* libmnl before 1.0.5 (Debian 12 has 1.0.4) leaves the padding after
     * an attribute's payload unwritten (mnl_attr_put()).  The kernel
     * ignores it, but a request's shape (mf-shape.h) reads it: with the
     * bytes of the buffer's last use there, most requests would be new
     * shapes, each installed with an echo, until the shapes fill up. */
    memset(buf, 0, MF_MSG_SIZE);
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    tc = mnl_nlmsg_put_extra_header(nlh, sizeof *tc);
    tc->tcm_family = AF_UNSPEC;
    tc->tcm_ifindex = f->ifindex;
    tc->tcm_parent = f->parent;
    tc->tcm_handle = f->handle;
    tc->tcm_info = TC_H_MAKE((uint32_t) f->prio << 16, f->protocol);
    mnl_attr_put_strz(nlh, TCA_KIND, "flower");
    mnl_attr_put_u32(nlh, TCA_CHAIN, f->chain);
    if (full) {
        struct nlattr *opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);

        mf_flower_encode(nlh, &f->key, &f->mask);
        mnl_attr_put_u32(nlh, TCA_FLOWER_FLAGS, f->flags);
        mf_act_encode_list(nlh, TCA_FLOWER_ACT, f->acts, f->n_acts,
                           f->cookie, f->cookie_len);
        mnl_attr_nest_end(nlh, opts);
    }
    return nlh;
}

/* Decodes TCA_OPTIONS: all of it, or with 'terse' only what a terse dump
 * carries (the flags, and the first action's cookie and stats). */
static int
decode_options(const struct nlattr *opts, bool terse, struct mf_filter *f,
               const char **err)
{
    const struct nlattr *a, *acts = NULL;

    mnl_attr_for_each_nested (a, opts) {
        uint16_t type = mnl_attr_get_type(a);
        int r = terse ? 0 : mf_flower_decode_attr(a, &f->key, &f->mask, err);

        if (r < 0) {
            return -r;
        } else if (r > 0) {
            continue;
        }
        switch (type) {
        case TCA_FLOWER_ACT:
            acts = a;
            break;
        case TCA_FLOWER_FLAGS:
            if (mnl_attr_validate(a, MNL_TYPE_U32) < 0) {
                *err = "bad TCA_FLOWER_FLAGS";
                return EPROTO;
            }
            f->flags = mnl_attr_get_u32(a);
            break;
        case TCA_FLOWER_IN_HW_COUNT:
        case TCA_FLOWER_CLASSID:
            break;
        default:
            if (type <= TCA_FLOWER_MAX && !terse) {
                /* A match field the table does not know: the filter
                 * matches on something megaflower cannot represent. */
                *err = "match field unknown to megaflower";
                return EOPNOTSUPP;
            }
            break;
        }
    }
    if (!acts) {
        *err = "filter without actions";
        return EPROTO;
    }
    return (terse
            ? mf_act_decode_stats(acts, f->cookie, &f->cookie_len, &f->stats,
                                  err)
            : mf_act_decode_list(acts, f->acts, &f->n_acts, f->cookie,
                                 &f->cookie_len, &f->stats, err));
}

/* Decodes the identity of the filter in 'nlh' into 'f' (cleared first)
 * and finds its TCA_OPTIONS.  Returns 0, ENOENT if it is not a flower
 * filter (or no filter), or EPROTO. */
static int
decode_header(const struct nlmsghdr *nlh, struct mf_filter *f,
              const struct nlattr **optsp, const char **err)
{
    const struct nlattr *a, *kind = NULL, *opts = NULL;
    const struct tcmsg *tc;

    mf_filter_clear(f);         /* Not the 10 KB of actions: each is
                                 * zeroed as it is decoded. */
    if (mnl_nlmsg_get_payload_len(nlh) < sizeof *tc) {
        *err = "short tcmsg";
        return EPROTO;
    }
    tc = mnl_nlmsg_get_payload(nlh);
    f->ifindex = tc->tcm_ifindex;
    f->parent = tc->tcm_parent;
    f->handle = tc->tcm_handle;
    f->prio = TC_H_MAJ(tc->tcm_info) >> 16;
    f->protocol = TC_H_MIN(tc->tcm_info);

    mnl_attr_for_each(a, nlh, sizeof *tc) {
        switch (mnl_attr_get_type(a)) {
        case TCA_KIND:
            if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0) {
                *err = "bad TCA_KIND";
                return EPROTO;
            }
            kind = a;
            break;
        case TCA_CHAIN:
            if (mnl_attr_validate(a, MNL_TYPE_U32) < 0) {
                *err = "bad TCA_CHAIN";
                return EPROTO;
            }
            f->chain = mnl_attr_get_u32(a);
            break;
        case TCA_OPTIONS:
            opts = a;
            break;
        default:
            break;
        }
    }
    if (!kind || strcmp(mnl_attr_get_str(kind), "flower")) {
        *err = "not a flower filter";
        return ENOENT;
    }
    if (!opts || !f->handle) {
        *err = "no filter in message";
        return ENOENT;
    }
    *optsp = opts;
    return 0;
}

int
mf_filter_decode(const struct nlmsghdr *nlh, struct mf_filter *f,
                 const char **err)
{
    const struct nlattr *opts;
    int error;

    error = decode_header(nlh, f, &opts, err);
    if (!error) {
        error = decode_options(opts, false, f, err);
    }
    if (!error) {
        mf_flower_normalize(&f->key, &f->mask, f->protocol);
    }
    return error;
}

int
mf_filter_decode_terse(const struct nlmsghdr *nlh, struct mf_filter *f,
                       const char **err)
{
    const struct nlattr *opts;
    int error;

    error = decode_header(nlh, f, &opts, err);
    return error ? error : decode_options(opts, true, f, err);
}

bool
mf_filter_same_rule(const struct mf_filter *a, const struct mf_filter *b)
{
    if (a->protocol != b->protocol || a->chain != b->chain
        || a->n_acts != b->n_acts
        || a->cookie_len != b->cookie_len
        || memcmp(a->cookie, b->cookie, a->cookie_len)
        || !mf_flower_equal(&a->key, &a->mask, &b->key, &b->mask)) {
        return false;
    }
    for (size_t i = 0; i < a->n_acts; i++) {
        if (!mf_act_equal(&a->acts[i], &b->acts[i])) {
            return false;
        }
    }
    return true;
}

void
mf_filter_format(struct ds *s, const struct mf_filter *f)
{
    ds_put_format(s, "ifindex=%"PRIu32" chain=%"PRIu32" prio=%"PRIu16
                  " protocol=0x%04"PRIx16" handle=0x%"PRIx32" match(",
                  f->ifindex, f->chain, f->prio, ntohs(f->protocol),
                  f->handle);
    {
        struct ds m = DS_EMPTY_INITIALIZER;

        mf_flower_format(&m, &f->key, &f->mask);
        ds_put_cstr(s, ds_cstr(&m));
        ds_destroy(&m);
    }
    ds_put_cstr(s, ") actions(");
    mf_act_format_list(s, f->acts, f->n_acts);
    ds_put_char(s, ')');
    if (f->flags & TCA_CLS_FLAGS_SKIP_HW) {
        ds_put_cstr(s, " skip_hw");
    }
    if (f->flags & TCA_CLS_FLAGS_SKIP_SW) {
        ds_put_cstr(s, " skip_sw");
    }
    if (f->flags & TCA_CLS_FLAGS_IN_HW) {
        ds_put_cstr(s, " in_hw");
    } else if (f->flags & TCA_CLS_FLAGS_NOT_IN_HW) {
        ds_put_cstr(s, " not_in_hw");
    }
}

void
mf_filter_loc_of(const struct mf_filter *f, struct mf_filter_loc *loc)
{
    memset(loc, 0, sizeof *loc);
    loc->ifindex = f->ifindex;
    loc->parent = f->parent;
    loc->chain = f->chain;
    loc->prio = f->prio;
    loc->protocol = f->protocol;
    loc->handle = f->handle;
}

void
mf_filter_at(struct mf_filter *f, const struct mf_filter_loc *loc)
{
    mf_filter_clear(f);
    f->ifindex = loc->ifindex;
    f->parent = loc->parent;
    f->chain = loc->chain;
    f->prio = loc->prio;
    f->protocol = loc->protocol;
    f->handle = loc->handle;
}

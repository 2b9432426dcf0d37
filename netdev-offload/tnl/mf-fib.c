/* mf-fib: route lookups and neighbour kicks through the kernel. */
#include <config.h>
#include "mf-fib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

int
mf_ip_len(const struct mf_ip *ip)
{
    return ip->family == AF_INET ? 4 : ip->family == AF_INET6 ? 16 : 0;
}

bool
mf_ip_is_set(const struct mf_ip *ip)
{
    static const uint8_t zero[16];

    return ip->family && memcmp(ip->b, zero, mf_ip_len(ip));
}

bool
mf_ip_equal(const struct mf_ip *a, const struct mf_ip *b)
{
    return a->family == b->family && !memcmp(a->b, b->b, sizeof a->b);
}

void
mf_ip_mask(struct mf_ip *ip, int plen)
{
    for (int i = 0; i < 16; i++) {
        int keep = plen - i * 8;

        ip->b[i] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : 0xff << (8 - keep);
    }
}

bool
mf_ip_in_prefix(const struct mf_ip *ip, const struct mf_ip *prefix,
                int plen)
{
    struct mf_ip masked = *ip;

    if (ip->family != prefix->family) {
        return false;
    }
    mf_ip_mask(&masked, plen);
    return !memcmp(masked.b, prefix->b, sizeof masked.b);
}

int
mf_ip_from_string(const char *s, struct mf_ip *ip)
{
    memset(ip, 0, sizeof *ip);
    if (inet_pton(AF_INET, s, ip->b) == 1) {
        ip->family = AF_INET;
    } else if (inet_pton(AF_INET6, s, ip->b) == 1) {
        ip->family = AF_INET6;
    } else {
        return EINVAL;
    }
    return 0;
}

const char *
mf_ip_to_string(const struct mf_ip *ip, char buf[64])
{
    if (!ip->family || !inet_ntop(ip->family, ip->b, buf, 64)) {
        strcpy(buf, "none");
    }
    return buf;
}

static void
put_ip(struct nlmsghdr *nlh, uint16_t type, const struct mf_ip *ip)
{
    mnl_attr_put(nlh, type, mf_ip_len(ip), ip->b);
}

/* Reads an address attribute of 'family' into 'ip'.  False if its length
 * is not the family's. */
static bool
get_ip(const struct nlattr *a, uint8_t family, struct mf_ip *ip)
{
    size_t len = family == AF_INET ? 4 : 16;

    memset(ip, 0, sizeof *ip);
    if (mnl_attr_get_payload_len(a) != len) {
        return false;
    }
    ip->family = family;
    memcpy(ip->b, mnl_attr_get_payload(a), len);
    return true;
}

static bool
get_u32(const struct nlattr *a, uint32_t *v)
{
    if (mnl_attr_get_payload_len(a) != 4) {
        return false;
    }
    *v = mnl_attr_get_u32(a);
    return true;
}

bool
mf_fib_parse_route(const struct nlmsghdr *nlh, bool fibmatch,
                   struct mf_fib_result *out)
{
    struct mf_fib_result res = *out;
    const struct rtmsg *rtm;
    const struct nlattr *a;
    bool ok = true;

    if (nlh->nlmsg_type != RTM_NEWROUTE
        || mnl_nlmsg_get_payload_len(nlh) < sizeof *rtm) {
        return false;
    }
    rtm = mnl_nlmsg_get_payload(nlh);
    if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
        || rtm->rtm_dst_len > (rtm->rtm_family == AF_INET ? 32 : 128)) {
        return false;
    }
    if (fibmatch) {
        memset(&res.prefix, 0, sizeof res.prefix);
        res.prefix.family = rtm->rtm_family;
        res.plen = rtm->rtm_dst_len;
        res.table = rtm->rtm_table;
    } else {
        res.rtm_type = rtm->rtm_type;
    }
    mnl_attr_for_each(a, nlh, sizeof *rtm) {
        uint16_t type = mnl_attr_get_type(a);

        if (fibmatch) {
            switch (type) {
            case RTA_DST:
                ok = ok && get_ip(a, rtm->rtm_family, &res.prefix);
                break;
            case RTA_TABLE:
                ok = ok && get_u32(a, &res.table);
                break;
            case RTA_MULTIPATH:
                res.multipath = true;
                break;
            }
            continue;
        }
        switch (type) {
        case RTA_OIF: {
            uint32_t oif = 0;

            ok = ok && get_u32(a, &oif) && oif <= INT32_MAX;
            res.oif = oif;
            break;
        }
        case RTA_PREFSRC:
            ok = ok && get_ip(a, rtm->rtm_family, &res.src);
            break;
        case RTA_SRC:
            /* The source asked for: the answer when there is no other. */
            if (!res.src.family) {
                ok = ok && get_ip(a, rtm->rtm_family, &res.src);
            }
            break;
        case RTA_GATEWAY:
            ok = ok && get_ip(a, rtm->rtm_family, &res.nh);
            res.gateway = true;
            break;
        case RTA_METRICS: {
            const struct nlattr *m;

            mnl_attr_for_each_nested(m, a) {
                if (mnl_attr_get_type(m) == RTAX_MTU) {
                    ok = ok && get_u32(m, &res.mtu);
                }
            }
            break;
        }
        }
    }
    if (ok) {
        *out = res;
    }
    return ok;
}

struct route_ctx {
    struct mf_fib_result *res;
    bool fibmatch;
    bool seen;
    bool malformed;
};

static int
route_cb(const struct nlmsghdr *nlh, void *ctx_)
{
    struct route_ctx *ctx = ctx_;

    if (nlh->nlmsg_type == RTM_NEWROUTE) {
        ctx->seen = true;
        if (!mf_fib_parse_route(nlh, ctx->fibmatch, ctx->res)) {
            ctx->malformed = true;
        }
    }
    return MNL_CB_OK;
}

static int
route_get(const struct mf_fib_query *q, bool fibmatch,
          struct mf_fib_result *res, struct mf_err *err)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct route_ctx ctx = { .res = res, .fibmatch = fibmatch };
    struct nlmsghdr *nlh;
    struct rtmsg *rtm;
    int error;

    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = q->dst.family;
    rtm->rtm_dst_len = mf_ip_len(&q->dst) * 8;
    rtm->rtm_tos = q->tos;
    rtm->rtm_flags = fibmatch ? RTM_F_FIB_MATCH : 0;
    put_ip(nlh, RTA_DST, &q->dst);
    if (mf_ip_is_set(&q->src)) {
        rtm->rtm_src_len = mf_ip_len(&q->src) * 8;
        put_ip(nlh, RTA_SRC, &q->src);
    }
    if (q->mark) {
        mnl_attr_put_u32(nlh, RTA_MARK, q->mark);
    }
    /* RTM_GETROUTE takes only TCP, UDP and ICMP as RTA_IP_PROTO
     * (rtm_getroute_parse_ip_proto(): anything else is EOPNOTSUPP,
     * "Unsupported ip proto"), so a GRE endpoint is looked up without its
     * protocol: the same answer as the tunnel device's own lookup unless
     * an ip rule selects by "ipproto gre" (docs/design.md). */
    if (q->ip_proto == IPPROTO_UDP || q->ip_proto == IPPROTO_TCP) {
        mnl_attr_put_u8(nlh, RTA_IP_PROTO, q->ip_proto);
        if (q->dport) {
            mnl_attr_put_u16(nlh, RTA_DPORT, htons(q->dport));
        }
    }
    error = mf_nl_transact(nlh, route_cb, &ctx, err);
    if (!error && !ctx.seen) {
        error = mf_err_set(err, EPROTO, "no route in the kernel's reply");
    } else if (!error && ctx.malformed) {
        error = mf_err_set(err, EPROTO, "a malformed route in the kernel's "
                           "reply");
    }
    return error;
}

/* What the kernel's errno means for a route lookup (fib_props[] in
 * net/ipv4/fib_semantics.c): the route types that refuse packets. */
static const char *
lookup_error_meaning(int error)
{
    switch (error) {
    case EINVAL: return " (a blackhole route, or a source that is "
                        "not local)";
    case EHOSTUNREACH: return " (an unreachable route)";
    case EACCES: return " (a prohibit route)";
    case EAGAIN: return " (a throw route)";
    default: return "";
    }
}

int
mf_fib_lookup(const struct mf_fib_query *q, struct mf_fib_result *res,
              struct mf_err *err)
{
    char dst[64];
    int error;

    memset(res, 0, sizeof *res);
    if (q->dst.family != AF_INET && q->dst.family != AF_INET6) {
        return mf_err_set(err, EAFNOSUPPORT, "route lookup: no destination");
    }
    error = route_get(q, false, res, err);
    if (!error) {
        error = route_get(q, true, res, err);
    }
    if (error) {
        char why[sizeof err->msg];

        snprintf(why, sizeof why, "%s", err->msg);
        return mf_err_set(err, error, "no route to %s: %s%s",
                          mf_ip_to_string(&q->dst, dst), why,
                          lookup_error_meaning(error));
    }
    if (!res->gateway) {
        res->nh = q->dst;
    }
    return 0;
}

int
mf_fib_neigh_kick(int ifindex, const struct mf_ip *ip, struct mf_err *err)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh;
    struct ndmsg *ndm;

    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWNEIGH;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE;
    ndm = mnl_nlmsg_put_extra_header(nlh, sizeof *ndm);
    ndm->ndm_family = ip->family;
    ndm->ndm_ifindex = ifindex;
    ndm->ndm_flags = NTF_USE;
    ndm->ndm_state = NUD_NONE;
    put_ip(nlh, NDA_DST, ip);
    return mf_nl_transact(nlh, NULL, NULL, err);
}

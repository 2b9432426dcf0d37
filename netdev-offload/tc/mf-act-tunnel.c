/* mf-act-tunnel: set or release tunnel metadata, as tc's tunnel_key. */
#include <config.h>
#include "mf-act.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_tunnel_key.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

/* Geneve options on the wire: class (be16), type, 3 reserved bits and the
 * data length in 4-byte words, then the data. */
static void
put_geneve_opts(struct nlmsghdr *nlh, const struct mf_act *act)
{
    struct nlattr *outer = mnl_attr_nest_start(nlh, TCA_TUNNEL_KEY_ENC_OPTS);
    const uint8_t *p = act->tunnel.opts;
    int left = act->tunnel.opts_len;

    while (left >= 4) {
        int len = 4 + 4 * (p[3] & 0x1f);
        struct nlattr *inner;

        if (len > left) {
            break;              /* mf-xlate-tnl refuses this. */
        }
        inner = mnl_attr_nest_start(nlh, TCA_TUNNEL_KEY_ENC_OPTS_GENEVE);
        mnl_attr_put(nlh, TCA_TUNNEL_KEY_ENC_OPT_GENEVE_CLASS, 2, p);
        mnl_attr_put_u8(nlh, TCA_TUNNEL_KEY_ENC_OPT_GENEVE_TYPE, p[2]);
        mnl_attr_put(nlh, TCA_TUNNEL_KEY_ENC_OPT_GENEVE_DATA, len - 4, p + 4);
        mnl_attr_nest_end(nlh, inner);
        p += len;
        left -= len;
    }
    mnl_attr_nest_end(nlh, outer);
}

static void
tunnel_encode(struct nlmsghdr *nlh, const struct mf_act *act)
{
    bool v4 = act->tunnel.family == AF_INET;
    struct tc_tunnel_key p;

    memset(&p, 0, sizeof p);
    p.action = TC_ACT_PIPE;
    p.t_action = (act->tunnel.release ? TCA_TUNNEL_KEY_ACT_RELEASE
                  : TCA_TUNNEL_KEY_ACT_SET);
    mnl_attr_put(nlh, TCA_TUNNEL_KEY_PARMS, sizeof p, &p);
    if (act->tunnel.release) {
        return;
    }
    mnl_attr_put(nlh, v4 ? TCA_TUNNEL_KEY_ENC_IPV4_SRC
                 : TCA_TUNNEL_KEY_ENC_IPV6_SRC, v4 ? 4 : 16,
                 act->tunnel.src);
    mnl_attr_put(nlh, v4 ? TCA_TUNNEL_KEY_ENC_IPV4_DST
                 : TCA_TUNNEL_KEY_ENC_IPV6_DST, v4 ? 4 : 16,
                 act->tunnel.dst);
    if (act->tunnel.key) {
        mnl_attr_put(nlh, TCA_TUNNEL_KEY_ENC_KEY_ID, 4, &act->tunnel.id);
    }
    if (act->tunnel.dst_port) {
        mnl_attr_put(nlh, TCA_TUNNEL_KEY_ENC_DST_PORT, 2,
                     &act->tunnel.dst_port);
    }
    mnl_attr_put_u8(nlh, TCA_TUNNEL_KEY_NO_CSUM, !act->tunnel.csum);
    mnl_attr_put_u8(nlh, TCA_TUNNEL_KEY_ENC_TOS, act->tunnel.tos);
    mnl_attr_put_u8(nlh, TCA_TUNNEL_KEY_ENC_TTL, act->tunnel.ttl);
    if (act->tunnel.df) {
        mnl_attr_put(nlh, MF_TCA_TUNNEL_KEY_NO_FRAG, 0, NULL);
    }
    if (act->tunnel.opts_len) {
        put_geneve_opts(nlh, act);
    }
}

/* Appends the options of one TCA_TUNNEL_KEY_ENC_OPTS_GENEVE nest to
 * 'act''s.  megaflower sends one option per nest; the kernel dumps them
 * all in one, as class, type, data, class, type, data... */
static int
get_geneve_opts(const struct nlattr *nest, struct mf_act *act,
                const char **err)
{
    const uint8_t *class = NULL;
    const struct nlattr *a;
    int type = -1;

    mnl_attr_for_each_nested (a, nest) {
        switch (mnl_attr_get_type(a)) {
        case TCA_TUNNEL_KEY_ENC_OPT_GENEVE_CLASS:
            if (mnl_attr_get_payload_len(a) != 2) {
                goto bad;
            }
            class = mnl_attr_get_payload(a);
            break;
        case TCA_TUNNEL_KEY_ENC_OPT_GENEVE_TYPE:
            if (mnl_attr_get_payload_len(a) != 1) {
                goto bad;
            }
            type = mnl_attr_get_u8(a);
            break;
        case TCA_TUNNEL_KEY_ENC_OPT_GENEVE_DATA: {
            int len = mnl_attr_get_payload_len(a);
            uint8_t *p = act->tunnel.opts + act->tunnel.opts_len;

            if (!class || type < 0 || len % 4 || len > 124
                || act->tunnel.opts_len + 4 + len > MF_TUNNEL_OPTS_MAX) {
                goto bad;
            }
            memcpy(p, class, 2);
            p[2] = type;
            p[3] = len / 4;
            memcpy(p + 4, mnl_attr_get_payload(a), len);
            act->tunnel.opts_len += 4 + len;
            class = NULL;
            type = -1;
            break;
        }
        default:
            break;
        }
    }
    if (!class && type < 0) {
        return 0;
    }
bad:
    *err = "tunnel_key: bad Geneve option";
    return EPROTO;
}

static int
get_addr(const struct nlattr *a, int len, uint8_t family, uint8_t *dst,
         struct mf_act *act, const char **err)
{
    if (mnl_attr_get_payload_len(a) != len
        || (act->tunnel.family && act->tunnel.family != family)) {
        *err = "tunnel_key: bad or mixed tunnel addresses";
        return EPROTO;
    }
    act->tunnel.family = family;
    memcpy(dst, mnl_attr_get_payload(a), len);
    return 0;
}

static int
tunnel_decode(const struct nlattr *options, struct mf_act *act,
              const char **err)
{
    const struct nlattr *a;
    bool seen = false;
    int error = 0;

    act->tunnel.csum = true;    /* Unless NO_CSUM says otherwise. */
    mnl_attr_for_each_nested (a, options) {
        switch (mnl_attr_get_type(a)) {
        case TCA_TUNNEL_KEY_PARMS: {
            const struct tc_tunnel_key *p;

            p = mf_act_pipe_parms(a, sizeof *p, "tunnel_key", &error, err);
            if (!p) {
                return error;
            }
            if (p->t_action == TCA_TUNNEL_KEY_ACT_RELEASE) {
                act->tunnel.release = true;
            } else if (p->t_action != TCA_TUNNEL_KEY_ACT_SET) {
                *err = "tunnel_key: unknown t_action";
                return EPROTO;
            }
            seen = true;
            break;
        }
        case TCA_TUNNEL_KEY_ENC_IPV4_SRC:
            error = get_addr(a, 4, AF_INET, act->tunnel.src, act, err);
            break;
        case TCA_TUNNEL_KEY_ENC_IPV4_DST:
            error = get_addr(a, 4, AF_INET, act->tunnel.dst, act, err);
            break;
        case TCA_TUNNEL_KEY_ENC_IPV6_SRC:
            error = get_addr(a, 16, AF_INET6, act->tunnel.src, act, err);
            break;
        case TCA_TUNNEL_KEY_ENC_IPV6_DST:
            error = get_addr(a, 16, AF_INET6, act->tunnel.dst, act, err);
            break;
        case TCA_TUNNEL_KEY_ENC_KEY_ID:
            if (mnl_attr_get_payload_len(a) != 4) {
                *err = "tunnel_key: bad TCA_TUNNEL_KEY_ENC_KEY_ID";
                return EPROTO;
            }
            memcpy(&act->tunnel.id, mnl_attr_get_payload(a), 4);
            act->tunnel.key = true;
            break;
        case TCA_TUNNEL_KEY_ENC_DST_PORT:
            if (mnl_attr_get_payload_len(a) != 2) {
                *err = "tunnel_key: bad TCA_TUNNEL_KEY_ENC_DST_PORT";
                return EPROTO;
            }
            memcpy(&act->tunnel.dst_port, mnl_attr_get_payload(a), 2);
            break;
        case TCA_TUNNEL_KEY_NO_CSUM:
            act->tunnel.csum = mnl_attr_get_payload_len(a) == 1
                               && !mnl_attr_get_u8(a);
            break;
        case TCA_TUNNEL_KEY_ENC_TOS:
            act->tunnel.tos = mnl_attr_get_u8(a);
            break;
        case TCA_TUNNEL_KEY_ENC_TTL:
            act->tunnel.ttl = mnl_attr_get_u8(a);
            break;
        case MF_TCA_TUNNEL_KEY_NO_FRAG:
            act->tunnel.df = true;
            break;
        case TCA_TUNNEL_KEY_ENC_OPTS: {
            const struct nlattr *o;

            mnl_attr_for_each_nested (o, a) {
                if (mnl_attr_get_type(o) != TCA_TUNNEL_KEY_ENC_OPTS_GENEVE) {
                    *err = "tunnel_key: only Geneve options are megaflow "
                           "actions";
                    return EOPNOTSUPP;
                }
                error = get_geneve_opts(o, act, err);
                if (error) {
                    return error;
                }
            }
            break;
        }
        default:
            break;
        }
        if (error) {
            return error;
        }
    }
    if (!seen) {
        *err = "tunnel_key: missing TCA_TUNNEL_KEY_PARMS";
        return EPROTO;
    }
    if (act->tunnel.release) {
        memset(&act->tunnel, 0, sizeof act->tunnel);
        act->tunnel.release = true;
    } else if (!act->tunnel.family) {
        *err = "tunnel_key: set without addresses";
        return EPROTO;
    }
    return 0;
}

static void
tunnel_format(struct ds *s, const struct mf_act *act)
{
    char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

    if (act->tunnel.release) {
        ds_put_cstr(s, "tunnel_key(unset)");
        return;
    }
    inet_ntop(act->tunnel.family, act->tunnel.src, src, sizeof src);
    inet_ntop(act->tunnel.family, act->tunnel.dst, dst, sizeof dst);
    ds_put_format(s, "tunnel_key(set,src=%s,dst=%s", src, dst);
    if (act->tunnel.key) {
        ds_put_format(s, ",id=%"PRIu32, ntohl(act->tunnel.id));
    }
    if (act->tunnel.dst_port) {
        ds_put_format(s, ",dst_port=%"PRIu16, ntohs(act->tunnel.dst_port));
    }
    ds_put_format(s, ",tos=%#"PRIx8",ttl=%"PRIu8"%s%s", act->tunnel.tos,
                  act->tunnel.ttl, act->tunnel.csum ? ",csum" : ",nocsum",
                  act->tunnel.df ? ",df" : "");
    if (act->tunnel.opts_len) {
        ds_put_cstr(s, ",geneve_opts=");
        for (int i = 0; i < act->tunnel.opts_len; i++) {
            ds_put_format(s, "%02x", act->tunnel.opts[i]);
        }
    }
    ds_put_char(s, ')');
}

/* tunnel_key_init() builds the tunnel from the addresses, the key id and
 * the port as they come, and tunnel_key_dump() gives them back (a port 0
 * is left out, which decodes as 0).  Not tos and ttl (0 is left out too,
 * and they are few), nor the flags, nor the Geneve options. */
static const struct mf_verbatim verbatim[] = {
    { TCA_TUNNEL_KEY_ENC_IPV4_SRC, 0, 0, 0 },
    { TCA_TUNNEL_KEY_ENC_IPV4_DST, 0, 0, 0 },
    { TCA_TUNNEL_KEY_ENC_IPV6_SRC, 0, 0, 0 },
    { TCA_TUNNEL_KEY_ENC_IPV6_DST, 0, 0, 0 },
    { TCA_TUNNEL_KEY_ENC_KEY_ID, 0, 0, 0 },
    { TCA_TUNNEL_KEY_ENC_DST_PORT, 0, 0, 0 },
};

const struct mf_act_ops mf_act_tunnel_ops = {
    .kind = MF_ACT_TUNNEL,
    .tc_kind = "tunnel_key",
    .tm_attr = TCA_TUNNEL_KEY_TM,
    .encode = tunnel_encode,
    .decode = tunnel_decode,
    .format = tunnel_format,
    .verbatim = verbatim,
    .n_verbatim = ARRAY_SIZE(verbatim),
};

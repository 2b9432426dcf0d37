/* mf-xlate-tnl: tunnel encapsulation, ODP <-> tc tunnel_key. */
#include <config.h>
#include "mf-xlate-tnl.h"

#include <errno.h>
#include <string.h>

#include "mf-act.h"
#include "mf-caps.h"
#include "mf-xlate.h"
#include "netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "flow.h"
#include "util.h"

/* The flow_tnl that 'act' stands for, as odp_tun_key_from_attr() would
 * have parsed it. */
static void
act_to_tnl(const struct mf_act *act, struct flow_tnl *tnl)
{
    memset(tnl, 0, sizeof *tnl);
    if (act->tunnel.family == AF_INET) {
        memcpy(&tnl->ip_src, act->tunnel.src, 4);
        memcpy(&tnl->ip_dst, act->tunnel.dst, 4);
    } else {
        memcpy(&tnl->ipv6_src, act->tunnel.src, 16);
        memcpy(&tnl->ipv6_dst, act->tunnel.dst, 16);
    }
    if (act->tunnel.key) {
        tnl->tun_id = htonll(ntohl(act->tunnel.id));
        tnl->flags |= FLOW_TNL_F_KEY;
    }
    tnl->ip_tos = act->tunnel.tos;
    tnl->ip_ttl = act->tunnel.ttl;
    tnl->tp_dst = act->tunnel.dst_port;
    tnl->flags |= (act->tunnel.df ? FLOW_TNL_F_DONT_FRAGMENT : 0)
                  | (act->tunnel.csum ? FLOW_TNL_F_CSUM : 0);
    if (act->tunnel.opts_len) {
        tnl->flags |= FLOW_TNL_F_UDPIF;
        tnl->metadata.present.len = act->tunnel.opts_len;
        memcpy(tnl->metadata.opts.gnv, act->tunnel.opts,
               act->tunnel.opts_len);
    }
}

void
mf_xlate_tnl_from_tc(const struct mf_act *act, struct ofpbuf *buf)
{
    struct flow_tnl tnl;

    act_to_tnl(act, &tnl);
    odp_put_tunnel_action(&tnl, buf, NULL);
}

/* The sizes of a tunnel key's attributes (-1: any), as the datapath takes
 * and gives them: OVS 3.1's parser asserts on other sizes, or reads past
 * the attribute (ERSPAN and GTP-U options), and OVS never writes them. */
static const int tun_attr_size[OVS_TUNNEL_KEY_ATTR_MAX + 1] = {
    [OVS_TUNNEL_KEY_ATTR_ID] = sizeof(ovs_be64),
    [OVS_TUNNEL_KEY_ATTR_IPV4_SRC] = sizeof(ovs_be32),
    [OVS_TUNNEL_KEY_ATTR_IPV4_DST] = sizeof(ovs_be32),
    [OVS_TUNNEL_KEY_ATTR_TOS] = 1,
    [OVS_TUNNEL_KEY_ATTR_TTL] = 1,
    [OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT] = 0,
    [OVS_TUNNEL_KEY_ATTR_CSUM] = 0,
    [OVS_TUNNEL_KEY_ATTR_OAM] = 0,
    [OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS] = -1,
    [OVS_TUNNEL_KEY_ATTR_TP_SRC] = sizeof(ovs_be16),
    [OVS_TUNNEL_KEY_ATTR_TP_DST] = sizeof(ovs_be16),
    [OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS] = -1,
    [OVS_TUNNEL_KEY_ATTR_IPV6_SRC] = sizeof(struct in6_addr),
    [OVS_TUNNEL_KEY_ATTR_IPV6_DST] = sizeof(struct in6_addr),
    [OVS_TUNNEL_KEY_ATTR_PAD] = -1,
    [OVS_TUNNEL_KEY_ATTR_ERSPAN_OPTS] = sizeof(struct erspan_metadata),
    [OVS_TUNNEL_KEY_ATTR_GTPU_OPTS] = sizeof(struct gtpu_metadata),
};

bool
mf_xlate_tnl_key_well_formed(const struct nlattr *key_attr)
{
    const struct nlattr *a;
    size_t left;

    NL_NESTED_FOR_EACH (a, left, key_attr) {
        unsigned int type = nl_attr_type(a);

        if (type > OVS_TUNNEL_KEY_ATTR_MAX
            || (tun_attr_size[type] >= 0
                && nl_attr_get_size(a) != (size_t) tun_attr_size[type])) {
            return false;
        }
    }
    return !left;
}

int
mf_xlate_tnl_to_tc(const struct nlattr *set, struct mf_act *act,
                   struct ds *reason)
{
    const struct nlattr *key_attr = nl_attr_get(set);
    const struct mf_caps *caps = mf_caps_get();
    uint64_t stub[1024 / 8];
    struct ofpbuf back;
    struct flow_tnl tnl, again;
    char *error = NULL;
    bool same;

    if (!mf_xlate_tnl_key_well_formed(key_attr)) {
        return mf_xlate_refuse(reason, "set(tunnel): malformed attributes");
    }
    if (odp_tun_key_from_attr(key_attr, &tnl, &error) != ODP_FIT_PERFECT) {
        mf_xlate_refuse(reason, "set(tunnel): OVS's own parser does not take "
                        "it whole%s%s", error ? ": " : "", error ? error : "");
        free(error);
        return EOPNOTSUPP;
    }
    if (tnl.tp_src) {
        return mf_xlate_refuse(reason, "set(tunnel(tp_src=%"PRIu16")): "
                               "tunnel_key cannot fix the UDP source port",
                               ntohs(tnl.tp_src));
    }
    if (tnl.flags & FLOW_TNL_F_OAM) {
        return mf_xlate_refuse(reason, "set(tunnel(flags(oam))): tunnel_key "
                               "cannot set the OAM flag");
    }
    if (tnl.gbp_id || tnl.gbp_flags) {
        return mf_xlate_refuse(reason, "set(tunnel(vxlan(gbp))): VXLAN group "
                               "policy is not offloaded");
    }
    if (tnl.erspan_ver || tnl.gtpu_flags || tnl.gtpu_msgtype) {
        return mf_xlate_refuse(reason, "set(tunnel): ERSPAN and GTP-U "
                               "metadata are not offloaded");
    }
    if ((tnl.flags & FLOW_TNL_F_DONT_FRAGMENT) && !caps->tunnel_df) {
        return mf_xlate_refuse(reason, "set(tunnel(flags(df))): this "
                               "kernel's tunnel_key cannot set \"don't "
                               "fragment\" (TCA_TUNNEL_KEY_NO_FRAG, Linux "
                               "6.5); set options:df_default=false on the "
                               "tunnel port, or run a newer kernel");
    }
    if (!tnl.ip_dst && !ipv6_addr_is_set(&tnl.ipv6_dst)) {
        return mf_xlate_refuse(reason, "set(tunnel) without a destination");
    }
    if (tnl.metadata.present.len > MF_TUNNEL_OPTS_MAX) {
        return mf_xlate_refuse(reason, "set(tunnel): %u bytes of Geneve "
                               "options", tnl.metadata.present.len);
    }
    for (int ofs = 0; ofs < tnl.metadata.present.len; ) {
        const uint8_t *opt = (const uint8_t *) tnl.metadata.opts.gnv + ofs;
        int left = tnl.metadata.present.len - ofs;

        if (left < 4 || 4 + 4 * (opt[3] & 0x1f) > left) {
            /* tunnel_key would carry the options before it only (the
             * kernel datapath refuses such options: OVS never sends
             * them). */
            return mf_xlate_refuse(reason, "set(tunnel): Geneve options "
                                   "malformed: %d bytes left at offset %d, "
                                   "not a whole option", left, ofs);
        }
        if (!(opt[3] & 0x1f)) {
            return mf_xlate_refuse(reason, "set(tunnel): a Geneve option "
                                   "without data (class %#x, type %#x): "
                                   "tunnel_key wants 4 bytes or more",
                                   opt[0] << 8 | opt[1], opt[2]);
        }
        if (opt[3] & 0xe0) {
            /* act_tunnel_key keeps no reserved bits: they would be lost. */
            return mf_xlate_refuse(reason, "set(tunnel): Geneve option "
                                   "class %#x type %#x has reserved bits "
                                   "set, which tunnel_key cannot carry",
                                   opt[0] << 8 | opt[1], opt[2]);
        }
        if (opt[2] & 0x80) {
            /* The datapath sets the header's C bit for a critical option
             * (TUNNEL_CRIT_OPT); act_tunnel_key copies the options but not
             * that flag, so tc's packets would differ from OVS's. */
            return mf_xlate_refuse(reason, "set(tunnel): Geneve option "
                                   "class %#x type %#x is critical: the "
                                   "datapath sets the Geneve header's C bit "
                                   "for it, tc's tunnel_key does not",
                                   opt[0] << 8 | opt[1], opt[2]);
        }
        ofs += 4 + 4 * (opt[3] & 0x1f);
    }

    memset(act, 0, sizeof *act);
    act->kind = MF_ACT_TUNNEL;
    if (tnl.ip_dst) {
        act->tunnel.family = AF_INET;
        memcpy(act->tunnel.src, &tnl.ip_src, 4);
        memcpy(act->tunnel.dst, &tnl.ip_dst, 4);
    } else {
        act->tunnel.family = AF_INET6;
        memcpy(act->tunnel.src, &tnl.ipv6_src, 16);
        memcpy(act->tunnel.dst, &tnl.ipv6_dst, 16);
    }
    if (tnl.flags & FLOW_TNL_F_KEY) {
        if (ntohll(tnl.tun_id) > UINT32_MAX) {
            return mf_xlate_refuse(reason, "set(tunnel(tun_id=%#"PRIx64")): "
                                   "tunnel_key's id has 32 bits",
                                   ntohll(tnl.tun_id));
        }
        act->tunnel.key = true;
        act->tunnel.id = htonl(ntohll(tnl.tun_id));
    }
    act->tunnel.tos = tnl.ip_tos;
    act->tunnel.ttl = tnl.ip_ttl;
    act->tunnel.dst_port = tnl.tp_dst;
    act->tunnel.df = (tnl.flags & FLOW_TNL_F_DONT_FRAGMENT) != 0;
    act->tunnel.csum = (tnl.flags & FLOW_TNL_F_CSUM) != 0;
    if (tnl.flags & FLOW_TNL_F_UDPIF) {
        act->tunnel.opts_len = tnl.metadata.present.len;
        memcpy(act->tunnel.opts, tnl.metadata.opts.gnv,
               tnl.metadata.present.len);
    }

    /* All or nothing: what flow_get will return must be what OVS put. */
    ofpbuf_use_stub(&back, stub, sizeof stub);
    mf_xlate_tnl_from_tc(act, &back);
    same = (odp_tun_key_from_attr(nl_attr_get(back.data), &again, NULL)
            == ODP_FIT_PERFECT && flow_tnl_equal(&tnl, &again));
    ofpbuf_uninit(&back);
    if (!same) {
        ds_put_cstr(reason, "set(tunnel): ");
        format_odp_actions(reason, set, set->nla_len, NULL);
        ds_put_cstr(reason, " does not read back as OVS wrote it");
        return EOPNOTSUPP;
    }
    return 0;
}

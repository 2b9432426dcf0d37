/* mf-xlate: the megaflow <-> filter mapping, driven by one table. */
#include <config.h>
#include "mf-xlate.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_mirred.h>
#include <string.h>

#include "flow.h"
#include "mf-filter.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

/* Which ethertypes a field needs before OVS (and flower) will match it. */
enum prereq {
    PRE_NONE,
    PRE_IPV4,
    PRE_IPV6,
    PRE_IP_ANY,
};

/* One row per OVS flow member that maps straight onto a flower field. */
struct xlate_field {
    const char *name;           /* OVS's name, for reasons. */
    size_t flow_ofs;
    size_t flower_ofs;
    size_t size;
    enum prereq prereq;
};

#define X(FLOW_MEMBER, FLOWER_MEMBER, PREREQ)                           \
    { #FLOW_MEMBER, offsetof(struct flow, FLOW_MEMBER),                 \
      offsetof(struct mf_flower_key, FLOWER_MEMBER),                    \
      MEMBER_SIZEOF(struct flow, FLOW_MEMBER), PREREQ }

static const struct xlate_field xlate_fields[] = {
    X(dl_dst,   eth_dst,  PRE_NONE),
    X(dl_src,   eth_src,  PRE_NONE),
    X(nw_src,   ipv4_src, PRE_IPV4),
    X(nw_dst,   ipv4_dst, PRE_IPV4),
    X(ipv6_src, ipv6_src, PRE_IPV6),
    X(ipv6_dst, ipv6_dst, PRE_IPV6),
    X(nw_proto, ip_proto, PRE_IP_ANY),
};

BUILD_ASSERT_DECL(MEMBER_SIZEOF(struct flow, dl_dst)
                  == MEMBER_SIZEOF(struct mf_flower_key, eth_dst));
BUILD_ASSERT_DECL(MEMBER_SIZEOF(struct flow, nw_src)
                  == MEMBER_SIZEOF(struct mf_flower_key, ipv4_src));
BUILD_ASSERT_DECL(MEMBER_SIZEOF(struct flow, ipv6_src)
                  == MEMBER_SIZEOF(struct mf_flower_key, ipv6_src));
BUILD_ASSERT_DECL(MEMBER_SIZEOF(struct flow, nw_proto)
                  == MEMBER_SIZEOF(struct mf_flower_key, ip_proto));

static bool
prereq_met(enum prereq p, ovs_be16 dl_type)
{
    switch (p) {
    case PRE_IPV4:
        return dl_type == htons(ETH_TYPE_IP);
    case PRE_IPV6:
        return dl_type == htons(ETH_TYPE_IPV6);
    case PRE_IP_ANY:
        return dl_type == htons(ETH_TYPE_IP)
               || dl_type == htons(ETH_TYPE_IPV6);
    case PRE_NONE:
    default:
        return true;
    }
}

static bool
is_zero(const void *p, size_t n)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++) {
        if (b[i]) {
            return false;
        }
    }
    return true;
}

static int
refuse(struct ds *reason, const char *fmt, ...)
    OVS_PRINTF_FORMAT(2, 3);

static int
refuse(struct ds *reason, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    ds_put_format_valist(reason, fmt, args);
    va_end(args);
    return EOPNOTSUPP;
}

static int
xlate_match(const struct match *match, odp_port_t in_port,
            struct mf_filter *f, struct ds *reason)
{
    struct match m = *match;
    struct flow *key = &m.flow, *mask = &m.wc.masks;
    bool exact_type = mask->dl_type == OVS_BE16_MAX;
    const struct mf_flower_field *bad;

    if (mask->in_port.odp_port) {
        if (mask->in_port.odp_port != u32_to_odp(UINT32_MAX)
            || key->in_port.odp_port != in_port) {
            return refuse(reason, "in_port: does not name this port");
        }
        mask->in_port.odp_port = 0;
    }
    if (key->recirc_id & mask->recirc_id) {
        return refuse(reason, "recirc_id(%#"PRIx32"): recirculation is not "
                      "offloaded", key->recirc_id);
    }
    mask->recirc_id = 0;
    if (mask->packet_type && key->packet_type != htonl(PT_ETH)) {
        return refuse(reason, "packet_type: only Ethernet is offloaded");
    }
    mask->packet_type = 0;

    if (mask->dl_type && !exact_type) {
        return refuse(reason, "eth_type: partial masks are not offloaded");
    }
    if (exact_type && eth_type_vlan(key->dl_type)) {
        return refuse(reason, "eth_type(0x%04"PRIx16"): VLAN is not "
                      "offloaded yet", ntohs(key->dl_type));
    }
    f->protocol = exact_type ? key->dl_type : htons(ETH_P_ALL);
    if (exact_type) {
        f->key.eth_type = key->dl_type;
        f->mask.eth_type = OVS_BE16_MAX;
    }
    mask->dl_type = 0;

    /* "No VLAN" (tci and tpid exactly 0, as odp-util builds it for a flow
     * without an 802.1Q header) is what a non-VLAN flower protocol
     * matches; anything else about VLANs is not offloaded yet. */
    if (mask->vlans[0].tci == OVS_BE16_MAX && !key->vlans[0].tci
        && (!mask->vlans[0].tpid || mask->vlans[0].tpid == OVS_BE16_MAX)
        && !key->vlans[0].tpid && exact_type) {
        mask->vlans[0].tci = 0;
        mask->vlans[0].tpid = 0;
    }
    for (size_t i = 0; i < FLOW_MAX_VLAN_HEADERS; i++) {
        if (mask->vlans[i].tci || mask->vlans[i].tpid) {
            return refuse(reason, "vlan[%"PRIuSIZE"] tci=%#"PRIx16"/%#"PRIx16
                          " tpid=%#"PRIx16"/%#"PRIx16": VLAN matches are "
                          "not offloaded yet", i, ntohs(key->vlans[i].tci),
                          ntohs(mask->vlans[i].tci),
                          ntohs(key->vlans[i].tpid),
                          ntohs(mask->vlans[i].tpid));
        }
    }

    for (size_t i = 0; i < ARRAY_SIZE(xlate_fields); i++) {
        const struct xlate_field *x = &xlate_fields[i];
        uint8_t *fk = (uint8_t *) key + x->flow_ofs;
        uint8_t *fm = (uint8_t *) mask + x->flow_ofs;
        uint8_t *tk = (uint8_t *) &f->key + x->flower_ofs;
        uint8_t *tm = (uint8_t *) &f->mask + x->flower_ofs;

        if (is_zero(fm, x->size) || !prereq_met(x->prereq, key->dl_type)) {
            continue;
        }
        for (size_t j = 0; j < x->size; j++) {
            tk[j] = fk[j] & fm[j];
            tm[j] = fm[j];
        }
        memset(fm, 0, x->size);
    }

    if (mask->nw_frag && prereq_met(PRE_IP_ANY, key->dl_type)) {
        if (!(mask->nw_frag & FLOW_NW_FRAG_ANY)
            || (key->nw_frag & mask->nw_frag)) {
            return refuse(reason, "frag: only frag=no is offloaded yet");
        }
        /* Not a fragment: then it is not a later fragment either. */
        f->mask.flags = htonl(TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT);
        mask->nw_frag = 0;
    }

    if (!flow_wildcards_is_catchall(&m.wc)) {
        ds_put_cstr(reason, "match on ");
        match_format(&m, NULL, reason, OFP_DEFAULT_PRIORITY);
        ds_put_cstr(reason, ": not offloaded yet");
        return EOPNOTSUPP;
    }
    if (mf_flower_check_mask(&f->mask, &bad)) {
        return refuse(reason, "%s: flower matches it only exactly",
                      bad->name);
    }
    return 0;
}

static int
xlate_actions(const struct nlattr *actions, size_t actions_len,
              const struct mf_xlate_ports *ports, struct mf_filter *f,
              struct ds *reason)
{
    enum mf_port_kind kinds[MF_ACT_MAX];
    const struct nlattr *a;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, actions, actions_len) {
        enum ovs_action_attr type = nl_attr_type(a);
        struct mf_act *act;
        uint32_t ifindex;
        odp_port_t port;

        if (type != OVS_ACTION_ATTR_OUTPUT) {
            ds_put_cstr(reason, "action ");
            format_odp_actions(reason, a, a->nla_len, NULL);
            ds_put_cstr(reason, ": not offloaded yet");
            return EOPNOTSUPP;
        }
        if (f->n_acts >= MF_ACT_MAX) {
            return refuse(reason, "more than %d outputs", MF_ACT_MAX);
        }
        port = nl_attr_get_odp_port(a);
        kinds[f->n_acts] = ports->lookup(port, &ifindex, ports->aux);
        if (kinds[f->n_acts] == MF_PORT_NONE) {
            return refuse(reason, "output(%"PRIu32"): not a port megaflower "
                          "can reach", odp_to_u32(port));
        } else if (kinds[f->n_acts] == MF_PORT_TUNNEL) {
            return refuse(reason, "output(%"PRIu32"): tunnel ports are not "
                          "offloaded yet", odp_to_u32(port));
        }
        act = &f->acts[f->n_acts++];
        memset(act, 0, sizeof *act);
        act->kind = MF_ACT_MIRRED;
        act->mirred.ifindex = ifindex;
    }

    for (size_t i = 0; i < f->n_acts; i++) {
        bool last = i + 1 == f->n_acts;
        bool ingress = kinds[i] == MF_PORT_INTERNAL;

        f->acts[i].mirred.eaction = (ingress
                                     ? (last ? TCA_INGRESS_REDIR
                                        : TCA_INGRESS_MIRROR)
                                     : (last ? TCA_EGRESS_REDIR
                                        : TCA_EGRESS_MIRROR));
    }
    if (!f->n_acts) {
        struct mf_act *act = &f->acts[f->n_acts++];

        memset(act, 0, sizeof *act);
        act->kind = MF_ACT_GACT;
        act->gact.verdict = TC_ACT_SHOT;
    }
    return 0;
}

int
mf_xlate_to_filter(const struct match *match, odp_port_t in_port,
                   const struct nlattr *actions, size_t actions_len,
                   const struct mf_xlate_ports *ports, struct mf_filter *f,
                   struct ds *reason)
{
    int error;

    memset(f, 0, sizeof *f);
    error = xlate_match(match, in_port, f, reason);
    return error ? error : xlate_actions(actions, actions_len, ports, f,
                                         reason);
}

int
mf_xlate_from_filter(const struct mf_filter *f, odp_port_t in_port,
                     const struct mf_xlate_ports *ports, struct match *match,
                     struct ofpbuf *buf, size_t *actions_ofs,
                     struct ds *reason)
{
    struct flow *key = &match->flow, *mask = &match->wc.masks;

    match_init_catchall(match);
    if (f->chain) {
        return refuse(reason, "chain %"PRIu32": recirculation is not "
                      "offloaded", f->chain);
    }
    /* An odp port, all 32 bits (match_set_in_port() is OpenFlow's). */
    key->in_port.odp_port = in_port;
    mask->in_port.odp_port = u32_to_odp(UINT32_MAX);
    match_set_recirc_id(match, 0);
    if (f->mask.eth_type) {
        match_set_dl_type(match, f->key.eth_type);
        /* The match OVS puts: exactly no VLAN. */
        key->vlans[0].tci = 0;
        key->vlans[0].tpid = 0;
        mask->vlans[0].tci = OVS_BE16_MAX;
        mask->vlans[0].tpid = OVS_BE16_MAX;
    }
    for (size_t i = 0; i < ARRAY_SIZE(xlate_fields); i++) {
        const struct xlate_field *x = &xlate_fields[i];
        const uint8_t *tm = (const uint8_t *) &f->mask + x->flower_ofs;

        if (!is_zero(tm, x->size)) {
            memcpy((uint8_t *) key + x->flow_ofs,
                   (const uint8_t *) &f->key + x->flower_ofs, x->size);
            memcpy((uint8_t *) mask + x->flow_ofs, tm, x->size);
        }
    }
    if (f->mask.flags) {
        if (f->mask.flags != htonl(TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT)
            || f->key.flags) {
            return refuse(reason, "ip_flags: only non-fragments are "
                          "offloaded yet");
        }
        key->nw_frag = 0;
        mask->nw_frag = FLOW_NW_FRAG_MASK;
    }

    *actions_ofs = nl_msg_start_nested(buf, OVS_FLOW_ATTR_ACTIONS);
    for (size_t i = 0; i < f->n_acts; i++) {
        const struct mf_act *act = &f->acts[i];
        odp_port_t port;

        switch (act->kind) {
        case MF_ACT_MIRRED:
            port = ports->from_ifindex(act->mirred.ifindex, ports->aux);
            if (port == ODPP_NONE) {
                return refuse(reason, "mirred to ifindex %"PRIu32": not an "
                              "OVS port", act->mirred.ifindex);
            }
            nl_msg_put_odp_port(buf, OVS_ACTION_ATTR_OUTPUT, port);
            break;
        case MF_ACT_GACT:
            if (act->gact.verdict != TC_ACT_SHOT || f->n_acts != 1) {
                return refuse(reason, "gact: only a lone drop is a megaflow "
                              "action");
            }
            break;
        case MF_ACT_N_KINDS:
        default:
            return refuse(reason, "unknown action");
        }
    }
    nl_msg_end_nested(buf, *actions_ofs);
    return 0;
}

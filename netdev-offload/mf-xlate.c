/* mf-xlate: megaflow <-> filter, the entry points, and what of the match
 * is not one field of the table (mf-xlate-field.c): in_port and recirc_id,
 * ethertypes and VLAN headers, fragments, the tunnel key flag and
 * options. */
#include <config.h>
#include "mf-xlate.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include "flow.h"
#include "mf-filter.h"
#include "mf-xlate-act.h"
#include "mf-xlate-field.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

int
mf_xlate_refuse(struct ds *reason, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    ds_put_format_valist(reason, fmt, args);
    va_end(args);
    return EOPNOTSUPP;
}

/* One VLAN header of the megaflow into flower's (outer or inner) fields. */
static int
xlate_vlan(const struct flow *key, struct flow *mask, int i,
           uint16_t *id, uint16_t *id_mask, uint8_t *prio, uint8_t *prio_mask,
           struct ds *reason)
{
    uint16_t tci = ntohs(key->vlans[i].tci), m = ntohs(mask->vlans[i].tci);

    if (mask->vlans[i].tpid != OVS_BE16_MAX) {
        return mf_xlate_refuse(reason, "vlan[%d] tpid: matched only in part", i);
    }
    if ((m & VLAN_VID_MASK) == VLAN_VID_MASK) {
        *id = vlan_tci_to_vid(key->vlans[i].tci);
        *id_mask = UINT16_MAX;
    } else if (m & VLAN_VID_MASK) {
        return mf_xlate_refuse(reason, "vlan[%d] vid %#"PRIx16"/%#"PRIx16": flower "
                      "matches the VLAN id only exactly", i,
                      tci & VLAN_VID_MASK, m & VLAN_VID_MASK);
    }
    if ((m & VLAN_PCP_MASK) == VLAN_PCP_MASK) {
        *prio = vlan_tci_to_pcp(key->vlans[i].tci);
        *prio_mask = UINT8_MAX;
    } else if (m & VLAN_PCP_MASK) {
        return mf_xlate_refuse(reason, "vlan[%d] pcp: flower matches it only exactly",
                      i);
    }
    mask->vlans[i].tci = 0;
    mask->vlans[i].tpid = 0;
    return 0;
}

/* True if 'mask' says the megaflow has exactly no VLAN header 'i' (tci 0 and
 * the CFI bit, which OVS uses as "present", matched). */
static bool
vlan_absent(const struct flow *key, const struct flow *mask, int i)
{
    return (mask->vlans[i].tci & htons(VLAN_CFI))
           && !(key->vlans[i].tci & mask->vlans[i].tci)
           && !(key->vlans[i].tpid & mask->vlans[i].tpid);
}

static bool
vlan_present(const struct flow *key, const struct flow *mask, int i)
{
    return (mask->vlans[i].tci & key->vlans[i].tci & htons(VLAN_CFI)) != 0;
}

/* The ethertypes and VLAN headers: the filter's protocol and the flower
 * ethertype chain (see mf-flower.h). */
static int
xlate_l2_chain(const struct flow *key, struct flow *mask, struct mf_filter *f,
               struct ds *reason)
{
    struct mf_flower_key *k = &f->key, *m = &f->mask;
    int error;

    if (!mask->dl_type) {
        /* Any ethertype: then nothing about VLANs can be matched, since a
         * filter for all protocols sees tagged and untagged frames. */
        if (mask->vlans[0].tci || mask->vlans[0].tpid) {
            return mf_xlate_refuse(reason, "vlan without eth_type: not offloadable");
        }
        f->protocol = htons(ETH_P_ALL);
        return 0;
    } else if (mask->dl_type != OVS_BE16_MAX) {
        return mf_xlate_refuse(reason, "eth_type: partial masks are not offloaded");
    }

    if (vlan_absent(key, mask, 0)) {
        /* A filter for one non-VLAN protocol sees only untagged frames:
         * with a tag, the kernel's skb protocol is the tag's TPID. */
        mask->vlans[0].tci = mask->vlans[0].tpid = 0;
        f->protocol = key->dl_type;
        k->eth_type = key->dl_type;
        m->eth_type = OVS_BE16_MAX;
    } else if (vlan_present(key, mask, 0)) {
        f->protocol = key->vlans[0].tpid;
        k->eth_type = key->vlans[0].tpid;
        m->eth_type = OVS_BE16_MAX;
        error = xlate_vlan(key, mask, 0, &k->vlan_id, &m->vlan_id,
                           &k->vlan_prio, &m->vlan_prio, reason);
        if (error) {
            return error;
        }
        if (vlan_present(key, mask, 1)) {
            k->vlan_eth_type = key->vlans[1].tpid;
            m->vlan_eth_type = OVS_BE16_MAX;
            error = xlate_vlan(key, mask, 1, &k->cvlan_id, &m->cvlan_id,
                               &k->cvlan_prio, &m->cvlan_prio, reason);
            if (error) {
                return error;
            }
            k->cvlan_eth_type = key->dl_type;
            m->cvlan_eth_type = OVS_BE16_MAX;
        } else {
            if (vlan_absent(key, mask, 1)) {
                mask->vlans[1].tci = mask->vlans[1].tpid = 0;
            }
            k->vlan_eth_type = key->dl_type;
            m->vlan_eth_type = OVS_BE16_MAX;
        }
    } else {
        return mf_xlate_refuse(reason, "vlan tci=%#"PRIx16"/%#"PRIx16": neither "
                      "present nor absent", ntohs(key->vlans[0].tci),
                      ntohs(mask->vlans[0].tci));
    }
    if (eth_type_vlan(key->dl_type)) {
        return mf_xlate_refuse(reason, "eth_type(0x%04"PRIx16"): more than two VLAN "
                      "headers", ntohs(key->dl_type));
    }
    for (size_t i = 0; i < FLOW_MAX_VLAN_HEADERS; i++) {
        if (mask->vlans[i].tci || mask->vlans[i].tpid) {
            return mf_xlate_refuse(reason, "vlan[%"PRIuSIZE"]: more than two VLAN "
                          "headers", i);
        }
    }
    mask->dl_type = 0;
    return 0;
}

/* OVS's fragment state (nw_frag, both bits matched, as odp-util builds it)
 * and flower's flags. */
static int
xlate_frag(const struct flow *key, struct flow *mask, struct mf_filter *f,
           struct ds *reason)
{
    uint8_t frag = key->nw_frag & mask->nw_frag;

    if (!mask->nw_frag || !is_ip_any(key)) {
        return 0;
    }
    if (mask->nw_frag != FLOW_NW_FRAG_MASK) {
        return mf_xlate_refuse(reason, "frag: only whole fragment states (no, first, "
                      "later) are offloaded");
    }
    if (frag && key->dl_type == htons(ETH_TYPE_IPV6)) {
        /* OVS walks every IPv6 extension header to find a fragment header;
         * the kernel's flow dissector does not, so they can disagree. */
        return mf_xlate_refuse(reason, "frag=%s: IPv6 fragments are not offloaded: "
                      "OVS and flower parse IPv6 extension headers "
                      "differently", frag & FLOW_NW_FRAG_LATER ? "later"
                      : "first");
    }
    if (!frag) {
        /* Not a fragment: then it is not a later fragment either. */
        f->mask.flags = htonl(TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT);
    } else {
        f->mask.flags = htonl(TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT
                              | TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST);
        f->key.flags = htonl(TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT
                             | (frag & FLOW_NW_FRAG_LATER ? 0
                                : TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST));
    }
    mask->nw_frag = 0;
    return 0;
}

/* What of the tunnel match the field table cannot take, settled before it
 * runs: the key flag, Geneve options, and fields tc has no key for. */
static int
xlate_tunnel(const struct flow *key, struct flow *mask, odp_port_t in_port,
             const struct mf_xlate_ports *ports, struct ds *reason)
{
    const struct flow_tnl *t = &key->tunnel;
    struct flow_tnl *m = &mask->tunnel;

    if (m->gbp_id || m->gbp_flags) {
        return mf_xlate_refuse(reason, "tun_gbp_id, tun_gbp_flags: VXLAN "
                               "group policy is not offloaded");
    }
    if (m->erspan_ver || m->erspan_idx || m->erspan_dir || m->erspan_hwid
        || m->gtpu_flags || m->gtpu_msgtype) {
        return mf_xlate_refuse(reason, "ERSPAN and GTP-U tunnel fields are "
                               "not offloaded");
    }
    if (m->metadata.present.map || m->metadata.present.len
        || !mf_bytes_all(&m->metadata.opts, sizeof m->metadata.opts, 0)) {
        return mf_xlate_refuse(reason, "Geneve options: flower matches their "
                               "total length only as a bit mask (a packet "
                               "with more options would match too), so they "
                               "are not offloaded");
    }
    m->flags &= ~FLOW_TNL_F_UDPIF;      /* No options: any format. */

    /* A tunnel id is matched with the key flag set, as OVS does.  tc sees
     * a missing key as id 0, so a keyless match cannot be told apart. */
    if (m->flags & FLOW_TNL_F_KEY) {
        if (!(t->flags & FLOW_TNL_F_KEY)) {
            return mf_xlate_refuse(reason, "tun_flags -key: flower cannot "
                                   "tell a tunnel without a key from key 0");
        }
        if (m->tun_id != OVS_BE64_MAX) {
            return mf_xlate_refuse(reason, "tun_flags +key without an exact "
                                   "tun_id");
        }
        if (!t->tun_id && !(ports->always_keyed
                            && ports->always_keyed(in_port, ports->aux))) {
            return mf_xlate_refuse(reason, "tun_id=0 on a tunnel that may "
                                   "carry no key: flower cannot tell the "
                                   "two apart");
        }
        m->flags &= ~FLOW_TNL_F_KEY;
    } else if (m->tun_id) {
        return mf_xlate_refuse(reason, "tun_id without the key flag: flower "
                               "cannot tell a tunnel without a key from key "
                               "0");
    }
    return 0;
}

static int
xlate_match(const struct match *match, odp_port_t in_port,
            const struct mf_xlate_ports *ports, struct mf_filter *f,
            struct ds *reason)
{
    /* The mask bits left to translate.  Not a copy of the whole 'match':
     * its tunnel metadata allocation is most of its size. */
    struct flow_wildcards wc = match->wc;
    const struct flow *key = &match->flow;
    struct flow *mask = &wc.masks;
    uint64_t words[MF_XLATE_FIELD_WORDS];
    const struct mf_flower_field *bad;
    int error;

    if (mask->in_port.odp_port) {
        if (mask->in_port.odp_port != u32_to_odp(UINT32_MAX)
            || key->in_port.odp_port != in_port) {
            return mf_xlate_refuse(reason, "in_port: does not name this port");
        }
        mask->in_port.odp_port = 0;
    }
    if (mask->recirc_id != UINT32_MAX) {
        /* tc's chain 0 holds exactly the packets of recirc_id 0: a
         * megaflow that would take others too cannot be reproduced.  (OVS
         * and the kernel match it exactly when a flow does not say.) */
        return mf_xlate_refuse(reason, "recirc_id: partly wildcarded "
                               "(mask %#"PRIx32"): tc's chains match it "
                               "exactly", mask->recirc_id);
    }
    if (key->recirc_id & mask->recirc_id) {
        return mf_xlate_refuse(reason, "recirc_id(%#"PRIx32"): %s", key->recirc_id,
                      ports->recirc_shared
                      ? "recirculation is not offloaded yet"
                      : "the kernel cannot share recirculation with tc "
                        "(no tc skb extension, CONFIG_NET_TC_SKB_EXT)");
    }
    mask->recirc_id = 0;
    if (mask->packet_type && key->packet_type != htonl(PT_ETH)) {
        return mf_xlate_refuse(reason, "packet_type: only Ethernet is offloaded");
    }
    mask->packet_type = 0;

    error = xlate_l2_chain(key, mask, f, reason);
    if (!error) {
        error = xlate_tunnel(key, mask, in_port, ports, reason);
    }
    if (error) {
        return error;
    }
    /* From here on mask bits are only cleared, as
     * mf_xlate_field_mask_done() needs. */
    error = mf_xlate_field_to_flower(match, mask, words, f, reason);
    if (!error) {
        error = xlate_frag(key, mask, f, reason);
    }
    if (error) {
        return error;
    }

    if (!mf_xlate_field_mask_done(mask, words)) {
        struct match m;

        match_init(&m, key, &wc);
        ds_put_cstr(reason, "match on ");
        match_format(&m, NULL, reason, OFP_DEFAULT_PRIORITY);
        ds_put_cstr(reason, ": not offloaded yet");
        return EOPNOTSUPP;
    }
    if (mf_flower_check_mask(&f->mask, &bad)) {
        return mf_xlate_refuse(reason, "%s: flower matches it only exactly",
                      bad->name);
    }
    return 0;
}

int
mf_xlate_to_filter(const struct match *match, odp_port_t in_port,
                   const struct nlattr *actions, size_t actions_len,
                   const struct mf_xlate_ports *ports, struct mf_filter *f,
                   struct ds *reason)
{
    uint32_t ifindex;
    bool decap;
    int error;

    mf_filter_clear(f);
    error = xlate_match(match, in_port, ports, f, reason);
    if (error) {
        return error;
    }
    decap = ports->lookup(in_port, &ifindex, ports->aux) == MF_PORT_TUNNEL;
    return mf_xlate_act_to_filter(actions, actions_len, decap, ports, f,
                                  reason);
}

static void
vlan_from_filter(struct flow *key, struct flow *mask, int i, uint16_t tpid,
                 uint16_t id, uint16_t id_mask, uint8_t prio,
                 uint8_t prio_mask)
{
    uint16_t tci = VLAN_CFI, m = VLAN_CFI;

    if (id_mask) {
        tci |= id & VLAN_VID_MASK;
        m |= VLAN_VID_MASK;
    }
    if (prio_mask) {
        tci |= (prio << VLAN_PCP_SHIFT) & VLAN_PCP_MASK;
        m |= VLAN_PCP_MASK;
    }
    key->vlans[i].tpid = tpid;
    mask->vlans[i].tpid = OVS_BE16_MAX;
    key->vlans[i].tci = htons(tci);
    mask->vlans[i].tci = htons(m);
}

/* The inverse of xlate_l2_chain(). */
static int
l2_chain_from_filter(const struct mf_filter *f, struct flow *key,
                     struct flow *mask, struct ds *reason)
{
    const struct mf_flower_key *k = &f->key, *m = &f->mask;

    if (!m->eth_type) {
        return 0;
    }
    if (!eth_type_vlan(k->eth_type)) {
        /* The match OVS puts: exactly no VLAN. */
        key->dl_type = k->eth_type;
        mask->dl_type = OVS_BE16_MAX;
        mask->vlans[0].tci = OVS_BE16_MAX;
        mask->vlans[0].tpid = OVS_BE16_MAX;
        return 0;
    }
    if (!m->vlan_eth_type) {
        return mf_xlate_refuse(reason, "VLAN filter without the ethertype after the "
                      "tag");
    }
    vlan_from_filter(key, mask, 0, k->eth_type, k->vlan_id, m->vlan_id,
                     k->vlan_prio, m->vlan_prio);
    if (!eth_type_vlan(k->vlan_eth_type)) {
        key->dl_type = k->vlan_eth_type;
    } else if (!m->cvlan_eth_type) {
        return mf_xlate_refuse(reason, "QinQ filter without the ethertype after the "
                      "inner tag");
    } else {
        vlan_from_filter(key, mask, 1, k->vlan_eth_type, k->cvlan_id,
                         m->cvlan_id, k->cvlan_prio, m->cvlan_prio);
        key->dl_type = k->cvlan_eth_type;
    }
    mask->dl_type = OVS_BE16_MAX;
    return 0;
}

int
mf_xlate_from_filter(const struct mf_filter *f, odp_port_t in_port,
                     const struct mf_xlate_ports *ports, struct match *match,
                     struct ofpbuf *buf, size_t *actions_ofs,
                     struct ds *reason)
{
    struct flow *key = &match->flow, *mask = &match->wc.masks;
    int error;

    match_init_catchall(match);
    if (f->chain) {
        return mf_xlate_refuse(reason, "chain %"PRIu32": recirculation is not "
                      "offloaded", f->chain);
    }
    /* An odp port, all 32 bits (match_set_in_port() is OpenFlow's). */
    key->in_port.odp_port = in_port;
    mask->in_port.odp_port = u32_to_odp(UINT32_MAX);
    match_set_recirc_id(match, 0);
    error = l2_chain_from_filter(f, key, mask, reason);
    if (error) {
        return error;
    }
    mf_xlate_field_from_flower(f, key, mask);
    if (f->mask.enc_key_id) {
        /* Only a keyed tunnel has an id (see xlate_tunnel()). */
        key->tunnel.flags |= FLOW_TNL_F_KEY;
        mask->tunnel.flags |= FLOW_TNL_F_KEY;
    }
    if (f->mask.flags) {
        uint32_t fl = ntohl(f->key.flags), fm = ntohl(f->mask.flags);

        if (fm == TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT && !fl) {
            key->nw_frag = 0;
        } else if (fm == (TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT
                          | TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST)
                   && fl & TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT) {
            key->nw_frag = (fl & TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST
                            ? FLOW_NW_FRAG_ANY
                            : FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER);
        } else {
            return mf_xlate_refuse(reason, "ip_flags %#"PRIx32"/%#"PRIx32": not a "
                          "fragment state OVS has", fl, fm);
        }
        mask->nw_frag = FLOW_NW_FRAG_MASK;
    }

    *actions_ofs = nl_msg_start_nested(buf, OVS_FLOW_ATTR_ACTIONS);
    error = mf_xlate_act_from_filter(f, ports, buf, reason);
    if (error) {
        return error;
    }
    nl_msg_end_nested(buf, *actions_ofs);
    return 0;
}

/*
 * mf-cache-xlate: OVS megaflows into XDP flow cache entries (see the
 * header).
 */
#include <config.h>

#include "mf-cache-xlate.h"

#include <errno.h>
#include <string.h>

#include "flow.h"
#include "netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "packets.h"
#include "util.h"

/* One field of the key: where it is in struct flow and in the key.  The
 * program parses each exactly as flow_extract() does (mf-xdp.bpf.c). */
struct cache_field {
    const char *name;
    size_t flow_ofs;
    size_t key_ofs;
    size_t size;
};

#define F(NAME, FLOW, KEY)                                              \
    { NAME, offsetof(struct flow, FLOW), offsetof(struct mf_xkey, KEY), \
      MEMBER_SIZEOF(struct mf_xkey, KEY) }
static const struct cache_field cache_fields[] = {
    F("dl_dst", dl_dst, dl_dst),
    F("dl_src", dl_src, dl_src),
    F("dl_type", dl_type, dl_type),
    F("vlan", vlans, vlans),
    F("nw_src", nw_src, nw_src),
    F("nw_dst", nw_dst, nw_dst),
    F("ipv6_src", ipv6_src, ipv6_src),
    F("ipv6_dst", ipv6_dst, ipv6_dst),
    F("ipv6_label", ipv6_label, ipv6_label),
    F("nw_frag", nw_frag, nw_frag),
    F("nw_tos", nw_tos, nw_tos),
    F("nw_ttl", nw_ttl, nw_ttl),
    F("nw_proto", nw_proto, nw_proto),
    F("tp_src", tp_src, tp_src),
    F("tp_dst", tp_dst, tp_dst),
    F("tcp_flags", tcp_flags, tcp_flags),
    F("arp_sha", arp_sha, arp_sha),
    F("arp_tha", arp_tha, arp_tha),
    /* What the program takes from a tunnel packet's outer headers. */
    F("tun_id", tunnel.tun_id, tun_id),
    F("tun_src", tunnel.ip_src, tun_src),
    F("tun_dst", tunnel.ip_dst, tun_dst),
    F("tun_ipv6_src", tunnel.ipv6_src, tun_ipv6_src),
    F("tun_ipv6_dst", tunnel.ipv6_dst, tun_ipv6_dst),
    F("tun_flags", tunnel.flags, tun_flags),
    F("tun_tos", tunnel.ip_tos, tun_tos),
    F("tun_ttl", tunnel.ip_ttl, tun_ttl),
    F("tun_tp_src", tunnel.tp_src, tun_tp_src),
    F("tun_tp_dst", tunnel.tp_dst, tun_tp_dst),
};
#undef F

BUILD_ASSERT_DECL(sizeof(struct mf_xkey) % 8 == 0);
BUILD_ASSERT_DECL(MEMBER_SIZEOF(struct flow, vlans)
                  == MEMBER_SIZEOF(struct mf_xkey, vlans));
/* Tunnel flags are OVS's bits, in host order, in both. */
BUILD_ASSERT_DECL(MF_XTNL_F_OAM == FLOW_TNL_F_OAM
                  && MF_XTNL_F_DF == FLOW_TNL_F_DONT_FRAGMENT
                  && MF_XTNL_F_CSUM == FLOW_TNL_F_CSUM
                  && MF_XTNL_F_KEY == FLOW_TNL_F_KEY);

/* Metadata a packet arriving from a port always has as zero (or as this
 * value): a match on it is either always true, and dropped, or never.
 * The in_port goes in the key (a device's cache holds the flows of the
 * tunnels that end there too). */
static int
xlate_metadata(const struct flow *key, struct flow *mask, odp_port_t in_port,
               struct mf_cache_flow *cf, struct ds *reason)
{
    if (mask->in_port.odp_port != u32_to_odp(UINT32_MAX)
        || key->in_port.odp_port != in_port) {
        return mf_xlate_refuse(reason, "in_port: does not name this port "
                               "exactly");
    }
    mask->in_port.odp_port = 0;
    cf->key.in_port = odp_to_u32(in_port);
    cf->mask.in_port = UINT32_MAX;
    if (mask->recirc_id != UINT32_MAX) {
        /* The program sees packets before any recirculation: a megaflow
         * that would take recirculated ones too cannot be reproduced. */
        return mf_xlate_refuse(reason, "recirc_id: partly wildcarded "
                               "(mask %#"PRIx32"): the cache matches it "
                               "exactly", mask->recirc_id);
    }
    if (key->recirc_id & mask->recirc_id) {
        return mf_xlate_refuse(reason, "recirc_id(%#"PRIx32"): the cache "
                               "sees packets only as they arrive",
                               key->recirc_id);
    }
    mask->recirc_id = 0;
    if (mask->packet_type && key->packet_type != htonl(PT_ETH)) {
        return mf_xlate_refuse(reason, "packet_type: the cache holds "
                               "Ethernet only");
    }
    mask->packet_type = 0;
    if (key->ct_state & mask->ct_state) {
        return mf_xlate_refuse(reason, "ct_state: the cache does not "
                               "track connections");
    }
    mask->ct_state = 0;         /* -trk, -new, ...: always true here. */
    return 0;
}

/* Geneve options, as OVS hands over a decap megaflow of the kernel
 * datapath's: raw (FLOW_TNL_F_UDPIF), the length exact, each option's
 * header exact and its data as OVS's TLV map masks it.  A megaflow with
 * no match on them matches packets with any options or none, as in the
 * kernel (its key's options masked out entirely). */
static int
xlate_tun_opts(const struct flow *key, struct flow *mask,
               struct mf_cache_flow *cf, struct ds *reason)
{
    const struct tun_metadata *k = &key->tunnel.metadata;
    struct tun_metadata *m = &mask->tunnel.metadata;
    size_t len;

    if (!(mask->tunnel.flags & FLOW_TNL_F_UDPIF)) {
        if (m->present.map) {
            return mf_xlate_refuse(reason, "tun_metadata: not in the raw "
                                   "form of the kernel datapath's flows");
        }
        return 0;           /* Options, if any, are left to the end. */
    }
    len = k->present.len;
    if (!(key->tunnel.flags & FLOW_TNL_F_UDPIF)
        || m->present.map != 0xff) {
        return mf_xlate_refuse(reason, "tun_metadata: the length of the "
                               "Geneve options not matched exactly");
    }
    if (!len || len % 4 || len > MF_XDP_TUN_OPTS_MAX) {
        return mf_xlate_refuse(reason, "Geneve options of %"PRIuSIZE
                               " bytes: the cache holds 4 to %d", len,
                               MF_XDP_TUN_OPTS_MAX);
    }
    if (!is_all_zeros(m->opts.u8 + len, sizeof m->opts.u8 - len)) {
        return mf_xlate_refuse(reason, "tun_metadata: a match past the "
                               "%"PRIuSIZE" bytes of Geneve options", len);
    }
    cf->key.tun_opts_len = len;
    cf->mask.tun_opts_len = UINT8_MAX;
    memcpy(cf->key.tun_opts, k->opts.u8, len);
    memcpy(cf->mask.tun_opts, m->opts.u8, len);
    memset(m, 0, sizeof *m);
    mask->tunnel.flags &= ~FLOW_TNL_F_UDPIF;
    return 0;
}

static void
mask_key(struct mf_xkey *key, const struct mf_xkey *mask)
{
    uint64_t *k = (uint64_t *) key;
    const uint64_t *m = (const uint64_t *) mask;

    for (size_t i = 0; i < MF_XKEY_U64S; i++) {
        k[i] &= m[i];
    }
}

static int
xlate_match(const struct match *match, odp_port_t in_port,
            struct mf_cache_flow *cf, struct ds *reason)
{
    struct flow_wildcards wc = match->wc;
    const struct flow *key = &match->flow;
    struct flow *mask = &wc.masks;
    int error;

    error = xlate_metadata(key, mask, in_port, cf, reason);
    if (!error) {
        error = xlate_tun_opts(key, mask, cf, reason);
    }
    if (error) {
        return error;
    }
    for (size_t i = 0; i < ARRAY_SIZE(cache_fields); i++) {
        const struct cache_field *x = &cache_fields[i];
        uint8_t *fm = (uint8_t *) mask + x->flow_ofs;

        memcpy((uint8_t *) &cf->key + x->key_ofs,
               (const uint8_t *) key + x->flow_ofs, x->size);
        memcpy((uint8_t *) &cf->mask + x->key_ofs, fm, x->size);
        memset(fm, 0, x->size);
    }
    if (!is_all_zeros(mask, sizeof *mask)) {
        struct match m;

        match_init(&m, key, &wc);
        ds_put_cstr(reason, "match on ");
        match_format(&m, NULL, reason, OFP_DEFAULT_PRIORITY);
        ds_put_cstr(reason, ": not in the cache's key");
        return EOPNOTSUPP;
    }
    mask_key(&cf->key, &cf->mask);
    return 0;
}

/* The actions, one function per kind. */
struct xact_ctx {
    struct mf_cache_flow *cf;
    const struct match *match;
    const struct mf_cache_xlate_env *env;
    bool output_seen;
    const struct nlattr *tunnel;    /* A set(tunnel) waiting for its
                                     * output. */
    struct ds *reason;
};

static struct mf_xact *
xact_next(struct xact_ctx *x, enum mf_xact_kind kind)
{
    struct mf_xentry *e = &x->cf->entry;

    if (x->output_seen) {
        mf_xlate_refuse(x->reason, "an action after an output: only "
                        "outputs of the same frame may follow one");
        return NULL;
    }
    if (e->n_acts >= MF_XDP_MAX_ACTS) {
        mf_xlate_refuse(x->reason, "more than %d actions", MF_XDP_MAX_ACTS);
        return NULL;
    }
    e->acts[e->n_acts].kind = kind;
    return &e->acts[e->n_acts++];
}

/* set(tunnel(...)) then an output to a tunnel port: the encap, the
 * entry's first and only action, so that the program can leave its
 * packets to the kernel, untouched and uncounted, while the endpoint is
 * not resolved. */
static int
xact_encap(struct xact_ctx *x, odp_port_t port, uint32_t ifindex)
{
    struct mf_cache_flow *cf = x->cf;
    struct flow_tnl tnl;
    struct mf_xact *xa;
    char *error = NULL;
    uint32_t ep;

    if (cf->entry.n_acts) {
        return mf_xlate_refuse(x->reason, "output:%"PRIu32": an encap after "
                               "other actions is not in the cache yet", port);
    }
    if (!x->env->encap) {
        return mf_xlate_refuse(x->reason, "output:%"PRIu32": no tunnel "
                               "resolver", port);
    }
    if (odp_tun_key_from_attr(nl_attr_get(x->tunnel), &tnl, &error)
        != ODP_FIT_PERFECT) {
        mf_xlate_refuse(x->reason, "set(tunnel): OVS's own parser does not "
                        "take it whole%s%s", error ? ": " : "",
                        error ? error : "");
        free(error);
        return EOPNOTSUPP;
    }
    if (x->env->encap(&tnl, ifindex, &ep, x->reason, x->env->aux)) {
        return EOPNOTSUPP;
    }
    xa = xact_next(x, MF_XACT_ENCAP);
    xa->encap = ep;
    cf->entry.flags |= MF_XENTRY_RESIZES;
    x->output_seen = true;
    x->tunnel = NULL;
    return 0;
}

/* An output after an output, nothing between: the same frame to several
 * devices, a broadcast to the set of them (the entry's last action). */
static int
xact_more_output(struct xact_ctx *x, odp_port_t port, uint32_t ifindex)
{
    struct mf_xentry *e = &x->cf->entry;
    struct mf_xact *last = &e->acts[e->n_acts - 1];

    if (last->kind == MF_XACT_OUTPUT) {
        uint32_t first = last->ifindex;

        last->kind = MF_XACT_OUTPUTS;
        memset(&last->outs, 0, sizeof last->outs);
        last->outs.ifindex[last->outs.n++] = first;
    } else if (last->kind != MF_XACT_OUTPUTS) {
        return mf_xlate_refuse(x->reason, "output:%"PRIu32" after an encap: "
                               "not in the cache yet", port);
    }
    for (uint32_t i = 0; i < last->outs.n; i++) {
        if (last->outs.ifindex[i] == ifindex) {
            return mf_xlate_refuse(x->reason, "output:%"PRIu32" twice: a "
                                   "broadcast reaches a device once", port);
        }
    }
    if (last->outs.n >= MF_XDP_MAX_OUTS) {
        return mf_xlate_refuse(x->reason, "more than %d outputs",
                               MF_XDP_MAX_OUTS);
    }
    last->outs.ifindex[last->outs.n++] = ifindex;
    return 0;
}

static int
xact_output(struct xact_ctx *x, const struct nlattr *a)
{
    odp_port_t port = nl_attr_get_odp_port(a);
    struct mf_xact *xa;
    uint32_t ifindex;
    enum mf_port_kind kind;

    kind = x->env->ports->lookup(port, &ifindex, x->env->ports->aux);
    if (kind == MF_PORT_TUNNEL && x->tunnel && !x->output_seen) {
        return xact_encap(x, port, ifindex);
    }
    if (x->tunnel) {
        return mf_xlate_refuse(x->reason, "set(tunnel) not followed by an "
                               "output to a tunnel port");
    }
    if (kind != MF_PORT_NETDEV) {
        return mf_xlate_refuse(x->reason, "output:%"PRIu32": %s", port,
                               kind == MF_PORT_NONE ? "no such port"
                               : kind == MF_PORT_INTERNAL
                               ? "an XDP redirect to an internal port "
                                 "would transmit into OVS, not deliver to "
                                 "the host"
                               : "an output to a tunnel port without "
                                 "set(tunnel) before it");
    }
    if (x->env->target_ok && !x->env->target_ok(ifindex, x->env->aux)) {
        return mf_xlate_refuse(x->reason, "output:%"PRIu32": native XDP "
                               "redirects only to devices megaflower "
                               "attached natively (others may drop XDP "
                               "frames)", port);
    }
    if (x->output_seen) {
        return xact_more_output(x, port, ifindex);
    }
    xa = xact_next(x, MF_XACT_OUTPUT);
    if (!xa) {
        return EOPNOTSUPP;
    }
    xa->ifindex = ifindex;
    x->output_seen = true;
    return 0;
}

static int
xact_push_vlan(struct xact_ctx *x, const struct nlattr *a)
{
    const struct ovs_action_push_vlan *v = nl_attr_get(a);
    struct mf_xact *xa = xact_next(x, MF_XACT_PUSH_VLAN);

    if (!xa) {
        return EOPNOTSUPP;
    }
    xa->vlan.tpid = v->vlan_tpid;
    xa->vlan.tci = v->vlan_tci & htons(~VLAN_CFI);
    x->cf->entry.flags |= MF_XENTRY_RESIZES;
    return 0;
}

static int
xact_pop_vlan(struct xact_ctx *x, const struct nlattr *a OVS_UNUSED)
{
    x->cf->entry.flags |= MF_XENTRY_RESIZES;
    return xact_next(x, MF_XACT_POP_VLAN) ? 0 : EOPNOTSUPP;
}

static int
refuse_action(struct ds *reason, const struct nlattr *a, const char *why)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    int error;

    format_odp_actions(&s, a, a->nla_len, NULL);
    error = mf_xlate_refuse(reason, "action %s: %s", ds_cstr(&s), why);
    ds_destroy(&s);
    return error;
}

/* What the megaflow's match says of every packet it takes. */
static bool
match_is(const struct match *m, size_t ofs, size_t n, const void *value)
{
    const uint8_t *mask = (const uint8_t *) &m->wc.masks + ofs;
    const uint8_t *key = (const uint8_t *) &m->flow + ofs;

    for (size_t i = 0; i < n; i++) {
        if (mask[i] != 0xff) {
            return false;
        }
    }
    return !memcmp(key, value, n);
}

static bool
match_dl_type(const struct match *m, ovs_be16 type)
{
    return match_is(m, offsetof(struct flow, dl_type), 2, &type);
}

static bool
match_proto(const struct match *m, uint8_t proto)
{
    return match_is(m, offsetof(struct flow, nw_proto), 1, &proto);
}

/* Whether a packet of the megaflow may be of 'proto'. */
static bool
may_be_proto(const struct match *m, uint8_t proto)
{
    return m->wc.masks.nw_proto != UINT8_MAX || m->flow.nw_proto == proto;
}

/* Whether the megaflow takes no later fragment: one has no L4 header,
 * and OVS's userspace datapath would fix a checksum in its payload where
 * the kernel leaves it alone. */
static bool
match_no_later_frags(const struct match *m)
{
    return (m->wc.masks.nw_frag & FLOW_NW_FRAG_LATER)
           && !(m->flow.nw_frag & FLOW_NW_FRAG_LATER);
}

static int
refuse_set(struct xact_ctx *x, const char *what, const char *why)
{
    return mf_xlate_refuse(x->reason, "set(%s): %s", what, why);
}

/* A set that changes an L4 checksum is refused in generic XDP: the
 * program cannot see whether a packet's checksum is left for the device
 * to finish (CHECKSUM_PARTIAL, as from a local socket or a VM), which the
 * kernel fixes otherwise. */
static int
refuse_partial(struct xact_ctx *x, const char *what)
{
    return refuse_set(x, what, "changes an L4 checksum, which generic XDP "
                      "cannot fix exactly (it cannot see a checksum the "
                      "device is to finish)");
}

static int
xset_eth(struct xact_ctx *x, const void *key_, const void *mask_)
{
    const struct ovs_key_ethernet *k = key_, *m = mask_;
    struct mf_xact *xa = xact_next(x, MF_XACT_SET_ETH);

    if (!xa) {
        return EOPNOTSUPP;
    }
    for (int i = 0; i < ETH_ADDR_LEN; i++) {
        xa->eth.key[i] = k->eth_dst.ea[i];
        xa->eth.mask[i] = m->eth_dst.ea[i];
        xa->eth.key[6 + i] = k->eth_src.ea[i];
        xa->eth.mask[6 + i] = m->eth_src.ea[i];
    }
    return 0;
}

static int
xset_ipv4(struct xact_ctx *x, const void *key_, const void *mask_)
{
    const struct ovs_key_ipv4 *k = key_, *m = mask_;
    const struct match *match = x->match;
    struct mf_xact *xa;

    if (!match_dl_type(match, htons(ETH_TYPE_IP))) {
        return refuse_set(x, "ipv4", "the megaflow does not match IPv4");
    }
    if (m->ipv4_proto || m->ipv4_frag) {
        return refuse_set(x, "ipv4", "proto and frag cannot be set");
    }
    if (m->ipv4_src || m->ipv4_dst) {
        if (!match_no_later_frags(match)) {
            return refuse_set(x, "ipv4", "an address, on a megaflow that "
                              "may take later fragments");
        }
        if (x->env->generic && (may_be_proto(match, IPPROTO_TCP)
                                || may_be_proto(match, IPPROTO_UDP))) {
            return refuse_partial(x, "ipv4");
        }
    }
    xa = xact_next(x, MF_XACT_SET_IP4);
    if (!xa) {
        return EOPNOTSUPP;
    }
    xa->ip4.src = k->ipv4_src;
    xa->ip4.dst = k->ipv4_dst;
    xa->ip4.tos = k->ipv4_tos;
    xa->ip4.ttl = k->ipv4_ttl;
    xa->ip4.msrc = m->ipv4_src;
    xa->ip4.mdst = m->ipv4_dst;
    xa->ip4.mtos = m->ipv4_tos;
    xa->ip4.mttl = m->ipv4_ttl;
    return 0;
}

static int
xset_ipv6_addr(struct xact_ctx *x, enum mf_xact_kind kind,
               const struct in6_addr *k, const struct in6_addr *m)
{
    struct mf_xact *xa;

    if (ipv6_addr_is_set(m)) {
        xa = xact_next(x, kind);
        if (!xa) {
            return EOPNOTSUPP;
        }
        memcpy(xa->ip6a.key, k, 16);
        memcpy(xa->ip6a.mask, m, 16);
    }
    return 0;
}

static int
xset_ipv6(struct xact_ctx *x, const void *key_, const void *mask_)
{
    const struct ovs_key_ipv6 *k = key_, *m = mask_;
    const struct match *match = x->match;
    struct mf_xact *xa;

    if (!match_dl_type(match, htons(ETH_TYPE_IPV6))) {
        return refuse_set(x, "ipv6", "the megaflow does not match IPv6");
    }
    if (m->ipv6_proto || m->ipv6_frag) {
        return refuse_set(x, "ipv6", "proto and frag cannot be set");
    }
    if ((k->ipv6_label | m->ipv6_label) & ~htonl(IPV6_LABEL_MASK)) {
        return refuse_set(x, "ipv6", "a label wider than 20 bits");
    }
    if ((ipv6_addr_is_set(&m->ipv6_src) || ipv6_addr_is_set(&m->ipv6_dst))
        && x->env->generic
        && (may_be_proto(match, IPPROTO_TCP)
            || may_be_proto(match, IPPROTO_UDP)
            || may_be_proto(match, IPPROTO_ICMPV6))) {
        return refuse_partial(x, "ipv6");
    }
    /* In the kernel's order: source, destination, the rest. */
    if (xset_ipv6_addr(x, MF_XACT_SET_IP6_SRC, &k->ipv6_src, &m->ipv6_src)
        || xset_ipv6_addr(x, MF_XACT_SET_IP6_DST, &k->ipv6_dst,
                          &m->ipv6_dst)) {
        return EOPNOTSUPP;
    }
    if (m->ipv6_tclass || m->ipv6_label || m->ipv6_hlimit) {
        xa = xact_next(x, MF_XACT_SET_IP6);
        if (!xa) {
            return EOPNOTSUPP;
        }
        xa->ip6.tclass = k->ipv6_tclass;
        xa->ip6.label = k->ipv6_label;
        xa->ip6.hlimit = k->ipv6_hlimit;
        xa->ip6.mtclass = m->ipv6_tclass;
        xa->ip6.mlabel = m->ipv6_label;
        xa->ip6.mhlimit = m->ipv6_hlimit;
    }
    return 0;
}

/* set(tcp) and set(udp): the same layout, two ports. */
static int
xset_ports(struct xact_ctx *x, const char *what, uint8_t proto,
           enum mf_xact_kind kind, const ovs_be16 k[2], const ovs_be16 m[2])
{
    const struct match *match = x->match;
    struct mf_xact *xa;

    if ((!match_dl_type(match, htons(ETH_TYPE_IP))
         && !match_dl_type(match, htons(ETH_TYPE_IPV6)))
        || !match_proto(match, proto)) {
        return refuse_set(x, what, "the megaflow does not match the "
                          "protocol exactly");
    }
    if (!match_no_later_frags(match)) {
        return refuse_set(x, what, "on a megaflow that may take later "
                          "fragments");
    }
    if (x->env->generic) {
        return refuse_partial(x, what);
    }
    xa = xact_next(x, kind);
    if (!xa) {
        return EOPNOTSUPP;
    }
    xa->tp.src = k[0];
    xa->tp.dst = k[1];
    xa->tp.msrc = m[0];
    xa->tp.mdst = m[1];
    return 0;
}

static int
xset_tcp(struct xact_ctx *x, const void *key, const void *mask)
{
    const struct ovs_key_tcp *k = key, *m = mask;

    return xset_ports(x, "tcp", IPPROTO_TCP, MF_XACT_SET_TCP,
                      (const ovs_be16[]) { k->tcp_src, k->tcp_dst },
                      (const ovs_be16[]) { m->tcp_src, m->tcp_dst });
}

static int
xset_udp(struct xact_ctx *x, const void *key, const void *mask)
{
    const struct ovs_key_udp *k = key, *m = mask;

    return xset_ports(x, "udp", IPPROTO_UDP, MF_XACT_SET_UDP,
                      (const ovs_be16[]) { k->udp_src, k->udp_dst },
                      (const ovs_be16[]) { m->udp_src, m->udp_dst });
}

/* The fields the cache sets, one row per key attribute.  'masked_only':
 * a set without a mask would set proto and frag too, which OVS never asks
 * of the kernel datapath. */
static const struct xset_op {
    enum ovs_key_attr type;
    const char *name;
    size_t size;
    bool masked_only;
    int (*xlate)(struct xact_ctx *, const void *key, const void *mask);
} xset_ops[] = {
    { OVS_KEY_ATTR_ETHERNET, "eth", sizeof(struct ovs_key_ethernet), false,
      xset_eth },
    { OVS_KEY_ATTR_IPV4, "ipv4", sizeof(struct ovs_key_ipv4), true,
      xset_ipv4 },
    { OVS_KEY_ATTR_IPV6, "ipv6", sizeof(struct ovs_key_ipv6), true,
      xset_ipv6 },
    { OVS_KEY_ATTR_TCP, "tcp", sizeof(struct ovs_key_tcp), false,
      xset_tcp },
    { OVS_KEY_ATTR_UDP, "udp", sizeof(struct ovs_key_udp), false,
      xset_udp },
};

static int
xact_set(struct xact_ctx *x, const struct nlattr *a, bool masked)
{
    const struct nlattr *k = nl_attr_get(a);
    const struct xset_op *op = NULL;
    uint8_t all[64];
    const uint8_t *key, *mask;

    if (nl_attr_type(k) == OVS_KEY_ATTR_TUNNEL && !masked
        && !x->tunnel && !x->output_seen) {
        x->tunnel = a;          /* For the output that must follow. */
        return 0;
    }
    if (x->tunnel) {
        return mf_xlate_refuse(x->reason, "set(tunnel) not followed by an "
                               "output to a tunnel port");
    }
    for (size_t i = 0; i < ARRAY_SIZE(xset_ops); i++) {
        if ((int) xset_ops[i].type == nl_attr_type(k)) {
            op = &xset_ops[i];
        }
    }
    if (!op) {
        return refuse_action(x->reason, a, "not in the cache yet");
    }
    if (nl_attr_get_size(k) != (masked ? 2 : 1) * op->size) {
        return refuse_set(x, op->name, "malformed");
    }
    if (!masked && op->masked_only) {
        return refuse_set(x, op->name, "without a mask: it would set proto "
                          "and frag");
    }
    BUILD_ASSERT_DECL(sizeof(struct ovs_key_ipv6) <= sizeof all);
    memset(all, 0xff, sizeof all);
    key = nl_attr_get(k);
    mask = masked ? key + op->size : all;
    for (size_t i = 0; i < op->size; i++) {
        if (key[i] & ~mask[i]) {
            /* The kernel refuses such a set (validate_masked()). */
            return refuse_set(x, op->name, "a key with bits outside its "
                              "mask");
        }
    }
    return op->xlate(x, key, mask);
}

static int
xact_set_full(struct xact_ctx *x, const struct nlattr *a)
{
    return xact_set(x, a, false);
}

static int
xact_set_masked(struct xact_ctx *x, const struct nlattr *a)
{
    return xact_set(x, a, true);
}

static const struct xact_op {
    enum ovs_action_attr type;
    int (*xlate)(struct xact_ctx *, const struct nlattr *);
} xact_ops[] = {
    { OVS_ACTION_ATTR_OUTPUT, xact_output },
    { OVS_ACTION_ATTR_PUSH_VLAN, xact_push_vlan },
    { OVS_ACTION_ATTR_POP_VLAN, xact_pop_vlan },
    { OVS_ACTION_ATTR_SET, xact_set_full },
    { OVS_ACTION_ATTR_SET_MASKED, xact_set_masked },
};

static int
xlate_actions(const struct match *match, const struct nlattr *actions,
              size_t actions_len, const struct mf_cache_xlate_env *env,
              struct mf_cache_flow *cf, struct ds *reason)
{
    struct xact_ctx x = { .cf = cf, .match = match, .env = env,
                          .reason = reason };
    const struct nlattr *a;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, actions, actions_len) {
        const struct xact_op *op = NULL;
        int error;

        for (size_t i = 0; i < ARRAY_SIZE(xact_ops); i++) {
            if ((int) xact_ops[i].type == nl_attr_type(a)) {
                op = &xact_ops[i];
            }
        }
        if (!op) {
            return refuse_action(reason, a, "not in the cache yet");
        }
        if (x.tunnel && op->type != OVS_ACTION_ATTR_OUTPUT) {
            return mf_xlate_refuse(reason, "set(tunnel) not followed by an "
                                   "output to a tunnel port");
        }
        error = op->xlate(&x, a);
        if (error) {
            return error;
        }
    }
    if (x.tunnel) {
        return mf_xlate_refuse(reason, "set(tunnel) without an output");
    }
    return 0;
}

int
mf_cache_xlate(const struct match *match, odp_port_t in_port,
               const struct nlattr *actions, size_t actions_len,
               const struct mf_cache_xlate_env *env,
               struct mf_cache_flow *cf, struct ds *reason)
{
    int error;

    memset(cf, 0, sizeof *cf);
    error = xlate_match(match, in_port, cf, reason);
    return error ? error : xlate_actions(match, actions, actions_len, env,
                                         cf, reason);
}

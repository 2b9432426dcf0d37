/*
 * mf-cache-diff-tnl: the differential test's tunnels, VXLAN, Geneve (with
 * options, critical or not, and megaflows matching them or not), and GRE
 * (gretap, with a key or without), against OVS's own userspace tunnel
 * code.
 *
 * Encap.  A megaflow on the port that ends in set(tunnel(...)) and an
 * output to a tunnel port is translated by mf_cache_xlate(), whose encap
 * callback gives it an endpoint of the port's cache: the outer header
 * mf_ctnl_encap_build() makes for the flow's tunnel parameters over a
 * fixed resolver answer (route source, MACs, egress ENCAP_EGRESS_PORT),
 * written with mf_cache_encap_set(), as mf-cache-tnl.c does.  OVS's
 * reference is odp_execute_actions() on the megaflow's actions, whose
 * output to the tunnel port does what OVS's native tunnels do: the header
 * from netdev_vxlan_build_header() or netdev_geneve_build_header() (a
 * vport netdev opened in this process, "vxlan_sys_PORT" or
 * "genev_sys_PORT" for the flow's UDP port) for the same metadata and
 * MACs, pushed by netdev_tnl_push_udp_header(); for GRE,
 * netdev_gre_build_header() of "gre_sys_key" (key=flow) if the flow sets
 * FLOW_TNL_F_KEY, else of "gre_sys" (no key), as OVS sets the flag from
 * its port's key, pushed by netdev_gre_push_header().  The bytes must be
 * the same but for these, and only these, normalisations:
 *   - the outer UDP source port (VXLAN, Geneve): the kernel's hash of the
 *     inner flow, not OVS's: it must be in the kernel's range ([32768,
 *     61000) of the host's local ports for VXLAN, [1, 65535) for Geneve)
 *     and the same for every packet of one inner flow (the fields the
 *     program hashes);
 *   - the IPv4 id: 0 with DF in both; without DF the kernel's is random
 *     and OVS's 0, so the reference takes the cache's (checksum redone);
 *   - ECN: OVS userspace copies the tunnel's tos whole, the kernel applies
 *     ip_tunnel_ecn_encap() (RFC 6040): the reference gets the kernel's
 *     rule explicitly, the tos's ECN bits replaced by the inner IPv4 or
 *     IPv6 packet's (after any VLAN tags), CE as ECT(0), none for others;
 *   - GRE's tos of 1: OVS userspace writes 1, the kernel's
 *     ip_md_tunnel_xmit() (gretap's transmit, not the UDP tunnels') takes
 *     it as "inherit" and uses the inner packet's whole tos when
 *     skb->protocol is IPv4 or IPv6, so for an untagged one (a tag OVS's
 *     datapath took out is back in the frame, and skb->protocol its
 *     TPID, by then): the reference gets that rule explicitly too, before
 *     the ECN rule.  OVS sends tos 1 whenever the port's tos is 0 and the
 *     inner packet is ECT(1), so it is not left out.
 * Refused, and generated: a tun_id wider than the VNI or the GRE key, a
 * ttl of 0 (the kernel's devices choose one), a checksum, OAM.
 * IPv6 outer headers are not generated: OVS userspace always sends an
 * IPv6 UDP checksum, the kernel (and the cache) none without csum.
 *
 * Decap.  An underlay cache on a veth of its own decapsulates OVS's
 * tunnel UDP ports (4789 VXLAN to TUNNEL_PORT, 6081 Geneve to
 * GENEVE_PORT) and GRE (to GRE_PORT) to this host's endpoint
 * (mf_cache_tnl_port_set(), mf_cache_local_ip_set(),
 * mf_cache_set_decap(), as mf-cache-tnl-decap.c's ctnl_under_get()).
 * Decap megaflows match the inner flow and the tunnel
 * metadata (tun_id, addresses, tos, ttl, flags, ports).  OVS's reference
 * is what its datapath does with the outer packet: the tunnel port's
 * classifier (outer dl_dst, IP destination, UDP and port or GRE, no
 * fragment), then netdev_vxlan_pop_header(), netdev_geneve_pop_header()
 * or netdev_gre_pop_header(), then flow_extract() with that metadata and
 * in_port the tunnel port, the megaflow's masked compare,
 * odp_execute_actions().  One rule is applied
 * to it explicitly: an outer IPv4 DF sets FLOW_TNL_F_DONT_FRAGMENT, as
 * the kernel's tunnel devices report it since the late-2025 fix
 * (a9888628cb2c), unless the round plays a kernel without it
 * (tnl_rx_no_df, half the rounds: mf_cache_set_rx_no_df(), as
 * ctnl_under_get() does on such a kernel, mf-cache-rxdf.h), where DF is
 * never set.  Packets
 * the kernel would not deliver as they are (a UDP checksum, IP options,
 * fragments, a bad header, ECN to combine, Geneve's version, O bit and
 * reserved bits, more options than the key holds, VXLAN's reserved bits, GRE's checksum, sequence number,
 * other flags, version or a protocol not ETH_P_TEB, the VXLAN or Geneve
 * device's own MAC as inner source, an outer destination MAC not the
 * underlay's) must go to the kernel; wrong VNI or key, a key or none,
 * outer addresses, DF or UDP port must miss or hit as OVS's compare says
 * (gretap has no loop check: its own MAC as inner source is looked up).
 * Counters count the inner frame.
 */
#include <config.h>

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "dp-packet.h"
#include "flow.h"
#include "hash.h"
#include "mf-cache.h"
#include "mf-cache-diff.h"
#include "mf-cache-diff-tnl.h"
#include "mf-cache-tnl.h"
#include "mf-cache-xlate.h"
#include "mf-tnl.h"
#include "netdev.h"
#include "netdev-native-tnl.h"
#include "netdev-vport.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "ovs-router.h"
#include "seq.h"
#include "smap.h"
#include "packets.h"
#include "util.h"

#define UNDERLAY_ODP 9          /* The underlay is no port of OVS's. */

static const struct eth_addr route_smac = ETH_ADDR_C(02,99,00,00,00,01);
static const struct eth_addr route_dmac = ETH_ADDR_C(02,99,00,00,00,02);
const struct eth_addr under_mac = ETH_ADDR_C(02,99,00,00,01,01);
const struct eth_addr vxlan_mac = ETH_ADDR_C(02,99,00,00,02,01);
const struct eth_addr geneve_mac = ETH_ADDR_C(02,99,00,00,02,02);
const struct eth_addr gre_mac = ETH_ADDR_C(02,99,00,00,02,03);

/* The tunnel devices, as ctnl_dev_query() would describe them. */
static struct mf_ctnl_dev devs[N_KINDS];
const uint32_t kind_port[N_KINDS] = { TUNNEL_PORT, GENEVE_PORT,
                                      GRE_PORT };

static struct mf_cache *port_cache, *under;
static uint32_t under_ifindex;

/* Endpoints of the port's cache, as mf-cache-tnl.c shares them. */
struct tnl_ep {
    uint32_t refs;
    uint32_t ifindex;
    struct flow_tnl tnl;
};
static struct tnl_ep eps[MF_XDP_MAX_ENCAPS];

/* The outer source port seen for each inner flow. */
struct sport_seen {
    struct hmap_node node;
    uint64_t key;
    uint16_t sport;
};
static struct hmap sports = HMAP_INITIALIZER(&sports);

/* Decap megaflows installed in the underlay. */
static struct megaflow dset[SET_MAX];
static size_t n_dset;

static struct mf_tnl_route
route(void)
{
    struct mf_tnl_route r;
    ovs_be32 src = htonl(LOCAL_IP);

    memset(&r, 0, sizeof r);
    r.status = MF_TNL_READY;
    r.oif = ifindexes[ENCAP_EGRESS_PORT];
    snprintf(r.oif_name, sizeof r.oif_name, "mfd%d", ENCAP_EGRESS_PORT);
    r.src.family = AF_INET;
    memcpy(r.src.b, &src, 4);
    r.routed = true;
    r.mtu = 1500;
    memcpy(r.smac, route_smac.ea, 6);
    memcpy(r.dmac, route_dmac.ea, 6);
    return r;
}

static int
dev_index(uint32_t ifindex)
{
    return (ifindex == TNL_GENEVE_IFINDEX ? K_GENEVE
            : ifindex == TNL_GRE_IFINDEX ? K_GRE : K_VXLAN);
}

static enum tnl_kind
port_kind(uint32_t port)
{
    return (port == GENEVE_PORT ? K_GENEVE
            : port == GRE_PORT ? K_GRE : K_VXLAN);
}

/* OVS's vport netdev for GRE, with a key ("key=flow", as OVS's ports that
 * set FLOW_TNL_F_KEY have) or without. */
static struct netdev *
ovs_gre_netdev(bool key)
{
    static struct netdev *nds[2];
    struct netdev **nd = &nds[key];

    if (!*nd) {
        const char *name = key ? "gre_sys_key" : "gre_sys";
        struct smap args = SMAP_INITIALIZER(&args);
        char *err = NULL;
        int error;

        error = netdev_open(name, "gre", nd);
        if (error) {
            ovs_fatal(error, "netdev_open(%s)", name);
        }
        smap_add(&args, "remote_ip", "flow");
        if (key) {
            smap_add(&args, "key", "flow");
        }
        error = netdev_set_config(*nd, &args, &err);
        if (error) {
            ovs_fatal(error, "%s: %s", name, err ? err : "");
        }
        smap_destroy(&args);
    }
    return *nd;
}

/* OVS's vport netdev for a tunnel of 'geneve' type to UDP port 'port'. */
static struct netdev *
ovs_netdev(bool geneve, uint16_t port)
{
    static struct netdev *nds[2][2];
    uint16_t dflt = geneve ? GENEVE_PORT_UDP : VXLAN_PORT;
    struct netdev **nd = &nds[geneve][port != dflt];
    char name[32];
    int error;

    ovs_assert(port == dflt || port == dflt + 1);
    if (!*nd) {
        snprintf(name, sizeof name, "%s_%"PRIu16,
                 geneve ? "genev_sys" : "vxlan_sys", port);
        error = netdev_open(name, geneve ? "geneve" : "vxlan", nd);
        if (error) {
            ovs_fatal(error, "netdev_open(%s)", name);
        }
    }
    return *nd;
}

int
tnl_init(struct mf_cache *port)
{
    struct mf_cache_opts o = { .name = "mfu0", .test_mode = true };
    struct mf_xlocal_ip local = { .family = 4 };
    ovs_be32 local_ip = htonl(LOCAL_IP);
    struct mf_err err;
    uint16_t lo = 32768, hi = 60999;
    FILE *f;

    port_cache = port;
    vlog_set_levels_from_string_assert("native_tnl:off");
    f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) {
        unsigned int a, b;

        if (fscanf(f, "%u %u", &a, &b) == 2 && a < b && b <= 65535) {
            lo = a;
            hi = b;
        }
        fclose(f);
    }
    devs[0] = (struct mf_ctnl_dev) { MF_TNL_VXLAN, VXLAN_PORT, lo, hi };
    memcpy(devs[0].mac, vxlan_mac.ea, 6);
    devs[1] = (struct mf_ctnl_dev) { MF_TNL_GENEVE, GENEVE_PORT_UDP, 1,
                                     UINT16_MAX };
    memcpy(devs[1].mac, geneve_mac.ea, 6);
    devs[2] = (struct mf_ctnl_dev) { MF_TNL_GRE, 0, 0, 0 };
    memcpy(devs[2].mac, gre_mac.ea, 6);
    devs[2].collect_md = true;          /* As OVS creates gre_sys. */
    netdev_vport_tunnel_register();
    /* A GRE port's config looks a route up, and the router's exit hook
     * signals the tunnels' seq, which dpif.c would create. */
    if (!tnl_conf_seq) {
        tnl_conf_seq = seq_create();
    }
    ovs_router_init();

    if (system("ip link add mfu0 address 02:99:00:00:01:01 type veth peer "
               "name mfu0p && ip link set mfu0 up && ip link set mfu0p up")) {
        fprintf(stderr, "FAIL: cannot create the underlay's veth\n");
        return 1;
    }
    under_ifindex = if_nametoindex("mfu0");
    o.ifindex = under_ifindex;
    memcpy(local.addr, &local_ip, 4);
    if (mf_cache_open(&o, &under, &err)) {
        fprintf(stderr, "FAIL: underlay: %s\n", err.msg);
        return 1;
    }
    mf_cache_set_in_port(under, UNDERLAY_ODP);
    mf_cache_set_dev_mac(under, under_mac.ea);
    for (int i = 0; i < N_KINDS; i++) {
        struct mf_xtnl_port tp = {
            .odp_port = kind_port[i],
            .type = (i == K_VXLAN ? MF_XTNL_VXLAN
                     : i == K_GENEVE ? MF_XTNL_GENEVE : MF_XTNL_GRE),
        };

        memcpy(tp.mac, devs[i].mac, 6);
        if (mf_cache_tnl_port_set(under, devs[i].port, &tp, &err)) {
            fprintf(stderr, "FAIL: %s\n", err.msg);
            return 1;
        }
    }
    if (mf_cache_local_ip_set(under, &local, true, &err)) {
        fprintf(stderr, "FAIL: %s\n", err.msg);
        return 1;
    }
    mf_cache_set_decap(under, true);
    return 0;
}

void
tnl_fini(void)
{
    struct sport_seen *s;

    HMAP_FOR_EACH_POP (s, node, &sports) {
        free(s);
    }
    hmap_destroy(&sports);
    mf_cache_close(under);
}

/* Encap. */

/* mf_cache_xlate()'s encap callback: an endpoint shared by the flows with
 * the same parameters, written with mf_cache_encap_set(). */
int
tnl_encap_cb(const struct flow_tnl *tnl, uint32_t ifindex, uint32_t *ep,
             struct ds *reason, void *aux)
{
    struct megaflow *mf = aux;
    struct mf_tnl_route r = route();
    struct mf_xencap x;
    struct mf_err err;
    int free_slot = -1;

    for (int i = 0; i < MF_XDP_MAX_ENCAPS; i++) {
        if (!eps[i].refs) {
            free_slot = free_slot < 0 ? i : free_slot;
        } else if (eps[i].ifindex == ifindex
                   && !memcmp(&eps[i].tnl, tnl, sizeof *tnl)) {
            eps[i].refs++;
            *ep = mf->ep = i;
            mf->gre = ifindex == TNL_GRE_IFINDEX;
            return 0;
        }
    }
    if (free_slot < 0) {
        ds_put_cstr(reason, "no free endpoint");
        return EOPNOTSUPP;
    }
    if (mf_ctnl_encap_build(tnl, &devs[dev_index(ifindex)], &r, &x,
                            reason)) {
        return EOPNOTSUPP;
    }
    if (mf_cache_encap_set(port_cache, free_slot, &x, &err)) {
        ds_put_cstr(reason, err.msg);
        return EOPNOTSUPP;
    }
    eps[free_slot].refs = 1;
    eps[free_slot].ifindex = ifindex;
    eps[free_slot].tnl = *tnl;
    *ep = mf->ep = free_slot;
    mf->gre = ifindex == TNL_GRE_IFINDEX;
    return 0;
}

void
tnl_encap_put(int ep)
{
    if (!--eps[ep].refs) {
        mf_cache_encap_clear(port_cache, ep);
    }
}

/* The fields of the inner flow the program hashes for the source port. */
static uint64_t
sport_key(const struct flow *f, uint16_t sport_min)
{
    uint32_t h = hash_int(sport_min, 0);

    h = hash_bytes(&f->dl_dst, sizeof f->dl_dst, h);
    h = hash_bytes(&f->dl_src, sizeof f->dl_src, h);
    h = hash_bytes(&f->nw_src, 8, h);           /* nw_src, nw_dst. */
    h = hash_bytes(&f->ipv6_src, 32, h);        /* ipv6_src, ipv6_dst. */
    h = hash_bytes(&f->tp_src, 4, h);           /* tp_src, tp_dst. */
    h = hash_int(f->nw_proto, h);
    return ((uint64_t) h << 32) | hash_int(h, f->nw_proto + 1);
}

/* ip_tunnel_ecn_encap(): the outer ECN bits from the inner packet; and
 * for GRE, ip_md_tunnel_xmit()'s tos of 1: the DSCP of an untagged inner
 * IPv4 or IPv6 packet. */
static void
ecn_encap(struct ovs_action_push_tnl *data, const struct flow *inner,
          bool gre)
{
    struct ip_header *ip = (struct ip_header *) ((uint8_t *) data->header
                                                 + ETH_HEADER_LEN);
    bool ip_any = (inner->dl_type == htons(ETH_TYPE_IP)
                   || inner->dl_type == htons(ETH_TYPE_IPV6));
    uint8_t ecn = 0;

    if (ip_any) {
        ecn = inner->nw_tos & IP_ECN_MASK;
        ecn = ecn == IP_ECN_CE ? IP_ECN_ECT_0 : ecn;
    }
    if (gre && ip->ip_tos == 1 && ip_any && !inner->vlans[0].tci) {
        ip->ip_tos = inner->nw_tos;
    }
    ip->ip_tos = (ip->ip_tos & ~IP_ECN_MASK) | ecn;
    ip->ip_csum = 0;
    ip->ip_csum = csum(ip, sizeof *ip);
}

/* The output of 'p' to tunnel port 'port', as OVS's native tunnels:
 * header built from its metadata and pushed, out of the underlay. */
void
tnl_ovs_output(struct dp_packet *p, uint32_t port, struct result *r)
{
    const struct flow_tnl *t = &p->md.tunnel;
    enum tnl_kind kind = port_kind(port);
    const struct mf_ctnl_dev *dev = &devs[kind];
    bool gre = kind == K_GRE;
    struct netdev *nd = (gre ? ovs_gre_netdev(t->flags & FLOW_TNL_F_KEY)
                         : ovs_netdev(kind == K_GENEVE,
                                      t->tp_dst ? ntohs(t->tp_dst)
                                                : dev->port));
    struct netdev_tnl_build_header_params params;
    struct ovs_action_push_tnl data;
    struct flow tf, inner;
    struct in6_addr s_ip;

    flow_extract(p, &inner);
    memset(&tf, 0, sizeof tf);
    tf.tunnel = *t;
    tf.packet_type = htonl(PT_ETH);
    in6_addr_set_mapped_ipv4(&s_ip, t->ip_src ? t->ip_src : htonl(LOCAL_IP));
    netdev_init_tnl_build_header_params(&params, &tf, &s_ip, route_dmac,
                                        route_smac);
    memset(&data, 0, sizeof data);
    if (netdev_build_header(nd, &data, &params)) {
        r->verdict = V_ABORTED;
        return;
    }
    ecn_encap(&data, &inner, gre);
    if (gre) {
        netdev_gre_push_header(nd, p, &data);
    } else {
        netdev_tnl_push_udp_header(nd, p, &data);
    }

    r->verdict = V_OUTPUT;
    r->ports |= 1u << ENCAP_EGRESS_PORT;
    r->len = dp_packet_size(p);
    memcpy(r->data, dp_packet_data(p), r->len);
    r->encap = true;
    r->udp = !gre;
    r->df = (t->flags & FLOW_TNL_F_DONT_FRAGMENT) != 0;
    r->sport_min = dev->sport_min;
    r->sport_max = dev->sport_max;
    r->flow_key = sport_key(&inner, dev->sport_min);
}

/* Whether the source port 'sport' is the one the inner flow 'key' had
 * before (or its first). */
static bool
sport_stable(uint64_t key, uint16_t sport, struct counts *k)
{
    struct sport_seen *s;

    HMAP_FOR_EACH_WITH_HASH (s, node, hash_uint64(key), &sports) {
        if (s->key == key) {
            return s->sport == sport;
        }
    }
    s = xmalloc(sizeof *s);
    s->key = key;
    s->sport = sport;
    hmap_insert(&sports, &s->node, hash_uint64(key));
    k->sport_flows++;
    return true;
}

/* Whether the outer UDP source port of the cache's encap 'c' is in the
 * kernel's range for OVS's 'o' (see above); if so, copies it into 'ref',
 * OVS's frame. */
static bool
sport_in_range(const struct result *c, const struct result *o, uint8_t *ref,
               struct ds *why)
{
    const uint8_t *cu = c->data + ETH_HEADER_LEN + IP_HEADER_LEN;
    uint16_t sport = (cu[0] << 8) | cu[1];

    if (sport < o->sport_min || sport >= o->sport_max) {
        if (why) {
            ds_put_format(why, "outer UDP source port %"PRIu16" outside "
                          "[%"PRIu16", %"PRIu16")", sport, o->sport_min,
                          o->sport_max);
        }
        return false;
    }
    memcpy(ref + ETH_HEADER_LEN + IP_HEADER_LEN, cu, 2);
    return true;
}

/* The cache's encap 'c' against OVS's 'o', normalised (see above); why
 * not into 'why' (if nonnull).  The source port's stability is checked
 * (and recorded) only for a frame that is otherwise OVS's: a packet two
 * megaflows match is compared with both, and the cache took one. */
bool
tnl_same(const struct result *c, const struct result *o, struct counts *k,
         struct ds *why)
{
    uint8_t ref[sizeof o->data];
    struct ip_header *ip = (struct ip_header *) (ref + ETH_HEADER_LEN);
    const uint8_t *cu = c->data + ETH_HEADER_LEN + IP_HEADER_LEN;
    uint16_t sport = (cu[0] << 8) | cu[1];

    if (c->ports != o->ports || c->differ || o->differ || c->len != o->len
        || c->len < ETH_HEADER_LEN + IP_HEADER_LEN + 4) {
        return false;
    }
    memcpy(ref, o->data, o->len);
    if (o->udp && !sport_in_range(c, o, ref, why)) {
        return false;
    }
    if (!o->df) {
        memcpy(&ip->ip_id, c->data + ETH_HEADER_LEN + 4, 2);
        ip->ip_csum = 0;
        ip->ip_csum = csum(ip, sizeof *ip);
    }
    if (memcmp(ref, c->data, c->len)) {
        return false;
    }
    if (o->udp && !sport_stable(o->flow_key, sport, k)) {
        if (why) {
            ds_put_format(why, "outer UDP source port %"PRIu16" changed "
                          "within one inner flow", sport);
        }
        return false;
    }
    return true;
}

/* Decap. */

bool tnl_rx_no_df;

/* The packet as OVS's datapath looks it up: decapsulated if its tunnel
 * ports' classifier takes it (NULL if the pop refuses it), else as it
 * is, on the underlay. */
static struct dp_packet *
ovs_decap(const struct pkt *p)
{
    struct dp_packet *b = dp_packet_clone_data(p->data, p->len);
    ovs_be16 vx = htons(VXLAN_PORT), gn = htons(GENEVE_PORT_UDP);
    bool df = p->len > 20 && (p->data[20] & 0x40);
    uint32_t port;
    struct flow f;

    pkt_metadata_init(&b->md, u32_to_odp(UNDERLAY_ODP));
    flow_extract(b, &f);
    if (f.dl_type != htons(ETH_TYPE_IP) || f.vlans[0].tci
        || !eth_addr_equals(f.dl_dst, under_mac)
        || f.nw_dst != htonl(LOCAL_IP) || f.nw_frag) {
        return b;
    }
    if (f.nw_proto == IPPROTO_GRE) {
        b = netdev_gre_pop_header(b);
        port = GRE_PORT;
    } else if (f.nw_proto == IPPROTO_UDP && (f.tp_dst == vx
                                             || f.tp_dst == gn)) {
        b = (f.tp_dst == vx ? netdev_vxlan_pop_header
             : netdev_geneve_pop_header)(b);
        port = f.tp_dst == vx ? TUNNEL_PORT : GENEVE_PORT;
    } else {
        return b;
    }
    if (!b) {
        return NULL;
    }
    pkt_metadata_init_conn(&b->md);
    b->md.in_port.odp_port = u32_to_odp(port);
    if (df && !tnl_rx_no_df) {
        /* The kernel's rule (see above). */
        b->md.tunnel.flags |= FLOW_TNL_F_DONT_FRAGMENT;
    }
    return b;
}

static bool
decap_extract(const struct pkt *p, struct flow *flow)
{
    struct dp_packet *b = ovs_decap(p);

    if (!b) {
        return false;
    }
    flow_extract(b, flow);
    dp_packet_delete(b);
    return true;
}

static void
decap_execute(const struct pkt *p, const struct megaflow *mf,
              struct result *r)
{
    struct dp_packet *b = ovs_decap(p);
    struct flow flow;

    if (!b) {
        memset(r, 0, sizeof *r);
        r->verdict = V_DROP;
        return;
    }
    flow_extract(b, &flow);
    ovs_execute(b, mf, r);
}

static enum mf_port_kind
decap_port_lookup(odp_port_t port, uint32_t *ifindex, void *aux OVS_UNUSED)
{
    uint32_t p = odp_to_u32(port);

    if (p >= 1 && p <= 1 + N_OUT) {
        *ifindex = ifindexes[p];
        return MF_PORT_NETDEV;
    } else if (IS_TNL_PORT(p)) {
        *ifindex = (p == TUNNEL_PORT ? TNL_VXLAN_IFINDEX
                    : p == GENEVE_PORT ? TNL_GENEVE_IFINDEX
                    : TNL_GRE_IFINDEX);
        return MF_PORT_TUNNEL;
    } else if (p == INTERNAL_PORT) {
        *ifindex = 1000;
        return MF_PORT_INTERNAL;
    }
    return MF_PORT_NONE;
}

/* One decap round: a megaflow for a tunnel packet, installed in the
 * underlay, then that packet, broken copies of it, and others. */
void
tnl_decap_round(struct counts *k)
{
    static const struct mf_xlate_ports ports = {
        .lookup = decap_port_lookup
    };
    const struct mf_cache_xlate_env env = { .ports = &ports };
    const struct view v = { .cache = under, .ifindex = under_ifindex,
                            .extract = decap_extract,
                            .execute = decap_execute };
    struct megaflow *mf = &dset[n_dset];
    struct pkt inner, p, other;
    struct outer o, ob;
    struct flow flow;
    bool unsupported;
    long pairs = k->pairs;

    tnl_rx_no_df = chance(50);
    mf_cache_set_rx_no_df(under, tnl_rx_no_df);
    gen_packet(&inner);
    gen_outer(&o);
    build_outer(&p, &o, &inner, B_NONE);
    if (!decap_extract(&p, &flow)) {
        ovs_fatal(0, "OVS refused a valid tunnel packet");
    }
    gen_megaflow(&flow, MF_DECAP, mf, &unsupported);
    if (install(under, mf, flow.in_port.odp_port, &env, unsupported, &p,
                k)) {
        k->decap_refused++;
        return;
    }
    n_dset++;
    k->decap_flows++;

    check_packet(&v, &p, dset, n_dset, k);
    for (int i = 0; i < 5; i++) {
        enum breakage b = 1 + rnd_n(B_N - 1);

        ob = o;
        break_outer(&ob, b);
        build_outer(&p, &ob, &inner, b);
        check_packet(&v, &p, dset, n_dset, k);
    }
    gen_packet(&other);                 /* Another inner frame. */
    build_outer(&p, &o, &other, B_NONE);
    check_packet(&v, &p, dset, n_dset, k);
    k->decap_pairs += k->pairs - pairs;

    if (n_dset == SET_MAX || chance(2)) {
        delete_all(under, dset, &n_dset, k);
    }
}

/* Deletes the decap megaflows left and checks the underlay is empty. */
void
tnl_decap_flush(struct counts *k)
{
    struct mf_cache_info info;

    delete_all(under, dset, &n_dset, k);
    mf_cache_get_info(under, &info);
    if (info.n_flows || info.n_masks) {
        fprintf(stderr, "FAIL: entries or masks left in the underlay\n");
        k->mismatches++;
    }
    for (int i = 0; i < MF_XDP_MAX_ENCAPS; i++) {
        if (eps[i].refs) {
            fprintf(stderr, "FAIL: endpoint %d still held\n", i);
            k->mismatches++;
        }
    }
}

void
tnl_print(const struct counts *k)
{
    struct mf_cache_info info;

    mf_cache_get_info(under, &info);
    printf("tunnels: %ld encap pairs (%ld hits compared, %ld inner flows' "
           "source ports stable), %ld encap megaflows, %ld refused\n"
           "         %ld decap pairs (%ld hits compared, %ld the kernel "
           "must see), %ld decap megaflows, %ld refused; underlay: "
           "decaps %"PRIu64" passed %"PRIu64"\n"
           "         GRE: %ld encap hits compared, %ld decap hits "
           "compared\n"
           "         %ld DF decap hits compared with no DF on receive\n"
           "         Geneve options: %ld decap hits compared of packets "
           "with them, %ld of megaflows matching them\n"
           "         %.1f%% of all pairs\n",
           k->encap_pairs, k->encap_hits, k->sport_flows, k->encap_flows,
           k->encap_refused, k->decap_pairs, k->decap_hits, k->kernel_only,
           k->decap_flows, k->decap_refused, info.decaps, info.tnl_passed,
           k->gre_encap_hits, k->gre_decap_hits, k->decap_df_hits_no_df,
           k->opts_hits, k->opts_match_hits, k->pairs ? 100.0 * (k->encap_pairs + k->decap_pairs) / k->pairs
           : 0.0);
}

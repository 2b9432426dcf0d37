/*
 * mf-xdp-gre: GRE in the XDP flow cache's program (mf-xdp-parse.h
 * includes it, after its 'struct outer').  OVS's "gre" port is the
 * kernel's gretap in collect_md mode: Ethernet over GRE (ETH_P_TEB), with
 * a key if the flow sets FLOW_TNL_F_KEY, no checksum and no sequence
 * number (OVS's datapath actions cannot ask for one).
 *
 * Decap follows gre_rcv(), __ipgre_rcv() and ip_tunnel_rcv() for what
 * they deliver unchanged: version 0, no routing, ETH_P_TEB, and only the
 * K flag; the metadata is ip_tun_rx_dst()'s: the key as the low 32 bits
 * of tun_id with TUNNEL_KEY (no key: tun_id 0 and no flag), the outer
 * addresses, tos and ttl, DF from the outer header, no UDP ports.  A
 * checksum, a sequence number (which the device checks if it asks for
 * them, and drops if it does not), any other flag or protocol, goes to
 * the kernel whole.  gretap has no check of the inner source MAC (VXLAN's
 * and Geneve's loop check).
 *
 * Encap needs nothing of its own but the tos: the header the resolver
 * built is whole (mf-tnl-hdr.c), and ip_md_tunnel_xmit() differs from the
 * UDP tunnels only in taking the inner packet's DSCP for a tos of 1
 * (mf_xencap.tos_inherit).
 */
#ifndef MF_XDP_GRE_H
#define MF_XDP_GRE_H 1

#define GRE_F_KEY 0x20              /* In the first byte of the flags. */

/* A GRE packet at 'g' (IPv4, outer header 'l4' bytes into the frame,
 * 'len' bytes of it from 'g' on), to GRE tunnel 'tp': fills the GRE half
 * of 'key' and 'o'.  Returns 1, or -1 if the kernel must see it whole. */
static __always_inline int
parse_gre(const __u8 *g, void *end, __u32 l4, __u32 len,
          const struct mf_xtnl_port *tp, struct mf_xkey *key,
          struct outer *o)
{
    __u32 hlen;

    if ((void *) (g + 8) > end || len < 4) {
        return -1;
    }
    /* Only K of the flags, version 0; Ethernet inside. */
    if ((g[0] & ~GRE_F_KEY) || g[1] || g[2] != 0x65 || g[3] != 0x58) {
        return -1;
    }
    hlen = 4;
    if (g[0] & GRE_F_KEY) {
        /* key32_to_tunnel_id(): the key in tun_id's low 32 bits. */
        __builtin_memcpy((__u8 *) &key->tun_id + 4, g + 4, 4);
        key->tun_flags |= MF_XTNL_F_KEY;
        hlen = 8;
    }
    if (len < hlen + 14) {
        return -1;
    }
    key->in_port = tp->odp_port;
    o->dev_mac = NULL;
    o->len = l4 + hlen;
    return 1;
}

/* ip_md_tunnel_xmit()'s tos of 1: the inner packet's whole dsfield, when
 * skb->protocol says IPv4 or IPv6, which it does not once a VLAN tag is
 * back in the frame (the ECN bits, from the packet after its tags, come
 * from ip_tunnel_ecn_encap() as for every tunnel). */
static __always_inline __u8
gre_inherit_tos(const struct mf_xencap *e, const struct mf_xkey *key)
{
    if (e->tos_inherit && !key->vlans[0]
        && (key->dl_type == bpf_htons(ETH_P_IP)
            || key->dl_type == bpf_htons(ETH_P_IPV6))) {
        return key->nw_tos & ~3;
    }
    return 0;
}

#endif /* mf-xdp-gre.h */

/*
 * mf-xdp-abi: what the XDP flow cache's BPF program (mf-xdp.bpf.c) and its
 * loader (mf-cache.c) share: the key a packet is looked up with, an
 * entry's actions, its counters, the tunnels, and the limits.
 *
 * The key holds the fields of OVS's 'struct flow' that the program parses,
 * in the same byte order and with the same meaning as flow_extract() gives
 * them (a VLAN's TCI with VLAN_CFI set, ICMP type and code in the ports,
 * the low 8 bits of an ARP opcode in nw_proto, ...), so that a megaflow's
 * match is copied into it field by field (mf-cache-xlate.c).  A packet the
 * program decapsulates has the tunnel metadata the kernel's tunnel device
 * would have given it, and the tunnel port's number as in_port.
 *
 * Lookup is tuple-space search, as in the kernel datapath: one hash map of
 * entries per mask (the subtables, an array of maps), each entry's key
 * being a packet's key ANDed with that mask.  OVS's megaflows never
 * overlap, so the first hit is the answer.  A packet the program cannot
 * parse exactly as flow_extract() would, or that hits nothing, goes to the
 * kernel unchanged (XDP_PASS): a miss is always safe.
 *
 * This header is included by C compiled for BPF and for the host: fixed
 * width types only, no padding the compiler chooses.
 */
#ifndef MF_XDP_ABI_H
#define MF_XDP_ABI_H 1

#include <linux/types.h>

#define MF_XDP_MAX_MASKS 128        /* Subtables per port. */
#define MF_XDP_MASK_CACHE 256       /* Mask cache entries per CPU. */
#define MF_XDP_MAX_ACTS 8           /* Actions per entry. */
#define MF_XDP_MAX_TX 64            /* Egress devices per port. */
#define MF_XDP_MAX_OUTS 6           /* Outputs of one entry. */
#define MF_XDP_MAX_OUT_SETS 64      /* Sets of several outputs per port. */
#define MF_XDP_MAX_ENCAPS 1024      /* Tunnel endpoints per port. */
#define MF_XDP_ENCAP_HDR_MAX 136    /* Outer header bytes: Ethernet, IPv6,
                                     * UDP, Geneve with 64 bytes of
                                     * options. */
#define MF_XDP_MAX_TNL_PORTS 8      /* Tunnel UDP ports decapsulated, and
                                     * GRE. */
#define MF_XDP_MAX_LOCAL_IPS 256    /* Local tunnel endpoints. */
#define MF_XDP_TUN_OPTS_MAX 32      /* Geneve option bytes a decapsulated
                                     * packet's key holds (a packet with
                                     * more goes to the kernel). */

/* Tunnel flags, as OVS's FLOW_TNL_F_*. */
#define MF_XTNL_F_OAM 0x1
#define MF_XTNL_F_DF 0x2
#define MF_XTNL_F_CSUM 0x4
#define MF_XTNL_F_KEY 0x8

/* A packet's key, or a mask of one.  Network byte order, as in struct
 * flow.  184 bytes, a multiple of 8 so that masking goes a word at a
 * time. */
struct mf_xkey {
    __u8 dl_dst[6];
    __u8 dl_src[6];
    __be16 dl_type;             /* After the VLAN tags. */
    __be16 tcp_flags;           /* The low 12 bits of TCP's flags. */
    __be32 vlans[2];            /* TPID << 16 | TCI|VLAN_CFI, outer first. */
    __be32 nw_src;              /* IPv4, or ARP's SPA. */
    __be32 nw_dst;              /* IPv4, or ARP's TPA. */
    __u8 ipv6_src[16];
    __u8 ipv6_dst[16];
    __be32 ipv6_label;
    __u8 nw_frag;               /* FLOW_NW_FRAG_ANY (1) | _LATER (2). */
    __u8 nw_tos;
    __u8 nw_ttl;
    __u8 nw_proto;              /* Or the low 8 bits of an ARP opcode. */
    __be16 tp_src;              /* Or the ICMP type. */
    __be16 tp_dst;              /* Or the ICMP code. */
    __u8 arp_sha[6];
    __u8 arp_tha[6];

    /* Where the packet came from: the odp port, and for a packet the
     * program decapsulated, the tunnel metadata (struct flow_tnl). */
    __u32 in_port;
    __u16 tun_flags;            /* MF_XTNL_F_*, host order as in OVS. */
    __u8 tun_tos;
    __u8 tun_ttl;
    __be64 tun_id;
    __be32 tun_src;
    __be32 tun_dst;
    __u8 tun_ipv6_src[16];
    __u8 tun_ipv6_dst[16];
    __be16 tun_tp_src;
    __be16 tun_tp_dst;
    /* A decapsulated Geneve packet's options as they came, 'tun_opts_len'
     * bytes of them (zero past those): what the kernel datapath's flow
     * key holds (right-aligned there, which matches the same, since a
     * megaflow that matches options matches their length exactly). */
    __u8 tun_opts_len;
    __u8 pad[3];
    __u8 tun_opts[MF_XDP_TUN_OPTS_MAX];
};

#define MF_XKEY_U64S (sizeof(struct mf_xkey) / 8)

enum mf_xact_kind {
    MF_XACT_OUTPUT = 1,         /* Redirect to 'ifindex' (the last one). */
    MF_XACT_PUSH_VLAN,          /* Push 'vlan' (TPID, TCI without CFI). */
    MF_XACT_POP_VLAN,           /* Pop the outermost tag. */
    MF_XACT_SET_ETH,            /* dst, src = (old & ~mask) | key. */
    MF_XACT_ENCAP,              /* Encapsulate for endpoint 'encap' and
                                 * redirect to its egress (the last one). */
    /* The rest set fields as the kernel datapath's set_ipv4(), set_ipv6(),
     * set_tcp() and set_udp() do, checksums included, each field being
     * (old & ~mask) | key: */
    MF_XACT_SET_IP4,            /* 'ip4': addresses, tos, ttl. */
    MF_XACT_SET_IP6_SRC,        /* 'ip6a': the source address. */
    MF_XACT_SET_IP6_DST,        /* 'ip6a': the destination address. */
    MF_XACT_SET_IP6,            /* 'ip6': traffic class, label, hop limit. */
    MF_XACT_SET_TCP,            /* 'tp': TCP ports. */
    MF_XACT_SET_UDP,            /* 'tp': UDP ports. */
    MF_XACT_OUTPUTS,            /* 'outs': the same frame to several
                                 * devices (the last action): a broadcast
                                 * to the devices of set 'outs.set'. */
};

struct mf_xact {
    __u32 kind;                 /* enum mf_xact_kind. */
    union {
        __u32 ifindex;                          /* OUTPUT. */
        struct { __be16 tpid, tci; } vlan;      /* PUSH_VLAN. */
        struct { __u8 key[12], mask[12]; } eth; /* SET_ETH: dst then src. */
        __u32 encap;                            /* ENCAP: 'encap_ptr'. */
        struct {
            __be32 src, dst, msrc, mdst;
            __u8 tos, ttl, mtos, mttl;
        } ip4;                                  /* SET_IP4. */
        struct { __u8 key[16], mask[16]; } ip6a; /* SET_IP6_SRC, _DST. */
        struct {
            __be32 label, mlabel;
            __u8 tclass, hlimit, mtclass, mhlimit;
        } ip6;                                  /* SET_IP6. */
        struct { __be16 src, dst, msrc, mdst; } tp; /* SET_TCP, SET_UDP. */
        struct {
            __u32 set;                  /* Given by the loader. */
            __u32 n;
            __u32 ifindex[MF_XDP_MAX_OUTS];
        } outs;                                 /* OUTPUTS. */
    };
};

/* A subtable's entry.  No action at all is a drop. */
struct mf_xentry {
    __u32 stats_idx;            /* Its counters in the 'stats' map. */
    __u32 n_acts;
    __u32 flags;                /* MF_XENTRY_*. */
    __u32 pad;
    struct mf_xact acts[MF_XDP_MAX_ACTS];
};

/* A frame longer than the port's largest ('mf_max_frame': an aggregate
 * of GRO or GSO in generic XDP, whose offsets XDP cannot fix) goes to the
 * kernel if the entry changes the frame's length. */
#define MF_XENTRY_RESIZES 0x1

/* An entry's counters, per CPU.  'bytes' counts what the kernel datapath
 * would: the whole frame, VLAN tags included (ovs_flow_stats_update() adds
 * back the tag the kernel took out of the packet); for a packet the
 * program decapsulated, the inner frame. */
struct mf_xstats {
    __u64 packets;
    __u64 bytes;
    __u64 used_ns;              /* bpf_ktime_get_ns(): CLOCK_MONOTONIC. */
    __u64 tcp_flags;            /* ORed. */
};

/* The program's runs on one CPU: 'in' counts those begun, 'out' those
 * ended (each after its last write to any counter), so that the loader
 * can wait for the runs that may still hold an entry it removed, the few
 * microseconds they last, not an RCU grace period (mf-cache.c).  One
 * cache line each.  A CPU numbered MF_XDP_MAX_CPUS or more is not
 * counted: on such a machine the loader waits for a grace period. */
#define MF_XDP_MAX_CPUS 256
struct mf_xruns {
    __u64 in;
    __u64 out;
    __u64 pad[6];
};

/* An outer header, for MF_XACT_ENCAP: what the resolver built for one
 * tunnel endpoint (mf-tnl-hdr.h), with the bytes that change from packet
 * to packet zero.  The program fills in the lengths, the IPv4 checksum
 * and id, the ECN bits from the inner packet (as the kernel's
 * ip_tunnel_ecn_encap()), and the UDP source port from a hash of the
 * inner flow, in ['sport_min', 'sport_max').  A GRE header (gretap) is
 * whole in 'hdr': flags, ETH_P_TEB and the key if any. */
struct mf_xencap {
    __u32 ifindex;              /* Egress; 0: to the kernel (not ready). */
    __u16 len;                  /* Header bytes. */
    __u8 ipv6;                  /* Outer IPv6, else IPv4. */
    __u8 udp;                   /* A UDP tunnel (VXLAN, Geneve), else GRE. */
    __u16 sport_min, sport_max; /* Host order. */
    __u8 df;                    /* IPv4: don't fragment (id 0), else a
                                 * random id. */
    __u8 tos_inherit;           /* GRE over IPv4 with tos 1: the inner
                                 * untagged IPv4 or IPv6 packet's DSCP, as
                                 * the kernel's ip_md_tunnel_xmit(). */
    __u8 pad[2];
    __u8 hdr[MF_XDP_ENCAP_HDR_MAX];
};

/* A tunnel the program decapsulates on this device: in 'tnl_ports', by UDP
 * destination port (network order, in the key's first two bytes), or by
 * key 0 for GRE (gretap over IPv4; no UDP tunnel has port 0). */
struct mf_xtnl_port {
    __u32 odp_port;             /* The tunnel port's number. */
    __u32 type;                 /* MF_XTNL_VXLAN, _GENEVE, _GRE. */
    __u8 mac[6];                /* The tunnel device's address. */
    __u8 pad[2];
};
#define MF_XTNL_VXLAN 1
#define MF_XTNL_GENEVE 2
#define MF_XTNL_GRE 3

/* A local tunnel endpoint: packets to it are this host's. */
struct mf_xlocal_ip {
    __u32 family;               /* 4 or 6. */
    __u8 addr[16];              /* IPv4 in the first 4. */
};

/* A flow's record, in the 'records' map by its ufid: the megaflow as OVS
 * gave it, so that a run of ovs-vswitchd that starts after a crash can
 * adopt the cache the dead one left (mf-cache-adopt.h).  The program never
 * reads it; the map is bound to the program, and lives as long as it.
 * 'data' holds 'n_words' pairs of a word of struct flow and its mask (the
 * words 'map' names, in order), then 'acts_len' bytes of ODP actions.
 * 'layout' names struct flow's layout: a record of another build's is not
 * read. */
#define MF_XREC_DATA 1024
struct mf_xufid {
    __u32 u32[4];               /* As struct mf_ufid. */
};
struct mf_xrecord {
    __u32 layout;
    __u32 stats_idx;            /* Its counters in 'stats'. */
    __u16 n_words;
    __u16 acts_len;
    __u32 pad;
    __u64 map[2];
    __u8 data[MF_XREC_DATA];
};

/* What 'mf_test_out' holds after a broadcast to a set (test mode). */
#define MF_XDP_TEST_OUT_SET 0x80000000u

/* The port's counters, per CPU: indexes in the 'port_stats' map. */
enum mf_xport_stat {
    MF_XPS_HIT,                 /* Matched an entry. */
    MF_XPS_MISS,                /* Parsed, matched nothing: to the kernel. */
    MF_XPS_UNPARSED,            /* Not parsed exactly: to the kernel. */
    MF_XPS_TX_ERROR,            /* An action failed: dropped (aborted). */
    MF_XPS_DECAP,               /* Decapsulated and matched. */
    MF_XPS_TNL_PASSED,          /* A tunnel packet left to the kernel. */
    MF_XPS_N
};

#endif /* mf-xdp-abi.h */

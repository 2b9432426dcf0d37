/*
 * mf-xdp-abi: what the XDP flow cache's BPF program (mf-xdp.bpf.c) and its
 * loader (mf-cache.c) share: the key a packet is looked up with, an
 * entry's actions, its counters, and the limits.
 *
 * The key holds the fields of OVS's 'struct flow' that the program parses,
 * in the same byte order and with the same meaning as flow_extract() gives
 * them (a VLAN's TCI with VLAN_CFI set, ICMP type and code in the ports,
 * the low 8 bits of an ARP opcode in nw_proto, ...), so that a megaflow's
 * match is copied into it field by field (mf-cache-xlate.c).
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
#define MF_XDP_MAX_ACTS 8           /* Actions per entry. */
#define MF_XDP_MAX_TX 64            /* Egress devices per port. */

/* A packet's key, or a mask of one.  Network byte order, as in struct
 * flow.  88 bytes, a multiple of 8 so that masking goes a word at a time. */
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
};

#define MF_XKEY_U64S (sizeof(struct mf_xkey) / 8)

enum mf_xact_kind {
    MF_XACT_OUTPUT = 1,         /* Redirect to 'ifindex' (the last one). */
    MF_XACT_PUSH_VLAN,          /* Push 'vlan' (TPID, TCI without CFI). */
    MF_XACT_POP_VLAN,           /* Pop the outermost tag. */
    MF_XACT_SET_ETH,            /* dst, src = (old & ~mask) | key. */
};

struct mf_xact {
    __u32 kind;                 /* enum mf_xact_kind. */
    union {
        __u32 ifindex;                          /* OUTPUT. */
        struct { __be16 tpid, tci; } vlan;      /* PUSH_VLAN. */
        struct { __u8 key[12], mask[12]; } eth; /* SET_ETH: dst then src. */
    };
};

/* A subtable's entry.  No action at all is a drop. */
struct mf_xentry {
    __u32 stats_idx;            /* Its counters in the 'stats' map. */
    __u32 n_acts;
    struct mf_xact acts[MF_XDP_MAX_ACTS];
};

/* An entry's counters, per CPU.  'bytes' counts what the kernel datapath
 * would: the whole frame, VLAN tags included (ovs_flow_stats_update() adds
 * back the tag the kernel took out of the packet). */
struct mf_xstats {
    __u64 packets;
    __u64 bytes;
    __u64 used_ns;              /* bpf_ktime_get_ns(): CLOCK_MONOTONIC. */
    __u64 tcp_flags;            /* ORed. */
};

/* The port's counters, per CPU: indexes in the 'port_stats' map. */
enum mf_xport_stat {
    MF_XPS_HIT,                 /* Matched an entry. */
    MF_XPS_MISS,                /* Parsed, matched nothing: to the kernel. */
    MF_XPS_UNPARSED,            /* Not parsed exactly: to the kernel. */
    MF_XPS_TX_ERROR,            /* An action failed: dropped (aborted). */
    MF_XPS_N
};

#endif /* mf-xdp-abi.h */

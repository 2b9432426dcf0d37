/*
 * mf-act: the tc actions of a megaflower filter, one ops table per kind.
 *
 * A filter carries an ordered list of 'struct mf_act'.  Each kind of action
 * has its own file (mf-act-<kind>.c) that ends in a 'struct mf_act_ops': how
 * to encode its TCA_ACT_OPTIONS, decode them back, and print them.  The
 * registry mf_act_ops_all[] below reads as the index of what megaflower can
 * put into a filter.  Adding an action kind is one new file and one row.
 *
 * This module also owns the generic part of the TCA_FLOWER_ACT nest: kind
 * string, cookie, stats and timestamps.
 */
#ifndef MF_ACT_H
#define MF_ACT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mf-shape.h"

struct ds;
struct nlattr;
struct nlmsghdr;

#define MF_ACT_MAX 32           /* Actions per filter (kernel: TCA_ACT_MAX_PRIO). */
#define MF_COOKIE_LEN 16        /* Bytes of action cookie (kernel maximum). */
#define MF_PEDIT_MAX_KEYS 10    /* Words of one header: an IPv6 header's. */
#define MF_TUNNEL_OPTS_MAX 252  /* Geneve options (OVS's TLV_TOT_OPT_SIZE). */

/* Newer than Debian bookworm's headers (Linux 6.1); used only when mf-caps
 * finds the kernel has it (Linux 6.5 and later). */
#define MF_TCA_TUNNEL_KEY_NO_FRAG 14

/* One 32-bit word of a pedit rewrite: new = (old & mask) ^ val, with 'val'
 * holding no bit of 'mask'.  Both are in network order, as in memory. */
struct mf_pedit_key {
    uint32_t off;               /* Byte offset in the header, multiple of 4. */
    uint32_t mask;              /* Bits kept. */
    uint32_t val;               /* Bits set. */
};

enum mf_act_kind {
    MF_ACT_MIRRED,              /* Output: redirect or mirror to a port. */
    MF_ACT_GACT,                /* Generic verdict: drop. */
    MF_ACT_VLAN,                /* Push or pop a VLAN header. */
    MF_ACT_PEDIT,               /* Rewrite words of one header. */
    MF_ACT_CSUM,                /* Recompute checksums after a rewrite. */
    MF_ACT_CT,                  /* Conntrack: lookup, commit, NAT, clear. */
    MF_ACT_MPLS,                /* Push, pop or rewrite an MPLS LSE. */
    MF_ACT_POLICE,              /* A meter (shared policer) or a length
                                 * check (the filter's own). */
    MF_ACT_SKBEDIT,             /* Set the packet type (PACKET_*). */
    MF_ACT_TUNNEL,              /* Set tunnel metadata (encap) or drop it
                                 * (decap): tc's tunnel_key. */
    MF_ACT_N_KINDS
};

/* Always zero an action before filling it in: equality is memcmp(). */
struct mf_act {
    enum mf_act_kind kind;
    /* The action's own cookie.  The first action's is the filter's (the
     * ufid) and is kept in the filter instead: never set it here. */
    uint8_t cookie_len;
    uint8_t cookie[MF_COOKIE_LEN];
    union {
        struct {
            int32_t eaction;    /* TCA_EGRESS_REDIR, TCA_EGRESS_MIRROR,... */
            uint32_t ifindex;
        } mirred;
        struct {
            int32_t verdict;    /* TC_ACT_SHOT, ... */
            uint16_t ptype;     /* PGACT_NETRAND: with chance 1/pval, */
            uint16_t pval;      /* 'paction' instead of 'verdict'. */
            int32_t paction;    /* PGACT_NONE: never. */
        } gact;
        struct {
            bool push;          /* Push, else pop. */
            uint8_t prio;       /* Push only: PCP, */
            uint16_t id;        /* VLAN id (host order), */
            uint16_t tpid;      /* and ethertype (be16). */
        } vlan;
        struct {
            uint8_t htype;      /* TCA_PEDIT_KEY_EX_HDR_TYPE_*. */
            uint8_t n_keys;     /* Ascending 'off', no two alike. */
            struct mf_pedit_key keys[MF_PEDIT_MAX_KEYS];
        } pedit;
        struct {
            uint32_t flags;     /* TCA_CSUM_UPDATE_FLAG_*. */
        } csum;
        struct {
            uint16_t action;    /* TCA_CT_ACT_*. */
            uint16_t zone;
            uint32_t mark, mark_mask;           /* Host order. */
            uint32_t labels[4], labels_mask[4]; /* As conntrack keeps them. */
            uint8_t nat_family;     /* AF_INET or AF_INET6 if a range is
                                     * given, else 0. */
            uint8_t ip_min[16], ip_max[16];     /* Network order; IPv4 in
                                                 * the first 4 bytes. */
            uint16_t port_min, port_max;        /* be16; 0 if none. */
        } ct;
        struct {
            int32_t action;     /* TCA_MPLS_ACT_POP, _PUSH or _MODIFY. */
            uint16_t proto;     /* be16: pushed, or next after a pop. */
            uint32_t label;     /* Push and modify: the whole LSE, */
            uint8_t tc;         /* host order, */
            uint8_t ttl;        /* never 0, */
            uint8_t bos;        /* 0 or 1. */
        } mpls;
        struct {
            uint32_t index;     /* A meter's shared policer, or 0. */
            uint32_t mtu;       /* Index 0: the length limit (L2). */
            int32_t exceed;     /* Verdict above the limit or rate, */
            int32_t conform;    /* and within it. */
        } police;
        struct {
            uint16_t ptype;     /* PACKET_HOST, PACKET_OTHERHOST, ...; or
                                 * MF_PTYPE_BY_DST, a placeholder that
                                 * never reaches the kernel (mf-ptype.h), */
            uint8_t mac[6];     /* with the internal port's address; all
                                 * zero otherwise. */
        } skbedit;
        struct {
            bool release;       /* Unset (decap); else set (encap): */
            bool key;           /* ...'id' is present, */
            bool csum;          /* ...UDP checksum, */
            bool df;            /* ...don't fragment (NO_FRAG), */
            uint8_t family;     /* ...AF_INET or AF_INET6. */
            uint8_t tos;
            uint8_t ttl;
            uint8_t opts_len;   /* Geneve options, wire format. */
            uint32_t id;        /* be32: VNI or GRE key. */
            uint16_t dst_port;  /* be16, 0 if none. */
            uint8_t src[16];    /* Network order; IPv4 in the first 4. */
            uint8_t dst[16];
            uint8_t opts[MF_TUNNEL_OPTS_MAX];
        } tunnel;
    };
};

/* Counters of one filter, taken from its first action, which every packet
 * that hits the filter passes. */
struct mf_act_stats {
    uint64_t n_packets;
    uint64_t n_bytes;
    uint64_t n_packets_hw;      /* Subset of the above seen in hardware. */
    uint64_t n_bytes_hw;
    uint64_t lastuse_ms;        /* How long ago it was last used, in ms. */
    bool used;                  /* False if never hit since install. */
};

struct mf_act_ops {
    enum mf_act_kind kind;
    const char *tc_kind;        /* TCA_ACT_KIND, e.g. "mirred". */
    uint16_t tm_attr;           /* Kind's 'struct tcf_t' attribute. */

    /* Appends the kind's TCA_ACT_OPTIONS attributes to 'nlh'. */
    void (*encode)(struct nlmsghdr *nlh, const struct mf_act *);

    /* Parses the kind's TCA_ACT_OPTIONS nest into 'act'.  Returns 0 or a
     * positive errno; on error '*err' says what was wrong. */
    int (*decode)(const struct nlattr *options, struct mf_act *act,
                  const char **err);

    /* Appends a tc(8)-like rendering, e.g. "mirred(redirect,if=5)". */
    void (*format)(struct ds *, const struct mf_act *);

    /* The parts of TCA_ACT_OPTIONS that the kernel stores and dumps back
     * verbatim, whatever their value (see mf-shape.h); none if empty. */
    const struct mf_verbatim *verbatim;
    size_t n_verbatim;
};

/* The ops of tc action kind 'tc_kind' ("mirred"), NULL if unknown. */
const struct mf_act_ops *mf_act_ops_by_tc_kind(const char *tc_kind);

extern const struct mf_act_ops mf_act_mirred_ops;
extern const struct mf_act_ops mf_act_gact_ops;
extern const struct mf_act_ops mf_act_vlan_ops;
extern const struct mf_act_ops mf_act_pedit_ops;
extern const struct mf_act_ops mf_act_csum_ops;
extern const struct mf_act_ops mf_act_ct_ops;
extern const struct mf_act_ops mf_act_mpls_ops;
extern const struct mf_act_ops mf_act_police_ops;
extern const struct mf_act_ops mf_act_skbedit_ops;
extern const struct mf_act_ops mf_act_tunnel_ops;

const struct mf_act_ops *mf_act_ops_get(enum mf_act_kind);

/* Encodes 'n' actions into a TCA_FLOWER_ACT nest.  'cookie' goes on the
 * first action, each other action's own cookie on it.  */
void mf_act_encode_list(struct nlmsghdr *nlh, uint16_t nest_type,
                        const struct mf_act *acts, size_t n,
                        const uint8_t *cookie, size_t cookie_len);

/* Decodes a TCA_FLOWER_ACT nest.  Fills 'acts' (room for MF_ACT_MAX) and
 * '*n', the first action's cookie into 'cookie' (MF_COOKIE_LEN bytes, the
 * length into '*cookie_len'), the others' into their 'struct mf_act', and
 * the first action's stats into 'stats'.
 * Returns 0 or a positive errno with '*err' naming the problem. */
int mf_act_decode_list(const struct nlattr *nest, struct mf_act *acts,
                       size_t *n, uint8_t *cookie, size_t *cookie_len,
                       struct mf_act_stats *stats, const char **err);

/* Reads only the first action of a TCA_FLOWER_ACT nest, as a terse dump
 * gives it: its cookie (into 'cookie' and '*cookie_len', as above) and
 * its stats (the time of last use only if its options came too).
 * Returns 0 or a positive errno with '*err' naming the problem. */
int mf_act_decode_stats(const struct nlattr *nest, uint8_t *cookie,
                        size_t *cookie_len, struct mf_act_stats *stats,
                        const char **err);

/* For the decoders of kinds that megaflower puts between others: 'a' must
 * hold at least 'size' bytes of a parameters struct that starts with
 * tc_gen, whose verdict must be "pipe" (go on to the next action).
 * Returns the payload, or NULL with '*error' and '*err' ("KIND: ...")
 * set. */
const void *mf_act_pipe_parms(const struct nlattr *a, size_t size,
                              const char *kind, int *error,
                              const char **err);

bool mf_act_equal(const struct mf_act *, const struct mf_act *);
void mf_act_format_list(struct ds *, const struct mf_act *, size_t n);

#endif /* mf-act.h */

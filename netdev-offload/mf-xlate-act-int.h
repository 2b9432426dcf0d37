/*
 * mf-xlate-act-int: what mf-xlate-act's files share, and nothing else may
 * use.  The way to tc is mf-xlate-act.c (the action list, outputs, MPLS,
 * the check that actions are well formed) and mf-xlate-act-clone.c (clone,
 * sample and check_pkt_len); the way back is mf-xlate-act-from.c.  The
 * cookies that mark, in a filter's tc actions, a clone or sample and a
 * length check that other actions follow are written on the way to tc and
 * read on the way back.  The functions here start with "mf_xlate_act_".
 */
#ifndef MF_XLATE_ACT_INT_H
#define MF_XLATE_ACT_INT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mf-filter.h"
#include "mf-xlate.h"
#include "openvswitch/types.h"

struct ds;
struct nlattr;

/* The policer of a check_pkt_len that other actions follow carries this
 * as its cookie, so that a dump can tell each branch's body from its
 * undo. */
struct length_tag {
    uint8_t magic[2];           /* "mf". */
    uint8_t kind;               /* 'l'. */
    uint8_t n_body[2];          /* "Greater", then "less or equal". */
    uint8_t n_undo[2];
};

/* A clone, or a sample, is marked by a gact before its body that carries
 * this as its cookie, so that a dump gives back the same actions.  A body
 * that other actions follow is followed by the actions that undo it
 * ('n_undo'); for a sample taken at random, the gact jumps over both
 * unless it picks the packet. */
struct clone_tag {
    uint8_t magic[2];           /* "mf". */
    uint8_t kind;               /* 'c' clone, 's' sample. */
    uint8_t last;               /* 1: the body ends the packet's processing
                                 * (nothing follows the clone). */
    uint8_t n_body;             /* Actions of the body, after the gact. */
    uint8_t n_undo;             /* Actions after the body, before the rest:
                                 * the undo, or the drop a sample that is
                                 * not taken jumps to. */
    uint8_t p_round;            /* Sample taken with a chance of 1/N: its
                                 * probability is UINT32_MAX / N plus this
                                 * (0, or 1 where OVS rounded up). */
};

/* The way to tc: mf-xlate-act.c (the action list) and mf-xlate-act-clone.c
 * (clone, sample and check_pkt_len) call each other. */

/* Appends an action of 'kind' to 'f', zeroed but for its kind. */
static inline struct mf_act *
add_act(struct mf_filter *f, enum mf_act_kind kind)
{
    struct mf_act *act = &f->acts[f->n_acts++];

    memset(act, 0, sizeof *act);
    act->kind = kind;
    return act;
}

/* Translation of one action list: the megaflow's, or a branch of its
 * check_pkt_len.  Each list ends the packet's processing. */
struct to_ctx {
    const struct mf_xlate_ports *ports;
    struct mf_filter *f;
    enum mf_port_kind kinds[MF_ACT_MAX];    /* Of each mirred's port. */
    struct pkt_state {
        bool vlan_pushed;       /* A push_vlan came before. */
        bool vlan_touched;      /* A push_vlan or pop_vlan came before. */
        bool dst_known;         /* 'dst' is the packet's eth_dst now, */
        struct eth_addr dst;    /* from the match or a set before. */
        bool dst_mangled;       /* A masked set rewrote part of it. */
        struct mf_flower_key known, known_mask;   /* Headers as far as
                                                   * known: the match, then
                                                   * the rewrites... */
        bool track;             /* ...kept only for a body to undo: with a
                                 * clone, sample or check_pkt_len. */
    } pkt;
    struct ds *reason;
};

/* The body of a clone that other actions follow: the actions that put the
 * packet back as it was before the body, in the body's order (they run in
 * reverse), and the checksum fix-up they need. */
struct copy_body {
    struct mf_act undo[MF_ACT_MAX];
    size_t n_undo;
    uint32_t csum;
};

/* Appends the tc actions for 'actions' to ctx->f (mf-xlate-act.c, where
 * its comment says more); with 'copy', as the body of a clone that other
 * actions follow. */
int mf_xlate_act_list(struct to_ctx *, const struct nlattr *actions,
                      size_t actions_len, uint32_t csum, bool nested,
                      struct copy_body *);

/* mf-xlate-act-clone.c: check_pkt_len as the last action of its list, and
 * followed by others; a clone or sample; and what undoes a push_vlan or
 * pop_vlan in the body of a clone that others follow. */
int mf_xlate_act_check_pkt_len(struct to_ctx *, const struct nlattr *a,
                               uint32_t csum);
int mf_xlate_act_check_pkt_len_clone(struct to_ctx *, const struct nlattr *a,
                                     uint32_t *csum);
int mf_xlate_act_clone(struct to_ctx *, const struct nlattr *a, bool last,
                       bool nested, uint32_t *csum);
int mf_xlate_act_copy_undo_vlan(struct to_ctx *, const struct nlattr *a,
                                struct copy_body *);

#endif /* mf-xlate-act-int.h */

/*
 * mf-xlate-act-int: what the two halves of mf-xlate-act share, and
 * nothing else may use: the cookies that mark, in a filter's tc actions,
 * a clone or sample and a length check that other actions follow.
 * mf-xlate-act.c writes them (ODP actions to tc), mf-xlate-act-from.c
 * reads them back (tc to ODP actions).
 */
#ifndef MF_XLATE_ACT_INT_H
#define MF_XLATE_ACT_INT_H 1

#include <stdint.h>

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

#endif /* mf-xlate-act-int.h */

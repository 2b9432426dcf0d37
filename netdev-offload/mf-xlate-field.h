/*
 * mf-xlate-field: the megaflow fields that map one to one onto flower's.
 *
 * The table half of mf-xlate.  One row per (struct flow member, flower
 * field) pair says where each sits, the ethertype and IP protocol the field
 * needs, and how its bits convert: copied, an ICMP type or code out of a
 * port, a part of the first MPLS label stack entry, ct_state's bits, the
 * tunnel id and flags.  Each conversion has its inverse, so the same rows
 * take a megaflow's match into a filter and a filter's back.  What is not
 * one field (in_port and recirc_id, ethertypes and VLAN headers,
 * fragments, the tunnel key flag and options) is mf-xlate.c's, and settled
 * there before the rows run.
 */
#ifndef MF_XLATE_FIELD_H
#define MF_XLATE_FIELD_H 1

#include <stdbool.h>
#include <stdint.h>

#include "mf-rows.h"

struct ds;
struct flow;
struct match;
struct mf_filter;

/* The size, in uint64_t, of the 'words' that mf_xlate_field_to_flower()
 * sets and mf_xlate_field_mask_done() reads. */
#define MF_XLATE_FIELD_WORDS (MF_ROWS_MAX_WORDS / 64)

/* Moves into 'f' the bits of 'mask' that the table covers, clearing them
 * in 'mask', the mask bits of the megaflow 'match' still to translate.  A
 * row whose ethertype or IP protocol 'match' (as OVS gave it) does not
 * have is skipped, its bits left in 'mask'.  Sets 'words' (room for
 * MF_XLATE_FIELD_WORDS) to the words of 'mask' that were nonzero.  Returns
 * 0, or EOPNOTSUPP with the reason appended to 'reason'. */
int mf_xlate_field_to_flower(const struct match *match, struct flow *mask,
                             uint64_t *words, struct mf_filter *f,
                             struct ds *reason);

/* Whether the words of 'mask' that 'words' names are all zero now, that is
 * whether all of the megaflow's mask was translated, given that bits of
 * 'mask' have only been cleared since mf_xlate_field_to_flower() set
 * 'words'. */
bool mf_xlate_field_mask_done(const struct flow *mask, const uint64_t *words);

/* The inverse of mf_xlate_field_to_flower(): ORs the bits of every field
 * 'f' matches into 'key' and 'mask'. */
void mf_xlate_field_from_flower(const struct mf_filter *f, struct flow *key,
                                struct flow *mask);

#endif /* mf-xlate-field.h */

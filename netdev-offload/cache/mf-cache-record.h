/*
 * mf-cache-record: a flow cache entry's record (struct mf_xrecord), which
 * a restart after a crash reads back from the kernel (mf-cache-adopt.h):
 * the megaflow as OVS gave it, the words of its match (struct flow's,
 * each with its mask) and its ODP actions.
 *
 * Reading a record is reading input from the kernel and from another
 * build: its layout, its lengths, a mask over each value word and its
 * actions' netlink framing are checked, and a record is taken only in the
 * one form encoding gives (no byte past its actions), so that what is
 * read encodes back into the same bytes.
 */
#ifndef MF_CACHE_RECORD_H
#define MF_CACHE_RECORD_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mf-nl.h"
#include "mf-xdp-abi.h"

struct match;
struct nlattr;

/* This build's struct flow, as a record names it. */
uint32_t mf_crecord_layout(void);

/* Fills 'rec' (all of it) with the megaflow 'match' and 'actions'.  False
 * if they do not fit in a record. */
bool mf_crecord_encode(const struct match *, const struct nlattr *actions,
                       size_t actions_len, struct mf_xrecord *rec);

/* Reads the record 'rec' of 'size' bytes into 'match', and '*actions'
 * (pointing into 'rec').  Returns 0, or EINVAL with the reason in 'err'. */
int mf_crecord_decode(const struct mf_xrecord *rec, size_t size,
                      struct match *, const struct nlattr **actions,
                      size_t *actions_len, struct mf_err *);

#endif /* mf-cache-record.h */

/*
 * mf-filter: one tc flower filter, as a struct and as a netlink message.
 *
 * 'struct mf_filter' is everything megaflower says to, or hears from, the
 * kernel about one filter: where it sits (device, hook, chain, prio,
 * protocol, handle), its match (mf-flower), its actions (mf-act), the
 * cookie that carries the owner's ufid, and, in replies, its counters and
 * whether it is in hardware.  mf_filter_encode() and mf_filter_decode() are
 * exact inverses over that struct; the unit tests hold them to it.
 */
#ifndef MF_FILTER_H
#define MF_FILTER_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mf-act.h"
#include "mf-flower.h"

struct ds;
struct nlmsghdr;

/* Room for any one request megaflower builds: a filter with MF_ACT_MAX
 * actions and every match field fits. */
#define MF_MSG_SIZE 8192

struct mf_filter {
    /* Identity. */
    uint32_t ifindex;
    uint32_t parent;            /* e.g. TC_H_MAKE(TC_H_CLSACT, ..INGRESS). */
    uint32_t chain;
    uint16_t prio;
    uint16_t protocol;          /* be16, ETH_P_* or ETH_P_ALL. */
    uint32_t handle;

    /* Request: TCA_CLS_FLAGS_SKIP_HW/SKIP_SW.  Reply: also IN_HW or
     * NOT_IN_HW. */
    uint32_t flags;

    struct mf_flower_key key;   /* Masked. */
    struct mf_flower_key mask;

    size_t n_acts;
    uint8_t cookie[MF_COOKIE_LEN];
    size_t cookie_len;

    /* Replies only. */
    struct mf_act_stats stats;

    /* Last, so that mf_filter_clear() can leave them: each action is
     * zeroed when it is added. */
    struct mf_act acts[MF_ACT_MAX];
};

/* Zeroes 'f' but for the contents of its actions (most of its size), which
 * whoever adds an action zeroes or fills in whole. */
static inline void
mf_filter_clear(struct mf_filter *f)
{
    memset(f, 0, offsetof(struct mf_filter, acts));
}

/* Where a filter sits: enough to get or delete it.  What megaflower keeps
 * per offloaded flow. */
struct mf_filter_loc {
    uint32_t ifindex;
    uint32_t parent;
    uint32_t chain;
    uint16_t prio;
    uint16_t protocol;          /* be16. */
    uint32_t handle;
};

void mf_filter_loc_of(const struct mf_filter *, struct mf_filter_loc *);

/* Clears 'f' (mf_filter_clear()) and gives it the identity 'loc'. */
void mf_filter_at(struct mf_filter *f, const struct mf_filter_loc *loc);

/* Builds an RTM_NEWTFILTER (or 'type') message for 'f' into 'buf', which
 * must have room for MF_MSG_SIZE bytes, and returns it.  With
 * 'full' false only the identity is encoded (for get and delete). */
struct nlmsghdr *mf_filter_encode(void *buf, uint16_t type, uint16_t flags,
                                  const struct mf_filter *f, bool full);

/* Parses a filter message.  Returns 0 on success; ENOENT if the message is
 * not a flower filter or carries no filter (e.g. a bare tcf_proto header in
 * a dump); EOPNOTSUPP if it matches or acts in ways megaflower cannot
 * represent; EPROTO if it is malformed.  On error '*err' says why. */
int mf_filter_decode(const struct nlmsghdr *, struct mf_filter *,
                     const char **err);

/* Parses a filter message of a terse dump (TCA_DUMP_FLAGS_TERSE), or of
 * a full one, for what a terse dump carries: the identity, the flags, and
 * the first action's cookie and stats.  Leaves the match and the actions
 * empty ('n_acts' 0).  Returns as mf_filter_decode(). */
int mf_filter_decode_terse(const struct nlmsghdr *, struct mf_filter *,
                           const char **err);

/* True if 'a' and 'b' match the same packets with the same actions. */
bool mf_filter_same_rule(const struct mf_filter *a, const struct mf_filter *b);

void mf_filter_format(struct ds *, const struct mf_filter *);

#endif /* mf-filter.h */

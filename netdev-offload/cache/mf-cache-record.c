/* mf-cache-record: a flow cache entry's record (mf-cache-record.h). */
#include <config.h>

#include "mf-cache-record.h"

#include <errno.h>
#include <string.h>

#include "flow.h"
#include "hash.h"
#include "netlink.h"
#include "openvswitch/match.h"
#include "packets.h"
#include "util.h"

BUILD_ASSERT_DECL(FLOW_U64S <= 128);

/* The one word of struct flow that is not a value: the tunnel metadata's
 * table, a pointer into the process that made the match.  A record never
 * holds it: a pointer read from the kernel is never followed. */
#define TAB_WORD (offsetof(struct flow, tunnel.metadata.tab) / 8)
BUILD_ASSERT_DECL(offsetof(struct flow, tunnel.metadata.tab) % 8 == 0);
BUILD_ASSERT_DECL(sizeof(((struct flow *) 0)->tunnel.metadata.tab) == 8);

/* Bumped when struct mf_xrecord's meaning changes. */
#define RECORD_VERSION 1

uint32_t
mf_crecord_layout(void)
{
    return hash_3words(FLOW_WC_SEQ, sizeof(struct flow), RECORD_VERSION);
}

bool
mf_crecord_encode(const struct match *match, const struct nlattr *actions,
                  size_t actions_len, struct mf_xrecord *rec)
{
    const uint64_t *flow = (const uint64_t *) &match->flow;
    const uint64_t *mask = (const uint64_t *) &match->wc.masks;
    uint8_t *p = rec->data;

    memset(rec, 0, sizeof *rec);
    rec->layout = mf_crecord_layout();
    for (size_t i = 0; i < FLOW_U64S; i++) {
        if (mask[i] && i != TAB_WORD) {
            uint64_t w[2] = { flow[i] & mask[i], mask[i] };

            if (p + sizeof w > rec->data + sizeof rec->data) {
                return false;
            }
            memcpy(p, w, sizeof w);
            p += sizeof w;
            rec->map[i / 64] |= UINT64_C(1) << (i % 64);
            rec->n_words++;
        }
    }
    if (actions_len > (size_t) (rec->data + sizeof rec->data - p)) {
        return false;
    }
    if (actions_len) {
        /* A drop has no actions, and may have no buffer for them. */
        memcpy(p, actions, actions_len);
    }
    rec->acts_len = actions_len;
    return true;
}

int
mf_crecord_decode(const struct mf_xrecord *rec, size_t size,
                  struct match *match, const struct nlattr **actions,
                  size_t *actions_len, struct mf_err *err)
{
    uint64_t *flow = (uint64_t *) &match->flow;
    uint64_t *mask = (uint64_t *) &match->wc.masks;
    const struct nlattr *a;
    const uint8_t *p;
    size_t n = 0, left;

    if (size != sizeof *rec) {
        return mf_err_set(err, EINVAL, "a record of %"PRIuSIZE" bytes, not "
                          "%"PRIuSIZE, size, sizeof *rec);
    }
    if (rec->layout != mf_crecord_layout()) {
        return mf_err_set(err, EINVAL, "a record of another build (layout "
                          "%#"PRIx32", this build's %#"PRIx32")",
                          rec->layout, mf_crecord_layout());
    }
    if (rec->n_words > FLOW_U64S
        || (size_t) rec->n_words * 16 + rec->acts_len > sizeof rec->data) {
        return mf_err_set(err, EINVAL, "a record of %"PRIu16" match words "
                          "and %"PRIu16" bytes of actions overflows it",
                          rec->n_words, rec->acts_len);
    }
    memset(match, 0, sizeof *match);
    p = rec->data;
    for (size_t i = 0; i < 128; i++) {
        uint64_t w[2];

        if (!(rec->map[i / 64] & (UINT64_C(1) << (i % 64)))) {
            continue;
        }
        if (i >= FLOW_U64S || n >= rec->n_words) {
            return mf_err_set(err, EINVAL, "a record's match names word "
                              "%"PRIuSIZE" beyond its %"PRIu16, i,
                              rec->n_words);
        }
        if (i == TAB_WORD) {
            return mf_err_set(err, EINVAL, "a record's match holds a "
                              "pointer (the tunnel metadata's table)");
        }
        memcpy(w, p, sizeof w);
        p += sizeof w;
        n++;
        if (!w[1] || w[0] & ~w[1]) {
            return mf_err_set(err, EINVAL, "a record's match word %"PRIuSIZE
                              " has a value outside its mask", i);
        }
        flow[i] = w[0];
        mask[i] = w[1];
    }
    if (n != rec->n_words) {
        return mf_err_set(err, EINVAL, "a record names %"PRIuSIZE" match "
                          "words, not its %"PRIu16, n, rec->n_words);
    }
    /* With no table, tunnel options are only ever the packet's raw bytes
     * (as the kernel datapath's megaflows have them). */
    if ((match->flow.tunnel.metadata.present.map
         || match->wc.masks.tunnel.metadata.present.map)
        && !(match->flow.tunnel.flags & match->wc.masks.tunnel.flags
             & FLOW_TNL_F_UDPIF)) {
        return mf_err_set(err, EINVAL, "a record's tunnel options are not "
                          "raw (no FLOW_TNL_F_UDPIF)");
    }
    for (const uint8_t *q = p + rec->acts_len;
         q < rec->data + sizeof rec->data; q++) {
        if (*q) {
            return mf_err_set(err, EINVAL, "a record has bytes past its "
                              "actions");
        }
    }
    *actions = (const struct nlattr *) p;
    *actions_len = rec->acts_len;
    NL_ATTR_FOR_EACH (a, left, *actions, *actions_len) {
        continue;
    }
    if (left) {
        return mf_err_set(err, EINVAL, "a record's actions end in the "
                          "middle of an attribute");
    }
    return 0;
}

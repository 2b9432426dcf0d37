/* mf-act-pedit: rewrite 32-bit words of one packet header, as tc's pedit.
 *
 * megaflower's pedit action rewrites one header (its 'htype'), with the
 * extended keys (TCA_PEDIT_PARMS_EX plus one TCA_PEDIT_KEY_EX per key) and
 * only the "set" command.  Decoding takes any key order and sorts it; it
 * refuses what a set cannot mean: 'at' and shifted offsets, "add", keys
 * that XOR kept bits, two keys for one word, and more than one header. */
#include <config.h>
#include "mf-act.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_pedit.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

/* Largest header offset a key may name: the end of an IPv6 header. */
#define PEDIT_MAX_OFF 40

static const char *const htype_names[] = {
    [TCA_PEDIT_KEY_EX_HDR_TYPE_NETWORK] = "network",
    [TCA_PEDIT_KEY_EX_HDR_TYPE_ETH] = "eth",
    [TCA_PEDIT_KEY_EX_HDR_TYPE_IP4] = "ip4",
    [TCA_PEDIT_KEY_EX_HDR_TYPE_IP6] = "ip6",
    [TCA_PEDIT_KEY_EX_HDR_TYPE_TCP] = "tcp",
    [TCA_PEDIT_KEY_EX_HDR_TYPE_UDP] = "udp",
};

static void
pedit_encode(struct nlmsghdr *nlh, const struct mf_act *act)
{
    size_t n = MIN(act->pedit.n_keys, MF_PEDIT_MAX_KEYS);
    size_t len = sizeof(struct tc_pedit_sel) + n * sizeof(struct tc_pedit_key);
    union {
        struct tc_pedit_sel sel;
        uint8_t bytes[sizeof(struct tc_pedit_sel)
                      + MF_PEDIT_MAX_KEYS * sizeof(struct tc_pedit_key)];
    } u;
    struct tc_pedit_sel *sel = &u.sel;
    struct nlattr *keys_ex;

    memset(&u, 0, len);
    sel->action = TC_ACT_PIPE;
    sel->nkeys = n;
    for (size_t i = 0; i < n; i++) {
        sel->keys[i].off = act->pedit.keys[i].off;
        sel->keys[i].mask = act->pedit.keys[i].mask;
        sel->keys[i].val = act->pedit.keys[i].val;
    }
    mnl_attr_put(nlh, TCA_PEDIT_PARMS_EX, len, sel);

    keys_ex = mnl_attr_nest_start(nlh, TCA_PEDIT_KEYS_EX);
    for (size_t i = 0; i < n; i++) {
        struct nlattr *key_ex = mnl_attr_nest_start(nlh, TCA_PEDIT_KEY_EX);

        mnl_attr_put_u16(nlh, TCA_PEDIT_KEY_EX_HTYPE, act->pedit.htype);
        mnl_attr_put_u16(nlh, TCA_PEDIT_KEY_EX_CMD, TCA_PEDIT_KEY_EX_CMD_SET);
        mnl_attr_nest_end(nlh, key_ex);
    }
    mnl_attr_nest_end(nlh, keys_ex);
}

static int
compare_keys(const void *a_, const void *b_)
{
    const struct mf_pedit_key *a = a_, *b = b_;

    return a->off < b->off ? -1 : a->off > b->off;
}

/* Reads the header type of each TCA_PEDIT_KEY_EX in 'keys_ex'; all must be
 * 'set' on one header type, which goes to 'act'. */
static int
decode_keys_ex(const struct nlattr *keys_ex, size_t nkeys,
               struct mf_act *act, const char **err)
{
    const struct nlattr *key_ex;
    size_t n = 0;

    mnl_attr_for_each_nested (key_ex, keys_ex) {
        const struct nlattr *a;
        int htype = -1, cmd = -1;

        if (mnl_attr_get_type(key_ex) != TCA_PEDIT_KEY_EX) {
            *err = "pedit: unexpected attribute in TCA_PEDIT_KEYS_EX";
            return EPROTO;
        }
        mnl_attr_for_each_nested (a, key_ex) {
            if (mnl_attr_validate(a, MNL_TYPE_U16) < 0) {
                *err = "pedit: bad TCA_PEDIT_KEY_EX member";
                return EPROTO;
            }
            if (mnl_attr_get_type(a) == TCA_PEDIT_KEY_EX_HTYPE) {
                htype = mnl_attr_get_u16(a);
            } else if (mnl_attr_get_type(a) == TCA_PEDIT_KEY_EX_CMD) {
                cmd = mnl_attr_get_u16(a);
            }
        }
        if (htype < 0 || cmd < 0) {
            *err = "pedit: TCA_PEDIT_KEY_EX without header type or command";
            return EPROTO;
        }
        if (cmd != TCA_PEDIT_KEY_EX_CMD_SET) {
            *err = "pedit: only \"set\" keys are megaflow actions";
            return EOPNOTSUPP;
        }
        if (htype == TCA_PEDIT_KEY_EX_HDR_TYPE_NETWORK
            || htype >= (int) ARRAY_SIZE(htype_names)) {
            *err = "pedit: header type megaflower does not map";
            return EOPNOTSUPP;
        }
        if (n && htype != act->pedit.htype) {
            *err = "pedit: keys on more than one header";
            return EOPNOTSUPP;
        }
        act->pedit.htype = htype;
        n++;
    }
    if (n != nkeys) {
        *err = "pedit: TCA_PEDIT_KEYS_EX does not match the key count";
        return EPROTO;
    }
    return 0;
}

static int
pedit_decode(const struct nlattr *options, struct mf_act *act,
             const char **err)
{
    const struct nlattr *parms = NULL, *keys_ex = NULL, *a;
    const struct tc_pedit_sel *sel;
    int error;

    mnl_attr_for_each_nested (a, options) {
        switch (mnl_attr_get_type(a)) {
        case TCA_PEDIT_PARMS:
            *err = "pedit: keys without header types (legacy pedit)";
            return EOPNOTSUPP;
        case TCA_PEDIT_PARMS_EX:
            parms = a;
            break;
        case TCA_PEDIT_KEYS_EX:
            keys_ex = a;
            break;
        default:
            break;
        }
    }
    if (!parms || !keys_ex) {
        *err = "pedit: missing TCA_PEDIT_PARMS_EX or TCA_PEDIT_KEYS_EX";
        return EPROTO;
    }
    sel = mf_act_pipe_parms(parms, sizeof *sel, "pedit", &error, err);
    if (!sel) {
        return error;
    }
    if (mnl_attr_get_payload_len(parms)
        < sizeof *sel + sel->nkeys * sizeof sel->keys[0]) {
        *err = "pedit: TCA_PEDIT_PARMS_EX shorter than its keys";
        return EPROTO;
    }
    if (!sel->nkeys || sel->nkeys > MF_PEDIT_MAX_KEYS) {
        *err = "pedit: no keys, or more than one header holds";
        return EOPNOTSUPP;
    }
    error = decode_keys_ex(keys_ex, sel->nkeys, act, err);
    if (error) {
        return error;
    }
    for (size_t i = 0; i < sel->nkeys; i++) {
        const struct tc_pedit_key *k = &sel->keys[i];

        if (k->at || k->offmask || k->shift) {
            *err = "pedit: offsets taken from the packet are not megaflow "
                   "actions";
            return EOPNOTSUPP;
        }
        if (k->off % 4 || k->off >= PEDIT_MAX_OFF) {
            *err = "pedit: key offset not a word of a header";
            return EOPNOTSUPP;
        }
        if (k->val & k->mask) {
            *err = "pedit: key flips bits it keeps (not a set)";
            return EOPNOTSUPP;
        }
        act->pedit.keys[i].off = k->off;
        act->pedit.keys[i].mask = k->mask;
        act->pedit.keys[i].val = k->val;
    }
    act->pedit.n_keys = sel->nkeys;
    qsort(act->pedit.keys, act->pedit.n_keys, sizeof act->pedit.keys[0],
          compare_keys);
    for (size_t i = 1; i < act->pedit.n_keys; i++) {
        if (act->pedit.keys[i].off == act->pedit.keys[i - 1].off) {
            *err = "pedit: two keys for one word";
            return EOPNOTSUPP;
        }
    }
    return 0;
}

static void
pedit_format(struct ds *s, const struct mf_act *act)
{
    ds_put_format(s, "pedit(%s", htype_names[act->pedit.htype]);
    for (size_t i = 0; i < act->pedit.n_keys; i++) {
        const struct mf_pedit_key *k = &act->pedit.keys[i];

        ds_put_format(s, ",%"PRIu32"=%08"PRIx32"/%08"PRIx32, k->off,
                      ntohl(k->val), ntohl(~k->mask));
    }
    ds_put_char(s, ')');
}

/* Each key's mask and value: tcf_pedit_init() copies the keys, and
 * tcf_pedit_dump() gives them back.  Not their offsets (which say what is
 * rewritten), nor the rest (the kernel clamps 'shift'). */
static const struct mf_verbatim verbatim[] = {
    { TCA_PEDIT_PARMS_EX, offsetof(struct tc_pedit_sel, keys),
      offsetof(struct tc_pedit_key, off), sizeof(struct tc_pedit_key) },
};

const struct mf_act_ops mf_act_pedit_ops = {
    .kind = MF_ACT_PEDIT,
    .tc_kind = "pedit",
    .tm_attr = TCA_PEDIT_TM,
    .encode = pedit_encode,
    .decode = pedit_decode,
    .format = pedit_format,
    .verbatim = verbatim,
    .n_verbatim = ARRAY_SIZE(verbatim),
};

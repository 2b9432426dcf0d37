/*
 * fuzz-xlate: libFuzzer target for megaflower's translation of OVS
 * megaflows into filters and back (mf_xlate_to_filter(),
 * mf_xlate_from_filter()): random ODP keys, masks and actions, as
 * ovs-vswitchd hands them over.
 *
 * The input is three netlink attribute streams, each after its length
 * (2 bytes, host order): the flow key, its mask (both OVS_KEY_ATTR_*) and
 * the actions (OVS_ACTION_ATTR_*).  A key or mask OVS itself would not
 * parse (odp_flow_key_to_flow(), odp_flow_key_to_mask()) or the kernel
 * would not give (tunnel_valid()), and actions the kernel datapath would
 * refuse (dp_valid()), are skipped: OVS never hands such over.  The translation must then refuse
 * with a reason, or give a filter that survives the kernel's round trip
 * (mf_filter_encode(), mf_filter_decode(): what an echo does) and
 * translates back into the same megaflow: the same match, the same
 * actions.  Anything else is a bug this target reports (abort()): an
 * offloaded flow that is not exactly the megaflow OVS asked for.
 */
#include <config.h>

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "fuzz.h"
#include "mf-filter.h"
#include "mf-nl.h"
#include "mf-ptype.h"
#include "mf-test-ports.h"
#include "mf-xlate.h"
#include "mf-xlate-tnl.h"
#include "netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "packets.h"

/* Whether 'a' ('len' bytes) is whole attributes, end to end. */
static bool
well_formed(const struct nlattr *a, size_t len)
{
    const struct nlattr *x;
    size_t left;

    NL_ATTR_FOR_EACH (x, left, a, len) {
        continue;
    }
    return !left;
}

/* Whether the kernel datapath would take 'actions': it refuses a masked
 * set whose value has bits outside its mask (flow_netlink.c,
 * validate_masked()), so OVS never hands one over; such a set means the
 * same as its value masked, and would only come back written so. */
static bool
dp_valid(const struct nlattr *actions, size_t len)
{
    const struct nlattr *a;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, actions, len) {
        switch (nl_attr_type(a)) {
        case OVS_ACTION_ATTR_SET_MASKED: {
            const struct nlattr *k = nl_attr_get(a);
            size_t outer = nl_attr_get_size(a), n;
            const uint8_t *v, *m;

            if (outer < NLA_HDRLEN || k->nla_len < NLA_HDRLEN
                || k->nla_len > outer) {
                break;          /* Malformed: for the translation to see. */
            }
            n = nl_attr_get_size(k) / 2;
            v = nl_attr_get(k);
            m = v + n;

            for (size_t i = 0; i < n; i++) {
                if (v[i] & ~m[i]) {
                    return false;
                }
            }
            break;
        }
        case OVS_ACTION_ATTR_CLONE:
            if (!dp_valid(nl_attr_get(a), nl_attr_get_size(a))) {
                return false;
            }
            break;
        case OVS_ACTION_ATTR_SAMPLE:
        case OVS_ACTION_ATTR_CHECK_PKT_LEN: {
            const struct nlattr *b;
            size_t bleft;

            NL_NESTED_FOR_EACH (b, bleft, a) {
                if (nl_attr_type(b) != OVS_SAMPLE_ATTR_PROBABILITY
                    && nl_attr_type(b) != OVS_CHECK_PKT_LEN_ATTR_PKT_LEN
                    && !dp_valid(nl_attr_get(b), nl_attr_get_size(b))) {
                    return false;
                }
            }
            break;
        }
        default:
            break;
        }
    }
    return true;
}

/* Whether the tunnel attributes of key (or mask) 'key' have the lengths
 * the kernel gives them (mf_xlate_tnl_key_well_formed()).  OVS 3.1's
 * parser checks them against the wrong table size
 * (odp_tun_key_from_attr__() passes OVS_TUNNEL_ATTR_MAX, the vport
 * attributes' maximum, 2), so a short IPv6 address trips an assertion in
 * OVS instead of a refusal; the kernel never hands OVS such a key. */
static bool
tunnel_valid(const struct nlattr *key, size_t len)
{
    const struct nlattr *a;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, key, len) {
        if (nl_attr_type(a) == OVS_KEY_ATTR_TUNNEL
            && !mf_xlate_tnl_key_well_formed(a)) {
            return false;
        }
    }
    return true;
}

/* The next attribute stream of 'data': its bytes in '*p', '*n'. */
static bool
take(const uint8_t **data, size_t *size, const uint8_t **p, size_t *n)
{
    uint16_t len;

    if (*size < 2) {
        return false;
    }
    memcpy(&len, *data, 2);
    if (len > *size - 2) {
        return false;
    }
    *p = *data + 2;
    *n = len;
    *data += 2 + len;
    *size -= 2 + len;
    return true;
}

/* A VLAN header matched absent (its CFI bit matched 0) has no other
 * bits to match: whatever the rest of its mask, it matches the same
 * packets as the whole TCI matched 0, which is how the filter's
 * protocol says it. */
static void
untagged_exact(struct match *m)
{
    for (int i = 0; i < FLOW_MAX_VLAN_HEADERS; i++) {
        if (m->wc.masks.vlans[i].tci & htons(VLAN_CFI)
            && !(m->flow.vlans[i].tci & htons(VLAN_CFI))) {
            m->wc.masks.vlans[i].tci = OVS_BE16_MAX;
            m->flow.vlans[i].tci = 0;
        }
    }
}

/* Appends 'a' to 'out' with its padding (the last attribute of a list
 * may end without it). */
static void
put_attr(struct ofpbuf *out, const struct nlattr *a)
{
    ofpbuf_put(out, a, a->nla_len);
    ofpbuf_put_zeros(out, NLA_ALIGN(a->nla_len) - a->nla_len);
}

/* Whether ct argument 'a' sets nothing: a mark or labels under a zero
 * mask (the second half of its payload). */
static bool
ct_arg_is_noop(const struct nlattr *a)
{
    size_t n = nl_attr_get_size(a);

    return ((nl_attr_type(a) == OVS_CT_ATTR_MARK && n == 8)
            || (nl_attr_type(a) == OVS_CT_ATTR_LABELS && n == 32))
           && is_all_zeros((const uint8_t *) nl_attr_get(a) + n / 2, n / 2);
}

/* Appends the actions 'acts' to 'out' as OVS builds such actions: each
 * set(tunnel) with its attributes in tun_key_to_attr()'s order (and none
 * of value 0, which it leaves out), each ct without a mark or labels that
 * set nothing (OVS never asks for those), and the lists nested in clone,
 * sample and check_pkt_len alike; the rest as it is. */
static void
canonical(struct ofpbuf *out, const struct nlattr *acts, size_t len)
{
    const struct nlattr *a;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, acts, len) {
        const struct nlattr *k = nl_attr_get(a), *b;
        uint16_t type = nl_attr_type(a);
        struct flow_tnl tnl;
        size_t ofs, bleft;

        memset(&tnl, 0, sizeof tnl);
        if (type == OVS_ACTION_ATTR_SET
            && nl_attr_get_size(a) >= NLA_HDRLEN
            && nl_attr_type(k) == OVS_KEY_ATTR_TUNNEL
            && odp_tun_key_from_attr(k, &tnl, NULL) == ODP_FIT_PERFECT) {
            odp_put_tunnel_action(&tnl, out, NULL);
        } else if (type == OVS_ACTION_ATTR_CLONE) {
            ofs = nl_msg_start_nested(out, type);
            canonical(out, nl_attr_get(a), nl_attr_get_size(a));
            nl_msg_end_nested(out, ofs);
        } else if (type == OVS_ACTION_ATTR_CT
                   || type == OVS_ACTION_ATTR_SAMPLE
                   || type == OVS_ACTION_ATTR_CHECK_PKT_LEN) {
            ofs = nl_msg_start_nested(out, type);
            NL_NESTED_FOR_EACH (b, bleft, a) {
                uint16_t btype = nl_attr_type(b);
                bool list = (type == OVS_ACTION_ATTR_SAMPLE
                             ? btype == OVS_SAMPLE_ATTR_ACTIONS
                             : type == OVS_ACTION_ATTR_CHECK_PKT_LEN
                             && btype != OVS_CHECK_PKT_LEN_ATTR_PKT_LEN);

                if (list) {
                    size_t bofs = nl_msg_start_nested(out, btype);

                    canonical(out, nl_attr_get(b), nl_attr_get_size(b));
                    nl_msg_end_nested(out, bofs);
                } else if (type != OVS_ACTION_ATTR_CT || !ct_arg_is_noop(b)) {
                    put_attr(out, b);
                }
            }
            nl_msg_end_nested(out, ofs);
        } else {
            put_attr(out, a);
        }
    }
}

/* Prints 'acts' into 's' as canonical() has them. */
static void
format_canonical(struct ds *s, const struct nlattr *acts, size_t len)
{
    struct ofpbuf out;

    ofpbuf_init(&out, len);
    canonical(&out, acts, len);
    format_odp_actions(s, out.data, out.size, NULL);
    ofpbuf_uninit(&out);
}

/* Says which property the input broke, and stops. */
static void
broken(const char *what, const struct match *m, const void *acts,
       size_t acts_len, const struct mf_filter *f, const char *more)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "fuzz-xlate: %s\n  megaflow: ", what);
    match_format(m, NULL, &s, OFP_DEFAULT_PRIORITY);
    ds_put_cstr(&s, "\n  actions:  ");
    format_odp_actions(&s, acts, acts_len, NULL);
    if (f) {
        ds_put_cstr(&s, "\n  filter:   ");
        mf_filter_format(&s, f);
    }
    if (more) {
        ds_put_format(&s, "\n  %s", more);
    }
    fprintf(stderr, "%s\n", ds_cstr(&s));
    ds_destroy(&s);
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct mf_filter f, g, members[MF_PTYPE_MAX_MEMBERS];
    static struct mf_ptype_info info;
    bool split;
    static uint8_t msg[MF_MSG_SIZE];
    const uint8_t *key, *mask, *acts;
    size_t key_len, mask_len, acts_len;
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct match m, back, want;
    const struct nlmsghdr *nlh;
    const struct nlattr *nest;
    uint64_t stub[512];
    void *key_copy = NULL, *mask_copy = NULL, *acts_copy = NULL;
    const char *why = NULL;
    static bool quiet;
    struct ofpbuf buf;
    size_t ofs;

    if (!quiet) {
        vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
        quiet = true;
    }

    if (!take(&data, &size, &key, &key_len)
        || !take(&data, &size, &mask, &mask_len)) {
        return 0;
    }
    acts = data;
    acts_len = size;
    /* Buffers of their exact sizes, so that ASan sees any overread. */
    key_copy = xmemdup(key, key_len);
    mask_copy = xmemdup(mask, mask_len);
    acts_copy = xmemdup(acts, acts_len);

    memset(&m, 0, sizeof m);
    if (!tunnel_valid(key_copy, key_len) || !tunnel_valid(mask_copy, mask_len)
        || odp_flow_key_to_flow(key_copy, key_len, &m.flow, NULL)
        != ODP_FIT_PERFECT
        || odp_flow_key_to_mask(mask_copy, mask_len, &m.wc, &m.flow, NULL)
           != ODP_FIT_PERFECT
        || !well_formed(acts_copy, acts_len)
        || !dp_valid(acts_copy, acts_len)
        || m.wc.masks.in_port.odp_port != u32_to_odp(UINT32_MAX)
        || lookup(m.flow.in_port.odp_port, &(uint32_t) { 0 }, NULL)
           != MF_PORT_NETDEV) {
        /* (The datapath's megaflows name their in_port, the device OVS
         * offloads them on.) */
        goto out;
    }
    if (mf_xlate_to_filter(&m, m.flow.in_port.odp_port, acts_copy, acts_len,
                           &ports, &f, &reason)) {
        if (!reason.length) {
            broken("refused without a reason", &m, acts_copy, acts_len,
                   NULL, NULL);
        }
        goto out;
    }

    /* Placed as the tc backend places it (mf_tcb's tcb_rule_place()),
     * then through the kernel and back, as an echo comes.  A filter with
     * packet type placeholders goes as the backend sends it
     * (mf-tcb-split.c): split by destination, its first member through
     * the kernel, and back to its base. */
    f.ifindex = 100 + odp_to_u32(m.flow.in_port.odp_port);
    f.parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS);
    f.prio = 0x4d01;
    f.handle = 1;
    memset(f.cookie, 0x5a, sizeof f.cookie);
    f.cookie_len = sizeof f.cookie;
    split = mf_ptype_needed(&f);
    if (split) {
        struct mf_err err = { .msg = "" };
        uint8_t ranks[MF_PTYPE_MAX_MEMBERS];
        size_t n;

        if (mf_ptype_split(&f, members, ranks, &n, &info, &err)) {
            if (!err.msg[0]) {
                broken("split refused without a reason", &m, acts_copy,
                       acts_len, &f, NULL);
            }
            goto out;               /* The backend refuses it so. */
        }
    }
    nlh = mf_filter_encode(msg, RTM_NEWTFILTER, 0, split ? &members[0] : &f,
                           true);
    if (mf_filter_decode(nlh, &g, &why)) {
        broken("the filter cannot be read back", &m, acts_copy, acts_len,
               &f, why);
    }
    if (split) {
        mf_ptype_unsplit(&g, &info);
    }
    ofpbuf_use_stub(&buf, stub, sizeof stub);
    if (mf_xlate_from_filter(&g, m.flow.in_port.odp_port, &ports, &back,
                             &buf, &ofs, &reason)) {
        broken("no way back", &m, acts_copy, acts_len, &g,
               ds_cstr(&reason));
    }
    want = m;
    want.wc.masks.packet_type = 0;      /* Implied; see mf-xlate.c. */
    flow_zero_wildcards(&want.flow, &want.wc);
    flow_zero_wildcards(&back.flow, &back.wc);
    untagged_exact(&want);
    untagged_exact(&back);
    if (!flow_wildcards_equal(&want.wc, &back.wc)
        || !flow_equal(&want.flow, &back.flow)) {
        struct ds b = DS_EMPTY_INITIALIZER;

        ds_put_cstr(&b, "back:     ");
        match_format(&back, NULL, &b, OFP_DEFAULT_PRIORITY);
        broken("the match came back different", &m, acts_copy, acts_len,
               &g, ds_cstr(&b));
    }
    nest = ofpbuf_at_assert(&buf, ofs, sizeof *nest);
    if (nl_attr_get_size(nest) != acts_len
        || (acts_len && memcmp(nl_attr_get(nest), acts_copy, acts_len))) {
        /* Other bytes for the same actions (a set as a masked set, say)
         * are the same to OVS: compared as OVS prints them, as the tc
         * backend's read-back check does. */
        struct ds a = DS_EMPTY_INITIALIZER, b = DS_EMPTY_INITIALIZER;

        format_odp_actions(&a, acts_copy, acts_len, NULL);
        format_odp_actions(&b, nl_attr_get(nest), nl_attr_get_size(nest),
                           NULL);
        if (strcmp(ds_cstr(&a), ds_cstr(&b))) {
            /* A set(tunnel) prints its attributes in the order they come,
             * and a ct a mark under a zero mask: the actions as OVS
             * builds them are the ones to compare. */
            ds_clear(&a);
            format_canonical(&a, acts_copy, acts_len);
        }
        if (strcmp(ds_cstr(&a), ds_cstr(&b))) {
            ds_put_cstr(&a, "\n  back:     ");
            ds_put_cstr(&a, ds_cstr(&b));
            broken("the actions came back different", &m, acts_copy,
                   acts_len, &g, ds_cstr(&a));
        }
        ds_destroy(&a);
        ds_destroy(&b);
    }
    ofpbuf_uninit(&buf);
out:
    ds_destroy(&reason);
    free(key_copy);
    free(mask_copy);
    free(acts_copy);
    return 0;
}

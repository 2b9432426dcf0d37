/* check-act: every action kind round-trips through its ops. */
#include <config.h>
#include "mf-unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/gen_stats.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_csum.h>
#include <linux/tc_act/tc_ct.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/tc_act/tc_mpls.h>
#include <linux/tc_act/tc_pedit.h>
#include <linux/tc_act/tc_tunnel_key.h>
#include <string.h>
#include <sys/socket.h>

#include "mf-act.h"
#include "mf-filter.h"
#include "openvswitch/dynamic-string.h"

static char buf[MF_MSG_SIZE];

/* One example of each kind (and each variant), indexed freely. */
static struct mf_act
example(size_t i)
{
    struct mf_act a;

    memset(&a, 0, sizeof a);
    switch (i) {
    case 0: case 1: case 2: case 3:
        a.kind = MF_ACT_MIRRED;
        a.mirred.eaction = (int32_t[]) { TCA_EGRESS_REDIR, TCA_EGRESS_MIRROR,
                                         TCA_INGRESS_REDIR,
                                         TCA_INGRESS_MIRROR }[i];
        a.mirred.ifindex = 7 + i;
        break;
    case 4:
        a.kind = MF_ACT_GACT;
        a.gact.verdict = TC_ACT_SHOT;
        break;
    case 5: case 6:
        a.kind = MF_ACT_VLAN;
        a.vlan.push = true;
        a.vlan.id = i == 5 ? 10 : 4095;
        a.vlan.prio = i == 5 ? 3 : 7;
        a.vlan.tpid = htons(i == 5 ? 0x8100 : 0x88a8);
        break;
    case 7:
        a.kind = MF_ACT_VLAN;               /* Pop. */
        break;
    case 8:                                 /* Two words of an IPv6 header. */
        a.kind = MF_ACT_PEDIT;
        a.pedit.htype = TCA_PEDIT_KEY_EX_HDR_TYPE_IP6;
        a.pedit.n_keys = 2;
        a.pedit.keys[0].off = 0;
        a.pedit.keys[0].mask = htonl(0xf00fffff);
        a.pedit.keys[0].val = htonl(0x02000000);
        a.pedit.keys[1].off = 36;
        a.pedit.keys[1].mask = 0;
        a.pedit.keys[1].val = htonl(0x20010db8);
        break;
    case 9:
        a.kind = MF_ACT_CSUM;
        a.csum.flags = TCA_CSUM_UPDATE_FLAG_IPV4HDR | TCA_CSUM_UPDATE_FLAG_TCP;
        break;
    case 10:                                /* Commit with everything. */
        a.kind = MF_ACT_CT;
        a.ct.action = (TCA_CT_ACT_COMMIT | TCA_CT_ACT_FORCE | TCA_CT_ACT_NAT
                       | TCA_CT_ACT_NAT_SRC);
        a.ct.zone = 5;
        a.ct.mark = 0x10;
        a.ct.mark_mask = 0xff;
        a.ct.labels[0] = 1;
        a.ct.labels_mask[0] = 0xff;
        a.ct.nat_family = AF_INET;
        memcpy(a.ct.ip_min, "\x0a\x00\x00\x01", 4);
        memcpy(a.ct.ip_max, "\x0a\x00\x00\x09", 4);
        a.ct.port_min = htons(1000);
        a.ct.port_max = htons(2000);
        break;
    case 11:
        a.kind = MF_ACT_CT;
        a.ct.action = TCA_CT_ACT_CLEAR;
        break;
    case 12:
        a.kind = MF_ACT_MPLS;
        a.mpls.action = TCA_MPLS_ACT_PUSH;
        a.mpls.proto = htons(0x8848);
        a.mpls.label = 0xfffff;
        a.mpls.tc = 7;
        a.mpls.ttl = 1;
        a.mpls.bos = 1;
        break;
    case 13:
        a.kind = MF_ACT_MPLS;
        a.mpls.action = TCA_MPLS_ACT_POP;
        a.mpls.proto = htons(0x0800);
        break;
    case 14:
        a.kind = MF_ACT_MPLS;
        a.mpls.action = TCA_MPLS_ACT_MODIFY;
        a.mpls.label = 16;
        a.mpls.ttl = 255;
        break;
    case 15:
        a.kind = MF_ACT_POLICE;
        a.police.index = 0x20000005;
        a.police.exceed = TC_ACT_SHOT;
        a.police.conform = TC_ACT_PIPE;
        break;
    case 16:
        a.kind = MF_ACT_POLICE;             /* A length check. */
        a.police.mtu = 1500;
        a.police.exceed = TC_ACT_PIPE;
        a.police.conform = TC_ACT_JUMP | 2;
        break;
    case 17:                                /* A random jump, with its own
                                             * cookie (a clone's mark). */
        a.kind = MF_ACT_GACT;
        a.gact.verdict = TC_ACT_JUMP | 5;
        a.gact.ptype = 1;                   /* PGACT_NETRAND */
        a.gact.pval = 10;
        a.gact.paction = TC_ACT_PIPE;
        a.cookie_len = 7;
        memcpy(a.cookie, "mfs\0\2\1\0", 7);
        break;
    case 18:
        a.kind = MF_ACT_SKBEDIT;
        a.skbedit.ptype = 3;                /* PACKET_OTHERHOST. */
        break;
    case 19:                                /* Decap. */
        a.kind = MF_ACT_TUNNEL;
        a.tunnel.release = true;
        break;
    case 20:                                /* VXLAN over IPv4. */
        a.kind = MF_ACT_TUNNEL;
        a.tunnel.family = AF_INET;
        memcpy(a.tunnel.src, "\x0a\x00\x01\x01", 4);
        memcpy(a.tunnel.dst, "\x0a\x00\x02\x02", 4);
        a.tunnel.key = true;
        a.tunnel.id = htonl(4242);
        a.tunnel.dst_port = htons(4789);
        a.tunnel.tos = 0x28;
        a.tunnel.ttl = 64;
        break;
    case 21:                                /* Geneve over IPv6. */
        a.kind = MF_ACT_TUNNEL;
        a.tunnel.family = AF_INET6;
        memset(a.tunnel.src, 0xfd, 16);
        memset(a.tunnel.dst, 0x20, 16);
        a.tunnel.key = true;
        a.tunnel.id = htonl(0xffffff);
        a.tunnel.dst_port = htons(6081);
        a.tunnel.ttl = 1;
        a.tunnel.csum = true;
        a.tunnel.df = true;
        a.tunnel.opts_len = 20;             /* Two options: 4 and 8 bytes
                                             * of data. */
        memcpy(a.tunnel.opts, "\x01\x02\x80\x01" "abcd"
                              "\xff\xff\x03\x02" "efghijkl", 20);
        break;
    default:
        a.kind = MF_ACT_SKBEDIT;
        a.skbedit.ptype = 3;                /* PACKET_OTHERHOST. */
        break;
    }
    return a;
}
#define N_EXAMPLES 22

/* Every kind in the registry has an example above. */
START_TEST(test_examples_cover_every_kind)
{
    bool seen[MF_ACT_N_KINDS] = { false };

    for (size_t i = 0; i < N_EXAMPLES; i++) {
        seen[example(i).kind] = true;
    }
    for (size_t k = 0; k < MF_ACT_N_KINDS; k++) {
        ck_assert_msg(seen[k], "action kind %s has no round-trip example",
                      mf_act_ops_get(k)->tc_kind);
    }
}
END_TEST

static struct nlattr *
encode(const struct mf_act *acts, size_t n, const uint8_t *cookie,
       size_t cookie_len)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

    mf_act_encode_list(nlh, TCA_FLOWER_ACT, acts, n, cookie, cookie_len);
    return mnl_nlmsg_get_payload(nlh);
}

/* Builds by hand a TCA_FLOWER_ACT list holding one action numbered
 * 'number', of tc kind 'kind', whose options hold one attribute. */
static struct nlattr *
hand_built(uint16_t number, const char *kind, uint16_t opt_type,
           const void *opt, size_t opt_len)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct nlattr *list, *act, *opts;

    list = mnl_attr_nest_start(nlh, TCA_FLOWER_ACT);
    act = mnl_attr_nest_start(nlh, number);
    mnl_attr_put_strz(nlh, TCA_ACT_KIND, kind);
    opts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
    if (opt_len) {
        mnl_attr_put(nlh, opt_type, opt_len, opt);
    }
    mnl_attr_nest_end(nlh, opts);
    mnl_attr_nest_end(nlh, act);
    mnl_attr_nest_end(nlh, list);
    return list;
}

START_TEST(test_each_kind_round_trips)
{
    struct mf_act in = example(_i), out[MF_ACT_MAX];
    uint8_t cookie[MF_COOKIE_LEN];
    const char *err = NULL;
    size_t n, cookie_len;
    const struct nlattr *nest;

    /* Alone, it is the first action: its cookie would be the filter's. */
    in.cookie_len = 0;
    memset(in.cookie, 0, sizeof in.cookie);
    nest = encode(&in, 1, NULL, 0);
    ck_assert_int_eq(mf_act_decode_list(nest, out, &n, cookie, &cookie_len,
                                        NULL, &err), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert(mf_act_equal(&in, &out[0]));
    ck_assert_uint_eq(cookie_len, 0);
}
END_TEST

START_TEST(test_every_kind_has_ops)
{
    for (int k = 0; k < MF_ACT_N_KINDS; k++) {
        const struct mf_act_ops *ops = mf_act_ops_get(k);

        ck_assert_ptr_nonnull(ops);
        ck_assert_int_eq(ops->kind, k);
        ck_assert(ops->encode && ops->decode && ops->format && ops->tc_kind);
    }
    ck_assert_ptr_null(mf_act_ops_get(MF_ACT_N_KINDS));
}
END_TEST

START_TEST(test_list_and_cookie_round_trip)
{
    struct mf_act in[N_EXAMPLES], out[MF_ACT_MAX];
    uint8_t cookie[MF_COOKIE_LEN], c2[MF_COOKIE_LEN];
    const char *err = NULL;
    size_t n, cookie_len;

    for (size_t i = 0; i < N_EXAMPLES; i++) {
        in[i] = example(i);
    }
    for (size_t i = 0; i < MF_COOKIE_LEN; i++) {
        cookie[i] = 0xc0 + i;
    }
    ck_assert_int_eq(mf_act_decode_list(encode(in, N_EXAMPLES, cookie,
                                               sizeof cookie),
                                        out, &n, c2, &cookie_len, NULL, &err),
                     0);
    ck_assert_uint_eq(n, N_EXAMPLES);
    for (size_t i = 0; i < n; i++) {
        ck_assert(mf_act_equal(&in[i], &out[i]));
    }
    ck_assert_uint_eq(cookie_len, sizeof cookie);
    ck_assert(!memcmp(cookie, c2, sizeof cookie));
}
END_TEST

/* A reply as the kernel sends it: stats and timestamps included. */
START_TEST(test_stats_are_read)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct nlattr *list, *act, *opts, *st;
    struct tc_mirred p = { .action = TC_ACT_STOLEN,
                           .eaction = TCA_EGRESS_REDIR, .ifindex = 3 };
    struct tcf_t tm = { .install = 500, .lastuse = 200 };
    struct gnet_stats_basic b = { .bytes = 12345, .packets = 67 };
    struct mf_act out[MF_ACT_MAX];
    struct mf_act_stats stats;
    uint8_t cookie[MF_COOKIE_LEN];
    const char *err = NULL;
    size_t n, cookie_len;

    list = mnl_attr_nest_start(nlh, TCA_FLOWER_ACT);
    act = mnl_attr_nest_start(nlh, 1);
    mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
    st = mnl_attr_nest_start(nlh, TCA_ACT_STATS);
    mnl_attr_put(nlh, TCA_STATS_BASIC, sizeof b, &b);
    mnl_attr_put_u64(nlh, TCA_STATS_PKT64, 5000000000ULL);
    b.packets = 10;
    b.bytes = 840;
    mnl_attr_put(nlh, TCA_STATS_BASIC_HW, sizeof b, &b);
    mnl_attr_nest_end(nlh, st);
    opts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
    mnl_attr_put(nlh, TCA_MIRRED_TM, sizeof tm, &tm);
    mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof p, &p);
    mnl_attr_nest_end(nlh, opts);
    mnl_attr_nest_end(nlh, act);
    mnl_attr_nest_end(nlh, list);

    ck_assert_int_eq(mf_act_decode_list(list, out, &n, cookie, &cookie_len,
                                        &stats, &err), 0);
    ck_assert_uint_eq(stats.n_packets, 5000000000ULL);
    ck_assert_uint_eq(stats.n_bytes, 12345);
    ck_assert_uint_eq(stats.n_packets_hw, 10);
    ck_assert_uint_eq(stats.n_bytes_hw, 840);
    ck_assert(stats.used);
    ck_assert_uint_gt(stats.lastuse_ms, 0);
}
END_TEST

START_TEST(test_unknown_kind_refused)
{
    struct mf_act out[MF_ACT_MAX];
    uint8_t cookie[MF_COOKIE_LEN];
    const char *err = NULL;
    size_t n, cookie_len;

    ck_assert_int_eq(mf_act_decode_list(hand_built(1, "sample", 0, NULL, 0),
                                        out, &n, cookie, &cookie_len, NULL,
                                        &err), EOPNOTSUPP);
    ck_assert_ptr_nonnull(strstr(err, "unknown"));
}
END_TEST

START_TEST(test_malformed_refused)
{
    struct mf_act out[MF_ACT_MAX];
    uint8_t cookie[MF_COOKIE_LEN];
    const char *err = NULL;
    size_t n, cookie_len;
    uint32_t junk = 1;

    /* Numbered 2 with no 1 before it. */
    ck_assert_int_eq(mf_act_decode_list(hand_built(2, "mirred",
                                                   TCA_MIRRED_PARMS, &junk,
                                                   sizeof junk),
                                        out, &n, cookie, &cookie_len, NULL,
                                        &err), EPROTO);
    ck_assert_str_eq(err, "actions out of order");

    /* A TCA_MIRRED_PARMS too short to hold a struct tc_mirred. */
    ck_assert_int_eq(mf_act_decode_list(hand_built(1, "mirred",
                                                   TCA_MIRRED_PARMS, &junk,
                                                   sizeof junk),
                                        out, &n, cookie, &cookie_len, NULL,
                                        &err), EPROTO);
    ck_assert_str_eq(err, "mirred: short TCA_MIRRED_PARMS");
}
END_TEST

/* A pedit action with the keys of example 8, changed by 'mutate' (0: as
 * is, 1: second key unaligned, 2: second key flips kept bits, 3: "add",
 * 4: second key on another header, 5: both keys on one word, 6: 'at'). */
static struct nlattr *
pedit_built(int mutate)
{
    struct mf_act ex = example(8);
    struct {
        struct tc_pedit_sel sel;
        struct tc_pedit_key keys[2];
    } p;
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct nlattr *list, *act, *opts, *keys_ex;

    memset(&p, 0, sizeof p);
    p.sel.action = TC_ACT_PIPE;
    p.sel.nkeys = 2;
    /* In reverse order: decoding sorts them. */
    for (int i = 0; i < 2; i++) {
        p.keys[i].off = ex.pedit.keys[1 - i].off;
        p.keys[i].mask = ex.pedit.keys[1 - i].mask;
        p.keys[i].val = ex.pedit.keys[1 - i].val;
    }
    p.keys[0].off += mutate == 1 ? 2 : 0;
    p.keys[0].mask |= mutate == 2 ? htonl(1) : 0;
    p.keys[0].val |= mutate == 2 ? htonl(1) : 0;
    p.keys[0].off = mutate == 5 ? 0 : p.keys[0].off;
    p.keys[0].at = mutate == 6;

    list = mnl_attr_nest_start(nlh, TCA_FLOWER_ACT);
    act = mnl_attr_nest_start(nlh, 1);
    mnl_attr_put_strz(nlh, TCA_ACT_KIND, "pedit");
    opts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
    mnl_attr_put(nlh, TCA_PEDIT_PARMS_EX, sizeof p, &p);
    keys_ex = mnl_attr_nest_start(nlh, TCA_PEDIT_KEYS_EX);
    for (int i = 0; i < 2; i++) {
        struct nlattr *k = mnl_attr_nest_start(nlh, TCA_PEDIT_KEY_EX);

        mnl_attr_put_u16(nlh, TCA_PEDIT_KEY_EX_HTYPE,
                         mutate == 4 && !i ? TCA_PEDIT_KEY_EX_HDR_TYPE_TCP
                         : TCA_PEDIT_KEY_EX_HDR_TYPE_IP6);
        mnl_attr_put_u16(nlh, TCA_PEDIT_KEY_EX_CMD,
                         mutate == 3 ? TCA_PEDIT_KEY_EX_CMD_ADD
                         : TCA_PEDIT_KEY_EX_CMD_SET);
        mnl_attr_nest_end(nlh, k);
    }
    mnl_attr_nest_end(nlh, keys_ex);
    mnl_attr_nest_end(nlh, opts);
    mnl_attr_nest_end(nlh, act);
    mnl_attr_nest_end(nlh, list);
    return list;
}

/* Pedit keys in any order decode sorted; what is not a plain set of whole
 * words of one header is refused, each with its own words. */
START_TEST(test_pedit_decode)
{
    static const char *const why[] = {
        NULL, "not a word", "flips bits", "only \"set\"",
        "more than one header", "two keys for one word", "offsets taken",
    };
    struct mf_act out[MF_ACT_MAX], ex = example(8);
    uint8_t cookie[MF_COOKIE_LEN];
    const char *err = NULL;
    size_t n, cookie_len;
    int error;

    error = mf_act_decode_list(pedit_built(_i), out, &n, cookie, &cookie_len,
                               NULL, &err);
    if (!why[_i]) {
        ck_assert_int_eq(error, 0);
        ck_assert(mf_act_equal(&out[0], &ex));
    } else {
        ck_assert_int_eq(error, EOPNOTSUPP);
        ck_assert_msg(strstr(err, why[_i]), "'%s' lacks '%s'", err, why[_i]);
    }
}
END_TEST

START_TEST(test_format)
{
    struct mf_act acts[2] = { example(1), example(4) };
    struct ds s = DS_EMPTY_INITIALIZER;

    mf_act_format_list(&s, acts, 2);
    ck_assert_str_eq(ds_cstr(&s),
                     "mirred(egress mirror,ifindex=8),gact(drop)");
    ds_clear(&s);
    acts[0] = example(8);
    acts[1] = example(9);
    mf_act_format_list(&s, acts, 2);
    ck_assert_str_eq(ds_cstr(&s), "pedit(ip6,0=02000000/0ff00000,"
                     "36=20010db8/ffffffff),csum(iph,tcp)");
    ds_destroy(&s);
}
END_TEST

/* The kernel dumps all Geneve options of a tunnel_key in one nest (class,
 * type, data, class, type, data), not one nest each as they were sent. */
START_TEST(test_tunnel_geneve_dump_form)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct nlattr *opts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
    struct nlattr *enc, *gnv;
    struct mf_act act, want = example(21);
    struct tc_tunnel_key p;
    const char *err = NULL;

    memset(&p, 0, sizeof p);
    p.action = TC_ACT_PIPE;
    p.t_action = TCA_TUNNEL_KEY_ACT_SET;
    mnl_attr_put(nlh, TCA_TUNNEL_KEY_PARMS, sizeof p, &p);
    mnl_attr_put(nlh, TCA_TUNNEL_KEY_ENC_IPV6_SRC, 16, want.tunnel.src);
    mnl_attr_put(nlh, TCA_TUNNEL_KEY_ENC_IPV6_DST, 16, want.tunnel.dst);
    mnl_attr_put(nlh, TCA_TUNNEL_KEY_ENC_KEY_ID, 4, &want.tunnel.id);
    mnl_attr_put(nlh, TCA_TUNNEL_KEY_ENC_DST_PORT, 2, &want.tunnel.dst_port);
    mnl_attr_put_u8(nlh, TCA_TUNNEL_KEY_NO_CSUM, 0);
    mnl_attr_put_u8(nlh, TCA_TUNNEL_KEY_ENC_TOS, want.tunnel.tos);
    mnl_attr_put_u8(nlh, TCA_TUNNEL_KEY_ENC_TTL, want.tunnel.ttl);
    mnl_attr_put(nlh, MF_TCA_TUNNEL_KEY_NO_FRAG, 0, NULL);
    enc = mnl_attr_nest_start(nlh, TCA_TUNNEL_KEY_ENC_OPTS);
    gnv = mnl_attr_nest_start(nlh, TCA_TUNNEL_KEY_ENC_OPTS_GENEVE);
    for (int ofs = 0; ofs < want.tunnel.opts_len; ) {
        const uint8_t *o = want.tunnel.opts + ofs;
        int len = 4 * (o[3] & 0x1f);

        mnl_attr_put(nlh, TCA_TUNNEL_KEY_ENC_OPT_GENEVE_CLASS, 2, o);
        mnl_attr_put_u8(nlh, TCA_TUNNEL_KEY_ENC_OPT_GENEVE_TYPE, o[2]);
        mnl_attr_put(nlh, TCA_TUNNEL_KEY_ENC_OPT_GENEVE_DATA, len, o + 4);
        ofs += 4 + len;
    }
    mnl_attr_nest_end(nlh, gnv);
    mnl_attr_nest_end(nlh, enc);
    mnl_attr_nest_end(nlh, opts);

    memset(&act, 0, sizeof act);
    act.kind = MF_ACT_TUNNEL;
    ck_assert_int_eq(mf_act_tunnel_ops.decode(opts, &act, &err), 0);
    ck_assert(mf_act_equal(&act, &want));
}
END_TEST

Suite *
mf_act_suite(void)
{
    Suite *s = suite_create("act");
    TCase *tc = tcase_create("actions");

    tcase_add_loop_test(tc, test_each_kind_round_trips, 0, N_EXAMPLES);
    tcase_add_test(tc, test_examples_cover_every_kind);
    tcase_add_loop_test(tc, test_pedit_decode, 0, 7);
    tcase_add_test(tc, test_every_kind_has_ops);
    tcase_add_test(tc, test_list_and_cookie_round_trip);
    tcase_add_test(tc, test_stats_are_read);
    tcase_add_test(tc, test_unknown_kind_refused);
    tcase_add_test(tc, test_malformed_refused);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_tunnel_geneve_dump_form);
    suite_add_tcase(s, tc);
    return s;
}

/* check-xlate: megaflows become filters and come back unchanged. */
#include <config.h>
#include "mf-unit.h"

#include <errno.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <string.h>

#include "flow.h"
#include "mf-caps.h"
#include "mf-filter.h"
#include "mf-ptype.h"
#include "mf-megaflows.h"
#include "mf-meter.h"
#include "mf-nl.h"
#include "mf-random.h"
#include "mf-test-ports.h"
#include "mf-xlate.h"
#include "netlink.h"
#include "odp-util.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"

static void
set_odp_in_port(struct match *m, uint32_t port)
{
    m->flow.in_port.odp_port = u32_to_odp(port);
    m->wc.masks.in_port.odp_port = u32_to_odp(UINT32_MAX);
}

/* A megaflow as the kernel datapath hands it over for a ping. */
static void
ping_match(struct match *m, ovs_be16 dl_type)
{
    struct eth_addr src = ETH_ADDR_C(02, 00, 00, 00, 00, 01);
    struct eth_addr dst = ETH_ADDR_C(02, 00, 00, 00, 00, 02);

    match_init_catchall(m);
    set_odp_in_port(m, 2);
    m->flow.packet_type = htonl(PT_ETH);
    m->wc.masks.packet_type = OVS_BE32_MAX;
    match_set_recirc_id(m, 0);
    match_set_dl_src(m, src);
    match_set_dl_dst(m, dst);
    match_set_dl_type(m, dl_type);
    /* No VLAN, as odp_flow_key_to_mask() says it. */
    m->flow.vlans[0].tci = 0;
    m->flow.vlans[0].tpid = 0;
    m->wc.masks.vlans[0].tci = OVS_BE16_MAX;
    m->wc.masks.vlans[0].tpid = OVS_BE16_MAX;
    match_set_nw_frag_masked(m, 0, FLOW_NW_FRAG_MASK);
}

static size_t
put_outputs(struct ofpbuf *b, const uint32_t *ports_, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        nl_msg_put_odp_port(b, OVS_ACTION_ATTR_OUTPUT, u32_to_odp(ports_[i]));
    }
    return b->size;
}

static void assert_round_trip(const struct match *, const struct ofpbuf *);

/* Round-trips 'm' with actions output(out[0]), output(out[1]), ... */
static void
assert_round_trip_outputs(const struct match *m, const uint32_t *out,
                          size_t n)
{
    struct ofpbuf acts;

    ofpbuf_init(&acts, 64);
    put_outputs(&acts, out, n);
    assert_round_trip(m, &acts);
    ofpbuf_uninit(&acts);
}

/* Translates there and back, and checks nothing changed. */
static void
assert_round_trip(const struct match *m, const struct ofpbuf *acts)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct match back, want = *m;
    struct mf_filter f;
    struct ofpbuf buf;
    const struct nlattr *nest;
    size_t ofs;

    ck_assert_msg(!mf_xlate_to_filter(m, m->flow.in_port.odp_port, acts->data,
                                      acts->size, &ports, &f, &reason),
                  "refused: %s", ds_cstr(&reason));
    ofpbuf_init(&buf, 64);
    ck_assert_msg(!mf_xlate_from_filter(&f, m->flow.in_port.odp_port, &ports,
                                        &back,
                                        &buf, &ofs, &reason),
                  "no way back: %s", ds_cstr(&reason));
    want.wc.masks.packet_type = 0;     /* Implied; see mf-xlate.c. */
    flow_zero_wildcards(&want.flow, &want.wc);
    flow_zero_wildcards(&back.flow, &back.wc);
    ck_assert(flow_wildcards_equal(&want.wc, &back.wc));
    ck_assert(flow_equal(&want.flow, &back.flow));
    nest = ofpbuf_at_assert(&buf, ofs, sizeof *nest);
    ck_assert_uint_eq(nl_attr_get_size(nest), acts->size);
    /* A drop flow has no actions, and may have no buffer for them. */
    ck_assert(!acts->size || !memcmp(nl_attr_get(nest), acts->data,
                                     acts->size));
    ofpbuf_uninit(&buf);
    ds_destroy(&reason);
}

START_TEST(test_ipv4_ping_round_trips)
{
    static const uint32_t out[] = { 3 };
    struct match m;
    struct ofpbuf acts;

    ping_match(&m, htons(ETH_TYPE_IP));
    ofpbuf_init(&acts, 64);
    put_outputs(&acts, out, 1);
    assert_round_trip(&m, &acts);

    match_set_nw_src_masked(&m, htonl(0x0a010100), htonl(0xffffff00));
    match_set_nw_dst(&m, htonl(0x0a010102));
    match_set_nw_proto(&m, 1);
    assert_round_trip(&m, &acts);
    ofpbuf_uninit(&acts);
}
END_TEST

START_TEST(test_ipv6_round_trips)
{
    static const uint32_t out[] = { 3 };
    struct in6_addr a = IN6ADDR_LOOPBACK_INIT, mask = IN6ADDR_EXACT_INIT;
    struct match m;

    ping_match(&m, htons(ETH_TYPE_IPV6));
    match_set_ipv6_src_masked(&m, &a, &mask);
    match_set_ipv6_dst(&m, &a);
    match_set_nw_proto(&m, 58);
    assert_round_trip_outputs(&m, out, 1);
}
END_TEST

START_TEST(test_arp_and_l2_only_round_trip)
{
    static const uint32_t out[] = { 4, 5, 6 };
    struct match m;

    ping_match(&m, htons(ETH_TYPE_ARP));
    m.wc.masks.nw_frag = 0;
    assert_round_trip_outputs(&m, out, 3);
}
END_TEST

/* Translates 'm' with outputs to out[0], out[1], ... into 'f' (it must
 * be taken) and checks that it round-trips. */
static void
xlate_outputs(const struct match *m, const uint32_t *out, size_t n,
              struct mf_filter *f)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct ofpbuf acts;

    ofpbuf_init(&acts, 64);
    put_outputs(&acts, out, n);
    ck_assert_msg(!mf_xlate_to_filter(m, u32_to_odp(2), acts.data, acts.size,
                                      &ports, f, &reason),
                  "refused: %s", ds_cstr(&reason));
    assert_round_trip(m, &acts);
    ofpbuf_uninit(&acts);
    ds_destroy(&reason);
}

START_TEST(test_outputs_become_mirror_then_redirect)
{
    static const uint32_t out[] = { 3, 8, 4 };
    struct mf_filter f;
    struct match m;

    ping_match(&m, htons(ETH_TYPE_IP));
    /* Multicast: what may go to an internal port (8). */
    match_set_dl_dst(&m, (struct eth_addr) ETH_ADDR_C(01, 00, 5e, 00, 00, 02));
    xlate_outputs(&m, out, 3, &f);
    ck_assert_uint_eq(f.n_acts, 4);
    ck_assert_int_eq(f.acts[0].mirred.eaction, TCA_EGRESS_MIRROR);
    ck_assert_uint_eq(f.acts[0].mirred.ifindex, 103);
    /* The host gets it as the internal device would: multicast. */
    ck_assert_int_eq(f.acts[1].kind, MF_ACT_SKBEDIT);
    ck_assert_uint_eq(f.acts[1].skbedit.ptype, 2);  /* PACKET_MULTICAST */
    ck_assert_int_eq(f.acts[2].mirred.eaction, TCA_INGRESS_MIRROR);
    ck_assert_int_eq(f.acts[3].mirred.eaction, TCA_EGRESS_REDIR);
    ck_assert_uint_eq(f.protocol, htons(ETH_TYPE_IP));
}
END_TEST

/* An output to the internal port that is the last action hands the
 * packet over, after its packet type, as any last output does. */
START_TEST(test_last_output_to_internal_redirects)
{
    static const uint32_t out[] = { 3, 8 };
    struct mf_filter f;
    struct match m;

    ping_match(&m, htons(ETH_TYPE_IP));
    xlate_outputs(&m, out, 2, &f);
    ck_assert_uint_eq(f.n_acts, 3);
    ck_assert_int_eq(f.acts[0].mirred.eaction, TCA_EGRESS_MIRROR);
    ck_assert_uint_eq(f.acts[1].skbedit.ptype, 0);  /* PACKET_HOST */
    ck_assert_int_eq(f.acts[2].mirred.eaction, TCA_INGRESS_REDIR);
}
END_TEST

START_TEST(test_drop)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct mf_filter f;
    struct match m;
    struct ofpbuf acts;

    ping_match(&m, htons(ETH_TYPE_IP));
    ofpbuf_init(&acts, 64);
    ck_assert_int_eq(mf_xlate_to_filter(&m, u32_to_odp(2), NULL, 0,
                                        &ports, &f, &reason), 0);
    ck_assert_uint_eq(f.n_acts, 1);
    ck_assert_int_eq(f.acts[0].kind, MF_ACT_GACT);
    ck_assert_int_eq(f.acts[0].gact.verdict, TC_ACT_SHOT);
    assert_round_trip(&m, &acts);
    ofpbuf_uninit(&acts);
    ds_destroy(&reason);
}
END_TEST

/* Each refusal names what it refused.  The filter goes on odp port
 * 'port'. */
static void
assert_refused_on(const struct match *m, const struct ofpbuf *acts,
                  uint32_t port, const char *needle)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct mf_filter f;

    ck_assert_int_eq(mf_xlate_to_filter(m, u32_to_odp(port), acts->data,
                                        acts->size, &ports, &f, &reason),
                     EOPNOTSUPP);
    ck_assert_msg(strstr(ds_cstr(&reason), needle),
                  "reason '%s' does not name '%s'", ds_cstr(&reason),
                  needle);
    ds_destroy(&reason);
}

/* The same on the port the match names. */
static void
assert_refused(const struct match *m, const struct ofpbuf *acts,
               const char *needle)
{
    assert_refused_on(m, acts, odp_to_u32(m->flow.in_port.odp_port), needle);
}

START_TEST(test_refusals_name_the_cause)
{
    static const uint32_t out[] = { 3 }, tnl[] = { 9 }, none[] = { 77 };
    struct ofpbuf acts, bad;
    struct match m;

    ofpbuf_init(&acts, 64);
    put_outputs(&acts, out, 1);

    ping_match(&m, htons(ETH_TYPE_IP));
    match_set_recirc_id(&m, 5);
    assert_refused(&m, &acts, "CONFIG_NET_TC_SKB_EXT");

    /* recirc_id 0 but partly wildcarded: chain 0 would take fewer
     * packets than the megaflow (found by fuzz-xlate). */
    ping_match(&m, htons(ETH_TYPE_IP));
    m.wc.masks.recirc_id = 0x7effffff;
    assert_refused(&m, &acts, "recirc_id: partly wildcarded");

    ping_match(&m, htons(ETH_TYPE_IP));
    match_set_pkt_mark(&m, 7);
    assert_refused(&m, &acts, "pkt_mark");

    ping_match(&m, htons(ETH_TYPE_IP));
    match_set_dp_hash(&m, 7);
    assert_refused(&m, &acts, "dp_hash");

    ping_match(&m, htons(ETH_TYPE_IP));
    set_odp_in_port(&m, 3);
    assert_refused_on(&m, &acts, 2, "in_port");

    /* A tunnel without a key (the dpctl syntax cannot say it). */
    ping_match(&m, htons(ETH_TYPE_IP));
    set_odp_in_port(&m, 9);
    match_set_tun_src(&m, htonl(0x0a000001));
    match_set_tun_dst(&m, htonl(0x0a000002));
    m.wc.masks.tunnel.flags |= FLOW_TNL_F_KEY;
    assert_refused(&m, &acts, "tun_flags -key");

    ping_match(&m, htons(ETH_TYPE_IP));
    ofpbuf_init(&bad, 64);
    put_outputs(&bad, tnl, 1);
    assert_refused(&m, &bad, "tunnel");
    ofpbuf_clear(&bad);
    put_outputs(&bad, none, 1);
    assert_refused(&m, &bad, "output(77)");
    ofpbuf_clear(&bad);
    nl_msg_put_u32(&bad, OVS_ACTION_ATTR_RECIRC, 7);
    assert_refused(&m, &bad, "recirc(0x7)");
    ofpbuf_uninit(&bad);
    ofpbuf_uninit(&acts);
}
END_TEST

static void
odp_megaflow(const char *flow_s, const char *actions_s, struct match *m,
             struct ofpbuf *acts)
{
    char *error = NULL;

    ck_assert_msg(!mf_test_parse_megaflow(flow_s, actions_s, m, acts, &error),
                  "%s %s: %s", flow_s, actions_s, error);
}

/* 'f' through the codec, as the kernel would get it: nothing changes. */
static void
assert_codec_keeps(struct mf_filter *f, const char *flow_s,
                   const char *actions_s)
{
    static struct mf_filter g;
    const char *err = NULL;
    char buf[MF_MSG_SIZE];

    f->handle = 1;
    ck_assert_int_eq(mf_filter_decode(mf_filter_encode(buf, RTM_NEWTFILTER,
                                                       0, f, true),
                                      &g, &err), 0);
    ck_assert_msg(mf_filter_same_rule(f, &g), "%s actions:%s: codec changed "
                  "the filter", flow_s, actions_s);
}

/* Translates the megaflow there, through the codec as the kernel would get
 * it, and back; nothing may change.  Returns false (and says why) if not. */
static void
check_megaflow(const char *flow_s, const char *actions_s)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct mf_filter f;
    struct ofpbuf acts;
    struct match m;

    odp_megaflow(flow_s, actions_s, &m, &acts);
    ck_assert_msg(!mf_xlate_to_filter(&m, m.flow.in_port.odp_port, acts.data,
                                      acts.size, &ports, &f, &reason),
                  "%s actions:%s: refused: %s", flow_s, actions_s,
                  ds_cstr(&reason));
    if (mf_ptype_needed(&f)) {
        /* What goes to the kernel is its split's members. */
        static struct mf_filter ms[MF_PTYPE_MAX_MEMBERS];
        uint8_t ranks[MF_PTYPE_MAX_MEMBERS];
        struct mf_ptype_info info;
        struct mf_err e;
        size_t n;
        int r = mf_ptype_split(&f, ms, ranks, &n, &info, &e);

        ck_assert_msg(!r, "%s", e.msg);
        ck_assert_uint_gt(n, 1);
        for (size_t i = 0; i < n; i++) {
            assert_codec_keeps(&ms[i], flow_s, actions_s);
        }
    } else {
        assert_codec_keeps(&f, flow_s, actions_s);
    }
    assert_round_trip(&m, &acts);
    ofpbuf_uninit(&acts);
    ds_destroy(&reason);
}

START_TEST(test_odp_megaflows_round_trip)
{
    check_megaflow(mf_test_offloadable[_i].flow,
                   mf_test_offloadable[_i].actions);
}
END_TEST

/* The property: 10,000 random valid megaflows (seeded, so a failure can be
 * replayed) come back from tc exactly as OVS put them. */
START_TEST(test_random_megaflows_round_trip)
{
    struct ds flow = DS_EMPTY_INITIALIZER, actions = DS_EMPTY_INITIALIZER;
    uint32_t seed = 20261122;

    for (int i = 0; i < 10000; i++) {
        mf_random_megaflow(&seed, &flow, &actions);
        check_megaflow(ds_cstr(&flow), ds_cstr(&actions));
    }
    ds_destroy(&flow);
    ds_destroy(&actions);
}
END_TEST

/* A clone that other actions follow: a marked gact, the body (mirrors
 * only), then a pedit that puts back what the match pinned and the
 * checksum fix-up before the next output. */
START_TEST(test_clone_is_undone)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct ofpbuf acts, buf;
    struct mf_filter f;
    struct match m, back;
    const struct mf_act *undo;
    size_t ofs;

    odp_megaflow(ETH_IN2 "eth_type(0x0800),ipv4(src=10.0.0.1,proto=17,"
                 "frag=no),udp()",
                 "clone(set(ipv4(src=10.0.0.9/255.255.255.255)),3),4",
                 &m, &acts);
    ck_assert_msg(!mf_xlate_to_filter(&m, u32_to_odp(2), acts.data,
                                      acts.size, &ports, &f, &reason),
                  "refused: %s", ds_cstr(&reason));
    /* carrier, mark, pedit, csum, mirror, undo pedit, csum, redirect. */
    ck_assert_uint_eq(f.n_acts, 8);
    ck_assert_int_eq(f.acts[0].kind, MF_ACT_GACT);
    ck_assert_uint_eq(f.acts[0].cookie_len, 0);
    ck_assert_int_eq(f.acts[1].kind, MF_ACT_GACT);
    ck_assert_uint_eq(f.acts[1].cookie_len, 7);
    ck_assert_int_eq(f.acts[4].mirred.eaction, TCA_EGRESS_MIRROR);
    undo = &f.acts[5];
    ck_assert_int_eq(undo->kind, MF_ACT_PEDIT);
    ck_assert_uint_eq(undo->pedit.n_keys, 1);
    ck_assert_uint_eq(undo->pedit.keys[0].off, 12);
    ck_assert_uint_eq(undo->pedit.keys[0].val, htonl(0x0a000001));
    ck_assert_int_eq(f.acts[6].kind, MF_ACT_CSUM);
    ck_assert_int_eq(f.acts[7].mirred.eaction, TCA_EGRESS_REDIR);

    /* A filter whose undo would leave the packet changed is not one
     * megaflower reads back as the clone. */
    f.acts[5].pedit.keys[0].val = htonl(0x0a000002);
    ofpbuf_init(&buf, 64);
    ck_assert_int_eq(mf_xlate_from_filter(&f, u32_to_odp(2), &ports, &back,
                                          &buf, &ofs, &reason), EOPNOTSUPP);
    ck_assert_msg(strstr(ds_cstr(&reason), "would not build"), "%s",
                  ds_cstr(&reason));
    ofpbuf_uninit(&buf);
    ofpbuf_uninit(&acts);
    ds_destroy(&reason);
}
END_TEST

/* A sample taken with a chance of 1/10: a random gact that jumps over the
 * body, its undo included, unless it takes the packet. */
START_TEST(test_sample_jumps_over_its_body)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct ofpbuf acts;
    struct mf_filter f;
    struct match m;

    odp_megaflow(ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
                 "sample(sample=10.0%,actions(push_vlan(vid=4,pcp=0),3)),4",
                 &m, &acts);
    ck_assert_msg(!mf_xlate_to_filter(&m, u32_to_odp(2), acts.data,
                                      acts.size, &ports, &f, &reason),
                  "refused: %s", ds_cstr(&reason));
    /* carrier, random gact, vlan push, mirror, vlan pop, redirect. */
    ck_assert_uint_eq(f.n_acts, 6);
    ck_assert_uint_eq(f.acts[1].gact.ptype, 1);         /* PGACT_NETRAND */
    ck_assert_uint_eq(f.acts[1].gact.pval, 10);
    ck_assert_int_eq(f.acts[1].gact.paction, TC_ACT_PIPE);
    ck_assert_int_eq(f.acts[1].gact.verdict, TC_ACT_JUMP | 5);
    ck_assert(f.acts[2].vlan.push);
    ck_assert(!f.acts[4].vlan.push);
    ck_assert_int_eq(f.acts[5].mirred.eaction, TCA_EGRESS_REDIR);
    ofpbuf_uninit(&acts);
    ds_destroy(&reason);
}
END_TEST

/* The packet type set before an output to the internal port follows the
 * destination MAC on each path: rewritten in the "greater" branch (other
 * host), not on the "less or equal" one, which jumps over it (host). */
START_TEST(test_internal_ptype_per_branch)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    uint16_t ptypes[2];
    struct ofpbuf acts;
    struct mf_filter f;
    struct match m;
    size_t n = 0;

    odp_megaflow(ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
                 "check_pkt_len(size=200,gt(set(eth(dst=02:00:00:00:00:07/"
                 "ff:ff:ff:ff:ff:ff)),8),le(8))", &m, &acts);
    ck_assert_msg(!mf_xlate_to_filter(&m, u32_to_odp(2), acts.data,
                                      acts.size, &ports, &f, &reason),
                  "refused: %s", ds_cstr(&reason));
    for (size_t i = 0; i < f.n_acts; i++) {
        if (f.acts[i].kind == MF_ACT_SKBEDIT && n < 2) {
            ptypes[n++] = f.acts[i].skbedit.ptype;
        }
    }
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(ptypes[0], 3);        /* PACKET_OTHERHOST */
    ck_assert_uint_eq(ptypes[1], 0);        /* PACKET_HOST */
    assert_round_trip(&m, &acts);
    ofpbuf_uninit(&acts);
    ds_destroy(&reason);
}
END_TEST

/* Megaflows megaflower must leave in software, and the words that must
 * appear in the reason. */
static const char *const refused[][3] = {
    { "skb_mark(0x7),recirc_id(0),in_port(2),eth(),eth_type(0x0800),"
      "ipv4(frag=no)", "3", "pkt_mark" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "userspace(pid=1)",
      "userspace" },
    { ETH_IN2 "eth_type(0x8100),vlan(vid=10/0xff0),encap(eth_type(0x0800),"
      "ipv4(frag=no))", "3", "vid" },
    { ETH_IN2 "eth_type(0x86dd),ipv6(frag=first)", "3", "IPv6 fragments" },
    { "ct_state(+trk+snat),recirc_id(0),in_port(2),eth(),eth_type(0x0800),"
      "ipv4(frag=no)", "3", "NAT" },
    { ETH_IN2 "eth_type(0x8847),mpls(label=100/0xff,tc=3,ttl=64,bos=1)", "3",
      "mpls_label" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "recirc(1)",
      "recirc(0x1): the kernel cannot share recirculation with tc" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=6,frag=no),tcp()",
      "ct(zone=1),recirc(2)", "CONFIG_NET_TC_SKB_EXT" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "set(skb_mark(0x5)),3",
      "no pedit mapping" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=6,frag=first),tcp()",
      "set(ipv4(src=10.0.0.9/255.255.255.255)),3", "fragments" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "set(tcp(src=1,dst=2)),3", "does not pin" },
    { ETH_IN2 "eth_type(0x86dd),ipv6(frag=no)",
      "set(ipv4(src=10.0.0.9/255.255.255.255)),3", "does not pin" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "set(ipv4(src=10.0.0.9,dst=10.0.0.1,proto=0,tos=0,ttl=1,frag=no)),3",
      "without a mask" },
    { ETH_IN2 "eth_type(0x88a8),vlan(vid=100),encap(eth_type(0x8100),"
      "vlan(vid=10),encap(eth_type(0x0800),ipv4(frag=no)))",
      "set(ipv4(ttl=1/0xff)),3", "two VLAN tags" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=6,frag=no),tcp()",
      "ct(commit,helper=ftp),3", "helpers" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=6,frag=no),tcp()",
      "ct(commit,nat(src=10.0.0.1,random)),3", "random" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=6,frag=no),tcp()",
      "ct(commit,nat(src=10.0.0.1,persistent)),3", "persistent" },
    { ETH_IN2 "eth_type(0x8847),mpls(label=100,tc=3,ttl=64,bos=1)",
      "set(mpls(label=200,tc=1,ttl=0,bos=1)),3", "TTL 0" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "set(eth(dst=02:00:00:00:00:09/ff:ff:ff:00:00:00)),8",
      "destination MAC a masked set rewrote in part" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "meter(6),3",
      "meter(6): not set in tc" },
    { ETH_IN2 "eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),"
      "ipv4(frag=no))", "check_pkt_len(size=200,gt(4),le(3))", "VLAN" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "check_pkt_len(size=200,gt(ct(commit),4),le(5)),3",
      "in a clone that other actions follow" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "clone(ct(commit),3),4",
      "in a clone that other actions follow" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=17,frag=no),udp()",
      "clone(set(ipv4(src=10.0.0.9/255.255.255.255)),3),4",
      "cannot be put back" },
    { ETH_IN2 "eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),"
      "ipv4(frag=no))", "clone(pop_vlan,3),4", "the tag" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "sample(sample=30.0%,actions(3)),4", "1/N" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "sample(sample=10.0%,actions(userspace(pid=1))),3", "psample" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "clone(),3", "no actions" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "push_vlan(vid=4095,pcp=0),3",
      "reserved VID" },
    { "tunnel(tun_id=0x1/0xff,src=10.0.0.1,dst=10.0.0.2,ttl=0/0,flags(+key)),"
      "recirc_id(0),in_port(9),eth(),eth_type(0x0800),ipv4(frag=no)", "2",
      "exact" },
    { "tunnel(tun_id=0x100000000,src=10.0.0.1,dst=10.0.0.2,ttl=0/0,"
      "flags(+key)),"
      "recirc_id(0),in_port(9),eth(),eth_type(0x0800),ipv4(frag=no)", "2",
      "32 bits" },
    { "tunnel(tun_id=0x1,src=10.0.0.1,dst=10.0.0.2,ttl=0/0,geneve({class=0x102,"
      "type=0x80,len=4,0x1}),flags(+key)),recirc_id(0),in_port(9),eth(),"
      "eth_type(0x0800),ipv4(frag=no)", "2", "Geneve options" },
    { "tunnel(tun_id=0x1,src=10.0.0.1,dst=10.0.0.2,ttl=0/0,vxlan(gbp(id=10)),"
      "flags(+key)),recirc_id(0),in_port(9),eth(),eth_type(0x0800),"
      "ipv4(frag=no)", "2", "group policy" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "9", "without a set(tunnel)" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "set(tunnel(tun_id=0x1,dst=10.0.0.1,ttl=64,tp_src=1000,flags(key))),9",
      "source port" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "set(tunnel(tun_id=0x1,dst=10.0.0.1,ttl=64,flags(oam|key))),9",
      "OAM" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "clone(set(tunnel(tun_id=0x1,dst=10.0.0.1,ttl=64,flags(key))),9),3",
      "in a clone that other actions follow" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "set(tunnel(tun_id=0x7,dst=10.0.0.9,ttl=64,tp_dst=6081,"
      "geneve({class=0xffff,type=0x1,len=0}),flags(key))),9",
      "without data" },
    /* OVN's option is critical: tc would send it without the C bit. */
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "set(tunnel(tun_id=0x7,dst=10.0.0.9,ttl=64,tp_dst=6081,"
      "geneve({class=0x102,type=0x80,len=4,0x1}),flags(key))),9",
      "class 0x102 type 0x80 is critical: the datapath sets the Geneve "
      "header's C bit for it, tc's tunnel_key does not" },
};

START_TEST(test_odp_megaflows_refused)
{
    struct ofpbuf acts;
    struct match m;

    odp_megaflow(refused[_i][0], refused[_i][1], &m, &acts);
    assert_refused(&m, &acts, refused[_i][2]);
    ofpbuf_uninit(&acts);
}
END_TEST

Suite *
mf_xlate_suite(void)
{
    Suite *s = suite_create("xlate");

    mf_meter_register(MF_TEST_METER);
    mf_caps_assume_all();
    TCase *tc = tcase_create("megaflows");

    tcase_add_test(tc, test_ipv4_ping_round_trips);
    tcase_add_test(tc, test_ipv6_round_trips);
    tcase_add_test(tc, test_arp_and_l2_only_round_trip);
    tcase_add_test(tc, test_outputs_become_mirror_then_redirect);
    tcase_add_test(tc, test_last_output_to_internal_redirects);
    tcase_add_test(tc, test_drop);
    tcase_add_test(tc, test_refusals_name_the_cause);
    tcase_add_loop_test(tc, test_odp_megaflows_round_trip, 0,
                        mf_test_n_offloadable);
    tcase_add_test(tc, test_random_megaflows_round_trip);
    tcase_add_test(tc, test_internal_ptype_per_branch);
    tcase_add_test(tc, test_clone_is_undone);
    tcase_add_test(tc, test_sample_jumps_over_its_body);
    tcase_add_loop_test(tc, test_odp_megaflows_refused, 0,
                        ARRAY_SIZE(refused));
    suite_add_tcase(s, tc);
    return s;
}

/* mf-megaflows: megaflows for tests, in ovs-dpctl syntax. */
#include <config.h>
#include "mf-megaflows.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netlink.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "packets.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

/* Megaflows megaflower offloads, one of each match field and action kind
 * at least. */
const struct mf_test_megaflow mf_test_offloadable[] = {
    { ETH_IN2 "eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.0/255.0.0.0,"
      "proto=6,tos=0x10,ttl=64,frag=no),tcp(src=1234,dst=80)", "3" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=0x50/0xfff0),"
      "tcp_flags(+syn-ack)", "3" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=17,frag=no),udp(src=53)", "3,4" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=132,frag=no),sctp(dst=9)", "3" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=1,frag=no),icmp(type=8,code=0)",
      "3" },
    { ETH_IN2 "eth_type(0x86dd),ipv6(src=2001:db8::1,proto=58,tclass=0x3,"
      "hlimit=255,frag=no),icmpv6(type=128,code=0)", "3" },
    { ETH_IN2_MC "eth_type(0x86dd),ipv6(dst=2001:db8::/ffff:ffff::,proto=6,frag=no),"
      "tcp(src=22)", "8" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=first)", "3" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=later)", "3" },
    { ETH_IN2 "eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=1,"
      "sha=02:00:00:00:00:01,tha=00:00:00:00:00:00)", "3,4,5" },
    { ETH_IN2 "eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),"
      "ipv4(frag=no))", "3" },
    { ETH_IN2 "eth_type(0x8100),vlan(vid=10),encap(eth_type(0x86dd),"
      "ipv6(frag=no))", "3" },
    { ETH_IN2 "eth_type(0x88a8),vlan(vid=100),encap(eth_type(0x8100),"
      "vlan(vid=10,pcp=1),encap(eth_type(0x0800),ipv4(frag=no)))", "3" },
    { ETH_IN2 "eth_type(0x8847),mpls(label=100,tc=3,ttl=64,bos=1)", "3" },
    { "ct_state(-trk),recirc_id(0),in_port(2),eth(),eth_type(0x0800),"
      "ipv4(frag=no)", "3" },
    { "ct_state(+trk+est-rpl),ct_zone(5),ct_mark(0x10/0xf0),"
      "ct_label(0x1/0xff),recirc_id(0),in_port(2),eth(),eth_type(0x0800),"
      "ipv4(frag=no)", "3" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "" },        /* Drop. */
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "push_vlan(vid=10,pcp=3),3" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "3,push_vlan(vid=5,pcp=0),4" },
    { ETH_IN2_MC "eth_type(0x0800),ipv4(frag=no)",
      "push_vlan(tpid=0x88a8,vid=100,pcp=0),push_vlan(vid=10,pcp=7),8" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "3,push_vlan(vid=1,pcp=0)" },
    { ETH_IN2 "eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),"
      "ipv4(frag=no))", "pop_vlan,3,4" },
    /* Rewrites: a full set, masked sets, and the csum before each output
     * that follows a rewrite needing one. */
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "set(eth(src=02:00:00:00:00:aa,dst=02:00:00:00:00:bb)),3" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "3,set(eth(dst=02:00:00:00:00:bb/ff:ff:ff:ff:00:ff)),4" },
    { ETH_IN2 "eth_type(0x0800),ipv4(src=10.0.0.1,proto=6,frag=no),tcp()",
      "set(ipv4(src=10.0.0.9/255.255.255.255,ttl=63/0xff)),"
      "set(tcp(dst=8080/0xffff)),3" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=6,frag=no),tcp()",
      "set(tcp(src=1,dst=2)),3,4" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=17,frag=no),udp()",
      "set(udp(dst=53/0xffff)),3,set(ipv4(dst=10.1.0.0/255.255.0.0)),4" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=first)",
      "set(ipv4(tos=0x20/0xfc,ttl=9/0xff)),3" },
    { ETH_IN2 "eth_type(0x86dd),ipv6(proto=17,frag=no),udp()",
      "set(ipv6(src=2001:db8::9/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,"
      "label=0x12345/0xfffff,tclass=0x20/0xfc,hlimit=63/0xff)),3" },
    { ETH_IN2 "eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6()",
      "set(ipv6(dst=2001:db8::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff)),3" },
    { ETH_IN2 "eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),"
      "ipv4(proto=6,frag=no),tcp())",
      "pop_vlan,set(tcp(dst=22/0xffff)),3" },
    /* Conntrack without recirculation. */
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=6,frag=no),tcp()",
      "ct(commit,zone=5,mark=0x10/0xff,label=0x1/0x1),3" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=6,frag=no),tcp()",
      "ct(zone=1,nat(src=10.0.0.1-10.0.0.9:1000-2000)),3" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=17,frag=no),udp()",
      "ct(commit,zone=3,nat(dst=10.0.0.1:53)),3" },
    { ETH_IN2 "eth_type(0x86dd),ipv6(proto=6,frag=no),tcp()",
      "ct(force_commit,zone=2,nat(dst=[2001:db8::1]:80)),3" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "ct(zone=7,nat),3" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "ct_clear,3" },
    /* MPLS. */
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "push_mpls(label=100,tc=3,ttl=64,bos=1,eth_type=0x8847),3" },
    { ETH_IN2 "eth_type(0x8847),mpls(label=100,tc=3,ttl=64,bos=1)",
      "pop_mpls(eth_type=0x800),3" },
    { ETH_IN2 "eth_type(0x8847),mpls(label=100,tc=3,ttl=64,bos=1)",
      "set(mpls(label=200,tc=1,ttl=63,bos=1)),3,4" },
    /* Length checks: both branches, an empty one (a drop), after a
     * rewrite whose fix-up each branch needs. */
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "check_pkt_len(size=200,gt(4),le(3))" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "5,check_pkt_len(size=1500,gt(push_vlan(vid=9,pcp=0),4),le())" },
    { ETH_IN2_MC "eth_type(0x0800),ipv4(proto=17,frag=no),udp()",
      "set(udp(dst=53/0xffff)),check_pkt_len(size=100,gt(3,4),le(8))" },
    /* ... nested, in either branch (upstream's check_pkt_len test). */
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "check_pkt_len(size=200,gt(check_pkt_len(size=400,gt(5),le(4))),"
      "le(5))" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "check_pkt_len(size=200,gt(5),le(check_pkt_len(size=100,gt(5),"
      "le(4))))" },
    /* ... and followed by other actions, as OVS's check_pkt_larger with a
     * resubmit makes it (upstream's own system test). */
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "check_pkt_len(size=200,gt(4),le(5)),3" },
    { ETH_IN2_MC "eth_type(0x0800),ipv4(proto=17,frag=no),udp()",
      "set(udp(dst=53/0xffff)),check_pkt_len(size=64,gt(),le(5,8)),"
      "push_vlan(vid=3,pcp=0),3" },
    /* ... nested in a branch, others following (upstream's check_pkt_len
     * test again). */
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "check_pkt_len(size=200,gt(check_pkt_len(size=400,gt(5),le(4))),"
      "le(5)),3" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "check_pkt_len(size=200,gt(5),le(check_pkt_len(size=100,gt(5),"
      "le(4)))),3" },
    /* ... with branches that change the copy they get, undone after them
     * (upstream's second check_pkt_len test: tos rewritten, then more
     * outputs). */
    { ETH_IN2 "eth_type(0x0800),ipv4(tos=0/0xfc,frag=no)",
      "check_pkt_len(size=200,gt(set(ipv4(tos=0x4/0xfc)),4),"
      "le(push_vlan(vid=1,pcp=0),5)),3" },
    /* Unicast to the internal port 8: to its MAC, and to another (the
     * packet type is set for the host first). */
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "3,8" },
    { ETH_IN2 "eth_type(0x0800),ipv4(proto=6,frag=no),tcp()",
      "set(eth(dst=02:00:00:00:00:07/ff:ff:ff:ff:ff:ff)),"
      "set(tcp(dst=80/0xffff)),8" },
    /* To the internal port 8 with eth_dst not pinned: split by
     * destination for the host's packet type (mf-ptype.h), also inside
     * the branches of a length check (upstream's check_pkt_len test). */
    { "recirc_id(0),in_port(2),eth(src=02:00:00:00:00:01),"
      "eth_type(0x0800),ipv4(frag=no)", "3,8" },
    { "recirc_id(0),in_port(2),eth(dst=01:00:00:00:00:00/"
      "01:00:00:00:00:00),eth_type(0x86dd),ipv6(frag=no)", "8,3" },
    { "recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(frag=no)",
      "check_pkt_len(size=200,gt(8),le(8)),3" },
    /* Meters (MF_TEST_METER is set before these run). */
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "meter(5),3" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "push_vlan(vid=7,pcp=0),"
      "meter(5),3" },
    /* Clones: undone after their body when other actions follow (a VLAN
     * pushed or popped, a rewrite the match pins), nested, or last. */
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "clone(push_vlan(vid=7,pcp=0),3),4" },
    { ETH_IN2 "eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),"
      "ipv4(frag=no))", "clone(pop_vlan,3),4" },
    { ETH_IN2 "eth_type(0x0800),ipv4(src=10.0.0.1,proto=17,tos=0x10,frag=no),"
      "udp(dst=53)", "clone(set(ipv4(src=10.0.0.9/255.255.255.255,"
      "tos=0x20/0xfc)),set(udp(dst=5353/0xffff)),3),4" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "clone(set(eth(dst=02:00:00:00:00:09/ff:ff:ff:ff:ff:ff)),"
      "clone(push_vlan(vid=3,pcp=0),4),3),5" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)", "4,clone(3)" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "clone(ct(commit,zone=3),3)" },
    /* Samples: always taken (a clone), or with a chance of 1/N (tc's random
     * gact), in the middle or last. */
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "sample(sample=100.0%,actions(3)),4" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "sample(sample=10.0%,actions(push_vlan(vid=4,pcp=0),3)),4" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "4,sample(sample=50.0%,actions(3))" },
    /* Tunnels.  Port 9 is a VXLAN port: flows from it decapsulate (as
     * OVS's megaflows for a VXLAN port look), flows to it encapsulate. */
    { "tunnel(tun_id=0x64,src=172.31.1.2,dst=172.31.1.1,tos=0,ttl=0/0,"
      "flags(-df+csum+key)),recirc_id(0),in_port(9),eth(src=02:00:00:00:00:01,"
      "dst=02:00:00:00:00:02),eth_type(0x0800),ipv4(frag=no)", "2" },
    { "tunnel(tun_id=0xffffff,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,"
      "tos=0x20/0xfc,ttl=64,tp_src=0x8000/0x8000,tp_dst=6081,"
      "flags(+df-csum+key)),recirc_id(0),in_port(9),eth(),"
      "eth_type(0x86dd),ipv6(frag=no)", "2,3" },
    { "tunnel(tun_id=0,src=10.0.0.1/255.255.255.0,dst=10.0.0.2,ttl=0/0,"
      "flags(+key)),recirc_id(0),in_port(9),eth(),eth_type(0x0806),arp()",
      "set(tunnel(tun_id=0x2,dst=10.0.0.3,ttl=64,tp_dst=4789,"
      "flags(df|key))),9" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "set(tunnel(tun_id=0x64,dst=172.31.1.2,ttl=64,tp_dst=4789,"
      "flags(df|key))),9" },
    { ETH_IN2 "eth_type(0x86dd),ipv6(frag=no)",
      "set(tunnel(tun_id=0x5,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,"
      "tos=0x10,ttl=7,tp_dst=6081,flags(csum|key))),9" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "set(tunnel(tun_id=0x7,src=10.0.0.8,dst=10.0.0.9,ttl=64,tp_dst=6081,"
      "geneve({class=0x102,type=0x1,len=4,0xa0b0c0d}"
      "{class=0xffff,type=0x7f,len=8,0x1122334455667788}),flags(df|key))),9" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "3,set(tunnel(tun_id=0x1,dst=10.0.0.1,ttl=64,flags(key))),9,"
      "set(tunnel(tun_id=0x1,dst=10.0.0.2,ttl=64,flags(key))),9" },
    { ETH_IN2 "eth_type(0x0800),ipv4(frag=no)",
      "set(tunnel(dst=10.0.0.1,ttl=255)),9" },
};

const size_t mf_test_n_offloadable = ARRAY_SIZE(mf_test_offloadable);

/* Parses one action that odp_actions_from_string() cannot: push_mpls and
 * pop_mpls (OVS prints them but has no parser for them).  Returns true if
 * 's' was one. */
static bool
parse_mpls_action(const char *s, struct ofpbuf *acts)
{
    unsigned int label, tc, ttl, bos, eth_type;

    if (sscanf(s, "push_mpls(label=%u,tc=%u,ttl=%u,bos=%u,eth_type=%x)",
               &label, &tc, &ttl, &bos, &eth_type) == 5) {
        struct ovs_action_push_mpls push;

        /* Its padding goes into the attribute: zero it. */
        memset(&push, 0, sizeof push);
        push.mpls_lse = htonl((label << MPLS_LABEL_SHIFT)
                              | (tc << MPLS_TC_SHIFT)
                              | (bos << MPLS_BOS_SHIFT)
                              | (ttl << MPLS_TTL_SHIFT));
        push.mpls_ethertype = htons(eth_type);

        nl_msg_put_unspec(acts, OVS_ACTION_ATTR_PUSH_MPLS, &push,
                          sizeof push);
        return true;
    }
    if (sscanf(s, "pop_mpls(eth_type=%x)", &eth_type) == 1) {
        nl_msg_put_be16(acts, OVS_ACTION_ATTR_POP_MPLS, htons(eth_type));
        return true;
    }
    return false;
}

/* ovs-vswitchd writes a set(tunnel(...)) with odp_put_tunnel_action():
 * always a plain set, its attributes in tun_key_to_attr()'s order.  The
 * string parser may make it a masked set, in another order; rewrites the
 * action at 'ofs' (if a tunnel set) as ovs-vswitchd would have. */
static int
canonical_tunnel_set(struct ofpbuf *acts, size_t ofs)
{
    const struct nlattr *a = ofpbuf_at_assert(acts, ofs, sizeof *a);
    struct flow_tnl tnl;

    if ((nl_attr_type(a) != OVS_ACTION_ATTR_SET
         && nl_attr_type(a) != OVS_ACTION_ATTR_SET_MASKED)
        || nl_attr_type(nl_attr_get(a)) != OVS_KEY_ATTR_TUNNEL) {
        return 0;
    }
    if (odp_tun_key_from_attr(nl_attr_get(a), &tnl, NULL) != ODP_FIT_PERFECT) {
        return EINVAL;
    }
    acts->size = ofs;
    odp_put_tunnel_action(&tnl, acts, NULL);
    return 0;
}

/* Parses comma-separated datapath actions, one at a time. */
static int
parse_actions(const char *s, struct ofpbuf *acts)
{
    while (*s) {
        const char *p = s;
        int depth = 0;
        char *one;
        int error = 0;

        for (; *p && (*p != ',' || depth); p++) {
            depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
        }
        one = xmemdup0(s, p - s);
        if (!parse_mpls_action(one, acts)) {
            size_t ofs = acts->size;

            error = odp_actions_from_string(one, NULL, acts);
            if (!error) {
                error = canonical_tunnel_set(acts, ofs);
            }
        }
        free(one);
        if (error) {
            return error;
        }
        s = *p ? p + 1 : p;
    }
    return 0;
}

int
mf_test_parse_megaflow(const char *flow_s, const char *actions_s,
                       struct match *m, struct ofpbuf *acts, char **errorp)
{
    struct ofpbuf key, mask;
    int error;

    *errorp = NULL;
    ofpbuf_init(&key, 0);
    ofpbuf_init(&mask, 0);
    ofpbuf_init(acts, 0);
    error = odp_flow_from_string(flow_s, NULL, &key, &mask, errorp);
    if (!error && parse_key_and_mask_to_match(key.data, key.size, mask.data,
                                              mask.size, m)) {
        *errorp = xstrdup("not a match");
        error = EINVAL;
    }
    if (!error && parse_actions(actions_s, acts)) {
        *errorp = xstrdup("bad actions");
        error = EINVAL;
    }
    if (error && !*errorp) {
        *errorp = xstrdup("parse error");
    }
    ofpbuf_uninit(&key);
    ofpbuf_uninit(&mask);
    return error;
}
